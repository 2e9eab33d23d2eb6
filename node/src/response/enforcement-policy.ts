/**
 * response/enforcement-policy.ts decides what one enforcement feed holds: from the records this
 * org may act on (PAP already applied: trust-service feedAll with the `block` use) and the
 * targets of the requests it applied, the entries of one feed, and how many values each rule
 * kept out. Pure: the same records, requests and time give the same feed.
 *
 * The checks, cheapest first (a value is counted under the first that keeps it out): a value this
 * kind of device cannot act on; a blinded value (a hash no device can match); an expired one; the
 * score and TLP thresholds, which a partner's applied request passes by design (the org's policy
 * chose to follow that partner); an own asset, which nothing may block; a value on a warning
 * list (public resolvers, CDNs, top sites: blocking one breaks the org's own users, so every list
 * counts, also those that only warn on publish); last the size limit, highest score first.
 */
import { tlpRank, type IndicatorType, type Tlp } from "../model/indicator.js";
import { entryKey, type EnforcementEntry, type ExclusionReason, type ResponseAction } from "../model/response.js";
import type { ScoredRecord } from "../trust/trust-service.js";
import type { OwnAssets } from "./own-assets.js";
import { hostOfUrl } from "./own-assets.js";

export interface EnforcementPolicy {
  /** Indicators below this score (0-100) stay out, unless a request the org applied names them. */
  minScore: number;
  /** The types this feed acts on (a subset of what its kind can act on). */
  types: readonly IndicatorType[];
  /** The most restrictive TLP the device may hold (a firewall managed by an outsourcer: GREEN). */
  maxTlp: Tlp;
  /** Most entries, highest score first (a device's table has a size). */
  maxEntries: number;
  /** Whether the targets of requests this org applied are enforced here. */
  includeRequests: boolean;
}

/** A value a partner asked to act on, in a request this org applied. */
export interface RequestedTarget {
  type: IndicatorType;
  value: string;
  action: Exclude<ResponseAction, "monitor">;
  expiresAt: number;
  request: string;
  from: string;
}

export interface SelectionContext {
  now: number;
  ownAssets: OwnAssets;
  /** The name of the warning list a value is on, if it is on one. */
  warningList(type: IndicatorType, value: string, host?: string): string | undefined;
  /**
   * The own-asset and warning-list verdicts of values already checked, by entry key: shared by
   * the feeds of one refresh, which hold most values in common (an address is in the EDL,
   * nftables and Suricata feeds), as these checks are most of a selection's cost.
   */
  verdicts?: Map<string, Verdict>;
}

/** Why a value may never be enforced (null: it may). */
export type Verdict = { reason: "own-asset" | "warning-list"; detail?: string } | null;

export interface Selection {
  entries: Map<string, EnforcementEntry>;
  excluded: Record<ExclusionReason, number>;
  /** The first values kept out by an own asset or a warning list (at most 20 each), for the dry run. */
  examples: Array<{ type: IndicatorType; value: string; reason: ExclusionReason; detail?: string }>;
}

const MAX_EXAMPLES = 40;

function emptyExclusions(): Record<ExclusionReason, number> {
  return { type: 0, blinded: 0, score: 0, tlp: 0, expired: 0, "own-asset": 0, "warning-list": 0, "over-limit": 0 };
}

