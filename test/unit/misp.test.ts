import { expect } from "chai";
import { createHash } from "node:crypto";
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { mispFeed } from "../../node/src/interop/misp-feed.js";
import { mispToStix, patternOf } from "../../node/src/interop/misp-stix.js";
import { mergeIndicator, type IndicatorRecord } from "../../node/src/model/record.js";
import type { StixJson } from "../../node/src/model/stix-object.js";
import { buildIndicator } from "../../node/src/model/validate.js";
import { stixValidator } from "../helpers/stix-schemas.js";
import { SHARED_DATA } from "../helpers/shared-data.js";

const FIXTURES = join(SHARED_DATA, "misp");
const now = Date.parse("2026-11-21T12:00:00Z");
const read = async (name: string) => JSON.parse(await readFile(join(FIXTURES, name), "utf8"));
const options = { defaultTlp: "GREEN" as const, now };
type Json = Record<string, unknown>;

/** A MISP event's attributes (its own and its objects'), as uuid -> the fields a round trip keeps. */
function attributesOf(event: Json): Map<string, Json> {
  const out = new Map<string, Json>();
  const take = (a: Json) => {
    if (a.deleted === true) return;
    out.set(String(a.uuid), { type: a.type, value: a.value, category: a.category, to_ids: a.to_ids, comment: a.comment || undefined });
  };
  for (const a of (event.Attribute as Json[] | undefined) ?? []) take(a);
  for (const o of (event.Object as Json[] | undefined) ?? []) for (const a of (o.Attribute as Json[] | undefined) ?? []) take(a);
  return out;
}

/** A hand-made event with every kind of thing MISP holds. */
const richEvent = {
  Event: {
    uuid: "9d3b1f4e-2c1a-4b7e-9f00-1a2b3c4d5e6f",
    info: "Phishing wave against grid operators",
    date: "2026-11-20",
    timestamp: "1763640000",
    publish_timestamp: "1763643600",
    published: true,
    threat_level_id: "1",
    analysis: "2",
    Orgc: { name: "North CERT", uuid: "11111111-2222-4333-8444-555555555555" },
    Tag: [{ name: "tlp:amber" }, { name: "PAP:AMBER" }, { name: 'admiralty-scale:source-reliability="b"' }, { name: "for_intelmq_processing" }, { name: 'misp-galaxy:threat-actor="Sofacy"' }],
    Galaxy: [{ type: "threat-actor", name: "Threat Actor", GalaxyCluster: [{ type: "threat-actor", value: "Sofacy", description: "Russian actor", meta: { synonyms: ["APT28", "Fancy Bear"], refs: ["https://example.org/sofacy"] } }] }],
    Attribute: [
      { uuid: "a0000000-0000-4000-8000-000000000001", type: "domain", category: "Network activity", value: "login-grid.example", to_ids: true, comment: "phishing page", timestamp: "1763640000", Tag: [{ name: 'misp-galaxy:mitre-attack-pattern="Phishing - T1566"' }] },
      { uuid: "a0000000-0000-4000-8000-000000000002", type: "ip-dst|port", category: "Network activity", value: "198.51.100.23|8443", to_ids: true, timestamp: "1763640000" },
      { uuid: "a0000000-0000-4000-8000-000000000003", type: "sha512", category: "Payload delivery", value: "ab".repeat(64), to_ids: true, timestamp: "1763640000" },
      { uuid: "a0000000-0000-4000-8000-000000000004", type: "text", category: "Other", value: "Sent from a look-alike domain on Monday.", to_ids: false, timestamp: "1763640000" },
      { uuid: "a0000000-0000-4000-8000-000000000005", type: "link", category: "External analysis", value: "https://example.org/analysis", to_ids: false, timestamp: "1763640000" },
      { uuid: "a0000000-0000-4000-8000-000000000006", type: "url", category: "Network activity", value: "https://cdn.example/dropper.js", to_ids: false, timestamp: "1763640000" },
      { uuid: "a0000000-0000-4000-8000-000000000007", type: "vulnerability", category: "External analysis", value: "CVE-2026-1234", to_ids: false, timestamp: "1763640000" },
      { uuid: "a0000000-0000-4000-8000-000000000008", type: "yara", category: "Payload installation", value: "rule grid_dropper { strings: $a = \"gridload\" condition: $a }", to_ids: true, timestamp: "1763640000" },
      { uuid: "a0000000-0000-4000-8000-000000000009", type: "domain", category: "Network activity", value: "gone.example", to_ids: true, deleted: true, timestamp: "1763640000" },
      { uuid: "a0000000-0000-4000-8000-00000000000a", type: "mutex", category: "Artifacts dropped", value: "Global\\gridmutex", to_ids: true, timestamp: "1763640000" },
    ],
    Object: [
      {
        uuid: "b0000000-0000-4000-8000-000000000001",
        name: "file",
        "meta-category": "file",
        timestamp: "1763640000",
        Attribute: [
          { uuid: "c0000000-0000-4000-8000-000000000001", object_relation: "filename", type: "filename", category: "Payload delivery", value: "invoice.js", to_ids: false },
          { uuid: "c0000000-0000-4000-8000-000000000002", object_relation: "sha256", type: "sha256", category: "Payload delivery", value: "cd".repeat(32), to_ids: true },
        ],
      },
      {
        uuid: "b0000000-0000-4000-8000-000000000002",
        name: "domain-ip",
        "meta-category": "network",
        timestamp: "1763640000",
        Attribute: [
          { uuid: "c0000000-0000-4000-8000-000000000003", object_relation: "domain", type: "domain", category: "Network activity", value: "context.example", to_ids: false },
          { uuid: "c0000000-0000-4000-8000-000000000004", object_relation: "ip", type: "ip-dst", category: "Network activity", value: "203.0.113.9", to_ids: false },
        ],
      },
    ],
  },
};

