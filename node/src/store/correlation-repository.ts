import type { MemberId } from "../model/correlation.js";
import { bucket, decodeJson, encodeJson, type Database, type Sublevel } from "./db.js";
import type { OrderedEntry } from "./ordered-index.js";

/**
 * The correlation index (correlate/): for each piece of evidence (a key such as `mal:emotet` or
 * `host:evil.example`), the members that hold it, in the `corr-keys` bucket. Nothing else: a
 * member's own keys are recomputed from its record when it is read, so a key it no longer holds
 * is found stale then and dropped (prune), and an entry can never make a link by itself.
 *
 * A key lists at most `fanOut` members: the one after that saturates it, its list is dropped and
 * it links nothing from then on (a value everybody has, a resolver, a sinkhole, says nothing;
 * MISP's exact-value table, which has no such bound, grew to 291 GB for 10 million attributes,
 * its issue #8275). A saturated key keeps only its count.
 *
 * Encoding, for size (issue 17's goal: the index at most a tenth of the records' own bytes): an
 * indicator is listed by the first 8 bytes of its id (`i` and 8 bytes; correlate/ expands them
 * with a prefix read, and a collision only adds a candidate its keys then turn away), an object by
 * its STIX id (`o`, a length byte, the id). A saturated key is `*` and its count in ASCII.
 */

/** Members a key may link before it saturates. */
export const DEFAULT_FAN_OUT = 64;

const INDICATOR_TAG = 0x69;
const OBJECT_TAG = 0x6f;
const SATURATED_TAG = 0x2a;
/** Hex characters of an indicator id kept in a list: 8 bytes. */
export const SHORT_ID_HEX = 16;

export interface CorrelationCursors {
  records?: OrderedEntry;
  objects?: OrderedEntry;
  /** Set once the index holds every record and object that was in the store when it was built. */
  built: boolean;
  /** The rules' version it was built with: another version is rebuilt. */
  version: number;
}

/**
 * A member as a key's list names it: an object by its id, an indicator by `i:` and the first 16
 * hex characters of its id (short). `expand` in correlate/ turns the short form back into ids.
 */
export type MemberRef = string;

export const refOf = (member: MemberId): MemberRef => (member.startsWith("i:") ? member.slice(0, 2 + SHORT_ID_HEX) : member);

export type Posting = { saturated: false; members: MemberRef[] } | { saturated: true; count: number };

export class CorrelationRepository {
  private readonly keys: Sublevel;
  private readonly meta: Sublevel;

  constructor(
    private readonly db: Database,
    readonly fanOut: number,
  ) {
    this.keys = bucket(db, "corr-keys");
    this.meta = bucket(db, "corr-meta");
  }

  async cursors(): Promise<CorrelationCursors> {
    const bytes = await this.meta.get("cursors");
    return bytes ? decodeJson<CorrelationCursors>(bytes) : { built: false, version: 0 };
  }

  async setCursors(cursors: CorrelationCursors): Promise<void> {
    await this.meta.put("cursors", encodeJson(cursors));
  }

  async postings(keys: string[]): Promise<Posting[]> {
    if (keys.length === 0) return [];
    return (await this.keys.getMany(keys)).map(decodePosting);
  }

