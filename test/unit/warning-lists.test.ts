import { expect } from "chai";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ConfigError } from "../../node/src/config/config.js";
import { loadWarningLists, warningListsFor } from "../../node/src/config/reference-data.js";
import type { IndicatorType } from "../../node/src/model/indicator.js";
import { buildIndicator } from "../../node/src/model/validate.js";
import { DEFAULT_SCRUB_POLICY, Scrubber } from "../../node/src/privacy/scrubber.js";
import { WarningLists, type WarningListSource } from "../../node/src/privacy/warning-lists.js";
import { SubstringAutomaton } from "../../node/src/privacy/substring-automaton.js";
import fc from "fast-check";

const ALL = { bundled: true, disabled: [], actions: {}, files: [] };

describe("warning lists", function () {
  describe("each kind of list, on small lists written here", function () {
    const lists = new WarningLists([
      { id: "ranges", name: "Ranges", type: "cidr", list: ["192.0.2.0/24", "2001:db8:1::/48", "198.51.100.7", "not-a-range"], matching_attributes: ["ip-src", "ip-dst"] },
      { id: "overlap", name: "Overlap", type: "cidr", list: ["192.0.2.128/25"], matching_attributes: ["ip-dst"] },
      { id: "exact", name: "Exact", type: "string", list: ["Bad.Example", "d41d8cd98f00b204e9800998ecf8427e"], matching_attributes: ["domain", "md5"] },
      { id: "hosts", name: "Hosts", type: "hostname", list: [".Top.Example."], matching_attributes: ["domain", "hostname", "url"] },
      { id: "parts", name: "Parts", type: "substring", list: ["trashmail"], matching_attributes: ["email-src"] },
      { id: "patterns", name: "Patterns", type: "regex", list: ["/^abuse@/i", "/(unclosed/"], matching_attributes: ["email-src"] },
      { id: "sha-only", name: "SHA-256 only", type: "string", list: ["ab".repeat(32)], matching_attributes: ["sha256"], action: "warn" },
    ]);
    const hits = (type: IndicatorType, value: string, host?: string) => lists.check(type, value, host).map((h) => `${h.action}:${h.list}:${h.entry}`);

    it("cidr: addresses and ranges inside, both families; overlapping lists both named; an unreadable entry reported, not fatal", function () {
      expect(hits("ipv4", "192.0.2.200")).to.deep.equal(["refuse:ranges:192.0.2.200", "refuse:overlap:192.0.2.200"]);
      expect(hits("ipv4", "192.0.2.1")).to.deep.equal(["refuse:ranges:192.0.2.1"]);
      expect(hits("ipv4", "198.51.100.7")).to.deep.equal(["refuse:ranges:198.51.100.7"]);
      expect(hits("ipv4", "198.51.100.8")).to.deep.equal([]);
      expect(hits("ipv4", "192.0.3.0")).to.deep.equal([]);
      expect(hits("ipv6", "2001:db8:1:ffff::1")).to.deep.equal(["refuse:ranges:2001:db8:1:ffff::1"]);
      expect(hits("ipv6", "2001:db8:2::1")).to.deep.equal([]);
      expect(hits("cidr", "192.0.2.0/26")).to.deep.equal(["refuse:ranges:192.0.2.0/26"]);
      expect(hits("cidr", "192.0.2.0/23")).to.deep.equal([]);
      // A URL on a listed address.
      expect(hits("url", "http://192.0.2.9/x", "192.0.2.9")).to.deep.equal([]);
      expect(lists.unreadable).to.deep.equal([
        { list: "ranges", entry: "not-a-range" },
        { list: "patterns", entry: "/(unclosed/" },
      ]);
    });

    it("string: exact, case-insensitive, only for the attribute types it names", function () {
      expect(hits("domain", "bad.example")).to.deep.equal(["refuse:exact:bad.example"]);
      expect(hits("domain", "sub.bad.example")).to.deep.equal([]);
      expect(hits("md5", "d41d8cd98f00b204e9800998ecf8427e")).to.deep.equal(["refuse:exact:d41d8cd98f00b204e9800998ecf8427e"]);
      // The list names md5 and domain, not sha256: another type's equal value is no hit.
      expect(hits("sha256", "ab".repeat(32))).to.deep.equal(["warn:sha-only:" + "ab".repeat(32)]);
      expect(hits("md5", "ab".repeat(16))).to.deep.equal([]);
    });

    it("hostname: the host itself refused, any subdomain a warning (attackers host on subdomains), and a URL by its host", function () {
      expect(hits("domain", "top.example")).to.deep.equal(["refuse:hosts:top.example"]);
      expect(hits("domain", "evil.top.example")).to.deep.equal(["warn:hosts:top.example"]);
      expect(hits("domain", "nottop.example")).to.deep.equal([]);
      expect(hits("url", "https://a.b.top.example/x", "a.b.top.example")).to.deep.equal(["warn:hosts:top.example"]);
    });

    it("substring and regex, on the types they name", function () {
      expect(hits("email", "x@trashmail.example", "trashmail.example")).to.deep.equal(["refuse:parts:trashmail"]);
      expect(hits("email", "Abuse@corp.example", "corp.example")).to.deep.equal(["refuse:patterns:/^abuse@/i"]);
      expect(hits("email", "jane@corp.example", "corp.example")).to.deep.equal([]);
      // Neither names domains.
      expect(hits("domain", "trashmail.example")).to.deep.equal([]);
    });
  });

  describe("the bundled MISP lists, with the consortium's policy", function () {
    const lists = warningListsFor(ALL);

    it("loads every bundled list, and reads every entry of them", function () {
      expect(lists.size.lists).to.equal(39);
      expect(lists.unreadable).to.deep.equal([]);
    });

    it("refuses what is never worth sharing, and warns of infrastructure attackers use too", function () {
      const verdicts: Array<[IndicatorType, string, string | undefined, string]> = [
        ["ipv4", "8.8.8.8", undefined, "refuse:public-dns-v4"],
        ["ipv6", "2001:4860:4860::8888", undefined, "refuse:public-dns-v6"],
        ["sha256", "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855", undefined, "refuse:common-ioc-false-positive"],
        ["md5", "d41d8cd98f00b204e9800998ecf8427e", undefined, "refuse:common-ioc-false-positive"],
        ["domain", "co.uk", undefined, "refuse:second-level-tlds"],
        ["email", "abuse@example.com", "example.com", "refuse:common-contact-emails"],
        ["ipv4", "52.95.110.1", undefined, "warn:amazon-aws"],
        ["domain", "evil.duckdns.org", undefined, "warn:dynamic-dns"],
        ["email", "x@mailinator.com", "mailinator.com", "warn:disposable-email"],
        // Documentation ranges: a warning, never a refusal (exercises share them on purpose).
        ["ipv4", "198.51.100.1", undefined, "warn:rfc5735"],
      ];
      for (const [type, value, host, first] of verdicts) {
        const found = lists.check(type, value, host);
        expect(found.length, value).to.be.greaterThan(0);
        expect(`${found[0]!.action}:${found[0]!.list}`, value).to.equal(first);
      }
      expect(lists.check("domain", "login-micros0ft.example")).to.deep.equal([]);
      expect(lists.check("ipv4", "203.0.113.66").map((h) => h.action)).to.deep.equal(["warn"]);
    });

    it("refuses a publish with the list named, and passes warnings on with a kept indicator", function () {
      const scrubber = new Scrubber(DEFAULT_SCRUB_POLICY, lists);
      const at = (type: IndicatorType, value: string) => buildIndicator({ type, value }, { producer: "acme-bank", now: Date.parse("2026-12-01T00:00:00Z") });
      expect(scrubber.scrub(at("ipv4", "8.8.8.8"))).to.deep.include({
        kept: false,
        reason: "WARNING_LIST",
        list: "public-dns-v4",
        message: '8.8.8.8 is on the warning list "List of known IPv4 public DNS resolvers" (public-dns-v4: 8.8.8.8)',
      });
      const kept = scrubber.scrub(at("domain", "c2.duckdns.org"));
      expect(kept.kept).to.equal(true);
      if (kept.kept) expect(kept.warnings.map((w) => w.list)).to.include("dynamic-dns");
    });
  });

  describe("settings", function () {
    it("chooses bundled lists by name, leaves some out, changes a list's action, and adds the partner's own lists", async function () {
      const dir = await mkdtemp(join(tmpdir(), "cti-lists-"));
      try {
        const own = join(dir, "list.json");
        await writeFile(own, JSON.stringify({ name: "Our partners' mail relays", type: "cidr", list: ["203.0.113.0/28"], matching_attributes: ["ip-src", "ip-dst"], description: "x", version: 1 }));
        const sources = loadWarningLists({ bundled: ["public-dns-v4", "amazon-aws", "tranco10k"], disabled: ["tranco10k"], actions: { "amazon-aws": "refuse" }, files: [own] });
        expect(sources.map((s: WarningListSource) => [s.id, s.action ?? "(policy)"])).to.deep.equal([
          ["amazon-aws", "refuse"],
          ["public-dns-v4", "(policy)"],
          ["own-1", "refuse"],
        ]);
        const lists = new WarningLists(sources);
        expect(lists.check("ipv4", "203.0.113.5").map((h) => `${h.action}:${h.name}`)).to.deep.equal(["refuse:Our partners' mail relays"]);
        expect(lists.check("ipv4", "52.95.110.1").map((h) => h.action)).to.deep.equal(["refuse"]);
        expect(() => loadWarningLists({ bundled: ["no-such-list"], disabled: [], actions: {}, files: [] })).to.throw(ConfigError, /no bundled warning list is called "no-such-list"/);
        await writeFile(own, JSON.stringify({ name: "x", type: "bogus", list: [] }));
        expect(() => loadWarningLists({ bundled: false, disabled: [], actions: {}, files: [own] })).to.throw(ConfigError, /not a MISP warning list/);
      } finally {
        await rm(dir, { recursive: true, force: true });
      }
    });
  });
});

