/**
 * The consortium simulator (node/src/forecast/consortium-simulator.ts) from the command line:
 * `npm run simulate -- [--days 90] [--partners 24] [--campaigns 40] [--seed 7] [--out history.json]`.
 * Writes the history (partners, subjects, sightings with their report times, and the campaigns'
 * ground truth) when asked, and prints both backtests on it: early warning against the base rate
 * and the seen-by-more-partners heuristic, and volume forecasts against seasonal-naive.
 */
import { writeFile } from "node:fs/promises";
import { parseArgs } from "node:util";
import { backtestEarlyWarning, formatEarlyWarningBacktest } from "../node/src/forecast/backtest.js";
import { simulateConsortium } from "../node/src/forecast/consortium-simulator.js";
import { backtestVolume, dailyCounts, VOLUME_CATEGORIES } from "../node/src/forecast/volume.js";

const { values } = parseArgs({
  options: {
    days: { type: "string", default: "90" },
    partners: { type: "string", default: "24" },
    campaigns: { type: "string", default: "40" },
    seed: { type: "string", default: "7" },
    out: { type: "string" },
    "no-backtest": { type: "boolean", default: false },
  },
});
const number = (name: string, value: string, min: number, max: number) => {
  const n = Number(value);
  if (!Number.isInteger(n) || n < min || n > max) {
    console.error(`simulate: --${name} must be a whole number from ${min} to ${max}`);
    process.exit(2);
  }
  return n;
};
const days = number("days", values.days!, 14, 3650);
const history = simulateConsortium({ days, partners: number("partners", values.partners!, 2, 500), campaigns: number("campaigns", values.campaigns!, 0, 10_000), seed: number("seed", values.seed!, 0, 2 ** 31) });
console.log(`simulated ${history.partners.length} partners, ${history.campaigns.length} campaigns, ${history.subjects.length} subjects, ${history.sightings.length} sightings over ${days} days`);
if (values.out) {
  await writeFile(values.out, JSON.stringify(history));
  console.log(`history written to ${values.out}`);
}
if (!values["no-backtest"]) {
  const started = Date.now();
  console.log(formatEarlyWarningBacktest(backtestEarlyWarning(history, { stepMs: 6 * 3_600_000, warmupMs: 14 * 86_400_000 })));
  console.log(`(${((Date.now() - started) / 1000).toFixed(1)} s)`);
  console.log("volume, rolling origin every 7 days after 28, 7 days ahead: category, series, origins, MAE, MASE, 80% coverage | seasonal-naive MAE, MASE");
  for (const by of VOLUME_CATEGORIES) {
    const r = backtestVolume(dailyCounts(history, by, history.start, days), by, { warmupDays: 28, horizon: 7 });
    console.log(`  ${by.padEnd(10)} ${String(r.series).padStart(3)} ${String(r.origins).padStart(4)}  ${r.forecast.mae.toFixed(2)} ${r.forecast.mase.toFixed(3)} ${r.forecast.coverage80.toFixed(2)} | ${r.seasonalNaive.mae.toFixed(2)} ${r.seasonalNaive.mase.toFixed(3)}`);
  }
}
