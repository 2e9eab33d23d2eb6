/**
 * Receive-path throughput of one node: indicators per second through the same path a gossiped
 * or synced batch takes (IndicatorGossip.ingest: decode, structure, producer, replay, Merkle
 * root, ed25519 signature, canonical form, then the atomic LevelDB write with merge and indexes),
 * with as many batches in flight as gossipsub delivers at once. Beside it, measured in the same
 * run on the same data: the signature checks alone and LevelDB writing the same number of puts
 * alone, and the limit those two set together (their costs added: what one core could do if
 * everything else were free).
 *
 * Fixed data (seeded key, deterministic values), WARMUP runs first (3: V8 keeps optimizing the
 * receive path over the first 100,000-150,000 indicators, and a node runs for months), then RUNS
 * runs per batch size; median and p95 of the runs.
 *
 *   npm run bench            BENCH_INDICATORS=100000 BENCH_RUNS=5 to change the size
 */
import { createHash } from "node:crypto";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ed25519 } from "@noble/curves/ed25519.js";
import { Level } from "level";
import { ValidationPool } from "../src/gossip/validation-pool.js";
import { DEFAULT_VALIDATION_WORKERS } from "../src/config/config.js";
import { DEFAULT_BATCH_LIMITS } from "../src/gossip/validation.js";
import { buildIndicator } from "../src/model/validate.js";
import { IndicatorStore } from "../src/store/indicator-store.js";
import { signBatch, signatureValid, type IndicatorBatch } from "../src/wire/batch.js";
import { encodeBatch } from "../src/wire/codec.js";
import { deploymentId } from "../src/wire/deployment.js";
import { receiveAll } from "./lib/receive.js";

const TOTAL = Number(process.env.BENCH_INDICATORS ?? 50_000);
const RUNS = Number(process.env.BENCH_RUNS ?? 5);
const WARMUP = Number(process.env.BENCH_WARMUP ?? 3);
const IN_FLIGHT = Number(process.env.BENCH_IN_FLIGHT ?? 256);
const WORKERS = Number(process.env.BENCH_VALIDATION_WORKERS ?? DEFAULT_VALIDATION_WORKERS);
const secretKey = createHash("sha256").update("cti-exchange ingest bench").digest();
const signingKey = ed25519.getPublicKey(secretKey);
const now = Date.UTC(2026, 10, 21);
const DEPLOYMENT = deploymentId(31337, "0x5FbDB2315678afecb367f032d93F642f64180aa3");

function makeBatches(batchSize: number, total: number, salt: string): Array<{ batch: IndicatorBatch; bytes: Uint8Array }> {
  const out = [];
  let n = 0;
  for (let sequence = 1; n < total; sequence++) {
    const indicators = [];
    for (let i = 0; i < batchSize && n < total; i++, n++) {
      indicators.push(
        buildIndicator(
          { type: "domain", value: `host-${n}.${salt}.bench-${batchSize}.example`, confidence: n % 100, labels: { tags: ["bench"] } },
          { producer: "bench-org", now },
        ),
      );
    }
    const { batch } = signBatch({ deployment: DEPLOYMENT, producer: "bench-org", sequence, createdAt: now, group: 0, indicators }, secretKey);
    out.push({ batch, bytes: encodeBatch(batch) });
  }
  return out;
}

/**
 * As a node runs it: open batches' content checked on worker threads (limits.validationWorkers),
 * started once and kept, as a node keeps them for as long as it runs (a worker started per run
 * would measure its code before V8 has optimized it, which a running node is past).
 */
const pool = new ValidationPool({ workers: WORKERS });

/** One run of the node's receive path into a fresh store; returns indicators per second. */
async function pipeline(dir: string, batches: Array<{ bytes: Uint8Array }>, total: number): Promise<number> {
  const store = await IndicatorStore.open(join(dir, "db"), { durable: true });
  const elu = performance.eventLoopUtilization();
  const cpu = process.cpuUsage();
  const ms = await receiveAll(batches, { store, pool, deployment: DEPLOYMENT, signingKey, now, inFlight: IN_FLIGHT });
  if (process.env.BENCH_ELU) {
    const used = process.cpuUsage(cpu);
    const cores = (used.user + used.system) / 1000 / ms;
    console.log(`main thread busy ${(performance.eventLoopUtilization(elu).utilization * 100).toFixed(0)}%, process ${cores.toFixed(2)} cores, ${(((used.user + used.system) / total)).toFixed(1)} µs CPU per indicator`);
  }
  const stored = (await store.counts()).indicators;
  await store.close();
  if (stored !== total) throw new Error(`stored ${stored} of ${total}`);
  return (total / ms) * 1000;
}

