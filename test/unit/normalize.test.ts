import { expect } from "chai";
import { InvalidIndicatorError } from "../../node/src/model/errors.js";
import { indicatorId } from "../../node/src/model/indicator-id.js";
import type { IndicatorType } from "../../node/src/model/indicator.js";
import { isNormalized, normalizeValue } from "../../node/src/model/normalize.js";
import { buildIndicator, isCanonical } from "../../node/src/model/validate.js";

describe("normalization", function () {
  const good: Array<[IndicatorType, string, string]> = [
    ["ipv4", " 192.0.2.1 ", "192.0.2.1"],
    ["ipv4", "192.0.2[.]1", "192.0.2.1"],
    ["ipv6", "2001:0DB8:0000:0000:0000:0000:0000:0001", "2001:db8::1"],
    ["ipv6", "2001:db8:0:0:1:0:0:1", "2001:db8::1:0:0:1"],
    ["ipv6", "0:0:0:0:0:0:0:0", "::"],
    ["ipv6", "::FFFF:192.0.2.1", "::ffff:192.0.2.1"],
    ["ipv6", "[2001:db8::a]", "2001:db8::a"],
    ["ipv6", "2001:db8:1:1:1:1:0:1", "2001:db8:1:1:1:1:0:1"],
    ["cidr", "10.1.2.3/8", "10.0.0.0/8"],
    ["cidr", "2001:DB8::1/32", "2001:db8::/32"],
    ["domain", "WWW.Example.COM.", "www.example.com"],
    ["domain", "evil-example[.]com", "evil-example.com"],
    ["domain", "bücher.example", "xn--bcher-kva.example"],
    ["url", "hxxp://Evil.Example:80/a/../b?q=%2f#frag", "http://evil.example/b?q=%2F"],
    ["url", "https://EXAMPLE.com", "https://example.com/"],
    ["url", "https://user:pw@example.com:8443/x", "https://user:pw@example.com:8443/x"],
    // The host is normalized as a domain: a trailing dot or capitals do not make a second record.
    ["url", "http://Evil.Example./x", "http://evil.example/x"],
    ["url", "http://bücher.example/x", "http://xn--bcher-kva.example/x"],
    ["email", "a@Evil.Example.", "a@evil.example"],
    ["email", "Alice@Example[.]COM", "alice@example.com"],
    ["md5", "D41D8CD98F00B204E9800998ECF8427E", "d41d8cd98f00b204e9800998ecf8427e"],
    ["sha1", "da39a3ee5e6b4b0d3255bfef95601890afd80709", "da39a3ee5e6b4b0d3255bfef95601890afd80709"],
    ["sha256", "E3B0C44298FC1C149AFBF4C8996FB92427AE41E4649B934CA495991B7852B855", "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"],
  ];
  for (const [type, raw, expected] of good) {
    it(`${type}: "${raw}" -> "${expected}", idempotently`, function () {
      expect(normalizeValue(type, raw)).to.equal(expected);
      expect(normalizeValue(type, expected)).to.equal(expected);
      expect(isNormalized(type, expected)).to.equal(true);
    });
  }

  const bad: Array<[IndicatorType, string]> = [
    ["ipv4", "256.1.1.1"],
    ["ipv4", "010.0.0.1"],
    ["ipv4", "1.2.3"],
    ["ipv6", "2001:db8::1::2"],
    ["ipv6", "fe80::1%eth0"],
    ["ipv6", "12345::"],
    ["cidr", "10.0.0.0/33"],
    ["cidr", "0.0.0.0/0"],
    ["cidr", "2001:db8::/8"],
    ["cidr", "10.0.0.0"],
    ["domain", "localhost"],
    ["domain", "-bad-.example"],
    ["domain", "a..b.example"],
    ["domain", "192.168.1.1"],
    ["url", "not a url"],
    ["url", "javascript:alert(1)"],
    // A host of one label names nobody's public asset (an intranet name), as a domain would not.
    ["url", "http://intranet/x"],
    ["url", "http://localhost:8080/"],
    ["email", "no-at-sign.example"],
    ["email", "a@b"],
    ["md5", "xyz"],
    ["sha256", "e3b0c442"],
    ["domain", "   "],
  ];
  for (const [type, raw] of bad) {
    it(`${type}: rejects "${raw}" with a reason`, function () {
      expect(() => normalizeValue(type, raw)).to.throw(InvalidIndicatorError, new RegExp(`invalid ${type}`));
    });
  }
});

