/**
 * Catch-up: a new partner joins a consortium in which another partner holds CATCHUP_INDICATORS
 * indicators (default 1,000,000, in signed batches of 100) and fetches them over the sync
 * protocol, verifying every batch (signature, Merkle root, every indicator) before storing it.
 * Two node processes on 127.0.0.1 and the development ledger; the clock runs from the newcomer's
 * process start (so it includes its start-up and finding its peer on chain) until its store
 * holds every indicator. The newcomer's data is wiped between runs; one warm-up run first.
 *
 *   npm run bench            CATCHUP_INDICATORS=200000 CATCHUP_RUNS=1 for a quick look
 */
import { readFileSync } from "node:fs";
import { rm } from "node:fs/promises";
import { join, resolve } from "node:path";
import { terminate } from "../../scripts/lib/processes.js";
import { NodeIdentity } from "../src/identity/identity.js";
import { buildIndicator } from "../src/model/validate.js";
import { IndicatorStore } from "../src/store/indicator-store.js";
import { openContent, signBatch } from "../src/wire/batch.js";
import { encodeBatch } from "../src/wire/codec.js";
import { deploymentId } from "../src/wire/deployment.js";
import { createCluster } from "./lib/cluster.js";

const TOTAL = Number(process.env.CATCHUP_INDICATORS ?? 1_000_000);
const RUNS = Number(process.env.CATCHUP_RUNS ?? 3);
const BATCH = 100;
const now = Date.now();
/**
 * Resident memory of a process, from /proc (Linux), in MB: in all, and the part that is the
 * process's own (heap, stacks) rather than pages of files mapped in (LevelDB maps its table
 * files; the kernel drops those pages first under pressure).
 */
const rss = (pid: number) => {
  const status = readFileSync(`/proc/${pid}/status`, "utf8");
  const field = (name: string) => Number(new RegExp(`${name}:\\s+(\\d+) kB`).exec(status)![1]) / 1024;
  return `${field("VmRSS").toFixed(0)} MB RSS, of which ${field("RssAnon").toFixed(0)} MB the process's own and ${field("RssFile").toFixed(0)} MB mapped files`;
};

const cluster = await createCluster({
  dir: resolve(".bench/catchup"),
  partners: 2,
  configure: (config) => {
    (config.chain as Record<string, unknown>).pollIntervalMs = 200;
    if (process.env.CATCHUP_PAGE) config.sync = { pageSize: Number(process.env.CATCHUP_PAGE) };
  },
});
const [source, newcomer] = cluster.partners as [(typeof cluster.partners)[0], (typeof cluster.partners)[0]];

try {
  // The source's history, written as its own node would have: signed batches in its store.
  let t = performance.now();
  const identity = await NodeIdentity.load(source.dataDir);
  const deployment = deploymentId(cluster.devnet.deployment.chainId, cluster.devnet.deployment.registryAddress);
  const store = await IndicatorStore.open(join(source.dataDir, "db"));
  const writes: Array<Promise<void>> = [];
  for (let sequence = 1, n = 0; n < TOTAL; sequence++) {
    const indicators = [];
    for (let i = 0; i < BATCH && n < TOTAL; i++, n++) {
      indicators.push(buildIndicator({ type: "domain", value: `c2-${n}.catchup.example`, confidence: 50 + (n % 50) }, { producer: source.orgId, now }));
    }
    const { batch } = signBatch({ deployment, producer: source.orgId, sequence, createdAt: now, group: 0, indicators }, identity.signingSecretKey);
    writes.push(store.ingestBatch(batch, encodeBatch(batch), openContent(batch), indicators.map((_, i) => i), now));
    if (writes.length >= 256) await Promise.all(writes.splice(0));
  }
  await Promise.all(writes);
  await store.close();
  process.stdout.write(`catch-up: ${source.orgId} holds ${TOTAL.toLocaleString("en-US")} indicators in ${Math.ceil(TOTAL / BATCH).toLocaleString("en-US")} signed batches (written in ${((performance.now() - t) / 1000).toFixed(1)} s)\n`);

  cluster.start(0);
  // A whole node holding every indicator: libp2p, the chain view, the HTTP API, LevelDB's caches
  // and the in-memory lookup index built from the store at start.
  // First start: no snapshot of the lookup index yet, so it is built by reading every record.
  // Then a restart after a clean stop, which loads the snapshot saved at that stop instead.
  for (const start of ["first start", "restart"] as const) {
    if (start === "restart") {
      await terminate(source.child!);
      cluster.start(0);
    }
    const started = performance.now();
    await cluster.waitUntil(`${source.orgId} to serve`, async () => (await cluster.api<{ store: { indicators: number } }>(0, "/status")).store.indicators === TOTAL);
    const ready = (performance.now() - started) / 1000;
    const { lookupIndex } = await cluster.api<{ lookupIndex: { entries: number; builtFrom: string } }>(0, "/status");
    process.stdout.write(`  ${source.orgId}, ${start}: serving ${ready.toFixed(1)} s after start, lookup index of ${lookupIndex.entries.toLocaleString("en-US")} built from ${lookupIndex.builtFrom}\n`);
    for (const wait of [3, 30]) {
      await new Promise((r) => setTimeout(r, wait === 3 ? 3000 : 27_000));
      process.stdout.write(`    ${wait} s after, idle: ${rss(source.child!.pid!)}\n`);
    }
  }

  type Status = { store: { indicators: number }; sync: { fetched: number; rejected: number }; peers: unknown[] };
  const seconds: number[] = [];
  for (let run = 0; run <= RUNS; run++) {
    await rm(join(newcomer.dataDir, "db"), { recursive: true, force: true });
    t = performance.now();
    cluster.start(1);
    await cluster.waitUntil(`${newcomer.orgId} to catch up`, async () => (await cluster.api<Status>(1, "/status")).store.indicators >= TOTAL, 600_000);
    const elapsed = (performance.now() - t) / 1000;
    const status = await cluster.api<Status>(1, "/status");
    if (status.sync.fetched !== Math.ceil(TOTAL / BATCH) || status.sync.rejected !== 0) {
      throw new Error(`expected ${Math.ceil(TOTAL / BATCH)} verified batches and no rejection, got ${JSON.stringify(status.sync)}`);
    }
    process.stdout.write(
      `  ${run === 0 ? "warm-up" : `run ${run}`}: ${elapsed.toFixed(1)} s from process start to ${status.store.indicators.toLocaleString("en-US")} verified and stored (${Math.round(TOTAL / elapsed).toLocaleString("en-US")} ind/s), ${status.sync.fetched} batches fetched\n`,
    );
    if (run > 0) seconds.push(elapsed);
    if (run === RUNS) process.stdout.write(`  ${newcomer.orgId}'s node process right after the catch-up: ${rss(newcomer.child!.pid!)}\n`);
    await terminate(newcomer.child!);
  }
  const sorted = [...seconds].sort((a, b) => a - b);
  const median = sorted[Math.floor(sorted.length / 2)]!;
  const p95 = sorted[Math.min(sorted.length - 1, Math.ceil(sorted.length * 0.95) - 1)]!;
  process.stdout.write(`| catch-up of ${TOTAL.toLocaleString("en-US")} indicators | median ${median.toFixed(1)} s | p95 ${p95.toFixed(1)} s | goal < 30 s |\n`);
} finally {
  await cluster.stop();
}
