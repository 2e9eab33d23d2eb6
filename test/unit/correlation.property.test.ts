import { expect } from "chai";
import fc from "fast-check";
import { join } from "node:path";
import { CorrelationGraph, type MemberResolver } from "../../node/src/correlate/correlation-graph.js";
import { indicatorKeys, objectKeys, postedKeys, SIGHTING_WINDOW_MS } from "../../node/src/correlate/evidence-keys.js";
import { cidrHolds, linkReasons } from "../../node/src/correlate/link-rules.js";
import type { MemberId } from "../../node/src/model/correlation.js";
import type { IndicatorRecord } from "../../node/src/model/record.js";
import { openDatabase, type Database } from "../../node/src/store/db.js";
import { CorrelationRepository, refOf } from "../../node/src/store/correlation-repository.js";
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

    // Indicators (two of them share the first 8 bytes of their ids: the index cannot tell them
    // apart, the keys must) and report objects.
    const MEMBERS: MemberId[] = [
      ...Array.from({ length: 7 }, (_, i) => `i:${String(i + 1).repeat(64)}`),
      `i:${"1".repeat(16)}${"f".repeat(48)}`,
      ...Array.from({ length: 4 }, (_, i) => `o:report--00000000-0000-4000-8000-00000000000${i}`),
    ];
    const VALUES = ["mal:emotet", "mal:qakbot", "act:apt-x", "host:evil.example", "seen:bank-a:1", "seen:grid-b:1", "seen:health-c:1", "tset:abc", `rec:${MEMBERS[0]!.slice(2)}`, `rec:${MEMBERS[7]!.slice(2)}`, `obj:${MEMBERS[8]!.slice(2)}`];
    const self = (member: MemberId) => (member.startsWith("i:") ? `rec:${member.slice(2)}` : `obj:${member.slice(2)}`);
    const step = fc.record({ member: fc.constantFrom(...MEMBERS), keys: fc.subarray(VALUES, { maxLength: 6 }), remove: fc.boolean(), cleanly: fc.boolean() });
    let run = 0;

    it("is symmetric, equals a brute-force comparison, keeps the fan-out bound, and forgets what is removed", async function () {
      await fc.assert(
        fc.asyncProperty(fc.array(step, { minLength: 1, maxLength: 30 }), fc.integer({ min: 2, max: 5 }), async (history, fanOut) => {
          const repository = new CorrelationRepository(db, fanOut);
          await repository.clear();
          const truth = new Map<MemberId, string[]>();
          const resolver: MemberResolver = {
            keysOf: async (members) => members.map((m) => truth.get(m)),
            expand: async (refs) => refs.map((ref) => (ref.startsWith("i:") ? MEMBERS.filter((m) => m.startsWith(ref)) : [ref])),
          };
          const graph = new CorrelationGraph(repository, resolver);
          for (const s of history) {
            const keys = [...new Set([...s.keys, self(s.member)])].sort();
            const former = truth.get(s.member);
            if (s.remove) {
              truth.delete(s.member);
              // A retraction takes the member off its keys; a lost event (cleanly false) leaves it listed, stale.
              if (former && s.cleanly) await graph.unlist(postedKeys(s.member, former).map((key) => ({ key, member: s.member })));
            } else {
              truth.set(s.member, keys);
              await repository.change(postedKeys(s.member, keys).map((key) => ({ key, member: s.member })));
            }
          }
          run++;
          const read = await repository.postings(VALUES);
          const dead = new Set(VALUES.filter((_, i) => read[i]!.saturated));
          // The fan-out bound.
          for (const p of read) if (!p.saturated) expect(p.members.length).to.be.at.most(fanOut);
          const related = new Map<MemberId, Map<MemberId, string>>();
          for (const member of MEMBERS) {
            const links = await graph.related(member);
            related.set(member, new Map(links.map((l) => [l.member, JSON.stringify(l.reasons)])));
            if (!truth.has(member)) expect(links, `removed ${member} still links`).to.deep.equal([]);
          }
          for (const [a, links] of related) {
            for (const [b, reasons] of links) {
              // Symmetric, with the same reasons both ways; never to a member removed.
              expect(related.get(b)!.get(a), `${b} -> ${a}`).to.equal(reasons);
              expect(truth.has(b), `link to removed ${b}`).to.equal(true);
            }
          }
          // Exactly the pairs a brute-force comparison of every two members links.
          for (const [a, keysA] of truth) {
            for (const [b, keysB] of truth) {
              if (a === b) continue;
              const reasons = linkReasons(keysA, keysB, (k) => dead.has(k));
              expect(related.get(a)!.get(b), `${a} ~ ${b}`).to.equal(reasons.length > 0 ? JSON.stringify(reasons) : undefined);
            }
          }
          // Reading pruned the stale entries: each live key lists exactly the members that post it now.
          const after = await repository.postings(VALUES);
          VALUES.forEach((key, i) => {
            const p = after[i]!;
            if (p.saturated || ![...truth.values()].some((k) => k.includes(key))) return;
            const posting = [...truth].filter(([m, k]) => postedKeys(m, k).includes(key)).map(([m]) => refOf(m));
            expect([...p.members].sort(), key).to.deep.equal([...new Set(posting)].sort());
          });
        }),
        { numRuns: 80 },
      );
      expect(run).to.equal(80);
    });
  });
});
