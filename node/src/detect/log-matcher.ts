import { rsitClassOf } from "../model/rsit.js";
import type { IndicatorRecord } from "../model/record.js";
import type { AlertRecord } from "../store/alert-repository.js";
import type { IndicatorStore } from "../store/indicator-store.js";
import type { TrustService } from "../trust/trust-service.js";
import { FileFollower } from "./file-follower.js";
import { parserFor, type LogFormat, type Observation } from "./log-formats.js";
import type { Matcher } from "./matcher.js";

const MAX_OPEN_ALERTS = 100_000;

export interface LogSource {
  path: string;
  format: LogFormat;
  fromStart: boolean;
}

export interface LogMatcherInit {
  sources: LogSource[];
  /** Matches of one indicator within this interval become one sighting with their count. */
  sightingIntervalMs: number;
  /**
   * Lines alike (same file, field, value and indicator) within this time of the first become one
   * alert with their count (60 s by default): a beaconing host writes thousands of lines an hour.
   */
  alertWindowMs?: number;
  /** Alerts are deleted this long after they were first matched (30 days by default). */
  alertRetentionMs?: number;
  /** How often old alerts are deleted (hourly by default). */
  alertPruneIntervalMs?: number;
  pollMs?: number;
}

export interface LogMatcherComponents {
  store: IndicatorStore;
  matcher: Matcher;
  trust: TrustService;
  now(): number;
  /** The ATT&CK tactics of a technique, for the alert's incident class (model/rsit.ts). */
  tacticsOf?: (technique: string) => readonly string[];
  log?: (message: string, fields?: Record<string, unknown>) => void;
}

/**
 * Follows detector logs, matches every value worth matching, keeps each match as a local alert,
 * and reports the matched indicators as this org's sightings (through the trust service, so they
 * go to each indicator's audience and into the next epoch's reputation report). A busy log would
 * otherwise send a sighting per line: matches are gathered per indicator and sent once per
 * interval, with their count.
 */
export class LogMatcher {
  private readonly followers: FileFollower[];
  private pending = new Map<string, { record: IndicatorRecord; count: number; lastSeen: number }>();
  /** Alerts still open for folding, by what makes lines alike, with the key they were written under. */
  private open = new Map<string, { key: string; alert: AlertRecord }>();
  private timer: NodeJS.Timeout | undefined;
  private pruneTimer: NodeJS.Timeout | undefined;
  private flushing: Promise<void> = Promise.resolve();
  /** Lines read and matches found, for status. */
  readonly stats = { lines: 0, matches: 0, sightings: 0, alerts: 0, alertsPruned: 0 };

  constructor(
    private readonly init: LogMatcherInit,
    private readonly components: LogMatcherComponents,
  ) {
    this.followers = init.sources.map((source) => {
      const parser = parserFor(source.format);
      return new FileFollower(
        { path: source.path, fromStart: source.fromStart, pollMs: init.pollMs },
        (lines) => this.handle(source, lines.flatMap((line) => parser.parse(line)), lines.length),
        components.log,
      );
    });
  }

  start(): void {
    if (this.timer) return;
    for (const follower of this.followers) follower.start();
    this.timer = setInterval(() => void this.flush(), this.init.sightingIntervalMs);
    this.pruneTimer = setInterval(() => void this.pruneAlerts(), this.init.alertPruneIntervalMs ?? 3_600_000);
    void this.pruneAlerts();
  }

  async stop(): Promise<void> {
    clearInterval(this.timer);
    clearInterval(this.pruneTimer);
    this.timer = undefined;
    await Promise.all(this.followers.map((f) => f.stop()));
    await this.flush();
  }

  /** Reads every source now and sends the pending sightings (for tests and shutdown). */
  async drain(): Promise<void> {
    await Promise.all(this.followers.map((f) => f.poll()));
    await this.flush();
  }

  private async handle(source: LogSource, observations: Observation[], lineCount: number): Promise<void> {
    this.stats.lines += lineCount;
    if (observations.length === 0) return;
    const results = await this.components.matcher.match(observations.map((o) => (o.types ? { value: o.value, types: o.types } : o.value)));
    const at = this.components.now();
    const window = this.init.alertWindowMs ?? 60_000;
    for (const [k, entry] of this.open) if (at - entry.alert.at >= window) this.open.delete(k);
    const written = new Map<string, { key: string; alert: AlertRecord }>();
    let matches = 0;
    results.forEach((result, i) => {
      for (const { reason, indicator } of result.matches) {
        matches++;
        const field = observations[i]!.field;
        const alike = JSON.stringify([source.path, field, result.value, indicator.id]);
        const open = this.open.get(alike);
        if (open) {
          open.alert = { ...open.alert, count: (open.alert.count ?? 1) + 1, lastAt: at, score: indicator.score.score };
        } else {
          const alert: AlertRecord = {
            at,
            source: source.path,
            format: source.format,
            field,
            observed: result.value,
            indicatorId: indicator.id,
            indicatorType: indicator.type,
            indicatorValue: indicator.value,
            reason,
            score: indicator.score.score,
            rsit: rsitClassOf(indicator.labels, this.components.tacticsOf).rsit,
            count: 1,
            lastAt: at,
          };
          this.open.set(alike, { key: this.components.store.alerts.keyFor(at), alert });
          this.stats.alerts++;
          // Bounded: past this many kinds of line in one window, the oldest stop being folded.
          if (this.open.size > MAX_OPEN_ALERTS) this.open.delete(this.open.keys().next().value!);
        }
        written.set(alike, this.open.get(alike)!);
        const entry = this.pending.get(indicator.id) ?? { record: indicator, count: 0, lastSeen: at };
        entry.count++;
        entry.lastSeen = at;
        this.pending.set(indicator.id, entry);
      }
    });
    this.stats.matches += matches;
    // One write for the lines read together: each alert once, new or folded again.
    await this.components.store.addAlerts([...written.values()].map(({ key, alert }) => ({ key, alert })));
  }

  /** Deletes the alerts older than the retention. */
  async pruneAlerts(): Promise<number> {
    try {
      const pruned = await this.components.store.pruneAlerts(this.components.now() - (this.init.alertRetentionMs ?? 30 * 24 * 3_600_000));
      this.stats.alertsPruned += pruned;
      return pruned;
    } catch (err) {
      this.components.log?.("could not delete old alerts", { error: (err as Error).message });
      return 0;
    }
  }

  private flush(): Promise<void> {
    this.flushing = this.flushing.then(async () => {
      const batch = [...this.pending.values()];
      this.pending = new Map();
      for (const { record, count, lastSeen } of batch) {
        try {
          await this.components.trust.sight([record], "sighting", lastSeen, Math.min(count, 1_000_000));
          this.stats.sightings++;
        } catch (err) {
          this.components.log?.("could not report a sighting", { indicator: record.id, error: (err as Error).message });
        }
      }
    });
    return this.flushing;
  }
}
