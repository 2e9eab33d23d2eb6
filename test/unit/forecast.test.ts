import { expect } from "chai";
import { near } from "../helpers/near.js";
import { backtestEarlyWarning, formatEarlyWarningBacktest, type EarlyWarningBacktest } from "../../node/src/forecast/backtest.js";
import { simulateConsortium } from "../../node/src/forecast/consortium-simulator.js";
import { EarlyWarningEngine, replay } from "../../node/src/forecast/early-warning.js";
import { brier, mase, reliability, rocAuc } from "../../node/src/forecast/forecast-metrics.js";
import { backtestVolume, dailyCounts, forecastVolume, holtWinters, seasonalNaive } from "../../node/src/forecast/volume.js";

/**
 * Forecasting on simulated campaigns with known ground truth: the metrics by hand, the simulator,
 * early warning against the base rate and the "seen by more partners" heuristic (AUC and Brier),
 * learning online, and volume forecasts against seasonal-naive (MASE).
 */
const HOUR = 3_600_000;
const DAY = 24 * HOUR;

describe("forecasting", function () {
  describe("metrics", function () {
    it("computes ROC AUC with ties, Brier, reliability and MASE by hand", function () {
      expect(rocAuc([0.1, 0.4, 0.35, 0.8], [false, false, true, true])).to.equal(0.75);
      expect(rocAuc([0.5, 0.5, 0.5], [true, false, false])).to.equal(0.5);
      expect(Number.isNaN(rocAuc([0.2, 0.3], [false, false]))).to.equal(true);
      near(brier([1, 0, 0.5], [true, false, true]), 0.25 / 3, 1e-12);
      const bins = reliability([0.05, 0.07, 0.95], [false, true, true]);
      expect(bins).to.have.length(2);
      expect(bins[0]).to.include({ count: 2, observed: 0.5 });
      // History 1..14 with a weekly season of step 7: the naive scale is 7.
      const history = Array.from({ length: 14 }, (_, i) => i + 1);
      expect(mase([10, 10], [3, 17], history)).to.equal(1);
    });
  });

  describe("the consortium simulator", function () {
    it("is repeatable by seed, and its campaigns spread within their sector first", function () {
      const a = simulateConsortium({ seed: 3, days: 30, campaigns: 20 });
      const b = simulateConsortium({ seed: 3, days: 30, campaigns: 20 });
      expect(a.sightings.length).to.equal(b.sightings.length);
      expect(a.sightings.slice(0, 50)).to.deep.equal(b.sightings.slice(0, 50));
      expect(simulateConsortium({ seed: 4, days: 30, campaigns: 20 }).sightings.length).to.not.equal(a.sightings.length);
      const sectorOf = new Map(a.partners.map((p) => [p.org, p.sector]));
      const victims = a.campaigns.flatMap((c) => c.victims.slice(1).map((v) => sectorOf.get(v.org) === c.sector));
      const share = victims.filter(Boolean).length / victims.length;
      // Four partners of 24 share a sector: by chance, 3 in 23 later victims would.
      expect(share, "share of later victims in the campaign's sector").to.be.above((2 * 3) / 23);
      for (let i = 1; i < a.sightings.length; i++) expect(a.sightings[i]!.reportedAt).to.be.at.least(a.sightings[i - 1]!.reportedAt);
      expect(a.sightings.every((s) => s.reportedAt >= s.at)).to.equal(true);
    });
  });

  describe("early warning", function () {
    this.timeout(120_000);
    let results: EarlyWarningBacktest[];

    before(function () {
      const history = simulateConsortium({ seed: 11, partners: 18, days: 45, campaigns: 30 });
      results = backtestEarlyWarning(history, { stepMs: 12 * HOUR, warmupMs: 12 * DAY });
      console.log(formatEarlyWarningBacktest(results));
    });

    it("beats the base rate and the seen-by-more-partners heuristic on AUC and Brier, at 24 hours and 7 days", function () {
      for (const r of results) {
        expect(r.positives, r.horizon).to.be.above(100);
        const [base, heuristic, model] = r.models;
        expect(model!.auc, `${r.horizon} AUC vs base rate`).to.be.above(base!.auc + 0.05);
        expect(model!.auc, `${r.horizon} AUC vs heuristic`).to.be.above(heuristic!.auc);
        expect(model!.brier, `${r.horizon} Brier vs base rate`).to.be.below(base!.brier);
        expect(model!.brier, `${r.horizon} Brier vs heuristic`).to.be.below(heuristic!.brier);
      }
    });

    it("learns online: outcomes arriving change the model without starting again", function () {
      const history = simulateConsortium({ seed: 5, partners: 12, days: 30, campaigns: 15 });
      const engine = new EarlyWarningEngine({ partners: history.partners, subjects: history.subjects });
      const half = history.start + 15 * DAY;
      replay(history, engine, { from: history.start + DAY, to: half, stepMs: 12 * HOUR, targets: history.partners.map((p) => p.org) });
      const learnt = engine.examples["24h"];
      const before = engine.watch(history.partners[0]!.org, half, 5).map((w) => w.probability["24h"]);
      expect(learnt).to.be.above(0);
      // The same engine, carried on: more outcomes, other probabilities.
      const rest = { ...history, sightings: history.sightings.filter((s) => s.reportedAt > half) };
      replay(rest, engine, { from: half + 12 * HOUR, to: history.end, stepMs: 12 * HOUR, targets: history.partners.map((p) => p.org) });
      expect(engine.examples["24h"]).to.be.above(learnt);
      const restored = new EarlyWarningEngine({ partners: history.partners, subjects: history.subjects, state: engine.toState() });
      expect(restored.examples).to.deep.equal(engine.examples);
      expect(before.length).to.be.above(0);
    });

    it("ranks a watch list with reasons", function () {
      const history = simulateConsortium({ seed: 5, partners: 12, days: 30, campaigns: 15 });
      const engine = new EarlyWarningEngine({ partners: history.partners, subjects: history.subjects });
      replay(history, engine, { from: history.start + DAY, to: history.end, stepMs: 12 * HOUR, targets: history.partners.map((p) => p.org) });
      const list = engine.watch(history.partners[1]!.org, history.end, 20);
      expect(list.length).to.be.above(0);
      for (let i = 1; i < list.length; i++) expect(list[i - 1]!.probability["24h"]).to.be.at.least(list[i]!.probability["24h"]);
      expect(list.some((w) => w.reasons.length > 0)).to.equal(true);
      expect(list.map((w) => w.kind)).to.include("indicator");
      const everything = engine.watch(history.partners[1]!.org, history.end, 10_000);
      expect(new Set(everything.map((w) => w.kind))).to.include.members(["indicator", "malware", "technique", "actor"]);
    });
  });

  describe("volume forecasts", function () {
    it("beats seasonal-naive on MASE by technique, incident class and sector, with an 80% interval near 80%", function () {
      const history = simulateConsortium({ seed: 7, days: 90 });
      for (const by of ["technique", "rsit", "sector"] as const) {
        const series = dailyCounts(history, by, history.start, 90);
        const result = backtestVolume(series, by, { warmupDays: 28, horizon: 7 });
        expect(result.origins, by).to.be.above(20);
        expect(result.forecast.mase, by).to.be.below(result.seasonalNaive.mase);
        expect(result.forecast.coverage80, by).to.be.within(0.6, 0.95);
      }
    });

    it("follows a weekly season and never forecasts a negative count", function () {
      const y = Array.from({ length: 56 }, (_, i) => (i % 7 >= 5 ? 4 : 20) + (i % 3));
      const f = holtWinters(y, 14);
      expect(f.mean[5]!).to.be.below(f.mean[0]!);
      expect(Math.min(...f.lower)).to.be.at.least(0);
      expect(f.upper.every((u, i) => u >= f.mean[i]!)).to.equal(true);
      expect(forecastVolume([0, 0, 1, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0], 7).method).to.equal("poisson");
      expect(seasonalNaive(y, 7).mean).to.deep.equal(y.slice(-7));
    });
  });
});
