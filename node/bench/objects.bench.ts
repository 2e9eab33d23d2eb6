/**
 * STIX objects (issue 15's goals), on MITRE ATT&CK Enterprise (20,975 objects, 19,215 of them
 * relationships, 28 MB):
 *
 * 1. Receive-path throughput of one node: objects per second through the path a gossiped or
 *    synced batch takes (IndicatorGossip.ingest: structure, producer, replay, Merkle root, ed25519
 *    signature, canonical JSON, the STIX schema of each object, then the atomic LevelDB write of
 *    the statements, versions, type and time indexes, graph edges and links). Beside it, in the
 *    same run on the same batches: the signatures alone, the object checks alone (canonical form
 *    and schema), and LevelDB writing the same number of puts alone; the limit is what one core
 *    could do if only those three cost anything. Goal: 20,000 objects/s.
 * 2. ATT&CK published at one partner (three node processes, `cti start`, its HTTP API) until the
 *    other two hold every object: seconds from the request to the last object stored and verified
 *    at all three. Goal: under 60 s. Then the resident memory of a node holding it.
 *
 *   npm run bench      (OBJECTS_RUNS=3, OBJECTS_WARMUP=1, OBJECTS_CLUSTER=0 to skip part 2)
 */
import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { gunzipSync } from "node:zlib";
import { ed25519 } from "@noble/curves/ed25519.js";
import { Level } from "level";
import { DEFAULT_VALIDATION_WORKERS } from "../src/config/config.js";
import { ValidationPool } from "../src/gossip/validation-pool.js";
import { DEFAULT_BATCH_LIMITS } from "../src/gossip/validation.js";
import { checkObjects } from "../src/intel/object-checks.js";
import { readStixObjects } from "../src/interop/stix-objects.js";
import { TLP2_MARKINGS } from "../src/model/stix-object.js";
import { IndicatorStore } from "../src/store/indicator-store.js";
import { signBatch, signatureValid, type IndicatorBatch } from "../src/wire/batch.js";
import { canonicalJson } from "../src/wire/canonical-json.js";
import { encodeBatch } from "../src/wire/codec.js";
import { deploymentId } from "../src/wire/deployment.js";
import { createCluster } from "./lib/cluster.js";
import { receiveAll } from "./lib/receive.js";
import { terminate } from "../../scripts/lib/processes.js";

const RUNS = Number(process.env.OBJECTS_RUNS ?? 3);
const WARMUP = Number(process.env.OBJECTS_WARMUP ?? 1);
const IN_FLIGHT = 64;
const WORKERS = Number(process.env.BENCH_VALIDATION_WORKERS ?? DEFAULT_VALIDATION_WORKERS);
const ATTACK = resolve(process.env.CTI_SHARED_DATA ?? "../shared/data", "attack/enterprise-attack.json.gz");
const secretKey = createHash("sha256").update("cti-exchange objects bench").digest();
const signingKey = ed25519.getPublicKey(secretKey);
const now = Date.UTC(2026, 11, 1);
const DEPLOYMENT = deploymentId(31337, "0x5FbDB2315678afecb367f032d93F642f64180aa3");

const bundle = JSON.parse(gunzipSync(await readFile(ATTACK)).toString("utf8")) as unknown;
const objects = readStixObjects(bundle).objects.map((o) => canonicalJson({ ...o, object_marking_refs: [...((o.object_marking_refs as string[] | undefined) ?? []), TLP2_MARKINGS.CLEAR] }));
const TOTAL = objects.length;

