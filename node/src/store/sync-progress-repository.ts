import { bucket, decodeJson, encodeJson, type Database, type Sublevel, type WriteOp } from "./db.js";

/**
 * Per producer, how far this node has the producer's batches without a gap: `next` is the first
 * sequence not handled, `above` the handled ones beyond a gap, as ranges (gossip fills gaps in
 * order, so there are few). "Handled" is stored, or known and skipped (expired, withheld from
 * us). Catch-up asks peers from `next` on, so it resumes where it stopped, across restarts.
 *
 * A sequence a peer said it withholds is skipped over, but never for good: it is kept in
 * `retry`, asked of other peers later, and forgotten only once several have withheld it (the
 * batch is sealed for others) or it arrives. A peer cannot make this node give up on a batch by
 * claiming it withholds it.
 */
export interface SyncProgress {
  producer: string;
  next: number;
  above: Array<[number, number]>;
  retry: WithheldRetry[];
}

export interface WithheldRetry {
  sequence: number;
  /** Peers that said they withhold it. */
  withheldBy: string[];
  /** Times it was withheld. */
  attempts: number;
  /** When to ask again (Unix ms): at once of another peer after the first refusal, then later and later. */
  retryAt: number;
  /** When it was last withheld: a peer that withheld it is asked again only an hour after (its chain view may have lagged). */
  lastAt: number;
}

/** Withheld sequences kept to retry per producer; beyond, the oldest are given up (and logged by the caller). */
export const MAX_RETRIES_KEPT = 1000;
/** Distinct peers that must have withheld a sequence before it is given up: the batch is sealed for others. */
export const WITHHELD_BY_ENOUGH = 3;
/** Refusals after which a sequence is given up whoever refused (a small consortium has few peers to ask). */
export const MAX_WITHHELD_ATTEMPTS = 6;
const RETRY_BASE_MS = 60_000;
const RETRY_MAX_MS = 6 * 60 * 60_000;
const SAME_PEER_AGAIN_MS = 60 * 60_000;

export function emptyProgress(producer: string): SyncProgress {
  return { producer, next: 1, above: [], retry: [] };
}

/** Folds a handled sequence into the progress (and forgets any retry of it). Pure. */
export function advance(progress: SyncProgress, sequence: number): SyncProgress {
  const retry = progress.retry.some((r) => r.sequence === sequence) ? progress.retry.filter((r) => r.sequence !== sequence) : progress.retry;
  if (isHandled(progress, sequence)) return retry === progress.retry ? progress : { ...progress, retry };
  const above = insertRange(progress.above, sequence);
  let next = progress.next;
  if (above[0] && above[0][0] === next) {
    next = above[0][1] + 1;
    above.shift();
  }
  return { producer: progress.producer, next, above, retry };
}

/** The ranges with `sequence` added, sorted, with touching ranges merged. Pure. */
function insertRange(ranges: Array<[number, number]>, sequence: number): Array<[number, number]> {
  const added: [number, number] = [sequence, sequence];
  const all: Array<[number, number]> = [...ranges, added].sort((x, y) => x[0] - y[0]);
  const out: Array<[number, number]> = [];
  for (const [a, b] of all) {
    const last = out.at(-1);
    if (last && a <= last[1] + 1) last[1] = Math.max(last[1], b);
    else out.push([a, b]);
  }
  return out;
}

/**
 * Skips a sequence a peer withheld from this node, keeping it to ask others later, with a wait
 * that doubles per peer that withheld it; once enough distinct peers have, it is given up. Pure.
 */
export function skipWithheld(progress: SyncProgress, sequence: number, peer: string, now: number): SyncProgress {
  const advanced = advance(progress, sequence);
  const previous = progress.retry.find((r) => r.sequence === sequence);
  const withheldBy = [...new Set([...(previous?.withheldBy ?? []), peer])];
  const attempts = (previous?.attempts ?? 0) + 1;
  const others = advanced.retry.filter((r) => r.sequence !== sequence);
  if (withheldBy.length >= WITHHELD_BY_ENOUGH || attempts >= MAX_WITHHELD_ATTEMPTS) return { ...advanced, retry: others };
  const wait = attempts === 1 ? 0 : Math.min(RETRY_BASE_MS * 2 ** (attempts - 2), RETRY_MAX_MS);
  const entry: WithheldRetry = { sequence, withheldBy, attempts, retryAt: now + wait, lastAt: now };
  const retry = [...others, entry].sort((a, b) => a.sequence - b.sequence).slice(-MAX_RETRIES_KEPT);
  return { ...advanced, retry };
}

/** The withheld sequences due to be asked of `peer` now: not withheld by it, or by it over an hour ago. Pure. */
export function retriesFor(progress: SyncProgress, peer: string, now: number): number[] {
  return progress.retry.filter((r) => r.retryAt <= now && (!r.withheldBy.includes(peer) || now - r.lastAt >= SAME_PEER_AGAIN_MS)).map((r) => r.sequence);
}

/** Whether a sequence is handled (stored, or known and skipped) per the progress. Pure. */
export function isHandled(progress: SyncProgress, sequence: number): boolean {
  if (sequence < progress.next) return true;
  for (const [a, b] of progress.above) {
    if (sequence < a) return false;
    if (sequence <= b) return true;
  }
  return false;
}

/** A record as stored by earlier versions (`above` a list of numbers, no retry list), read as today's. */
function upgrade(stored: { producer: string; next: number; above: unknown[]; retry?: WithheldRetry[] }): SyncProgress {
  let progress: SyncProgress = { producer: stored.producer, next: stored.next, above: [], retry: stored.retry ?? [] };
  if (stored.above.every((x) => Array.isArray(x))) return { ...progress, above: stored.above as Array<[number, number]> };
  for (const sequence of stored.above as number[]) progress = advance(progress, sequence);
  return progress;
}

export class SyncProgressRepository {
  private readonly sublevel: Sublevel;

  constructor(db: Database) {
    this.sublevel = bucket(db, "sync-progress");
  }

  async get(producer: string): Promise<SyncProgress> {
    const bytes = await this.sublevel.get(producer);
    return bytes ? upgrade(decodeJson(bytes)) : emptyProgress(producer);
  }

  putOp(progress: SyncProgress): WriteOp {
    return { type: "put", sublevel: this.sublevel, key: progress.producer, value: encodeJson(progress) };
  }
}
