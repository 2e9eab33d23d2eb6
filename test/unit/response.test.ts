import { expect } from "chai";
import { diffEntries, entryKey, type EnforcementEntry } from "../../node/src/model/response.js";
import { selectEntries, type EnforcementPolicy, type RequestedTarget } from "../../node/src/response/enforcement-policy.js";
import { OwnAssetError, OwnAssets } from "../../node/src/response/own-assets.js";
import { edlFiles } from "../../node/src/response/formats/edl.js";
import { nftablesRuleset } from "../../node/src/response/formats/nftables.js";
import { rpzZone } from "../../node/src/response/formats/rpz.js";
import { suricataDropFiles } from "../../node/src/response/formats/suricata-drop.js";
import { decideRequest } from "../../node/src/response/request-policy.js";
import { acknowledgementObject, checkRequestInput, parseAcknowledgement, parseRequestObject, requestObjects, ResponseRequestError } from "../../node/src/response/request-objects.js";
import { signedHeaders } from "../../node/src/response/playbook-hooks.js";
import { createHmac } from "node:crypto";
import type { ScoredRecord } from "../../node/src/trust/trust-service.js";
import type { IndicatorType, Tlp } from "../../node/src/model/indicator.js";

const NOW = Date.UTC(2026, 11, 3);
const DAY = 86_400_000;

function record(type: IndicatorType, value: string, score: number, extra: { tlp?: Tlp; blinded?: boolean; validUntil?: number; producers?: string[] } = {}): ScoredRecord {
  return {
    id: `id-${type}-${value}`,
    type,
    value,
    blinded: extra.blinded ?? false,
    tlp: extra.tlp ?? "GREEN",
    confidence: 80,
    validFrom: NOW - DAY,
    validUntil: extra.validUntil ?? NOW + DAY,
    labels: { malwareFamilies: [], attackTechniques: [], tags: [] },
    attestations: (extra.producers ?? ["intel-co"]).map((producer) => ({ producer }) as never),
    firstSeenAt: NOW - DAY,
    updatedAt: NOW - DAY,
    revision: 1,
    score: { score, base: score, quarantined: false, expired: false, statements: [], confirmedBy: [] } as never,
  } as ScoredRecord;
}

const POLICY: EnforcementPolicy = { minScore: 60, types: ["domain", "ipv4", "cidr", "url"], maxTlp: "AMBER", maxEntries: 100, includeRequests: true };

function entry(type: IndicatorType, value: string, extra: Partial<EnforcementEntry> = {}): EnforcementEntry {
  return { type, value, action: "block", expiresAt: NOW + DAY, score: 80, because: { kind: "indicator", indicator: "x", producers: ["intel-co"], score: 80 }, ...extra };
}

describe("response: own assets", function () {
  const own = new OwnAssets({ cidrs: ["192.0.2.0/24", "2001:db8::/32", "198.51.100.7"], domains: ["bank.example"] });

  it("covers what overlaps an own asset at all, and nothing else", function () {
    expect(own.covers("ipv4", "192.0.2.55")).to.equal(true);
    expect(own.covers("ipv4", "192.0.3.1")).to.equal(false);
    expect(own.covers("cidr", "192.0.0.0/16"), "a range holding an own range").to.equal(true);
    expect(own.covers("cidr", "192.0.2.128/25"), "a range inside one").to.equal(true);
    expect(own.covers("cidr", "10.0.0.0/8")).to.equal(false);
    expect(own.covers("cidr", "198.51.100.0/24"), "a range holding an own address").to.equal(true);
    expect(own.covers("ipv6", "2001:db8::1")).to.equal(true);
    expect(own.covers("domain", "bank.example")).to.equal(true);
    expect(own.covers("domain", "mail.bank.example")).to.equal(true);
    expect(own.covers("domain", "evilbank.example"), "a name that only ends alike").to.equal(false);
    expect(own.covers("url", "https://login.bank.example/x")).to.equal(true);
    expect(own.covers("url", "http://192.0.2.9/x")).to.equal(true);
    expect(own.covers("url", "https://evil.example/bank.example")).to.equal(false);
    expect(own.covers("sha256", "a".repeat(64))).to.equal(false);
  });

  it("refuses an asset that is neither an address nor a domain", function () {
    expect(() => new OwnAssets({ cidrs: ["not-an-ip"] })).to.throw(OwnAssetError, /not-an-ip/);
    expect(() => new OwnAssets({ domains: ["exa mple"] })).to.throw(OwnAssetError);
  });
});

