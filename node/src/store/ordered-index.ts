import { bucket, sortableNumber, type Database, type Sublevel, type WriteOp } from "./db.js";

const encoder = new TextEncoder();
const decoder = new TextDecoder();

export interface OrderedEntry {
  at: number;
  id: string;
}

/**
 * A time + id -> id index, ordered by time, so that "what changed since T" (by-time, on
 * updatedAt) and "what expired before T" (by-expiry, on validUntil) read a key range instead of
 * every record.
 */
export class OrderedIdIndex {
  private readonly sublevel: Sublevel;

  constructor(db: Database, name: string) {
    this.sublevel = bucket(db, name);
  }

  private static key(at: number, id: string): string {
    return `${sortableNumber(at)}:${id}`;
  }

  putOp(at: number, id: string): WriteOp {
    return { type: "put", sublevel: this.sublevel, key: OrderedIdIndex.key(at, id), value: encoder.encode(id) };
  }

  delOp(at: number, id: string): WriteOp {
    return { type: "del", sublevel: this.sublevel, key: OrderedIdIndex.key(at, id) };
  }

  /** Entries at or after `from`, oldest first, at most `limit`. */
  since(from: number, limit: number): Promise<OrderedEntry[]> {
    return this.range({ gte: sortableNumber(from), limit });
  }

  /** Entries strictly after the entry (at, id), oldest first, at most `limit`: a cursor that never repeats or skips. */
  after(cursor: OrderedEntry | undefined, limit: number): Promise<OrderedEntry[]> {
    return this.range(cursor ? { gt: OrderedIdIndex.key(cursor.at, cursor.id), limit } : { limit });
  }

  async *entries(): AsyncGenerator<OrderedEntry> {
    for await (const [key, value] of this.sublevel.iterator()) yield { at: Number(key.slice(0, 16)), id: decoder.decode(value) };
  }

  /** The latest entry, if any. */
  async last(): Promise<OrderedEntry | undefined> {
    for await (const [key, value] of this.sublevel.iterator({ reverse: true, limit: 1 })) return { at: Number(key.slice(0, 16)), id: decoder.decode(value) };
    return undefined;
  }

  /** Entries strictly before `to`, oldest first, at most `limit`. */
  before(to: number, limit: number): Promise<OrderedEntry[]> {
    return this.range({ lt: sortableNumber(to), limit });
  }

  private async range(options: { gt?: string; gte?: string; lt?: string; limit: number }): Promise<OrderedEntry[]> {
    const out: OrderedEntry[] = [];
    for await (const [key, value] of this.sublevel.iterator(options)) out.push({ at: Number(key.slice(0, 16)), id: decoder.decode(value) });
    return out;
  }
}
