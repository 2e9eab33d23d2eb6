/**
 * Forecasting at scale (issue 18): a simulated consortium (FORECAST_PARTNERS=32 partners,
 * FORECAST_DAYS=90 days) through the early-warning engine as the node runs it. Printed: training
 * time (the whole history replayed prequentially, origins every 6 hours, every outcome learnt),
 * scoring throughput (candidate items scored per second for the watch lists of every partner at
 * the end), the heap it holds, and the backtest table on the same history beside its baselines.
 *
 *   npm run bench      (FORECAST_PARTNERS, FORECAST_DAYS)
 */
import { backtestEarlyWarning, formatEarlyWarningBacktest } from "../src/forecast/backtest.js";
import { simulateConsortium } from "../src/forecast/consortium-simulator.js";
import { EarlyWarningEngine, replay } from "../src/forecast/early-warning.js";
import { backtestVolume, dailyCounts, VOLUME_CATEGORIES } from "../src/forecast/volume.js";

const PARTNERS = Number(process.env.FORECAST_PARTNERS ?? 32);
const DAYS = Number(process.env.FORECAST_DAYS ?? 90);
const HOUR = 3_600_000;
const history = simulateConsortium({ partners: PARTNERS, days: DAYS, campaigns: Math.round(DAYS * 0.8), noisePerDay: PARTNERS * 3 });
const targets = history.partners.map((p) => p.org);

global.gc?.();
const heapBefore = process.memoryUsage().heapUsed;
const engine = new EarlyWarningEngine({ partners: history.partners, subjects: history.subjects });
let began = performance.now();
replay(history, engine, { from: history.start + 6 * HOUR, to: history.end, stepMs: 6 * HOUR, targets });
const trainSeconds = (performance.now() - began) / 1000;
global.gc?.();
const heapMb = (process.memoryUsage().heapUsed - heapBefore) / 1e6;

began = performance.now();
let scored = 0;
for (const org of targets) scored += engine.watch(org, history.end, 1_000_000).length;
const scoreRate = scored / ((performance.now() - began) / 1000);

const fmt = (n: number) => Math.round(n).toLocaleString("en");
console.log(`forecasting: ${PARTNERS} partners, ${DAYS} days, ${history.subjects.length} subjects, ${fmt(history.sightings.length)} sightings; one core (${process.version})`);
console.log("| training: whole history replayed, s | outcomes learnt (24 h + 7 d) | watch-list scoring, items/s | heap held, MB |");
console.log("| ---: | ---: | ---: | ---: |");
console.log(`| ${trainSeconds.toFixed(1)} | ${fmt(engine.examples["24h"] + engine.examples["7d"])} | ${fmt(scoreRate)} | ${heapMb.toFixed(0)} |`);
console.log(formatEarlyWarningBacktest(backtestEarlyWarning(history, { stepMs: 12 * HOUR, warmupMs: 14 * 24 * HOUR })));
for (const by of VOLUME_CATEGORIES) {
  const r = backtestVolume(dailyCounts(history, by, history.start, DAYS), by, { warmupDays: 28, horizon: 7 });
  console.log(`volume by ${by}: ${r.series} series, ${r.origins} origins; MAE ${r.forecast.mae.toFixed(2)}, MASE ${r.forecast.mase.toFixed(3)}, 80% coverage ${r.forecast.coverage80.toFixed(2)}; seasonal-naive MAE ${r.seasonalNaive.mae.toFixed(2)}, MASE ${r.seasonalNaive.mase.toFixed(3)}`);
}
