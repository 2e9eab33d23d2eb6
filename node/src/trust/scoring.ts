import type { IndicatorType } from "../model/indicator.js";
import type { IndicatorRecord } from "../model/record.js";
import { sightingTotals, type SightingSummary } from "../model/sighting.js";

/**
 * The effective score of an indicator at a node, 0 to 100, and whether it reaches the detectors.
 *
 *   sources  = 1 - prod over producers (1 - confidence/100 * reputation)    (independent sources)
 *   belief   = 1 - (1 - sources) * (1 - SIGHTING_WEIGHT)^(orgs that saw it, producers excluded)
 *   base     = 100 * belief * FALSE_POSITIVE_FACTOR^(orgs that reported it false)
 *                            * EXPIRED_FACTOR^(other orgs that reported it expired)
 *   score(t) = base * (1 - (t / lifetime)^(1 / speed))                       (MISP's polynomial decay)
 *
 * where t runs from the later of the indicator's start of validity and its last sighting (a
 * sighting shows it is live again), and lifetime and speed depend on the indicator's type.
 * An indicator past its validUntil, or reported expired by its only producer, scores 0.
 * Below `quarantineBelow` it is quarantined: kept and shown to analysts, but never fed to
 * detectors or exports. Pure: the node passes in the reputations and the clock.
 */

export interface DecayModel {
  /** Time after which the score reaches 0, ms. */
  lifetimeMs: number;
  /** MISP's decay speed: 1 linear; above 1 falls fast then slowly; below 1 slowly then fast. */
  speed: number;
}

export interface ScoringPolicy {
  quarantineBelow: number;
  decay: Record<IndicatorType, DecayModel>;
}

const DAY = 24 * 60 * 60 * 1000;

/**
 * Addresses change hands within weeks and fall fast, domains and URLs within months, file hashes
 * keep their meaning for long and decay slowly at first.
 */
export const DEFAULT_SCORING_POLICY: ScoringPolicy = {
  quarantineBelow: 20,
  decay: {
    ipv4: { lifetimeMs: 30 * DAY, speed: 2 },
    ipv6: { lifetimeMs: 30 * DAY, speed: 2 },
    cidr: { lifetimeMs: 30 * DAY, speed: 2 },
    domain: { lifetimeMs: 90 * DAY, speed: 1 },
    url: { lifetimeMs: 45 * DAY, speed: 1.5 },
    email: { lifetimeMs: 90 * DAY, speed: 1 },
    md5: { lifetimeMs: 365 * DAY, speed: 0.5 },
    sha1: { lifetimeMs: 365 * DAY, speed: 0.5 },
    sha256: { lifetimeMs: 365 * DAY, speed: 0.5 },
  },
};

export const SIGHTING_WEIGHT = 0.2;
export const FALSE_POSITIVE_FACTOR = 0.5;
export const EXPIRED_FACTOR = 0.75;

/** MISP's polynomial decay of a base score after `ageMs`. Pure. */
export function decayed(base: number, ageMs: number, model: DecayModel): number {
  // Stryker disable next-line EqualityOperator: at age 0 the formula gives the base itself.
  if (ageMs <= 0) return base;
  // Stryker disable next-line EqualityOperator: at the end of life the formula gives 0 itself.
  if (ageMs >= model.lifetimeMs) return 0;
  return base * (1 - (ageMs / model.lifetimeMs) ** (1 / model.speed));
}

export interface Score {
  /** Effective score now, 0 to 100, rounded to 0.1. */
  score: number;
  /** Before decay. */
  base: number;
  quarantined: boolean;
  expired: boolean;
  /** Orgs (not producers) whose detectors saw it, and orgs that reported it false or expired. */
  confirmedBy: string[];
  falsePositiveBy: string[];
  expiredBy: string[];
}

/** The score of a record (or of an audience's view of it). `reputation` is 0 to 1 per org. */
export function scoreRecord(
  record: IndicatorRecord,
  sightings: SightingSummary | undefined,
  reputation: (org: string) => number,
  policy: ScoringPolicy,
  now: number,
): Score {
  const producers = new Set(record.attestations.map((a) => a.producer));
  const totals = sightingTotals(sightings);
  const confirmedBy = totals.confirmedBy.filter((org) => !producers.has(org));
  const falsePositiveBy = totals.falsePositiveBy;
  const expiredBy = totals.expiredBy;
  const doubt = record.attestations.reduce((product, a) => product * (1 - (a.confidence / 100) * reputation(a.producer)), 1);
  const belief = 1 - doubt * (1 - SIGHTING_WEIGHT) ** confirmedBy.length;
  const othersExpired = expiredBy.filter((org) => !producers.has(org)).length;
  const base = 100 * belief * FALSE_POSITIVE_FACTOR ** falsePositiveBy.length * EXPIRED_FACTOR ** othersExpired;
  const withdrawn = [...producers].every((p) => expiredBy.includes(p));
  const expired = record.validUntil <= now || withdrawn;
  const since = Math.max(record.validFrom, totals.lastSeen ?? 0);
  const score = expired ? 0 : Math.round(decayed(base, now - since, policy.decay[record.type]) * 10) / 10;
  return {
    score,
    base: Math.round(base * 10) / 10,
    quarantined: expired || score < policy.quarantineBelow,
    expired,
    confirmedBy,
    falsePositiveBy,
    expiredBy,
  };
}
