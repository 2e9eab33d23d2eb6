import { InvalidIndicatorError } from "./errors.js";
import { isBoundedTime, isOrgId } from "./indicator.js";

/**
 * A sighting: one org's detectors saw an indicator (`sighting`), found it to be a false positive
 * (`false-positive`), or found it no longer valid (`expired`). Sightings travel in their
 * reporter's signed batches, to the audience of the indicator they are about, and feed the
 * indicator's score and its producers' reputation.
 */
export const SIGHTING_KINDS = ["sighting", "false-positive", "expired"] as const;
export type SightingKind = (typeof SIGHTING_KINDS)[number];

export interface Sighting {
  /** Id of the indicator record (model/indicator-id.ts), 64 hex. */
  indicatorId: string;
  kind: SightingKind;
  /** When the reporter's detectors last saw it, Unix ms. */
  observedAt: number;
  /** How many times in the reporter's window (1 for a false-positive or expired report). */
  count: number;
  reporter: string;
}

export const MAX_SIGHTING_COUNT = 1_000_000;
const INDICATOR_ID = /^[0-9a-f]{64}$/;

/**
 * When a sighting may say it was observed, seen from `now`: not later than the clock skew peers
 * allow (a later one would have its whole batch ignored, and fetched again at every catch-up).
 */
export function checkObservedAt(observedAt: number, now: number, maxClockSkewMs: number): void {
  if (!isBoundedTime(observedAt)) throw new InvalidIndicatorError("BAD_SIGHTING", "observedAt must be a time from 1970 to 2100", "observedAt");
  if (observedAt > now + maxClockSkewMs) throw new InvalidIndicatorError("BAD_SIGHTING", "observedAt is in the future", "observedAt");
}

export function isSightingKind(value: unknown): value is SightingKind {
  return typeof value === "string" && (SIGHTING_KINDS as readonly string[]).includes(value);
}

/** Every invariant of a sighting; throws InvalidIndicatorError (reason BAD_SIGHTING). */
export function checkSighting(sighting: Sighting): void {
  const bad = (message: string, field: string) => new InvalidIndicatorError("BAD_SIGHTING", message, field);
  if (!INDICATOR_ID.test(sighting.indicatorId)) throw bad("indicatorId must be 64 lowercase hex", "indicatorId");
  if (!isSightingKind(sighting.kind)) throw bad(`kind must be one of ${SIGHTING_KINDS.join(", ")}`, "kind");
  if (!isBoundedTime(sighting.observedAt)) throw bad("observedAt must be Unix milliseconds from 1970 to 2100", "observedAt");
  if (!Number.isInteger(sighting.count) || sighting.count < 1 || sighting.count > MAX_SIGHTING_COUNT) {
    throw bad(`count must be an integer from 1 to ${MAX_SIGHTING_COUNT}`, "count");
  }
  if (!isOrgId(sighting.reporter)) throw bad(`"${sighting.reporter}" is not an org id`, "reporter");
}

/** Per-org tallies of one indicator's sightings. */
export interface SightingTally {
  sighting: number;
  falsePositive: number;
  expired: number;
  firstSeen: number;
  lastSeen: number;
}

/** What an audience may know of an indicator's sightings: per reporter, over the sightings it may see. */
export interface SightingSummary {
  indicatorId: string;
  byOrg: Record<string, SightingTally>;
}

/**
 * Where a sighting travelled, which decides who may learn of it: "0" an open batch (every
 * member), a group id a group's sealed batch (that group), "local" nowhere beyond this node,
 * "legacy" stored before scopes were kept (this org only, to be safe).
 */
export type SightingScope = string;
export const LOCAL_SCOPE: SightingScope = "local";
export const LEGACY_SCOPE: SightingScope = "legacy";
export const scopeOfGroup = (group: number): SightingScope => String(group);

/** What a node keeps of an indicator's sightings: tallies per scope, then per reporter. */
export interface StoredSightings {
  indicatorId: string;
  byScope: Record<SightingScope, Record<string, SightingTally>>;
}

/** Folds a sighting that travelled in `scope` into what is kept (or starts it). Pure. */
export function recordSighting(stored: StoredSightings | undefined, sighting: Sighting, scope: SightingScope): StoredSightings {
  const previous = stored?.byScope[scope];
  const summary = addSighting(previous ? { indicatorId: sighting.indicatorId, byOrg: previous } : undefined, sighting);
  return { indicatorId: sighting.indicatorId, byScope: { ...(stored?.byScope ?? {}), [scope]: summary.byOrg } };
}

/**
 * The sightings of the scopes `include` admits, merged per reporter: what one audience may know
 * (privacy/audience.ts: sightingsFor). Undefined when it may know of none. Pure.
 */
export function sightingView(stored: StoredSightings | undefined, include: (scope: SightingScope) => boolean): SightingSummary | undefined {
  if (!stored) return undefined;
  const byOrg: Record<string, SightingTally> = {};
  for (const [scope, tallies] of Object.entries(stored.byScope)) {
    if (!include(scope)) continue;
    for (const [org, t] of Object.entries(tallies)) {
      const seen = byOrg[org];
      byOrg[org] = seen
        ? {
            sighting: seen.sighting + t.sighting,
            falsePositive: seen.falsePositive + t.falsePositive,
            expired: seen.expired + t.expired,
            firstSeen: Math.min(seen.firstSeen, t.firstSeen),
            lastSeen: Math.max(seen.lastSeen, t.lastSeen),
          }
        : { ...t };
    }
  }
  return Object.keys(byOrg).length > 0 ? { indicatorId: stored.indicatorId, byOrg } : undefined;
}

const KIND_FIELD: Record<SightingKind, "sighting" | "falsePositive" | "expired"> = {
  sighting: "sighting",
  "false-positive": "falsePositive",
  expired: "expired",
};

/** Folds a sighting into the summary (or starts one). Pure. */
export function addSighting(summary: SightingSummary | undefined, sighting: Sighting): SightingSummary {
  const byOrg = { ...(summary?.byOrg ?? {}) };
  const previous = byOrg[sighting.reporter];
  const tally: SightingTally = previous
    ? { ...previous, firstSeen: Math.min(previous.firstSeen, sighting.observedAt), lastSeen: Math.max(previous.lastSeen, sighting.observedAt) }
    : { sighting: 0, falsePositive: 0, expired: 0, firstSeen: sighting.observedAt, lastSeen: sighting.observedAt };
  tally[KIND_FIELD[sighting.kind]] += sighting.count;
  byOrg[sighting.reporter] = tally;
  return { indicatorId: sighting.indicatorId, byOrg };
}

/** Orgs that reported each kind at least once, and the first and last time anyone saw it. */
export function sightingTotals(summary: SightingSummary | undefined) {
  const tallies = Object.entries(summary?.byOrg ?? {});
  const orgsWith = (field: "sighting" | "falsePositive" | "expired") => tallies.filter(([, t]) => t[field] > 0).map(([org]) => org).sort();
  const seen = tallies.filter(([, t]) => t.sighting > 0).map(([, t]) => t);
  return {
    sightings: tallies.reduce((n, [, t]) => n + t.sighting, 0),
    confirmedBy: orgsWith("sighting"),
    falsePositiveBy: orgsWith("falsePositive"),
    expiredBy: orgsWith("expired"),
    firstSeen: seen.length > 0 ? Math.min(...seen.map((t) => t.firstSeen)) : undefined,
    lastSeen: seen.length > 0 ? Math.max(...seen.map((t) => t.lastSeen)) : undefined,
  };
}
