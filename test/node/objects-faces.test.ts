import { expect } from "chai";
import { readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { gzipSync } from "node:zlib";
import { execFile } from "node:child_process";
import { promisify } from "node:util";
import { collectionId, TAXII_MEDIA_TYPE } from "../../node/src/api/taxii-routes.js";
import type { StixImportReport } from "../../node/src/interop/importer.js";
import { TLP2_MARKINGS } from "../../node/src/model/stix-object.js";
import { DEFAULT_SCRUB_POLICY } from "../../node/src/privacy/scrubber.js";
import { cti } from "../helpers/cli.js";
import { removeDir, startSoloNode, tempDir } from "../helpers/nodes.js";
import { SHARED_DATA } from "../helpers/shared-data.js";
import { stixValidator } from "../helpers/stix-schemas.js";

const CAMPAIGN = "campaign--b549a58c-afd9-4847-85c3-5be13d56d3cc";
const MALWARE = "malware--fdd60b30-b67c-41e3-b0b9-f01faf20d111";
const COA = "course-of-action--8e2e2d2b-17d4-4cbf-938f-98ee46b3cd3f";

interface Listed {
  objects: Array<{ id: string; type: string; name: string; version: string; revoked: boolean }>;
  next?: string;
}

/**
 * STIX objects through a real node's faces: the HTTP API (list, search, one object, its versions,
 * the graph, publish, revoke), the real CLI (publish --stix from a .json.gz, objects, show,
 * graph, revoke), and TAXII (every type, the match filters, a limit beyond the page, writes).
 */
describe("STIX objects through a real node's API, CLI and TAXII", function () {
  this.timeout(180_000);
  let solo: Awaited<ReturnType<typeof startSoloNode>>;
  let url: string;
  let dir: string;
  const READ = "reader-token-0123456789";
  const WRITE = "writer-token-0123456789";
  const taxii = (token: string) => ({ authorization: `Bearer ${token}`, accept: TAXII_MEDIA_TYPE });

  before(async function () {
    solo = await startSoloNode("faces-org", {
      privacy: { scrub: { ...DEFAULT_SCRUB_POLICY, dropNonRoutable: false } },
      taxii: {
        credentials: [
          { name: "reader", audience: "clients", token: READ },
          { name: "writer", audience: "internal", token: WRITE, canWrite: true },
        ],
      },
    });
    url = solo.url;
    dir = await tempDir("faces");
  });

  after(async function () {
    await solo?.stop();
    await removeDir(dir);
  });

  const get = async <T>(path: string) => {
    const response = await fetch(`${url}${path}`);
    return { status: response.status, body: (await response.json()) as T };
  };

  it("publishes a bundle with the CLI from a .json.gz, and the report names every object's fate", async function () {
    const bundle = await readFile(join(SHARED_DATA, "stix2/examples/indicators-for-C2-with-COA.json"));
    const file = join(dir, "coa.json.gz");
    await writeFile(file, gzipSync(bundle));
    const ran = await cti(["publish", "--stix", file, "--api", url, "--json"]);
    expect(ran.code, ran.stderr).to.equal(0);
    const report = JSON.parse(ran.stdout) as StixImportReport;
    expect(report.refused).to.deep.equal([]);
    expect(report.byType).to.deep.equal({ identity: 1, malware: 1, indicator: 2, "course-of-action": 1, relationship: 3 });
    expect(report.prepared.TLP_MARKING_ADDED).to.equal(8);
    expect(ran.stderr).to.match(/published 8 objects/);
  });

  it("lists, filters and searches objects, with paging", async function () {
    await fetch(`${url}/objects?tlp=GREEN`, { method: "POST", headers: { "content-type": "application/json" }, body: await readFile(join(SHARED_DATA, "stix2/examples/indicator-to-campaign-relationship.json"), "utf8") });
    const all = await get<Listed>("/objects?audience=internal&limit=1000");
    expect(all.body.objects.length).to.equal(11);
    const malware = await get<Listed>("/objects?audience=internal&type=malware");
    expect(malware.body.objects.map((o) => o.id)).to.deep.equal([MALWARE]);
    // The search reads names, case-insensitive: the malware and the indicator of its C2 say Poison Ivy.
    const searched = await get<Listed>("/objects?audience=internal&q=POISON");
    expect(searched.body.objects.map((o) => o.id)).to.deep.equal(["indicator--a932fcc6-e032-476c-826f-cb970a5a1ade", MALWARE]);
    expect((await get<Listed>("/objects?audience=internal&q=POISON&type=malware")).body.objects.map((o) => o.id)).to.deep.equal([MALWARE]);
    const first = await get<Listed>("/objects?audience=internal&limit=4");
    expect(first.body.objects.length).to.equal(4);
    const second = await get<Listed>(`/objects?audience=internal&limit=100&after=${first.body.next}`);
    expect([...first.body.objects, ...second.body.objects].map((o) => o.id)).to.deep.equal(all.body.objects.map((o) => o.id));
    expect((await get("/objects?audience=everyone")).status).to.equal(400);
    expect((await get("/objects?audience=internal&after=not-an-id")).status).to.equal(400);
  });

  it("shows one object with its versions, and a new version from its owner replaces it", async function () {
    const first = await get<{ summary: { version: string }; object: Record<string, unknown>; versions: Array<{ version: string }> }>(`/objects/${MALWARE}?audience=internal`);
    expect(first.status).to.equal(200);
    const next = { ...first.body.object, modified: "2026-11-02T00:00:00.000Z", description: "Poison Ivy, updated" };
    const published = (await (await fetch(`${url}/objects`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(next) })).json()) as StixImportReport;
    expect(published.objects).to.equal(1);
    const after = await get<{ summary: { version: string }; object: { description: string }; versions: Array<{ version: string }> }>(`/objects/${MALWARE}?audience=internal`);
    expect(after.body.summary.version).to.equal("2026-11-02T00:00:00.000Z");
    expect(after.body.object.description).to.equal("Poison Ivy, updated");
    expect(after.body.versions.map((v) => v.version)).to.deep.equal([first.body.summary.version, "2026-11-02T00:00:00.000Z"]);
    expect((await get(`/objects/malware--00000000-0000-4000-8000-000000000000?audience=internal`)).status).to.equal(404);
  });

  it("links an indicator object and the indicator its pattern names, both ways", async function () {
    const hash = "ef537f25c895bfa782526529a9b63d97aa631564d5d789c2b765448c8635fb6c";
    const lookup = await get<{ matches: Array<{ id: string }> }>(`/indicators/lookup?value=${hash}&audience=internal`);
    const recordId = lookup.body.matches[0]!.id;
    const detail = await get<{ objects: Array<{ id: string }> }>(`/indicators/${recordId}/detail?audience=internal`);
    expect(detail.body.objects.map((o) => o.id)).to.deep.equal(["indicator--a932fcc6-e032-476c-826f-cb970a5a1ade"]);
    const object = await get<{ linkedIndicators: string[] }>("/objects/indicator--a932fcc6-e032-476c-826f-cb970a5a1ade?audience=internal");
    expect(object.body.linkedIndicators).to.deep.equal([recordId]);
  });

  it("walks the graph around an object, depth by depth, through the CLI too", async function () {
    const one = await get<{ nodes: Array<{ id: string; distance: number }>; edges: Array<{ from: string; to: string; label: string }> }>(`/objects/${MALWARE}/graph?audience=internal&depth=1`);
    expect(one.status).to.equal(200);
    const labels = one.body.edges.map((e) => e.label).sort();
    expect(labels).to.deep.equal(["indicates", "indicates", "mitigates"]);
    expect(one.body.nodes.find((n) => n.id === COA)?.distance).to.equal(1);
    const ran = await cti(["graph", MALWARE, "--depth", "2", "--api", url, "--json"]);
    expect(ran.code, ran.stderr).to.equal(0);
    const two = JSON.parse(ran.stdout) as { nodes: Array<{ id: string; distance: number }> };
    expect(two.nodes.length).to.be.at.least(one.body.nodes.length);
    expect((await cti(["graph", "nope", "--api", url])).code).to.not.equal(0);
    const shown = await cti(["show", MALWARE, "--api", url, "--json"]);
    expect(JSON.parse(shown.stdout).object.name).to.equal("Poison Ivy");
  });

  it("serves every object type over TAXII with match[type], match[id], match[version] and match[spec_version]", async function () {
    const collection = `/taxii2/api/collections/${collectionId("clients")}`;
    const page = async (query: string) => {
      const response = await fetch(`${url}${collection}/objects/?${query}`, { headers: taxii(READ) });
      expect(response.status, query).to.equal(200);
      return (await response.json()) as { objects: Array<{ id: string; type: string; modified?: string }>; more: boolean; next?: string };
    };
    const types = new Set((await page("limit=1000")).objects.map((o) => o.type));
    for (const type of ["malware", "course-of-action", "relationship", "campaign", "identity", "indicator"]) expect(types.has(type), type).to.equal(true);
    expect((await page("match[type]=malware")).objects.map((o) => o.id)).to.deep.equal([MALWARE]);
    expect((await page(`match[id]=${MALWARE}&match[version]=all`)).objects.map((o) => o.modified)).to.deep.equal(["2017-01-27T13:49:53.997Z", "2026-11-02T00:00:00.000Z"]);
    expect((await page(`match[id]=${MALWARE}&match[version]=first`)).objects.map((o) => o.modified)).to.deep.equal(["2017-01-27T13:49:53.997Z"]);
    expect((await page(`match[id]=${MALWARE}`)).objects.map((o) => o.modified)).to.deep.equal(["2026-11-02T00:00:00.000Z"]);
    expect((await page(`match[id]=${MALWARE}&match[version]=2017-01-27T13:49:53.997Z`)).objects.length).to.equal(1);
    expect((await page("match[spec_version]=2.0")).objects).to.deep.equal([]);
    // A limit beyond the server's page is a full page, not a 400.
    const big = await page("limit=5000");
    expect(big.objects.length).to.be.greaterThan(10);
    const paged = await page("limit=3");
    expect(paged.objects.length).to.equal(3);
    expect(paged.more).to.equal(true);
    let all = [...paged.objects];
    let next = paged.next;
    while (next) {
      const more = await page(`limit=3&next=${next}`);
      all = [...all, ...more.objects];
      next = more.more ? more.next : undefined;
    }
    expect(all.map((o) => `${o.id}@${o.modified ?? ""}`).sort()).to.deep.equal(big.objects.map((o) => `${o.id}@${o.modified ?? ""}`).sort());
    const versions = (await (await fetch(`${url}${collection}/objects/${MALWARE}/versions/`, { headers: taxii(READ) })).json()) as { versions: string[] };
    expect(versions.versions).to.deep.equal(["2017-01-27T13:49:53.997Z", "2026-11-02T00:00:00.000Z"]);
    const { validate } = await stixValidator();
    for (const object of big.objects) expect(validate(object as Record<string, unknown>), object.id).to.deep.equal([]);
  });

  it("takes objects from a TAXII credential that may write, through the publish path, and not from one that may not", async function () {
    const collection = `/taxii2/api/collections/${collectionId("internal")}`;
    const envelope = {
      objects: [
        { type: "threat-actor", spec_version: "2.1", id: "threat-actor--6d179234-61fc-40d4-ae86-3d53308d8e65", created: "2026-11-01T00:00:00.000Z", modified: "2026-11-01T00:00:00.000Z", name: "Wave Spider", object_marking_refs: [TLP2_MARKINGS.GREEN] },
        { type: "threat-actor", id: "not-an-id" },
      ],
    };
    const post = (token: string) => fetch(`${url}${collection}/objects/`, { method: "POST", headers: { ...taxii(token), "content-type": TAXII_MEDIA_TYPE }, body: JSON.stringify(envelope) });
    const refused = await fetch(`${url}/taxii2/api/collections/${collectionId("clients")}/objects/`, { method: "POST", headers: { ...taxii(READ), "content-type": TAXII_MEDIA_TYPE }, body: JSON.stringify(envelope) });
    expect(refused.status).to.equal(403);
    const written = await post(WRITE);
    expect(written.status).to.equal(202);
    const status = (await written.json()) as { id: string; status: string; success_count: number; failure_count: number; failures: Array<{ id: string }> };
    expect(status).to.include({ status: "complete", success_count: 1, failure_count: 1 });
    expect(status.failures[0]!.id).to.equal("not-an-id");
    const polled = await fetch(`${url}/taxii2/api/status/${status.id}/`, { headers: taxii(WRITE) });
    expect(((await polled.json()) as { id: string }).id).to.equal(status.id);
    expect((await fetch(`${url}/taxii2/api/status/${status.id}/`, { headers: taxii(READ) })).status).to.equal(404);
    expect((await get<{ object: { name: string } }>("/objects/threat-actor--6d179234-61fc-40d4-ae86-3d53308d8e65?audience=internal")).body.object.name).to.equal("Wave Spider");
  });

  it("revokes an object through the CLI: it leaves lists, exports and TAXII, and its owner alone may", async function () {
    const ran = await cti(["revoke", CAMPAIGN, "--api", url, "--json"]);
    expect(ran.code, ran.stdout + ran.stderr).to.equal(0);
    expect((await get<Listed>("/objects?audience=internal&type=campaign")).body.objects).to.deep.equal([]);
    expect((await get<Listed>("/objects?audience=internal&type=campaign&revoked=true")).body.objects.map((o) => o.revoked)).to.deep.equal([true]);
    const bundle = await (await fetch(`${url}/exports/stix/bundle?audience=internal`)).text();
    expect(bundle).to.not.include(CAMPAIGN);
    const taxiiPage = await (await fetch(`${url}/taxii2/api/collections/${collectionId("internal")}/objects/?match[type]=campaign`, { headers: taxii(WRITE) })).json();
    expect((taxiiPage as { objects: unknown[] }).objects).to.deep.equal([]);
    const again = await cti(["revoke", CAMPAIGN, "--api", url, "--json"]);
    expect(again.code).to.not.equal(0);
    expect(JSON.parse(again.stdout).error).to.equal("ALREADY_REVOKED");
  });

  it("shares detection rules as objects, finds them by tag, and writes them to checked rule files with the CLI: yara compiles and matches what is written, a broken rule is reported with its line", async function () {
    const rule = (n: number, patternType: string, pattern: string) => ({
      type: "indicator",
      spec_version: "2.1",
      id: `indicator--0e1d2c3b-4a59-4687-9a0b-${String(n).padStart(12, "0")}`,
      created: "2026-12-01T00:00:00.000Z",
      modified: "2026-12-01T00:00:00.000Z",
      name: `grid rule ${n}`,
      pattern,
      pattern_type: patternType,
      valid_from: "2026-12-01T00:00:00.000Z",
      labels: ["grid-campaign", "PAP:GREEN"],
      object_marking_refs: [TLP2_MARKINGS.GREEN],
    });
    const good = 'rule grid_stage2\n{\n  strings:\n    $a = "gridload-stage2"\n  condition:\n    $a\n}';
    const bundle = {
      type: "bundle",
      id: "bundle--0e1d2c3b-4a59-4687-9a0b-000000000000",
      objects: [rule(1, "yara", good), rule(2, "yara", good.replace("grid_stage2", "grid_broken").replace("    $a\n}", "    $b\n}")), rule(3, "suricata", 'alert dns any any -> any any (msg:"grid C2"; dns.query; content:"grid-c2.example"; sid:9800301; rev:1;)')],
    };
    const published = await fetch(`${url}/objects`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(bundle) });
    expect(published.status).to.equal(200);
    const tagged = await get<Listed>(`/objects?audience=internal&tag=grid-campaign`);
    expect(tagged.body.objects.map((o) => o.name).sort()).to.deep.equal(["grid rule 1", "grid rule 2", "grid rule 3"]);
    expect((await get<Listed>(`/objects?audience=internal&tag=${encodeURIComponent("pap:*")}`)).body.objects).to.have.length(3);

    const out = join(dir, "rules");
    const ran = await cti(["export", "rules", "--out", out, "--api", url]);
    expect(ran.code, ran.stderr).to.equal(0);
    expect(ran.stderr).to.include("left out yara rule indicator--0e1d2c3b-4a59-4687-9a0b-000000000002 (line 7): undefined string \"$b\"");
    expect(await readFile(join(out, "cti-suricata.rules"), "utf8")).to.include("sid:9800301");
    await writeFile(join(dir, "sample.bin"), "..gridload-stage2..");
    const { stdout } = await promisify(execFile)("yara", [join(out, "cti-rules.yar"), join(dir, "sample.bin")]);
    expect(stdout.trim()).to.equal(`grid_stage2 ${join(dir, "sample.bin")}`);
  });
});
