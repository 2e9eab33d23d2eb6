/**
 * Correlation (issue 17's goal: its storage at most 10% of the records' own size): synthetic
 * indicator records shaped as a consortium's are (domains, URLs on them, addresses and CIDRs,
 * hashes; malware families drawn from a long tail; ATT&CK technique sets; sightings by a dozen
 * partners over a week) indexed in a real LevelDB through the path the node takes
 * (indicatorKeys and postedKeys, then CorrelationRepository.change in chunks of 500; the links read through CorrelationGraph with the records in memory standing in for the store). Printed: index updates/s
 * (new members, then re-keyed ones as sightings change them), related() reads/s, and the index's
 * bytes beside the records' own (their stored encoding, without the batches that carried them).
 *
 *   npm run bench      (CORRELATION_RECORDS=100000)
 */
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { CorrelationGraph, type MemberResolver } from "../src/correlate/correlation-graph.js";
import { indicatorKeys, postedKeys, SIGHTING_WINDOW_MS } from "../src/correlate/evidence-keys.js";
import { seededRandom } from "../src/categorise/softmax-trainer.js";
import { indicatorMember } from "../src/model/correlation.js";
import { indicatorId } from "../src/model/indicator-id.js";
import type { IndicatorType } from "../src/model/indicator.js";
import type { IndicatorRecord } from "../src/model/record.js";
import type { SightingSummary } from "../src/model/sighting.js";
import { CorrelationRepository, DEFAULT_FAN_OUT } from "../src/store/correlation-repository.js";
import { openDatabase } from "../src/store/db.js";
import { encodeRecord } from "../src/store/record-codec.js";

const N = Number(process.env.CORRELATION_RECORDS ?? 100_000);
const CHUNK = 500;
const random = seededRandom(42);
const pick = <T>(list: readonly T[]) => list[Math.floor(random() * list.length)]!;
/** A long tail: index i drawn with weight 1/(i+1). */
const zipf = (n: number) => Math.min(n - 1, Math.floor(Math.exp(random() * Math.log(n + 1))) - 1);
const PARTNERS = Array.from({ length: 12 }, (_, i) => `partner-${i}`);
const FAMILIES = Array.from({ length: 300 }, (_, i) => `family-${i}`);
const TECHNIQUES = Array.from({ length: 200 }, (_, i) => `T${1000 + i}`);
const SETS = Array.from({ length: 500 }, () => [...new Set([pick(TECHNIQUES), pick(TECHNIQUES), pick(TECHNIQUES)])]);
const start = Date.parse("2026-11-24T00:00:00Z");

function synthetic(i: number): { record: IndicatorRecord; sightings: SightingSummary | undefined } {
  const roll = random();
  let type: IndicatorType;
  let value: string;
  if (roll < 0.4) [type, value] = ["domain", `host-${i}.example-${i % 997}.net`];
  else if (roll < 0.65) [type, value] = ["url", `https://host-${Math.floor(random() * i)}.example-${i % 997}.net/p/${i}`];
  else if (roll < 0.88) [type, value] = ["ipv4", `198.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}`];
  else if (roll < 0.9) [type, value] = ["cidr", `198.${(i >> 16) & 255}.${(i >> 8) & 255}.0/24`];
  else [type, value] = ["sha256", i.toString(16).padStart(64, "a")];
  const labels = {
    malwareFamilies: random() < 0.5 ? [FAMILIES[zipf(FAMILIES.length)]!] : [],
    attackTechniques: random() < 0.3 ? [...SETS[zipf(SETS.length)]!].sort() : [],
    tags: random() < 0.2 ? ["tlp:green", "phishing"] : [],
  };
  const at = start + Math.floor(random() * 7 * 24) * SIGHTING_WINDOW_MS;
  const record: IndicatorRecord = {
    id: indicatorId(type, value),
    type,
    value,
    blinded: false,
    tlp: "GREEN",
    confidence: 70,
    validFrom: at,
    validUntil: at + 90 * 86_400_000,
    labels,
    attestations: [{ producer: pick(PARTNERS), sequence: 1 + (i >> 8), index: i & 255, tlp: "GREEN", group: 0, confidence: 70, validFrom: at, validUntil: at + 90 * 86_400_000, labels, description: random() < 0.3 ? "C2 seen in the campaign's second wave" : "", createdAt: at, receivedAt: at, revision: at * 1000 }],
    firstSeenAt: at,
    updatedAt: at,
    revision: at * 1000 + i,
  };
  const sighted = random() < 0.2 ? [...new Set(Array.from({ length: 1 + Math.floor(random() * 4) }, () => pick(PARTNERS)))] : [];
  const sightings = sighted.length > 0 ? { indicatorId: record.id, byOrg: Object.fromEntries(sighted.map((org) => [org, { sighting: 1, falsePositive: 0, expired: 0, firstSeen: at, lastSeen: at + SIGHTING_WINDOW_MS }])) } : undefined;
  return { record, sightings };
}

