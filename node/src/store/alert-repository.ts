import type { MatchReason } from "../detect/lookup-index.js";
import type { IndicatorType } from "../model/indicator.js";
import { bucket, decodeJson, encodeJson, sortableNumber, type Database, type Sublevel, type WriteOp } from "./db.js";

/** A detector log line that matched an indicator, or several alike close together. */
export interface AlertRecord {
  /** When it was first matched. */
  at: number;
  /** The log file and its format. */
  source: string;
  format: string;
  field: string;
  observed: string;
  indicatorId: string;
  indicatorType: IndicatorType;
  indicatorValue: string;
  reason: MatchReason;
  score: number;
  /** The incident's class in RSIT (model/rsit.ts), e.g. `fraud:phishing`; absent on alerts of earlier versions. */
  rsit?: string;
  /** Lines alike (same file, field, value and indicator) folded into this alert; 1 when absent (older alerts). */
  count?: number;
  /** When the last of them was matched; `at` when absent. */
  lastAt?: number;
}

/**
 * Local alerts by the time they were first matched (time + a per-process counter keeps keys
 * unique and ordered). An alert folded again keeps its key, so it is rewritten in place.
 */
export class AlertRepository {
  private readonly sublevel: Sublevel;
  private counter = 0;

  constructor(db: Database) {
    this.sublevel = bucket(db, "alerts");
  }

  /** A new alert's key. */
  keyFor(at: number): string {
    return `${sortableNumber(at)}:${sortableNumber(this.counter++ % 1e9, 9)}`;
  }

  putOp(alert: AlertRecord, key = this.keyFor(alert.at)): WriteOp {
    return { type: "put", sublevel: this.sublevel, key, value: encodeJson(alert) };
  }

  async since(since: number, limit: number): Promise<AlertRecord[]> {
    const out: AlertRecord[] = [];
    for await (const value of this.sublevel.values({ gte: sortableNumber(since), limit })) out.push(decodeJson<AlertRecord>(value));
    return out;
  }

  /** Keys of alerts first matched before `before`, oldest first, at most `limit`. */
  async keysBefore(before: number, limit: number): Promise<string[]> {
    const out: string[] = [];
    for await (const key of this.sublevel.keys({ lt: sortableNumber(Math.max(0, before)), limit })) out.push(key);
    return out;
  }

  delOp(key: string): WriteOp {
    return { type: "del", sublevel: this.sublevel, key };
  }
}
