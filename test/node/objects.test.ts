import { expect } from "chai";
import { readdir, readFile } from "node:fs/promises";
import { join } from "node:path";
import { gunzipSync } from "node:zlib";
import { readStixObjects } from "../../node/src/interop/stix-objects.js";
import { currentStatement } from "../../node/src/model/object-record.js";
import { TLP2_MARKINGS, type StixJson } from "../../node/src/model/stix-object.js";
import type { CtiNode } from "../../node/src/node.js";
import { DEFAULT_SCRUB_POLICY } from "../../node/src/privacy/scrubber.js";
import { startDevnet, type Devnet } from "../../scripts/lib/devnet.js";
import { newIdentity, removeDir, startNode, waitFor } from "../helpers/nodes.js";
import { SHARED_DATA } from "../helpers/shared-data.js";
import { stixValidator } from "../helpers/stix-schemas.js";
import { CollectionReader } from "../../node/src/api/taxii-collection.js";

const INTERNAL = { kind: "internal" } as const;
const TLP_RED_1 = "marking-definition--5e57c739-391a-4eb3-b6be-7d15ca92d5ed";
const SHARE_PRIVATE = { privacy: { scrub: { ...DEFAULT_SCRUB_POLICY, dropNonRoutable: false } } };

/** Every object a node holds, as its owner's current version: id -> canonical JSON. */
async function heldObjects(node: CtiNode): Promise<Map<string, string>> {
  const out = new Map<string, string>();
  for await (const record of node.store.objects.records.all()) {
    const current = currentStatement(record)!;
    out.set(record.id, (await node.store.objects.jsonOf(record.id, current))!);
  }
  return out;
}

/**
 * STIX objects between real nodes on a real chain: the OASIS examples and MITRE ATT&CK published
 * at one partner arrive whole at the others (every object and relationship, ids and versions
 * equal, custom properties kept); an AMBER report is read only inside its group; a revocation
 * reaches every node, one that was offline included.
 */
