import type { ForecastHistory, ForecastHorizon } from "../model/forecast.js";
import { FORECAST_HORIZONS } from "../model/forecast.js";
import { EarlyWarningEngine, replay } from "./early-warning.js";
import { brier, reliability, rocAuc, type ReliabilityBin } from "./forecast-metrics.js";

/**
 * Early warning measured on a history, prequentially (a rolling origin): at each origin every
 * partner's candidates are scored by the model as it stands, and each outcome is learnt only once
 * its horizon (and the reporting grace) has passed; only predictions made after a warm-up are
 * scored. Beside the model, in the same run on the same examples: the base rate (the share of
 * outcomes positive so far) and the "seen by more partners" heuristic (the rate observed so far
 * among examples seen by as many partners), both learnt online the same way. Pure.
 */

export interface BacktestOptions {
  stepMs: number;
  warmupMs: number;
  /** Partners whose candidates are scored (all, if not given). */
  targets?: string[];
}

export interface ScoredModel {
  model: string;
  auc: number;
  brier: number;
  reliability: ReliabilityBin[];
}

export interface EarlyWarningBacktest {
  horizon: ForecastHorizon;
  examples: number;
  positives: number;
  models: ScoredModel[];
}

interface Tag {
  base: number;
  heuristic: number;
  partners: number;
}

const bucket = (partners: number) => Math.min(6, partners);

export function backtestEarlyWarning(history: ForecastHistory, options: BacktestOptions): EarlyWarningBacktest[] {
  const engine = new EarlyWarningEngine({ partners: history.partners, subjects: history.subjects });
  const targets = options.targets ?? history.partners.map((p) => p.org);
  const scoredFrom = history.start + options.warmupMs;
  const table = new Map<string, { n: number; positive: number }>();
  const rate = { n: 0, positive: 0 };
  const out = new Map<ForecastHorizon, { model: number[]; base: number[]; heuristic: number[]; outcome: boolean[] }>(FORECAST_HORIZONS.map((h) => [h, { model: [], base: [], heuristic: [], outcome: [] }]));
  replay(history, engine, {
    from: history.start + options.stepMs,
    to: history.end,
    stepMs: options.stepMs,
    targets,
    onStep: (t, resolved) => {
      for (const r of resolved) {
        const tag = r.tag as Tag;
        const key = `${r.horizon}:${bucket(tag.partners)}`;
        const cell = table.get(key) ?? { n: 0, positive: 0 };
        cell.n++;
        if (r.outcome) cell.positive++;
        table.set(key, cell);
        if (r.horizon === "24h") {
          rate.n++;
          if (r.outcome) rate.positive++;
        }
        if (r.origin < scoredFrom) continue;
        const series = out.get(r.horizon)!;
        series.model.push(r.predicted);
        series.base.push(tag.base);
        series.heuristic.push(tag.heuristic);
        series.outcome.push(r.outcome);
      }
      for (const p of engine.pendingAt(t)) {
        const partners = Math.round(Math.expm1(p.x[0]!));
        const cell = table.get(`${p.horizon}:${bucket(partners)}`);
        const base = engine.models[p.horizon].baseRate;
        p.tag = { base, heuristic: cell && cell.n > 0 ? cell.positive / cell.n : base, partners } satisfies Tag;
      }
    },
  });
  return FORECAST_HORIZONS.map((horizon) => {
    const s = out.get(horizon)!;
    const score = (model: string, p: number[]): ScoredModel => ({ model, auc: rocAuc(p, s.outcome), brier: brier(p, s.outcome), reliability: reliability(p, s.outcome) });
    return {
      horizon,
      examples: s.outcome.length,
      positives: s.outcome.filter(Boolean).length,
      models: [score("base rate", s.base), score("seen by more partners", s.heuristic), score("early warning (online logistic regression)", s.model)],
    };
  });
}

export function formatEarlyWarningBacktest(results: EarlyWarningBacktest[]): string {
  const lines: string[] = [];
  for (const r of results) {
    lines.push(`early warning, ${r.horizon}: ${r.examples} predictions scored, ${r.positives} positive (${((100 * r.positives) / Math.max(1, r.examples)).toFixed(2)}%)`);
    lines.push(`  ${"model".padEnd(44)} ROC AUC  Brier`);
    for (const m of r.models) lines.push(`  ${m.model.padEnd(44)} ${m.auc.toFixed(3)}    ${m.brier.toFixed(4)}`);
    const ours = r.models.at(-1)!;
    lines.push(`  reliability of the model: ${ours.reliability.map((b) => `[${b.from.toFixed(1)},${b.to.toFixed(1)}) n=${b.count} predicted ${b.meanPredicted.toFixed(3)} observed ${b.observed.toFixed(3)}`).join("; ")}`);
  }
  return lines.join("\n");
}
