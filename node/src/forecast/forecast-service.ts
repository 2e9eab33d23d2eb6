/**
 * Forecasting (node/src/forecast/): early warning and volume forecasts from the consortium's
 * sightings, and their backtests. This area owns the early-warning engine (early-warning.ts), its
 * online learner (online-logistic.ts), volume forecasts (volume.ts), the metrics (forecast-
 * metrics.ts), backtests (backtest.ts) and the consortium simulator (consortium-simulator.ts).
 * This file is the node's side: it reads the store's sightings as a history, keeps the engine
 * learning as time passes (every step, the outcomes whose horizon has passed), and answers the
 * faces. A node without enough history says so instead of forecasting.
 *
 * What the node knows of a sighting is a partner's tally per indicator (first and last seen, how
 * many): a sighting here is a partner's first sighting of an indicator, and its last when later;
 * it counts as learnt when this service first read it (its first time, at the first reading).
 */
import type { ForecastHistory, ForecastPartner, ForecastSighting, ForecastSubject } from "../model/forecast.js";
import { actorOfTag } from "../model/tags.js";
import { sightingsFor } from "../privacy/audience.js";
import type { IndicatorStore } from "../store/indicator-store.js";
import { backtestEarlyWarning, type EarlyWarningBacktest } from "./backtest.js";
import { EarlyWarningEngine, type WatchItem } from "./early-warning.js";
import { backtestVolume, dailyCounts, forecastVolume, VOLUME_CATEGORIES, type VolumeBacktest, type VolumeCategory, type VolumeForecast } from "./volume.js";

const HOUR = 3_600_000;
const DAY = 24 * HOUR;

export interface ForecastServiceInit {
  /** Hours between two origins: the engine scores candidates and learns outcomes this often. */
  stepHours: number;
  /** Outcomes the engine must have learnt (per horizon) before its watch list is shown. */
  minExamples: number;
  /** Days of history volume forecasts need. */
  minVolumeDays: number;
  /** A subject whose 24-hour probability reaches this raises an early-warning alert (none if not set). */
  alertAt?: number;
}

export const DEFAULT_FORECAST: ForecastServiceInit = { stepHours: 6, minExamples: 500, minVolumeDays: 28 };

export interface ForecastServiceComponents {
  store: IndicatorStore;
  orgId: string;
  partners(): ForecastPartner[];
  now(): number;
  tacticsOf(technique: string): readonly string[];
  log?: (message: string, fields?: Record<string, unknown>) => void;
}

export type Insufficient = { status: "insufficient-history"; message: string };

export interface WatchList {
  status: "ok";
  asOf: number;
  learnt: { "24h": number; "7d": number };
  items: Array<WatchItem & { value?: string; type?: string }>;
}

export interface VolumeAnswer {
  status: "ok";
  by: VolumeCategory;
  from: number;
  days: number;
  series: Array<{ category: string; history: number[]; forecast: VolumeForecast }>;
}

export interface EarlyWarningAlert {
  at: number;
  key: string;
  kind: string;
  value?: string;
  probability: { "24h": number; "7d": number };
  reasons: string[];
}

/** Early-warning alerts kept (the newest): they are raised again, if still due, after a restart. */
const ALERTS_KEPT = 1000;

export type BacktestAnswer = { status: "ok"; computedAt: number; earlyWarning: EarlyWarningBacktest[]; volume: VolumeBacktest[] };

const BACKTEST_KEPT_MS = 10 * 60_000;

/** A partner's sighting of a subject at a time: what `known` remembers the learning time of. */
const knownKey = (org: string, subject: string, at: number) => `${org} ${subject} ${at}`;

export class ForecastService {
  private lastBacktest: { sightings: number; at: number; answer: BacktestAnswer | Insufficient } | undefined;
  private readonly alerts: EarlyWarningAlert[] = [];
  private readonly alerted = new Map<string, number>();

  private engine: EarlyWarningEngine | undefined;
  private cursor = 0;
  private readonly known = new Map<string, number>();
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;
  private lastHistory: ForecastHistory | undefined;

  constructor(
    private readonly init: ForecastServiceInit,
    private readonly components: ForecastServiceComponents,
  ) {}