describe("STIX objects between real nodes", function () {
  this.timeout(300_000);
  const ORGS = ["acme-bank", "north-cert", "city-hospital"] as const;
  let devnet: Devnet;
  const dirs: Record<string, string> = {};
  const nodes: Record<string, CtiNode> = {};
  let group: number;

  before(async function () {
    devnet = await startDevnet();
    for (const org of ORGS) {
      const { dataDir, identity } = await newIdentity(org);
      dirs[org] = dataDir;
      await devnet.admit(identity.public(), { displayName: org, country: "FR", sector: "finance" });
    }
    // The OASIS examples name 10.0.0.0 in their patterns: the consortium of this test shares
    // non-routable space (by default it is refused, as the unit tests show).
    for (const org of ORGS) nodes[org] = await startNode(dirs[org]!, devnet.deployment, SHARE_PRIVATE);
    await waitFor("every node meshed", () => ORGS.every((o) => nodes[o]!.gossip.topicPeers() === 2), 30_000);
    group = await nodes["acme-bank"]!.createGroup("acme-and-north", ["north-cert"]);
    await Promise.all(ORGS.map((o) => nodes[o]!.refreshChain()));
  });

  after(async function () {
    for (const node of Object.values(nodes)) await node.stop();
    await devnet?.close();
    for (const dir of Object.values(dirs)) await removeDir(dir);
  });

  it("carries every object of the OASIS examples whole, and each is schema-valid where it lands", async function () {
    const dir = join(SHARED_DATA, "stix2/examples");
    const objects: StixJson[] = [];
    for (const file of (await readdir(dir)).sort()) objects.push(...readStixObjects(JSON.parse(await readFile(join(dir, file), "utf8"))).objects);
    const unique = new Map(objects.map((o) => [`${String(o.id)} ${String(o.modified ?? "")}`, o]));
    const report = await nodes["acme-bank"]!.intel.publish([...unique.values()], { defaultTlp: "GREEN" });
    const refused = report.outcomes.filter((o) => !o.ok);
    expect(refused, JSON.stringify(refused)).to.deep.equal([]);
    const sent = await heldObjects(nodes["acme-bank"]!);
    expect(sent.size).to.equal(unique.size);
    // One example campaign is marked TLP:RED (the TLP 1.0 definition): it stays at acme-bank.
    const red = [...sent].filter(([, json]) => json.includes(TLP_RED_1)).map(([id]) => id);
    expect(red).to.deep.equal(["campaign--0c7b5b88-8ff7-4a4d-aa9d-feb398cd0061"]);
    const shared = new Map([...sent].filter(([id]) => !red.includes(id)));
    const validator = await stixValidator();
    for (const org of ["north-cert", "city-hospital"]) {
      await waitFor(`${org} to hold every object`, async () => (await heldObjects(nodes[org]!)).size === shared.size);
      const held = await heldObjects(nodes[org]!);
      expect([...held.entries()].sort()).to.deep.equal([...shared.entries()].sort());
      for (const json of held.values()) expect(validator.validate(JSON.parse(json) as Record<string, unknown>)).to.deep.equal([]);
    }
  });

  it("keeps another org's version of an object as that org's statement: only the first publisher's versions become the object", async function () {
    const id = "malware--fdd60b30-b67c-41e3-b0b9-f01faf20d111";
    const original = (await nodes["north-cert"]!.intel.get(id, INTERNAL))!;
    expect(original.summary.owner).to.equal("acme-bank");
    const theirs = { ...original.object, modified: "2026-11-29T00:00:00.000Z", description: "north-cert's view of it" };
    const outcome = (await nodes["north-cert"]!.intel.publish([theirs])).outcomes[0]!;
    expect(outcome.ok && outcome.owner).to.equal("acme-bank");
    for (const org of ORGS) {
      await waitFor(`${org} to hold north-cert's statement`, async () => ((await nodes[org]!.intel.get(id, INTERNAL))?.otherStatements.length ?? 0) === 1);
      const detail = (await nodes[org]!.intel.get(id, INTERNAL))!;
      expect(detail.summary.version, org).to.equal(original.summary.version);
      expect(detail.otherStatements.map((st) => [st.producer, st.version]), org).to.deep.equal([["north-cert", "2026-11-29T00:00:00.000Z"]]);
      expect(detail.summary.producers, org).to.deep.equal(["acme-bank", "north-cert"]);
    }
  });

  it("reads an AMBER report only inside its group; the member outside relays it unread", async function () {
    const report = {
      type: "report",
      spec_version: "2.1",
      id: "report--2f6bd58c-3d2e-4b0a-9c52-6f1e0ad4a001",
      created: "2026-11-30T10:00:00.000Z",
      modified: "2026-11-30T10:00:00.000Z",
      name: "November wave against banks",
      report_types: ["campaign"],
      published: "2026-11-30T10:00:00.000Z",
      object_refs: ["indicator--33fe3b22-0201-47cf-85d0-97c02164528d"],
      object_marking_refs: [TLP2_MARKINGS.AMBER],
    };
    const outcome = (await nodes["acme-bank"]!.intel.publish([report], { group })).outcomes[0]!;
    expect(outcome.ok, JSON.stringify(outcome)).to.equal(true);
    await waitFor("north-cert to read it", async () => (await nodes["north-cert"]!.intel.get(report.id, INTERNAL)) !== undefined);
    const relayed = nodes["city-hospital"]!.gossip.stats.relayedOnly.NOT_A_RECIPIENT;
    await waitFor("city-hospital to have relayed it", () => nodes["city-hospital"]!.gossip.stats.relayedOnly.NOT_A_RECIPIENT >= relayed && relayed > 0);
    expect(await nodes["city-hospital"]!.intel.get(report.id, INTERNAL)).to.equal(undefined);
    expect((await nodes["north-cert"]!.intel.get(report.id, { kind: "community" }))).to.equal(undefined);
    expect((await nodes["north-cert"]!.intel.get(report.id, { kind: "clients" }))?.object.name).to.equal(report.name);
  });

  it("revokes objects everywhere (out of lists, exports, TAXII and, for an indicator, the detectors' feed), at a node that was offline during the revocation too", async function () {
    const campaign = "campaign--b549a58c-afd9-4847-85c3-5be13d56d3cc";
    // A current indicator object: its pattern's value reaches every feed as an indicator of the exchange.
    const indicator = {
      type: "indicator",
      spec_version: "2.1",
      id: "indicator--0b1c2d3e-4f5a-4b6c-8d7e-9f0a1b2c3d4e",
      created: "2026-11-30T10:00:00.000Z",
      modified: "2026-11-30T10:00:00.000Z",
      name: "C2 of the November wave",
      indicator_types: ["malicious-activity"],
      pattern: "[domain-name:value = 'c2.november-wave.example'] AND [ipv4-addr:value = '198.51.100.77']",
      pattern_type: "stix",
      valid_from: new Date(Date.now() - 60_000).toISOString(),
      valid_until: new Date(Date.now() + 30 * 86_400_000).toISOString(),
      confidence: 85,
    };
    const published = await nodes["acme-bank"]!.intel.publish([indicator], { defaultTlp: "GREEN" });
    expect(published.atoms).to.deep.equal({ published: 2, refused: [] });
    const inFeed = async (org: string) => (await nodes[org]!.trust.feedAll({ kind: "internal" })).map((r) => r.value);
    for (const org of ORGS) {
      await waitFor(`${org} to feed the indicator's values`, async () => (await inFeed(org)).includes("c2.november-wave.example"));
      expect((await nodes[org]!.intel.get(indicator.id, INTERNAL))?.linkedIndicators.length, org).to.equal(2);
    }
    for (const org of ORGS) expect((await nodes[org]!.intel.get(campaign, INTERNAL))?.summary.revoked, org).to.equal(false);

    await nodes["city-hospital"]!.stop();
    for (const id of [campaign, indicator.id]) expect((await nodes["acme-bank"]!.intel.revoke(id)).outcome.ok, id).to.equal(true);
    await waitFor("north-cert to see both revoked", async () => (await nodes["north-cert"]!.intel.get(campaign, INTERNAL))?.summary.revoked === true && (await nodes["north-cert"]!.intel.get(indicator.id, INTERNAL))?.summary.revoked === true);
    await waitFor("north-cert's feed to drop the indicator's values", async () => !(await inFeed("north-cert")).includes("c2.november-wave.example"));
    nodes["city-hospital"] = await startNode(dirs["city-hospital"]!, devnet.deployment, SHARE_PRIVATE);
    await waitFor("city-hospital, restarted, to see both revoked", async () => (await nodes["city-hospital"]!.intel.get(campaign, INTERNAL))?.summary.revoked === true && (await nodes["city-hospital"]!.intel.get(indicator.id, INTERNAL))?.summary.revoked === true, 30_000);
    await waitFor("city-hospital's feed to drop the indicator's values", async () => !(await inFeed("city-hospital")).includes("c2.november-wave.example"), 30_000);
    for (const org of ["north-cert", "city-hospital"]) {
      const listed = await nodes[org]!.intel.list({ limit: 1000 }, INTERNAL);
      expect(listed.objects.map((o) => o.id), org).to.not.include.members([campaign, indicator.id]);
      const exported: string[] = [];
      for await (const page of nodes[org]!.intel.visibleObjects(INTERNAL)) exported.push(...page.map((o) => String(o.id)));
      expect(exported, org).to.not.include.members([campaign, indicator.id]);
      const taxii = await new CollectionReader(nodes[org]!).page("internal", { cursor: undefined, limit: 1000, types: undefined, ids: [campaign, indicator.id], versions: [{ kind: "all" }], specVersions: undefined });
      expect(taxii.items, org).to.deep.equal([]);
    }
  });

  it("carries MITRE ATT&CK Enterprise whole: every object and relationship, ids, versions and custom properties equal", async function () {
    const bundle = JSON.parse(gunzipSync(await readFile(join(SHARED_DATA, "attack/enterprise-attack.json.gz"))).toString("utf8"));
    const read = readStixObjects(bundle);
    expect(read.objects.length).to.equal(20_975);
    const started = Date.now();
    const report = await nodes["acme-bank"]!.intel.publish(read.objects, { defaultTlp: "CLEAR" });
    const refused = report.outcomes.filter((o) => !o.ok);
    expect(refused.slice(0, 5), JSON.stringify(refused.slice(0, 5))).to.deep.equal([]);
    const expected = new Map(read.objects.map((o) => [String(o.id), String(o.modified ?? o.created)]));
    for (const org of ["north-cert", "city-hospital"]) {
      await waitFor(`${org} to hold ATT&CK`, async () => {
        let held = 0;
        for (const [id] of expected) if (await nodes[org]!.store.objects.records.get(id)) held++;
        return held === expected.size;
      }, 120_000);
    }
    const seconds = (Date.now() - started) / 1000;
    console.log(`      ATT&CK (${expected.size} objects) published at one partner and held at three in ${seconds.toFixed(1)} s`);
    // What city-hospital exports of it is schema-valid, object by object.
    const { validate } = await stixValidator();
    let exported = 0;
    for await (const page of nodes["city-hospital"]!.intel.visibleObjects(INTERNAL)) {
      for (const object of page) {
        if (!expected.has(String(object.id))) continue;
        exported++;
        // Custom x- objects have no OASIS schema of their own.
        if (!String(object.type).startsWith("x-")) expect(validate(object), String(object.id)).to.deep.equal([]);
      }
    }
    expect(exported).to.equal(expected.size);
    const sample = ["attack-pattern--0042a9f5-f053-4769-b3ef-9ad018dfa298", "x-mitre-tactic--2558fd61-8c75-4730-94c4-11926db2a263"];
    for (const id of sample) {
      const there = await nodes["city-hospital"]!.intel.get(id, INTERNAL);
      const original = read.objects.find((o) => o.id === id)!;
      expect(there?.summary.version).to.equal(original.modified);
      for (const key of Object.keys(original)) if (key.startsWith("x_mitre_")) expect(there!.object[key], key).to.deep.equal(original[key]);
    }
  });
});
