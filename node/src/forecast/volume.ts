import type { ForecastHistory } from "../model/forecast.js";
import { rsitClassOf } from "../model/rsit.js";
import { coverage, mase, meanAbsoluteError } from "./forecast-metrics.js";

/**
 * Volume forecasts: sightings a day per category (malware family, technique, RSIT class, the
 * reporter's sector) for the coming days, with prediction intervals. Two methods, chosen by the
 * series: additive Holt-Winters (exponential smoothing with level, trend and a weekly season,
 * ETS(A,A,A)), its three smoothing parameters picked on a grid by one-step error, for series
 * with enough counts; and for sparse ones (under two a day), a Poisson model whose rate per
 * weekday is the mean of the last four weeks, its interval Poisson's. Both are the textbook
 * methods; we wrote them (60 lines) because no maintained JavaScript package implements ETS (the
 * one maintained forecasting package, `arima`, is ARIMA compiled to WebAssembly). Pure.
 */

const DAY = 86_400_000;
export const SEASON = 7;
/** z for a two-sided 80% interval. */
const Z80 = 1.2816;

export const VOLUME_CATEGORIES = ["malware", "technique", "rsit", "sector"] as const;
export type VolumeCategory = (typeof VOLUME_CATEGORIES)[number];

export interface VolumeForecast {
  method: "holt-winters" | "poisson" | "seasonal-naive";
  mean: number[];
  lower: number[];
  upper: number[];
}

/** Sightings a day per category from `from` (UTC midnight) for `days` days; false positives left out. */
export function dailyCounts(history: ForecastHistory, by: VolumeCategory, from: number, days: number, tacticsOf: (t: string) => readonly string[] = () => []): Map<string, number[]> {
  const subjects = new Map(history.subjects.map((s) => [s.id, s]));
  const sectors = new Map(history.partners.map((p) => [p.org, p.sector]));
  const series = new Map<string, number[]>();
  const count = (category: string, day: number) => {
    let s = series.get(category);
    if (!s) series.set(category, (s = new Array<number>(days).fill(0)));
    s[day]!++;
  };
  for (const sighting of history.sightings) {
    if (sighting.falsePositive) continue;
    const day = Math.floor((sighting.at - from) / DAY);
    if (day < 0 || day >= days) continue;
    const subject = subjects.get(sighting.subject);
    if (by === "sector") count(sectors.get(sighting.org) ?? "unknown", day);
    else if (by === "malware") {
      if (subject?.family) count(subject.family, day);
    } else if (by === "technique") for (const t of subject?.techniques ?? []) count(t, day);
    else count(rsitClassOf({ tags: [], malwareFamilies: subject?.family ? [subject.family] : [], attackTechniques: subject?.techniques ?? [] }, tacticsOf).rsit, day);
  }
  return series;
}

function holtWintersFit(y: readonly number[], alpha: number, beta: number, gamma: number) {
  const m = SEASON;
  let level = y.slice(0, m).reduce((a, b) => a + b, 0) / m;
  let trend = (y.slice(m, 2 * m).reduce((a, b) => a + b, 0) - y.slice(0, m).reduce((a, b) => a + b, 0)) / (m * m);
  const season = y.slice(0, m).map((v) => v - level);
  let sse = 0;
  let n = 0;
  for (let t = m; t < y.length; t++) {
    const s = season[t % m]!;
    const predicted = level + trend + s;
    const error = y[t]! - predicted;
    sse += error * error;
    n++;
    const previous = level;
    level = alpha * (y[t]! - s) + (1 - alpha) * (level + trend);
    trend = beta * (level - previous) + (1 - beta) * trend;
    season[t % m] = gamma * (y[t]! - level) + (1 - gamma) * s;
  }
  return { level, trend, season, sigma: Math.sqrt(sse / Math.max(1, n)), sse, length: y.length };
}

/** Holt-Winters (additive, weekly season) on `y`, forecast `horizon` days with an 80% interval. */
export function holtWinters(y: readonly number[], horizon: number): VolumeForecast {
  let best: { fit: ReturnType<typeof holtWintersFit>; alpha: number; beta: number; gamma: number } | undefined;
  for (const alpha of [0.05, 0.1, 0.2, 0.3, 0.5, 0.7])
    for (const beta of [0, 0.02, 0.1])
      for (const gamma of [0.05, 0.1, 0.3]) {
        const fit = holtWintersFit(y, alpha, beta, gamma);
        if (!best || fit.sse < best.fit.sse) best = { fit, alpha, beta, gamma };
      }
  const { fit, alpha, beta, gamma } = best!;
  const mean: number[] = [];
  const lower: number[] = [];
  const upper: number[] = [];
  for (let h = 1; h <= horizon; h++) {
    const value = fit.level + h * fit.trend + fit.season[(fit.length + h - 1) % SEASON]!;
    // ETS(A,A,A) forecast variance: sigma^2 (1 + sum over j < h of (alpha + j alpha beta + gamma [j is a season])^2).
    let variance = 1;
    for (let j = 1; j < h; j++) variance += (alpha + j * alpha * beta + (j % SEASON === 0 ? gamma : 0)) ** 2;
    const half = Z80 * fit.sigma * Math.sqrt(variance);
    mean.push(Math.max(0, value));
    lower.push(Math.max(0, value - half));
    upper.push(Math.max(0, value + half));
  }
  return { method: "holt-winters", mean, lower, upper };
}

