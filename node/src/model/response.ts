/**
 * model/response.ts owns the words of response (node/src/response/): what an enforcement feed
 * holds, why each entry is there, how a feed changed, and what a coordinated response request
 * and its acknowledgement say. Types and pure rules only: no disk, network or ledger.
 */
import type { IndicatorType } from "./indicator.js";

/** The enforcement points the node writes for: DNS response policy zones, nftables, pull lists, Suricata in IPS mode. */
export const ENFORCEMENT_KINDS = ["rpz", "nftables", "edl", "suricata-drop"] as const;
export type EnforcementKind = (typeof ENFORCEMENT_KINDS)[number];

/** How an enforcement feed is named, in the config, the API's paths and the journal's keys. */
export const ENFORCEMENT_FEED_NAME = /^[a-z0-9][a-z0-9_-]{0,40}$/;

/** The indicator types each kind of enforcement point can act on. */
export const ENFORCEABLE_TYPES: Readonly<Record<EnforcementKind, readonly IndicatorType[]>> = {
  rpz: ["domain"],
  nftables: ["ipv4", "ipv6", "cidr"],
  edl: ["ipv4", "ipv6", "cidr", "domain", "url"],
  "suricata-drop": ["ipv4", "ipv6", "cidr", "domain"],
};

/** What a response request asks partners to do. `monitor` asks for attention only: it never reaches an enforcement feed. */
export const RESPONSE_ACTIONS = ["block", "sinkhole", "monitor"] as const;
export type ResponseAction = (typeof RESPONSE_ACTIONS)[number];

/** Why an entry is in a feed: the indicator's own score, or a partner's request this org applied. */
export type EntryReason =
  | { kind: "indicator"; indicator: string; producers: string[]; score: number }
  | { kind: "request"; request: string; from: string };

/** One value an enforcement point acts on, until `expiresAt` (Unix ms). */
export interface EnforcementEntry {
  type: IndicatorType;
  value: string;
  /** block: refuse or drop; sinkhole: send to the walled garden (RPZ), else as block. */
  action: "block" | "sinkhole";
  expiresAt: number;
  /** 0 to 100; a requested entry carries the score of its indicator if the node holds it, else 0. */
  score: number;
  because: EntryReason;
}

/**
 * An entry's key in a feed: its value alone. The values of the types a device acts on never
 * coincide (an IPv4 address is a dotted quad, which no domain may be; IPv6 has a colon and no
 * slash; a CIDR has a slash and no "://"; a URL has "://"; a domain has neither colon nor slash),
 * and the value is a string the record already holds, so keying by it builds no new string per
 * entry: a feed of a million entries took a quarter less time to select.
 */
export function entryKey(entry: Pick<EnforcementEntry, "type" | "value">): string {
  return entry.value;
}

/** Why a value was left out of a feed: the policy's rule that kept it out. */
export const EXCLUSION_REASONS = ["type", "blinded", "score", "tlp", "expired", "own-asset", "warning-list", "over-limit"] as const;
export type ExclusionReason = (typeof EXCLUSION_REASONS)[number];

/** One recorded change of a feed: what came in and went out, and why the change was made. */
export interface FeedChange {
  feed: string;
  version: number;
  /** The zone serial (RPZ) and version the files carry: Unix seconds, at least one more than the last. */
  serial: number;
  at: number;
  cause: "update" | "rollback" | "resume";
  /** For a rollback: the version restored. */
  restored?: number;
  /** Who asked (an API caller, `policy` for the node's own updates). */
  by: string;
  added: EnforcementEntry[];
  removed: EnforcementEntry[];
}

/** A feed's entries compared with another set: what a change would add and remove. */
export interface FeedDiff {
  added: EnforcementEntry[];
  removed: EnforcementEntry[];
  /** Entries in both whose action, expiry or reason changed (written, not journalled as a change on their own). */
  updated: number;
}

/**
 * An expiry moved by less than this is not a change: a value stated again every few minutes
 * would otherwise make a new version each time. nftables timeouts are rendered at each write.
 */
export const EXPIRY_SLACK_MS = 3_600_000;

/** The difference from `current` to `next`, each keyed by type and value. Pure. */
export function diffEntries(current: ReadonlyMap<string, EnforcementEntry>, next: ReadonlyMap<string, EnforcementEntry>): FeedDiff {
  const added: EnforcementEntry[] = [];
  const removed: EnforcementEntry[] = [];
  let updated = 0;
  for (const [key, entry] of next) {
    const was = current.get(key);
    if (!was) added.push(entry);
    else if (was.action !== entry.action || was.because.kind !== entry.because.kind || Math.abs(was.expiresAt - entry.expiresAt) > EXPIRY_SLACK_MS) updated++;
  }
  for (const [key, entry] of current) if (!next.has(key)) removed.push(entry);
  return { added, removed, updated };
}

// ------------------------------------------------------------------ coordinated requests

/**
 * A request travels as STIX: a course-of-action carrying these custom properties, with a
 * `mitigates` relationship to each indicator object it is about; an acknowledgement is an opinion
 * on the course-of-action carrying the decision. Both are signed in their producer's batch.
 */
export const REQUEST_PROPERTIES = { action: "x_cti_response_action", expires: "x_cti_response_expires" } as const;
export const ACK_PROPERTY = "x_cti_response_decision";

export const RESPONSE_DECISIONS = ["applied", "queued", "declined"] as const;
export type ResponseDecision = (typeof RESPONSE_DECISIONS)[number];

/** STIX opinions are a five-point agreement scale: each decision maps onto one. */
export const OPINION_OF_DECISION: Readonly<Record<ResponseDecision, string>> = { applied: "agree", queued: "neutral", declined: "disagree" };

export interface ResponseTarget {
  type: IndicatorType;
  value: string;
}

/** A partner's decision on a request, as its signed acknowledgement said. */
export interface Acknowledgement {
  org: string;
  decision: ResponseDecision;
  /** When it was signed (Unix ms). */
  at: number;
  /** The opinion object that carried it. */
  object: string;
  reason: string;
}

/** A response request as this node holds it: received from a partner, or made by this org. */
export interface ResponseRequest {
  /** The course-of-action's STIX id. */
  id: string;
  from: string;
  group: number;
  action: ResponseAction;
  expiresAt: number;
  name: string;
  description: string;
  targets: ResponseTarget[];
  receivedAt: number;
  /** This org's decision (none yet for a request it made itself). */
  decision?: { decision: ResponseDecision; by: string; at: number; rule: string };
  /** Every org's latest acknowledgement, this org's own included once sent. */
  acknowledgements: Acknowledgement[];
}

export function isExpired(request: Pick<ResponseRequest, "expiresAt">, now: number): boolean {
  return request.expiresAt <= now;
}

/** The latest acknowledgement per org: a later decision (an analyst's approval after a queue) replaces the earlier. */
export function withAcknowledgement(acks: readonly Acknowledgement[], ack: Acknowledgement): Acknowledgement[] {
  const previous = acks.find((a) => a.org === ack.org);
  if (previous && previous.at > ack.at) return [...acks];
  return [...acks.filter((a) => a.org !== ack.org), ack].sort((a, b) => a.org.localeCompare(b.org));
}
