/**
 * The detectors' side at line rate: observed values per second through the in-memory lookup
 * index (normalization of each value, exact, CIDR containment, domain suffixes, URL and e-mail
 * hosts), with 100,000 indicators held; then with blinded entries under three keys.
 *
 *   npm run bench
 */
import { LookupIndex } from "../src/detect/lookup-index.js";
import { indicatorId } from "../src/model/indicator-id.js";
import type { IndicatorType } from "../src/model/indicator.js";
import { blindValue, deriveBlindingKey } from "../src/privacy/blinding.js";

const HELD = 100_000;
const OBSERVED = Number(process.env.BENCH_OBSERVED ?? 200_000);
const rate = (count: number, ms: number) => Math.round((count / ms) * 1000).toLocaleString("en-US");

function add(index: LookupIndex, type: IndicatorType, value: string, blinded = false) {
  index.add({ id: indicatorId(type, value, blinded), type, value, blinded });
}

const index = new LookupIndex();
for (let i = 0; i < HELD; i++) {
  const a = (i >> 16) & 255;
  const b = (i >> 8) & 255;
  const c = i & 255;
  switch (i % 5) {
    case 0: add(index, "ipv4", `45.${a}.${b}.${c}`); break;
    case 1: add(index, "domain", `host-${i}.bad-${a}.example`); break;
    case 2: add(index, "url", `http://cdn-${i}.example/p/${i}`); break;
    case 3: add(index, "sha256", i.toString(16).padStart(64, "0")); break;
    case 4: add(index, "cidr", `100.${a}.${b}.0/24`); break;
  }
}
// What a busy sensor logs: mostly benign names and addresses, some hits.
const observed: string[] = [];
for (let i = 0; i < OBSERVED; i++) {
  const j = (i * 7919) % HELD;
  switch (i % 6) {
    case 0: observed.push(`45.${(j >> 16) & 255}.${(j >> 8) & 255}.${j & 255}`); break;
    case 1: observed.push(`www.host-${j}.bad-${(j >> 16) & 255}.example`); break;
    case 2: observed.push(`http://cdn-${j}.example/p/${j}`); break;
    case 3: observed.push(`100.${(j >> 16) & 255}.${(j >> 8) & 255}.${i & 255}`); break;
    case 4: observed.push(`benign-${i}.example.org`); break;
    case 5: observed.push(`user${i}@mail.example.net`); break;
  }
}

console.log(`lookup index, ${index.size.toLocaleString("en-US")} indicators held, one core (${process.version})`);
for (let run = 0; run < 2; run++) {
  let hits = 0;
  const t = performance.now();
  for (const value of observed) hits += index.match(value).length > 0 ? 1 : 0;
  const ms = performance.now() - t;
  if (run === 1) console.log(`plain        ${rate(OBSERVED, ms).padStart(9)} values/s (${hits.toLocaleString("en-US")} of ${OBSERVED.toLocaleString("en-US")} matched)`);
}
const ring = [1, 2, 3].map((group) => ({ producer: "bench", group, key: deriveBlindingKey(new Uint8Array(32).fill(group), group) }));
for (let i = 0; i < 1000; i++) add(index, "ipv4", blindValue(ring[i % 3]!.key, "ipv4", `45.0.${i >> 8}.${i & 255}`), true);
const t = performance.now();
for (const value of observed.slice(0, OBSERVED / 4)) index.match(value, ring);
console.log(`with blinded entries under ${ring.length} keys ${rate(OBSERVED / 4, performance.now() - t).padStart(9)} values/s`);