describe("hostname lists, whatever their entries' depth", function () {
  it("finds a name and its subdomains for entries of three labels, and of one", function () {
    const deep = new WarningLists([{ id: "deep", name: "Deep", type: "hostname", list: ["cdn.provider.example"], matching_attributes: ["domain"] }]);
    const found = (lists: WarningLists, value: string) => lists.check("domain", value).map((h) => `${h.action}:${h.entry}`);
    expect(found(deep, "cdn.provider.example")).to.deep.equal(["refuse:cdn.provider.example"]);
    expect(found(deep, "a.b.cdn.provider.example")).to.deep.equal(["warn:cdn.provider.example"]);
    expect(found(deep, "provider.example")).to.deep.equal([]);
    expect(found(deep, "other.example")).to.deep.equal([]);
    // An entry of one label (a partner's own list: "corp") has no last two labels to sort names by.
    const single = new WarningLists([{ id: "single", name: "Single", type: "hostname", list: ["corp", "x.example"], matching_attributes: ["domain"] }]);
    expect(found(single, "intranet.corp")).to.deep.equal(["warn:corp"]);
    expect(found(single, "y.x.example")).to.deep.equal(["warn:x.example"]);
  });
});

describe("the substring automaton", function () {
  it("finds, in any text, exactly the patterns it holds, whatever they share (against String.includes)", function () {
    // A small alphabet makes patterns overlap, nest and share prefixes and suffixes: the cases failure links exist for.
    const word = fc.string({ unit: fc.constantFrom("a", "b", "c", ".", "é"), minLength: 0, maxLength: 12 });
    fc.assert(
      fc.property(fc.array(word, { maxLength: 30 }), fc.array(word, { maxLength: 20 }), (patterns, texts) => {
        const automaton = new SubstringAutomaton(patterns.map((pattern, id) => ({ id, pattern })));
        for (const text of texts) {
          const found = new Set<number>();
          automaton.scan(text, (id, pattern) => {
            expect(patterns[id]).to.equal(pattern);
            found.add(id);
          });
          const expected = patterns.flatMap((p, id) => (p !== "" && text.includes(p) ? [id] : []));
          expect([...found].sort((a, b) => a - b)).to.deep.equal(expected);
        }
      }),
      { numRuns: 2000 },
    );
  });
});