  /**
   * Lists members under keys (each pair once; a member listed already stays as it is), and
   * removes the pairs in `remove`, in one write with the cursors if given.
   */
  async change(add: Array<{ key: string; member: MemberId }>, remove: Array<{ key: string; member: MemberId }> = [], cursors?: CorrelationCursors): Promise<void> {
    const keys = [...new Set([...add, ...remove].map((e) => e.key))];
    const read = await this.postings(keys);
    const touched = new Map<string, Posting>();
    keys.forEach((k, i) => touched.set(k, read[i]!));
    const changed = new Set<string>();
    for (const { key, member } of remove) {
      const p = touched.get(key)!;
      const ref = refOf(member);
      if (p.saturated) touched.set(key, { saturated: true, count: Math.max(0, p.count - 1) });
      else if (p.members.includes(ref)) touched.set(key, { saturated: false, members: p.members.filter((m) => m !== ref) });
      else continue;
      changed.add(key);
    }
    for (const { key, member } of add) {
      const p = touched.get(key)!;
      const ref = refOf(member);
      // A STIX id longer than a length byte says (a type name of 200 characters) is not listed.
      if (Buffer.byteLength(ref) > 257) continue;
      if (p.saturated) continue;
      if (p.members.includes(ref)) continue;
      touched.set(key, p.members.length >= this.fanOut ? { saturated: true, count: p.members.length + 1 } : { saturated: false, members: [...p.members, ref] });
      changed.add(key);
    }
    if (changed.size === 0 && !cursors) return;
    const batch = this.db.batch();
    for (const key of changed) {
      const p = touched.get(key)!;
      // A key nobody holds any more is forgotten, a saturated one too: it may link again.
      if (p.saturated ? p.count === 0 : p.members.length === 0) batch.del(key, { sublevel: this.keys } as never);
      else batch.put(key, encodePosting(p), { sublevel: this.keys } as never);
    }
    if (cursors) batch.put("cursors", encodeJson(cursors), { sublevel: this.meta } as never);
    await batch.write();
  }

  /** Forgets the whole index (before a rebuild). */
  async clear(): Promise<void> {
    await this.keys.clear();
    await this.meta.clear();
  }

  /** Every key with its posting, in key order (for the cluster statistics). */
  async *allPostings(): AsyncGenerator<[string, Posting]> {
    for await (const [key, bytes] of this.keys.iterator()) yield [key, decodePosting(bytes)];
  }

  /** Keys and bytes the index holds (its keys and values): its cost beside the records'. */
  async size(): Promise<{ keys: number; entries: number; bytes: number }> {
    let keys = 0;
    let entries = 0;
    let bytes = 0;
    for await (const [k, v] of this.keys.iterator()) {
      keys++;
      bytes += Buffer.byteLength(k) + v.length;
      const p = decodePosting(v);
      entries += p.saturated ? 0 : p.members.length;
    }
    return { keys, entries, bytes };
  }
}

const encoder = new TextEncoder();
const decoder = new TextDecoder();

function encodePosting(p: Posting): Uint8Array {
  if (p.saturated) return encoder.encode(`*${p.count}`);
  const parts: Uint8Array[] = [];
  for (const ref of p.members) {
    if (ref.startsWith("i:")) {
      const bytes = new Uint8Array(9);
      bytes[0] = INDICATOR_TAG;
      bytes.set(Buffer.from(ref.slice(2, 2 + SHORT_ID_HEX), "hex"), 1);
      parts.push(bytes);
    } else {
      const id = encoder.encode(ref.slice(2));
      const bytes = new Uint8Array(2 + id.length);
      bytes[0] = OBJECT_TAG;
      bytes[1] = id.length;
      bytes.set(id, 2);
      parts.push(bytes);
    }
  }
  return Buffer.concat(parts);
}

function decodePosting(bytes: Uint8Array | undefined): Posting {
  if (bytes === undefined || bytes.length === 0) return { saturated: false, members: [] };
  if (bytes[0] === SATURATED_TAG) return { saturated: true, count: Number(decoder.decode(bytes.subarray(1))) };
  const members: MemberRef[] = [];
  for (let at = 0; at < bytes.length; ) {
    if (bytes[at] === INDICATOR_TAG) {
      members.push(`i:${Buffer.from(bytes.subarray(at + 1, at + 9)).toString("hex")}`);
      at += 9;
    } else if (bytes[at] === OBJECT_TAG) {
      const length = bytes[at + 1]!;
      members.push(`o:${decoder.decode(bytes.subarray(at + 2, at + 2 + length))}`);
      at += 2 + length;
    } else break; // Damaged: what was read stands; the rest is dropped at the next change.
  }
  return { saturated: false, members };
}
