import type { MatchReason } from "../detect/lookup-index.js";
import type { IndicatorType } from "../model/indicator.js";
import { bucket, decodeJson, encodeJson, sortableNumber, type Database, type Sublevel, type WriteOp } from "./db.js";

/** A detector log line that matched an indicator. */
export interface AlertRecord {
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
}

/** Local alerts by time (time + a per-process counter keeps keys unique and ordered). */
export class AlertRepository {
  private readonly sublevel: Sublevel;
  private counter = 0;

  constructor(db: Database) {
    this.sublevel = bucket(db, "alerts");
  }

  putOp(alert: AlertRecord): WriteOp {
    const key = `${sortableNumber(alert.at)}:${sortableNumber(this.counter++ % 1e9, 9)}`;
    return { type: "put", sublevel: this.sublevel, key, value: encodeJson(alert) };
  }

  async since(since: number, limit: number): Promise<AlertRecord[]> {
    const out: AlertRecord[] = [];
    for await (const value of this.sublevel.values({ gte: sortableNumber(since), limit })) out.push(decodeJson<AlertRecord>(value));
    return out;
  }
}
