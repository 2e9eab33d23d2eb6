/**
 * Whole-store requests of the HTTP API at API_INDICATORS records (default 100,000, in signed
 * batches of 100, a tenth of them sighted by another org), against a real node process: what one
 * request costs, what a repeated one costs, and how much memory a whole-feed STIX export takes,
 * streamed and inline. Each figure is printed beside the full read it is to avoid, measured in
 * the same run: before the indexes and caches, every one of these requests was such a read.
 *
 *   npm run bench            API_INDICATORS=20000 for a quick look
 */
import { readFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { NodeIdentity } from "../src/identity/identity.js";
import { buildIndicator } from "../src/model/validate.js";
import { IndicatorStore } from "../src/store/indicator-store.js";
import { openContent, signBatch } from "../src/wire/batch.js";
import { encodeBatch } from "../src/wire/codec.js";
import { deploymentId } from "../src/wire/deployment.js";
import { collectionId } from "../src/api/taxii-routes.js";
import { createCluster } from "./lib/cluster.js";

const TOTAL = Number(process.env.API_INDICATORS ?? 100_000);
const BATCH = 100;
const TOKEN = "bench-taxii-token-0123456789";
const now = Date.now();
/**
 * A process's own resident memory (heap, stacks: RssAnon, Linux /proc), MB. Not VmRSS: reading
 * every record maps LevelDB's table files in, pages the kernel drops first and that are not the
 * export's doing.
 */
const ownMemory = (pid: number) => Number(/RssAnon:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, "utf8"))![1]) / 1024;

/** The highest of ownMemory while `work` runs, sampled every 20 ms. */
async function peakDuring<T>(pid: number, work: () => Promise<T>): Promise<{ result: T; peak: number; before: number }> {
  const before = ownMemory(pid);
  let peak = before;
  const sampler = setInterval(() => (peak = Math.max(peak, ownMemory(pid))), 20);
  try {
    const result = await work();
    return { result, peak: Math.max(peak, ownMemory(pid)), before };
  } finally {
    clearInterval(sampler);
  }
}

const cluster = await createCluster({
  dir: resolve(".bench/api"),
  partners: 1,
  configure: (config) => {
    config.taxii = { credentials: [{ name: "bench", audience: "clients", token: TOKEN }] };
  },
});
const [partner] = cluster.partners as [(typeof cluster.partners)[0]];
const base = `http://127.0.0.1:${partner.apiPort}`;

/** Time (ms) and bytes of one GET, read to its end. */
async function timed(path: string, headers: Record<string, string> = {}): Promise<{ ms: number; bytes: number; status: number }> {
  const t = performance.now();
  const response = await fetch(`${base}${path}`, { headers });
  let bytes = 0;
  for await (const chunk of response.body as unknown as AsyncIterable<Uint8Array>) bytes += chunk.length;
  return { ms: performance.now() - t, bytes, status: response.status };
}

