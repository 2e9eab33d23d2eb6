import { expect } from "chai";
import fc from "fast-check";
import { join } from "node:path";
import { CorrelationGraph } from "../../node/src/correlate/correlation-graph.js";
import { indicatorKeys, objectKeys, SIGHTING_WINDOW_MS } from "../../node/src/correlate/evidence-keys.js";
import { cidrHolds, linkReasons } from "../../node/src/correlate/link-rules.js";
import type { MemberId } from "../../node/src/model/correlation.js";
import type { IndicatorRecord } from "../../node/src/model/record.js";
import { openDatabase, type Database } from "../../node/src/store/db.js";
import { CorrelationRepository, selfKey } from "../../node/src/store/correlation-repository.js";
import { removeDir, tempDir } from "../helpers/nodes.js";

/**
 * Correlation's rules and index: the evidence keys of hand-made records (each rule, each trap),
 * and properties over random histories of a real LevelDB index: links are symmetric, they are
 * exactly what a brute-force comparison of every pair finds, no key links more than the fan-out
 * bound, and a member removed (a retraction) is linked to nothing.
 */

const hour = (n: number) => Date.parse("2026-12-01T00:00:00Z") + n * SIGHTING_WINDOW_MS;

function record(type: IndicatorRecord["type"], value: string, labels: Partial<IndicatorRecord["labels"]> = {}, id = `${type}-${value}`): IndicatorRecord {
  const fullId = Buffer.from(id).toString("hex").padEnd(64, "0").slice(0, 64);
  const l = { malwareFamilies: [], attackTechniques: [], tags: [], ...labels };
  return { id: fullId, type, value, blinded: false, tlp: "GREEN", confidence: 80, validFrom: 0, validUntil: Number.MAX_SAFE_INTEGER, labels: l, attestations: [], firstSeenAt: 0, updatedAt: 0, revision: 0 };
}

const seen = (...orgs: Array<[string, number]>) => ({ indicatorId: "x", byOrg: Object.fromEntries(orgs.map(([org, at]) => [org, { sighting: 1, falsePositive: 0, expired: 0, firstSeen: at, lastSeen: at }])) });
const kinds = (a: string[], b: string[]) => linkReasons(a, b).map((r) => `${r.kind}:${r.detail}`);

