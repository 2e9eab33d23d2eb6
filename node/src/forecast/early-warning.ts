import type { ForecastHistory, ForecastHorizon, ForecastPartner, ForecastSighting, ForecastSubject } from "../model/forecast.js";
import { FORECAST_HORIZONS, HORIZON_MS } from "../model/forecast.js";
import { OnlineLogistic, type OnlineLogisticState } from "./online-logistic.js";

/**
 * Early warning: for each indicator, malware family, ATT&CK technique and actor partners have sighted
 * and an organisation has not (in the last 14 days), the probability that this organisation
 * sights it within 24 hours and within 7 days. Features from what the node holds at that moment
 * (features below), one online logistic regression per horizon (online-logistic.ts), learning
 * each outcome once its horizon has passed. Pure: sightings go in as they are reported, origins
 * are stepped by the caller, nothing is read from the clock.
 *
 * The same engine makes the node's watch list, trains on the node's own history, and runs the
 * backtest (backtest.ts), so what is measured is what runs.
 */

const HOUR = 3_600_000;
const DAY = 24 * HOUR;
/** A subject partners sighted longer ago than this is no longer a candidate. */
export const CANDIDATE_WINDOW_MS = 14 * DAY;
/** Sightings older than this are forgotten (the longest window a feature or outcome looks at). */
const MEMORY_MS = 30 * DAY;
/** AdaGrad step 0.03: 0.1 made the 7-day model overconfident above 0.5 and its Brier score worse (0.0466 against 0.0460 on the test simulation). */
const MODEL_OPTIONS = { learningRate: 0.03, l2: 1e-4 };
/** An outcome is learnt this long after its horizon ends: sightings are reported hours late. */
export const RESOLVE_GRACE_MS = 12 * HOUR;

export type SubjectKind = "indicator" | "malware" | "technique" | "actor";

export const FEATURES = [
  "partners",
  "hoursSinceLast",
  "hoursSinceFirst",
  "sameSector",
  "sameCountry",
  "reputation",
  "partnersLast24h",
  "falsePositiveShare",
  "familyPartners7d",
  "familySameSector7d",
  "familySeenHere7d",
  "kindIndicator",
  "kindMalware",
  "kindTechnique",
  "kindActor",
  "typeNetwork",
  "typeFile",
] as const;

interface OrgTally {
  first: number;
  last: number;
  count: number;
  falsePositives: number;
}

interface SubjectState {
  key: string;
  kind: SubjectKind;
  subject?: ForecastSubject;
  byOrg: Map<string, OrgTally>;
  /** Recent sightings (at most MEMORY_MS old) per org, in the order they were reported. */
  times: Map<string, number[]>;
  /** The oldest of them: when forgetting has anything to do. */
  oldest: number;
  last: number;
}

export interface WatchItem {
  key: string;
  kind: SubjectKind;
  subject?: ForecastSubject;
  probability: Record<ForecastHorizon, number>;
  /** What raised it most, in words. */
  reasons: string[];
  features: Record<(typeof FEATURES)[number], number>;
}

export interface EngineState {
  version: 1;
  models: Record<ForecastHorizon, OnlineLogisticState>;
}

/** Keys a sighting of a subject counts for: the indicator, its family, each of its techniques. */
function keysOf(subject: ForecastSubject | undefined, id: string): Array<[string, SubjectKind]> {
  const keys: Array<[string, SubjectKind]> = [[`indicator:${id}`, "indicator"]];
  if (subject?.family) keys.push([`malware:${subject.family}`, "malware"]);
  for (const t of subject?.techniques ?? []) keys.push([`technique:${t}`, "technique"]);
  for (const a of subject?.actors ?? []) keys.push([`actor:${a}`, "actor"]);
  return keys;
}

const NETWORK = new Set(["ipv4", "ipv6", "cidr", "domain", "url", "email", "ja3", "ja3s", "ja4", "asn", "user-agent", "x509-sha1", "x509-sha256", "x509-md5"]);

export interface PendingExample {
  key: string;
  org: string;
  origin: number;
  horizon: ForecastHorizon;
  x: Float64Array;
  /** The model's probability when the example was made, before its outcome was known. */
  predicted: number;
  /** What the caller wants back with the outcome (the backtest keeps its baselines' scores here). */
  tag?: unknown;
}

