/**
 * privacy/pap.ts owns what the Permissible Actions Protocol lets a reader *do* with a statement,
 * where TLP (privacy/audience.ts) says who may read it. The project's reading (docs/privacy.md):
 *
 * - detect: match the statement against this org's own logs and traffic, silently (Zeek Intel,
 *   Suricata alert rules, YARA and Sigma rule files, the node's own lookups and log matcher).
 *   Every PAP level allows it: it is what sharing is for.
 * - query: cross-check it with services outside the org (enrichment, sandboxes, passive DNS,
 *   reputation services). The adversary could watch those services; PAP:RED forbids it.
 * - block: act on it where the adversary can notice (blocklists, DNS RPZ, firewalls, takedowns,
 *   any response feed). PAP:GREEN and PAP:CLEAR only.
 *
 * A statement with no PAP tag reads as the consortium's `unmarked` level (GREEN unless the
 * configuration says otherwise: before PAP was applied every statement could be blocked on).
 * A record merges statements of several producers; each statement is a permission of its own, so
 * the record a use may act on is made of the statements that allow that use, and nothing else,
 * as a narrower audience's view is made of the statements it may see. Pure.
 */
import { PAP_LEVELS, papOf, type Pap } from "../model/tags.js";
import { summarize, type Attestation, type IndicatorRecord } from "../model/record.js";

export const FEED_USES = ["detect", "query", "block"] as const;
export type FeedUse = (typeof FEED_USES)[number];

export const DEFAULT_UNMARKED_PAP: Pap = "GREEN";

/** The most restrictive PAP level that still allows each use. */
const MOST_RESTRICTIVE_ALLOWING: Record<FeedUse, Pap> = { detect: "RED", query: "AMBER", block: "GREEN" };

export function papAllows(pap: Pap, use: FeedUse): boolean {
  return PAP_LEVELS.indexOf(pap) <= PAP_LEVELS.indexOf(MOST_RESTRICTIVE_ALLOWING[use]);
}

/** Tags are rarely PAP tags: only parse those that could be (`pap:` in any case). */
function mayHoldPap(tags: readonly string[]): boolean {
  for (const tag of tags) if (tag.length > 4 && (tag.charCodeAt(0) | 32) === 112 && (tag.charCodeAt(1) | 32) === 97 && (tag.charCodeAt(2) | 32) === 112 && tag[3] === ":") return true;
  return false;
}

/** The PAP level of a statement: its most restrictive PAP tag, else the unmarked level. */
export function papOfStatement(statement: Pick<Attestation, "labels">, unmarked: Pap = DEFAULT_UNMARKED_PAP): Pap {
  const tags = statement.labels.tags;
  return (mayHoldPap(tags) ? papOf(tags) : undefined) ?? unmarked;
}

/** The most permissive PAP level over a record's statements: what the record allows at most. */
export function papOfRecord(record: Pick<IndicatorRecord, "attestations">, unmarked: Pap = DEFAULT_UNMARKED_PAP): Pap {
  let least: Pap = "RED";
  for (const a of record.attestations) {
    const pap = papOfStatement(a, unmarked);
    if (PAP_LEVELS.indexOf(pap) < PAP_LEVELS.indexOf(least)) least = pap;
  }
  return least;
}

/**
 * The record as `use` may act on it: only the statements whose PAP allows the use, with summary
 * fields (confidence, validity, labels) rebuilt from those, so that a PAP:RED statement neither
 * puts a value on a blocklist nor lifts the score of one that is there. The same record when
 * every statement allows it; undefined when none does.
 */
export function viewForUse(record: IndicatorRecord, use: FeedUse, unmarked: Pap = DEFAULT_UNMARKED_PAP): IndicatorRecord | undefined {
  if (use === "detect") return record;
  const allowed = record.attestations.filter((a) => papAllows(papOfStatement(a, unmarked), use));
  if (allowed.length === record.attestations.length) return record;
  if (allowed.length === 0) return undefined;
  return { ...record, ...summarize(allowed), attestations: allowed };
}