/** ATT&CK in batches as the publisher makes them: at most 1,000 leaves and nine tenths of the wire's limit. */
function makeBatches(producer: string): Array<{ batch: IndicatorBatch; bytes: Uint8Array }> {
  const out: Array<{ batch: IndicatorBatch; bytes: Uint8Array }> = [];
  let chunk: string[] = [];
  let size = 0;
  const flush = () => {
    const { batch } = signBatch({ deployment: DEPLOYMENT, producer, sequence: out.length + 1, createdAt: now, group: 0, indicators: [], objects: chunk }, secretKey);
    out.push({ batch, bytes: encodeBatch(batch) });
    chunk = [];
    size = 0;
  };
  for (const json of objects) {
    if (chunk.length > 0 && (chunk.length >= 1000 || size + json.length > DEFAULT_BATCH_LIMITS.maxBytes * 0.9)) flush();
    chunk.push(json);
    size += json.length + 8;
  }
  if (chunk.length > 0) flush();
  return out;
}

const pool = new ValidationPool({ workers: WORKERS });

async function pipeline(dir: string, batches: Array<{ bytes: Uint8Array }>): Promise<number> {
  const store = await IndicatorStore.open(join(dir, "db"), { durable: true });
  const ms = await receiveAll(batches, { store, pool, deployment: DEPLOYMENT, signingKey, now, inFlight: IN_FLIGHT });
  const stored = (await store.counts()).objects;
  await store.close();
  if (stored !== TOTAL) throw new Error(`stored ${stored} of ${TOTAL} objects`);
  return (TOTAL / ms) * 1000;
}

function signaturesAlone(batches: Array<{ batch: IndicatorBatch }>): number {
  const t = performance.now();
  for (const { batch } of batches) if (!signatureValid(batch)) throw new Error("bad signature in bench data");
  return (TOTAL / (performance.now() - t)) * 1000;
}

function checksAlone(batches: Array<{ batch: IndicatorBatch }>): number {
  const t = performance.now();
  for (const { batch } of batches) checkObjects(batch.objects, { sealed: false }, now);
  return (TOTAL / (performance.now() - t)) * 1000;
}