export class EarlyWarningEngine {
  private readonly subjects: Map<string, ForecastSubject>;
  private readonly partners: Map<string, ForecastPartner>;
  private readonly state = new Map<string, SubjectState>();
  readonly models: Record<ForecastHorizon, OnlineLogistic>;
  /** Per horizon, in the order made: origins only grow, so the oldest resolve first. */
  private readonly pending: Record<ForecastHorizon, PendingExample[]> = { "24h": [], "7d": [] };
  private readonly pendingHead: Record<ForecastHorizon, number> = { "24h": 0, "7d": 0 };
  private madeAt: Record<ForecastHorizon, { origin: number; from: number }> = { "24h": { origin: -1, from: 0 }, "7d": { origin: -1, from: 0 } };
  private now = 0;

  constructor(input: { partners: ForecastPartner[]; subjects: ForecastSubject[]; state?: EngineState }) {
    this.partners = new Map(input.partners.map((p) => [p.org, p]));
    this.subjects = new Map(input.subjects.map((s) => [s.id, s]));
    this.models = {
      "24h": input.state ? OnlineLogistic.fromState(input.state.models["24h"], MODEL_OPTIONS) : new OnlineLogistic(FEATURES.length, MODEL_OPTIONS),
      "7d": input.state ? OnlineLogistic.fromState(input.state.models["7d"], MODEL_OPTIONS) : new OnlineLogistic(FEATURES.length, MODEL_OPTIONS),
    };
  }

  /** Subjects and partners learnt since the engine was made (new indicators, members, sectors). */
  learnSubjects(subjects: readonly ForecastSubject[], partners: readonly ForecastPartner[]): void {
    for (const s of subjects) this.subjects.set(s.id, s);
    for (const p of partners) this.partners.set(p.org, p);
  }

  toState(): EngineState {
    return { version: 1, models: { "24h": this.models["24h"].toState(), "7d": this.models["7d"].toState() } };
  }

  /** Outcomes learnt so far (per horizon). */
  get examples(): Record<ForecastHorizon, number> {
    return { "24h": this.models["24h"].examples, "7d": this.models["7d"].examples };
  }

  /** A sighting as the node learns of it (reportedAt), in reporting order. */
  add(sighting: ForecastSighting): void {
    this.now = Math.max(this.now, sighting.reportedAt);
    for (const [key, kind] of keysOf(this.subjects.get(sighting.subject), sighting.subject)) {
      let s = this.state.get(key);
      if (!s) this.state.set(key, (s = { key, kind, subject: kind === "indicator" ? this.subjects.get(sighting.subject) : undefined, byOrg: new Map(), times: new Map(), oldest: Infinity, last: 0 }));
      const tally = s.byOrg.get(sighting.org) ?? { first: sighting.at, last: sighting.at, count: 0, falsePositives: 0 };
      tally.first = Math.min(tally.first, sighting.at);
      tally.last = Math.max(tally.last, sighting.at);
      tally.count++;
      if (sighting.falsePositive) tally.falsePositives++;
      s.byOrg.set(sighting.org, tally);
      s.oldest = Math.min(s.oldest, sighting.at);
      const times = s.times.get(sighting.org);
      if (times) times.push(sighting.at);
      else s.times.set(sighting.org, [sighting.at]);
      s.last = Math.max(s.last, sighting.at);
    }
  }

  /** Forgets what no feature or outcome can look at any more. */
  private forget(t: number): void {
    for (const [key, s] of this.state) {
      if (s.last < t - MEMORY_MS) {
        this.state.delete(key);
        continue;
      }
      if (s.oldest < t - MEMORY_MS) {
        s.oldest = Infinity;
        for (const [org, times] of s.times) {
          const kept = times.filter((at) => at >= t - MEMORY_MS);
          if (kept.length === 0) s.times.delete(org);
          else s.times.set(org, kept);
          for (const at of kept) s.oldest = Math.min(s.oldest, at);
        }
      }
    }
  }

  /** Whether `org` sighted `key` in (from, to], as far as is known now. */
  private sightedIn(key: string, org: string, from: number, to: number): boolean {
    const s = this.state.get(key);
    return !!s && (s.times.get(org)?.some((at) => at > from && at <= to) ?? false);
  }

