import type { IndicatorType } from "../model/indicator.js";
import { bucket, type Database, type Sublevel, type WriteOp } from "./db.js";

const encoder = new TextEncoder();
const decoder = new TextDecoder();

/**
 * type + normalized value -> indicator id. Keys sort by type then value, so later matchers can
 * scan ranges (all domains, all CIDRs) without reading the records.
 */
export class ValueIndex {
  private readonly sublevel: Sublevel;

  constructor(db: Database) {
    this.sublevel = bucket(db, "by-value");
  }

  static key(type: IndicatorType, value: string): string {
    return `${type}\u0000${value}`;
  }

  async get(type: IndicatorType, value: string): Promise<string | undefined> {
    const bytes = await this.sublevel.get(ValueIndex.key(type, value));
    return bytes ? decoder.decode(bytes) : undefined;
  }

  putOp(type: IndicatorType, value: string, id: string): WriteOp {
    return { type: "put", sublevel: this.sublevel, key: ValueIndex.key(type, value), value: encoder.encode(id) };
  }
}
