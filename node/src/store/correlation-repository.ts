import type { MemberId } from "../model/correlation.js";
import { bucket, decodeJson, encodeJson, type Database, type Sublevel } from "./db.js";
import type { OrderedEntry } from "./ordered-index.js";

/**
 * The correlation index (correlate/): each member's evidence keys, and each key's members, in the
 * `corr-members` and `corr-keys` buckets, changed together in one atomic write. A key holds at
 * most `fanOut` members: the member after that saturates it, its list is dropped and it links
 * nothing from then on (a value everybody has, a resolver, a sinkhole, says nothing; MISP's
 * exact-value table, which has no such bound, grew to 291 GB for 10 million attributes, its
 * issue #8275). A saturated key keeps only its count.
 *
 * A member's own key (`rec:<its id>`, `obj:<its id>`) is implied by its id: not written in its
 * list, nor itself in that key's members; readers add it back (selfKey, implicitMember).
 *
 * Encoding: values are UTF-8, lists joined by newlines (no key or id holds one); a saturated key
 * is `*` and its count.
 */

const SEPARATOR = "\n";
/** Members a key may link before it saturates. */
export const DEFAULT_FAN_OUT = 64;
const encoder = new TextEncoder();
const decoder = new TextDecoder();

export interface CorrelationCursors {
  records?: OrderedEntry;
  objects?: OrderedEntry;
  /** Set once the index holds every record and object that was in the store when it was built. */
  built: boolean;
  /** The rules' version it was built with: a newer one rebuilds it. */
  version: number;
}

/** The key a member implies by its id. */
export function selfKey(member: MemberId): string {
  return member.startsWith("i:") ? `rec:${member.slice(2)}` : `obj:${member.slice(2)}`;
}

/** The member a key implies: the record of `rec:`, the object of `obj:`. */
export function implicitMember(key: string): MemberId | undefined {
  if (key.startsWith("rec:")) return `i:${key.slice(4)}`;
  if (key.startsWith("obj:")) return `o:${key.slice(4)}`;
  return undefined;
}

export type Posting = { saturated: false; members: MemberId[] } | { saturated: true; count: number };

export class CorrelationRepository {
  private readonly members: Sublevel;
  private readonly keys: Sublevel;
  private readonly meta: Sublevel;

  constructor(
    private readonly db: Database,
    readonly fanOut: number,
  ) {
    this.members = bucket(db, "corr-members");
    this.keys = bucket(db, "corr-keys");
    this.meta = bucket(db, "corr-meta");
  }

  async cursors(): Promise<CorrelationCursors> {
    const bytes = await this.meta.get("cursors");
    return bytes ? decodeJson<CorrelationCursors>(bytes) : { built: false, version: 0 };
  }

  /** A member's keys, its own included; undefined when it is not indexed. */
  async keysOf(member: MemberId): Promise<string[] | undefined> {
    return (await this.keysOfMany([member]))[0];
  }

  async keysOfMany(members: MemberId[]): Promise<Array<string[] | undefined>> {
    if (members.length === 0) return [];
    const values = await this.members.getMany(members);
    return values.map((bytes, i) => (bytes === undefined ? undefined : withSelf(decodeList(bytes), members[i]!)));
  }

  async postings(keys: string[]): Promise<Posting[]> {
    if (keys.length === 0) return [];
    return (await this.keys.getMany(keys)).map(decodePosting);
  }

