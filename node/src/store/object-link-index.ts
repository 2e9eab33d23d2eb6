import { bucket, type Database, type Sublevel, type WriteOp } from "./db.js";

const EMPTY = new Uint8Array(0);

/**
 * Links between STIX indicator objects and the exchange's indicator records their patterns name,
 * both ways: `r <record id> <object id>` and `o <object id> <record id>`.
 */
export class ObjectLinkIndex {
  private readonly sublevel: Sublevel;

  constructor(db: Database) {
    this.sublevel = bucket(db, "object-links");
  }

  putOps(objectId: string, recordId: string): WriteOp[] {
    return [
      { type: "put", sublevel: this.sublevel, key: `r ${recordId} ${objectId}`, value: EMPTY },
      { type: "put", sublevel: this.sublevel, key: `o ${objectId} ${recordId}`, value: EMPTY },
    ];
  }

  private async seconds(prefix: string, limit: number): Promise<string[]> {
    const out: string[] = [];
    for await (const key of this.sublevel.keys({ gte: prefix, lt: `${prefix}\xff`, limit })) out.push(key.slice(prefix.length));
    return out;
  }

  /** STIX objects whose patterns name the record. */
  objectsOf(recordId: string, limit = 1000): Promise<string[]> {
    return this.seconds(`r ${recordId} `, limit);
  }

  /** Records a STIX object's patterns name. */
  recordsOf(objectId: string, limit = 1000): Promise<string[]> {
    return this.seconds(`o ${objectId} `, limit);
  }
}
