import { expect } from "chai";
import { execFile } from "node:child_process";
import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import { promisify } from "node:util";
import { startApiServer } from "../../node/src/api/server.js";
import { orgIdToBytes32 } from "../../node/src/chain/member.js";
import { auditTrailContract } from "../../node/src/chain/audit-trail.js";
import { reputationContract } from "../../node/src/chain/reputation.js";
import type { CtiNode } from "../../node/src/node.js";
import type { ScoredRecord } from "../../node/src/trust/trust-service.js";
import { startDevnet, type Devnet } from "../../scripts/lib/devnet.js";
import { newIdentity, removeDir, startNode, tempDir, waitFor } from "../helpers/nodes.js";

const run = promisify(execFile);
const DAY = 24 * 60 * 60 * 1000;

/**
 * Trust end to end: four real nodes and a real chain. junk-feeds publishes indicators the
 * others' detectors find false; good-cert publishes ones they confirm. The nodes report once per
 * epoch on their own (chain time is moved forward), reputations move on chain, and the scores
 * and feeds at every node follow.
 */
describe("trust between real nodes", function () {
  this.timeout(180_000);

  const ORGS = ["junk-feeds", "good-cert", "bank-a", "bank-b"] as const;
  let devnet: Devnet;
  const dirs: Record<string, string> = {};
  const nodes: Record<string, CtiNode> = {};
  const good = ["good-1.example.net", "good-2.example.net", "good-3.example.net"];
  // Enough that the banks' reports carry real weight: a report about n indicators carries n / (n + 10) of its bound.
  const junk = Array.from({ length: 10 }, (_, i) => `junk-${i + 1}.example.net`);

  const chainTime = async () => Number((await devnet.provider.getBlock("latest"))!.timestamp);
  /** Moves chain time to `fraction` of the way through the current epoch, or into the next one. */
  async function moveChainTo(fraction: number, nextEpoch = false) {
    const reputation = reputationContract(devnet.deployment.reputationAddress, devnet.provider);
    const endsAt = Number(await reputation.epochEndsAt());
    const target = nextEpoch ? endsAt + 1 : endsAt - Math.round(3600 * (1 - fraction));
    await devnet.provider.send("evm_setNextBlockTimestamp", [Math.max(target, (await chainTime()) + 1)]);
    await devnet.provider.send("evm_mine", []);
  }
  const feedValues = async (org: string) => (await nodes[org]!.trust.feed({ kind: "internal" }, 0, 10_000)).indicators.map((r) => r.value);
  const scoreOf = async (org: string, value: string) => (await nodes[org]!.trust.scored(await nodes[org]!.lookup(value), { kind: "internal" }))[0]!;

  before(async function () {
    devnet = await startDevnet({ admins: 3, threshold: 2, epochLength: 3600 });
    for (const org of ORGS) {
      const { dataDir, identity } = await newIdentity(org);
      dirs[org] = dataDir;
      await devnet.admit(identity.public(), { displayName: org, country: "NL", sector: "finance" });
    }
    for (const org of ORGS) nodes[org] = await startNode(dirs[org]!, devnet.deployment, { trust: { tickMs: 200, submitWhenLeft: 0.5 } });
    await Promise.all(ORGS.map((org) => nodes[org]!.refreshChain()));
    await waitFor("a full mesh", () => ORGS.every((org) => nodes[org]!.gossip.topicPeers() === ORGS.length - 1), 30_000);
  });

  after(async function () {
    for (const node of Object.values(nodes)) await node.stop();
    await devnet?.close();
    for (const dir of Object.values(dirs)) await removeDir(dir);
  });

  it("spreads sightings and false-positive reports to the indicator's audience, and tallies them per org", async function () {
    await nodes["good-cert"]!.publish(good.map((value) => ({ type: "domain", value, confidence: 80 })));
    await nodes["junk-feeds"]!.publish(junk.map((value) => ({ type: "domain", value, confidence: 80 })));
    for (const org of ["bank-a", "bank-b"]) {
      await waitFor(`${org} to hold all of them`, async () => (await Promise.all([...good, ...junk].map((v) => nodes[org]!.lookup(v)))).every((r) => r.length === 1));
      for (const value of good) await nodes[org]!.sight(value, "sighting", { count: 5 });
      for (const value of junk) await nodes[org]!.sight(value, "false-positive");
    }
    const [record] = await nodes["good-cert"]!.lookup(good[0]!);
    await waitFor("good-cert to hear both banks' sightings", async () => (await nodes["good-cert"]!.trust.sightingsOf(record!.id)).confirmedBy.length === 2);
    const sightings = await nodes["good-cert"]!.trust.sightingsOf(record!.id);
    expect(sightings.confirmedBy).to.deep.equal(["bank-a", "bank-b"]);
    expect(sightings.sightings).to.equal(10);
    expect(sightings.byOrg["bank-a"]!.sighting).to.equal(5);
    const [junkRecord] = await nodes["junk-feeds"]!.lookup(junk[0]!);
    await waitFor("junk-feeds to hear the false positives", async () => (await nodes["junk-feeds"]!.trust.sightingsOf(junkRecord!.id)).falsePositiveBy.length === 2);
  });

  it("keeps a sighting of an AMBER indicator inside the indicator's group", async function () {
    const group = await nodes["good-cert"]!.createGroup("good-and-a", ["bank-a"]);
    await nodes["good-cert"]!.publish([{ type: "domain", value: "amber-only.example.net", tlp: "AMBER", group, confidence: 80 }]);
    await waitFor("bank-a to hold it", async () => (await nodes["bank-a"]!.lookup("amber-only.example.net")).length === 1);
    const bStats = nodes["bank-b"]!.gossip.stats.relayedOnly;
    const before = bStats.NOT_A_RECIPIENT;
    const [sight] = await nodes["bank-a"]!.sight("amber-only.example.net", "sighting");
    expect(sight!.groups).to.deep.equal([group]);
    const id = sight!.id;
    await waitFor("good-cert to hear the sighting", async () => (await nodes["good-cert"]!.trust.sightingsOf(id)).confirmedBy.includes("bank-a"));
    await waitFor("bank-b to relay it without reading it", () => bStats.NOT_A_RECIPIENT > before);
    expect((await nodes["bank-b"]!.trust.sightingsOf(id)).byOrg).to.deep.equal({});
    expect((await nodes["junk-feeds"]!.trust.sightingsOf(id)).byOrg).to.deep.equal({});
  });

  it("sends one report per epoch on its own, anchors the batches, and moves reputations on chain", async function () {
    const reputation = reputationContract(devnet.deployment.reputationAddress, devnet.provider);
    const audit = auditTrailContract(devnet.deployment.auditAddress, devnet.provider);
    const epoch = Number(await reputation.currentEpoch());
    // Half the epoch left: the nodes' schedulers send their reports and anchors.
    await moveChainTo(0.6);
    const submitted = (reporter: string, producer: string) => reputation.submittedReport(orgIdToBytes32(reporter), orgIdToBytes32(producer), epoch);
    // Producers anchor at the same moment as the banks report: evidence about a batch not anchored
    // yet waits for an amendment in the same epoch, so wait for the full counts, not the first report.
    await waitFor("both banks' full reports on chain", async () => {
      // bank-a also confirmed good-cert's AMBER indicator (the test before).
      for (const [bank, confirmed] of [["bank-a", good.length + 1], ["bank-b", good.length]] as const) {
        if ((await submitted(bank, "junk-feeds")).falsePositives !== BigInt(junk.length)) return false;
        if ((await submitted(bank, "good-cert")).confirmations !== BigInt(confirmed)) return false;
      }
      return true;
    }, 30_000);
    const report = await submitted("bank-a", "junk-feeds");
    expect([report.confirmations, report.falsePositives]).to.deep.equal([0n, BigInt(junk.length)]);
    expect((await submitted("bank-a", "good-cert")).confirmations).to.equal(4n);
    const reportLogs = await devnet.provider.getLogs({ address: devnet.deployment.reputationAddress, fromBlock: 0 });
    const perReporterTx = new Map<string, Set<string>>();
    for (const log of reportLogs) {
      const parsed = reputation.interface.parseLog(log);
      if (parsed?.name !== "ReportSubmitted") continue;
      const reporter = parsed.args.reporter as string;
      perReporterTx.set(reporter, (perReporterTx.get(reporter) ?? new Set()).add(log.transactionHash));
    }
    // One report per epoch, amended at most once per producer that anchored after it (they all act at the same moment).
    for (const txs of perReporterTx.values()) expect(txs.size, "one transaction per reporter per epoch, plus amendments").to.be.at.most(3);
    await waitFor("good-cert's and junk-feeds' anchors", async () => {
      for (const org of ["good-cert", "junk-feeds"]) if (Number(await audit.nextSequence(orgIdToBytes32(org))) === 1) return false;
      return true;
    }, 30_000);

    await moveChainTo(0, true);
    await waitFor("every node to see the new reputations", () => ORGS.every((org) => nodes[org]!.reputation!.of("junk-feeds") < 0.5), 30_000);
    for (const org of ORGS) {
      expect(nodes[org]!.reputation!.of("junk-feeds")).to.be.lessThan(0.3);
      expect(nodes[org]!.reputation!.of("good-cert")).to.be.greaterThan(0.7);
    }
  });

  it("quarantines junk at the others, even a new indicator nobody has reported yet, and feeds the reliable partner's", async function () {
    const fresh = await nodes["junk-feeds"]!.publish([{ type: "domain", value: "junk-fresh.example.net", confidence: 80 }]);
    await nodes["good-cert"]!.publish([{ type: "domain", value: "good-fresh.example.net", confidence: 80 }]);
    expect(fresh[0]!.ok).to.equal(true);
    await waitFor("bank-a to hold both fresh ones", async () => (await nodes["bank-a"]!.lookup("junk-fresh.example.net")).length + (await nodes["bank-a"]!.lookup("good-fresh.example.net")).length === 2);
    const junkScore = await scoreOf("bank-a", "junk-fresh.example.net");
    const goodScore = await scoreOf("bank-a", "good-fresh.example.net");
    expect(junkScore.score.quarantined).to.equal(true);
    expect(goodScore.score.quarantined).to.equal(false);
    expect(goodScore.score.score).to.be.greaterThan(junkScore.score.score);
    const feed = await feedValues("bank-a");
    expect(feed).to.include.members([...good, "good-fresh.example.net"]);
    for (const value of [...junk, "junk-fresh.example.net"]) expect(feed).to.not.include(value);
  });

  it("drops a decayed indicator and an expired one from the feeds", async function () {
    const now = Date.now();
    await nodes["good-cert"]!.publish([
      // 29 days into a 30-day life with IP's fast decay: almost nothing left.
      { type: "ipv4", value: "198.51.100.77", confidence: 100, validFrom: now - 29 * DAY, validUntil: now + 2 * DAY },
      { type: "ipv4", value: "198.51.100.78", confidence: 100, validUntil: now + 1500 },
    ]);
    await waitFor("bank-b to hold both", async () => (await nodes["bank-b"]!.lookup("198.51.100.77")).length + (await nodes["bank-b"]!.lookup("198.51.100.78")).length === 2);
    const decayed = (await scoreOf("bank-b", "198.51.100.77")) as ScoredRecord;
    expect(decayed.score.base).to.be.greaterThan(50);
    expect(decayed.score.score).to.be.lessThan(5);
    expect(await feedValues("bank-b")).to.include("198.51.100.78").and.not.include("198.51.100.77");
    await waitFor("the short-lived one to expire", () => Date.now() > now + 1600);
    expect(await feedValues("bank-b")).to.not.include("198.51.100.78");
    expect((await scoreOf("bank-b", "198.51.100.78")).score).to.include({ expired: true, score: 0 });
  });

  it("proves at any holder that good-cert published an indicator before its anchor; a forged proof fails, also through the CLI", async function () {
    const { app, url } = await startApiServer(nodes["bank-b"]!, { host: "127.0.0.1", port: 0, bodyLimitBytes: 1 << 20 });
    const dir = await tempDir("proofs");
    try {
      const proof = (await (await fetch(`${url}/proofs?value=${good[1]}&producer=good-cert`)).json()) as { indicator: { value: string }; anchor: { anchoredAt: number } };
      expect(proof.indicator.value).to.equal(good[1]);
      const verdict = await (await fetch(`${url}/proofs/verify`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(proof) })).json();
      expect(verdict).to.deep.equal({ valid: true, problems: [], publishedBefore: proof.anchor.anchoredAt });
      const forged = { ...proof, indicator: { ...proof.indicator, value: "forged.example.net" } };
      const refused = (await (await fetch(`${url}/proofs/verify`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(forged) })).json()) as { valid: boolean };
      expect(refused.valid).to.equal(false);
      // A fresh indicator is not anchored yet: said plainly.
      const early = await fetch(`${url}/proofs?value=good-fresh.example.net&producer=good-cert`);
      expect(early.status).to.equal(409);
      expect(await early.json()).to.include({ error: "NOT_ANCHORED" });

      const cli = join(process.cwd(), "node/bin/cti.js");
      const file = join(dir, "proof.json");
      await run(process.execPath, [cli, "proof", "create", good[2]!, "--producer", "good-cert", "--out", file, "--api", url]);
      const ok = await run(process.execPath, [cli, "proof", "verify", file, "--api", url]);
      expect(JSON.parse(ok.stdout)).to.include({ valid: true });
      await writeFile(join(dir, "forged.json"), JSON.stringify(forged));
      const failed = await run(process.execPath, [cli, "proof", "verify", join(dir, "forged.json"), "--api", url]).catch((err: { code: number; stdout: string }) => err);
      expect((failed as { code: number }).code).to.equal(1);
    } finally {
      await app.close();
      await removeDir(dir);
    }
  });

  it("answers researchers: reputation now and over time from chain events, producer statistics and top indicators, as JSON and CSV", async function () {
    const { app, url } = await startApiServer(nodes["bank-a"]!, { host: "127.0.0.1", port: 0, bodyLimitBytes: 1 << 20 });
    try {
      const reputation = reputationContract(devnet.deployment.reputationAddress, devnet.provider);
      const history = ((await (await fetch(`${url}/reputation/history`)).json()) as { history: Array<{ epoch: number; org: string; reputation: number }> }).history;
      const epoch = Number(await reputation.currentEpoch());
      for (const org of ORGS) {
        const [onChain] = await reputation.reputationOf(orgIdToBytes32(org));
        const replayed = history.find((h) => h.org === org && h.epoch === epoch)!;
        expect(replayed.reputation).to.equal(Number(onChain) / 1e18);
        expect(history.find((h) => h.org === org && h.epoch === 0)!.reputation).to.equal(0.5);
      }
      const csv = await (await fetch(`${url}/reputation?format=csv`)).text();
      expect(csv.split("\n")[0]).to.equal("org,reputation,positive,negative,epoch");
      expect(csv).to.match(/^junk-feeds,0\.\d+,/m);

      const producers = ((await (await fetch(`${url}/stats/producers`)).json()) as { producers: Array<Record<string, number | string>> }).producers;
      const junkStats = producers.find((p) => p.producer === "junk-feeds")!;
      const goodStats = producers.find((p) => p.producer === "good-cert")!;
      expect(junkStats.falsePositiveRate).to.be.greaterThan(0.7);
      expect(goodStats.falsePositiveRate).to.equal(0);
      expect(goodStats.confirmed).to.be.at.least(3);
      expect(goodStats.medianTimeToFirstSightingMs).to.be.a("number");
      const top = ((await (await fetch(`${url}/stats/top-confirmed?limit=3&audience=internal`)).json()) as { indicators: Array<{ value: string; confirmations: number }> }).indicators;
      expect(top.map((t) => t.confirmations)).to.deep.equal([2, 2, 2]);
      expect(good).to.include.members(top.map((t) => t.value));
      const feedCsv = await (await fetch(`${url}/feed?format=csv&audience=clients`)).text();
      expect(feedCsv.split("\n")[0]).to.match(/^id,type,value,blinded,tlp,confidence,score,quarantined/);
      expect(feedCsv).to.include("good-1.example.net").and.not.include("junk-1.example.net");
    } finally {
      await app.close();
    }
  });
});
