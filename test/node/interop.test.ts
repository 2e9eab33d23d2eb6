import { expect } from "chai";
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { mispToStix } from "../../node/src/interop/misp-stix.js";
import { importStix } from "../../node/src/interop/stix.js";
import type { MispImportReport, StixImportReport } from "../../node/src/interop/importer.js";
import type { CtiNode } from "../../node/src/node.js";
import { startSoloNode } from "../helpers/nodes.js";
import { stixValidator } from "../helpers/stix-schemas.js";
import { SHARED_DATA } from "../helpers/shared-data.js";

const SHARED = SHARED_DATA;

/** STIX and MISP through a real node's API: import, publish, and export again. */
describe("standards through a real node", function () {
  this.timeout(120_000);
  let solo: Awaited<ReturnType<typeof startSoloNode>>;
  let node: CtiNode;
  let url: string;

  before(async function () {
    // The examples use private addresses (10.0.0.0): a lab node keeps them, as its policy says; MISP's list of public resolvers names example.com, which the examples use.
    solo = await startSoloNode("std-org", { privacy: { scrub: { dropNonRoutable: false }, warningLists: { disabled: ["rfc1918", "public-dns-hostname"] } } });
    ({ node, url } = solo);
  });

  after(async function () {
    await solo?.stop();
  });

  const post = async (path: string, body: unknown) => (await fetch(`${url}${path}`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(body) })).json();
  const files = async (format: string, audience = "internal") => ((await (await fetch(`${url}/exports/${format}?audience=${audience}`)).json()) as { files: Record<string, string> }).files;

  it("imports every STIX example whole, reporting what it leaves out, and exports the whole graph as schema-valid STIX", async function () {
    let indicators = 0;
    const imported = new Set<string>();
    for (const name of ["indicators-for-C2-with-COA.json", "infrastructure.json", "malicious-email-indicator-with-attachment.json", "indicator-for-c2-ip-address.json"]) {
      const bundle = JSON.parse(await readFile(join(SHARED, "stix2/examples", name), "utf8"));
      const report = (await post("/import/stix", bundle)) as StixImportReport;
      expect(report.refused, name).to.deep.equal([]);
      // Every object but the TLP marking definitions themselves, which every node knows.
      const kept = (bundle.objects as Array<{ id: string; type: string }>).filter((o) => o.type !== "marking-definition");
      expect(report.objects, name).to.equal(kept.length);
      for (const s of report.skipped) expect(s.reason).to.be.a("string");
      for (const o of kept) imported.add(o.id);
      expect(report.indicators.reasons, name).to.deep.equal({});
      indicators += report.indicators.published;
    }
    expect(indicators).to.equal(5);
    const bundle = JSON.parse((await files("stix"))["cti-stix-bundle.json"]!);
    const { validate } = await stixValidator();
    for (const object of [bundle, ...bundle.objects]) expect(validate(object), JSON.stringify(object)).to.deep.equal([]);
    const exported = new Set((bundle.objects as Array<{ id: string }>).map((o) => o.id));
    for (const id of imported) expect(exported.has(id), id).to.equal(true);
    expect(exported.size).to.equal(bundle.objects.length);
    const again = importStix(bundle, { defaultTlp: "RED" });
    // The 2016 examples' indicators are valid from 2016: stored, but expired, so in no feed (their objects are exported as shared).
    const fromRecords = again.inputs.filter((i) => !imported.has(i.source)).map((i) => `${String(i.type)}:${String(i.value)}`);
    expect(fromRecords.sort()).to.deep.equal(["domain:example.com", "ipv4:198.51.100.3"]);
    const [old] = await node.trust.scored(await node.lookup("ef537f25c895bfa782526529a9b63d97aa631564d5d789c2b765448c8635fb6c"), { kind: "internal" });
    expect(old!.score.expired).to.equal(true);
  });

  it("imports MISP events whole (objects, galaxies, tags, sightings), says what each attribute became, and writes them back as the same events", async function () {
    type Json = Record<string, unknown>;
    const attributes = (event: Json) =>
      new Map(
        [...((event.Attribute as Json[]) ?? []), ...((event.Object as Json[]) ?? []).flatMap((o) => (o.Attribute as Json[]) ?? [])]
          .filter((a) => a.deleted !== true)
          .map((a) => [a.uuid, [a.type, a.value, a.category, a.to_ids]]),
      );
    for (const name of ["sighting_1.json", "57c4445b-c548-4654-af0b-4be3950d210f.json"]) {
      const document = JSON.parse(await readFile(join(SHARED, "misp", name), "utf8"));
      const report = (await post("/import/misp", document)) as MispImportReport;
      expect(report.refused, name).to.deep.equal([]);
      expect(report.events, name).to.have.length(1);
      const [event] = report.events;
      // Every attribute accounted for: what it became, or why it was left out.
      const accounted = Object.values(event!.fates).reduce((n, k) => n + (k ?? 0), 0);
      expect(accounted, name).to.equal(event!.attributes);
      if (name === "sighting_1.json") {
        expect(event!.fates).to.deep.equal({ indicator: 5 });
        expect(report.indicators.published).to.equal(5);
        expect(report.sightings).to.equal(mispToStix(document, { defaultTlp: "GREEN", now: node.now() }).sightings.length);
        const [record] = await node.lookup("ooiasjdnqjwbeasdasd.com");
        expect((await node.trust.sightingsOf(record!.id)).byOrg["std-org"]!.sighting).to.equal(1);
        // The galaxy's family reached the indicator: detectors' feeds name it.
        expect(record!.labels.malwareFamilies).to.deep.equal(["gozi"]);
        expect((await node.intel.list({ type: "malware", limit: 10 }, { kind: "internal" })).objects.map((o) => o.name)).to.include("Gozi");
      } else {
        expect(event!.fates).to.deep.equal({ reference: 2, note: 2, indicator: 5 });
      }
    }
    const feed = await files("misp-feed");
    for (const name of ["sighting_1.json", "57c4445b-c548-4654-af0b-4be3950d210f.json"]) {
      const original = JSON.parse(await readFile(join(SHARED, "misp", name), "utf8")).Event as Json;
      const back = JSON.parse(feed[`${String(original.uuid)}.json`]!).Event as Json;
      expect(back.info).to.equal(original.info);
      expect(attributes(back), name).to.deep.equal(attributes(original));
      const tags = (e: Json) => ((e.Tag as Json[]) ?? []).map((t) => String(t.name).toLowerCase()).filter((t) => !t.startsWith("tlp:")).sort();
      expect(tags(back), name).to.deep.equal(tags(original));
    }
    const ursnif = JSON.parse(feed["5b646415-7b48-40d5-86b4-c0070acd0835.json"]!).Event as Json;
    expect((ursnif.Galaxy as Json[]).flatMap((g) => (g.GalaxyCluster as Json[]).map((c) => c.value))).to.deep.equal(["Gozi"]);
    // The values those events hold are not written a second time into a per-producer event.
    const loose = Object.keys(JSON.parse(feed["manifest.json"]!)).map((uuid) => JSON.parse(feed[`${uuid}.json`]!).Event as Json).filter((e) => String(e.info).startsWith("CTI exchange"));
    for (const e of loose) for (const a of (e.Attribute as Json[]) ?? []) expect(a.value).to.not.equal("ooiasjdnqjwbeasdasd.com");
    expect(feed["hashes.csv"]).to.include(",5b646415-7b48-40d5-86b4-c0070acd0835");
  });

  it("keeps AMBER+STRICT and RED out of every export meant for clients", async function () {
    const group = await node.createGroup("strict", []);
    await node.publish([
      { type: "domain", value: "strict-only.example", tlp: "AMBER+STRICT", group },
      { type: "domain", value: "red-only.example", tlp: "RED" },
      { type: "domain", value: "amber-ok.example", tlp: "AMBER", group },
    ]);
    for (const format of ["zeek", "suricata", "csv", "lists", "stix", "misp-feed"]) {
      const internal = JSON.stringify(await files(format, "internal"));
      const forClients = JSON.stringify(await files(format, "clients"));
      const encoded = (v: string) => (format === "suricata" ? Buffer.from(v).toString("base64") : v);
      expect(internal, format).to.include(encoded("strict-only.example")).and.include(encoded("red-only.example"));
      expect(forClients, format).to.not.include(encoded("strict-only.example"));
      expect(forClients, format).to.not.include(encoded("red-only.example"));
      expect(forClients, format).to.include(encoded("amber-ok.example"));
    }
  });
});
