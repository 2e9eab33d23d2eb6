import { batchKey, bucket, type Database, type Sublevel, type WriteOp } from "./db.js";

/**
 * producer + sequence -> Merkle root (32 bytes): answers "have I seen this batch, and was it
 * the same one?" for replay and equivocation checks without decoding stored batches.
 */
export class BatchRootIndex {
  private readonly sublevel: Sublevel;

  constructor(db: Database) {
    this.sublevel = bucket(db, "batch-roots");
  }

  async get(producer: string, sequence: number): Promise<Uint8Array | undefined> {
    return this.sublevel.get(batchKey(producer, sequence));
  }

  /** Roots of several batches at once, undefined where none is stored. */
  async getMany(keys: Array<[producer: string, sequence: number]>): Promise<Array<Uint8Array | undefined>> {
    if (keys.length === 0) return [];
    return this.sublevel.getMany(keys.map(([producer, sequence]) => batchKey(producer, sequence)));
  }

  putOp(producer: string, sequence: number, root: Uint8Array): WriteOp {
    return { type: "put", sublevel: this.sublevel, key: batchKey(producer, sequence), value: root };
  }
}
