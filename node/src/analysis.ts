/**
 * The analysts' parts of a node, composed from its config: report drafts and the ATT&CK
 * categoriser (extract/, categorise/), correlation (correlate/) and forecasts (forecast/). Each is
 * built from the node's store and a few of its views, and started and stopped together, so that
 * node.ts composes them in one line.
 */
import type { Logger } from "pino";
import { CategoriserService } from "./categorise/categoriser-service.js";
import type { NodeConfig } from "./config/config.js";
import { bundledAttackNames, loadCategoriser, warningListsFor } from "./config/reference-data.js";
import { CorrelationService } from "./correlate/correlation-service.js";
import { DraftService } from "./extract/draft-service.js";
import { DEFAULT_FORECAST, ForecastService } from "./forecast/forecast-service.js";
import type { IntelService } from "./intel/intel-service.js";
import { logFn } from "./log.js";
import type { ForecastPartner } from "./model/forecast.js";
import type { IndicatorStore } from "./store/indicator-store.js";

export interface AnalysisComponents {
  store: IndicatorStore;
  orgId: string;
  now(): number;
  intel(): IntelService;
  /** The members with their sector, country and reputation, as the ledger has them now. */
  partners(): ForecastPartner[];
  log: Logger;
}

export interface AnalysisParts {
  drafts: DraftService;
  categoriser: CategoriserService | undefined;
  correlation: CorrelationService | undefined;
  forecast: ForecastService | undefined;
  start(): void;
  stop(): Promise<void>;
}

export function createAnalysisParts(config: NodeConfig, components: AnalysisComponents): AnalysisParts {
  const { store, orgId, now, log } = components;
  const names = bundledAttackNames();
  const model = config.categoriser.enabled ? loadCategoriser(config.categoriser.model) : undefined;
  const categoriser = model ? new CategoriserService({ model, names, objectJson: async (id) => (await components.intel().get(id, { kind: "internal" }))?.object as Record<string, unknown> | undefined }) : undefined;
  const drafts = new DraftService({
    drafts: store.drafts,
    publishObjects: (objects, options) => components.intel().publish(objects, options),
    orgId,
    now,
    warningLists: warningListsFor(config.privacy.warningLists),
    names,
    ...(model ? { categoriser: { model, threshold: config.categoriser.threshold } } : {}),
  });
  const correlation = config.correlation.enabled ? new CorrelationService({}, { store, now, log: logFn(log.child({ part: "correlation" }), "info") }) : undefined;
  const forecast = config.forecast.enabled
    ? new ForecastService(
        { ...DEFAULT_FORECAST, stepHours: config.forecast.stepHours, minExamples: config.forecast.minExamples, ...(config.forecast.alertAt !== undefined ? { alertAt: config.forecast.alertAt } : {}) },
        { store, orgId, partners: components.partners, now, tacticsOf: (technique) => names.tacticsOf(technique), log: logFn(log.child({ part: "forecast" }), "info") },
      )
    : undefined;
  return {
    drafts,
    categoriser,
    correlation,
    forecast,
    start() {
      correlation?.start();
      forecast?.start();
    },
    async stop() {
      await correlation?.stop();
      await forecast?.stop();
    },
  };
}
