import { expect } from "chai";
import { cti } from "../helpers/cli.js";
import { startSoloNode } from "../helpers/nodes.js";

/**
 * Correlation in a real node: indicators and a STIX report published, linked as they arrive with
 * their reasons (GET /related, `cti related`), clusters with their statistics, and a retraction
 * that takes its links away.
 */

interface Related {
  members: Array<{ member: string; type: string; label: string; links: Array<{ member: string; kind: string; type: string; label: string; reasons: Array<{ kind: string; detail: string }> }> }>;
}

describe("correlation in a real node", function () {
  this.timeout(120_000);
  let solo: Awaited<ReturnType<typeof startSoloNode>>;

  const INDICATOR = "indicator--5e3f1c1a-8d2b-4b7a-9c1d-0a1b2c3d4e01";
  const MALWARE = "malware--5e3f1c1a-8d2b-4b7a-9c1d-0a1b2c3d4e02";
  const REPORT = "report--5e3f1c1a-8d2b-4b7a-9c1d-0a1b2c3d4e03";
  const at = "2026-12-01T00:00:00.000Z";

  before(async function () {
    solo = await startSoloNode("correlator");
    const outcomes = await solo.node.publish([
      { type: "domain", value: "evil-corr.example", confidence: 80, labels: { malwareFamilies: ["emotet"] } },
      { type: "url", value: "https://evil-corr.example/gate.php", confidence: 80 },
      { type: "domain", value: "other-corr.example", confidence: 70, labels: { malwareFamilies: ["emotet"] } },
      { type: "ipv4", value: "198.51.100.77", confidence: 70 },
      { type: "cidr", value: "198.51.100.64/26", confidence: 60 },
      { type: "ipv4", value: "198.51.100.200", confidence: 60 },
    ]);
    expect(outcomes.filter((o) => !o.ok)).to.deep.equal([]);
    const bundle = {
      type: "bundle",
      id: "bundle--5e3f1c1a-8d2b-4b7a-9c1d-0a1b2c3d4e00",
      objects: [
        { type: "indicator", spec_version: "2.1", id: INDICATOR, created: at, modified: at, name: "Emotet gate", pattern: "[url:value = 'https://evil-corr.example/gate.php']", pattern_type: "stix", valid_from: at },
        { type: "malware", spec_version: "2.1", id: MALWARE, created: at, modified: at, name: "Emotet", is_family: true },
        { type: "report", spec_version: "2.1", id: REPORT, created: at, modified: at, name: "Emotet returns", published: at, object_refs: [INDICATOR, MALWARE] },
      ],
    };
    const published = await fetch(`${solo.url}/objects`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(bundle) });
    expect(published.status, await published.clone().text()).to.be.below(300);
  });

  after(async function () {
    await solo?.stop();
  });

  const related = async (query: string) => {
    const answer = await fetch(`${solo.url}/related?${query}`);
    expect(answer.status, await answer.clone().text()).to.equal(200);
    return (await answer.json()) as Related;
  };
  const reasonsOf = (r: Related, label: string) =>
    r.members[0]!.links
      .filter((l) => l.label === label)
      .flatMap((l) => l.reasons.map((x) => `${x.kind}:${x.detail}`))
      .sort();

  it("links a domain to its URL, the same family, and the malware object; the URL to the indicator object naming it", async function () {
    const answer = await related("value=evil-corr.example&type=domain");
    expect(answer.members).to.have.length(1);
    expect(answer.members[0]!.label).to.equal("evil-corr.example");
    expect(reasonsOf(answer, "https://evil-corr.example/gate.php")).to.deep.equal(["infrastructure:evil-corr.example"]);
    expect(reasonsOf(answer, "other-corr.example")).to.deep.equal(["malware:emotet"]);
    expect(reasonsOf(answer, "Emotet")).to.deep.equal(["malware:emotet"]);
    // The indicator object names the URL: the same value. Links go both ways.
    const url = await related("value=https://evil-corr.example/gate.php");
    expect(reasonsOf(url, "Emotet gate")[0]).to.match(/^same-value:/);
    const back = await related(`object=${INDICATOR}`);
    expect(back.members[0]!.links.map((l) => l.label)).to.include("https://evil-corr.example/gate.php").and.include("Emotet returns");
  });

  it("links an address to the CIDR holding it, not to one outside it, through the CLI", async function () {
    const ran = await cti(["related", "198.51.100.77", "--api", solo.url, "--json"]);
    expect(ran.code, ran.stderr).to.equal(0);
    const answer = JSON.parse(ran.stdout) as Related;
    expect(reasonsOf(answer, "198.51.100.64/26")).to.deep.equal(["infrastructure:198.51.100.77 in 198.51.100.64/26"]);
    const outside = await related("value=198.51.100.200");
    expect(outside.members[0]!.links.map((l) => l.label)).to.not.include("198.51.100.64/26");
    const bad = await fetch(`${solo.url}/related?value=a&id=${"0".repeat(64)}`);
    expect(bad.status).to.equal(400);
  });

  it("counts the cluster: its members, links by reason and the names it carries", async function () {
    const answer = (await (await fetch(`${solo.url}/correlation/clusters?limit=5`)).json()) as { clusters: Array<{ size: number; indicators: number; objects: number; reasons: Record<string, number>; names: string[] }>; total: number };
    const biggest = answer.clusters[0]!;
    expect(biggest.size).to.equal(6);
    expect(biggest.indicators).to.equal(3);
    expect(biggest.objects).to.equal(3);
    expect(biggest.names).to.include("emotet");
    expect(biggest.reasons.malware).to.be.at.least(3);
    expect(answer.total).to.equal(2);
    const cluster = await cti(["related", `${INDICATOR}`, "--cluster", "--api", solo.url, "--json"]);
    expect((JSON.parse(cluster.stdout) as { members: unknown[] }).members).to.have.length(6);
  });

  it("takes a retracted indicator's links away", async function () {
    await solo.node.sight("other-corr.example", "expired", { type: "domain" });
    await solo.node.correlation!.settle();
    const answer = await related("value=evil-corr.example&type=domain");
    expect(answer.members[0]!.links.map((l) => l.label)).to.not.include("other-corr.example");
    const gone = await related("value=other-corr.example&type=domain");
    expect(gone.members[0]!.links).to.deep.equal([]);
  });
});
