import { bytesEqual } from "../wire/bytes.js";

/** A producer's blinding key for one sharing group, as it was when the group had some members. */
export interface BlindingKeyEntry {
  producer: string;
  group: number;
  key: Uint8Array;
  /** When this node learnt it (Unix ms); 0 for keys kept before that was recorded. */
  learntAt?: number;
}

/**
 * Keys kept per producer and group. A producer's key changes whenever the group's members do
 * (privacy/blinding.ts), and values blinded under an older key stay in the store until they
 * expire, so the last few are kept to match them; beyond this, the oldest goes.
 */
export const MAX_KEYS_PER_GROUP = 8;

/**
 * The ring with `entry` in it, if it is a key not held yet, and the entries that had to leave
 * to make room (the oldest of that producer and group). Pure.
 */
export function addToKeyRing(
  ring: readonly BlindingKeyEntry[],
  entry: BlindingKeyEntry,
  maxPerGroup = MAX_KEYS_PER_GROUP,
): { ring: BlindingKeyEntry[]; added: boolean; evicted: BlindingKeyEntry[] } {
  const same = (e: BlindingKeyEntry) => e.producer === entry.producer && e.group === entry.group;
  const held = ring.filter(same);
  if (held.some((e) => bytesEqual(e.key, entry.key))) return { ring: [...ring], added: false, evicted: [] };
  const oldestFirst = [...held].sort((a, b) => (a.learntAt ?? 0) - (b.learntAt ?? 0));
  const evicted = oldestFirst.slice(0, Math.max(0, held.length + 1 - maxPerGroup));
  return { ring: [...ring.filter((e) => !evicted.includes(e)), entry], added: true, evicted };
}
