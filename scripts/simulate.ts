/**
 * The consortium simulator (node/src/forecast/consortium-simulator.ts) from the command line:
 * `npm run simulate -- [--days 90] [--partners 24] [--campaigns 40] [--seed 7] [--out history.json]
 * [--drive http://127.0.0.1:8701,http://127.0.0.1:8702,...]`.
 * Writes the history (partners, subjects, sightings with their report times, and the campaigns'
 * ground truth) when asked, and prints both backtests on it: early warning against the base rate
 * and the seen-by-more-partners heuristic, and volume forecasts against seasonal-naive. With
 * --drive, the partners are the running nodes at those API addresses (their orgs, sectors and
 * countries as the ledger has them), and the history is played into them through their public
 * API, ending now (CTI_API_TOKEN if they require a token).
 */
import { writeFile } from "node:fs/promises";
import { parseArgs } from "node:util";
import { backtestEarlyWarning, formatEarlyWarningBacktest } from "../node/src/forecast/backtest.js";
import { simulateConsortium } from "../node/src/forecast/consortium-simulator.js";
import { driveConsortium } from "../node/src/forecast/simulation-driver.js";
import { backtestVolume, dailyCounts, VOLUME_CATEGORIES } from "../node/src/forecast/volume.js";

const { values } = parseArgs({
  options: {
    days: { type: "string", default: "90" },
    partners: { type: "string", default: "24" },
    campaigns: { type: "string", default: "40" },
    seed: { type: "string", default: "7" },
    out: { type: "string" },
    "no-backtest": { type: "boolean", default: false },
    drive: { type: "string" },
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
const token = process.env.CTI_API_TOKEN;
const get = async (url: string) => {
  const response = await fetch(url, { headers: token ? { authorization: `Bearer ${token}` } : {} }).catch((err: Error) => {
    console.error(`simulate: ${url}: ${err.message}`);
    process.exit(1);
  });
  if (!response.ok) {
    console.error(`simulate: ${url} answered ${response.status}`);
    process.exit(1);
  }
  return response.json() as Promise<Record<string, unknown>>;
};
const driven = values.drive
  ? await Promise.all(
      values.drive.split(",").map(async (url) => {
        const base = url.replace(/\/+$/, "");
        const status = (await get(`${base}/status`)) as { orgId: string };
        const members = (await get(`${base}/members`)) as { members: Array<{ orgId: string; sector: string; country: string }> };
        const me = members.members.find((m) => m.orgId === status.orgId);
        return { url: base, org: status.orgId, sector: me?.sector ?? "unknown", country: me?.country ?? "unknown", ...(token ? { token } : {}) };
      }),
    )
  : undefined;
const history = simulateConsortium({
  days,
  partners: number("partners", values.partners!, 2, 500),
  campaigns: number("campaigns", values.campaigns!, 0, 10_000),
  seed: number("seed", values.seed!, 0, 2 ** 31),
  ...(driven ? { partnerList: driven.map((d) => ({ org: d.org, sector: d.sector, country: d.country, reputation: 0.5 })) } : {}),
});
console.log(`simulated ${history.partners.length} partners, ${history.campaigns.length} campaigns, ${history.subjects.length} subjects, ${history.sightings.length} sightings over ${days} days`);
if (values.out) {
  await writeFile(values.out, JSON.stringify(history));
  console.log(`history written to ${values.out}`);
}
if (driven) {
  const total = new Set(history.sightings.map((s) => s.subject)).size;
  const result = await driveConsortium(history, driven, {
    now: Date.now(),
    waitForIndicators: async () => {
      for (let waited = 0; ; waited += 1000) {
        const counts = await Promise.all(driven.map(async (d) => ((await get(`${d.url}/status`)) as { store: { indicators: number } }).store.indicators));
        if (counts.every((c) => c >= total)) return;
        if (waited > 120_000) throw new Error(`after 2 minutes the nodes hold ${counts.join(", ")} of ${total} indicators`);
        await new Promise((resolve) => setTimeout(resolve, 1000));
      }
    },
    onProgress: (done, all) => process.stdout.write(`\rsightings sent: ${done} of ${all}`),
  });
  console.log(`\ndriven: ${result.indicators} indicators published, ${result.sightings} sightings reported through ${driven.length} nodes' APIs${result.problems.length > 0 ? `; ${result.problems.length} refused, first: ${result.problems[0]}` : ""}`);
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
