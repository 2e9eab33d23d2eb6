/**
 * The rate of a piece of work: run once to warm up, then `runs` times; the median and the slowest
 * of `units` per second.
 */
export function rate(units: number, runs: number, work: () => void): { median: number; min: number } {
  work();
  const rates: number[] = [];
  for (let r = 0; r < runs; r++) {
    const start = performance.now();
    work();
    rates.push(units / ((performance.now() - start) / 1000));
  }
  rates.sort((a, b) => a - b);
  return { median: rates[Math.floor(rates.length / 2)]!, min: rates[0]! };
}
