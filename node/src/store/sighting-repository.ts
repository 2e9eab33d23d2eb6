import type { SightingSummary } from "../model/sighting.js";
import { bucket, decodeJson, encodeJson, type Database, type Sublevel, type WriteOp } from "./db.js";

/** Sighting summaries by indicator id: who saw it, reported it false or expired, and when. */
export class SightingRepository {
  private readonly sublevel: Sublevel;

  constructor(db: Database) {
    this.sublevel = bucket(db, "sightings");
  }

  async getMany(ids: string[]): Promise<Array<SightingSummary | undefined>> {
    if (ids.length === 0) return [];
    const values = await this.sublevel.getMany(ids);
    return values.map((bytes) => (bytes ? decodeJson<SightingSummary>(bytes) : undefined));
  }

  async get(id: string): Promise<SightingSummary | undefined> {
    return (await this.getMany([id]))[0];
  }

  putOp(summary: SightingSummary): WriteOp {
    return { type: "put", sublevel: this.sublevel, key: summary.indicatorId, value: encodeJson(summary) };
  }

  delOp(id: string): WriteOp {
    return { type: "del", sublevel: this.sublevel, key: id };
  }

  async *all(): AsyncGenerator<SightingSummary> {
    for await (const value of this.sublevel.values()) yield decodeJson<SightingSummary>(value);
  }
}