describe("response: enforcement policy", function () {
  const context = { now: NOW, ownAssets: new OwnAssets({ domains: ["bank.example"] }), warningList: (_t: IndicatorType, value: string) => (value === "dns.google" ? "Google DNS" : undefined) };

  it("keeps each value out by the rule that applies, and counts it", function () {
    const { entries, excluded, examples } = selectEntries(
      [
        record("domain", "c2.example", 90),
        record("domain", "weak.example", 30),
        record("domain", "red.example", 90, { tlp: "RED" }),
        record("domain", "old.example", 90, { validUntil: NOW - 1 }),
        record("domain", "mail.bank.example", 99),
        record("domain", "dns.google", 99),
        record("sha256", "a".repeat(64), 99),
        record("ipv4", "203.0.113.9", 99, { blinded: true }),
      ],
      [],
      POLICY,
      context,
    );
    expect([...entries.keys()]).to.deep.equal([entryKey({ type: "domain", value: "c2.example" })]);
    expect(excluded).to.deep.include({ score: 1, tlp: 1, expired: 1, "own-asset": 1, "warning-list": 1, type: 1, blinded: 1, "over-limit": 0 });
    expect(examples).to.deep.include({ type: "domain", value: "dns.google", reason: "warning-list", detail: "Google DNS" });
    const c2 = entries.get(entryKey({ type: "domain", value: "c2.example" }))!;
    expect(c2.because).to.deep.equal({ kind: "indicator", indicator: "id-domain-c2.example", producers: ["intel-co"], score: 90 });
    expect(c2.expiresAt).to.equal(NOW + DAY);
  });

  it("enforces an applied request's values below the score, never an own asset or a listed value, and not when the policy leaves requests out", function () {
    const requested: RequestedTarget[] = [
      { type: "domain", value: "weak.example", action: "sinkhole", expiresAt: NOW + 2 * DAY, request: "course-of-action--1", from: "cert" },
      { type: "domain", value: "www.bank.example", action: "block", expiresAt: NOW + DAY, request: "course-of-action--1", from: "cert" },
      { type: "domain", value: "dns.google", action: "block", expiresAt: NOW + DAY, request: "course-of-action--1", from: "cert" },
      { type: "domain", value: "late.example", action: "block", expiresAt: NOW - 1, request: "course-of-action--1", from: "cert" },
    ];
    const withRequests = selectEntries([record("domain", "weak.example", 30)], requested, POLICY, context);
    expect([...withRequests.entries.values()].map((e) => [e.value, e.action, e.score, e.because.kind])).to.deep.equal([["weak.example", "sinkhole", 30, "request"]]);
    expect(withRequests.excluded["own-asset"]).to.equal(1);
    expect(withRequests.excluded["warning-list"]).to.equal(1);
    const without = selectEntries([record("domain", "weak.example", 30)], requested, { ...POLICY, includeRequests: false }, context);
    expect(without.entries.size).to.equal(0);
  });

  it("keeps the highest scores when over the limit, requests first, stably", function () {
    const records = [record("domain", "a.example", 70), record("domain", "b.example", 95), record("domain", "c.example", 80), record("domain", "d.example", 80)];
    const requested: RequestedTarget[] = [{ type: "domain", value: "a.example", action: "block", expiresAt: NOW + DAY, request: "r", from: "cert" }];
    const { entries, excluded } = selectEntries(records, requested, { ...POLICY, maxEntries: 3 }, context);
    expect([...entries.values()].map((e) => e.value)).to.deep.equal(["a.example", "b.example", "c.example"]);
    expect(excluded["over-limit"]).to.equal(1);
  });

  it("diffs two feeds by value, and counts as updated only a change that matters", function () {
    const current = new Map([entry("domain", "a.example"), entry("domain", "b.example"), entry("domain", "c.example")].map((e) => [entryKey(e), e]));
    const next = new Map(
      [entry("domain", "b.example", { expiresAt: NOW + DAY + 60_000 }), entry("domain", "c.example", { action: "sinkhole" }), entry("domain", "d.example")].map((e) => [entryKey(e), e]),
    );
    const diff = diffEntries(current, next);
    expect(diff.added.map((e) => e.value)).to.deep.equal(["d.example"]);
    expect(diff.removed.map((e) => e.value)).to.deep.equal(["a.example"]);
    expect(diff.updated).to.equal(1);
  });
});

