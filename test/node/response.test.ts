import { expect } from "chai";
import { createHmac, timingSafeEqual } from "node:crypto";
import { createServer, type Server } from "node:http";
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import type { AddressInfo } from "node:net";
import type { CtiNode } from "../../node/src/node.js";
import { buildApiServer, startApiServer } from "../../node/src/api/server.js";
import { startDevnet, type Devnet } from "../../scripts/lib/devnet.js";
import { newIdentity, removeDir, startNode, tempDir, waitFor } from "../helpers/nodes.js";
import type { ResponseRequest } from "../../node/src/model/response.js";
import { cti } from "../helpers/cli.js";

/**
 * Coordinated response between real nodes on a real chain. asking-cert asks its group to block a
 * C2 domain and address; auto-bank's policy applies requests from asking-cert at once (and its
 * RPZ file gains the domain), careful-hospital's queues them for an analyst, strict-grid's applies
 * only requests from another org and declines the rest; outsider-co is not in the group and never
 * learns of it. Every decision travels back as a signed acknowledgement; a rollback restores
 * auto-bank's previous zone; a playbook hook at auto-bank receives signed, retried deliveries.
 */
describe("coordinated response between real nodes", function () {
  this.timeout(180_000);
  const ORGS = ["asking-cert", "auto-bank", "careful-hospital", "strict-grid", "outsider-co"] as const;
  let devnet: Devnet;
  let work: string;
  const dirs: Record<string, string> = {};
  const nodes: Record<string, CtiNode> = {};
  let group: number;
  let request: ResponseRequest;
  const SECRET = "a-shared-secret-of-the-soar";
  const deliveries: Array<{ headers: Record<string, string | string[] | undefined>; body: string; status: number }> = [];
  let failNext = 1;
  let hookServer: Server;

  before(async function () {
    devnet = await startDevnet();
    work = await tempDir("response");
    hookServer = createServer((req, res) => {
      let body = "";
      req.on("data", (c: Buffer) => (body += c.toString()));
      req.on("end", () => {
        const status = failNext-- > 0 ? 500 : 204;
        deliveries.push({ headers: req.headers, body, status });
        res.writeHead(status).end();
      });
    });
    await new Promise<void>((resolve) => hookServer.listen(0, "127.0.0.1", resolve));
    const hookUrl = `http://127.0.0.1:${(hookServer.address() as AddressInfo).port}/soar`;
    for (const org of ORGS) {
      const { dataDir, identity } = await newIdentity(org);
      dirs[org] = dataDir;
      await devnet.admit(identity.public(), { displayName: org, country: "FR", sector: "finance" });
    }
    nodes["asking-cert"] = await startNode(dirs["asking-cert"]!, devnet.deployment);
    nodes["auto-bank"] = await startNode(dirs["auto-bank"]!, devnet.deployment, {
      response: {
        feeds: [
          { name: "dns", kind: "rpz", dir: join(work, "rpz"), minScore: 100 },
          { name: "pull", kind: "edl", minScore: 0, includeRequests: false },
        ],
        ownAssets: { cidrs: [], domains: ["auto-bank.example"] },
        requests: { rules: [{ name: "trust asking-cert", from: ["asking-cert"], actions: ["block", "sinkhole"], decision: "apply" }], default: "decline" },
        hooks: [{ name: "soar", url: hookUrl, events: ["request-received", "feed-changed", "sighting"], secret: SECRET, retryBaseMs: 50, minScore: 1 }],
      },
    });
    nodes["careful-hospital"] = await startNode(dirs["careful-hospital"]!, devnet.deployment);
    nodes["strict-grid"] = await startNode(dirs["strict-grid"]!, devnet.deployment, {
      response: { requests: { rules: [{ from: ["national-cert"], decision: "apply" }], default: "decline" } },
    });
    nodes["outsider-co"] = await startNode(dirs["outsider-co"]!, devnet.deployment);
    await Promise.all(Object.values(nodes).map((n) => n.refreshChain()));
    await waitFor("every node meshed", () => Object.values(nodes).every((n) => n.gossip.topicPeers() === ORGS.length - 1), 30_000);
    group = await nodes["asking-cert"]!.createGroup("incident-42", ["auto-bank", "careful-hospital", "strict-grid"]);
    await Promise.all(Object.values(nodes).map((n) => n.refreshChain()));
  });

  after(async function () {
    for (const node of Object.values(nodes)) await node.stop();
    await devnet?.close();
    hookServer?.close();
    for (const dir of [...Object.values(dirs), work]) await removeDir(dir);
  });

  const zone = () => readFile(join(work, "rpz", "cti-response.rpz"), "utf8").catch(() => "");
  const requestAt = (org: string) => nodes[org]!.response.requests.get(request.id);

  it("refuses a request it cannot make, naming why", async function () {
    const api = await buildApiServer(nodes["asking-cert"]!, { bodyLimitBytes: 1 << 20 });
    const bad = await api.inject({ method: "POST", url: "/response/requests", payload: { action: "nuke", targets: [{ type: "domain", value: "x.example" }], expiresInHours: 1 } });
    expect(bad.statusCode).to.equal(400);
    const past = await api.inject({ method: "POST", url: "/response/requests", payload: { action: "block", targets: [{ type: "domain", value: "x.example" }], expiresAt: "2001-01-01T00:00:00Z" } });
    expect(past.statusCode).to.equal(400);
    expect(past.json().error).to.equal("BAD_EXPIRY");
    const target = await api.inject({ method: "POST", url: "/response/requests", payload: { action: "block", targets: [{ type: "domain", value: "not a domain" }], expiresInHours: 1 } });
    expect(target.json().error).to.equal("BAD_TARGET");
    await api.close();
  });

  it("delivers a request to the group, where each partner's policy decides: applied, queued, declined", async function () {
    const api = await buildApiServer(nodes["asking-cert"]!, { bodyLimitBytes: 1 << 20 });
    const made = await api.inject({
      method: "POST",
      url: "/response/requests",
      payload: { action: "block", targets: [{ type: "domain", value: "c2.ransom-crew.example" }, { type: "ipv4", value: "91.219.236.166" }], expiresInHours: 48, group, name: "Block the ransomware C2" },
    });
    expect(made.statusCode, made.body).to.equal(201);
    request = made.json();
    await api.close();
    expect(request.id).to.match(/^course-of-action--/);

    await waitFor("every group member to decide", async () => (await Promise.all(["auto-bank", "careful-hospital", "strict-grid"].map(requestAt))).every((r) => r?.decision !== undefined), 30_000);
    const [auto, careful, strict] = await Promise.all(["auto-bank", "careful-hospital", "strict-grid"].map(requestAt));
    expect(auto!.decision).to.include({ decision: "applied", by: "policy", rule: "trust asking-cert" });
    expect(careful!.decision).to.include({ decision: "queued", rule: "default" });
    expect(strict!.decision).to.include({ decision: "declined", rule: "default" });
    for (const r of [auto, careful, strict]) {
      expect(r!.from).to.equal("asking-cert");
      expect(r!.group).to.equal(group);
      expect(r!.targets).to.have.deep.members([
        { type: "domain", value: "c2.ransom-crew.example" },
        { type: "ipv4", value: "91.219.236.166" },
      ]);
    }
    // Sealed to the group: the member outside it holds neither the request nor its objects.
    await new Promise((r) => setTimeout(r, 500));
    expect(await requestAt("outsider-co")).to.equal(undefined);
    expect(await nodes["outsider-co"]!.store.objects.records.get(request.id)).to.equal(undefined);
  });

  it("puts an applied request's domain into the RPZ zone, with the reason journalled", async function () {
    await waitFor("the zone to list the C2 domain", async () => (await zone()).includes("c2.ransom-crew.example CNAME ."));
    const text = await zone();
    expect(text).to.include("*.c2.ransom-crew.example CNAME .");
    // The address is no name: the RPZ feed holds domains only.
    expect(text).not.to.include("91.219.236.166");
    const feed = nodes["auto-bank"]!.response.feed("dns");
    const [latest] = await nodes["auto-bank"]!.response.changes("dns", { limit: 1 });
    expect(latest!.added.map((e) => e.value)).to.include("c2.ransom-crew.example");
    expect(latest!.added.find((e) => e.value === "c2.ransom-crew.example")!.because).to.deep.equal({ kind: "request", request: request.id, from: "asking-cert" });
    expect(text).to.match(new RegExp(`SOA localhost\\. hostmaster\\.localhost\\. ${feed.status().serial} `));
  });

  it("brings every acknowledgement back to the requester, signed by each partner", async function () {
    await waitFor("three acknowledgements at asking-cert", async () => ((await requestAt("asking-cert"))?.acknowledgements.length ?? 0) === 3, 30_000);
    const acks = (await requestAt("asking-cert"))!.acknowledgements;
    expect(acks.map((a) => [a.org, a.decision])).to.deep.equal([
      ["auto-bank", "applied"],
      ["careful-hospital", "queued"],
      ["strict-grid", "declined"],
    ]);
    // Each travelled in its producer's signed batch: the object's statement names the batch and leaf.
    for (const ack of acks) {
      const detail = await nodes["asking-cert"]!.intel.get(ack.object, { kind: "internal" });
      expect(detail!.summary.owner).to.equal(ack.org);
      expect(detail!.versions.at(-1)!.sequence).to.be.greaterThan(0);
      expect(detail!.object.opinion).to.equal({ applied: "agree", queued: "neutral", declined: "disagree" }[ack.decision]);
    }
  });

  it("lets careful-hospital's analyst apply the queued request, and the requester hears of it", async function () {
    const api = await buildApiServer(nodes["careful-hospital"]!, { bodyLimitBytes: 1 << 20 });
    const approved = await api.inject({ method: "POST", url: `/response/requests/${request.id}/approve` });
    expect(approved.statusCode, approved.body).to.equal(200);
    expect(approved.json().decision).to.include({ decision: "applied", rule: "analyst" });
    const again = await api.inject({ method: "POST", url: `/response/requests/${request.id}/approve` });
    expect(again.statusCode).to.equal(409);
    expect(again.json().error).to.equal("ALREADY_DECIDED");
    const unknown = await api.inject({ method: "POST", url: "/response/requests/course-of-action--00000000-0000-4000-8000-000000000000/decline" });
    expect(unknown.statusCode).to.equal(404);
    await api.close();
    await waitFor("asking-cert to see careful-hospital's new decision", async () => (await requestAt("asking-cert"))!.acknowledgements.find((a) => a.org === "careful-hospital")?.decision === "applied", 30_000);
    expect((await requestAt("asking-cert"))!.acknowledgements).to.have.length(3);
  });

  it("rolls back to the zone before the request, holds it there, and follows the policy again on resume", async function () {
    const api = await buildApiServer(nodes["auto-bank"]!, { bodyLimitBytes: 1 << 20 });
    const changes = (await api.inject({ method: "GET", url: "/response/feeds/dns/changes" })).json().changes as Array<{ version: number; added: Array<{ value: string }> }>;
    const adding = changes.find((c) => c.added.some((e) => e.value === "c2.ransom-crew.example"))!;
    const serialBefore = nodes["auto-bank"]!.response.feed("dns").status().serial;
    const rolled = await api.inject({ method: "POST", url: "/response/feeds/dns/rollback", payload: { version: adding.version - 1 } });
    expect(rolled.statusCode, rolled.body).to.equal(200);
    expect(rolled.json()).to.include({ restored: adding.version - 1, removed: 1, pinned: true });
    expect(await zone()).not.to.include("c2.ransom-crew.example");
    expect(nodes["auto-bank"]!.response.feed("dns").status().serial).to.be.greaterThan(serialBefore);
    // Pinned: a refresh leaves it as rolled back.
    await nodes["auto-bank"]!.response.refresh();
    expect(await zone()).not.to.include("c2.ransom-crew.example");
    const plan = (await api.inject({ method: "GET", url: "/response/feeds/dns/plan" })).json();
    expect(plan).to.include({ pinned: true, addedCount: 1 });
    const bad = await api.inject({ method: "POST", url: "/response/feeds/dns/rollback", payload: { version: 999 } });
    expect(bad.statusCode).to.equal(409);
    const resumed = await api.inject({ method: "POST", url: "/response/feeds/dns/resume" });
    expect(resumed.json().resumed).to.equal(true);
    expect(await zone()).to.include("c2.ransom-crew.example CNAME .");
    const audit = (await api.inject({ method: "GET", url: "/response/audit?kind=feed-rollback" })).json().entries;
    expect(audit[0].summary).to.include(`back to version ${adding.version - 1}`);
    await api.close();
  });

  it("fires the playbook hook, signed, and retries a delivery the SOAR failed", async function () {
    await waitFor("a request-received delivery accepted", () => deliveries.some((d) => d.headers["x-cti-event"] === "request-received" && d.status === 204));
    const received = deliveries.filter((d) => d.headers["x-cti-event"] === "request-received");
    // The first attempt was answered 500 and the same delivery came again.
    expect(received[0]!.status).to.equal(500);
    expect(received[1]!.headers["x-cti-delivery"]).to.equal(received[0]!.headers["x-cti-delivery"]);
    for (const d of deliveries) {
      const expected = createHmac("sha256", SECRET).update(`${String(d.headers["x-cti-timestamp"])}.${d.body}`).digest();
      const given = Buffer.from(String(d.headers["x-cti-signature"]).replace(/^sha256=/, ""), "hex");
      expect(given.length === expected.length && timingSafeEqual(given, expected), "signature").to.equal(true);
    }
    const body = JSON.parse(received[1]!.body);
    expect(body).to.include({ event: "request-received", org: "auto-bank" });
    expect(body.request).to.include({ id: request.id, from: "asking-cert", action: "block" });
    await waitFor("the hook's audit entry", async () => (await nodes["auto-bank"]!.response.audit({ limit: 50, kind: "hook" })).some((e) => e.summary.includes("delivered on attempt 2")));
  });

  it("serves a pull list behind a token, without what PAP forbids acting on", async function () {
    await nodes["asking-cert"]!.publish([
      { type: "domain", value: "phish-kit.example", confidence: 90, labels: { malwareFamilies: [], attackTechniques: [], tags: ["PAP:GREEN"] } },
      { type: "domain", value: "watch-only.example", confidence: 90, labels: { malwareFamilies: [], attackTechniques: [], tags: ["PAP:RED"] } },
    ]);
    await waitFor("auto-bank to hold both", async () => (await nodes["auto-bank"]!.lookup("watch-only.example", "domain")).length > 0 && (await nodes["auto-bank"]!.lookup("phish-kit.example", "domain")).length > 0);
    await nodes["auto-bank"]!.response.refresh();
    const token = "a-token-for-the-firewall-that-pulls";
    const { app, url } = await startApiServer(nodes["auto-bank"]!, { host: "127.0.0.1", port: 0, bodyLimitBytes: 1 << 20, tokens: [{ name: "perimeter-fw", token }] });
    try {
      const refused = await fetch(`${url}/response/feeds/pull/files/domains.txt`);
      expect(refused.status).to.equal(401);
      const pulled = await fetch(`${url}/response/feeds/pull/files/domains.txt`, { headers: { authorization: `Bearer ${token}` } });
      expect(pulled.status).to.equal(200);
      expect(pulled.headers.get("content-type")).to.match(/^text\/plain/);
      const list = await pulled.text();
      expect(list).to.include("phish-kit.example\n");
      // PAP:RED allows matching one's own logs, never blocking (privacy/pap.ts).
      expect(list).not.to.include("watch-only.example");
      const again = await fetch(`${url}/response/feeds/pull/files/domains.txt`, { headers: { authorization: `Bearer ${token}`, "if-none-match": pulled.headers.get("etag")! } });
      expect(again.status).to.equal(304);
    } finally {
      await app.close();
    }
  });

  it("tells the SOAR of a partner's sighting of an indicator that scores above the hook's threshold", async function () {
    await waitFor("auto-bank to hold phish-kit.example", async () => (await nodes["auto-bank"]!.lookup("phish-kit.example", "domain")).length > 0);
    await nodes["careful-hospital"]!.sight("phish-kit.example", "sighting");
    await waitFor("a sighting delivery", () => deliveries.some((d) => d.headers["x-cti-event"] === "sighting" && d.status === 204 && JSON.parse(d.body).indicator?.value === "phish-kit.example"), 30_000);
    const body = JSON.parse(deliveries.find((d) => d.headers["x-cti-event"] === "sighting" && JSON.parse(d.body).indicator?.value === "phish-kit.example")!.body);
    expect(body.indicator.score).to.be.greaterThan(0);
    expect(body.indicator.confirmedBy).to.include("careful-hospital");
  });

  it("does the same from the CLI: a request made, exported feed files, a decline with a reason, the audit log", async function () {
    const asking = await startApiServer(nodes["asking-cert"]!, { host: "127.0.0.1", port: 0, bodyLimitBytes: 1 << 20 });
    const careful = await startApiServer(nodes["careful-hospital"]!, { host: "127.0.0.1", port: 0, bodyLimitBytes: 1 << 20 });
    try {
      const bad = await cti(["response", "request", "--action", "block", "-t", "nonsense", "--expires", "1h", "--api", asking.url]);
      expect(bad.code).to.not.equal(0);
      expect(bad.stderr).to.include("type:value");
      const made = await cti(["response", "request", "--action", "sinkhole", "-t", "domain:cli-c2.ransom-crew.example", "--expires", "12h", "-g", String(group), "--name", "From the CLI", "--api", asking.url, "--json"]);
      expect(made.code, made.stderr).to.equal(0);
      const id = JSON.parse(made.stdout).id as string;
      await waitFor("careful-hospital to queue it", async () => (await nodes["careful-hospital"]!.response.requests.get(id))?.decision?.decision === "queued", 30_000);
      const listed = await cti(["response", "requests", "--api", careful.url, "--json"]);
      expect(JSON.parse(listed.stdout).requests.map((r: { id: string }) => r.id)).to.include(id);
      const declined = await cti(["response", "decline", id, "--reason", "not our exposure", "--api", careful.url, "--json"]);
      expect(declined.code, declined.stderr).to.equal(0);
      expect(JSON.parse(declined.stdout).decision).to.include({ decision: "declined", rule: "analyst" });
      await waitFor("asking-cert to read the reason", async () => (await nodes["asking-cert"]!.response.requests.get(id))?.acknowledgements.some((a) => a.org === "careful-hospital" && a.decision === "declined" && a.reason === "not our exposure") ?? false, 30_000);
      const out = join(work, "exported");
      const exported = await cti(["response", "export", "edl", "--out", out, "--exec", `touch ${join(work, "reloaded")}`, "--api", careful.url]);
      expect(exported.code, exported.stderr).to.equal(0);
      expect(exported.stderr).to.include("wrote");
      await readFile(join(work, "reloaded"));
      expect(await readFile(join(out, "domains.txt"), "utf8")).to.be.a("string");
      const unknown = await cti(["response", "export", "no-such-feed", "--out", out, "--api", careful.url, "--json"]);
      expect(unknown.code).to.equal(1);
      expect(JSON.parse(unknown.stdout).error).to.equal("UNKNOWN_FEED");
      const audit = await cti(["response", "audit", "--kind", "decision", "--api", careful.url, "--json"]);
      expect(JSON.parse(audit.stdout).entries[0]).to.include({ kind: "decision", by: "local operator" });
    } finally {
      await asking.app.close();
      await careful.app.close();
    }
  });

  it("never blocks an own asset, even when a trusted partner asks", async function () {
    const made = await nodes["asking-cert"]!.response.requests.make(
      { action: "block", targets: [{ type: "domain", value: "mail.auto-bank.example" }, { type: "domain", value: "second-c2.ransom-crew.example" }], expiresAt: Date.now() + 3_600_000, group },
      "test",
    );
    await waitFor("auto-bank to apply the second request", async () => (await nodes["auto-bank"]!.response.requests.get(made.id))?.decision?.decision === "applied", 30_000);
    await waitFor("the zone to list the second C2", async () => (await zone()).includes("second-c2.ransom-crew.example"));
    expect(await zone()).not.to.include("mail.auto-bank.example");
    expect(nodes["auto-bank"]!.response.stats.lastExcluded["dns"]!["own-asset"]).to.be.greaterThan(0);
  });
});
