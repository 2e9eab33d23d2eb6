/**
 * The detectors' side: the in-memory lookup index. Lookups per second of normalized values (the
 * hot path of a detector that normalizes once), of raw observed values through the whole matcher
 * (normalization, exact, CIDR containment, domain suffixes), with blinded entries, and the memory
 * the index takes for a million indicators. Median of 5 runs after a warm-up, with p95 of the
 * runs; fixed inputs (no randomness).
 *
 *   npm run bench
 */
import { LookupIndex } from "../src/detect/lookup-index.js";
import { indicatorId } from "../src/model/indicator-id.js";
import type { IndicatorType } from "../src/model/indicator.js";
import { blindValue, deriveBlindingKey } from "../src/privacy/blinding.js";
import { warningListsFor } from "../src/config/reference-data.js";

const HELD = Number(process.env.BENCH_HELD ?? 1_000_000);
const PROBES = 200_000;
const fmt = (n: number) => Math.round(n).toLocaleString("en-US");

function add(index: LookupIndex, type: IndicatorType, value: string, blinded = false) {
  index.add({ id: indicatorId(type, value, blinded), type, value, blinded });
}

/** Runs `work` (which handles `count` items) 6 times, drops the first, and returns median and p95 rates. */
function rate(count: number, work: () => void): { median: number; p95: number } {
  const rates: number[] = [];
  for (let run = 0; run < 6; run++) {
    const t = performance.now();
    work();
    if (run > 0) rates.push((count / (performance.now() - t)) * 1000);
  }
  rates.sort((a, b) => a - b);
  return { median: rates[2]!, p95: rates[0]! };
}

const before = process.memoryUsage().rss;
const index = new LookupIndex();
const ipv4 = (i: number) => `45.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}`;
for (let i = 0; i < HELD; i++) {
  switch (i % 4) {
    case 0: add(index, "ipv4", ipv4(i)); break;
    case 1: add(index, "domain", `host-${i}.bad-${i & 255}.example`); break;
    case 2: add(index, "sha256", i.toString(16).padStart(64, "0")); break;
    case 3: add(index, "cidr", `${100 + (i >> 18)}.${(i >> 10) & 255}.${(i >> 2) & 255}.0/24`); break;
  }
}
(globalThis as { gc?: () => void }).gc?.();
const rss = process.memoryUsage().rss - before;

const exactKeys = Array.from({ length: PROBES }, (_, k) => ipv4((k * 4) % HELD));
const rawHits = Array.from({ length: PROBES }, (_, k) => (k % 2 ? `host-${(k * 4 + 1) % HELD}.bad-${((k * 4 + 1) % HELD) & 255}.example` : ipv4((k * 4) % HELD)));
const inCidrs = Array.from({ length: PROBES }, (_, k) => `100.${(k >> 8) & 255}.${k & 255}.${k % 250}`);
// (Every 100.x.y.0/24 is held: each probe lies in one.)
const subdomains = Array.from({ length: PROBES }, (_, k) => `www.cdn.host-${(k * 4 + 1) % HELD}.bad-${((k * 4 + 1) % HELD) & 255}.example`);
const misses = Array.from({ length: PROBES }, (_, k) => (k % 2 ? `benign-${k}.example.org` : `203.0.${k & 255}.${(k >> 8) & 255}`));

const rows: Array<[string, { median: number; p95: number }]> = [
  ["exact, normalized (index.has)", rate(PROBES, () => { for (const v of exactKeys) index.has("ipv4", v); })],
  ["exact, raw values (match)", rate(PROBES, () => { for (const v of rawHits) index.match(v); })],
  ["CIDR containment (match)", rate(PROBES, () => { for (const v of inCidrs) index.match(v); })],
  ["domain suffix (match)", rate(PROBES, () => { for (const v of subdomains) index.match(v); })],
  ["misses (match)", rate(PROBES, () => { for (const v of misses) index.match(v); })],
];
const ring = [1, 2, 3].map((group) => ({ producer: "bench", group, key: deriveBlindingKey(new Uint8Array(32).fill(group), group, ["bench"]) }));
for (let i = 0; i < 1000; i++) add(index, "ipv4", blindValue(ring[i % 3]!.key, "ipv4", ipv4(i)), true);
rows.push(["with blinded entries, 3 keys (match)", rate(PROBES / 4, () => { for (const v of rawHits.slice(0, PROBES / 4)) index.match(v, ring); })]);

console.log(`lookup index: ${fmt(index.size)} indicators held, ${fmt(rss / 1e6)} MB of RSS for them, one core (${process.version})`);
for (const [name, r] of rows) console.log(`  ${name.padEnd(38)} ${fmt(r.median).padStart(11)} lookups/s median, ${fmt(r.p95).padStart(11)} p95`);

// ---------------------------------------------------------------- warning lists
// Every value a node publishes is checked against every bundled MISP warning list (39 lists, about
// 190,000 entries) before it leaves: values of each type, hits and misses mixed. Goal: 1,000,000
// values/s on one core.
const lists = warningListsFor({ bundled: true, disabled: [], actions: {}, files: [] });
const probes: Array<[IndicatorType, string, string | undefined]> = Array.from({ length: PROBES }, (_, k) => {
  switch (k % 8) {
    case 0: return ["ipv4", `${(k * 7) & 255}.${(k >> 3) & 255}.${(k >> 8) & 255}.${k & 255}`, undefined];
    case 1: return ["ipv4", k % 3 ? "8.8.8.8" : "52.95.110.1", undefined];
    case 2: return ["domain", `host-${k}.bad-${k & 255}.example`, undefined];
    case 3: return ["domain", k % 2 ? "google.com" : `c2-${k}.duckdns.org`, undefined];
    case 4: return ["sha256", k.toString(16).padStart(64, "0"), undefined];
    case 5: return ["md5", "d41d8cd98f00b204e9800998ecf8427e", undefined];
    case 6: return ["url", `https://files-${k}.example.net/payload-${k}.exe`, `files-${k}.example.net`];
    default: return ["email", `user${k}@mail-${k & 63}.example`, `mail-${k & 63}.example`];
  }
});
const checked = rate(PROBES, () => { for (const [type, value, host] of probes) lists.check(type, value, host); });
// Beside it, the least any check of a value costs: one lookup of it in one map of as many entries.
const floorMap = new Map(Array.from({ length: 190_000 }, (_, k) => [`entry-${k}.example`, k]));
let found = 0;
const floor = rate(PROBES, () => { for (const [, value] of probes) if (floorMap.get(value) !== undefined) found++; });
console.log(`warning lists: ${lists.size.lists} lists, ${fmt(lists.size.entries)} entries; values checked against all of them, one core (goal 1,000,000/s)`);
console.log(`  ${"mixed types, hits and misses".padEnd(38)} ${fmt(checked.median).padStart(11)} values/s median, ${fmt(checked.p95).padStart(11)} p95`);
console.log(`  ${"one map lookup per value (the floor)".padEnd(38)} ${fmt(floor.median).padStart(11)} values/s median${found > 0 ? "" : ""}`);