  start(): void {
    if (this.timer) return;
    this.timer = setInterval(() => void this.refresh(), Math.min(this.init.stepHours * HOUR, 10 * 60_000));
    this.timer.unref();
    void this.refresh();
  }

  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    await this.running;
  }

  /**
   * The store's sightings as a history (this org's own view). `live`: each counts as learnt when
   * this service first read it (what the running engine may know); otherwise when it was seen
   * (the history as a backtest or a fresh engine replays it: the partner's delay is not known).
   */
  async history(live = false): Promise<ForecastHistory> {
    const { store } = this.components;
    const now = this.components.now();
    const sightings: ForecastSighting[] = [];
    const ids = new Set<string>();
    for await (const stored of store.sightings.all()) {
      const summary = sightingsFor(stored, { kind: "internal" });
      for (const [org, tally] of Object.entries(summary?.byOrg ?? {})) {
        if (tally.sighting === 0) continue;
        ids.add(stored.indicatorId);
        for (const at of tally.lastSeen > tally.firstSeen + HOUR ? [tally.firstSeen, tally.lastSeen] : [tally.firstSeen]) {
          let reportedAt = at;
          if (live) {
            const key = knownKey(org, stored.indicatorId, at);
            reportedAt = this.known.get(key) ?? Math.max(at, now);
            this.known.set(key, reportedAt);
          }
          sightings.push({ org, subject: stored.indicatorId, at, reportedAt, falsePositive: tally.falsePositive > 0 });
        }
      }
    }
    const subjects: ForecastSubject[] = [];
    const list = [...ids];
    for (let i = 0; i < list.length; i += 500) {
      for (const record of await store.indicators.getMany(list.slice(i, i + 500))) {
        if (!record) continue;
        const actors = [...new Set(record.labels.tags.map(actorOfTag).filter((a): a is string => a !== undefined))];
        subjects.push({ id: record.id, type: record.type, ...(record.labels.malwareFamilies[0] ? { family: record.labels.malwareFamilies[0] } : {}), techniques: record.labels.attackTechniques, ...(actors.length > 0 ? { actors } : {}) });
      }
    }
    sightings.sort((a, b) => a.reportedAt - b.reportedAt);
    // Not Math.min(...spread): a store's millions of sightings overflow the call stack.
    const start = sightings.reduce((earliest, s) => Math.min(earliest, s.at), now);
    return { start, end: now, partners: this.components.partners(), subjects, sightings };
  }

  /** Brings the engine up to now: the first time from the whole history, then step by step. */
  refresh(): Promise<void> {
    this.running ??= (async () => {
      try {
        // An engine that has not learnt enough to forecast is made again from the whole history, as
        // it was seen: sightings imported or caught up in bulk are history, not news.
        if (this.engine && !this.ready()) {
          this.engine = undefined;
          this.known.clear();
        }
        const history = await this.history(this.engine !== undefined);
        this.lastHistory = history;
        const step = this.init.stepHours * HOUR;
        const now = this.components.now();
        if (!this.engine) {
          this.engine = new EarlyWarningEngine({ partners: history.partners, subjects: history.subjects });
          this.cursor = Math.floor(history.start / step) * step;
          // Replayed as seen: from now on, these count as learnt when they were seen.
          for (const sighting of history.sightings) this.known.set(knownKey(sighting.org, sighting.subject, sighting.at), sighting.at);
        } else this.engine.learnSubjects(history.subjects, history.partners);
        const targets = history.partners.map((p) => p.org);
        let next = history.sightings.findIndex((s) => s.reportedAt > this.cursor);
        if (next < 0) next = history.sightings.length;
        for (let t = this.cursor + step; t <= now; t += step) {
          while (next < history.sightings.length && history.sightings[next]!.reportedAt <= t) this.engine.add(history.sightings[next++]!);
          this.engine.step(t, targets);
          this.cursor = t;
        }
        // What arrived since the last origin is known now, for the watch list.
        while (next < history.sightings.length && history.sightings[next]!.reportedAt <= now) this.engine.add(history.sightings[next++]!);
        if (this.init.alertAt !== undefined && this.ready()) await this.raiseAlerts(now, this.init.alertAt);
      } catch (err) {
        this.components.log?.("forecast: refresh failed", { error: (err as Error).message });
      } finally {
        this.running = undefined;
      }
    })();
    return this.running;
  }

  /** Whether the engine has learnt enough to forecast. */
  private ready(): boolean {
    return !!this.engine && this.engine.examples["24h"] >= this.init.minExamples && this.engine.models["24h"].baseRate > 0;
  }

  /** An alert per subject reaching the threshold, once a day at most per subject. */
  private async raiseAlerts(now: number, threshold: number): Promise<void> {
    const due = this.engine!.watch(this.components.orgId, now, 1000).filter((item) => item.probability["24h"] >= threshold && (this.alerted.get(item.key) ?? -Infinity) < now - DAY);
    if (due.length === 0) return;
    const records = await this.components.store.indicators.getMany(due.filter((i) => i.kind === "indicator").map((i) => i.key.slice("indicator:".length)));
    const valueOf = new Map(records.filter((r) => r !== undefined).map((r) => [`indicator:${r!.id}`, r!.blinded ? undefined : r!.value]));
    for (const item of due) {
      this.alerted.set(item.key, now);
      const value = valueOf.get(item.key);
      this.alerts.push({ at: now, key: item.key, kind: item.kind, ...(value ? { value } : {}), probability: item.probability, reasons: item.reasons });
      this.components.log?.("forecast: early warning", { key: item.key, value, probability24h: Math.round(item.probability["24h"] * 1000) / 1000, reasons: item.reasons });
    }
    if (this.alerts.length > ALERTS_KEPT) this.alerts.splice(0, this.alerts.length - ALERTS_KEPT);
  }

  /** Early-warning alerts raised (the threshold `forecast.alertAt`), newest first. */
  warnings(): EarlyWarningAlert[] {
    return [...this.alerts].reverse();
  }

  /** Each indicator's early-warning probabilities for this org, for ordering a detector feed (empty until the engine is ready). */
  async indicatorProbabilities(): Promise<Map<string, { "24h": number; "7d": number }>> {
    await this.refresh();
    if (!this.ready()) return new Map();
    return new Map(this.engine!.watch(this.components.orgId, this.components.now(), 100_000).filter((i) => i.kind === "indicator").map((i) => [i.key.slice("indicator:".length), i.probability]));
  }

  /** This org's watch list, ranked by the chance of a sighting here within 24 hours. */
  async watch(limit: number): Promise<WatchList | Insufficient> {
    await this.refresh();
    const engine = this.engine;
    const learnt = engine?.examples ?? { "24h": 0, "7d": 0 };
    if (!engine || !this.ready()) {
      return { status: "insufficient-history", message: `early warning needs at least ${this.init.minExamples} outcomes learnt, some of them sightings here; it has ${learnt["24h"]} (${Math.round((engine?.models["24h"].baseRate ?? 0) * learnt["24h"])} positive): not enough of the consortium's history to forecast from yet` };
    }
    const items = engine.watch(this.components.orgId, this.components.now(), limit);
    const records = await this.components.store.indicators.getMany(items.filter((i) => i.kind === "indicator").map((i) => i.key.slice("indicator:".length)));
    const byId = new Map(records.filter((r) => r !== undefined).map((r) => [r!.id, r!]));
    return {
      status: "ok",
      asOf: this.components.now(),
      learnt,
      items: items.map((item) => {
        const record = item.kind === "indicator" ? byId.get(item.key.slice("indicator:".length)) : undefined;
        return record ? { ...item, type: record.type, value: record.blinded ? `blinded ${record.value.slice(0, 12)}…` : record.value } : item;
      }),
    };
  }

  /** Sightings a day per category, the last `historyDays` and the next `days`, for the `top` busiest categories. */
  async volume(by: VolumeCategory, days: number, options: { historyDays?: number; top?: number } = {}): Promise<VolumeAnswer | Insufficient> {
    await this.refresh();
    const history = this.lastHistory ?? (await this.history());
    const historyDays = options.historyDays ?? 91;
    const now = this.components.now();
    const today = Math.floor(now / DAY) * DAY;
    const span = Math.floor((today - Math.floor(history.start / DAY) * DAY) / DAY);
    if (history.sightings.length === 0 || span < this.init.minVolumeDays) {
      return { status: "insufficient-history", message: `volume forecasts need ${this.init.minVolumeDays} days of sightings; this node holds ${Math.max(0, span)}` };
    }
    const from = today - Math.min(historyDays, span) * DAY;
    const counts = dailyCounts(history, by, from, Math.round((today - from) / DAY), this.components.tacticsOf);
    const busiest = [...counts].sort((a, b) => b[1].reduce((x, y) => x + y, 0) - a[1].reduce((x, y) => x + y, 0)).slice(0, options.top ?? 8);
    return { status: "ok", by, from, days, series: busiest.map(([category, y]) => ({ category, history: y, forecast: forecastVolume(y, days) })) };
  }

  /**
   * Both backtests on the node's own history (a rolling origin; see backtest.ts and volume.ts),
   * kept for 10 minutes unless the history grew: a backtest replays all of it.
   */
  async backtest(): Promise<BacktestAnswer | Insufficient> {
    // The history the last refresh read, as it was seen: not a second read of the store.
    await this.refresh();
    const read = this.lastHistory ?? (await this.history());
    const history: ForecastHistory = { ...read, sightings: read.sightings.map((s) => ({ ...s, reportedAt: s.at })).sort((a, b) => a.reportedAt - b.reportedAt) };
    const now = this.components.now();
    if (this.lastBacktest && this.lastBacktest.sightings === history.sightings.length && now - this.lastBacktest.at < BACKTEST_KEPT_MS) return this.lastBacktest.answer;
    const answer = this.computeBacktest(history);
    this.lastBacktest = { sightings: history.sightings.length, at: now, answer };
    return answer;
  }

  private computeBacktest(history: ForecastHistory): BacktestAnswer | Insufficient {
    const days = Math.floor((history.end - history.start) / DAY);
    if (history.sightings.length === 0 || days < this.init.minVolumeDays) return { status: "insufficient-history", message: `a backtest needs ${this.init.minVolumeDays} days of sightings; this node holds ${Math.max(0, days)}` };
    const earlyWarning = backtestEarlyWarning(history, { stepMs: 12 * HOUR, warmupMs: 7 * DAY });
    const from = Math.floor(history.start / DAY) * DAY;
    const volume = VOLUME_CATEGORIES.map((by) => backtestVolume(dailyCounts(history, by, from, days, this.components.tacticsOf), by, { warmupDays: 21, horizon: 7 }));
    return { status: "ok", computedAt: this.components.now(), earlyWarning, volume };
  }
}