  private features(s: SubjectState, target: ForecastPartner, t: number, familyCache: Map<string, [number, number, number]>): Float64Array {
    const x = new Float64Array(FEATURES.length);
    let partners = 0;
    let first = Infinity;
    let last = 0;
    let sameSector = 0;
    let sameCountry = 0;
    let reputation = 0;
    let recent = 0;
    let count = 0;
    let falsePositives = 0;
    for (const [org, tally] of s.byOrg) {
      if (org === target.org || tally.first > t) continue;
      partners++;
      first = Math.min(first, tally.first);
      last = Math.max(last, tally.last);
      const p = this.partners.get(org);
      if (p?.sector === target.sector) sameSector++;
      if (p?.country === target.country) sameCountry = 1;
      reputation += p?.reputation ?? 0.5;
      if (tally.last >= t - DAY) recent++;
      count += tally.count;
      falsePositives += tally.falsePositives;
    }
    x[0] = Math.log1p(partners);
    x[1] = Math.log1p(Math.max(0, t - last) / HOUR);
    x[2] = Math.log1p(Math.max(0, t - first) / HOUR);
    x[3] = Math.log1p(sameSector);
    x[4] = sameCountry;
    x[5] = partners > 0 ? reputation / partners : 0.5;
    x[6] = Math.log1p(recent);
    x[7] = count > 0 ? falsePositives / count : 0;
    const family = s.kind === "indicator" && s.subject?.family ? this.state.get(`malware:${s.subject.family}`) : s.kind === "malware" ? s : undefined;
    if (family) {
      // The same for every indicator of the family at this origin: computed once per target.
      let cached = familyCache.get(family.key);
      if (!cached) {
        const orgs = new Set<string>();
        let familySector = 0;
        let here = 0;
        // One entry per org: each counts once.
        for (const [org, times] of family.times) {
          if (!times.some((at) => at >= t - 7 * DAY && at <= t)) continue;
          if (org === target.org) here = 1;
          else {
            orgs.add(org);
            if (this.partners.get(org)?.sector === target.sector) familySector++;
          }
        }
        familyCache.set(family.key, (cached = [Math.log1p(orgs.size), Math.log1p(familySector), here]));
      }
      [x[8], x[9], x[10]] = cached;
    }
    x[11] = s.kind === "indicator" ? 1 : 0;
    x[12] = s.kind === "malware" ? 1 : 0;
    x[13] = s.kind === "technique" ? 1 : 0;
    x[14] = s.kind === "actor" ? 1 : 0;
    x[15] = s.kind === "indicator" && NETWORK.has(s.subject?.type ?? "") ? 1 : 0;
    x[16] = s.kind === "indicator" && !NETWORK.has(s.subject?.type ?? "") ? 1 : 0;
    return x;
  }

  /** Subjects `target` could be warned of at t: sighted by partners in the window, not by it. */
  private candidates(target: ForecastPartner, t: number): SubjectState[] {
    const out: SubjectState[] = [];
    for (const s of this.state.values()) {
      if (s.last < t - CANDIDATE_WINDOW_MS) continue;
      let others = false;
      let here = false;
      for (const [org, tally] of s.byOrg) {
        if (tally.first > t) continue;
        if (org === target.org) {
          if (tally.last > t - CANDIDATE_WINDOW_MS) here = true;
        } else if (tally.last > t - CANDIDATE_WINDOW_MS && tally.falsePositives < tally.count) others = true;
      }
      if (others && !here) out.push(s);
    }
    return out;
  }

