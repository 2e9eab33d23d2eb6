import { normalizeValue } from "../../node/src/model/normalize.js";
import { expect } from "chai";
import { readdir, readFile } from "node:fs/promises";
import { join } from "node:path";
import { importStix, stixBundle, TLP2_MARKINGS } from "../../node/src/interop/stix.js";
import { parseStixPattern, stixPatternOf } from "../../node/src/model/stix-pattern.js";
import { INDICATOR_TYPES } from "../../node/src/model/indicator.js";
import { mergeIndicator, type IndicatorRecord } from "../../node/src/model/record.js";
import { addSighting } from "../../node/src/model/sighting.js";
import { buildIndicator } from "../../node/src/model/validate.js";
import { stixValidator } from "../helpers/stix-schemas.js";
import { SHARED_DATA } from "../helpers/shared-data.js";

const EXAMPLES = join(SHARED_DATA, "stix2/examples");
const now = Date.parse("2026-11-21T12:00:00Z");

describe("STIX patterns", function () {
  it("reads equality comparisons joined by OR, in one or several observations", function () {
    expect(parseStixPattern("[ipv4-addr:value = '198.51.100.1' OR ipv4-addr:value = '198.51.100.0/24']")).to.deep.equal({
      ok: true,
      comparisons: [
        { path: "ipv4-addr:value", type: "ipv4", value: "198.51.100.1" },
        { path: "ipv4-addr:value", type: "cidr", value: "198.51.100.0/24" },
      ],
    });
    const several = parseStixPattern("[domain-name:value = 'evil.example'] OR ([url:value = 'http://x.example/a\\'b'])");
    expect(several.ok && several.comparisons.map((c) => `${c.type}:${c.value}`)).to.deep.equal(["domain:evil.example", "url:http://x.example/a'b"]);
    for (const [pattern, type] of [
      ["[file:hashes.'SHA-256' = 'ab']", "sha256"],
      ["[file:hashes.MD5 = 'ab']", "md5"],
      ["[file:hashes.'SHA-1' = 'ab']", "sha1"],
      ["[email-addr:value = 'a@b.example']", "email"],
      ["[ipv6-addr:value = '2001:db8::1']", "ipv6"],
    ] as const) {
      const parsed = parseStixPattern(pattern);
      expect(parsed.ok && parsed.comparisons[0]!.type, pattern).to.equal(type);
    }
  });

  it("refuses, with the reason, what one indicator of the exchange cannot say", function () {
    for (const [pattern, reason] of [
      ["[ipv4-addr:value = '1.2.3.4' AND domain-name:value = 'x.example']", /AND is not supported/],
      ["[email-message:subject MATCHES '^x']", /MATCHES operator/],
      ["[ipv4-addr:value != '1.2.3.4']", /!= operator/],
      ["[ipv4-addr:value = '1.2.3.4'] FOLLOWEDBY [ipv4-addr:value = '1.2.3.5']", /FOLLOWEDBY/],
      ["[ipv4-addr:value = '1.2.3.4'] WITHIN 300 SECONDS", /WITHIN qualifier/],
      ["[file:size = '12']", /object path file:size is not supported/],
      ["[file:hashes.'SHA-224' = 'ab']", /SHA-224 is not supported/],
      ["[x509-certificate:hashes.TLSH = 'ab']", /x509-certificate hash TLSH is not supported/],
      ["[autonomous-system:number = 'AS1']", /compared with a number/],
      ["[domain-name:value = 12]", /only string values/],
      ["[ipv4-addr:value = '1.2.3.4'", /comparison must be followed/],
      ["[ipv4-addr:value = 'unterminated]", /unterminated string/],
    ] as const) {
      const parsed = parseStixPattern(pattern);
      expect(parsed.ok, pattern).to.equal(false);
      if (!parsed.ok) expect(parsed.reason, pattern).to.match(reason);
    }
  });

  it("writes patterns it reads back the same, for every type and awkward values", function () {
    const samples: Record<string, string> = {
      ipv4: "1.2.3.4",
      ipv6: "2001:db8::1",
      cidr: "10.0.0.0/8",
      domain: "x.example",
      url: "http://x.example/it's",
      email: "a@b.example",
      md5: "a".repeat(32),
      sha1: "b".repeat(40),
      sha256: "c".repeat(64),
      sha512: "d".repeat(128),
      ssdeep: "96:s4Ud1Lj96tHHlZDrwciQmA+4uy1I0G4HYuL8N3TzS8QsO/wqWXLcMSx:sF1LjEtHHlZDrJzrhuyZvHYm8tKp/RWO",
      tlsh: `T1${"A".repeat(70)}`,
      ja3: "e".repeat(32),
      ja3s: "f".repeat(32),
      ja4: "t13d1516h2_8daaf6152771_02713d6af862",
      asn: "AS64496",
      "user-agent": "Mozilla/5.0 (it's \\ odd)",
      filename: "invoice's.pdf.exe",
      mutex: "Global\\mtx-'1'",
      "registry-key": "HKEY_LOCAL_MACHINE\\software\\run",
      "x509-md5": "1".repeat(32),
      "x509-sha1": "2".repeat(40),
      "x509-sha256": "3".repeat(64),
    };
    for (const type of INDICATOR_TYPES) {
      if (type === "cve") continue;
      const parsed = parseStixPattern(stixPatternOf(type, samples[type]!));
      expect(parsed.ok && parsed.comparisons[0]!.type, type).to.equal(type);
      // The pattern's literal, normalized as the importer does, is the value written.
      expect(parsed.ok && normalizeValue(type, parsed.comparisons[0]!.value), type).to.equal(samples[type]);
    }
  });
});