describe("response: feed formats", function () {
  it("writes an RPZ zone with the serial, NXDOMAIN or the walled garden, subdomains, and leaves out a name it would have to escape", function () {
    const entries = [entry("domain", "evil.example"), entry("domain", "sink.example", { action: "sinkhole" }), entry("domain", "bad;name.example"), entry("ipv4", "192.0.2.1")];
    const plain = rpzZone(entries, { serial: 1764720000, blockWith: "nxdomain", subdomains: true, ttl: 60 });
    expect(plain.zone).to.include("@ IN SOA localhost. hostmaster.localhost. 1764720000 ");
    expect(plain.zone).to.include("evil.example CNAME .\n*.evil.example CNAME .");
    expect(plain.zone).to.include("sink.example CNAME .");
    expect(plain.zone).not.to.include("bad;name").and.not.to.include("192.0.2.1");
    expect(plain.skipped).to.equal(1);
    const garden = rpzZone(entries, { serial: 2, blockWith: "nxdomain", walledGarden: "blocked.bank.example", subdomains: false, ttl: 60 });
    expect(garden.zone).to.include("evil.example CNAME .\n");
    expect(garden.zone).to.include("sink.example CNAME blocked.bank.example.");
    expect(garden.zone).not.to.include("*.");
    const all = rpzZone(entries, { serial: 2, blockWith: "walled-garden", walledGarden: "blocked.bank.example.", subdomains: false, ttl: 60 });
    expect(all.zone).to.include("evil.example CNAME blocked.bank.example.");
  });

  it("writes nftables sets with each element's remaining validity, leaving out what a listed network holds", function () {
    const { ruleset, elements } = nftablesRuleset(
      [
        entry("cidr", "10.0.0.0/8", { expiresAt: NOW + 100_000 }),
        entry("ipv4", "10.1.2.3", { expiresAt: NOW + 5_000_000 }),
        entry("ipv4", "192.0.2.9", { expiresAt: NOW + 1_500 }),
        entry("ipv4", "192.0.2.10", { expiresAt: NOW - 1 }),
        entry("ipv6", "2001:db8::1", { expiresAt: NOW + 60_000 }),
        entry("domain", "evil.example"),
      ],
      { now: NOW, table: "cti_exchange" },
    );
    expect(elements).to.equal(3);
    expect(ruleset).to.include("10.0.0.0/8 timeout 5000s");
    expect(ruleset).not.to.include("10.1.2.3");
    expect(ruleset).to.include("192.0.2.9 timeout 2s");
    expect(ruleset).not.to.include("192.0.2.10");
    expect(ruleset).to.include("2001:db8::1 timeout 60s");
    expect(ruleset.indexOf("table inet cti_exchange\ndelete table inet cti_exchange\ntable inet cti_exchange {")).to.be.greaterThan(0);
  });

  it("writes EDL lists by family and kind, URLs without their scheme", function () {
    const files = edlFiles([entry("ipv4", "192.0.2.1"), entry("cidr", "198.51.100.0/24"), entry("cidr", "2001:db8::/32"), entry("ipv6", "2001:db8::1"), entry("domain", "evil.example"), entry("url", "https://evil.example/pay?x=1")]);
    expect(files["ipv4.txt"]).to.equal("192.0.2.1\n198.51.100.0/24\n");
    expect(files["ipv6.txt"]).to.equal("2001:db8::/32\n2001:db8::1\n");
    expect(files["domains.txt"]).to.equal("evil.example\n");
    expect(files["urls.txt"]).to.equal("evil.example/pay?x=1\n");
  });

  it("writes Suricata drop rules and datasets apart from the detection rules", function () {
    const files = suricataDropFiles([entry("ipv4", "192.0.2.1"), entry("domain", "evil.example"), entry("cidr", "198.51.100.0/24")]);
    expect(files["cti-drop-ipv4.lst"]).to.equal("192.0.2.1\n");
    expect(files["cti-drop-domains.lst"]).to.equal(`${Buffer.from("evil.example").toString("base64")}\n`);
    const rules = files["cti-drop.rules"]!.split("\n").filter((l) => l && !l.startsWith("#"));
    expect(rules.every((r) => r.startsWith("drop "))).to.equal(true);
    expect(rules.some((r) => r.includes("[198.51.100.0/24]") && r.includes("sid:9911001;"))).to.equal(true);
    expect(new Set(rules.map((r) => /sid:(\d+)/.exec(r)![1])).size).to.equal(rules.length);
  });
});

