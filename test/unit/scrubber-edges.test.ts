import { expect } from "chai";
import { buildIndicator, type IndicatorInput } from "../../node/src/model/validate.js";
import { DEFAULT_SCRUB_POLICY, Scrubber, type ScrubChange } from "../../node/src/privacy/scrubber.js";

const now = Date.parse("2026-11-21T12:00:00Z");
const at = (input: IndicatorInput) => buildIndicator(input, { producer: "acme-bank", now });

/**
 * The scrubber against texts and values written out by hand: exactly what each rule replaces and
 * what it leaves, the message of each drop, and the policy's lists at their edges.
 */
describe("scrubber at its edges", function () {
  // The partner's own allowlists, exact values and domains (the bundled warning lists: test/unit/warning-lists.test.ts).
  const scrubber = new Scrubber({
    ...DEFAULT_SCRUB_POLICY,
    internalCidrs: ["203.0.113.0/24", "2001:db8:ac3e::/48", "198.51.100.7"],
    internalDomains: ["acme-bank.example", "acme.test"],
    internalHostPatterns: ["ws-fin-\\d+"],
    allowlistValues: ["8.8.8.8"],
    allowlistDomains: ["google.com", ".windowsupdate.com"],
  });
  const redacted = (text: string) => {
    const changes: ScrubChange[] = [];
    return { text: scrubber.redact(text, changes), changes };
  };

  const texts: Array<[string, string, Array<[ScrubChange["rule"], number]>]> = [
    ["mail jane.roe@acme-bank.example now", "mail [email] now", [["EMAIL", 1]]],
    ["two: a@b.example, c.d+e@f-g.example.org", "two: [email], [email]", [["EMAIL", 2]]],
    ["not a mail: a@b", "not a mail: a@b", []],
    ["call +33 1 23 45 67 89", "call [phone]", [["PHONE", 1]]],
    ["call +33-1-23-45-67-89 today", "call [phone] today", [["PHONE", 1]]],
    ["call +44 (20) 7946 0958", "call [phone]", [["PHONE", 1]]],
    ["call 0033 1 23 45 67 89", "call [phone]", [["PHONE", 1]]],
    ["call (555) 123-4567", "call [phone]", [["PHONE", 1]]],
    ["call (555)123-4567", "call [phone]", [["PHONE", 1]]],
    ["call 555.123.4567 or 555-123-4567", "call [phone] or [phone]", [["PHONE", 2]]],
    ["build 2024.11.21 and port 8443", "build 2024.11.21 and port 8443", []],
    ["user: jdoe logged in", "user: [user] logged in", [["USER_NAME", 1]]],
    ["username=j.doe login = admin uid:1001", "username=[user] login = [user] uid:[user]", [["USER_NAME", 3]]],
    ["Account: svc$backup", "Account: [user]", [["USER_NAME", 1]]],
    ["user: [user] already", "user: [user] already", []],
    ["C:\\Users\\jdoe\\AppData and /home/alice/.ssh and /Users/bob/Library", "C:\\Users\\[user]\\AppData and /home/[user]/.ssh and /Users/[user]/Library", [["USER_NAME", 3]]],
    ["ACME\\jdoe signed in", "[user] signed in", [["USER_NAME", 1]]],
    ["acme\\jdoe stays", "acme\\jdoe stays", []],
    ["seen on fs01.acme-bank.example and acme-bank.example", "seen on [internal-host] and [internal-host]", [["INTERNAL_HOST", 2]]],
    ["not ours: acme-bank.example.org or notacme-bank.example", "not ours: acme-bank.example.org or notacme-bank.example", []],
    ["dc1.corp and nas.home.arpa and printer.local", "[internal-host] and [internal-host] and [internal-host]", [["INTERNAL_HOST", 3]]],
    ["a bare corp or local stays", "a bare corp or local stays", []],
    ["host WS-FIN-042 again ws-fin-7", "host [internal-host] again [internal-host]", [["INTERNAL_HOST", 2]]],
    ["from 10.1.2.3 and 203.0.113.9 to 8.8.8.8", "from [internal-address] and [internal-address] to 8.8.8.8", [["INTERNAL_ADDRESS", 2]]],
    ["", "", []],
  ];
  for (const [text, expected, rules] of texts) {
    it(`redacts ${JSON.stringify(text).slice(0, 70)}`, function () {
      const out = redacted(text);
      expect(out.text).to.equal(expected);
      expect(out.changes.map((c) => [c.rule, c.count])).to.deep.equal(rules);
      for (const c of out.changes) expect(c.field).to.equal("description");
    });
  }

  it("counts every replacement of one rule together, and names the field it worked on", function () {
    const changes: ScrubChange[] = [];
    scrubber.redact("a@b.example", changes);
    scrubber.redact("c@d.example and e@f.example", changes);
    scrubber.redact("g@h.example", changes, "labels.tags");
    expect(changes).to.deep.equal([
      { field: "description", rule: "EMAIL", count: 3 },
      { field: "labels.tags", rule: "EMAIL", count: 1 },
    ]);
  });

  const drops: Array<[IndicatorInput, string, string]> = [
    [{ type: "ipv4", value: "10.9.8.7" }, "NON_ROUTABLE_ADDRESS", "10.9.8.7 is in 10.0.0.0/8 private (RFC 1918) space"],
    [{ type: "ipv4", value: "100.100.1.1" }, "NON_ROUTABLE_ADDRESS", "100.100.1.1 is in 100.64.0.0/10 carrier-grade NAT (RFC 6598) space"],
    [{ type: "ipv6", value: "fd00::1" }, "NON_ROUTABLE_ADDRESS", "fd00::1 is in fc00::/7 unique local (RFC 4193) space"],
    [{ type: "ipv6", value: "::1" }, "NON_ROUTABLE_ADDRESS", "::1 is in ::/127 unspecified and loopback space"],
    [{ type: "url", value: "http://[fe80::1]/x" }, "NON_ROUTABLE_ADDRESS", "http://[fe80::1]/x is in fe80::/10 link-local space"],
    [{ type: "url", value: "http://192.168.1.1/admin" }, "NON_ROUTABLE_ADDRESS", "http://192.168.1.1/admin is in 192.168.0.0/16 private (RFC 1918) space"],
    [{ type: "cidr", value: "10.0.0.0/8" }, "NON_ROUTABLE_ADDRESS", "10.0.0.0/8 is in 10.0.0.0/8 private (RFC 1918) space"],
    [{ type: "cidr", value: "172.0.0.0/8" }, "NON_ROUTABLE_ADDRESS", "172.0.0.0/8 is in 172.16.0.0/12 private (RFC 1918) space"],
    [{ type: "ipv4", value: "203.0.113.200" }, "INTERNAL_ADDRESS", "203.0.113.200 is in this partner's own range 203.0.113.0/24"],
    [{ type: "ipv4", value: "198.51.100.7" }, "INTERNAL_ADDRESS", "198.51.100.7 is in this partner's own range 198.51.100.7/32"],
    [{ type: "ipv6", value: "2001:db8:ac3e::5" }, "INTERNAL_ADDRESS", "2001:db8:ac3e::5 is in this partner's own range 2001:db8:ac3e::/48"],
    [{ type: "cidr", value: "203.0.112.0/23" }, "INTERNAL_ADDRESS", "203.0.112.0/23 is in this partner's own range 203.0.113.0/24"],
    [{ type: "domain", value: "vpn.acme-bank.example" }, "INTERNAL_DOMAIN", "vpn.acme-bank.example is under this partner's own domain acme-bank.example"],
    [{ type: "email", value: "ceo@acme.test" }, "INTERNAL_DOMAIN", "acme.test is under this partner's own domain acme.test"],
    [{ type: "url", value: "https://intranet.acme-bank.example/x" }, "INTERNAL_DOMAIN", "intranet.acme-bank.example is under this partner's own domain acme-bank.example"],
    [{ type: "domain", value: "printer.lan" }, "RESERVED_DOMAIN", "printer.lan is under .lan, which never resolves on the Internet"],
    [{ type: "domain", value: "dc1.ad.corp" }, "RESERVED_DOMAIN", "dc1.ad.corp is under .corp, which never resolves on the Internet"],
    [{ type: "ipv4", value: "8.8.8.8" }, "ALLOWLISTED", "8.8.8.8 is on the allowlist of benign values"],
    [{ type: "domain", value: "google.com" }, "ALLOWLISTED", "google.com is on the allowlist of benign domains"],
    [{ type: "domain", value: "windowsupdate.com" }, "ALLOWLISTED", "windowsupdate.com is on the allowlist of benign domains"],
    [{ type: "domain", value: "dl.delivery.windowsupdate.com" }, "ALLOWLISTED", "dl.delivery.windowsupdate.com is on the allowlist of benign domains"],
  ];
  for (const [input, reason, message] of drops) {
    it(`drops ${input.type} ${String(input.value)} (${reason})`, function () {
      expect(scrubber.scrub(at(input))).to.deep.equal({ kept: false, reason, message });
    });
  }

  it("keeps what only looks like the lists: subdomains of exact entries, documentation ranges, other domains", function () {
    for (const input of [
      { type: "domain", value: "mail.google.com" },
      { type: "domain", value: "evilwindowsupdate.com" },
      { type: "domain", value: "acme-bank.example.org" },
      { type: "ipv4", value: "203.0.114.1" },
      { type: "ipv4", value: "192.0.2.55" },
      { type: "cidr", value: "203.0.114.0/24" },
      { type: "url", value: "https://github.com.evil.example/x" },
      { type: "url", value: "http://[2001:db8::1]/x" },
      { type: "sha256", value: "ab".repeat(32) },
    ] as const) {
      expect(scrubber.scrub(at(input)).kept, input.value).to.equal(true);
    }
  });

  it("replaces text in descriptions, drops tags and families that carry personal data whole, and leaves a clean indicator as it is", function () {
    const indicator = at({ type: "domain", value: "evil.example", description: "from jane@acme-bank.example on WS-FIN-1", labels: { tags: ["wave-3", "user:jdoe"], malwareFamilies: ["emotet"] } });
    const result = scrubber.scrub(indicator);
    expect(result).to.deep.include({ kept: true });
    if (!result.kept) return;
    expect(result.indicator.description).to.equal("from [email] on [internal-host]");
    expect(result.indicator.labels).to.deep.equal({ ...indicator.labels, tags: ["wave-3"], malwareFamilies: ["emotet"] });
    expect(result.changes).to.deep.equal([
      { field: "description", rule: "EMAIL", count: 1 },
      { field: "description", rule: "INTERNAL_HOST", count: 1 },
      { field: "labels.tags", rule: "USER_NAME", count: 1 },
    ]);
    const clean = at({ type: "domain", value: "evil.example", description: "plain note" });
    expect(scrubber.scrub(clean)).to.deep.equal({ kept: true, indicator: clean, changes: [], warnings: [] });
    // With redaction off, text is left alone (drops still apply).
    const off = new Scrubber({ ...DEFAULT_SCRUB_POLICY, redactFreeText: false });
    expect(off.scrub(indicator)).to.deep.equal({ kept: true, indicator, changes: [], warnings: [] });
    expect(new Scrubber({ ...DEFAULT_SCRUB_POLICY, dropNonRoutable: false }).scrub(at({ type: "ipv4", value: "10.1.1.1" })).kept).to.equal(true);
    // Allowlisted values are compared case-insensitively as configured.
    expect(new Scrubber({ ...DEFAULT_SCRUB_POLICY, allowlistValues: ["AB".repeat(32)] }).scrub(at({ type: "sha256", value: "ab".repeat(32) })).kept).to.equal(false);
  });

  it("refuses a policy CIDR that is not one, naming it", function () {
    for (const bad of ["203.0.113.0/33", "2001:db8::/129", "203.0.113.0/-1", "203.0.113.0/x", "not-an-address/24", "203.0.113.0/24.5"]) {
      expect(() => new Scrubber({ ...DEFAULT_SCRUB_POLICY, internalCidrs: [bad] }), bad).to.throw(RangeError, `"${bad}" is not a CIDR (such as 192.0.2.0/24 or 2001:db8::/32)`);
    }
    for (const good of ["203.0.113.0/32", "203.0.113.0/0", "2001:db8::/128", "2001:db8::1"]) expect(() => new Scrubber({ ...DEFAULT_SCRUB_POLICY, internalCidrs: [good] }), good).to.not.throw();
    expect(new Scrubber({ ...DEFAULT_SCRUB_POLICY, internalCidrs: ["2001:db8::1"] }).scrub(at({ type: "ipv6", value: "2001:db8::1" }))).to.deep.include({ reason: "INTERNAL_ADDRESS", message: "2001:db8::1 is in this partner's own range 2001:db8::1/128" });
  });
});
