import { bucket, sortableNumber, type Database, type Sublevel, type WriteOp } from "./db.js";

const encoder = new TextEncoder();
const decoder = new TextDecoder();

/** updatedAt + id -> id: "what changed since T" without scanning every record. */
export class TimeIndex {
  private readonly sublevel: Sublevel;

  constructor(db: Database) {
    this.sublevel = bucket(db, "by-time");
  }

  static key(updatedAt: number, id: string): string {
    return `${sortableNumber(updatedAt)}:${id}`;
  }

  putOp(updatedAt: number, id: string): WriteOp {
    return { type: "put", sublevel: this.sublevel, key: TimeIndex.key(updatedAt, id), value: encoder.encode(id) };
  }

  delOp(updatedAt: number, id: string): WriteOp {
    return { type: "del", sublevel: this.sublevel, key: TimeIndex.key(updatedAt, id) };
  }

  /** Ids updated at or after `since`, oldest first, at most `limit`. */
  async since(since: number, limit: number): Promise<Array<{ updatedAt: number; id: string }>> {
    const out: Array<{ updatedAt: number; id: string }> = [];
    for await (const [key, value] of this.sublevel.iterator({ gte: sortableNumber(since), limit })) {
      out.push({ updatedAt: Number(key.slice(0, 16)), id: decoder.decode(value) });
    }
    return out;
  }
}
