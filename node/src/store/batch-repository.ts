import { decodeBatch } from "../wire/codec.js";
import type { IndicatorBatch } from "../wire/batch.js";
import { batchKey, bucket, type Database, type Sublevel, type WriteOp } from "./db.js";

/**
 * Signed batches exactly as received (producer + sequence -> protobuf bytes), so that every
 * stored indicator keeps its signature and can be proven part of its batch later, and so that
 * batches can be served again to peers that missed them.
 */
export class BatchRepository {
  private readonly sublevel: Sublevel;

  constructor(db: Database) {
    this.sublevel = bucket(db, "batches");
  }

  putOp(producer: string, sequence: number, bytes: Uint8Array): WriteOp {
    return { type: "put", sublevel: this.sublevel, key: batchKey(producer, sequence), value: bytes };
  }

  /** Every stored batch's producer and sequence, with its bytes. */
  async *entries(): AsyncGenerator<{ producer: string; sequence: number; bytes: Uint8Array }> {
    for await (const [key, bytes] of this.sublevel.iterator()) {
      const colon = key.lastIndexOf(":");
      yield { producer: key.slice(0, colon), sequence: Number(key.slice(colon + 1)), bytes };
    }
  }

  /** Up to `limit` stored batches of `producer` from `fromSequence` on, in sequence order (gaps skipped). */
  async *range(producer: string, fromSequence: number, limit: number): AsyncGenerator<{ sequence: number; bytes: Uint8Array }> {
    const options = { gte: batchKey(producer, fromSequence), lte: batchKey(producer, Number.MAX_SAFE_INTEGER), limit };
    for await (const [key, bytes] of this.sublevel.iterator(options)) yield { sequence: Number(key.slice(key.lastIndexOf(":") + 1)), bytes };
  }

  async getBytes(producer: string, sequence: number): Promise<Uint8Array | undefined> {
    return this.sublevel.get(batchKey(producer, sequence));
  }

  async get(producer: string, sequence: number): Promise<IndicatorBatch | undefined> {
    const bytes = await this.getBytes(producer, sequence);
    return bytes ? decodeBatch(bytes) : undefined;
  }
}