/** The puts the store makes per object (record, version, time, two per graph edge) and per batch, with values of the same sizes. */
async function levelAlone(dir: string, batches: Array<{ batch: IndicatorBatch; bytes: Uint8Array }>): Promise<number> {
  const raw = new Level<string, Uint8Array>(join(dir, "raw"), { keyEncoding: "utf8", valueEncoding: "view" });
  await raw.open();
  const record = new Uint8Array(420);
  const empty = new Uint8Array(0);
  const writes = batches.map(({ batch, bytes }) => {
    const ops: Array<{ type: "put"; key: string; value: Uint8Array }> = [];
    batch.objects.forEach((json, i) => {
      const key = `${batch.sequence}-${i}`;
      ops.push({ type: "put", key: `o!${key}`, value: record }, { type: "put", key: `v!${key}`, value: Buffer.from(json) }, { type: "put", key: `t!${key}`, value: empty });
      if (json.includes('"relationship_type"')) ops.push({ type: "put", key: `e!o${key}`, value: empty }, { type: "put", key: `e!i${key}`, value: empty });
    });
    const b = `bench-org:${batch.sequence}`;
    ops.push({ type: "put", key: `b!${b}`, value: bytes }, { type: "put", key: `r!${b}`, value: empty }, { type: "put", key: "c!bench-org", value: record }, { type: "put", key: "s!bench-org", value: record });
    return ops;
  });
  const t = performance.now();
  for (const ops of writes) await raw.batch(ops, { sync: false } as never);
  const rate = (TOTAL / (performance.now() - t)) * 1000;
  await raw.close();
  return rate;
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const fmt = (n: number) => Math.round(n).toLocaleString("en-US").padStart(8);

console.log(`objects: ATT&CK Enterprise (${TOTAL.toLocaleString("en-US")} objects) through one node's receive path (${process.version}), ${RUNS} runs after ${WARMUP} of warm-up`);
pool.start();
await pool.ready();
const results = { pipeline: [] as number[], signatures: [] as number[], checks: [] as number[], level: [] as number[] };
for (let run = 1 - WARMUP; run <= RUNS; run++) {
  const batches = makeBatches(`bench-org`);
  const dir = await mkdtemp(join(tmpdir(), "cti-objects-bench-"));
  try {
    const p = await pipeline(dir, batches);
    const s = signaturesAlone(batches);
    const c = checksAlone(batches);
    const l = await levelAlone(dir, batches);
    if (run <= 0) continue;
    results.pipeline.push(p);
    results.signatures.push(s);
    results.checks.push(c);
    results.level.push(l);
    if (run === 1) console.log(`  ${batches.length} batches of up to 1,000 objects`);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
await pool.stop();
const limit = results.signatures.map((s, i) => 1 / (1 / s + 1 / results.checks[i]! + 1 / results.level[i]!));
console.log("| pipeline median obj/s | min obj/s | signatures alone | object checks alone | LevelDB alone | limit (the three) | of limit | goal |");
console.log("| ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |");
console.log(
  `| ${fmt(median(results.pipeline))} | ${fmt(Math.min(...results.pipeline))} | ${fmt(median(results.signatures))} | ${fmt(median(results.checks))} | ${fmt(median(results.level))} | ${fmt(median(limit))} | ${((median(results.pipeline) / median(limit)) * 100).toFixed(0).padStart(4)}% | 20,000 |`,
);

if (process.env.OBJECTS_CLUSTER !== "0") {
  const rss = (pid: number) => {
    const status = readFileSync(`/proc/${pid}/status`, "utf8");
    const field = (name: string) => Number(new RegExp(`${name}:\\s+(\\d+) kB`).exec(status)![1]) / 1024;
    return `${field("VmRSS").toFixed(0)} MB RSS (${field("RssAnon").toFixed(0)} MB its own, ${field("RssFile").toFixed(0)} MB mapped files)`;
  };
  const cluster = await createCluster({
    dir: resolve(".bench/objects"),
    partners: 3,
    configure: (config) => {
      config.chain = { ...(config.chain as object), pollIntervalMs: 500 };
    },
  });
  try {
    for (let i = 0; i < 3; i++) cluster.start(i);
    await cluster.waitUntil("three partners meshed", async () => {
      for (let i = 0; i < 3; i++) if ((await cluster.api<{ peers: unknown[] }>(i, "/status")).peers.length < 2) return false;
      return true;
    });
    const held = async (i: number) => (await cluster.api<{ store: { objects: number } }>(i, "/status")).store.objects;
    console.log(`  ${cluster.partners[1]!.orgId} before, holding nothing: ${rss(cluster.partners[1]!.child!.pid!)}`);
    const started = performance.now();
    const report = await cluster.api<{ objects: number; refused: unknown[] }>(0, "/objects?tlp=CLEAR", bundle);
    const published = (performance.now() - started) / 1000;
    if (report.objects !== TOTAL) throw new Error(`published ${report.objects} of ${TOTAL}: ${JSON.stringify(report.refused.slice(0, 3))}`);
    await cluster.waitUntil("every partner to hold ATT&CK", async () => (await held(1)) === TOTAL && (await held(2)) === TOTAL, 300_000);
    const seconds = (performance.now() - started) / 1000;
    console.log(`  ATT&CK at three partners: published at one in ${published.toFixed(1)} s (prepared, signed, stored, sent), held and verified at all three after ${seconds.toFixed(1)} s (goal: under 60 s)`);
    await new Promise((r) => setTimeout(r, 5000));
    for (const i of [0, 1]) console.log(`  ${cluster.partners[i]!.orgId} holding it, 5 s later: ${rss(cluster.partners[i]!.child!.pid!)}`);
    // A node restarted on it: what holding ATT&CK costs once the import's garbage is gone.
    await terminate(cluster.partners[2]!.child!);
    cluster.start(2);
    await cluster.waitUntil("partner-02 restarted", async () => (await held(2)) === TOTAL);
    await new Promise((r) => setTimeout(r, 10_000));
    console.log(`  ${cluster.partners[2]!.orgId} restarted on it, 10 s later: ${rss(cluster.partners[2]!.child!.pid!)}`);
  } finally {
    await cluster.stop();
  }
}