describe("MISP events as STIX objects (interop/misp-stix.ts)", function () {
  it("accounts for every attribute of every fixture: what it became, what was left out and why; every object valid STIX 2.1", async function () {
    const { validate } = await stixValidator();
    for (const name of ["57c4445b-c548-4654-af0b-4be3950d210f.json", "sighting_1.json", "misp_event.json", "event.json"]) {
      const document = await read(name);
      const result = mispToStix(document, options);
      const event = (document.Event ?? document) as Json;
      const total = attributesOf(event).size + ((event.Attribute as Json[] | undefined) ?? []).filter((a) => a.deleted === true).length;
      const [report] = result.events;
      const accounted = Object.values(report!.fates).reduce((n, k) => n + (k ?? 0), 0);
      expect(accounted, name).to.equal(total);
      for (const object of result.objects) expect(validate(object), `${name}: ${JSON.stringify(object).slice(0, 300)}`).to.deep.equal([]);
    }
    const xorist = mispToStix(await read("57c4445b-c548-4654-af0b-4be3950d210f.json"), options);
    // 9 attributes: 2 links (references), a comment and a text (notes), 5 for detection (indicators).
    expect(xorist.events[0]!.fates).to.deep.equal({ reference: 2, note: 2, indicator: 5 });
    const patterns = xorist.objects.filter((o) => o.type === "indicator").map((o) => o.pattern);
    expect(patterns).to.include("[file:hashes.'SHA-256' = 'b3c4ae251f8094fa15b510051835c657eaef2a6cea46075d3aec964b14a99f68']");
    expect(patterns).to.include("[windows-registry-key:key = 'Software\\\\Wow6432Node\\\\Microsoft\\\\Windows\\\\CurrentVersion\\\\Run' AND windows-registry-key:values[*].data = '%TEMP%\\\\3Z4wnG9603it23y.exe']");
    const report = xorist.objects.find((o) => o.type === "report")!;
    expect(report.labels).to.deep.equal(['circl:incident-classification="malware"', 'ms-caro-malware:malware-type="Ransom"', 'malware_classification:malware-category="Ransomware"']);
    expect(report.object_marking_refs).to.deep.equal(["marking-definition--94868c89-83c2-464b-929b-a1a8aa3c8487"]);
    expect((report.external_references as Json[]).map((r) => r.url ?? r.external_id)).to.deep.equal([
      "57c4445b-c548-4654-af0b-4be3950d210f",
      "https://www.virustotal.com/file/b3c4ae251f8094fa15b510051835c657eaef2a6cea46075d3aec964b14a99f68/analysis/1469554268/",
      "http://www.xylibox.com/2011/06/have-fun-with-trojan-ransomwin32xorist.html",
    ]);
    // An unpublished event is a grouping; an attribute not for detection is observed data, not an indicator.
    const random = mispToStix(await read("misp_event.json"), options);
    expect(random.objects.map((o) => o.type).sort()).to.deep.equal(["grouping", "identity", "note", "observed-data"]);
    expect(random.events[0]!.fates).to.deep.equal({ "observed-data": 1, note: 1 });
  });

  it("reads galaxies into actors, malware and techniques, tags into labels, and sightings of what is for detection", async function () {
    const ursnif = mispToStix(await read("sighting_1.json"), options);
    const malware = ursnif.objects.find((o) => o.type === "malware")!;
    expect(malware).to.deep.include({ name: "Gozi", is_family: true, aliases: ["Ursnif", "CRM", "Snifula", "Papras"] });
    expect(ursnif.objects.find((o) => o.type === "report")!.object_refs).to.include(malware.id);
    expect(ursnif.sightings[0]).to.deep.equal({ value: "ooiasjdnqjwbeasdasd.com", type: "domain", kind: "sighting", observedAt: 1551253950000 });
    expect(ursnif.sightings.filter((s) => s.kind === "false-positive").map((s) => s.value)).to.include("eqowiesajenqweasd.com");

    const rich = mispToStix(richEvent, options);
    const { validate } = await stixValidator();
    for (const object of rich.objects) expect(validate(object), JSON.stringify(object).slice(0, 300)).to.deep.equal([]);
    expect(rich.events[0]!.fates).to.deep.equal({ indicator: 6, note: 1, reference: 1, "observed-data": 3, vulnerability: 1, rule: 1, "left out": 1 });
    expect(rich.events[0]!.leftOut).to.deep.equal([{ source: "a0000000-0000-4000-8000-000000000009", type: "domain", reason: "deleted in MISP" }]);
    const byName = (type: string) => rich.objects.filter((o) => o.type === type);
    expect(byName("threat-actor")[0]).to.deep.include({ name: "Sofacy", aliases: ["APT28", "Fancy Bear"] });
    const technique = byName("attack-pattern")[0]!;
    expect(technique.external_references).to.deep.include({ source_name: "mitre-attack", external_id: "T1566" });
    // The technique named by one attribute is tied to that attribute's indicator.
    const phishing = byName("indicator").find((o) => o.pattern === "[domain-name:value = 'login-grid.example']")!;
    expect(byName("relationship").map((r) => [r.source_ref, r.relationship_type, r.target_ref])).to.deep.include([phishing.id, "indicates", technique.id]);
    // TLP from the tag, PAP as a marking and a label, the rest as labels (underscores kept).
    expect(phishing.object_marking_refs).to.deep.equal(["marking-definition--55d920b0-5e8b-4f79-9ee9-91f868d9b421", "marking-definition--60f8932b-e51e-4458-b265-a2e8be9a80ab"]);
    expect(phishing.labels).to.include.members(["PAP:AMBER", 'admiralty-scale:source-reliability="b"', "for_intelmq_processing", 'misp-galaxy:mitre-attack-pattern="Phishing - T1566"']);
    expect(byName("indicator").map((o) => o.pattern)).to.include.members([
      "[ipv4-addr:value = '198.51.100.23'] AND [network-traffic:dst_port = 8443]",
      `[file:hashes.'SHA-512' = '${"ab".repeat(64)}']`,
      `[file:name = 'invoice.js' AND file:hashes.'SHA-256' = '${"cd".repeat(32)}']`,
      "[mutex:name = 'Global\\\\gridmutex']",
    ]);
    expect(byName("indicator").find((o) => o.pattern_type === "yara")!.name).to.equal("yara rule grid_dropper");
    expect(byName("vulnerability")[0]!.external_references).to.deep.equal([{ source_name: "cve", external_id: "CVE-2026-1234" }]);
    // A MISP object none of whose attributes is for detection is observed data holding its observables.
    const domainIp = byName("observed-data").find((o) => (o.x_misp_object as Json | undefined)?.name === "domain-ip")!;
    expect(Object.values(domainIp.objects as Record<string, Json>).map((o) => [o.type, o.value])).to.deep.equal([
      ["domain-name", "context.example"],
      ["ipv4-addr", "203.0.113.9"],
    ]);
    // Asked, attributes not for detection become indicators too.
    expect(mispToStix(richEvent, { ...options, includeNonIds: true }).events[0]!.fates).to.deep.include({ indicator: 9 });
  });

  it("leaves off tags the taxonomies refuse, with the reason, and refuses what is not an event", function () {
    const result = mispToStix({ Event: { uuid: "9d3b1f4e-2c1a-4b7e-9f00-1a2b3c4d5e60", info: "x", Tag: [{ name: "PAP:PURPLE" }, { name: "<b>bold</b>" }], Attribute: [] } }, { ...options, checkTag: (tag) => (tag === "PAP:PURPLE" ? "PAP has no PURPLE" : undefined) });
    expect(result.warnings.join("\n")).to.include("PAP:PURPLE left off: PAP has no PURPLE").and.include("<b>bold</b>");
    expect(result.objects.find((o) => o.type === "grouping")!.labels).to.equal(undefined);
    expect(mispToStix([42, "x"], options).skipped.map((s) => s.reason)).to.deep.equal(["not a MISP event", "not a MISP event"]);
  });

  it("writes patterns whose values read back, quotes escaped, one observation per object type", function () {
    expect(patternOf([{ object: "file", path: "name", value: "it's\\here" }])).to.equal("[file:name = 'it\\'s\\\\here']");
    expect(patternOf([{ object: "domain-name", path: "value", value: "a.example" }, { object: "ipv4-addr", path: "value", value: "198.51.100.1" }])).to.equal("[domain-name:value = 'a.example'] AND [ipv4-addr:value = '198.51.100.1']");
  });
});