describe("response: requests and acknowledgements", function () {
  it("checks a request before it is made", function () {
    const ok = checkRequestInput({ action: "block", targets: [{ type: "domain", value: "EVIL.example" }, { type: "domain", value: "evil.example" }], expiresAt: NOW + DAY }, NOW);
    expect(ok.targets).to.deep.equal([{ type: "domain", value: "evil.example" }]);
    const code = (input: Parameters<typeof checkRequestInput>[0]) => {
      try {
        checkRequestInput(input, NOW);
        return "none";
      } catch (err) {
        return (err as ResponseRequestError).code;
      }
    };
    expect(code({ action: "nuke" as never, targets: [{ type: "domain", value: "a.example" }], expiresAt: NOW + DAY })).to.equal("BAD_ACTION");
    expect(code({ action: "block", targets: [{ type: "domain", value: "a.example" }], expiresAt: NOW })).to.equal("BAD_EXPIRY");
    expect(code({ action: "block", targets: [{ type: "domain", value: "a.example" }], expiresAt: NOW + 91 * DAY })).to.equal("BAD_EXPIRY");
    expect(code({ action: "block", targets: [], expiresAt: NOW + DAY })).to.equal("NO_TARGETS");
    expect(code({ action: "block", targets: [{ type: "cve", value: "CVE-2024-1234" }], expiresAt: NOW + DAY })).to.equal("BAD_TARGET");
    expect(code({ action: "block", targets: [{ type: "ipv4", value: "999.1.1.1" }], expiresAt: NOW + DAY })).to.equal("BAD_TARGET");
  });

  it("makes a course-of-action that mitigates one indicator per value, and reads it back", function () {
    const { id, objects } = requestObjects("cert", { action: "sinkhole", targets: [{ type: "domain", value: "evil.example" }, { type: "ipv4", value: "192.0.2.1" }], expiresAt: NOW + DAY }, NOW);
    expect(objects.at(-1)!.id).to.equal(id);
    expect(objects.filter((o) => o.type === "indicator").map((o) => o.pattern)).to.deep.equal(["[domain-name:value = 'evil.example']", "[ipv4-addr:value = '192.0.2.1']"]);
    expect(objects.filter((o) => o.type === "relationship").every((o) => o.source_ref === id && o.relationship_type === "mitigates")).to.equal(true);
    expect(parseRequestObject(objects.at(-1)!)).to.include({ action: "sinkhole", expiresAt: NOW + DAY });
    expect(() => parseRequestObject({ ...objects.at(-1)!, x_cti_response_action: "<script>" })).to.throw(ResponseRequestError);
  });

  it("acknowledges with an opinion whose id is the same for a later decision", function () {
    const first = acknowledgementObject("bank", "course-of-action--1", "queued", "queued by policy", NOW);
    const later = acknowledgementObject("bank", "course-of-action--1", "applied", "applied by an analyst", NOW + 1000);
    expect(later.id).to.equal(first.id);
    expect([first.opinion, later.opinion]).to.deep.equal(["neutral", "agree"]);
    expect(parseAcknowledgement(later, "bank", NOW + 1000)).to.deep.equal({ request: "course-of-action--1", ack: { org: "bank", decision: "applied", at: NOW + 1000, object: later.id, reason: "applied by an analyst" } });
    expect(() => parseAcknowledgement({ ...later, object_refs: ["indicator--x"] }, "bank", NOW)).to.throw(ResponseRequestError);
  });

  it("decides by the first matching rule, else the default, and declines what expired or names nothing", function () {
    const request = { from: "cert", group: 7, action: "block" as const, targets: [{ type: "domain" as const, value: "a.example" }], expiresAt: NOW + DAY };
    const rules = [
      { name: "not this group", groups: [8], decision: "apply" as const },
      { name: "big ones", maxTargets: 0, decision: "apply" as const },
      { name: "cert blocks", from: ["cert"], actions: ["block" as const], decision: "apply" as const },
    ];
    expect(decideRequest(request, rules, "queue", NOW)).to.include({ decision: "applied", rule: "cert blocks" });
    expect(decideRequest({ ...request, action: "sinkhole" }, rules, "queue", NOW)).to.include({ decision: "queued", rule: "default" });
    expect(decideRequest({ ...request, expiresAt: NOW }, rules, "queue", NOW)).to.include({ decision: "declined", rule: "expired" });
    expect(decideRequest({ ...request, targets: [] }, rules, "apply", NOW)).to.include({ decision: "declined", rule: "no-targets" });
  });

  it("signs a hook delivery over the timestamp and the body", function () {
    const headers = signedHeaders("secret-of-sixteen", { id: "d1", event: "sighting", body: '{"a":1}' }, 1700000000);
    expect(headers["x-cti-signature"]).to.equal(`sha256=${createHmac("sha256", "secret-of-sixteen").update('1700000000.{"a":1}').digest("hex")}`);
    expect(headers).to.include({ "x-cti-event": "sighting", "x-cti-delivery": "d1", "x-cti-timestamp": "1700000000" });
  });
});
