import type { IndicatorType } from "../model/indicator.js";
import { bucket, type Database, type Sublevel, type WriteOp } from "./db.js";

const encoder = new TextEncoder();
const decoder = new TextDecoder();

/**
 * type + normalized value -> indicator id. Keys sort by type then value, so later matchers can
 * scan ranges (all domains, all CIDRs) without reading the records. Blinded values live under
 * their own prefix: an HMAC must never be mistaken for a SHA-256 file hash.
 */
export class ValueIndex {
  private readonly sublevel: Sublevel;

  constructor(db: Database) {
    this.sublevel = bucket(db, "by-value");
  }

  static key(type: IndicatorType, value: string, blinded: boolean): string {
    return `${blinded ? "blinded/" : ""}${type}\u0000${value}`;
  }

  async get(type: IndicatorType, value: string, blinded = false): Promise<string | undefined> {
    const bytes = await this.sublevel.get(ValueIndex.key(type, value, blinded));
    return bytes ? decoder.decode(bytes) : undefined;
  }

  /** Every entry: the key's type, value and blinded flag, and the id it points to. */
  async *entries(): AsyncGenerator<{ type: string; value: string; blinded: boolean; id: string }> {
    for await (const [key, bytes] of this.sublevel.iterator()) {
      const zero = key.indexOf("\u0000");
      const head = key.slice(0, zero);
      const blinded = head.startsWith("blinded/");
      yield { type: blinded ? head.slice("blinded/".length) : head, value: key.slice(zero + 1), blinded, id: decoder.decode(bytes) };
    }
  }

  delOp(type: IndicatorType, value: string, blinded: boolean): WriteOp {
    return { type: "del", sublevel: this.sublevel, key: ValueIndex.key(type, value, blinded) };
  }

  putOp(type: IndicatorType, value: string, blinded: boolean, id: string): WriteOp {
    return { type: "put", sublevel: this.sublevel, key: ValueIndex.key(type, value, blinded), value: encoder.encode(id) };
  }
}
