import { bucket, decodeJson, encodeJson, type Database, type Sublevel } from "./db.js";

/**
 * What the node remembers of each external feed it ingests (feeds/), so that a run reads only
 * what changed since the last one, across restarts:
 *
 * - `feed-state`: per feed, the validators of its last fetch (ETag, Last-Modified, a digest of
 *   the text), each MISP event's timestamp as last imported, and the reports of the last runs;
 * - `feed-values`: per feed, one key per value of a text or CSV feed already published, with the
 *   time it was, so that a value is stated again before its statement runs out while the feed
 *   still lists it.
 *
 * A MISP event's timestamp is saved after the event was imported, one event at a time: a run cut
 * short by a crash resumes at the first event not done.
 */
export interface FeedState {
  feed: string;
  etag?: string;
  lastModified?: string;
  /** SHA-256 of the last text read (a server without validators still saves a parse). */
  digest?: string;
  /** MISP feeds: event uuid -> the manifest timestamp imported. */
  events: Record<string, number>;
  /** The last runs' reports, newest first. */
  runs: unknown[];
}

/** A value of a text or CSV feed as last published: kept whole, so that it can be stated again without the feed. */
export interface PublishedValue {
  type: string;
  value: string;
  /** When it was last published (Unix ms). */
  at: number;
}

/** Reports kept per feed. */
export const RUNS_KEPT = 20;

const SEPARATOR = "\u0000";

export class FeedStateRepository {
  private readonly states: Sublevel;
  private readonly values: Sublevel;

  constructor(db: Database) {
    this.states = bucket(db, "feed-state");
    this.values = bucket(db, "feed-values");
  }

  async get(feed: string): Promise<FeedState> {
    const bytes = await this.states.get(feed);
    return bytes ? decodeJson<FeedState>(bytes) : { feed, events: {}, runs: [] };
  }

  async put(state: FeedState): Promise<void> {
    await this.states.put(state.feed, encodeJson({ ...state, runs: state.runs.slice(0, RUNS_KEPT) }));
  }

  /** The values of a text or CSV feed published so far, by indicator id. */
  async publishedValues(feed: string): Promise<Map<string, PublishedValue>> {
    const out = new Map<string, PublishedValue>();
    const prefix = `${feed}${SEPARATOR}`;
    for await (const [key, value] of this.values.iterator({ gte: prefix, lt: `${feed}${SEPARATOR}\uffff` })) {
      out.set(key.slice(prefix.length), decodeJson<PublishedValue>(value));
    }
    return out;
  }

  async markPublished(feed: string, values: ReadonlyArray<{ id: string } & PublishedValue>): Promise<void> {
    if (values.length === 0) return;
    await this.values.batch(values.map(({ id, ...value }) => ({ type: "put" as const, key: `${feed}${SEPARATOR}${id}`, value: encodeJson(value) })));
  }

  async forget(feed: string, ids: ReadonlyArray<string>): Promise<void> {
    if (ids.length === 0) return;
    await this.values.batch(ids.map((id) => ({ type: "del" as const, key: `${feed}${SEPARATOR}${id}` })));
  }
}
