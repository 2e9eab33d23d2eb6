/**
 * Propagation: PROPAGATION_NODES partner nodes (default 20) as separate processes on 127.0.0.1,
 * all publishing at a steady rate through their HTTP API, PROPAGATION_RATE indicators per second
 * network-wide (default 1,000) for PROPAGATION_SECONDS (default 30). Every node records, for every
 * indicator it receives by gossip, the time from the producer's publish call to stored here
 * (the producer's batching delay, signing, gossip, validation and the LevelDB write); the
 * histograms of all nodes are merged. Delivery ratio: indicators stored at the other nodes over
 * indicators published times (nodes - 1). One machine, so one clock: the latencies are exact.
 *
 *   npm run bench            PROPAGATION_NODES=5 PROPAGATION_SECONDS=10 for a quick look
 *
 * To compare settings: PROPAGATION_RELAY_DEGREE (gossip.relayDegree), PROPAGATION_DURABLE=0,
 * PROPAGATION_VALIDATION_WORKERS, PROPAGATION_WARMUP_SECONDS (default 10); BENCH_NODE_ARGS passes
 * flags to the first BENCH_NODE_ARGS_NODES nodes' Node.js (all by default), e.g. --perf-basic-prof.
 */
import { readFileSync } from "node:fs";
import { availableParallelism } from "node:os";
import { resolve } from "node:path";
import { mergeLatency, type LatencySnapshot } from "../src/gossip/delivery-latency.js";
import { createCluster } from "./lib/cluster.js";

const NODES = Number(process.env.PROPAGATION_NODES ?? 20);
const RATE = Number(process.env.PROPAGATION_RATE ?? 1000);
const SECONDS = Number(process.env.PROPAGATION_SECONDS ?? 30);
const IDLE_SECONDS = 5;
const WARMUP_SECONDS = Number(process.env.PROPAGATION_WARMUP_SECONDS ?? 10);
/** The producers' batching window: the publisher waits this long for more before signing. */
const BATCH_DELAY_MS = Number(process.env.PROPAGATION_BATCH_DELAY_MS ?? 10);
/**
 * How often each partner publishes (its share of the rate, in one API call). Partners are
 * staggered evenly over the interval, so the network sees a steady stream of publishes: with 20
 * partners and 1 s, one every 50 ms. A SOC's tooling pushes what it found every so often rather
 * than one indicator at a time; a shorter interval means more, smaller batches for the same rate.
 */
const INTERVAL_MS = Number(process.env.PROPAGATION_INTERVAL_MS ?? 1000);

type Status = { peers: unknown[]; gossip: { deliveryLatency: LatencySnapshot; accepted: number }; sync: { runs: number; fetched: number; served: number } };

