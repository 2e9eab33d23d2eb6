import { bucket, sortableNumber, type Database, type Sublevel, type WriteOp } from "./db.js";

const encoder = new TextEncoder();
const decoder = new TextDecoder();

/** validUntil + id -> id: what expired before T, for pruning, without scanning every record. */
export class ExpiryIndex {
  private readonly sublevel: Sublevel;

  constructor(db: Database) {
    this.sublevel = bucket(db, "by-expiry");
  }

  private static key(validUntil: number, id: string): string {
    return `${sortableNumber(validUntil)}:${id}`;
  }

  putOp(validUntil: number, id: string): WriteOp {
    return { type: "put", sublevel: this.sublevel, key: ExpiryIndex.key(validUntil, id), value: encoder.encode(id) };
  }

  delOp(validUntil: number, id: string): WriteOp {
    return { type: "del", sublevel: this.sublevel, key: ExpiryIndex.key(validUntil, id) };
  }

  /** Entries whose validity ended before `before`, soonest first, at most `limit`. */
  async endedBefore(before: number, limit: number): Promise<Array<{ validUntil: number; id: string }>> {
    const out: Array<{ validUntil: number; id: string }> = [];
    for await (const [key, value] of this.sublevel.iterator({ lt: sortableNumber(before), limit })) {
      out.push({ validUntil: Number(key.slice(0, 16)), id: decoder.decode(value) });
    }
    return out;
  }
}