export function selectEntries(records: Iterable<ScoredRecord>, requested: readonly RequestedTarget[], policy: EnforcementPolicy, context: SelectionContext): Selection {
  const excluded = emptyExclusions();
  const examples: Selection["examples"] = [];
  const types = new Set(policy.types);
  const maxTlp = tlpRank(policy.maxTlp);
  const candidates = new Map<string, EnforcementEntry>();
  // A value the checks refused once is refused for every reason it comes back with (a request naming it too).
  const refused = new Set<string>();

  const verdicts = context.verdicts ?? new Map<string, Verdict>();
  const passes = (type: IndicatorType, value: string, key: string): boolean => {
    if (refused.has(key)) return false;
    let verdict = verdicts.get(key);
    if (verdict === undefined) {
      if (context.ownAssets.covers(type, value)) verdict = { reason: "own-asset" };
      else {
        const list = context.warningList(type, value, type === "url" ? hostOfUrl(value) : undefined);
        verdict = list === undefined ? null : { reason: "warning-list", detail: list };
      }
      verdicts.set(key, verdict);
    }
    if (verdict === null) return true;
    refused.add(key);
    excluded[verdict.reason]++;
    if (examples.length < MAX_EXAMPLES) examples.push({ type, value, reason: verdict.reason, ...(verdict.detail ? { detail: verdict.detail } : {}) });
    return false;
  };

  // The scores of requested values the node holds, whatever the threshold: a requested entry carries its indicator's.
  const requestedScores = new Map<string, number>(policy.includeRequests ? requested.map((t) => [entryKey(t), 0]) : []);
  for (const record of records) {
    if (!types.has(record.type)) {
      excluded.type++;
      continue;
    }
    if (record.blinded) {
      excluded.blinded++;
      continue;
    }
    if (requestedScores.size > 0 && requestedScores.has(entryKey(record))) requestedScores.set(entryKey(record), record.score.score);
    if (record.score.expired || record.score.quarantined || record.validUntil <= context.now) {
      excluded.expired++;
      continue;
    }
    if (record.score.score < policy.minScore) {
      excluded.score++;
      continue;
    }
    if (tlpRank(record.tlp) > maxTlp) {
      excluded.tlp++;
      continue;
    }
    const key = entryKey(record);
    if (!passes(record.type, record.value, key)) continue;
    candidates.set(key, {
      type: record.type,
      value: record.value,
      action: "block",
      expiresAt: record.validUntil,
      score: record.score.score,
      because: { kind: "indicator", indicator: record.id, producers: producersOf(record), score: record.score.score },
    });
  }

  if (policy.includeRequests) {
    for (const target of requested) {
      if (!types.has(target.type)) continue;
      const key = entryKey(target);
      if (!passes(target.type, target.value, key)) continue;
      if (target.expiresAt <= context.now) {
        excluded.expired++;
        continue;
      }
      const held = candidates.get(key);
      // A request outranks the score alone: it says why, and a sinkhole is a choice of its own.
      if (held?.because.kind === "request" && held.expiresAt >= target.expiresAt) continue;
      candidates.set(key, {
        type: target.type,
        value: target.value,
        action: target.action,
        expiresAt: target.expiresAt,
        score: held?.score ?? requestedScores.get(key) ?? 0,
        because: { kind: "request", request: target.request, from: target.from },
      });
    }
  }

  let entries = candidates;
  if (candidates.size > policy.maxEntries) {
    // Requests first (the org chose to follow them), then by score; ties by value, so the cut is stable.
    const ranked = [...candidates.entries()].sort(([ka, a], [kb, b]) => rank(b) - rank(a) || (ka < kb ? -1 : 1));
    excluded["over-limit"] = ranked.length - policy.maxEntries;
    entries = new Map(ranked.slice(0, policy.maxEntries));
  }
  return { entries, excluded, examples };
}

/** Producers of a record, sorted: one array per set of producers, as most records share a few. */
const producerLists = new Map<string, string[]>();
function producersOf(record: ScoredRecord): string[] {
  const atts = record.attestations;
  if (atts.length === 1) {
    const only = atts[0]!.producer;
    let list = producerLists.get(only);
    if (!list) {
      list = [only];
      if (producerLists.size < 10_000) producerLists.set(only, list);
    }
    return list;
  }
  // A handful of producers at most: an insertion sort without duplicates, no Set.
  const out: string[] = [];
  for (const a of atts) {
    let at = out.length;
    while (at > 0 && out[at - 1]! > a.producer) at--;
    if (out[at - 1] !== a.producer) out.splice(at, 0, a.producer);
  }
  return out;
}

function rank(entry: EnforcementEntry): number {
  return (entry.because.kind === "request" ? 1000 : 0) + entry.score;
}
