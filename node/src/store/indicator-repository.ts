import type { IndicatorRecord } from "../model/record.js";
import { bucket, type Database, type Sublevel, type WriteOp } from "./db.js";
import { decodeRecord, decodeRecordKey, encodeRecord, StoredRecordError, type RecordKey } from "./record-codec.js";

/** Merged indicator records by indicator id (stored as store/record-codec.ts says). */
export class IndicatorRepository {
  private readonly sublevel: Sublevel;

  constructor(db: Database) {
    this.sublevel = bucket(db, "indicators");
  }

  async get(id: string): Promise<IndicatorRecord | undefined> {
    const bytes = await this.sublevel.get(id);
    return bytes ? decodeRecord(id, bytes) : undefined;
  }

  async getMany(ids: string[]): Promise<Array<IndicatorRecord | undefined>> {
    if (ids.length === 0) return [];
    const values = await this.sublevel.getMany(ids);
    return values.map((bytes, i) => (bytes ? decodeRecord(ids[i]!, bytes) : undefined));
  }

  /** Ids beginning with `prefix` (hex), at most `limit`: what a short reference stands for. */
  async idsWithPrefix(prefix: string, limit = 4): Promise<string[]> {
    const ids: string[] = [];
    for await (const id of this.sublevel.keys({ gte: prefix, lt: `${prefix}g`, limit })) ids.push(id);
    return ids;
  }

  putOp(record: IndicatorRecord): WriteOp {
    return { type: "put", sublevel: this.sublevel, key: record.id, value: encodeRecord(record) };
  }

  delOp(id: string): WriteOp {
    return { type: "del", sublevel: this.sublevel, key: id };
  }

  /** Every record, in id order (for researchers' statistics; O(n) by nature). */
  async *all(): AsyncGenerator<IndicatorRecord> {
    for await (const [id, value] of this.sublevel.iterator()) yield decodeRecord(id, value);
  }

  /** Every record's observable, in id order, without decoding the rest (store/record-codec.ts). */
  async *allKeys(): AsyncGenerator<RecordKey> {
    for await (const [id, value] of this.sublevel.iterator()) yield decodeRecordKey(id, value);
  }

  /** Every record, or the error of one that cannot be read (damaged bytes), so that a check can go on past it. */
  async *allOrErrors(): AsyncGenerator<IndicatorRecord | StoredRecordError> {
    for await (const [id, value] of this.sublevel.iterator()) {
      try {
        yield decodeRecord(id, value);
      } catch (err) {
        if (!(err instanceof StoredRecordError)) throw err;
        yield err;
      }
    }
  }

  async count(): Promise<number> {
    let n = 0;
    for await (const _ of this.sublevel.keys()) n++;
    return n;
  }
}