describe("indicator ids and building", function () {
  const now = Date.parse("2026-11-21T12:00:00Z");

  it("derives the same id for the same observable however it was written", function () {
    const a = buildIndicator({ type: "domain", value: "EVIL.example." }, { producer: "acme-bank", now });
    const b = buildIndicator({ type: "domain", value: "evil[.]example" }, { producer: "north-cert", now: now + 5 });
    expect(indicatorId(a.type, a.value)).to.equal(indicatorId(b.type, b.value));
    expect(indicatorId("domain", "evil.example")).to.not.equal(indicatorId("url", "evil.example"));
    expect(indicatorId("domain", "evil.example")).to.match(/^[0-9a-f]{64}$/);
  });

  it("requires a sharing group for AMBER and AMBER+STRICT, and refuses bad groups and descriptions", function () {
    const build = (extra: object) => () => buildIndicator({ type: "domain", value: "evil.example", ...extra }, { producer: "acme-bank", now });
    for (const tlp of ["AMBER", "AMBER+STRICT"]) {
      expect(build({ tlp })).to.throw(InvalidIndicatorError).with.property("reason", "GROUP_REQUIRED");
      expect(build({ tlp, group: 2 })).to.not.throw();
      // A node's default group takes an AMBER input that names none; GREEN stays for everyone.
      expect(buildIndicator({ type: "domain", value: "evil.example", tlp }, { producer: "acme-bank", now, defaultGroup: 9 }).group).to.equal(9);
    }
    expect(buildIndicator({ type: "domain", value: "evil.example" }, { producer: "acme-bank", now, defaultGroup: 9 }).group).to.equal(0);
    expect(build({ group: -1 })).to.throw(InvalidIndicatorError).with.property("reason", "BAD_GROUP");
    expect(build({ group: 1.5 })).to.throw(InvalidIndicatorError).with.property("reason", "BAD_GROUP");
    expect(build({ description: 42 })).to.throw(InvalidIndicatorError).with.property("reason", "BAD_DESCRIPTION");
    expect(build({ description: "x".repeat(1025) })).to.throw(InvalidIndicatorError).with.property("reason", "BAD_DESCRIPTION");
    expect(build({ description: "bell\u0007" })).to.throw(InvalidIndicatorError).with.property("reason", "BAD_DESCRIPTION");
  });

  it("fills defaults and normalizes labels", function () {
    const indicator = buildIndicator(
      {
        type: "ipv4",
        value: "192.0.2.1",
        tlp: "tlp:amber+strict",
        group: "4",
        description: "  seen in a phishing wave \n",
        labels: { malwareFamilies: ["Emotet", "emotet"], attackTechniques: ["t1566.001"], tags: ["b", "a"] },
      },
      { producer: "acme-bank", now },
    );
    expect(indicator).to.include({ tlp: "AMBER+STRICT", group: 4, blinded: false, confidence: 50, validFrom: now, producer: "acme-bank", createdAt: now });
    expect(indicator.description).to.equal("seen in a phishing wave");
    expect(indicator.validUntil).to.equal(now + 30 * 24 * 3600 * 1000);
    expect(indicator.labels).to.deep.equal({ malwareFamilies: ["emotet"], attackTechniques: ["T1566.001"], tags: ["a", "b"] });
    expect(isCanonical(indicator)).to.equal(true);
  });

  const refused: Array<[string, object, string]> = [
    ["an unknown type", { type: "bitcoin", value: "x" }, "UNKNOWN_TYPE"],
    ["a bad TLP", { type: "ipv4", value: "192.0.2.1", tlp: "PURPLE" }, "BAD_TLP"],
    ["confidence 101", { type: "ipv4", value: "192.0.2.1", confidence: 101 }, "BAD_CONFIDENCE"],
    ["fractional confidence", { type: "ipv4", value: "192.0.2.1", confidence: 5.5 }, "BAD_CONFIDENCE"],
    ["validUntil before validFrom", { type: "ipv4", value: "192.0.2.1", validFrom: "2026-01-02T00:00:00Z", validUntil: "2026-01-01T00:00:00Z" }, "BAD_VALIDITY"],
    ["an unparseable time", { type: "ipv4", value: "192.0.2.1", validUntil: "tomorrow" }, "BAD_VALIDITY"],
    ["a bad ATT&CK id", { type: "ipv4", value: "192.0.2.1", labels: { attackTechniques: ["phishing"] } }, "BAD_LABEL"],
    ["a non-string value", { type: "ipv4", value: 42 }, "BAD_VALUE"],
  ];
  for (const [what, input, reason] of refused) {
    it(`refuses ${what} (${reason})`, function () {
      expect(() => buildIndicator(input as never, { producer: "acme-bank", now }))
        .to.throw(InvalidIndicatorError)
        .with.property("reason", reason);
    });
  }
});