const dir = await mkdtemp(join(tmpdir(), "cti-correlation-bench-"));
try {
  const db = await openDatabase(join(dir, "db"));
  const repository = new CorrelationRepository(db, DEFAULT_FAN_OUT);
  const items = Array.from({ length: N }, (_, i) => synthetic(i));
  const byId = new Map(items.map((item) => [item.record.id, item]));
  const ids = [...byId.keys()].sort();
  // What the node's resolver does with the store, here over the records in memory.
  const resolver: MemberResolver = {
    keysOf: async (members) => members.map((m) => {
      const item = byId.get(m.slice(2));
      return item ? indicatorKeys(item.record, item.sightings, false) : undefined;
    }),
    expand: async (refs) => refs.map((ref) => {
      const prefix = ref.slice(2);
      let lo = 0;
      let hi = ids.length;
      while (lo < hi) {
        const mid = (lo + hi) >> 1;
        if (ids[mid]! < prefix) lo = mid + 1;
        else hi = mid;
      }
      const out: string[] = [];
      for (let i = lo; i < ids.length && ids[i]!.startsWith(prefix); i++) out.push(indicatorMember(ids[i]!));
      return out;
    }),
  };
  const list = (member: string, keys: string[]) => postedKeys(member, keys).map((key) => ({ key, member }));
  const recordBytes = items.reduce((n, { record }) => n + record.id.length + encodeRecord(record).length, 0);

  let began = performance.now();
  for (let i = 0; i < N; i += CHUNK) {
    await repository.change(items.slice(i, i + CHUNK).flatMap(({ record, sightings }) => list(indicatorMember(record.id), indicatorKeys(record, sightings, false))));
  }
  const insertRate = N / ((performance.now() - began) / 1000);

  // Sightings arriving: a fifth of the members re-keyed with a new partner's hour.
  const changed = items.filter((_, i) => i % 5 === 0);
  began = performance.now();
  for (let i = 0; i < changed.length; i += CHUNK) {
    await repository.change(
      changed.slice(i, i + CHUNK).flatMap((item) => {
        const byOrg = { ...(item.sightings?.byOrg ?? {}), [pick(PARTNERS)]: { sighting: 1, falsePositive: 0, expired: 0, firstSeen: item.record.firstSeenAt + 86_400_000, lastSeen: item.record.firstSeenAt + 86_400_000 } };
        item.sightings = { indicatorId: item.record.id, byOrg };
        return list(indicatorMember(item.record.id), indicatorKeys(item.record, item.sightings, false));
      }),
    );
  }
  const rekeyRate = changed.length / ((performance.now() - began) / 1000);

  const graph = new CorrelationGraph(repository, resolver);
  const sample = Array.from({ length: 1000 }, () => pick(items).record.id);
  let links = 0;
  began = performance.now();
  for (const id of sample) links += (await graph.related(indicatorMember(id))).length;
  const readRate = sample.length / ((performance.now() - began) / 1000);

  const size = await repository.size();
  await db.close();
  const share = size.bytes / recordBytes;
  const fmt = (n: number) => Math.round(n).toLocaleString("en");
  console.log(`correlation: ${fmt(N)} synthetic records (${(recordBytes / 1e6).toFixed(1)} MB encoded), fan-out bound ${DEFAULT_FAN_OUT}, one core (${process.version}), real LevelDB`);
  console.log("| new members/s | re-keyed members/s | related() reads/s (links per read) | index MB | of the records' size | goal |");
  console.log("| ---: | ---: | ---: | ---: | ---: | ---: |");
  console.log(`| ${fmt(insertRate)} | ${fmt(rekeyRate)} | ${fmt(readRate)} (${(links / sample.length).toFixed(1)}) | ${(size.bytes / 1e6).toFixed(1)} | ${(share * 100).toFixed(1)}% | 10% |`);
} finally {
  await rm(dir, { recursive: true, force: true });
}