/** Signature checks alone over the same batches; returns indicators per second. */
function signaturesAlone(batches: Array<{ batch: IndicatorBatch }>, total: number): number {
  const t = performance.now();
  for (const { batch } of batches) if (!signatureValid(batch)) throw new Error("bad signature in bench data");
  return (total / (performance.now() - t)) * 1000;
}

/**
 * LevelDB alone: the same number of puts the store makes (a record, its time and expiry index
 * entries per new indicator; the batch, its root, counters and sync progress per batch),
 * with values of the same sizes, one atomic write per batch; returns indicators per second.
 */
async function levelAlone(dir: string, batches: Array<{ batch: IndicatorBatch; bytes: Uint8Array }>, total: number): Promise<number> {
  const raw = new Level<string, Uint8Array>(join(dir, "raw"), { keyEncoding: "utf8", valueEncoding: "view" });
  await raw.open();
  const record = new Uint8Array(520);
  const id = new Uint8Array(64);
  const writes = batches.map(({ batch, bytes }) => {
    const ops: Array<{ type: "put"; key: string; value: Uint8Array }> = [];
    batch.indicators.forEach((indicator, i) => {
      const key = `${batch.sequence}-${i}-${indicator.value}`;
      ops.push({ type: "put", key: `i!${key}`, value: record }, { type: "put", key: `t!${key}`, value: id }, { type: "put", key: `e!${key}`, value: id });
    });
    const b = `bench-org:${batch.sequence}`;
    ops.push({ type: "put", key: `b!${b}`, value: bytes }, { type: "put", key: `r!${b}`, value: id });
    ops.push({ type: "put", key: "c!bench-org", value: id }, { type: "put", key: "s!bench-org", value: id });
    return ops;
  });
  const t = performance.now();
  for (const ops of writes) await raw.batch(ops);
  const rate = (total / (performance.now() - t)) * 1000;
  await raw.close();
  return rate;
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
/** The run at the 95th percentile from the bottom of throughput: 95% of runs were at least this fast. */
const p95 = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length * 0.05)]!;
const fmt = (n: number) => Math.round(n).toLocaleString("en-US").padStart(9);

async function bench(batchSize: number): Promise<void> {
  const total = batchSize === 1 ? Math.min(TOTAL, 5_000) : TOTAL;
  const results = { pipeline: [] as number[], signatures: [] as number[], level: [] as number[] };
  for (let run = 1 - WARMUP; run <= RUNS; run++) {
    const batches = makeBatches(batchSize, total, `r${run}`);
    const dir = await mkdtemp(join(tmpdir(), "cti-bench-"));
    try {
      const p = await pipeline(dir, batches, total);
      const s = signaturesAlone(batches, total);
      const l = await levelAlone(dir, batches, total);
      if (run <= 0) continue; // warm-up
      results.pipeline.push(p);
      results.signatures.push(s);
      results.level.push(l);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  }
  const limit = results.signatures.map((s, i) => 1 / (1 / s + 1 / results.level[i]!));
  const share = median(results.pipeline) / median(limit);
  console.log(
    `| ${String(batchSize).padStart(5)} | ${fmt(median(results.pipeline))} | ${fmt(p95(results.pipeline))} | ${fmt(median(results.signatures))} | ${fmt(median(results.level))} | ${fmt(median(limit))} | ${(share * 100).toFixed(0).padStart(4)}% |`,
  );
}

console.log(`ingest: receive -> decode -> verify -> validate -> store, one node (${process.version}), ${TOTAL.toLocaleString("en-US")} indicators per run, ${RUNS} runs after ${WARMUP} of warm-up, ${IN_FLIGHT} batches in flight`);
console.log("| batch | pipeline median ind/s | pipeline p95 ind/s | signatures alone ind/s | LevelDB alone ind/s | limit (both) ind/s | of limit |");
console.log("| ---: | ---: | ---: | ---: | ---: | ---: | ---: |");
const SIZES = (process.env.BENCH_SIZES ?? "1,100,1000").split(",").map(Number);
pool.start();
await pool.ready();
for (const size of SIZES) await bench(size);
await pool.stop();
