import type { IndicatorRecord } from "../model/record.js";
import { bucket, decodeJson, encodeJson, type Database, type Sublevel, type WriteOp } from "./db.js";

/** Merged indicator records by indicator id. */
export class IndicatorRepository {
  private readonly sublevel: Sublevel;

  constructor(db: Database) {
    this.sublevel = bucket(db, "indicators");
  }

  async get(id: string): Promise<IndicatorRecord | undefined> {
    const bytes = await this.sublevel.get(id);
    return bytes ? decodeJson<IndicatorRecord>(bytes) : undefined;
  }

  async getMany(ids: string[]): Promise<Array<IndicatorRecord | undefined>> {
    if (ids.length === 0) return [];
    const values = await this.sublevel.getMany(ids);
    return values.map((bytes) => (bytes ? decodeJson<IndicatorRecord>(bytes) : undefined));
  }

  putOp(record: IndicatorRecord): WriteOp {
    return { type: "put", sublevel: this.sublevel, key: record.id, value: encodeJson(record) };
  }

  delOp(id: string): WriteOp {
    return { type: "del", sublevel: this.sublevel, key: id };
  }

  /** Every record, in id order (for researchers' statistics; O(n) by nature). */
  async *all(): AsyncGenerator<IndicatorRecord> {
    for await (const value of this.sublevel.values()) yield decodeJson<IndicatorRecord>(value);
  }

  async count(): Promise<number> {
    let n = 0;
    for await (const _ of this.sublevel.keys()) n++;
    return n;
  }
}
