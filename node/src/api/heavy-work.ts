/**
 * Requests that read the whole store (consistency check, researchers' statistics, whole-feed
 * exports) are bounded here: at most `concurrency` run at once and the rest are refused with 503
 * and Retry-After at once, rather than queued behind each other while the node's event loop and
 * LevelDB serve nothing else; an answer that is the same for every caller is computed once for
 * all who ask meanwhile and kept for `ttlMs`, so that a dashboard left open, or a script in a
 * loop, costs one scan a period, not one per request.
 */

/** Every slot for whole-store work is taken: the caller retries after `retryAfterSeconds`. */
export class HeavyWorkBusyError extends Error {
  override readonly name = "HeavyWorkBusyError";
  constructor(readonly retryAfterSeconds: number) {
    super(`the node is already running the whole-store requests it allows at once; retry in ${retryAfterSeconds} s`);
  }
}

export interface HeavyWorkInit {
  /** Whole-store requests running at once (2 by default). */
  concurrency?: number;
  now?: () => number;
}

export interface Computed<T> {
  value: T;
  /** When the value was computed (Unix ms): it may be up to the cache's ttl old. */
  computedAt: number;
}

export class HeavyWork {
  private running = 0;
  private readonly concurrency: number;
  private readonly now: () => number;
  private readonly cache = new Map<string, { computedAt: number; value: unknown }>();
  private readonly inFlight = new Map<string, Promise<Computed<unknown>>>();

  constructor(init: HeavyWorkInit = {}) {
    this.concurrency = init.concurrency ?? 2;
    this.now = init.now ?? Date.now;
  }

  /** Whole-store requests running now. */
  get active(): number {
    return this.running;
  }

  /** Runs `work` in a free slot, or refuses at once with HeavyWorkBusyError. */
  async run<T>(work: () => Promise<T>): Promise<T> {
    if (this.running >= this.concurrency) throw new HeavyWorkBusyError(5);
    this.running++;
    try {
      return await work();
    } finally {
      this.running--;
    }
  }

  /**
   * The value under `key` computed at most `ttlMs` ago, or computed now (in a slot) for this
   * caller and every other that asks before it is done.
   */
  async cached<T>(key: string, ttlMs: number, compute: () => Promise<T>): Promise<Computed<T>> {
    const kept = this.cache.get(key);
    if (kept && this.now() - kept.computedAt < ttlMs) return kept as Computed<T>;
    const pending = this.inFlight.get(key);
    if (pending) return pending as Promise<Computed<T>>;
    const started = this.now();
    const computing = this.run(compute)
      .then((value) => {
        const computed = { value, computedAt: started };
        this.cache.set(key, computed);
        return computed;
      })
      .finally(() => this.inFlight.delete(key));
    this.inFlight.set(key, computing);
    return computing;
  }
}
