import type { SightingKind } from "../model/sighting.js";
import { bucket, decodeJson, encodeJson, type Database, type Sublevel, type WriteOp } from "./db.js";

/**
 * This org's own evidence about producers, waiting for its epoch report on chain: one entry per
 * (producer, kind, indicator), so that an indicator confirmed a hundred times counts once.
 * `reportedEpoch` marks entries already sent, so that an amendment within the same epoch sends
 * them again with the new ones, and later epochs start afresh.
 */
export interface EvidenceEntry {
  producer: string;
  kind: Extract<SightingKind, "sighting" | "false-positive">;
  indicatorId: string;
  observedAt: number;
  reportedEpoch: number | undefined;
  /**
   * Sequence of the producer's batch holding the statement this evidence is about: a report
   * counts it only once the producer has anchored that batch (entries of earlier versions lack it).
   */
  sequence?: number;
}

export class EvidenceRepository {
  private readonly sublevel: Sublevel;

  constructor(db: Database) {
    this.sublevel = bucket(db, "evidence");
  }

  private static key(e: Pick<EvidenceEntry, "producer" | "kind" | "indicatorId">): string {
    return `${e.producer}\u0000${e.kind}\u0000${e.indicatorId}`;
  }

  putOp(entry: EvidenceEntry): WriteOp {
    return { type: "put", sublevel: this.sublevel, key: EvidenceRepository.key(entry), value: encodeJson(entry) };
  }

  delOp(entry: EvidenceEntry): WriteOp {
    return { type: "del", sublevel: this.sublevel, key: EvidenceRepository.key(entry) };
  }

  async has(entry: Pick<EvidenceEntry, "producer" | "kind" | "indicatorId">): Promise<boolean> {
    return (await this.sublevel.get(EvidenceRepository.key(entry))) !== undefined;
  }

  async all(): Promise<EvidenceEntry[]> {
    const out: EvidenceEntry[] = [];
    for await (const value of this.sublevel.values()) out.push(decodeJson<EvidenceEntry>(value));
    return out;
  }
}
