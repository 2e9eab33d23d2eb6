/**
 * Enforcement feeds (issue 19's goal: the RPZ zone for 1,000,000 indicators in under 5 s):
 * synthetic scored records, as trust-service feedAll hands them to the response service (40%
 * domains, 25% URLs, 25% IPv4 addresses, 3% CIDRs, 2% IPv6, 5% hashes that no device acts on),
 * selected by each kind's policy (own assets and every bundled warning list checked), rendered
 * and written atomically to a temporary directory, as the node does on a change. Printed per
 * kind: seconds to select, render and write, the file's size and the heap the feed holds; beside
 * them, measured in the same run, the floors: sorting the values alone and writing the same
 * bytes to the same disk.
 *
 *   npm run bench      (RESPONSE_RECORDS=1000000)
 */
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { warningListsFor } from "../src/config/reference-data.js";
import { seededRandom } from "../src/categorise/softmax-trainer.js";
import { writeFilesAtomically } from "../src/detect/export-writer.js";
import { ENFORCEABLE_TYPES, ENFORCEMENT_KINDS, type EnforcementKind } from "../src/model/response.js";
import type { IndicatorType } from "../src/model/indicator.js";
import { selectEntries, type Verdict } from "../src/response/enforcement-policy.js";
import { renderFeedFiles } from "../src/response/feed-files.js";
import { OwnAssets } from "../src/response/own-assets.js";
import type { ScoredRecord } from "../src/trust/trust-service.js";

const N = Number(process.env.RESPONSE_RECORDS ?? 1_000_000);
const gc = (globalThis as { gc?: () => void }).gc ?? (() => undefined);
const random = seededRandom(19);
const now = Date.parse("2026-12-03T00:00:00Z");

// Shared parts, as records of one producer share them in spirit: the bench measures the feed, not the records' own memory.
const attestations = [{ producer: "partner-1" }, { producer: "partner-2" }] as never;
const labels = { malwareFamilies: [], attackTechniques: [], tags: [] };

function synthetic(i: number, onlyDomains = false): ScoredRecord {
  const roll = onlyDomains ? 0 : random();
  let type: IndicatorType;
  let value: string;
  if (roll < 0.4) [type, value] = ["domain", `c2-${i}.bad-${i % 9973}.example`];
  else if (roll < 0.65) [type, value] = ["url", `https://drop-${i}.bad-${i % 9973}.example/p/${i}`];
  else if (roll < 0.9) [type, value] = ["ipv4", `${11 + ((i >> 24) & 63)}.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}`];
  else if (roll < 0.93) [type, value] = ["cidr", `${100 + (i & 15)}.${(i >> 8) & 255}.${i & 255}.0/24`];
  else if (roll < 0.95) [type, value] = ["ipv6", `2a0${(i >> 24) & 7}:${((i >> 16) & 0xffff).toString(16)}:${(i & 0xffff).toString(16)}::1`];
  else [type, value] = ["sha256", i.toString(16).padStart(64, "a")];
  const score = onlyDomains ? 90 : 40 + Math.floor(random() * 60);
  return {
    id: i.toString(16).padStart(64, "0"),
    type,
    value,
    blinded: false,
    tlp: "GREEN",
    confidence: 70,
    validFrom: now - 86_400_000,
    validUntil: now + Math.floor(1 + random() * 30) * 86_400_000,
    labels,
    attestations,
    firstSeenAt: now,
    updatedAt: now,
    revision: i,
    score: { score, base: score, quarantined: false, expired: false, statements: [], confirmedBy: [] } as never,
  } as ScoredRecord;
}

const seconds = (ms: number) => (ms / 1000).toFixed(2);
const mb = (bytes: number) => (bytes / 1e6).toFixed(0);

