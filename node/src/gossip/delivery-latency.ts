/**
 * How long indicators took from their producer's publish call (the indicator's createdAt) to
 * being stored here: the figure a partner cares about ("how fresh is what reaches my
 * detectors?") and the one the propagation benchmark reads from every node. Clocks of
 * different machines differ, so across machines it is only as good as their time sync (NTP
 * keeps it within milliseconds); within one machine it is exact.
 *
 * A histogram with 1 ms buckets up to 1 s and 10 ms buckets up to 60 s: bounded memory, exact
 * merging across nodes, percentiles to the millisecond where it matters.
 */
const FINE_LIMIT_MS = 1000;
const COARSE_STEP_MS = 10;
const COARSE_LIMIT_MS = 60_000;

export interface LatencySnapshot {
  count: number;
  /** Upper bound (ms) of a bucket -> indicators in it; the last bucket holds everything beyond 60 s. */
  buckets: Record<string, number>;
  p50: number | undefined;
  p95: number | undefined;
  p99: number | undefined;
  max: number | undefined;
}

function bucketOf(ms: number): number {
  const clamped = Math.max(0, Math.ceil(ms));
  if (clamped <= FINE_LIMIT_MS) return clamped;
  if (clamped <= COARSE_LIMIT_MS) return Math.ceil(clamped / COARSE_STEP_MS) * COARSE_STEP_MS;
  return Number.POSITIVE_INFINITY;
}

export class LatencyHistogram {
  private readonly counts = new Map<number, number>();
  private total = 0;
  private maximum: number | undefined;

  observe(ms: number, times = 1): void {
    if (!Number.isFinite(ms) || times <= 0) return;
    const bucket = bucketOf(ms);
    this.counts.set(bucket, (this.counts.get(bucket) ?? 0) + times);
    this.total += times;
    this.maximum = Math.max(this.maximum ?? ms, ms);
  }

  snapshot(): LatencySnapshot {
    return summarize(this.counts, this.total, this.maximum);
  }

  toJSON(): LatencySnapshot {
    return this.snapshot();
  }
}

/** Merges snapshots of several nodes into one distribution. Pure. */
export function mergeLatency(snapshots: LatencySnapshot[]): LatencySnapshot {
  const counts = new Map<number, number>();
  let total = 0;
  let maximum: number | undefined;
  for (const snapshot of snapshots) {
    for (const [bound, n] of Object.entries(snapshot.buckets)) {
      const key = bound === "Infinity" ? Number.POSITIVE_INFINITY : Number(bound);
      counts.set(key, (counts.get(key) ?? 0) + n);
      total += n;
    }
    if (snapshot.max !== undefined) maximum = Math.max(maximum ?? snapshot.max, snapshot.max);
  }
  return summarize(counts, total, maximum);
}

function summarize(counts: Map<number, number>, total: number, maximum: number | undefined): LatencySnapshot {
  const bounds = [...counts.keys()].sort((a, b) => a - b);
  const quantile = (q: number): number | undefined => {
    if (total === 0) return undefined;
    const rank = Math.ceil(q * total);
    let seen = 0;
    for (const bound of bounds) {
      seen += counts.get(bound)!;
      if (seen >= rank) return Number.isFinite(bound) ? bound : maximum;
    }
    return maximum;
  };
  return {
    count: total,
    buckets: Object.fromEntries(bounds.map((b) => [String(b), counts.get(b)!])),
    p50: quantile(0.5),
    p95: quantile(0.95),
    p99: quantile(0.99),
    max: maximum,
  };
}