describe("MISP feed export (interop/misp-feed.ts)", function () {
  function record(producer: string, type: "domain" | "sha256", value: string, tlp = "GREEN"): IndicatorRecord {
    return mergeIndicator(undefined, buildIndicator({ type, value, tlp, group: tlp === "AMBER" ? 2 : undefined, validUntil: now + 86_400_000 }, { producer, now }), { sequence: 1, index: 0 }, now);
  }

  it("writes manifest.json, one event per producer and TLP for loose indicators, and hashes.csv, deterministically", function () {
    const records = [record("acme-bank", "domain", "evil.example"), record("acme-bank", "sha256", "ab".repeat(32), "AMBER"), record("north-cert", "domain", "bad.example")];
    const files = mispFeed(records, new Map(), now);
    const manifest = JSON.parse(files["manifest.json"]!) as Record<string, { info: string; Orgc: { name: string }; Tag: Array<{ name: string }> }>;
    const uuids = Object.keys(manifest);
    expect(uuids).to.have.length(3);
    expect(Object.keys(files).sort()).to.deep.equal([...uuids.map((u) => `${u}.json`), "hashes.csv", "manifest.json"].sort());
    for (const uuid of uuids) {
      const event = JSON.parse(files[`${uuid}.json`]!).Event;
      expect(event.uuid).to.equal(uuid);
      expect(event.Orgc.name).to.equal(manifest[uuid]!.Orgc.name);
      expect(event.Tag[0].name).to.match(/^tlp:(green|amber)$/);
      for (const a of event.Attribute) expect(files["hashes.csv"]).to.include(`${createHash("md5").update(a.value).digest("hex")},${uuid}`);
    }
    expect(mispFeed(records, new Map(), now)).to.deep.equal(files);
  });

  it("round-trips an event: MISP in, STIX objects, feed out keeps attributes, objects, tags and galaxies", async function () {
    for (const source of [richEvent, await read("sighting_1.json"), await read("57c4445b-c548-4654-af0b-4be3950d210f.json")]) {
      const original = source.Event as Json;
      const { objects } = mispToStix(source, options);
      // Canonical JSON as stored: what the feed reads is what the exchange holds.
      const stored = objects.map((o) => JSON.parse(JSON.stringify(o)) as StixJson);
      const files = mispFeed([], new Map(), now, stored);
      const back = JSON.parse(files[`${String(original.uuid)}.json`]!).Event as Json;
      expect(back.info).to.equal(original.info);
      expect(attributesOf(back)).to.deep.equal(attributesOf(original));
      expect(((back.Object as Json[] | undefined) ?? []).map((o) => [o.uuid, o.name])).to.deep.equal(((original.Object as Json[] | undefined) ?? []).map((o) => [o.uuid, o.name]));
      const tags = (e: Json) => ((e.Tag as Json[]) ?? []).map((t) => String(t.name).toLowerCase()).filter((t) => !t.startsWith("tlp:")).sort();
      expect(tags(back)).to.deep.equal(tags(original));
      const tlp = (e: Json) => ((e.Tag as Json[]) ?? []).map((t) => String(t.name).toLowerCase().replace("tlp:white", "tlp:clear")).find((t) => t.startsWith("tlp:")) ?? "tlp:green";
      expect(tlp(back)).to.equal(tlp(original));
      const clusters = (e: Json) => ((e.Galaxy as Json[]) ?? []).flatMap((g) => (g.GalaxyCluster as Json[]).map((c) => `${String(c.type)}=${String(c.value)}`)).sort();
      expect(clusters(back)).to.include.members(clusters(original));
      // Attribute tags too.
      const attributeTags = (e: Json) => ((e.Attribute as Json[]) ?? []).filter((a) => a.deleted !== true).map((a) => ((a.Tag as Json[]) ?? []).map((t) => t.name).sort());
      expect(attributeTags(back)).to.deep.equal(attributeTags(original));
    }
  });

  it("writes a STIX report from elsewhere as an event: its indicators' values, notes and actors", function () {
    const marking = ["marking-definition--bab4a63c-aed9-4cf5-a766-dfca5abac2bb"];
    const t = "2026-11-01T00:00:00.000Z";
    const objects: StixJson[] = [
      { type: "indicator", spec_version: "2.1", id: "indicator--0f8c1c8e-8c0f-4b5e-9c1a-000000000001", created: t, modified: t, pattern: "[domain-name:value = 'c2.example']", pattern_type: "stix", valid_from: t, object_marking_refs: marking },
      { type: "threat-actor", spec_version: "2.1", id: "threat-actor--0f8c1c8e-8c0f-4b5e-9c1a-000000000002", created: t, modified: t, name: "Grid Bear", object_marking_refs: marking },
      { type: "report", spec_version: "2.1", id: "report--0f8c1c8e-8c0f-4b5e-9c1a-000000000003", created: t, modified: t, published: t, name: "Grid Bear returns", object_refs: ["indicator--0f8c1c8e-8c0f-4b5e-9c1a-000000000001", "threat-actor--0f8c1c8e-8c0f-4b5e-9c1a-000000000002"], object_marking_refs: marking },
    ];
    const files = mispFeed([record("acme-bank", "domain", "c2.example"), record("acme-bank", "domain", "other.example")], new Map(), now, objects);
    const events = Object.keys(JSON.parse(files["manifest.json"]!)).map((uuid) => JSON.parse(files[`${uuid}.json`]!).Event as Json);
    const report = events.find((e) => e.info === "Grid Bear returns")!;
    expect((report.Attribute as Json[]).map((a) => [a.type, a.value])).to.deep.equal([["domain", "c2.example"]]);
    expect((report.Tag as Json[]).map((x) => x.name)).to.deep.equal(["tlp:green", 'misp-galaxy:threat-actor="Grid Bear"']);
    // The value the report holds is not written twice; the other one goes into the producer's event.
    const loose = events.find((e) => String(e.info).startsWith("CTI exchange"))!;
    expect((loose.Attribute as Json[]).map((a) => a.value)).to.deep.equal(["other.example"]);
  });
});