async function main(): Promise<void> {
  const dir = await mkdtemp(join(tmpdir(), "cti-response-bench-"));
  let records = Array.from({ length: N }, (_, i) => synthetic(i));
  const warningLists = warningListsFor({ bundled: true, disabled: [], actions: {}, files: [] });
  const context = () => ({
    now,
    ownAssets: new OwnAssets({ cidrs: ["192.0.2.0/24", "2001:db8::/32"], domains: ["bank.example"] }),
    warningList: (type: IndicatorType, value: string, host?: string) => warningLists.check(type, value, host)[0]?.name,
    // One check per value for every feed of a refresh, as the response service does.
    verdicts: new Map<string, Verdict>(),
  });
  // One context (one warning-list memo) for the four feeds of a refresh, as the response service has; a fresh one for the last run.
  let shared = context();
  console.log(`enforcement feeds: ${N.toLocaleString("en")} synthetic scored records, every bundled warning list, one core (${process.version})`);
  console.log("| feed | entries | select s | render s | write s | total s | files MB | feed heap MB | goal |");
  console.log("| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |");
  const floors: string[] = [];
  const runs: Array<[string, EnforcementKind]> = [...ENFORCEMENT_KINDS.map((k): [string, EnforcementKind] => [k, k]), [`rpz, ${N.toLocaleString("en")} names`, "rpz"]];
  // What each feed holds stays referenced until its heap is read.
  let held: unknown[] = [];
  const measure = async (kind: EnforcementKind, withFloors: boolean) => {
    const t0 = performance.now();
    const selection = selectEntries(records, [], { minScore: 50, types: ENFORCEABLE_TYPES[kind], maxTlp: "RED", maxEntries: 10_000_000, includeRequests: false }, shared);
    const t1 = performance.now();
    const files = renderFeedFiles(kind, selection.entries.values(), { serial: Math.floor(now / 1000), now, rpz: { blockWith: "nxdomain", subdomains: true, ttl: 60 }, nftTable: "cti_exchange" });
    const t2 = performance.now();
    await writeFilesAtomically(join(dir, kind), files);
    const t3 = performance.now();
    held.push(selection, files);
    const bytes = Object.values(files).reduce((n, f) => n + Buffer.byteLength(f), 0);
    let floor: string | undefined;
    if (withFloors) {
      const values = [...selection.entries.values()].map((e) => e.value);
      const s0 = performance.now();
      values.sort();
      const s1 = performance.now();
      const text = Object.values(files).join("");
      const w0 = performance.now();
      await writeFile(join(dir, "floor.txt"), text);
      const w1 = performance.now();
      floor = `floors for the RPZ zone of ${values.length.toLocaleString("en")} names in this run: sorting the names alone ${seconds(s1 - s0)} s; writing its ${mb(bytes)} MB to the same disk ${seconds(w1 - w0)} s`;
    }
    return { entries: selection.entries.size, select: t1 - t0, render: t2 - t1, write: t3 - t2, bytes, floor };
  };
  for (const [label, kind] of runs) {
    held = [];
    if (label !== kind) {
      // The goal read strictly: a zone of N names, every record a domain above the threshold.
      records = [];
      gc();
      records = Array.from({ length: N }, (_, i) => synthetic(i, true));
      shared = context();
    }
    gc();
    const run = await measure(kind, label !== kind);
    gc();
    const holding = process.memoryUsage().heapUsed;
    held = [];
    gc();
    // What the feed's entries and files take: the heap with them held, less the heap without.
    const heap = holding - process.memoryUsage().heapUsed;
    console.log(`| ${label} | ${run.entries.toLocaleString("en")} | ${seconds(run.select)} | ${seconds(run.render)} | ${seconds(run.write)} | ${seconds(run.select + run.render + run.write)} | ${mb(run.bytes)} | ${mb(heap)} | ${kind === "rpz" ? "< 5 s" : ""} |`);
    if (run.floor) floors.push(run.floor);
  }
  for (const line of floors) console.log(line);
  console.log(`peak RSS ${mb(process.resourceUsage().maxRSS * 1024)} MB (the ${N.toLocaleString("en")} records included)`);
  await rm(dir, { recursive: true, force: true });
}

await main();
