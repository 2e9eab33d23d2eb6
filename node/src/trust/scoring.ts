import type { IndicatorType } from "../model/indicator.js";
import type { Attestation, IndicatorRecord } from "../model/record.js";
import { sightingTotals, type SightingSummary } from "../model/sighting.js";
import { tagValue } from "../model/tags.js";

/**
 * The effective score of an indicator at a node, 0 to 100, and whether it reaches the detectors.
 *
 *   sources  = 1 - prod over producers (1 - belief(statement) * reputation)  (independent sources)
 *   belief(statement) = item * reliability                                   (see assessStatement)
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

/**
 * What the Admiralty scale and estimative language are worth, 0 to 100, per tag value; null for
 * "cannot be judged" (no adjustment). The defaults are the numerical values of the MISP taxonomies
 * the consortium bundles (data/misp/taxonomies; a test holds them equal).
 */
export interface AssessmentValues {
  /** admiralty-scale:source-reliability, "a" to "g". */
  reliability: Record<string, number | null>;
  /** admiralty-scale:information-credibility, "1" to "6". */
  credibility: Record<string, number | null>;
  /** estimative-language:likelihood-probability. */
  likelihood: Record<string, number>;
}

export interface ScoringPolicy {
  quarantineBelow: number;
  decay: Record<IndicatorType, DecayModel>;
  assessment: AssessmentValues;
}

export const DEFAULT_ASSESSMENT_VALUES: AssessmentValues = {
  reliability: { a: 100, b: 75, c: 50, d: 25, e: 0, f: null, g: 0 },
  credibility: { "1": 100, "2": 75, "3": 50, "4": 25, "5": 0, "6": null },
  likelihood: { "almost-no-chance": 0, "very-unlikely": 5, unlikely: 20, "roughly-even-chance": 45, likely: 55, "very-likely": 80, "almost-certain": 95 },
};

/** How a statement's own assessment enters the score, for the API and the dashboard. */
export interface StatementAssessment {
  producer: string;
  /** How likely the item is true, 0-100: its credibility, else its likelihood, else its confidence. */
  item: number;
  itemFrom: "credibility" | "likelihood" | "confidence";
  /** How much its source is worth, 0-100 (100 when not judged). */
  reliability: number;
  /** The Admiralty code the statement carries ("B2", "C", "3"), if any. */
  admiralty?: string;
  /** item * reliability / 100: what the statement brings before its producer's reputation. */
  belief: number;
}

/**
 * A statement's own assessment (pure). The item: an Admiralty credibility ("2: probably true") or
 * an estimative likelihood ("very-likely") is a deliberate judgment and replaces the confidence
 * number (which every statement has, 50 when its producer said nothing); credibility first, the
 * more specific of the two. The source: an Admiralty reliability weighs the item ("C: fairly
 * reliable" halves it; "G: deliberately deceptive" and "E: unreliable" make it count for nothing).
 * "Cannot be judged" (F, 6) leaves the other factor as it is. The producer's reputation, the
 * consortium's judgment of the producer, multiplies on top (scoreRecord): reliability is the
 * producer's judgment of *its* source, not the same thing.
 */
export function assessStatement(statement: Pick<Attestation, "producer" | "confidence" | "labels">, values: AssessmentValues = DEFAULT_ASSESSMENT_VALUES): StatementAssessment {
  const tags = statement.labels.tags;
  let item = statement.confidence;
  let itemFrom: StatementAssessment["itemFrom"] = "confidence";
  let reliability = 100;
  let admiralty: string | undefined;
  // Most statements carry no machine tag at all: nothing to read.
  if (tags.length > 0 && tags.some((t) => t.includes(":"))) {
    const sourceCode = tagValue(tags, "admiralty-scale", "source-reliability")?.toLowerCase();
    const credibilityCode = tagValue(tags, "admiralty-scale", "information-credibility");
    const likelihoodCode = tagValue(tags, "estimative-language", "likelihood-probability")?.toLowerCase();
    const source = sourceCode !== undefined && Object.hasOwn(values.reliability, sourceCode) ? values.reliability[sourceCode] : undefined;
    const credibility = credibilityCode !== undefined && Object.hasOwn(values.credibility, credibilityCode) ? values.credibility[credibilityCode] : undefined;
    const likelihood = likelihoodCode !== undefined && Object.hasOwn(values.likelihood, likelihoodCode) ? values.likelihood[likelihoodCode] : undefined;
    if (typeof source === "number") reliability = source;
    if (typeof credibility === "number") [item, itemFrom] = [credibility, "credibility"];
    else if (likelihood !== undefined) [item, itemFrom] = [likelihood, "likelihood"];
    if (sourceCode !== undefined || credibilityCode !== undefined) admiralty = `${sourceCode?.toUpperCase() ?? ""}${credibilityCode ?? ""}`;
  }
  return { producer: statement.producer, item, itemFrom, reliability, ...(admiralty ? { admiralty } : {}), belief: (item * reliability) / 100 };
}

const DAY = 24 * 60 * 60 * 1000;

/**
 * Addresses change hands within weeks and fall fast, domains and URLs within months, file hashes
 * keep their meaning for long and decay slowly at first.
 */
export const DEFAULT_SCORING_POLICY: ScoringPolicy = {
  quarantineBelow: 20,
  assessment: DEFAULT_ASSESSMENT_VALUES,
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
    sha512: { lifetimeMs: 365 * DAY, speed: 0.5 },
    ssdeep: { lifetimeMs: 365 * DAY, speed: 0.5 },
    tlsh: { lifetimeMs: 365 * DAY, speed: 0.5 },
    ja3: { lifetimeMs: 90 * DAY, speed: 1 },
    ja3s: { lifetimeMs: 90 * DAY, speed: 1 },
    ja4: { lifetimeMs: 90 * DAY, speed: 1 },
    asn: { lifetimeMs: 90 * DAY, speed: 1.5 },
    "user-agent": { lifetimeMs: 90 * DAY, speed: 1 },
    filename: { lifetimeMs: 90 * DAY, speed: 1 },
    mutex: { lifetimeMs: 365 * DAY, speed: 0.5 },
    "registry-key": { lifetimeMs: 365 * DAY, speed: 0.5 },
    cve: { lifetimeMs: 365 * DAY, speed: 0.5 },
    "x509-md5": { lifetimeMs: 90 * DAY, speed: 1 },
    "x509-sha1": { lifetimeMs: 90 * DAY, speed: 1 },
    "x509-sha256": { lifetimeMs: 90 * DAY, speed: 1 },
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
  /** Each statement's own assessment (Admiralty scale, estimative language, confidence). */
  statements: StatementAssessment[];
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
  const statements = record.attestations.map((a) => assessStatement(a, policy.assessment));
  const doubt = statements.reduce((product, s) => product * (1 - (s.belief / 100) * reputation(s.producer)), 1);
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
    statements,
    confirmedBy,
    falsePositiveBy,
    expiredBy,
  };
}
