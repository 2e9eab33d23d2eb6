/**
 * How long to wait before redoing a piece of work that rewrites a whole feed (the detector
 * exports, the enforcement feeds), so that it takes at most `share` of the time: after a run
 * that took t ms the next starts at least t / share - t ms after it ended, and never sooner than
 * `minWaitMs` (the debounce that lets a burst of writes settle). Pure.
 */
export const DEFAULT_BUSY_SHARE = 0.2;

export function busyShareWait(last: { endedAt: number; tookMs: number }, now: number, minWaitMs: number, share = DEFAULT_BUSY_SHARE): number {
  const rest = last.tookMs / share - last.tookMs;
  return Math.max(minWaitMs, last.endedAt + rest - now);
}