  /**
   * Learns every pending outcome whose horizon has passed by `t`, then, for each target, scores
   * its candidates and keeps them pending. Returns the outcomes learnt (for a backtest to score
   * what was predicted before it was learnt).
   */
  step(t: number, targets: readonly string[]): Array<PendingExample & { outcome: boolean }> {
    this.forget(t);
    const resolved: Array<PendingExample & { outcome: boolean }> = [];
    for (const horizon of FORECAST_HORIZONS) {
      const queue = this.pending[horizon];
      let head = this.pendingHead[horizon];
      while (head < queue.length && queue[head]!.origin + HORIZON_MS[horizon] + RESOLVE_GRACE_MS <= t) {
        const p = queue[head++]!;
        const outcome = this.sightedIn(p.key, p.org, p.origin, p.origin + HORIZON_MS[horizon]);
        this.models[horizon].update(p.x, outcome);
        // The example itself, its outcome set: a copy of each of millions was a fifth of the time, in the collector.
        const learnt = p as PendingExample & { outcome: boolean };
        learnt.outcome = outcome;
        resolved.push(learnt);
      }
      // Drop what was learnt once it is most of the queue (amortised: no copy at every step).
      if (head > 4096 && head * 2 > queue.length) {
        this.pending[horizon] = queue.slice(head);
        head = 0;
      }
      this.pendingHead[horizon] = head;
      this.madeAt[horizon] = { origin: t, from: this.pending[horizon].length };
    }
    for (const org of targets) {
      const target = this.partners.get(org);
      if (!target) continue;
      const familyCache = new Map<string, [number, number, number]>();
      for (const s of this.candidates(target, t)) {
        const x = this.features(s, target, t, familyCache);
        for (const horizon of FORECAST_HORIZONS) this.pending[horizon].push({ key: s.key, org, origin: t, horizon, x, predicted: this.models[horizon].predict(x) });
      }
    }
    return resolved;
  }

  /** What is pending (for a backtest to attach its predictions to). */
  pendingAt(t: number): PendingExample[] {
    return FORECAST_HORIZONS.flatMap((h) => (this.madeAt[h].origin === t ? this.pending[h].slice(this.madeAt[h].from) : []));
  }

  /** The ranked watch list of `org` at t, without learning anything. */
  watch(org: string, t: number, limit = 50): WatchItem[] {
    const target = this.partners.get(org);
    if (!target) return [];
    const items: WatchItem[] = [];
    const familyCache = new Map<string, [number, number, number]>();
    for (const s of this.candidates(target, t)) {
      const x = this.features(s, target, t, familyCache);
      const probability = { "24h": this.models["24h"].predict(x), "7d": this.models["7d"].predict(x) };
      const contributions = this.models["7d"].contributions(x);
      const reasons = [...contributions.entries()]
        .filter(([, c]) => c > 0.05)
        .sort((a, b) => b[1] - a[1])
        .slice(0, 3)
        .map(([i]) => reasonText(FEATURES[i]!, x, i, target));
      items.push({ key: s.key, kind: s.kind, ...(s.subject ? { subject: s.subject } : {}), probability, reasons, features: Object.fromEntries(FEATURES.map((f, i) => [f, Math.round(x[i]! * 1000) / 1000])) as WatchItem["features"] });
    }
    return items.sort((a, b) => b.probability["24h"] - a.probability["24h"] || b.probability["7d"] - a.probability["7d"] || a.key.localeCompare(b.key)).slice(0, limit);
  }
}

function reasonText(feature: (typeof FEATURES)[number], x: Float64Array, i: number, target: ForecastPartner): string {
  const n = Math.round(Math.expm1(x[i]!));
  switch (feature) {
    case "partners":
      return `sighted by ${n} partner${n === 1 ? "" : "s"}`;
    case "sameSector":
      return `${n} of them in your sector (${target.sector})`;
    case "sameCountry":
      return `sighted in your country (${target.country})`;
    case "partnersLast24h":
      return `${n} partner${n === 1 ? "" : "s"} in the last 24 hours`;
    case "familyPartners7d":
      return `its malware family seen by ${n} partner${n === 1 ? "" : "s"} this week`;
    case "familySameSector7d":
      return `its family seen by ${n} in your sector this week`;
    case "familySeenHere7d":
      return "you sighted its family this week";
    case "hoursSinceLast":
      return `last sighted ${n} hours ago`;
    case "hoursSinceFirst":
      return `first sighted ${n} hours ago`;
    case "reputation":
      return "reported by partners of good reputation";
    default:
      return feature;
  }
}

/** The engine fed a whole history up to t (sightings reported by then), stepping origins every `stepMs` from `from`. */
export function replay(history: ForecastHistory, engine: EarlyWarningEngine, options: { from: number; to: number; stepMs: number; targets: readonly string[]; onStep?: (t: number, resolved: Array<PendingExample & { outcome: boolean }>) => void }): void {
  let next = 0;
  for (let t = options.from; t <= options.to; t += options.stepMs) {
    while (next < history.sightings.length && history.sightings[next]!.reportedAt <= t) engine.add(history.sightings[next++]!);
    const resolved = engine.step(t, options.targets);
    options.onStep?.(t, resolved);
  }
}