const say = (line: string) => process.stdout.write(`${line}\n`);
/** CPU seconds (user + system) a process has used, from /proc (Linux). */
const cpuSeconds = (pid: number) => {
  const fields = readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1]!.split(" ");
  return (Number(fields[11]) + Number(fields[12])) / 100;
};
let t = performance.now();
const cluster = await createCluster({
  dir: resolve(".bench/propagation"),
  partners: NODES,
  configure: (config) => {
    config.batch = { maxSize: 1000, maxDelayMs: BATCH_DELAY_MS };
    // Knobs for comparing settings, each left at the node's default when not given.
    if (process.env.PROPAGATION_RELAY_DEGREE !== undefined) config.gossip = { relayDegree: Number(process.env.PROPAGATION_RELAY_DEGREE) };
    if (process.env.PROPAGATION_DURABLE === "0") config.store = { durableWrites: false };
    if (process.env.PROPAGATION_VALIDATION_WORKERS !== undefined) config.limits = { validationWorkers: Number(process.env.PROPAGATION_VALIDATION_WORKERS) };
    if (process.env.PROPAGATION_SYNC_INTERVAL_MS) config.sync = { ...(config.sync as object), intervalMs: Number(process.env.PROPAGATION_SYNC_INTERVAL_MS) };
    if (process.env.PROPAGATION_SYNC_PEERS) config.sync = { ...(config.sync as object), peersPerRound: Number(process.env.PROPAGATION_SYNC_PEERS) };
  },
});
try {
  cluster.partners.forEach((_, i) => cluster.start(i));
  for (let i = 0; i < NODES; i++) {
    await cluster.waitUntil(`partner ${i} to connect to all others`, async () => (await cluster.api<Status>(i, "/status")).peers.length === NODES - 1, 300_000);
  }
  // Let gossipsub build its mesh (one heartbeat a second) before measuring.
  await new Promise((r) => setTimeout(r, 5000));
  say(
    `propagation: ${NODES} node processes connected in ${((performance.now() - t) / 1000).toFixed(0)} s; publishing ${RATE} indicators/s network-wide for ${SECONDS} s: ` +
      `each partner every ${INTERVAL_MS} ms, staggered (one publish every ${(INTERVAL_MS / NODES).toFixed(0)} ms network-wide), batching window ${BATCH_DELAY_MS} ms`,
  );

  const pids = cluster.partners.map((p) => p.child!.pid!);
  // What the nodes use with nothing published: the floor under every latency figure below.
  const idleBefore = pids.map(cpuSeconds);
  await new Promise((r) => setTimeout(r, IDLE_SECONDS * 1000));
  const idleCores = pids.reduce((sum, pid, i) => sum + cpuSeconds(pid) - idleBefore[i]!, 0) / IDLE_SECONDS;
  say(`  idle (connected, nothing published, ${IDLE_SECONDS} s): the ${NODES} nodes used ${idleCores.toFixed(2)} cores`);

  const perPublish = (RATE * INTERVAL_MS) / 1000 / NODES;
  const slot = INTERVAL_MS / NODES;
  let published = 0;
  let failed = 0;
  /** Publishes at the steady rate for `seconds`, every partner in its slot; `tag` keeps values apart. */
  const publishFor = async (seconds: number, tag: string) => {
    const inFlight = new Set<Promise<unknown>>();
    const carry = new Array<number>(NODES).fill(0);
    const start = performance.now();
    for (let step = 0; step < (seconds * 1000) / slot; step++) {
      await new Promise((r) => setTimeout(r, Math.max(0, start + step * slot - performance.now())));
      const i = step % NODES;
      carry[i]! += perPublish;
      const count = Math.floor(carry[i]!);
      carry[i]! -= count;
      if (count === 0) continue;
      const indicators = Array.from({ length: count }, (_, k) => ({ type: "domain", value: `${tag}-n${i}-s${step}-${k}.propagation.example`, tlp: "GREEN", confidence: 60 }));
      const request = cluster
        .api(i, "/indicators", { indicators })
        .then(() => (published += count))
        .catch(() => (failed += count))
        .finally(() => inFlight.delete(request));
      inFlight.add(request);
    }
    await Promise.all(inFlight);
  };

  // Warm-up at the same rate, not counted: a node's first batches run its code unoptimized, and a
  // partner's node runs for months; what is measured is the node as it runs after that.
  await publishFor(WARMUP_SECONDS, "warmup");
  await new Promise((r) => setTimeout(r, 2000));
  published = 0;
  failed = 0;
  const baseline = await Promise.all(cluster.partners.map((_, i) => cluster.api<Status>(i, "/status")));
  const cpuBefore = pids.map(cpuSeconds);
  const benchCpuBefore = process.cpuUsage();
  t = performance.now();
  await publishFor(SECONDS, "measured");
  const publishSeconds = (performance.now() - t) / 1000;
  const perNodeCpu = pids.map((pid, i) => cpuSeconds(pid) - cpuBefore[i]!);
  const nodeCpu = perNodeCpu.reduce((sum, c) => sum + c, 0);
  const benchCpu = process.cpuUsage(benchCpuBefore);
  const expected = published * (NODES - 1);
  const delivered = async () => {
    const statuses = await Promise.all(cluster.partners.map((_, i) => cluster.api<Status>(i, "/status")));
    return statuses.reduce((n, s, i) => n + s.gossip.deliveryLatency.count - baseline[i]!.gossip.deliveryLatency.count, 0);
  };
  await cluster.waitUntil("every indicator to reach every node", async () => (await delivered()) >= expected, 30_000).catch(() => undefined);
  const statuses = await Promise.all(cluster.partners.map((_, i) => cluster.api<Status>(i, "/status")));
  // Subtract the warm-up: merge the histograms as they are now minus the baseline's buckets.
  const measured = statuses.map((s, i) => {
    const before = baseline[i]!.gossip.deliveryLatency.buckets;
    const buckets = Object.fromEntries(Object.entries(s.gossip.deliveryLatency.buckets).map(([k, n]) => [k, n - (before[k] ?? 0)]).filter(([, n]) => (n as number) > 0));
    // The largest measured latency: the top non-empty bucket's bound (exact to the ms below 1 s);
    // the node's own max covers the warm-up too.
    const top = Math.max(...Object.keys(buckets).map(Number));
    const max = top === -Infinity ? undefined : Number.isFinite(top) ? top : s.gossip.deliveryLatency.max;
    return { ...s.gossip.deliveryLatency, buckets, max };
  });
  const latency = mergeLatency(measured);
  say(`| nodes | publish interval per node | rate (ind/s) | published | delivered / expected | delivery ratio | p50 ms | p95 ms | p99 ms | max ms |`);
  say(`| ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |`);
  say(
    `| ${NODES} | ${INTERVAL_MS} ms | ${Math.round(published / publishSeconds)} | ${published} | ${latency.count} / ${expected} | ${((latency.count / expected) * 100).toFixed(2)}% | ${latency.p50} | ${latency.p95} | ${latency.p99} | ${latency.max?.toFixed(0)} |`,
  );
  say(`  CPU while publishing: the ${NODES} nodes used ${(nodeCpu / publishSeconds).toFixed(2)} cores, this process (ledger and load generator) ${((benchCpu.user + benchCpu.system) / 1e6 / publishSeconds).toFixed(2)}, of the machine's ${availableParallelism()} (one node: ${(Math.min(...perNodeCpu) / publishSeconds).toFixed(3)} to ${(Math.max(...perNodeCpu) / publishSeconds).toFixed(3)})`);
  const syncDelta = (key: "runs" | "fetched" | "served") => statuses.reduce((n, st, i) => n + st.sync[key] - baseline[i]!.sync[key], 0);
  say(`  catch-up sync meanwhile: ${syncDelta("runs")} runs with a peer, ${syncDelta("served")} batches served and ${syncDelta("fetched")} of them new to the node that asked (the rest came by gossip)`);
  if (failed > 0) say(`  ${failed} indicators could not be published (API errors)`);
  say(`  goal: 100% delivery, p99 under 100 ms at 1,000 indicators/s network-wide (the latency includes the ${BATCH_DELAY_MS} ms batching window)`);
} finally {
  await cluster.stop();
}