try {
  const identity = await NodeIdentity.load(partner.dataDir);
  const deployment = deploymentId(cluster.devnet.deployment.chainId, cluster.devnet.deployment.registryAddress);
  const store = await IndicatorStore.open(join(partner.dataDir, "db"));
  const writes: Array<Promise<void>> = [];
  for (let sequence = 1, n = 0; n < TOTAL; sequence++) {
    const indicators = [];
    for (let i = 0; i < BATCH && n < TOTAL; i++, n++) {
      indicators.push(buildIndicator({ type: "domain", value: `c2-${n}.api.example`, confidence: 50 + (n % 50) }, { producer: partner.orgId, now }));
    }
    const { batch } = signBatch({ deployment, producer: partner.orgId, sequence, createdAt: now, group: 0, indicators }, identity.signingSecretKey);
    writes.push(store.ingestBatch(batch, encodeBatch(batch), openContent(batch), indicators.map((_, i) => i), now));
    if (writes.length >= 256) await Promise.all(writes.splice(0));
  }
  await Promise.all(writes);
  const sighted = [];
  for (let n = 0; n < TOTAL; n += 10) {
    const [record] = [await store.lookup("domain", `c2-${n}.api.example`)];
    sighted.push({ indicatorId: record!.id, kind: "sighting" as const, observedAt: now, count: 1, reporter: "partner-99" });
  }
  for (let i = 0; i < sighted.length; i += 5000) await store.addLocalSightings(sighted.slice(i, i + 5000));
  await store.close();

  cluster.start(0);
  await cluster.waitUntil(`${partner.orgId} to serve`, async () => (await cluster.api<{ store: { indicators: number } }>(0, "/status")).store.indicators === TOTAL);
  const pid = partner.child!.pid!;
  const taxii = { authorization: `Bearer ${TOKEN}`, accept: "application/taxii+json;version=2.1" };
  const collection = `/taxii2/api/collections/${collectionId("clients")}`;
  const fmt = (ms: number) => `${ms.toFixed(ms < 10 ? 1 : 0)} ms`;

  // Memory first, while the process's peak is still that of its start: streamed, then inline.
  const streamed = await peakDuring(pid, () => timed("/exports/stix/bundle?audience=clients"));
  const inline = await peakDuring(pid, () => timed("/exports/stix?audience=clients"));

  // The full read every whole-store request used to be: the whole feed, scored.
  const fullRead = await timed("/exports/csv?audience=clients");
  process.stdout.write(`API at ${TOTAL.toLocaleString("en-US")} records (${partner.orgId}, one node process); a full read of the feed (GET /exports/csv) takes ${fmt(fullRead.ms)}\n`);
  const rows: Array<[string, string, string]> = [];

  const page = (await (await fetch(`${base}${collection}/objects/?limit=1`, { headers: taxii })).json()) as { objects: Array<{ id: string }> };
  const present = await timed(`${collection}/objects/${page.objects[0]!.id}/`, taxii);
  const missing = await timed(`${collection}/objects/indicator--00000000-0000-5000-8000-000000000000/`, taxii);
  if (present.status !== 200 || missing.status !== 404) throw new Error(`TAXII lookups answered ${present.status} and ${missing.status}`);
  rows.push(["TAXII objects/<id>/, present", fmt(present.ms), "by-uuid index"]);
  rows.push(["TAXII objects/<id>/, missing", fmt(missing.ms), "by-uuid index"]);
  const filtered = await timed(`${collection}/objects/?match[type]=malware&limit=10`, taxii);
  rows.push(["TAXII objects/?match[type]=malware", fmt(filtered.ms), "reads at most 5,000 records, then more=true"]);

  for (const path of ["/check", "/stats/producers", "/stats/top-confirmed?audience=community&limit=20"]) {
    const first = await timed(path);
    const again = await timed(path);
    rows.push([`GET ${path.split("?")[0]}, first`, fmt(first.ms), "one scan"]);
    rows.push([`GET ${path.split("?")[0]}, again`, fmt(again.ms), "cached (30-60 s)"]);
  }

  for (const [what, m] of [["GET /exports/stix/bundle (streamed)", streamed], ["GET /exports/stix (inline, JSON)", inline]] as const) {
    rows.push([what, fmt(m.result.ms), `${(m.result.bytes / 1e6).toFixed(0)} MB sent; the process's own memory peaked at +${(m.peak - m.before).toFixed(0)} MB over ${m.before.toFixed(0)} MB`]);
  }
  for (const [what, time, note] of rows) process.stdout.write(`  ${what.padEnd(42)} ${time.padStart(9)}   ${note}\n`);
  process.stdout.write(`| whole-store requests at ${TOTAL.toLocaleString("en-US")} | TAXII miss ${fmt(missing.ms)}, /check again ${rows.find((r) => r[0] === "GET /check, again")![1]} | full read ${fmt(fullRead.ms)} |\n`);
} finally {
  await cluster.stop();
}
