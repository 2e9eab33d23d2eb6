import { LEGACY_SCOPE, type SightingSummary, type StoredSightings } from "../model/sighting.js";
import { bucket, decodeJson, encodeJson, type Database, type Sublevel, type WriteOp } from "./db.js";

/**
 * Sightings by indicator id: who saw it, reported it false or expired, and when, kept per scope
 * (where each sighting travelled), so that every audience is shown only what it may know
 * (privacy/audience.ts: sightingsFor). Summaries written before scopes were kept read as
 * "legacy": this org's own view only.
 */
export class SightingRepository {
  private readonly sublevel: Sublevel;

  constructor(db: Database) {
    this.sublevel = bucket(db, "sightings");
  }

  private static decode(bytes: Uint8Array): StoredSightings {
    const stored = decodeJson<StoredSightings | SightingSummary>(bytes);
    return "byScope" in stored ? stored : { indicatorId: stored.indicatorId, byScope: { [LEGACY_SCOPE]: stored.byOrg } };
  }

  async getMany(ids: string[]): Promise<Array<StoredSightings | undefined>> {
    if (ids.length === 0) return [];
    const values = await this.sublevel.getMany(ids);
    return values.map((bytes) => (bytes ? SightingRepository.decode(bytes) : undefined));
  }

  async get(id: string): Promise<StoredSightings | undefined> {
    return (await this.getMany([id]))[0];
  }

  putOp(stored: StoredSightings): WriteOp {
    return { type: "put", sublevel: this.sublevel, key: stored.indicatorId, value: encodeJson(stored) };
  }

  delOp(id: string): WriteOp {
    return { type: "del", sublevel: this.sublevel, key: id };
  }

  async *all(): AsyncGenerator<StoredSightings> {
    for await (const value of this.sublevel.values()) yield SightingRepository.decode(value);
  }
}
