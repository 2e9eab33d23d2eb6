import { expect } from "chai";
import { createHash } from "node:crypto";
import { join } from "node:path";
import { simulateConsortium } from "../../node/src/forecast/consortium-simulator.js";
import { ForecastService, DEFAULT_FORECAST } from "../../node/src/forecast/forecast-service.js";
import { IndicatorStore } from "../../node/src/store/indicator-store.js";
import { startDevnet } from "../../scripts/lib/devnet.js";
import { startApiServer } from "../../node/src/api/server.js";
import { driveConsortium } from "../../node/src/forecast/simulation-driver.js";
import type { CtiNode } from "../../node/src/node.js";
import { cti } from "../helpers/cli.js";
import { newIdentity, removeDir, startNode, startSoloNode, tempDir, waitFor } from "../helpers/nodes.js";

/**
 * Forecasts from a node's own store: a node without history says so (API and CLI); a store
 * holding a simulated consortium's sightings trains the early-warning engine, which keeps
 * learning as time passes without a restart, and gives a ranked watch list and volume forecasts.
 */
const HOUR = 3_600_000;
const DAY = 24 * HOUR;

describe("forecasts from a node's store", function () {
  this.timeout(180_000);

  it("says a node without history cannot forecast yet, over the API and the CLI", async function () {
    const solo = await startSoloNode("forecaster");
    try {
      const watch = (await (await fetch(`${solo.url}/forecast/watch`)).json()) as { status: string; message: string };
      expect(watch.status).to.equal("insufficient-history");
      expect(watch.message).to.match(/needs at least \d+ outcomes/);
      const volume = await cti(["forecast", "volume", "--by", "sector", "--api", solo.url, "--json"]);
      expect(volume.code, volume.stderr).to.equal(0);
      expect(JSON.parse(volume.stdout)).to.include({ status: "insufficient-history" });
      const backtest = (await (await fetch(`${solo.url}/forecast/backtest`)).json()) as { status: string };
      expect(backtest.status).to.equal("insufficient-history");
      expect((await fetch(`${solo.url}/forecast/volume?by=weather`)).status).to.equal(400);
      // A feed ordered by forecast, with nothing to forecast from, is the feed in its own order.
      await solo.node.publish([{ type: "domain", value: "first.example", confidence: 80 }, { type: "domain", value: "second.example", confidence: 80 }]);
      const byTime = (await (await fetch(`${solo.url}/feed?audience=internal`)).json()) as { indicators: Array<{ value: string }> };
      const byForecast = (await (await fetch(`${solo.url}/feed?audience=internal&order=forecast`)).json()) as { indicators: Array<{ value: string }> };
      expect(byForecast.indicators.map((r) => r.value)).to.deep.equal(byTime.indicators.map((r) => r.value));
      expect((await fetch(`${solo.url}/feed?audience=internal&order=random`)).status).to.equal(400);
      expect(((await (await fetch(`${solo.url}/forecast/warnings`)).json()) as { warnings: unknown[] }).warnings).to.deep.equal([]);
    } finally {
      await solo.stop();
    }
  });

  it("learns from the sightings in a real store, keeps learning as time passes, and ranks a watch list", async function () {
    const dir = await tempDir("forecast-store");
    const store = await IndicatorStore.open(join(dir, "db"));
    try {
      const history = simulateConsortium({ seed: 21, partners: 12, days: 40, campaigns: 24 });
      const idOf = (subject: string) => createHash("sha256").update(subject).digest("hex");
      const write = async (until: number) => {
        const batch = history.sightings.filter((s) => s.at <= until && !written.has(s));
        for (const s of batch) written.add(s);
        for (let i = 0; i < batch.length; i += 500) {
          await store.addLocalSightings(batch.slice(i, i + 500).map((s) => ({ indicatorId: idOf(s.subject), kind: "sighting" as const, observedAt: s.at, count: 1, reporter: s.org })));
        }
      };
      const written = new Set<object>();
      let clock = history.start + 30 * DAY;
      await write(clock);
      const me = history.partners[0]!;
      const service = new ForecastService({ ...DEFAULT_FORECAST, minExamples: 200, alertAt: 0.02 }, { store, orgId: me.org, partners: () => history.partners, now: () => clock, tacticsOf: () => [] });
      const first = await service.watch(20);
      expect(first.status, JSON.stringify(first).slice(0, 300)).to.equal("ok");
      if (first.status !== "ok") return;
      expect(first.items.length).to.be.above(0);
      for (let i = 1; i < first.items.length; i++) expect(first.items[i - 1]!.probability["24h"]).to.be.at.least(first.items[i]!.probability["24h"]);
      // Time passes and sightings arrive: the same service learns the outcomes, no restart.
      clock = history.end;
      await write(clock);
      const later = await service.watch(20);
      expect(later.status).to.equal("ok");
      if (later.status !== "ok") return;
      expect(later.learnt["24h"]).to.be.above(first.learnt["24h"]);
      // Early-warning alerts at the threshold, once a day at most per subject.
      const warnings = service.warnings();
      expect(warnings.length).to.be.above(0);
      for (const w of warnings) expect(w.probability["24h"]).to.be.at.least(0.02);
      const lastOf = new Map<string, number>();
      for (const w of [...warnings].reverse()) {
        if (lastOf.has(w.key)) expect(w.at - lastOf.get(w.key)!, `${w.key} alerted twice in a day`).to.be.at.least(DAY);
        lastOf.set(w.key, w.at);
      }
      // The watch list's indicators order a feed: their probabilities are the engine's.
      const probabilities = await service.indicatorProbabilities();
      expect(probabilities.size).to.be.above(0);
      const volume = await service.volume("sector", 7);
      expect(volume.status).to.equal("ok");
      if (volume.status !== "ok") return;
      expect(volume.series.length).to.be.above(0);
      for (const s of volume.series) {
        expect(s.forecast.mean).to.have.length(7);
        expect(s.forecast.lower.every((l, i) => l <= s.forecast.mean[i]! && s.forecast.mean[i]! <= s.forecast.upper[i]!)).to.equal(true);
      }
    } finally {
      await store.close();
      await removeDir(dir);
    }
  });

  it("is driven through the public API of real nodes by the simulator, and forecasts from what they then hold", async function () {
    this.timeout(300_000);
    const devnet = await startDevnet();
    const orgs = [
      { org: "sim-bank-a", sector: "finance", country: "LU" },
      { org: "sim-bank-b", sector: "finance", country: "BE" },
      { org: "sim-grid-c", sector: "energy", country: "LU" },
    ];
    const nodes: CtiNode[] = [];
    const servers: Array<{ app: { close(): Promise<unknown> }; url: string }> = [];
    const dirs: string[] = [];
    try {
      for (const o of orgs) {
        const { dataDir, identity } = await newIdentity(o.org);
        dirs.push(dataDir);
        await devnet.admit(identity.public(), { displayName: o.org, country: o.country, sector: o.sector });
      }
      for (const [i, o] of orgs.entries()) {
        const node = await startNode(dirs[i]!, devnet.deployment, { forecast: { minExamples: 50 } });
        nodes.push(node);
        servers.push(await startApiServer(node, { host: "127.0.0.1", port: 0, bodyLimitBytes: 32 << 20 }));
        expect(node.identity.orgId).to.equal(o.org);
      }
      await waitFor("a full mesh", () => nodes.every((n) => n.gossip.topicPeers() === nodes.length - 1), 30_000);
      const history = simulateConsortium({ seed: 9, days: 35, campaigns: 10, campaignIndicators: 8, noisePerDay: 12, partnerList: orgs.map((o) => ({ ...o, reputation: 0.5 })) });
      const total = new Set(history.sightings.map((s) => s.subject)).size;
      const driven = await driveConsortium(
        history,
        orgs.map((o, i) => ({ org: o.org, url: servers[i]!.url })),
        { now: Date.now(), waitForIndicators: () => waitFor("every node to hold every indicator", async () => (await Promise.all(nodes.map((n) => n.store.counts()))).every((c) => c.indicators >= total), 60_000) },
      );
      expect(driven.problems).to.deep.equal([]);
      expect(driven.indicators).to.equal(total);
      expect(driven.sightings).to.equal(history.sightings.length);
      // The first node holds the other two's sightings once their batches arrive.
      await waitFor("bank-a to hold every partner's sightings", async () => {
        let seen = 0;
        for await (const stored of nodes[0]!.store.sightings.all()) for (const scope of Object.values(stored.byScope)) for (const t of Object.values(scope)) seen += t.sighting > 0 ? 1 : 0;
        return seen >= new Set(history.sightings.filter((s) => !s.falsePositive).map((s) => `${s.org} ${s.subject}`)).size;
      }, 60_000);
      const url = servers[0]!.url;
      const backtest = (await (await fetch(`${url}/forecast/backtest`)).json()) as { status: string; earlyWarning?: Array<{ horizon: string; examples: number; models: Array<{ auc: number }> }> };
      expect(backtest.status, JSON.stringify(backtest).slice(0, 300)).to.equal("ok");
      expect(backtest.earlyWarning![0]!.examples).to.be.above(0);
      const volume = (await (await fetch(`${url}/forecast/volume?by=malware&days=7`)).json()) as { status: string; series?: unknown[] };
      expect(volume.status, JSON.stringify(volume).slice(0, 300)).to.equal("ok");
      expect(volume.series!.length).to.be.above(0);
      const watch = await cti(["forecast", "watch", "--api", url, "--json"]);
      expect(watch.code, watch.stderr).to.equal(0);
      expect(JSON.parse(watch.stdout), watch.stdout.slice(0, 300)).to.include({ status: "ok" });
      // Actors travel as MISP galaxy tags and are forecast as subjects of their own.
      const actors = (await (await fetch(`${url}/forecast/watch?kind=actor&limit=5`)).json()) as { status: string; items: Array<{ kind: string; key: string }> };
      expect(actors.items.length).to.be.above(0);
      expect(actors.items.every((i) => i.kind === "actor" && i.key.startsWith("actor:actor-"))).to.equal(true);
    } finally {
      for (const s of servers) await s.app.close();
      for (const n of nodes) await n.stop();
      await devnet.close();
      for (const d of dirs) await removeDir(d);
    }
  });
});
