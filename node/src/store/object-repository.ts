import type { ObjectRecord } from "../model/object-record.js";
import { bucket, decodeJson, encodeJson, type Database, type Sublevel, type WriteOp } from "./db.js";

/** STIX objects by id (which starts with the type): every statement held of each and who owns it (model/object-record.ts), as JSON. */
export class ObjectRepository {
  private readonly sublevel: Sublevel;

  constructor(db: Database) {
    this.sublevel = bucket(db, "objects");
  }

  async getMany(ids: string[]): Promise<Array<ObjectRecord | undefined>> {
    if (ids.length === 0) return [];
    const values = await this.sublevel.getMany(ids);
    return values.map((bytes) => (bytes ? decodeJson<ObjectRecord>(bytes) : undefined));
  }

  async get(id: string): Promise<ObjectRecord | undefined> {
    return (await this.getMany([id]))[0];
  }

  putOp(record: ObjectRecord): WriteOp {
    return { type: "put", sublevel: this.sublevel, key: record.id, value: encodeJson(record) };
  }

  /**
   * Ids of one type after `after`, in id order, at most `limit`: an id starts with its type and
   * "--", so they are one key range (no index of types to keep).
   */
  async idsOfType(type: string, after: string | undefined, limit: number): Promise<string[]> {
    const prefix = `${type}--`;
    const out: string[] = [];
    for await (const key of this.sublevel.keys({ ...(after !== undefined && after > prefix ? { gt: after } : { gte: prefix }), lt: `${prefix}\xff`, limit })) out.push(key);
    return out;
  }

  /** Ids after `after`, in id order, at most `limit`. */
  async idsAfter(after: string | undefined, limit: number): Promise<string[]> {
    const out: string[] = [];
    for await (const key of this.sublevel.keys({ ...(after !== undefined ? { gt: after } : {}), limit })) out.push(key);
    return out;
  }

  async *all(): AsyncGenerator<ObjectRecord> {
    for await (const value of this.sublevel.values()) yield decodeJson<ObjectRecord>(value);
  }
}
