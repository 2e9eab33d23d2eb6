import { randomUUID } from "node:crypto";
import { readFile } from "node:fs/promises";
import { basename, dirname } from "node:path";
import type { IndicatorRecord } from "../model/record.js";
import type { IndicatorType } from "../model/indicator.js";
import type { IndicatorStore } from "../store/indicator-store.js";
import type { ScoredRecord, TrustService } from "../trust/trust-service.js";
import { writeFilesAtomically } from "./export-writer.js";
import { LookupIndex, type MatchReason } from "./lookup-index.js";
import { decodeLookupSnapshot, encodeLookupSnapshot } from "./lookup-snapshot.js";

export interface MatcherInit {
  /** Where the lookup index is saved at a clean stop and loaded from at start; none: always rebuilt. */
  snapshotFile?: string;
}

export interface MatcherComponents {
  store: IndicatorStore;
  trust: Pick<TrustService, "scored">;
  log?: (message: string, fields?: Record<string, unknown>) => void;
}

/** A value whose source says what it can be (the user agent of an HTTP log line, a file's name). */
export interface TypedValue {
  value: string;
  types: readonly IndicatorType[];
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
  /** How the index was built at start: from the snapshot of the last clean stop, or by reading every record. */
  builtFrom: "snapshot" | "records" | undefined;
  private running = false;
  private readonly onRecords = (records: IndicatorRecord[]) => {
    for (const record of records) this.index.add(record);
  };
  private readonly onPruned = (records: IndicatorRecord[]) => {
    for (const record of records) this.index.remove(record);
  };

  constructor(
    private readonly init: MatcherInit,
    private readonly components: MatcherComponents,
  ) {}

  /** Builds the index; to be started before anything writes to the store, and stopped after. */
  async start(): Promise<void> {
    if (this.running) return;
    this.running = true;
    // Subscribe first: a write during the scan lands in the index either way (adds are idempotent).
    this.components.store.on("records", this.onRecords);
    this.components.store.on("pruned", this.onPruned);
    if (await this.loadSnapshot()) {
      this.builtFrom = "snapshot";
      return;
    }
    for await (const key of this.components.store.allRecordKeys()) this.index.add(key);
    this.builtFrom = "records";
  }

  /** Stops following the store and saves the index for the next start; the store must still be open. */
  async stop(): Promise<void> {
    if (!this.running) return;
    this.running = false;
    this.components.store.off("records", this.onRecords);
    this.components.store.off("pruned", this.onPruned);
    const file = this.init.snapshotFile;
    if (!file) return;
    try {
      const token = randomUUID();
      await writeFilesAtomically(dirname(file), { [basename(file)]: encodeLookupSnapshot(this.index.snapshot(token)) });
      await this.components.store.recordLookupSnapshotToken(token);
    } catch (err) {
      // Not saved: the next start reads every record instead.
      this.components.log?.("could not save the lookup index", { error: (err as Error).message });
    }
  }

  private async loadSnapshot(): Promise<boolean> {
    const file = this.init.snapshotFile;
    if (!file) return false;
    const token = await this.components.store.takeLookupSnapshotToken();
    if (!token) return false;
    try {
      const snapshot = decodeLookupSnapshot(await readFile(file));
      if (snapshot.token !== token) throw new Error("the snapshot file is not the one saved with the store");
      this.index.restore(snapshot);
      return true;
    } catch (err) {
      this.components.log?.("lookup index snapshot unusable; reading every record instead", { error: (err as Error).message });
      return false;
    }
  }

  /**
   * For each value, the indicators it matches and why. A value given with its types (a user agent,
   * a file name: what the field it came from says it is) is matched as those types only.
   */
  async match(values: ReadonlyArray<string | TypedValue>, options: { includeQuarantined?: boolean } = {}): Promise<ValueMatch[]> {
    const { store, trust } = this.components;
    this.stats.values += values.length;
    const ring = store.blindingKeyRing();
    const hits = values.map((given) =>
      typeof given === "string" ? { value: given, found: this.index.match(given, ring) } : { value: given.value, found: this.index.match(given.value, ring, given.types) },
    );
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
