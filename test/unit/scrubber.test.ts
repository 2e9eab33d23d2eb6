import { expect } from "chai";
import type { IndicatorType } from "../../node/src/model/indicator.js";
import { buildIndicator } from "../../node/src/model/validate.js";
import { warningListsFor } from "../../node/src/config/reference-data.js";
import { DEFAULT_SCRUB_POLICY, Scrubber, type ScrubResult } from "../../node/src/privacy/scrubber.js";

const now = Date.parse("2026-11-21T12:00:00Z");
// With the bundled MISP warning lists, as a node runs it by default.
const scrubber = new Scrubber(
  {
    ...DEFAULT_SCRUB_POLICY,
    internalCidrs: ["81.2.69.0/24", "2a02:1234::/32"],
    internalDomains: ["bank.example", "bank-intra.example"],
    internalHostPatterns: ["ws-fin-\\d+", "srv-[a-z]+\\d\\d"],
  },
  warningListsFor({ bundled: true, disabled: [], actions: {}, files: [] }),
);

function scrub(type: IndicatorType, value: string, extra: object = {}): ScrubResult {
  return scrubber.scrub(buildIndicator({ type, value, ...extra }, { producer: "acme-bank", now }));
}

describe("scrubber", function () {
  describe("drops what is the partner's own, private or benign", function () {
    const dropped: Array<[IndicatorType, string, string]> = [
      ["ipv4", "10.12.0.5", "NON_ROUTABLE_ADDRESS"],
      ["ipv4", "172.20.1.1", "NON_ROUTABLE_ADDRESS"],
      ["ipv4", "192.168.1.10", "NON_ROUTABLE_ADDRESS"],
      ["ipv4", "127.0.0.1", "NON_ROUTABLE_ADDRESS"],
      ["ipv4", "169.254.169.254", "NON_ROUTABLE_ADDRESS"],
      ["ipv4", "100.64.3.2", "NON_ROUTABLE_ADDRESS"],
      ["ipv6", "fd00:1:2::3", "NON_ROUTABLE_ADDRESS"],
      ["ipv6", "fe80::1", "NON_ROUTABLE_ADDRESS"],
      ["ipv6", "::1", "NON_ROUTABLE_ADDRESS"],
      ["ipv6", "::ffff:10.0.0.1", "NON_ROUTABLE_ADDRESS"],
      ["cidr", "10.0.0.0/8", "NON_ROUTABLE_ADDRESS"],
      // A wide CIDR that holds private space within it.
      ["cidr", "172.0.0.0/8", "NON_ROUTABLE_ADDRESS"],
      ["url", "http://192.168.0.1/admin", "NON_ROUTABLE_ADDRESS"],
      ["url", "http://[fd00::1]:8080/x", "NON_ROUTABLE_ADDRESS"],
      ["ipv4", "81.2.69.160", "INTERNAL_ADDRESS"],
      ["ipv6", "2a02:1234:5::1", "INTERNAL_ADDRESS"],
      ["cidr", "81.2.0.0/16", "INTERNAL_ADDRESS"],
      ["domain", "bank.example", "INTERNAL_DOMAIN"],
      ["domain", "vpn.bank.example", "INTERNAL_DOMAIN"],
      ["url", "https://intranet.bank-intra.example/login", "INTERNAL_DOMAIN"],
      ["email", "ciso@bank.example", "INTERNAL_DOMAIN"],
      ["domain", "dc01.corp", "RESERVED_DOMAIN"],
      ["domain", "printer.local", "RESERVED_DOMAIN"],
      ["domain", "nas.home.arpa", "RESERVED_DOMAIN"],
      ["ipv4", "8.8.8.8", "WARNING_LIST"],
      ["sha256", "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855", "WARNING_LIST"],
      ["md5", "D41D8CD98F00B204E9800998ECF8427E", "WARNING_LIST"],
      ["domain", "google.com", "WARNING_LIST"],
    ];
    for (const [type, value, reason] of dropped) {
      it(`${type} ${value}: ${reason}`, function () {
        const result = scrub(type, value);
        expect(result.kept).to.equal(false);
        if (!result.kept) {
          expect(result.reason).to.equal(reason);
          expect(result.message).to.be.a("string").and.not.equal("");
        }
      });
    }
  });

  describe("keeps real indicators", function () {
    const kept: Array<[IndicatorType, string]> = [
      ["ipv4", "185.220.101.4"],
      ["ipv4", "203.0.113.7"],
      ["ipv6", "2001:67c:4e8::1"],
      ["cidr", "185.220.0.0/16"],
      ["domain", "login-bank-secure.example.net"],
      // A subdomain of an exactly allowlisted apex is attacker-controllable: kept.
      ["domain", "evil.google.com"],
      ["url", "https://docs.google.com/forms/d/e/1FAIpQL/viewform"],
      ["email", "invoice@supplier-payments.example.org"],
      ["sha256", "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08"],
    ];
    for (const [type, value] of kept) {
      it(`${type} ${value}`, function () {
        const result = scrub(type, value);
        expect(result).to.include({ kept: true });
        if (result.kept) expect(result.changes).to.deep.equal([]);
      });
    }
  });

  it("removes personal data and internal names from a realistic analyst note, and says what it removed", function () {
    const description =
      "Phishing mail reported by john.doe@bank.example (tel +33 1 23 45 67 89) on ws-fin-023; " +
      "payload dropped to C:\\Users\\jdoe\\AppData\\Roaming\\upd.exe, beaconing from 10.20.30.40 to 185.220.101.4. " +
      "Domain account BANK\\svc_backup was used; user: m.martin. Escalated to srv-mail01 and dc01.bank-intra.example.";
    const result = scrub("ipv4", "185.220.101.4", { description });
    expect(result.kept).to.equal(true);
    if (!result.kept) return;
    const text = result.indicator.description;
    for (const secret of ["john.doe", "+33 1 23", "ws-fin-023", "jdoe", "10.20.30.40", "svc_backup", "m.martin", "srv-mail01", "dc01.bank-intra"]) {
      expect(text, secret).to.not.include(secret);
    }
    expect(text).to.include("185.220.101.4");
    expect(text).to.include("Phishing mail reported by [email]");
    const rules = Object.fromEntries(result.changes.map((c) => [c.rule, c.count]));
    expect(rules).to.deep.equal({ EMAIL: 1, PHONE: 1, USER_NAME: 3, INTERNAL_HOST: 3, INTERNAL_ADDRESS: 1 });
    expect(result.changes.every((c) => c.field === "description")).to.equal(true);
  });

  it("does not mistake ordinary text for personal data", function () {
    const description = "Emotet loader, first seen 2026-11-21 12:00 UTC; for example evil.test.com serves stage 2 over 443. Account takeover attempts.";
    const result = scrub("domain", "evil-loader.example.net", { description });
    expect(result).to.include({ kept: true });
    if (result.kept) {
      expect(result.indicator.description).to.equal(description);
      expect(result.changes).to.deep.equal([]);
    }
  });

  it("drops tags that carry personal data (a tag cannot hold a placeholder)", function () {
    const result = scrub("domain", "evil-loader.example.net", { labels: { tags: ["phishing", "seen-on:ws-fin-023", "user:jdoe"] } });
    expect(result.kept).to.equal(true);
    if (!result.kept) return;
    expect(result.indicator.labels.tags).to.deep.equal(["phishing"]);
    expect(result.changes).to.deep.equal([
      { field: "labels.tags", rule: "INTERNAL_HOST", count: 1 },
      { field: "labels.tags", rule: "USER_NAME", count: 1 },
    ]);
  });

  it("can be told to keep non-routable space and free text as they are", function () {
    const lenient = new Scrubber({ ...DEFAULT_SCRUB_POLICY, dropNonRoutable: false, redactFreeText: false });
    const indicator = buildIndicator({ type: "ipv4", value: "10.1.2.3", description: "mail to a@b.example" }, { producer: "acme-bank", now });
    expect(lenient.scrub(indicator)).to.deep.equal({ kept: true, indicator, changes: [], warnings: [] });
  });

  it("refuses a policy with a malformed CIDR", function () {
    expect(() => new Scrubber({ ...DEFAULT_SCRUB_POLICY, internalCidrs: ["10.0.0.0/33"] })).to.throw(RangeError);
  });
});