describe("STIX import", function () {
  it("imports every example bundle, accounting for every object", async function () {
    for (const name of await readdir(EXAMPLES)) {
      const document = JSON.parse(await readFile(join(EXAMPLES, name), "utf8"));
      const result = importStix(document, { defaultTlp: "GREEN" });
      const objects = document.type === "bundle" ? document.objects : [document];
      const accounted = new Set([...result.inputs.map((i) => i.source), ...result.skipped.map((s) => s.source)]);
      for (const o of objects) expect(accounted.has(o.id), `${name}: ${o.id}`).to.equal(true);
      for (const s of result.skipped) expect(s.reason, `${name}: ${s.source}`).to.be.a("string").and.not.equal("");
    }
  });

  it("reads the examples' indicators, observables and markings as the exchange's", async function () {
    const read = async (name: string) => importStix(JSON.parse(await readFile(join(EXAMPLES, name), "utf8")), { defaultTlp: "GREEN", group: 4 });
    const c2 = await read("indicators-for-C2-with-COA.json");
    expect(c2.inputs.map((i) => `${i.type}:${String(i.value)}`)).to.deep.equal(["ipv4:10.0.0.0", "sha256:ef537f25c895bfa782526529a9b63d97aa631564d5d789c2b765448c8635fb6c"]);
    expect(c2.skipped.map((s) => s.type).sort()).to.deep.equal(["course-of-action", "identity", "malware", "relationship", "relationship", "relationship"]);
    const infrastructure = await read("infrastructure.json");
    expect(infrastructure.inputs.map((i) => `${i.type}:${String(i.value)}`)).to.deep.equal(["ipv4:198.51.100.3", "domain:example.com"]);
    const email = await read("malicious-email-indicator-with-attachment.json");
    expect(email.inputs).to.deep.equal([]);
    expect(email.skipped.filter((s) => s.type === "indicator").every((s) => /MATCHES operator/.test(s.reason))).to.equal(true);
    const marked = importStix(
      {
        type: "bundle",
        id: "bundle--1",
        objects: [
          { type: "indicator", id: "indicator--a", pattern: "[domain-name:value = 'a.example']", pattern_type: "stix", valid_from: "2026-01-01T00:00:00Z", object_marking_refs: [TLP2_MARKINGS["AMBER+STRICT"]] },
          { type: "indicator", id: "indicator--b", pattern: "[domain-name:value = 'b.example']", pattern_type: "stix", valid_from: "2026-01-01T00:00:00Z", object_marking_refs: ["marking-definition--613f2e26-407d-48c7-9eca-b8e91df99dc9"] },
          { type: "indicator", id: "indicator--c", pattern: "[domain-name:value = 'c.example']", pattern_type: "stix", valid_from: "2026-01-01T00:00:00Z", revoked: true },
          { type: "marking-definition", id: "marking-definition--custom", definition_type: "tlp", definition: { tlp: "red" } },
          { type: "indicator", id: "indicator--d", pattern: "[domain-name:value = 'd.example']", pattern_type: "stix", valid_from: "2026-01-01T00:00:00Z", object_marking_refs: ["marking-definition--custom"] },
        ],
      },
      { defaultTlp: "GREEN", group: 4 },
    );
    expect(marked.inputs.map((i) => `${String(i.value)}:${String(i.tlp)}:${String(i.group)}`)).to.deep.equal(["a.example:AMBER+STRICT:4", "b.example:CLEAR:undefined", "d.example:RED:undefined"]);
    expect(marked.skipped.find((s) => s.source === "indicator--c")!.reason).to.equal("revoked");
  });
});

