import { entryKey, type EnforcementEntry, type FeedChange } from "../model/response.js";
import { bucket, decodeJson, encodeJson, type Database, type Sublevel } from "./db.js";

/**
 * The enforcement feeds of the node's response (node/src/response/), which must survive a crash,
 * in three buckets (requests and the audit log have their own repositories beside this one):
 *
 * - `response-entries`: per enforcement feed, its entries as last written to the device
 *   (`feed \0 type \0 value`), so that a restart diffs against what the device holds;
 * - `response-feeds`: per feed, its version, serial and whether an operator pinned it (rollback);
 * - `response-changes`: every change of every feed, with what came in and went out and why
 *   (`feed \0 version \0 chunk`: a first load of a million entries is written in chunks of
 *   5,000, never as one value), from which a rollback rebuilds any earlier version.
 *
 * A feed's change (entries, change record, version) is one atomic write.
 */
export interface FeedMeta {
  feed: string;
  version: number;
  serial: number;
  updatedAt: number;
  /** Set by a rollback: automatic updates wait until an operator resumes the feed. */
  pinned?: { version: number; at: number; by: string };
}

export interface FeedChangeSummary extends Omit<FeedChange, "added" | "removed"> {
  addedCount: number;
  removedCount: number;
  /** The first entries added and removed (all of them with `full`). */
  added: EnforcementEntry[];
  removed: EnforcementEntry[];
}

const SEP = "\u0000";
const CHUNK = 5_000;
const pad = (n: number, width: number) => String(n).padStart(width, "0");
const versionPrefix = (feed: string, version: number) => `${feed}${SEP}${pad(version, 10)}${SEP}`;

interface StoredChunk {
  header?: Omit<FeedChange, "added" | "removed"> & { addedCount: number; removedCount: number };
  added: EnforcementEntry[];
  removed: EnforcementEntry[];
}

export class ResponseFeedRepository {
  private readonly entriesBucket: Sublevel;
  private readonly feeds: Sublevel;
  private readonly changesBucket: Sublevel;

  constructor(private readonly db: Database) {
    this.entriesBucket = bucket(db, "response-entries");
    this.feeds = bucket(db, "response-feeds");
    this.changesBucket = bucket(db, "response-changes");
  }

  async meta(feed: string): Promise<FeedMeta | undefined> {
    const bytes = await this.feeds.get(feed);
    return bytes ? decodeJson<FeedMeta>(bytes) : undefined;
  }

  async putMeta(meta: FeedMeta): Promise<void> {
    await this.feeds.put(meta.feed, encodeJson(meta));
  }

  async entries(feed: string): Promise<Map<string, EnforcementEntry>> {
    const out = new Map<string, EnforcementEntry>();
    const prefix = `${feed}${SEP}`;
    for await (const value of this.entriesBucket.values({ gte: prefix, lt: `${prefix}\uffff` })) {
      const entry = decodeJson<EnforcementEntry>(value);
      out.set(entryKey(entry), entry);
    }
    return out;
  }

  /** Writes a change: the entries added, updated and removed, the change record, and the feed's new version, at once. */
  async recordChange(meta: FeedMeta, change: FeedChange, updated: readonly EnforcementEntry[]): Promise<void> {
    const batch = this.db.batch();
    const keyOf = (e: EnforcementEntry) => `${change.feed}${SEP}${e.type}${SEP}${e.value}`;
    for (const e of change.added) batch.put(keyOf(e), encodeJson(e), { sublevel: this.entriesBucket } as never);
    for (const e of updated) batch.put(keyOf(e), encodeJson(e), { sublevel: this.entriesBucket } as never);
    for (const e of change.removed) batch.del(keyOf(e), { sublevel: this.entriesBucket } as never);
    const { added, removed, ...header } = change;
    const chunks = Math.max(1, Math.ceil(added.length / CHUNK), Math.ceil(removed.length / CHUNK));
    for (let c = 0; c < chunks; c++) {
      const chunk: StoredChunk = {
        ...(c === 0 ? { header: { ...header, addedCount: added.length, removedCount: removed.length } } : {}),
        added: added.slice(c * CHUNK, (c + 1) * CHUNK),
        removed: removed.slice(c * CHUNK, (c + 1) * CHUNK),
      };
      batch.put(`${versionPrefix(change.feed, change.version)}${pad(c, 6)}`, encodeJson(chunk), { sublevel: this.changesBucket } as never);
    }
    batch.put(meta.feed, encodeJson(meta), { sublevel: this.feeds } as never);
    await batch.write();
  }

  /** One change, whole (every chunk). */
  async change(feed: string, version: number): Promise<FeedChange | undefined> {
    const prefix = versionPrefix(feed, version);
    let change: FeedChange | undefined;
    for await (const value of this.changesBucket.values({ gte: prefix, lt: `${prefix}\uffff` })) {
      const chunk = decodeJson<StoredChunk>(value);
      if (chunk.header) {
        const { addedCount: _a, removedCount: _r, ...header } = chunk.header;
        change = { ...header, added: [], removed: [] };
      }
      if (!change) return undefined;
      change.added.push(...chunk.added);
      change.removed.push(...chunk.removed);
    }
    return change;
  }

  /** The feed's changes, newest first, each with its first `sample` entries added and removed. */
  async changes(feed: string, options: { limit: number; before?: number; sample?: number }): Promise<FeedChangeSummary[]> {
    const out: FeedChangeSummary[] = [];
    const sample = options.sample ?? 20;
    const upper = options.before !== undefined ? versionPrefix(feed, options.before) : `${feed}${SEP}\uffff`;
    for await (const value of this.changesBucket.values({ gte: `${feed}${SEP}`, lt: upper, reverse: true })) {
      const chunk = decodeJson<StoredChunk>(value);
      if (!chunk.header) continue;
      out.push({ ...chunk.header, added: chunk.added.slice(0, sample), removed: chunk.removed.slice(0, sample) });
      if (out.length >= options.limit) break;
    }
    return out;
  }
}