  /**
   * Sets members' keys (an empty list removes the member), and the cursors if given, in one
   * write. Keys given here include the member's own; they are left out as stored.
   */
  async update(changes: Array<{ member: MemberId; keys: string[] }>, cursors?: CorrelationCursors): Promise<void> {
    const latest = new Map(changes.map((c) => [c.member, c.keys]));
    const members = [...latest.keys()];
    const before = await this.keysOfMany(members);
    const touched = new Map<string, Posting>();
    const added: Array<[string, MemberId]> = [];
    const removed: Array<[string, MemberId]> = [];
    members.forEach((member, i) => {
      const self = selfKey(member);
      const old = new Set((before[i] ?? []).filter((k) => k !== self));
      const now = new Set(latest.get(member)!.filter((k) => k !== self));
      for (const k of now) if (!old.has(k)) added.push([k, member]);
      for (const k of old) if (!now.has(k)) removed.push([k, member]);
    });
    const keys = [...new Set([...added, ...removed].map(([k]) => k))];
    const postings = await this.postings(keys);
    keys.forEach((k, i) => touched.set(k, postings[i]!));
    for (const [key, member] of removed) {
      const p = touched.get(key)!;
      touched.set(key, p.saturated ? { saturated: true, count: Math.max(0, p.count - 1) } : { saturated: false, members: p.members.filter((m) => m !== member) });
    }
    for (const [key, member] of added) {
      const p = touched.get(key)!;
      if (p.saturated) touched.set(key, { saturated: true, count: p.count + 1 });
      else if (p.members.includes(member)) continue;
      else if (p.members.length >= this.fanOut) touched.set(key, { saturated: true, count: p.members.length + 1 });
      else touched.set(key, { saturated: false, members: [...p.members, member] });
    }
    const batch = this.db.batch();
    for (const member of members) {
      const keysNow = latest.get(member)!.filter((k) => k !== selfKey(member));
      if (latest.get(member)!.length === 0) batch.del(member, { sublevel: this.members } as never);
      else batch.put(member, encoder.encode(keysNow.join(SEPARATOR)), { sublevel: this.members } as never);
    }
    for (const [key, p] of touched) {
      // A key nobody holds any more is forgotten, a saturated one too: it may link again.
      if (p.saturated ? p.count === 0 : p.members.length === 0) batch.del(key, { sublevel: this.keys } as never);
      else batch.put(key, encoder.encode(p.saturated ? `*${p.count}` : p.members.join(SEPARATOR)), { sublevel: this.keys } as never);
    }
    if (cursors) batch.put("cursors", encodeJson(cursors), { sublevel: this.meta } as never);
    await batch.write();
  }

  async setCursors(cursors: CorrelationCursors): Promise<void> {
    await this.meta.put("cursors", encodeJson(cursors));
  }

  /** Forgets the whole index (before a rebuild). */
  async clear(): Promise<void> {
    await this.members.clear();
    await this.keys.clear();
    await this.meta.clear();
  }

  /** Every key with its posting (for the cluster statistics), in key order. */
  async *allPostings(): AsyncGenerator<[string, Posting]> {
    for await (const [key, bytes] of this.keys.iterator()) yield [key, decodePosting(bytes)];
  }

  /** Every member with its keys (own included). */
  async *allMembers(): AsyncGenerator<[MemberId, string[]]> {
    for await (const [member, bytes] of this.members.iterator()) yield [member, withSelf(decodeList(bytes), member)];
  }

  /** Bytes the index holds (keys and values of its buckets): its cost beside the records'. */
  async size(): Promise<{ members: number; keys: number; bytes: number }> {
    let members = 0;
    let keys = 0;
    let bytes = 0;
    for await (const [k, v] of this.members.iterator()) {
      members++;
      bytes += k.length + v.length;
    }
    for await (const [k, v] of this.keys.iterator()) {
      keys++;
      bytes += k.length + v.length;
    }
    return { members, keys, bytes };
  }
}

function decodeList(bytes: Uint8Array): string[] {
  const text = decoder.decode(bytes);
  return text === "" ? [] : text.split(SEPARATOR);
}

function withSelf(keys: string[], member: MemberId): string[] {
  return [...keys, selfKey(member)].sort();
}

function decodePosting(bytes: Uint8Array | undefined): Posting {
  if (bytes === undefined) return { saturated: false, members: [] };
  const text = decoder.decode(bytes);
  if (text.startsWith("*")) return { saturated: true, count: Number(text.slice(1)) };
  return { saturated: false, members: text === "" ? [] : text.split(SEPARATOR) };
}
