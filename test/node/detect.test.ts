import { expect } from "chai";
import { incidentStatistics } from "../../node/src/trust/incident-statistics.js";
import { appendFile, readFile, rename, stat, writeFile } from "node:fs/promises";
import { renderDetectorFiles } from "../../node/src/detect/exporter.js";
import { join } from "node:path";
import { startApiServer } from "../../node/src/api/server.js";
import type { CtiNode } from "../../node/src/node.js";
import { startDevnet, type Devnet } from "../../scripts/lib/devnet.js";
import { newIdentity, removeDir, startNode, tempDir, waitFor } from "../helpers/nodes.js";

const FIXTURES = join(process.cwd(), "test/fixtures/logs");

/**
 * Feeding detectors with real nodes: soc-team's node follows its Zeek and Suricata logs and
 * keeps a Zeek Intel file current; intel-co publishes. Matches in the logs become alerts at
 * soc-team and sightings at intel-co.
 */
describe("detectors fed by a real node", function () {
  this.timeout(120_000);
  let devnet: Devnet;
  const dirs: Record<string, string> = {};
  const nodes: Record<string, CtiNode> = {};
  let work: string;

  before(async function () {
    devnet = await startDevnet();
    work = await tempDir("detect");
    for (const org of ["intel-co", "soc-team"]) {
      const { dataDir, identity } = await newIdentity(org);
      dirs[org] = dataDir;
      await devnet.admit(identity.public(), { displayName: org, country: "BE", sector: "energy" });
    }
    await writeFile(join(work, "dns.log"), "");
    await writeFile(join(work, "eve.json"), "");
    nodes["intel-co"] = await startNode(dirs["intel-co"]!, devnet.deployment);
    nodes["soc-team"] = await startNode(dirs["soc-team"]!, devnet.deployment, {
      detect: {
        logs: [
          { path: join(work, "dns.log"), format: "zeek" },
          { path: join(work, "eve.json"), format: "eve" },
        ],
        exports: [
          { format: "zeek", dir: join(work, "zeek"), refreshSeconds: 60 },
          { format: "lists", dir: join(work, "lists"), refreshSeconds: 60 },
        ],
        sightingIntervalMs: 200,
      },
    });
    await Promise.all(Object.values(nodes).map((n) => n.refreshChain()));
    await waitFor("the two nodes to mesh", () => nodes["soc-team"]!.gossip.topicPeers() === 1 && nodes["intel-co"]!.gossip.topicPeers() === 1, 30_000);
  });

  after(async function () {
    for (const node of Object.values(nodes)) await node.stop();
    await devnet?.close();
    for (const dir of [...Object.values(dirs), work]) await removeDir(dir);
  });

  it("keeps the Zeek Intel file current as indicators arrive", async function () {
    await nodes["intel-co"]!.publish([
      { type: "domain", value: "evil.example", confidence: 90 },
      { type: "cidr", value: "198.51.100.0/24", confidence: 90 },
      { type: "sha256", value: "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08", confidence: 90 },
    ]);
    const file = join(work, "zeek", "cti-intel.dat");
    await waitFor("the Zeek file to list all three", async () => ((await readFile(file, "utf8").catch(() => "")).match(/\n/g) ?? []).length === 4);
    const text = await readFile(file, "utf8");
    expect(text).to.include("evil.example\tIntel::DOMAIN\tcti-exchange:intel-co");
    expect(text).to.include("198.51.100.0/24\tIntel::SUBNET");
    // The internal feed (TLP:RED included) is not for every user of the machine.
    expect((await stat(file)).mode & 0o777).to.equal(0o640);
  });

  it("updates the file from the records that changed, not by reading the whole feed again, and ends where a full read would", async function () {
    const watch = nodes["soc-team"]!.exports[0]!;
    const before = { ...watch.stats };
    await nodes["intel-co"]!.publish([
      { type: "domain", value: "second.example", confidence: 90 },
      // A new statement about one already there, and one that goes into quarantine.
      { type: "domain", value: "evil.example", confidence: 95, description: "again" },
      { type: "domain", value: "weak.example", confidence: 1 },
    ]);
    const file = join(work, "zeek", "cti-intel.dat");
    await waitFor("the Zeek file to list the new domain", async () => (await readFile(file, "utf8").catch(() => "")).includes("second.example"));
    expect(watch.stats.fullReads).to.equal(before.fullReads);
    expect(watch.stats.incrementalUpdates).to.be.greaterThan(before.incrementalUpdates);
    const full = renderDetectorFiles("zeek", await nodes["soc-team"]!.trust.feedAll({ kind: "internal" }))["cti-intel.dat"]!;
    const lines = (text: string) => text.split("\n").sort();
    expect(lines(await readFile(file, "utf8"))).to.deep.equal(lines(full));
    expect(full).to.not.include("weak.example");
  });

  it("matches many values at once, answering which matched and why", async function () {
    const { app, url } = await startApiServer(nodes["soc-team"]!, { host: "127.0.0.1", port: 0, bodyLimitBytes: 1 << 20 });
    try {
      const response = await fetch(`${url}/match`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ values: ["login.evil.example", "198.51.100.200", "benign.example.org", "9F86D081884C7D659A2FEAA0C55AD015A3BF4F1B2B0B822CD15D6C15B0F00A08"] }),
      });
      const body = (await response.json()) as { matched: number; results: Array<{ value: string; matches: Array<{ reason: string; indicator: { value: string } }> }> };
      expect(body.matched).to.equal(3);
      expect(body.results.map((r) => r.matches.map((m) => `${m.reason}:${m.indicator.value}`))).to.deep.equal([
        ["domain-suffix:evil.example"],
        ["cidr:198.51.100.0/24"],
        [],
        ["exact:9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08"],
      ]);
    } finally {
      await app.close();
    }
  });

  it("applies PAP: every statement reaches the Zeek file, only PAP:GREEN, CLEAR and unmarked ones the blocklists, each with its own score", async function () {
    const soc = nodes["soc-team"]!;
    await nodes["intel-co"]!.publish([
      { type: "domain", value: "pap-red.example", confidence: 90, labels: { tags: ["PAP:RED"] } },
      { type: "domain", value: "pap-amber.example", confidence: 90, labels: { tags: ["pap:amber"] } },
      { type: "domain", value: "pap-green.example", confidence: 90, labels: { tags: ["PAP:GREEN"] } },
      { type: "domain", value: "pap-clear.example", confidence: 90, labels: { tags: ["PAP:CLEAR"] } },
      { type: "domain", value: "pap-none.example", confidence: 90 },
      { type: "domain", value: "pap-both.example", confidence: 95, labels: { tags: ["PAP:RED", "insider"] } },
    ]);
    // soc-team's own, weaker statement of one intel-co marked PAP:RED: soc-team may block on its own word.
    await soc.publish([{ type: "domain", value: "pap-both.example", confidence: 60, labels: { tags: ["PAP:GREEN"] } }]);
    const zeek = join(work, "zeek", "cti-intel.dat");
    const blocklist = join(work, "lists", "domain.txt");
    await waitFor("the Zeek file to hold every PAP level", async () => (await readFile(zeek, "utf8").catch(() => "")).includes("pap-none.example"));
    await waitFor("the blocklist to be written after them", async () => (await readFile(blocklist, "utf8").catch(() => "")).includes("pap-both.example"));
    const zeekText = await readFile(zeek, "utf8");
    for (const level of ["red", "amber", "green", "clear", "none", "both"]) expect(zeekText).to.include(`pap-${level}.example`);
    const blocked = (await readFile(blocklist, "utf8")).split("\n").filter((v) => v.startsWith("pap-"));
    expect(blocked.sort()).to.deep.equal(["pap-both.example", "pap-clear.example", "pap-green.example", "pap-none.example"]);

    const block = (await soc.trust.feed({ kind: "internal" }, 0, 10_000, "block")).indicators.find((r) => r.value === "pap-both.example")!;
    const detect = (await soc.trust.feed({ kind: "internal" }, 0, 10_000, "detect")).indicators.find((r) => r.value === "pap-both.example")!;
    // The blocking view is made of soc-team's statement alone: not intel-co's confidence, not its tags.
    expect(block.attestations.map((a) => a.producer)).to.deep.equal(["soc-team"]);
    expect(block.labels.tags).to.deep.equal(["PAP:GREEN"]);
    expect(detect.attestations.map((a) => a.producer)).to.deep.equal(["intel-co", "soc-team"]);
    expect(block.score.base).to.be.below(detect.score.base);
    // The query use (outside cross-checks) takes AMBER but not RED.
    const query = (await soc.trust.feed({ kind: "internal" }, 0, 10_000, "query")).indicators.map((r) => r.value).filter((v) => v.startsWith("pap-"));
    expect(query.sort()).to.deep.equal(["pap-amber.example", "pap-both.example", "pap-clear.example", "pap-green.example", "pap-none.example"]);

    // The same through the HTTP API, and tags searchable.
    const { app, url } = await startApiServer(soc, { host: "127.0.0.1", port: 0, bodyLimitBytes: 1 << 20 });
    try {
      const answer = await fetch(`${url}/feed?audience=internal&use=block&limit=10000`);
      const feed = (await answer.json()) as { indicators: Array<{ value: string }> };
      expect(answer.status, JSON.stringify(feed).slice(0, 300)).to.equal(200);
      expect(feed.indicators.map((r) => r.value)).to.include("pap-green.example").and.not.include("pap-red.example").and.not.include("pap-amber.example");
      expect((await fetch(`${url}/feed?audience=internal&use=everything`)).status).to.equal(400);
      const tagged = (await (await fetch(`${url}/indicators?audience=internal&tag=${encodeURIComponent("pap:red")}`)).json()) as { indicators: Array<{ value: string }> };
      expect(tagged.indicators.map((r) => r.value).sort()).to.deep.equal(["pap-both.example", "pap-red.example"]);
      const prefixed = (await (await fetch(`${url}/indicators?audience=internal&tag=${encodeURIComponent("PAP:*")}`)).json()) as { indicators: Array<{ value: string }> };
      expect(prefixed.indicators).to.have.length(5);
    } finally {
      await app.close();
    }
  });

  it("carries the newer observables to the other partner's Zeek and Suricata files, and matches them in its eve.json by the field they came from", async function () {
    const ja3 = "e7d705a3286e19ea42f587b344ee6865";
    const agent = "Mozilla/4.0 (compatible; MSIE 6.0; CTI-test-agent)";
    const cert = "4A:A3:66:9D:F1:7C:1E:A6:3B:2E:BB:7C:DC:22:C5:1E:06:77:7B:3A";
    const outcome = await nodes["intel-co"]!.publish([
      { type: "ja3", value: ja3.toUpperCase(), confidence: 80, labels: { attackTechniques: ["T1071.001"] } },
      { type: "user-agent", value: agent, confidence: 80 },
      { type: "filename", value: "invoice_2026.pdf.exe", confidence: 80 },
      { type: "x509-sha1", value: cert, confidence: 80 },
      { type: "mutex", value: "Global\\cti-test-mutex", confidence: 80 },
    ]);
    expect(outcome.filter((o) => !o.ok)).to.deep.equal([]);
    const soc = nodes["soc-team"]!;
    await waitFor("the five to arrive", async () => (await soc.lookup("Global\\cti-test-mutex", "mutex")).length === 1 && (await soc.lookup(cert, "x509-sha1")).length === 1);
    const feed = await soc.trust.feedAll({ kind: "internal" });
    const zeek = renderDetectorFiles("zeek", feed)["cti-intel.dat"]!;
    expect(zeek).to.include(`${agent}\tIntel::SOFTWARE`).and.include("invoice_2026.pdf.exe\tIntel::FILE_NAME").and.include("4aa3669df17c1ea63b2ebb7cdc22c51e06777b3a\tIntel::CERT_HASH");
    // Zeek has no Intel type for a JA3 or a mutex: they are not written as something else.
    expect(zeek).to.not.include(ja3).and.not.include("cti-test-mutex");
    const suricata = renderDetectorFiles("suricata", feed);
    expect(suricata["cti-ja3.lst"]).to.equal(`${ja3}\n`);
    expect(Buffer.from(suricata["cti-certs.lst"]!.trim(), "base64").toString()).to.equal(cert.toLowerCase());
    expect(suricata["cti.rules"]).to.include("ja3.hash; dataset:isset,cti-ja3,type md5,load cti-ja3.lst;");

    const lines = [
      { event_type: "tls", src_ip: "192.0.2.10", dest_ip: "192.0.2.20", tls: { sni: "benign.example.org", ja3: { hash: ja3 }, fingerprint: cert.toLowerCase() } },
      { event_type: "http", src_ip: "192.0.2.10", dest_ip: "192.0.2.21", http: { hostname: "benign.example.org", url: "/", http_user_agent: agent } },
      { event_type: "fileinfo", src_ip: "192.0.2.10", dest_ip: "192.0.2.22", fileinfo: { filename: "invoice_2026.pdf.exe" } },
      // The same text in a field that says nothing of what it is matches nothing.
      { event_type: "dns", src_ip: "192.0.2.10", dest_ip: "192.0.2.23", dns: { rrname: "invoice_2026.pdf.exe" } },
    ];
    await appendFile(join(work, "eve.json"), `${lines.map((l) => JSON.stringify(l)).join("\n")}\n`);
    await waitFor("the alerts of the new types", async () => {
      await soc.logMatcher.drain();
      return (await soc.store.alerts.since(0, 1000)).some((a) => a.field === "fileinfo.filename");
    });
    const seen = (await soc.store.alerts.since(0, 1000)).map((a) => `${a.field}:${a.indicatorType}:${a.indicatorValue}`);
    expect(seen).to.include.members([
      `tls.ja3.hash:ja3:${ja3}`,
      "tls.fingerprint:x509-sha1:4aa3669df17c1ea63b2ebb7cdc22c51e06777b3a",
      `http.http_user_agent:user-agent:${agent}`,
      "fileinfo.filename:filename:invoice_2026.pdf.exe",
    ]);
    expect(seen.filter((s) => s.startsWith("dns.rrname:filename"))).to.deep.equal([]);
    // Each alert carries its incident class: the JA3's technique (web C2) makes it a C2 server's.
    const alerts = await soc.store.alerts.since(0, 1000);
    expect(alerts.find((a) => a.field === "tls.ja3.hash")!.rsit).to.equal("malicious-code:c2-server");
    expect(alerts.find((a) => a.field === "fileinfo.filename")!.rsit).to.equal("other:undetermined");

    // Sightings are counted by the same class, beside the alerts, in the incident statistics.
    await soc.sight(ja3, "sighting", { type: "ja3", count: 3 });
    const incidents = await incidentStatistics(soc.incidentSources, { kind: "internal" });
    const c2 = incidents.find((r) => r.rsit === "malicious-code:c2-server")!;
    expect(c2.alerts).to.be.at.least(1);
    expect(c2.sightings).to.be.at.least(3);
    expect(c2.reporters).to.be.at.least(1);
    expect(incidents.find((r) => r.rsit === "other:undetermined")!.alerts).to.be.at.least(3);
    const { app, url } = await startApiServer(soc, { host: "127.0.0.1", port: 0, bodyLimitBytes: 1 << 20 });
    try {
      const csv = await (await fetch(`${url}/stats/incidents?format=csv&days=1&audience=internal`)).text();
      expect(csv.split("\n")[0]).to.equal("rsit,sightings,indicators,reporters,alerts,lastSeen");
      expect(csv).to.match(/^malicious-code:c2-server,\d+,/m);
      const record = (await soc.lookup(ja3, "ja3"))[0]!;
      const ofJa3 = (await (await fetch(`${url}/indicators/${record.id}/sightings?audience=internal`)).json()) as { rsit: string; sightings: number };
      expect(ofJa3.rsit).to.equal("malicious-code:c2-server");
    } finally {
      await app.close();
    }
  });

  it("turns matches in Zeek and eve.json logs, through a rotation, into alerts and sightings at the producer", async function () {
    const soc = nodes["soc-team"]!;
    await appendFile(join(work, "dns.log"), await readFile(join(FIXTURES, "dns.log"), "utf8"));
    // Rotation mid-stream: eve.json moves away after its first lines, a new one takes over.
    const eve = (await readFile(join(FIXTURES, "eve.json"), "utf8")).split("\n");
    await appendFile(join(work, "eve.json"), `${eve.slice(0, 2).join("\n")}\n`);
    await soc.logMatcher.drain();
    await rename(join(work, "eve.json"), join(work, "eve.json.1"));
    await writeFile(join(work, "eve.json"), `${eve.slice(2).join("\n")}\n`);
    await waitFor("the alerts", async () => {
      await soc.logMatcher.drain();
      const alerts = await soc.store.alerts.since(0, 100);
      return alerts.some((a) => a.format === "eve" && a.field === "fileinfo.sha256");
    });
    const alerts = await soc.store.alerts.since(0, 100);
    const seen = alerts.map((a) => `${a.format}:${a.field}:${a.reason}:${a.indicatorValue}`);
    expect(seen).to.include.members([
      "zeek:query:domain-suffix:evil.example",
      "eve:dns.rrname:domain-suffix:evil.example",
      "eve:dest_ip:cidr:198.51.100.0/24",
      "eve:fileinfo.sha256:exact:9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08",
    ]);
    expect(seen.some((s) => s.includes("benign.example.org"))).to.equal(false);
    const [domain] = await nodes["intel-co"]!.lookup("evil.example");
    // Many matching lines, one sighting per indicator per interval, carrying their count.
    const matches = alerts.filter((a) => a.indicatorValue === "evil.example").reduce((n, a) => n + (a.count ?? 1), 0);
    expect(matches).to.be.at.least(2);
    await waitFor("intel-co to hear soc-team's sightings, every match counted", async () => (await nodes["intel-co"]!.trust.sightingsOf(domain!.id)).byOrg["soc-team"]?.sighting === matches);
    expect(soc.logMatcher.stats.sightings).to.be.below(soc.logMatcher.stats.matches);
  });
});
