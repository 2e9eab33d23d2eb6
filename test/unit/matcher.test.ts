import { expect } from "chai";
import { BlockList } from "node:net";
import fc from "fast-check";
import { FingerprintSet } from "../../node/src/detect/fingerprint-set.js";
import { LookupIndex } from "../../node/src/detect/lookup-index.js";
import { indicatorId } from "../../node/src/model/indicator-id.js";
import type { IndicatorType } from "../../node/src/model/indicator.js";
import { normalizeValue } from "../../node/src/model/normalize.js";
import { blindValue, deriveBlindingKey } from "../../node/src/privacy/blinding.js";

function entry(type: IndicatorType, raw: string, blinded = false) {
  const value = blinded ? raw : normalizeValue(type, raw);
  return { id: indicatorId(type, value, blinded), type, value, blinded };
}

describe("lookup index", function () {
  const index = new LookupIndex();
  const indicators = [
    entry("ipv4", "203.0.113.7"),
    entry("ipv6", "2001:db8::bad"),
    entry("cidr", "198.51.100.0/24"),
    entry("cidr", "198.51.0.0/16"),
    entry("cidr", "2001:db8:ff00::/40"),
    entry("domain", "evil.example"),
    entry("url", "https://cdn.bad.example/payload.exe"),
    entry("email", "ceo@phish.example"),
    entry("sha256", "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08"),
    entry("md5", "d41d8cd98f00b204e9800998ecf8427f"),
  ];
  for (const i of indicators) index.add(i);
  const reasons = (value: string) => index.match(value).map((m) => `${m.reason}:${m.value}`);

  it("matches exact values of every type, normalized (defanged, upper case)", function () {
    expect(reasons("203.0.113[.]7")).to.deep.equal(["exact:203.0.113.7"]);
    expect(reasons("2001:DB8:0::BAD")).to.deep.equal(["exact:2001:db8::bad"]);
    expect(reasons("hxxps://CDN.bad.example/payload.exe")).to.deep.equal(["exact:https://cdn.bad.example/payload.exe"]);
    expect(reasons("CEO@phish.example")).to.deep.equal(["exact:ceo@phish.example"]);
    expect(reasons("9F86D081884C7D659A2FEAA0C55AD015A3BF4F1B2B0B822CD15D6C15B0F00A08")).to.have.length(1);
    expect(reasons("d41d8cd98f00b204e9800998ecf8427f")).to.deep.equal(["exact:d41d8cd98f00b204e9800998ecf8427f"]);
  });

  it("matches addresses inside CIDRs, IPv4 and IPv6, every containing CIDR", function () {
    expect(reasons("198.51.100.200")).to.deep.equal(["cidr:198.51.100.0/24", "cidr:198.51.0.0/16"]);
    expect(reasons("198.51.7.1")).to.deep.equal(["cidr:198.51.0.0/16"]);
    expect(reasons("198.52.0.1")).to.deep.equal([]);
    expect(reasons("2001:db8:ff12::1")).to.deep.equal(["cidr:2001:db8:ff00::/40"]);
    expect(reasons("2001:db8:1::1")).to.deep.equal([]);
  });

  it("matches subdomains of a domain indicator, and the hosts of URLs and e-mail addresses", function () {
    expect(reasons("evil.example")).to.deep.equal(["exact:evil.example"]);
    expect(reasons("a.b.evil.example")).to.deep.equal(["domain-suffix:evil.example"]);
    expect(reasons("notevil.example")).to.deep.equal([]);
    expect(reasons("http://login.evil.example/x")).to.deep.equal(["domain-suffix:evil.example"]);
    expect(reasons("http://evil.example/x")).to.deep.equal(["url-host:evil.example"]);
    expect(reasons("http://203.0.113.7:8080/x")).to.deep.equal(["url-host:203.0.113.7"]);
    expect(reasons("someone@mail.evil.example")).to.deep.equal(["domain-suffix:evil.example"]);
    expect(reasons("someone@evil.example")).to.deep.equal(["email-domain:evil.example"]);
    expect(reasons("https://cdn.bad.example/other")).to.deep.equal([]);
  });

  it("matches blinded entries only under the key they were blinded with", function () {
    const key = deriveBlindingKey(new Uint8Array(32).fill(3), 7, ["acme-bank"]);
    const blinded = new LookupIndex();
    blinded.add(entry("ipv4", blindValue(key, "ipv4", "192.0.2.55"), true));
    blinded.add(entry("domain", blindValue(key, "domain", "secret.example"), true));
    const ring = [{ producer: "acme-bank", group: 7, key }];
    expect(blinded.match("192.0.2.55", ring).map((m) => m.reason)).to.deep.equal(["blinded"]);
    expect(blinded.match("x.secret.example", ring).map((m) => m.reason)).to.deep.equal(["blinded"]);
    expect(blinded.match("192.0.2.56", ring)).to.deep.equal([]);
    expect(blinded.match("192.0.2.55", [{ ...ring[0]!, key: deriveBlindingKey(new Uint8Array(32).fill(4), 7, ["acme-bank"]) }])).to.deep.equal([]);
    expect(blinded.match("192.0.2.55")).to.deep.equal([]);
  });

  it("forgets removed indicators", function () {
    const small = new LookupIndex();
    const cidr = entry("cidr", "10.0.0.0/8");
    small.add(cidr);
    expect(small.match("10.1.2.3")).to.have.length(1);
    small.remove(cidr);
    expect(small.match("10.1.2.3")).to.deep.equal([]);
    expect(small.size).to.equal(0);
  });

  it("agrees with node:net's BlockList on random IPv4 CIDRs and addresses", function () {
    const octet = fc.integer({ min: 0, max: 255 });
    const address = fc.tuple(octet, octet, octet, octet).map((o) => o.join("."));
    fc.assert(
      fc.property(fc.array(fc.tuple(address, fc.integer({ min: 8, max: 32 })), { minLength: 1, maxLength: 8 }), fc.array(address, { maxLength: 20 }), (cidrs, probes) => {
        const idx = new LookupIndex();
        const list = new BlockList();
        for (const [network, prefix] of cidrs) {
          idx.add(entry("cidr", `${network}/${prefix}`));
          list.addSubnet(network, prefix);
        }
        for (const probe of probes) expect(idx.match(probe).length > 0, probe).to.equal(list.check(probe));
      }),
      { numRuns: 300 },
    );
  });
});

