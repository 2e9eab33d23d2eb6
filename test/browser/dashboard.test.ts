import { expect } from "chai";
import { createHash } from "node:crypto";
import { simulateConsortium } from "../../node/src/forecast/consortium-simulator.js";
import { readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import type { Browser, Page } from "playwright-core";
import { startApiServer } from "../../node/src/api/server.js";
import { proposeAdmission } from "../../node/src/chain/proposals.js";
import type { CtiNode } from "../../node/src/node.js";
import { hardhatAccount, startDevnet, type Devnet } from "../../scripts/lib/devnet.js";
import { SCREENSHOT_DIR, launchChromium } from "../helpers/browser.js";
import { newIdentity, removeDir, startNode, tempDir, waitFor } from "../helpers/nodes.js";
import { startRpcProxy } from "../helpers/rpc-proxy.js";
import { SHARED_DATA } from "../helpers/shared-data.js";

/**
 * The dashboard in headless Chromium (Debian's, driven by playwright-core) against real nodes on
 * a real ledger: what an operator, an analyst and an admin see and do. Screenshots of every view
 * go to test-artifacts/screenshots/.
 */
describe("dashboard in a real browser", function () {
  this.timeout(180_000);
  let devnet: Devnet;
  let browser: Browser;
  let page: Page;
  let dir: string;
  const nodes: Record<string, CtiNode> = {};
  const dirs: string[] = [];
  let url: string;
  let closeApi: () => Promise<void>;

  const shot = (name: string) => page.screenshot({ path: join(SCREENSHOT_DIR, `dashboard-${name}.png`), fullPage: true });
  const rowsOf = (testId: string) => page.locator(`[data-testid="${testId}"] tbody tr`);

  before(async function () {
    browser = await launchChromium();
    devnet = await startDevnet({ admins: 3, threshold: 2, epochLength: 3600 });
    dir = await tempDir("dashboard");
    // Hardhat's development accounts come from its well-known mnemonic: admin 1 runs alpha's node.
    const admin1 = hardhatAccount(1);
    expect(admin1.address).to.equal(await devnet.admins[1]!.getAddress());
    const adminKeyFile = join(dir, "admin-1.key");
    await writeFile(adminKeyFile, admin1.privateKey, { mode: 0o600 });
    for (const org of ["alpha", "beta"]) {
      const { dataDir, identity } = await newIdentity(org);
      dirs.push(dataDir);
      await devnet.admit(identity.public(), { displayName: `${org} SOC`, country: "LU", sector: "finance" });
      nodes[org] = await startNode(dataDir, devnet.deployment, org === "alpha" ? { governance: { adminKeyFile } } : {});
    }
    await waitFor("alpha and beta to mesh", () => nodes.alpha!.gossip.topicPeers() === 1 && nodes.beta!.gossip.topicPeers() === 1, 30_000);
    const server = await startApiServer(nodes.alpha!, { host: "127.0.0.1", port: 0, bodyLimitBytes: 1 << 20 });
    url = server.url;
    closeApi = () => server.app.close();

    await nodes.beta!.publish([
      { type: "ipv4", value: "203.0.113.50", confidence: 90, labels: { malwareFamilies: ["qakbot"] } },
      { type: "domain", value: "evil-dashboard.example.com", confidence: 70 },
      { type: "domain", value: "phish-dashboard.example.net", confidence: 60, labels: { tags: ["phishing"] } },
    ]);
    await nodes.alpha!.publish([{ type: "sha256", value: "a".repeat(64), confidence: 80 }]);
    await waitFor("alpha to hold beta's three", async () => (await nodes.alpha!.store.counts()).indicators === 4);
    await nodes.alpha!.sight("203.0.113.50", "sighting");
    await nodes.beta!.trust.anchor();
    page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
  });

  after(async function () {
    await browser?.close();
    await closeApi?.();
    for (const node of Object.values(nodes)) await node.stop();
    await devnet?.close();
    for (const d of [...dirs, dir]) if (d) await removeDir(d);
  });

  it("shows this node, its peers, the members and the ledger's health", async function () {
    await page.goto(`${url}/dashboard/`);
    await page.getByTestId("org").filter({ hasText: "alpha" }).waitFor();
    await rowsOf("members").nth(1).waitFor();
    expect(await rowsOf("members").count()).to.equal(2);
    await page.locator('[data-testid="members"] tr[data-org="beta"] [data-testid="link"]', { hasText: "connected" }).waitFor();
    expect(await page.locator('tr[data-org="alpha"] [data-testid="link"]').innerText()).to.equal("this node");
    expect(await page.getByTestId("chain-health").innerText()).to.match(/^following/);
    expect(await page.getByTestId("card-store").innerText()).to.contain("4");
    // alpha's sighting of beta's qakbot address, by its incident class (a malware family: an infected system).
    const infected = page.locator('[data-testid="incidents"] tr[data-rsit="malicious-code:infected-system"]');
    await infected.waitFor();
    expect((await infected.locator("td").allInnerTexts()).slice(0, 4)).to.deep.equal(["malicious-code:infected-system", "1", "1", "1"]);
    await shot("network");
  });

  it("lists the live feed, filters it by type, TLP, producer and score, and shows new indicators as they arrive", async function () {
    await page.goto(`${url}/dashboard/#/feed`);
    await rowsOf("feed").nth(3).waitFor();
    expect(await rowsOf("feed").count()).to.equal(4);

    await page.locator('select[name="type"]').selectOption("domain");
    await waitFor("two domain rows", async () => (await rowsOf("feed").count()) === 2);
    expect(await page.getByTestId("feed").innerText()).not.to.contain("203.0.113.50");

    await page.locator('select[name="type"]').selectOption("");
    await page.locator('select[name="producer"]').selectOption("alpha");
    await waitFor("alpha's one row", async () => (await rowsOf("feed").count()) === 1);
    expect(await rowsOf("feed").first().innerText()).to.contain("a".repeat(64));

    await page.locator('select[name="producer"]').selectOption("");
    await page.locator('select[name="tlp"]').selectOption("AMBER");
    await page.locator("text=No indicator matches these filters").waitFor();

    await page.locator('select[name="tlp"]').selectOption("");
    await waitFor("all four rows again", async () => (await rowsOf("feed").count()) === 4);
    const allScores = (await page.locator('[data-testid="feed"] [data-testid="score"]').allInnerTexts()).map((s) => parseFloat(s)).sort((a, b) => b - a);
    const threshold = Math.floor(allScores[1]!);
    const expected = allScores.filter((s) => s >= threshold).length;
    expect(expected).to.be.within(2, 3);
    await page.locator('input[name="minScore"]').fill(String(threshold));
    await page.locator('input[name="minScore"]').dispatchEvent("change");
    await waitFor(`only the ${expected} scores of at least ${threshold}`, async () => {
      const scores = await page.locator('[data-testid="feed"] [data-testid="score"]').allInnerTexts();
      return scores.length === expected && scores.every((s) => parseFloat(s) >= threshold);
    });
    await page.locator('input[name="minScore"]').fill("");
    await page.locator('input[name="minScore"]').dispatchEvent("change");

    // Live: a new indicator from beta appears without a reload.
    await nodes.beta!.publish([{ type: "url", value: "http://live-feed.example.org/payload", confidence: 75 }]);
    await page.locator('[data-testid="feed"] tr', { hasText: "live-feed.example.org" }).waitFor({ timeout: 15_000 });
    await shot("feed");
  });

  it("opens an indicator: producers, sightings, decay curve and provenance down to the on-chain anchor", async function () {
    await page.goto(`${url}/dashboard/#/feed`);
    await page.locator('[data-testid="feed"] tr', { hasText: "203.0.113.50" }).click();
    await page.getByTestId("indicator-value").filter({ hasText: "203.0.113.50" }).waitFor();
    expect(await rowsOf("producers").first().innerText()).to.contain("beta");
    expect(await page.getByTestId("sightings").innerText()).to.contain("1 sightings by alpha");
    await page.locator('[data-testid="decay-chart"] canvas').waitFor();
    const provenance = await rowsOf("provenance").first().innerText();
    expect(provenance).to.contain("#1");
    const batch = await nodes.alpha!.store.batches.get("beta", 1);
    expect(provenance).to.contain(Buffer.from(batch!.signature).toString("hex").slice(0, 10));
    expect(await page.getByTestId("anchor").first().innerText()).to.match(/anchor 0 \(batches 1-1\), block \d+/);
    await shot("indicator");

    // alpha's own sha256 is not anchored yet: said so, not faked.
    await page.goto(`${url}/dashboard/#/feed`);
    await page.locator('[data-testid="feed"] tr', { hasText: "a".repeat(64) }).click();
    await page.getByTestId("anchor").filter({ hasText: "not anchored yet" }).waitFor();
  });

  it("filters the feed by tag, and shows a statement's Admiralty grading and what it makes of the score", async function () {
    await nodes.beta!.publish([
      {
        type: "domain",
        value: "graded-dashboard.example.org",
        confidence: 50,
        labels: { tags: ['admiralty-scale:source-reliability="b"', 'admiralty-scale:information-credibility="2"', "PAP:GREEN"] },
      },
    ]);
    await waitFor("alpha to hold the graded indicator", async () => (await nodes.alpha!.lookup("graded-dashboard.example.org")).length === 1);
    await page.goto(`${url}/dashboard/#/feed`);
    await rowsOf("feed").first().waitFor();
    await page.locator('input[name="tag"]').fill("admiralty-scale:*");
    await page.locator('input[name="tag"]').dispatchEvent("change");
    await waitFor("the graded row alone", async () => (await rowsOf("feed").count()) === 1 && (await rowsOf("feed").first().innerText()).includes("graded-dashboard.example.org"));
    await page.locator('input[name="tag"]').fill("PAP:RED");
    await page.locator('input[name="tag"]').dispatchEvent("change");
    await page.locator("text=No indicator matches these filters").waitFor();

    await page.locator('input[name="tag"]').fill("");
    await page.locator('input[name="tag"]').dispatchEvent("change");
    await page.locator('[data-testid="feed"] tr', { hasText: "graded-dashboard.example.org" }).click();
    const assessment = page.getByTestId("assessment").first();
    await assessment.filter({ hasText: "Admiralty B2" }).waitFor();
    // Credibility 2 ("probably true") and reliability B ("usually reliable"): the taxonomies' own values.
    expect(await assessment.innerText()).to.match(/item \d+ \(credibility\) × source \d+% = \d+/);
  });

  it("finds intelligence by search, opens an object with its graph, follows a link in it, and shows what others wrote as text", async function () {
    const bundle = JSON.parse(await readFile(join(SHARED_DATA, "stix2/examples/indicators-for-C2-with-COA.json"), "utf8")) as { objects: Array<Record<string, unknown>> };
    // A name written to break a page that renders it as HTML.
    const hostile = "<img src=x onerror=\"document.body.dataset.pwned=1\">Poison <b>Ivy</b> kit";
    const tool = { type: "tool", spec_version: "2.1", id: "tool--6c4a3b9f-1a6d-4a1c-9a0a-3b8d7e1f2a11", created: "2016-04-06T20:03:48.000Z", modified: "2016-04-06T20:03:48.000Z", name: hostile };
    const uses = { type: "relationship", spec_version: "2.1", id: "relationship--7a1c2b3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d", created: "2016-04-06T20:03:48.000Z", modified: "2016-04-06T20:03:48.000Z", relationship_type: "uses", source_ref: "malware--fdd60b30-b67c-41e3-b0b9-f01faf20d111", target_ref: tool.id };
    const actor = { type: "threat-actor", spec_version: "2.1", id: "threat-actor--1d2c3b4a-5f6e-4d7c-8b9a-0f1e2d3c4b5a", created: "2016-04-06T20:03:48.000Z", modified: "2016-04-06T20:03:48.000Z", name: "Wave Spider" };
    const actorUses = { ...uses, id: "relationship--2b3c4d5e-6f7a-4b8c-9d0e-1f2a3b4c5d6e", source_ref: actor.id };
    const report = await nodes.beta!.intel.publish([...bundle.objects.filter((o) => o.type !== "marking-definition"), tool, uses, actor, actorUses], { defaultTlp: "GREEN" });
    // One example indicator names 10.0.0.0: beta's policy keeps private space home, and says so.
    expect(report.outcomes.filter((o) => !o.ok).map((o) => [o.id, o.ok ? "" : o.reason])).to.deep.equal([["indicator--53fe3b22-0201-47cf-85d0-97c02164528d", "NON_ROUTABLE_ADDRESS"]]);
    await waitFor("alpha to hold beta's objects", async () => (await nodes.alpha!.intel.get(uses.id, { kind: "internal" })) !== undefined);

    await page.goto(`${url}/dashboard/#/objects`);
    await rowsOf("objects").nth(10).waitFor();
    expect(await rowsOf("objects").count()).to.equal(11);
    await page.locator('input[name="q"]').fill("poison");
    await waitFor("the search to narrow the list", async () => (await rowsOf("objects").count()) === 3);
    await page.locator('select[name="type"]').selectOption("malware");
    await waitFor("one malware", async () => (await rowsOf("objects").count()) === 1);
    await shot("objects");
    await rowsOf("objects").first().click();
    await page.getByTestId("object-name").filter({ hasText: "Poison Ivy" }).waitFor();
    await page.getByTestId("graph").waitFor();
    // Depth 1: the malware, its indicator, the course of action, the tool, and the indicator beta
    // kept home (referenced by a relationship, not held: drawn grey).
    const graphSize = async () => ({ nodes: Number(await page.getByTestId("graph").getAttribute("data-nodes")), edges: Number(await page.getByTestId("graph").getAttribute("data-edges")) });
    expect(await graphSize()).to.deep.equal({ nodes: 5, edges: 4 });
    expect(await page.locator('[data-testid="graph"] canvas').count()).to.be.greaterThan(0);
    await page.getByTestId("graph-depth").selectOption("2");
    // Depth 2 reaches the actor that uses the tool.
    await waitFor("depth 2 to reach the actor", async () => (await graphSize()).nodes === 6);
    await shot("object");

    await page.goto(`${url}/dashboard/#/object/${tool.id}`);
    await waitFor("the tool's page", async () => (await page.getByTestId("object-name").innerText()) === hostile);
    expect(await page.locator('[data-testid="object"] img').count()).to.equal(0);
    expect(await page.evaluate("document.body.dataset.pwned")).to.equal(undefined);
    // Correlation: the two relationships that use the tool are linked to it, each saying why.
    await rowsOf("related").nth(1).waitFor();
    const reasons = await page.locator('[data-testid="related"] [data-testid="reasons"]').allInnerTexts();
    expect(reasons).to.have.length(2);
    for (const r of reasons) expect(r).to.equal(`same-object: ${tool.id}`);
    await shot("object-related");
  });

  it("says on the forecast page that a young consortium has too little history to forecast from", async function () {
    await page.goto(`${url}/dashboard/#/forecast`);
    await page.getByTestId("watch-insufficient").waitFor();
    expect(await page.getByTestId("watch-insufficient").innerText()).to.match(/needs at least \d+ outcomes learnt/);
    await page.getByTestId("backtest-insufficient").waitFor();
    expect(await page.getByTestId("backtest-insufficient").innerText()).to.match(/needs 28 days of sightings/);
    expect(await page.getByTestId("volume-chart").count()).to.equal(0);
    await shot("forecast-empty");

    // Thirty days of a simulated consortium's sightings in alpha's store (alpha and beta among its
    // partners, the rest unknown orgs): the page then ranks a watch list and draws the volume.
    const history = simulateConsortium({ seed: 13, partners: 12, days: 30, campaigns: 20 });
    const orgOf = (org: string) => (org === history.partners[0]!.org ? "alpha" : org === history.partners[1]!.org ? "beta" : org);
    const shift = Date.now() - history.end;
    const sightings = history.sightings.map((s) => ({ indicatorId: createHash("sha256").update(s.subject).digest("hex"), kind: "sighting" as const, observedAt: s.at + shift, count: 1, reporter: orgOf(s.org) }));
    for (let i = 0; i < sightings.length; i += 500) await nodes.alpha!.store.addLocalSightings(sightings.slice(i, i + 500));
    await page.reload();
    await rowsOf("watch").first().waitFor({ timeout: 60_000 });
    const first = await rowsOf("watch").first().locator("td").allInnerTexts();
    expect(first[2]).to.match(/^\d+(\.\d+)?%$/);
    await page.locator('select[name="by"]').selectOption("sector");
    await page.locator('[data-testid="volume-chart"] canvas').waitFor();
    await page.getByTestId("backtest").waitFor({ timeout: 60_000 });
    expect(await page.getByTestId("backtest").innerText()).to.match(/early warning, 24h/).and.match(/AUC \d\.\d{3}/);
    await shot("forecast");
  });

  it("ranks producers by reputation and charts its history once an epoch closes", async function () {
    await nodes.alpha!.trust.submitReports();
    const endsAt = nodes.alpha!.reputation!.epochEndsAt;
    await devnet.provider.send("evm_setNextBlockTimestamp", [Math.floor(endsAt / 1000) + 1]);
    await devnet.provider.send("evm_mine", []);
    await waitFor("beta's reputation to rise at alpha", () => nodes.alpha!.reputation!.of("beta") > 0.5, 30_000);
    await page.goto(`${url}/dashboard/#/reputation`);
    await rowsOf("leaderboard").nth(1).waitFor();
    expect(await rowsOf("leaderboard").first().getAttribute("data-org")).to.equal("beta");
    await page.locator('[data-testid="reputation-chart"] canvas').waitFor();
    await shot("reputation");
  });

  it("reviews a draft of a report item by item, shows what it says as text, and publishes what was accepted", async function () {
    const draft = await nodes.alpha!.drafts.fromFile({
      bytes: Buffer.from("The <b>dropper</b> beacons to review-c2[.]com. It also reached review-decoy[.]net. Mimikatz ran (T1003.001).", "utf8"),
      name: "review.txt",
      title: "Review <i>me</i>",
    });
    await page.goto(`${url}/dashboard/#/drafts`);
    await page.locator('[data-testid="drafts"] tr', { hasText: "Review <i>me</i>" }).click();
    await page.getByTestId("draft-title").filter({ hasText: "Review <i>me</i>" }).waitFor();
    // Someone else's words: markup is shown, never rendered.
    expect(await page.locator("i", { hasText: "me" }).count()).to.equal(0);
    expect(await page.getByTestId("draft-items").innerText()).to.contain("The <b>dropper</b> beacons to review-c2[.]com.");
    expect(await page.getByTestId("publish").isDisabled()).to.equal(true);

    const key = (text: string) => draft.items.find((i) => (i.kind === "observable" ? i.value : i.name) === text)!.key;
    await page.locator(`tr[data-key="${key("review-c2.com")}"] button`, { hasText: "accept" }).click();
    await page.locator(`tr[data-key="${key("review-decoy.net")}"] button`, { hasText: "reject" }).click();
    await page.locator(`tr[data-key="${key("review-decoy.net")}"] [data-testid="decision"]`, { hasText: "rejected" }).waitFor();
    await page.locator(`tr[data-key="${key("review-c2.com")}"] [data-testid="decision"]`, { hasText: "accepted" }).waitFor();
    await page.getByTestId("publish").click();
    await page.getByTestId("draft-status").filter({ hasText: "published" }).waitFor();
    await page.getByTestId("draft-report").waitFor();
    expect(await nodes.alpha!.lookup("review-c2.com")).to.have.length(1);
    expect(await nodes.alpha!.lookup("review-decoy.net")).to.have.length(0);
    await shot("draft");
  });

  it("shows a partner's response request, queued by policy, as text; the analyst applies it; the feeds show the change", async function () {
    const hostile = '<img src=x onerror="document.title=1">Block C2';
    const request = await nodes.beta!.response.requests.make({ action: "block", targets: [{ type: "domain", value: "c2-dashboard.ransom-crew.example" }], expiresAt: Date.now() + 86_400_000, group: 0, name: hostile }, "test");
    await waitFor("alpha to queue beta's request", async () => (await nodes.alpha!.response.requests.get(request.id))?.decision?.decision === "queued", 30_000);
    await page.goto(`${url}/dashboard/#/response`);
    const row = page.locator(`[data-testid="received-requests"] tr[data-request="${request.id}"]`);
    await row.waitFor();
    expect(await row.innerText()).to.include(hostile);
    expect(await row.locator("img").count()).to.equal(0);
    expect(await row.getByTestId("decision").innerText()).to.match(/^queued/);
    await shot("response");
    await row.getByRole("button", { name: "apply" }).click();
    await row.getByTestId("decision").filter({ hasText: "applied" }).waitFor();
    expect(await row.getByTestId("decision").innerText()).to.include("by local operator");
    await waitFor("beta to hear alpha applied it", async () => (await nodes.beta!.response.requests.get(request.id))?.acknowledgements.some((a) => a.org === "alpha" && a.decision === "applied") ?? false, 30_000);
    await page.locator('[data-testid="enforcement-feeds"] tbody tr', { hasText: "rpz" }).filter({ hasText: "+1" }).waitFor({ timeout: 30_000 });
  });

  it("lets the admin whose key the node holds approve and execute a proposal; the ledger admits the org", async function () {
    const { dataDir, identity } = await newIdentity("gamma");
    dirs.push(dataDir);
    const proposal = await proposeAdmission(devnet.deployment.registryAddress, devnet.admins[0]!, identity.public(), { displayName: "gamma SOC", country: "BE", sector: "health" });
    await page.goto(`${url}/dashboard/#/governance`);
    const row = page.locator(`[data-testid="proposals"] tr[data-proposal="${proposal}"]`);
    await row.waitFor();
    expect(await page.getByTestId("admin-note").innerText()).to.contain("2 of 3 admins approve");
    expect(await row.getByTestId("approvals").innerText()).to.equal("1 / 2");
    await shot("governance-open");
    await row.getByRole("button", { name: "approve" }).click();
    await row.getByTestId("state").filter({ hasText: "ready" }).waitFor();
    expect(await row.getByTestId("approvals").innerText()).to.equal("2 / 2");
    await row.getByRole("button", { name: "execute" }).click();
    await row.getByTestId("state").filter({ hasText: "executed" }).waitFor();
    await waitFor("alpha to see gamma admitted", () => nodes.alpha!.membership.get("gamma")?.status === "active");
    await shot("governance-executed");
  });

  it("shows proposals read-only on a node without an admin key, and says why", async function () {
    const server = await startApiServer(nodes.beta!, { host: "127.0.0.1", port: 0, bodyLimitBytes: 1 << 20 });
    try {
      const other = await browser.newPage();
      await other.goto(`${server.url}/dashboard/#/governance`);
      await other.getByTestId("admin-note").filter({ hasText: "holds no admin key" }).waitFor();
      expect(await other.getByRole("button", { name: "approve" }).count()).to.equal(0);
      const refused = await fetch(`${server.url}/governance/proposals/0/approve`, { method: "POST" });
      expect(refused.status).to.equal(409);
      expect(((await refused.json()) as { error: string }).error).to.equal("NO_ADMIN_KEY");
      await other.close();
    } finally {
      await server.app.close();
    }
  });

  it("shows the ledger unreachable, then stale, while its JSON-RPC endpoint is down, and following again once it is back", async function () {
    const proxy = await startRpcProxy(devnet.deployment.rpcUrl);
    const { dataDir, identity } = await newIdentity("delta");
    dirs.push(dataDir);
    await devnet.admit(identity.public(), { displayName: "delta SOC", country: "LU", sector: "finance" });
    const d = devnet.deployment;
    const node = await startNode(dataDir, d, { chain: { rpcUrl: proxy.url, chainId: d.chainId, registryAddress: d.registryAddress, groupsAddress: d.groupsAddress, pollIntervalMs: 100, maxBackoffMs: 400, maxStalenessMs: 8000 } });
    const server = await startApiServer(node, { host: "127.0.0.1", port: 0, bodyLimitBytes: 1 << 20 });
    try {
      const other = await browser.newPage();
      await other.goto(`${server.url}/dashboard/`);
      await other.getByTestId("chain-health").filter({ hasText: /^following/ }).waitFor();
      proxy.setDown(true);
      await other.getByTestId("chain-health").filter({ hasText: /^unreachable \(\d+ failed polls\)/ }).waitFor({ timeout: 15_000 });
      await other.getByTestId("chain-health").filter({ hasText: /^STALE: no new peer is admitted/ }).waitFor({ timeout: 15_000 });
      expect(await other.getByTestId("card-chain").getAttribute("class")).to.contain("warn");
      await other.screenshot({ path: join(SCREENSHOT_DIR, "dashboard-ledger-down.png") });
      proxy.setDown(false);
      await other.getByTestId("chain-health").filter({ hasText: /^following/ }).waitFor({ timeout: 15_000 });
      await other.close();
    } finally {
      await server.app.close();
      await node.stop();
      await proxy.close();
    }
  });

  it("asks for a token when the node requires one, refuses a wrong one, and serves no data without it", async function () {
    const token = "dashboard-test-token-0123456789";
    const server = await startApiServer(nodes.beta!, { host: "127.0.0.1", port: 0, bodyLimitBytes: 1 << 20, tokens: [{ name: "soc", token }] });
    try {
      for (const path of ["/status", "/members", "/dashboard/../status", "/dashboard/%2e%2e/status", "/governance/proposals"]) {
        const response = await fetch(`${server.url}${path}`);
        expect(response.status, path).to.be.oneOf([401, 403, 404]);
        expect(await response.text(), path).not.to.contain("peerId");
      }
      const other = await browser.newPage();
      await other.goto(`${server.url}/dashboard/`);
      await other.getByTestId("login").waitFor();
      await other.locator('input[name="token"]').fill("not-the-token-at-all-000000");
      await other.getByRole("button", { name: "Sign in" }).click();
      await other.locator("text=The node refused that token.").waitFor();
      await other.locator('input[name="token"]').fill(token);
      await other.getByRole("button", { name: "Sign in" }).click();
      await other.getByTestId("org").filter({ hasText: "beta" }).waitFor();
      await other.screenshot({ path: join(SCREENSHOT_DIR, "dashboard-signed-in.png") });
      await other.close();
    } finally {
      await server.app.close();
    }
  });
});
