import { expect } from "chai";
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { importMisp } from "../../node/src/interop/misp.js";
import { importStix } from "../../node/src/interop/stix.js";
import type { StixImportReport } from "../../node/src/interop/importer.js";
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
    // The examples use private addresses (10.0.0.0): a lab node keeps them, as its policy says.
    solo = await startSoloNode("std-org", { privacy: { scrub: { dropNonRoutable: false } } });
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

  it("imports a MISP event with its sightings and exports a MISP feed that reads back the same", async function () {
    const event = JSON.parse(await readFile(join(SHARED, "misp/sighting_1.json"), "utf8"));
    const report = (await post("/import/misp", event)) as { published: number; sightings: number; refused: unknown[] };
    expect(report).to.include({ published: 5, sightings: importMisp(event, { defaultTlp: "GREEN" }).sightings.length });
    const [record] = await node.lookup("ooiasjdnqjwbeasdasd.com");
    expect((await node.trust.sightingsOf(record!.id)).byOrg["std-org"]!.sighting).to.equal(1);
    const feed = await files("misp-feed");
    const manifest = JSON.parse(feed["manifest.json"]!) as Record<string, unknown>;
    const events = Object.keys(manifest).map((uuid) => JSON.parse(feed[`${uuid}.json`]!));
    const values = importMisp(events, { defaultTlp: "GREEN" }).inputs.map((i) => String(i.value));
    // The event's own sightings said three domains are false positives: quarantined, so in no feed.
    expect(values).to.include.members(["ooiasjdnqjwbeasdasd.com", "http://sistemait.it/softaculous/backup/client.rar"]);
    for (const falsePositive of ["eqowiesajenqweasd.com", "dquohwdihaewqdcas.com", "diqjwhebseqhbasdh.com"]) expect(values).to.not.include(falsePositive);
    expect(feed["hashes.csv"]!.trim().split("\n").length).to.equal(values.length);
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
