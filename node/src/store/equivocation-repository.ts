import type { EquivocationEvidence } from "../trust/equivocation.js";
import { batchKey, bucket, decodeJson, encodeJson, type Database, type Sublevel, type WriteOp } from "./db.js";

/** Evidence of equivocation, one per (producer, sequence): the first found is kept. */
export class EquivocationRepository {
  private readonly sublevel: Sublevel;

  constructor(db: Database) {
    this.sublevel = bucket(db, "equivocations");
  }

  async has(producer: string, sequence: number): Promise<boolean> {
    return (await this.sublevel.get(batchKey(producer, sequence))) !== undefined;
  }

  putOp(evidence: EquivocationEvidence): WriteOp {
    return { type: "put", sublevel: this.sublevel, key: batchKey(evidence.producer, evidence.sequence), value: encodeJson(evidence) };
  }

  async all(limit = 1000): Promise<EquivocationEvidence[]> {
    const out: EquivocationEvidence[] = [];
    for await (const value of this.sublevel.values({ limit })) out.push(decodeJson<EquivocationEvidence>(value));
    return out;
  }
}