describe("fingerprint set", function () {
  it("agrees with a Set through adds, deletes and growth (random operations, fixed seed)", function () {
    fc.assert(
      fc.property(fc.array(fc.tuple(fc.boolean(), fc.integer({ min: 0, max: 8 }), fc.string({ maxLength: 6 })), { maxLength: 400 }), (ops) => {
        const set = new FingerprintSet(4);
        const model = new Set<string>();
        for (const [adding, prefix, text] of ops) {
          const key = `${prefix}/${text}`;
          if (adding) {
            expect(set.add(prefix, text)).to.equal(!model.has(key));
            model.add(key);
          } else {
            expect(set.delete(prefix, text)).to.equal(model.has(key));
            model.delete(key);
          }
          expect(set.size).to.equal(model.size);
        }
        for (const [, prefix, text] of ops) expect(set.has(prefix, text)).to.equal(model.has(`${prefix}/${text}`));
      }),
      { seed: 20261121, numRuns: 300 },
    );
  });

  it("holds 300,000 values without a false negative and keeps the prefix apart from the text", function () {
    const set = new FingerprintSet();
    for (let i = 0; i < 300_000; i++) set.add(3, `host-${i}.example`);
    for (let i = 0; i < 300_000; i++) if (!set.has(3, `host-${i}.example`)) expect.fail(`lost host-${i}.example`);
    expect(set.has(4, "host-1.example")).to.equal(false);
    let falseHits = 0;
    for (let i = 300_000; i < 600_000; i++) if (set.has(3, `host-${i}.example`)) falseHits++;
    expect(falseHits).to.equal(0);
    for (let i = 0; i < 300_000; i += 2) set.delete(3, `host-${i}.example`);
    expect(set.size).to.equal(150_000);
    expect(set.has(3, "host-2.example")).to.equal(false);
    expect(set.has(3, "host-3.example")).to.equal(true);
  });
});
