import { bucket, type Database, type Sublevel, type WriteOp } from "./db.js";

const EMPTY = new Uint8Array(0);

/** STIX object ids by type (`<type> <id>`): a list of one type reads its range, not every object. */
export class ObjectTypeIndex {
  private readonly sublevel: Sublevel;

  constructor(db: Database) {
    this.sublevel = bucket(db, "objects-by-type");
  }

  putOp(type: string, id: string): WriteOp {
    return { type: "put", sublevel: this.sublevel, key: `${type} ${id}`, value: EMPTY };
  }

  /** Ids of `type` after `after` (an id), in id order, at most `limit`. */
  async ids(type: string, after: string | undefined, limit: number): Promise<string[]> {
    const prefix = `${type} `;
    const out: string[] = [];
    for await (const key of this.sublevel.keys({ ...(after ? { gt: `${prefix}${after}` } : { gte: prefix }), lt: `${prefix}\xff`, limit })) out.push(key.slice(prefix.length));
    return out;
  }

  /** How many objects of each type are held. */
  async counts(): Promise<Record<string, number>> {
    const counts: Record<string, number> = {};
    for await (const key of this.sublevel.keys()) {
      const type = key.slice(0, key.indexOf(" "));
      counts[type] = (counts[type] ?? 0) + 1;
    }
    return counts;
  }
}
