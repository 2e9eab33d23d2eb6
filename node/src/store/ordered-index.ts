import { bucket, sortableNumber, type Database, type Sublevel, type WriteOp } from "./db.js";

const EMPTY = new Uint8Array(0);

/** The entry a key names: `<16-digit time>:<id>`. */
function entryOf(key: string): OrderedEntry {
  return { at: Number(key.slice(0, 16)), id: key.slice(17) };
}

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
    // The key holds the id already; the value stays empty (entries written before hold the id too).
    return { type: "put", sublevel: this.sublevel, key: OrderedIdIndex.key(at, id), value: EMPTY };
  }

  delOp(at: number, id: string): WriteOp {
    return { type: "del", sublevel: this.sublevel, key: OrderedIdIndex.key(at, id) };
  }

  /** Entries at or after `from`, oldest first, at most `limit`. */
  since(from: number, limit: number): Promise<OrderedEntry[]> {
    return this.range({ gte: sortableNumber(from), limit });
  }

  /** Entries at or after `from`, newest first, at most `limit` (what a live view shows first). */
  newestSince(from: number, limit: number): Promise<OrderedEntry[]> {
    return this.range({ gte: sortableNumber(from), limit, reverse: true });
  }

  /** Entries strictly after the entry (at, id), oldest first, at most `limit`: a cursor that never repeats or skips. */
  after(cursor: OrderedEntry | undefined, limit: number): Promise<OrderedEntry[]> {
    return this.range(cursor ? { gt: OrderedIdIndex.key(cursor.at, cursor.id), limit } : { limit });
  }

  async *entries(): AsyncGenerator<OrderedEntry> {
    for await (const key of this.sublevel.keys()) yield entryOf(key);
  }

  /** The latest entry, if any. */
  async last(): Promise<OrderedEntry | undefined> {
    for await (const key of this.sublevel.keys({ reverse: true, limit: 1 })) return entryOf(key);
    return undefined;
  }

  /** Entries strictly before `to`, oldest first, at most `limit`. */
  before(to: number, limit: number): Promise<OrderedEntry[]> {
    return this.range({ lt: sortableNumber(to), limit });
  }

  private async range(options: { gt?: string; gte?: string; lt?: string; limit: number; reverse?: boolean }): Promise<OrderedEntry[]> {
    const out: OrderedEntry[] = [];
    for await (const key of this.sublevel.keys(options)) out.push(entryOf(key));
    return out;
  }
}
