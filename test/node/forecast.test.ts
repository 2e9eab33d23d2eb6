import { expect } from "chai";
import { createHash } from "node:crypto";
import { join } from "node:path";
import { simulateConsortium } from "../../node/src/forecast/consortium-simulator.js";
import { ForecastService, DEFAULT_FORECAST } from "../../node/src/forecast/forecast-service.js";
import { IndicatorStore } from "../../node/src/store/indicator-store.js";
import { cti } from "../helpers/cli.js";
import { removeDir, startSoloNode, tempDir } from "../helpers/nodes.js";

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
});
