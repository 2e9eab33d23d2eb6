import { bucket, type Database, type Sublevel, type WriteOp } from "./db.js";

/** A producer's blinding key for one sharing group, learnt from a sealed batch of that group. */
export interface BlindingKeyEntry {
  producer: string;
  group: number;
  key: Uint8Array;
}

/**
 * producer + group -> blinding key. Held so that this node can test what it observes against the
 * blinded indicators of its groups (privacy/blinding.ts). Few entries: one per producer and group.
 */
export class BlindingKeyRepository {
  private readonly sublevel: Sublevel;

  constructor(db: Database) {
    this.sublevel = bucket(db, "blinding-keys");
  }

  private static key(producer: string, group: number): string {
    return `${producer}\u0000${group}`;
  }

  putOp(entry: BlindingKeyEntry): WriteOp {
    return { type: "put", sublevel: this.sublevel, key: BlindingKeyRepository.key(entry.producer, entry.group), value: entry.key };
  }

  async all(): Promise<BlindingKeyEntry[]> {
    const entries: BlindingKeyEntry[] = [];
    for await (const [key, value] of this.sublevel.iterator()) {
      const [producer, group] = key.split("\u0000");
      entries.push({ producer: producer!, group: Number(group), key: value });
    }
    return entries;
  }
}
