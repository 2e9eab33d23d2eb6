import type { IndicatorRecord } from "../model/record.js";
import type { IndicatorStore } from "../store/indicator-store.js";
import type { ScoredRecord, TrustService } from "../trust/trust-service.js";
import { LookupIndex, type MatchReason } from "./lookup-index.js";

export interface MatcherComponents {
  store: IndicatorStore;
  trust: TrustService;
  log?: (message: string, fields?: Record<string, unknown>) => void;
}

export interface ValueMatch {
  value: string;
  matches: Array<{ reason: MatchReason; indicator: ScoredRecord }>;
}

/**
 * Matches what detectors observe against every indicator the node holds: builds the lookup index
 * from the store at start, follows the store's writes and prunes, and answers with the matched
 * records and their scores. Quarantined and expired indicators do not match unless asked for:
 * they never reach a detector.
 */
export class Matcher {
  readonly index = new LookupIndex();
  /** Values looked up, and of them those that matched at least one indicator (after scoring). */
  readonly stats = { values: 0, matched: 0 };
  private running = false;
  private readonly onRecords = (records: IndicatorRecord[]) => {
    for (const record of records) this.index.add(record);
  };
  private readonly onPruned = (records: IndicatorRecord[]) => {
    for (const record of records) this.index.remove(record);
  };

  constructor(private readonly components: MatcherComponents) {}

  async start(): Promise<void> {
    if (this.running) return;
    this.running = true;
    // Subscribe first: a write during the scan lands in the index either way (adds are idempotent).
    this.components.store.on("records", this.onRecords);
    this.components.store.on("pruned", this.onPruned);
    for await (const record of this.components.store.allRecords()) this.index.add(record);
  }

  stop(): void {
    if (!this.running) return;
    this.running = false;
    this.components.store.off("records", this.onRecords);
    this.components.store.off("pruned", this.onPruned);
  }

  /** For each value, the indicators it matches and why. */
  async match(values: string[], options: { includeQuarantined?: boolean } = {}): Promise<ValueMatch[]> {
    const { store, trust } = this.components;
    this.stats.values += values.length;
    const ring = store.blindingKeyRing();
    const hits = values.map((value) => ({ value, found: this.index.match(value, ring) }));
    const ids = [...new Set(hits.flatMap((h) => h.found.map((f) => f.id)))];
    const records = (await store.indicators.getMany(ids)).filter((r): r is IndicatorRecord => r !== undefined);
    const scored = new Map((await trust.scored(records, { kind: "internal" })).map((r) => [r.id, r]));
    const results = hits.map(({ value, found }) => ({
      value,
      matches: found.flatMap((f) => {
        const indicator = scored.get(f.id);
        if (!indicator || (indicator.score.quarantined && !options.includeQuarantined)) return [];
        return [{ reason: f.reason, indicator }];
      }),
    }));
    this.stats.matched += results.filter((r) => r.matches.length > 0).length;
    return results;
  }
}