describe("correlation", function () {
  describe("evidence and rules", function () {
    it("links a URL to its host's domain, and an address to a URL on it", function () {
      const domain = indicatorKeys(record("domain", "evil.example"), undefined, false);
      const url = indicatorKeys(record("url", "https://evil.example/a/b"), undefined, false);
      const ip = indicatorKeys(record("ipv4", "198.51.100.7"), undefined, false);
      const onIp = indicatorKeys(record("url", "http://198.51.100.7:8080/x"), undefined, false);
      expect(kinds(domain, url)).to.deep.equal(["infrastructure:evil.example"]);
      expect(kinds(ip, onIp)).to.deep.equal(["infrastructure:198.51.100.7"]);
      expect(kinds(domain, ip)).to.deep.equal([]);
    });

    it("links an address to a CIDR holding it, never to a neighbour or a CIDR beside it", function () {
      const ip = indicatorKeys(record("ipv4", "198.51.100.7"), undefined, false);
      const neighbour = indicatorKeys(record("ipv4", "198.51.100.8"), undefined, false);
      const holds = indicatorKeys(record("cidr", "198.51.100.0/29"), undefined, false);
      const beside = indicatorKeys(record("cidr", "198.51.100.8/29"), undefined, false);
      const wide = indicatorKeys(record("cidr", "198.51.96.0/20"), undefined, false);
      expect(kinds(ip, holds)).to.deep.equal(["infrastructure:198.51.100.7 in 198.51.100.0/29"]);
      expect(kinds(ip, beside)).to.deep.equal([]);
      expect(kinds(ip, neighbour)).to.deep.equal([]);
      expect(kinds(wide, ip)).to.deep.equal(["infrastructure:198.51.100.7 in 198.51.96.0/20"]);
      const v6 = indicatorKeys(record("ipv6", "2001:db8:0:1::5"), undefined, false);
      expect(kinds(v6, indicatorKeys(record("cidr", "2001:db8::/48"), undefined, false))).to.deep.equal(["infrastructure:2001:db8:0:1::5 in 2001:db8::/48"]);
      expect(cidrHolds("2001:db8::/48", "2001:db9::1")).to.equal(false);
      expect(cidrHolds("10.0.0.0/8", "10.255.1.1")).to.equal(true);
    });

    it("links by malware, actor (labels, galaxy tags, objects' names and aliases) and whole technique sets", function () {
      const emotet = indicatorKeys(record("domain", "a.example", { malwareFamilies: ["emotet"] }), undefined, false);
      const galaxy = indicatorKeys(record("domain", "b.example", { tags: ['misp-galaxy:mitre-malware="Emotet - S0367"', 'misp-galaxy:threat-actor="Mummy Spider"'] }), undefined, false);
      const object = objectKeys({ id: "malware--0d9a3b7e-3c55-4b8a-9a57-2f4f3b1a9e01", type: "malware", revoked: false, name: "Geodo", aliases: ["Emotet"], references: [], records: [] });
      const actor = objectKeys({ id: "intrusion-set--0d9a3b7e-3c55-4b8a-9a57-2f4f3b1a9e02", type: "intrusion-set", revoked: false, name: "Mummy Spider", references: [], records: [] });
      expect(kinds(emotet, galaxy)).to.deep.equal(["malware:emotet"]);
      expect(kinds(emotet, object)).to.deep.equal(["malware:emotet"]);
      expect(kinds(galaxy, actor)).to.deep.equal(["actor:mummy spider"]);
      const set = (t: string[], v: string) => indicatorKeys(record("domain", v, { attackTechniques: t }), undefined, false);
      expect(linkReasons(set(["T1071.001", "T1566.001"], "c.example"), set(["T1566.001", "T1071.001"], "d.example")).map((r) => r.kind)).to.deep.equal(["techniques"]);
      expect(kinds(set(["T1071.001"], "c.example"), set(["T1071.001"], "d.example"))).to.deep.equal([]);
      expect(kinds(set(["T1071.001", "T1566.001"], "c.example"), set(["T1071.001", "T1566.001", "T1105"], "d.example"))).to.deep.equal([]);
    });

    it("links co-sightings only when two partners saw both within the same hour", function () {
      const a = (s: ReturnType<typeof seen>) => indicatorKeys(record("domain", "a.example"), s, false);
      const b = (s: ReturnType<typeof seen>) => indicatorKeys(record("domain", "b.example"), s, false);
      expect(kinds(a(seen(["bank-a", hour(1)], ["grid-b", hour(2)])), b(seen(["bank-a", hour(1)], ["grid-b", hour(2)])))).to.deep.equal(["co-sighting:bank-a, grid-b"]);
      expect(kinds(a(seen(["bank-a", hour(1)])), b(seen(["bank-a", hour(1)])))).to.deep.equal([]);
      expect(kinds(a(seen(["bank-a", hour(1)], ["grid-b", hour(2)])), b(seen(["bank-a", hour(1)], ["grid-b", hour(5)])))).to.deep.equal([]);
    });

    it("gives a retracted record, a revoked object and a blinded value no evidence to link by", function () {
      expect(indicatorKeys(record("domain", "gone.example", { malwareFamilies: ["emotet"] }), undefined, true)).to.deep.equal([]);
      expect(objectKeys({ id: "malware--0d9a3b7e-3c55-4b8a-9a57-2f4f3b1a9e01", type: "malware", revoked: true, name: "Emotet", references: [], records: [] })).to.deep.equal([]);
      const blinded = { ...record("domain", "ab".repeat(32)), blinded: true };
      expect(indicatorKeys(blinded, undefined, false)).to.deep.equal([`rec:${blinded.id}`]);
    });
  });

  describe("properties of the index over random histories", function () {
    this.timeout(120_000);
    let dir: string;
    let db: Database;

    before(async function () {
      dir = await tempDir("correlation");
      db = await openDatabase(join(dir, "db"));
    });

    after(async function () {
      await db?.close();
      if (dir) await removeDir(dir);
    });

    const MEMBERS: MemberId[] = [
      ...Array.from({ length: 8 }, (_, i) => `i:${String(i).repeat(64).slice(0, 64)}`),
      ...Array.from({ length: 4 }, (_, i) => `o:report--00000000-0000-4000-8000-00000000000${i}`),
    ];
    const VALUES = ["mal:emotet", "mal:qakbot", "act:apt-x", "host:evil.example", "ip:198.51.100.7", "n4:198.51.100", "cidr:198.51.100.0/29", "seen:bank-a:1", "seen:grid-b:1", "seen:health-c:1", "tset:abc", ...MEMBERS.slice(0, 3).map(selfKey)];
    const update = fc.record({ member: fc.constantFrom(...MEMBERS), keys: fc.subarray(VALUES, { maxLength: 6 }), remove: fc.boolean() });
    let run = 0;

    it("is symmetric, equals a brute-force comparison, keeps the fan-out bound, and forgets what is removed", async function () {
      await fc.assert(
        fc.asyncProperty(fc.array(update, { minLength: 1, maxLength: 30 }), fc.integer({ min: 2, max: 5 }), async (history, fanOut) => {
          const repository = new CorrelationRepository(db, fanOut);
          await repository.clear();
          const graph = new CorrelationGraph(repository);
          const current = new Map<MemberId, string[]>();
          for (const step of history) {
            const keys = step.remove ? [] : [...new Set([...step.keys, selfKey(step.member)])].sort();
            await repository.update([{ member: step.member, keys }]);
            if (keys.length === 0) current.delete(step.member);
            else current.set(step.member, keys);
          }
          run++;
          const allKeys = [...new Set([...current.values()].flat())];
          const postings = new Map(allKeys.map((k, i) => [k, i]));
          const read = await repository.postings(allKeys);
          const dead = new Set(allKeys.filter((k) => read[postings.get(k)!]!.saturated));
          // The fan-out bound: no posting lists more than fanOut members; and each lists exactly the
          // members holding its key now (its own member implied, not listed).
          const everyKey = VALUES;
          const listed = await repository.postings(everyKey);
          everyKey.forEach((key, i) => {
            const p = listed[i]!;
            if (p.saturated) return;
            expect(p.members.length).to.be.at.most(fanOut);
            const holders = [...current].filter(([m, keys]) => keys.includes(key) && selfKey(m) !== key).map(([m]) => m);
            expect([...p.members].sort(), key).to.deep.equal(holders.sort());
          });
          const related = new Map<MemberId, Map<MemberId, string>>();
          for (const member of MEMBERS) {
            const links = await graph.related(member);
            related.set(member, new Map(links.map((l) => [l.member, JSON.stringify(l.reasons)])));
            if (!current.has(member)) expect(links, `removed ${member} still links`).to.deep.equal([]);
          }
          for (const [a, links] of related) {
            for (const [b, reasons] of links) {
              // Symmetric, with the same reasons both ways.
              expect(related.get(b)!.get(a), `${b} -> ${a}`).to.equal(reasons);
              expect(current.has(b), `link to removed ${b}`).to.equal(true);
            }
          }
          // Exactly the pairs a brute-force comparison links (through keys that are not saturated, and
          // found through a posting or a member's own key).
          for (const [a, keysA] of current) {
            for (const [b, keysB] of current) {
              if (a === b) continue;
              const reasons = linkReasons(keysA, keysB, (k) => dead.has(k));
              const reachable = keysA.some((k) => !dead.has(k) && keysB.includes(k));
              expect(related.get(a)!.has(b), `${a} ~ ${b}`).to.equal(reasons.length > 0 && reachable);
            }
          }
        }),
        { numRuns: 60 },
      );
      expect(run).to.equal(60);
    });
  });
});
