import { bucket, decodeJson, encodeJson, type Database, type Sublevel, type WriteOp } from "./db.js";

/**
 * Per producer, how far this node has the producer's batches without a gap: `next` is the first
 * sequence not handled, `above` the handled ones beyond a gap (few: gossip fills them in order).
 * "Handled" is stored, or known and skipped (expired, withheld from us). Catch-up asks peers from
 * `next` on, so it resumes where it stopped, across restarts.
 */
export interface SyncProgress {
  producer: string;
  next: number;
  above: number[];
}

/** Folds a handled sequence into the progress. Pure. */
export function advance(progress: SyncProgress, sequence: number): SyncProgress {
  if (sequence < progress.next || progress.above.includes(sequence)) return progress;
  const above = new Set([...progress.above, sequence]);
  let next = progress.next;
  while (above.has(next)) above.delete(next++);
  return { producer: progress.producer, next, above: [...above].sort((a, b) => a - b) };
}

/** Whether a sequence is handled (stored, or known and skipped) per the progress. Pure. */
export function isHandled(progress: SyncProgress, sequence: number): boolean {
  return sequence < progress.next || progress.above.includes(sequence);
}

export class SyncProgressRepository {
  private readonly sublevel: Sublevel;

  constructor(db: Database) {
    this.sublevel = bucket(db, "sync-progress");
  }

  async get(producer: string): Promise<SyncProgress> {
    const bytes = await this.sublevel.get(producer);
    return bytes ? decodeJson<SyncProgress>(bytes) : { producer, next: 1, above: [] };
  }

  putOp(progress: SyncProgress): WriteOp {
    return { type: "put", sublevel: this.sublevel, key: progress.producer, value: encodeJson(progress) };
  }
}