describe("STIX export", function () {
  function record(producer: string, extra: object, ...more: Array<[string, object]>): IndicatorRecord {
    let r = mergeIndicator(undefined, buildIndicator({ type: "domain", value: "evil.example", confidence: 70, validUntil: now + 86_400_000, ...extra }, { producer, now }), { sequence: 1, index: 0 }, now);
    for (const [p, e] of more) r = mergeIndicator(r, buildIndicator({ type: "domain", value: "evil.example", ...e }, { producer: p, now }), { sequence: 1, index: 0 }, now);
    return r;
  }

  it("validates every exported object and the bundle against the official STIX 2.1 schemas", async function () {
    const { validate, schemaCount } = await stixValidator();
    expect(schemaCount).to.be.greaterThan(50);
    const records = [
      record("acme-bank", { labels: { malwareFamilies: ["emotet"], tags: ["phishing"] }, description: "wave 3" }, ["north-cert", { tlp: "AMBER", group: 2 }]),
      mergeIndicator(undefined, buildIndicator({ type: "sha256", value: "ab".repeat(32) }, { producer: "acme-bank", now }), { sequence: 2, index: 0 }, now),
      mergeIndicator(undefined, buildIndicator({ type: "cidr", value: "2001:db8::/32", tlp: "CLEAR" }, { producer: "acme-bank", now }), { sequence: 2, index: 1 }, now),
    ];
    const sightings = new Map([[records[0]!.id, addSighting(undefined, { indicatorId: records[0]!.id, kind: "sighting", observedAt: now, count: 4, reporter: "bank-two" })]]);
    const bundle = stixBundle(records, sightings);
    const objects = bundle.objects as Array<Record<string, unknown>>;
    expect(objects.map((o) => o.type)).to.deep.equal(["indicator", "indicator", "sighting", "indicator", "indicator", "identity", "identity", "identity"]);
    for (const object of [bundle, ...objects]) expect(validate(object), JSON.stringify(object)).to.deep.equal([]);
    // The validator does reject what is not STIX.
    expect(validate({ ...objects[0]!, pattern_type: undefined })).to.not.deep.equal([]);
    expect(validate({ ...objects[0]!, id: "indicator--not-a-uuid" })).to.not.deep.equal([]);
    // Deterministic: the same records export to the same bundle.
    expect(stixBundle(records, sightings)).to.deep.equal(bundle);
  });

  it("round-trips: STIX in, records, STIX out, and in again gives the same indicators", async function () {
    const document = JSON.parse(await readFile(join(EXAMPLES, "indicators-for-C2-with-COA.json"), "utf8"));
    const first = importStix(document, { defaultTlp: "GREEN" });
    const records = first.inputs.map((input, i) =>
      mergeIndicator(undefined, buildIndicator({ ...input, validFrom: now, validUntil: now + 86_400_000 }, { producer: "acme-bank", now }), { sequence: 1, index: i }, now),
    );
    const again = importStix(stixBundle(records, new Map()), { defaultTlp: "RED" });
    expect(again.inputs.map((i) => [i.type, i.value, i.tlp, i.confidence])).to.deep.equal(first.inputs.map((i) => [i.type, i.value, "GREEN", 50]));
    expect(again.skipped.map((s) => s.type)).to.deep.equal(["identity"]);
  });

  it("maps tags both ways: machine tags as labels, PAP as the OASIS PAP marking (with its definition in the bundle), TLP as the TLP marking only", async function () {
    const { validate } = await stixValidator();
    const tags = ["PAP:AMBER", 'admiralty-scale:source-reliability="b"', 'misp-galaxy:threat-actor="APT 29"', "phishing", "tlp:amber"];
    const records = [record("acme-bank", { labels: { tags }, tlp: "AMBER", group: 2 })];
    const bundle = stixBundle(records, new Map());
    const objects = bundle.objects as Array<Record<string, unknown>>;
    for (const object of [bundle, ...objects]) expect(validate(object), JSON.stringify(object)).to.deep.equal([]);
    const indicator = objects.find((o) => o.type === "indicator")!;
    expect(indicator.labels).to.deep.equal(["PAP:AMBER", 'admiralty-scale:source-reliability="b"', 'misp-galaxy:threat-actor="APT 29"', "phishing"]);
    expect(indicator.object_marking_refs).to.deep.equal([TLP2_MARKINGS.AMBER, "marking-definition--60f8932b-e51e-4458-b265-a2e8be9a80ab"]);
    const marking = objects.find((o) => o.type === "marking-definition")!;
    expect(marking).to.deep.include({ id: "marking-definition--60f8932b-e51e-4458-b265-a2e8be9a80ab", name: "PAP:AMBER" });
    // And back: the labels become the same tags, the PAP marking alone gives the PAP tag, TLP stays TLP.
    const back = importStix(bundle, { defaultTlp: "GREEN", group: 2 });
    // (with the indicator type every exported indicator states)
    expect(back.inputs[0]!.labels!.tags).to.deep.equal(["PAP:AMBER", 'admiralty-scale:source-reliability="b"', "malicious-activity", 'misp-galaxy:threat-actor="APT 29"', "phishing"]);
    expect(back.inputs[0]!.tlp).to.equal("AMBER");
    const markedOnly = { ...indicator, labels: undefined, object_marking_refs: [TLP2_MARKINGS.GREEN, "marking-definition--740d36e5-7714-4c30-961a-3ae632ceee0e"] };
    expect(importStix(markedOnly, { defaultTlp: "CLEAR" }).inputs[0]!.labels!.tags).to.deep.equal(["PAP:RED", "malicious-activity"]);
    // A bundle's own PAP marking (named, or by the extension) reads the same.
    const own = { type: "marking-definition", spec_version: "2.1", id: "marking-definition--11111111-2222-4333-8444-555555555555", created: "2026-01-01T00:00:00Z", name: "PAP:GREEN" };
    const viaOwn = importStix({ type: "bundle", id: "bundle--11111111-2222-4333-8444-555555555556", objects: [own, { ...markedOnly, object_marking_refs: [own.id] }] }, { defaultTlp: "CLEAR" });
    expect(viaOwn.inputs[0]!.labels!.tags).to.deep.equal(["PAP:GREEN", "malicious-activity"]);
    // A label that is neither tag nor word is reported, not dropped silently.
    const odd = importStix({ ...markedOnly, labels: ["<script>", "ok"] }, { defaultTlp: "CLEAR" });
    expect(odd.inputs[0]!.labels!.tags).to.deep.equal(["PAP:RED", "malicious-activity", "ok"]);
    expect(odd.warnings.join()).to.include("<script>");
  });
});