/** Poisson quantile by summing the mass function (rates here are small). */
function poissonQuantile(rate: number, q: number): number {
  let k = 0;
  let p = Math.exp(-rate);
  let sum = p;
  while (sum < q && k < 10_000) {
    k++;
    p *= rate / k;
    sum += p;
  }
  return k;
}

/** Each weekday's mean over the last four weeks, Poisson intervals (80%). */
export function seasonalPoisson(y: readonly number[], horizon: number): VolumeForecast {
  const mean: number[] = [];
  const lower: number[] = [];
  const upper: number[] = [];
  for (let h = 1; h <= horizon; h++) {
    const same: number[] = [];
    for (let back = SEASON - ((h - 1) % SEASON); y.length - back >= 0 && same.length < 4; back += SEASON) same.push(y[y.length - back]!);
    const rate = same.length > 0 ? same.reduce((a, b) => a + b, 0) / same.length : 0;
    mean.push(rate);
    lower.push(poissonQuantile(rate, 0.1));
    upper.push(poissonQuantile(rate, 0.9));
  }
  return { method: "poisson", mean, lower, upper };
}

/** The same day a week before: the baseline every forecast must beat. */
export function seasonalNaive(y: readonly number[], horizon: number): VolumeForecast {
  const mean = Array.from({ length: horizon }, (_, h) => y[y.length - SEASON + (h % SEASON)] ?? 0);
  return { method: "seasonal-naive", mean, lower: mean, upper: mean };
}

/** The forecast the node makes of a series: Holt-Winters when it has counts, Poisson when sparse. */
export function forecastVolume(y: readonly number[], horizon: number): VolumeForecast {
  const recent = y.slice(-28);
  const average = recent.reduce((a, b) => a + b, 0) / Math.max(1, recent.length);
  return average >= 2 && y.length >= 3 * SEASON ? holtWinters(y, horizon) : seasonalPoisson(y, horizon);
}

export interface VolumeBacktest {
  category: VolumeCategory;
  series: number;
  origins: number;
  /** Mean over series and origins. */
  forecast: { mae: number; mase: number; coverage80: number };
  seasonalNaive: { mae: number; mase: number };
}

/**
 * Rolling origin: every week after `warmupDays`, each series forecast `horizon` days from what
 * came before; MAE, MASE (scaled by the in-sample MAE of seasonal-naive) and 80% coverage,
 * beside seasonal-naive's own MAE and MASE on the same days.
 */
export function backtestVolume(series: Map<string, number[]>, category: VolumeCategory, options: { warmupDays: number; horizon: number; minTotal?: number }): VolumeBacktest {
  const ours = { mae: 0, mase: 0, coverage: 0, n: 0 };
  const naive = { mae: 0, mase: 0 };
  let origins = 0;
  let used = 0;
  for (const y of series.values()) {
    if (y.reduce((a, b) => a + b, 0) < (options.minTotal ?? 20)) continue;
    used++;
    for (let origin = options.warmupDays; origin + options.horizon <= y.length; origin += SEASON) {
      const past = y.slice(0, origin);
      const actual = y.slice(origin, origin + options.horizon);
      const f = forecastVolume(past, options.horizon);
      const n = seasonalNaive(past, options.horizon);
      const scaledOurs = mase(actual, f.mean, past);
      const scaledNaive = mase(actual, n.mean, past);
      if (!Number.isFinite(scaledOurs) || !Number.isFinite(scaledNaive)) continue;
      ours.mae += meanAbsoluteError(actual, f.mean);
      ours.mase += scaledOurs;
      ours.coverage += coverage(actual, f.lower, f.upper);
      naive.mae += meanAbsoluteError(actual, n.mean);
      naive.mase += scaledNaive;
      ours.n++;
      origins++;
    }
  }
  const k = Math.max(1, ours.n);
  return { category, series: used, origins, forecast: { mae: ours.mae / k, mase: ours.mase / k, coverage80: ours.coverage / k }, seasonalNaive: { mae: naive.mae / k, mase: naive.mase / k } };
}
