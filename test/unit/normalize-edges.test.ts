import { expect } from "chai";
import { InvalidIndicatorError } from "../../node/src/model/errors.js";
import type { IndicatorType } from "../../node/src/model/indicator.js";
import { addressBits, cidrBits, MAX_VALUE_LENGTH, normalizeDomainName, normalizeValue, refang } from "../../node/src/model/normalize.js";

/**
 * Normalization at its edges, each refusal with the exact reason an analyst is shown: the
 * canonical form decides a record's id, so a boundary off by one makes two records of one
 * observable, or takes what should have been refused.
 */
describe("normalization at its edges", function () {
  const accepted: Array<[IndicatorType, string, string]> = [
    // Defanging, each form at its place only.
    ["url", "HXXPS://evil.example/a", "https://evil.example/a"],
    ["url", "fxp://files.example/x", "ftp://files.example/x"],
    ["url", "http://x.example/hxxp://y", "http://x.example/hxxp://y"],
    ["url", "http[:]//evil.example/", "http://evil.example/"],
    ["email", "bob[at]evil.example", "bob@evil.example"],
    ["email", "bob(at)evil.example", "bob@evil.example"],
    ["email", "bob[@]evil.example", "bob@evil.example"],
    ["domain", "evil{.}example", "evil.example"],
    ["domain", "evil[dot]example", "evil.example"],
    ["domain", "EVIL(DOT)EXAMPLE", "evil.example"],
    // IPv6: brackets, mapped IPv4, zero runs (the longest, the first of equals, none of length 1).
    ["ipv6", "[::1]", "::1"],
    ["ipv6", "::ffff:c000:0201", "::ffff:192.0.2.1"],
    ["ipv6", "0:0:0:0:1:ffff:c000:201", "::1:ffff:c000:201"],
    ["ipv6", "1:0:0:2:0:0:0:3", "1:0:0:2::3"],
    ["ipv6", "1:0:0:2:3:0:0:4", "1::2:3:0:0:4"],
    ["ipv6", "1:0:2:3:4:5:6:7", "1:0:2:3:4:5:6:7"],
    ["ipv6", "1:2:3:4:5:6:7::", "1:2:3:4:5:6:7:0"],
    ["ipv6", "::2:3:4:5:6:7:8", "0:2:3:4:5:6:7:8"],
    ["ipv6", "64:ff9b::192.0.2.1", "64:ff9b::c000:201"],
    // CIDR: host bits cleared at the exact prefix, the boundaries of what is accepted.
    ["cidr", "203.0.113.77/25", "203.0.113.0/25"],
    ["cidr", "203.0.113.255/32", "203.0.113.255/32"],
    ["cidr", "10.255.255.255/8", "10.0.0.0/8"],
    ["cidr", "2001:db8:ffff::1/16", "2001::/16"],
    ["cidr", "2001:db8::1/128", "2001:db8::1/128"],
    ["cidr", "2001:db8::ff/127", "2001:db8::fe/127"],
    // Names: case, IDNA, the trailing dot, underscores, the longest label.
    ["domain", `${"a".repeat(63)}.example`, `${"a".repeat(63)}.example`],
    ["domain", "_dmarc.evil.example", "_dmarc.evil.example"],
    ["email", "First.Last+tag@Evil.Example", "first.last+tag@evil.example"],
    ["email", `${"a".repeat(64)}@evil.example`, `${"a".repeat(64)}@evil.example`],
    // URLs: an IPv4 or IPv6 host, a user without a password, escapes upper-cased in path and query.
    ["url", "http://198.51.100.7:8080/x", "http://198.51.100.7:8080/x"],
    ["url", "http://[2001:db8::1]/x", "http://[2001:db8::1]/x"],
    ["url", "ftp://anonymous@files.example/pub", "ftp://anonymous@files.example/pub"],
    ["url", "https://x.example/%2f?a=%2f", "https://x.example/%2F?a=%2F"],
    ["url", "wss://x.example/socket", "wss://x.example/socket"],
    ["md5", " D41D8CD98F00B204E9800998ECF8427E\\n".replace("\\n", "\n"), "d41d8cd98f00b204e9800998ecf8427e"],
  ];
  for (const [type, raw, expected] of accepted) {
    it(`${type}: ${JSON.stringify(raw)} -> ${expected}`, function () {
      expect(normalizeValue(type, raw)).to.equal(expected);
    });
  }

  const refused: Array<[IndicatorType, unknown, string]> = [
    ["domain", 42, "invalid domain: value must be a string"],
    ["domain", "  \t ", "invalid domain: value is empty"],
    ["domain", `${"a".repeat(MAX_VALUE_LENGTH - 8)}.example!`, `invalid domain: value is longer than ${MAX_VALUE_LENGTH} characters`],
    ["ipv4", "1.2.3.4.5", 'invalid ipv4: "1.2.3.4.5" is not a dotted-quad IPv4 address'],
    ["ipv6", "fe80::1%eth0", 'invalid ipv6: "fe80::1%eth0" is not an IPv6 address'],
    ["ipv6", "2001:db8::g", 'invalid ipv6: "2001:db8::g" is not an IPv6 address'],
    ["ipv6", "x2001:db8::1", 'invalid ipv6: "x2001:db8::1" is not an IPv6 address'],
    ["ipv6", "2001:db8::1x", 'invalid ipv6: "2001:db8::1x" is not an IPv6 address'],
    ["ipv6", "192.0.2.1::1", 'invalid ipv6: "192.0.2.1::1" is not an IPv6 address'],
    ["ipv6", "::ffff:300.0.2.1", 'invalid ipv6: "::ffff:300.0.2.1" is not an IPv6 address'],
    ["ipv6", "1:2:3:4:5:6:7", 'invalid ipv6: "1:2:3:4:5:6:7" is not an IPv6 address'],
    ["ipv6", "1:2:3:4:5:6:7:8:9", 'invalid ipv6: "1:2:3:4:5:6:7:8:9" is not an IPv6 address'],
    ["ipv6", "1:2:3:4::5:6:7:8", 'invalid ipv6: "1:2:3:4::5:6:7:8" is not an IPv6 address'],
    ["ipv6", "[::1", 'invalid ipv6: "[::1" is not an IPv6 address'],
    ["cidr", "/24", 'invalid cidr: "" is neither an IPv4 nor an IPv6 address'],
    ["cidr", "192.0.2.0", 'invalid cidr: "192.0.2.0" has no /prefix'],
    ["cidr", "192.0.2.0/2x", 'invalid cidr: "2x" is not a prefix length'],
    ["cidr", "192.0.2.0/x24", 'invalid cidr: "x24" is not a prefix length'],
    ["cidr", "192.0.2.0/1234", 'invalid cidr: "1234" is not a prefix length'],
    ["cidr", "192.0.2.0/33", "invalid cidr: IPv4 prefix /33 is longer than 32"],
    ["cidr", "10.0.0.0/7", "invalid cidr: IPv4 prefix /7 is broader than /8"],
    ["cidr", "2001:db8::/129", "invalid cidr: IPv6 prefix /129 is longer than 128"],
    ["cidr", "2001:db8::/15", "invalid cidr: IPv6 prefix /15 is broader than /16"],
    ["cidr", "evil.example/24", 'invalid cidr: "evil.example" is neither an IPv4 nor an IPv6 address'],
    ["domain", ".", 'invalid domain: "." is not a valid domain name'],
    ["domain", "evil..example", 'invalid domain: "evil..example" is not a valid domain name'],
    ["domain", "xn--.example", 'invalid domain: "xn--.example" is not a valid domain name'],
    ["domain", `${"a".repeat(64)}.example`, `invalid domain: "${"a".repeat(64)}.example" is not a valid domain name`],
    ["domain", `${"abcdefghi.".repeat(25)}example`, `invalid domain: "${"abcdefghi.".repeat(25)}example" is not a valid domain name`],
    ["domain", "evil.123", 'invalid domain: "evil.123" is not a valid domain name'],
    ["domain", "evil.example-", 'invalid domain: "evil.example-" is not a valid domain name'],
    ["email", "@evil.example", 'invalid email: "@evil.example" is not local@domain'],
    ["email", "bob@", 'invalid email: "bob@" is not local@domain'],
    ["email", "a@b@evil.example", 'invalid email: "a@b@evil.example" has an invalid local part'],
    ["email", `${"a".repeat(65)}@evil.example`, `invalid email: "${"a".repeat(65)}@evil.example" has an invalid local part`],
    ["email", ".bob@evil.example", 'invalid email: ".bob@evil.example" has an invalid local part'],
    ["email", "bob.@evil.example", 'invalid email: "bob.@evil.example" has an invalid local part'],
    ["email", "bo..b@evil.example", 'invalid email: "bo..b@evil.example" has an invalid local part'],
    ["email", "bob smith@evil.example", 'invalid email: "bob smith@evil.example" has an invalid local part'],
    ["email", "bob@evil", 'invalid email: "bob@evil" has an invalid domain'],
    ["url", "evil.example/x", 'invalid url: "evil.example/x" is not an absolute URL'],
    ["url", "mailto:bob@evil.example", 'invalid url: scheme "mailto:" is not supported'],
    ["url", "file:///etc/passwd", 'invalid url: scheme "file:" is not supported'],
    ["url", "http://intranet/x", 'invalid url: "intranet" is not a valid host'],
    ["url", "http://evil..example/x", 'invalid url: "evil..example" is not a valid host'],
    ["md5", "d41d8cd98f00b204e9800998ecf8427", "invalid md5: expected 32 hexadecimal characters"],
    ["md5", "g41d8cd98f00b204e9800998ecf8427e", "invalid md5: expected 32 hexadecimal characters"],
    ["md5", "d41d8cd98f00b204e9800998ecf8427g", "invalid md5: expected 32 hexadecimal characters"],
    ["sha1", "da39a3ee5e6b4b0d3255bfef95601890afd8070", "invalid sha1: expected 40 hexadecimal characters"],
  ];
  for (const [type, raw, message] of refused) {
    it(`${type}: refuses ${JSON.stringify(raw).slice(0, 60)}`, function () {
      let error: unknown;
      try {
        normalizeValue(type, raw as string);
      } catch (err) {
        error = err;
      }
      expect(error).to.be.instanceOf(InvalidIndicatorError);
      expect((error as Error).message).to.equal(message);
      expect(error).to.include({ reason: "BAD_VALUE", field: "value" });
    });
  }

  it("accepts a value of exactly the longest length and refuses one character more", function () {
    const longest = `https://x.example/${"a".repeat(MAX_VALUE_LENGTH - 18)}`;
    expect(longest).to.have.length(MAX_VALUE_LENGTH);
    expect(normalizeValue("url", longest)).to.equal(longest);
    expect(() => normalizeValue("url", `${longest}b`)).to.throw(/longer than 2048/);
  });

  it("refangs only what is defanged, leaving the rest of a value alone", function () {
    expect(refang("http://a.example/[x]")).to.equal("http://a.example/[x]");
    expect(refang("xhxxp://a")).to.equal("xhxxp://a");
    expect(refang("afxp://a")).to.equal("afxp://a");
    expect(normalizeDomainName("MÜNCHEN.example.")).to.equal("xn--mnchen-3ya.example");
    expect(normalizeDomainName("")).to.equal(undefined);
  });

  it("turns addresses and networks into bits for containment, IPv4 in 32 and IPv6 in 128", function () {
    expect(addressBits("192.0.2.1")).to.deep.equal({ version: 4, bits: 0xc0000201n });
    expect(addressBits("[::1]")).to.deep.equal({ version: 6, bits: 1n });
    expect(addressBits("::ffff:192.0.2.1")).to.deep.equal({ version: 6, bits: 0xffffc0000201n });
    expect(addressBits("evil.example")).to.equal(undefined);
    expect(cidrBits("10.0.0.0/8")).to.deep.equal({ version: 4, bits: 0x0a000000n, prefix: 8 });
    expect(cidrBits("/8")).to.equal(undefined);
    expect(cidrBits("10.0.0.0")).to.equal(undefined);
  });
});
