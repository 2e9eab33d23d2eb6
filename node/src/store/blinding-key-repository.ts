import type { BlindingKeyEntry } from "../privacy/key-ring.js";
import { toHex } from "../wire/bytes.js";
import { bucket, decodeJson, encodeJson, type Database, type Sublevel, type WriteOp } from "./db.js";

export type { BlindingKeyEntry } from "../privacy/key-ring.js";

/**
 * producer + group + key id -> blinding key and when it was learnt. Held so that this node can
 * test what it observes against the blinded indicators of its groups (privacy/blinding.ts); a
 * few per producer and group (privacy/key-ring.ts), one for each membership the group had lately.
 */
export class BlindingKeyRepository {
  private readonly sublevel: Sublevel;

  constructor(db: Database) {
    this.sublevel = bucket(db, "blinding-keys");
  }

  /** The key's first 8 bytes tell keys of one producer and group apart; they are not secret beyond the key's own store. */
  private static key(entry: Pick<BlindingKeyEntry, "producer" | "group" | "key">): string {
    return `${entry.producer}\u0000${entry.group}\u0000${toHex(entry.key.subarray(0, 8))}`;
  }

  putOp(entry: BlindingKeyEntry): WriteOp {
    return { type: "put", sublevel: this.sublevel, key: BlindingKeyRepository.key(entry), value: encodeJson({ key: toHex(entry.key), learntAt: entry.learntAt ?? 0 }) };
  }

  delOp(entry: BlindingKeyEntry): WriteOp {
    return { type: "del", sublevel: this.sublevel, key: BlindingKeyRepository.key(entry) };
  }

  /** Rewrites keys stored one per producer and group (before keys rotated) under their key id. */
  async upgrade(): Promise<void> {
    const ops: WriteOp[] = [];
    for await (const [key, value] of this.sublevel.iterator()) {
      const [producer, group, id] = key.split("\u0000");
      if (id !== undefined) continue;
      ops.push({ type: "del", sublevel: this.sublevel, key }, this.putOp({ producer: producer!, group: Number(group), key: value, learntAt: 0 }));
    }
    if (ops.length > 0) await this.sublevel.batch(ops.map((op) => (op.type === "put" ? { type: "put", key: op.key, value: op.value } : { type: "del", key: op.key })));
  }

  async all(): Promise<BlindingKeyEntry[]> {
    const entries: BlindingKeyEntry[] = [];
    for await (const [key, value] of this.sublevel.iterator()) {
      const [producer, group] = key.split("\u0000");
      const stored = decodeJson<{ key: string; learntAt: number }>(value);
      entries.push({ producer: producer!, group: Number(group), key: Uint8Array.from(Buffer.from(stored.key, "hex")), learntAt: stored.learntAt });
    }
    return entries;
  }
}
