/**
 * model/ owns what an indicator *is*: its types, TLP levels, labels and the rules that make a
 * value canonical. It knows nothing of network, disk, ledger or screen.
 */

/**
 * The observable types the exchange states indicators of. The order is part of stored state
 * (detect/lookup-index.ts codes types by position): new types go at the end.
 */
export const INDICATOR_TYPES = [
  "ipv4",
  "ipv6",
  "cidr",
  "domain",
  "url",
  "email",
  "md5",
  "sha1",
  "sha256",
  // Wire version 3 and later: a version 2 node cannot read these (wire/batch.ts versionFor).
  "sha512",
  "ssdeep",
  "tlsh",
  "ja3",
  "ja3s",
  "ja4",
  "asn",
  "user-agent",
  "filename",
  "mutex",
  "registry-key",
  "cve",
  "x509-md5",
  "x509-sha1",
  "x509-sha256",
] as const;
export type IndicatorType = (typeof INDICATOR_TYPES)[number];

/** The types wire version 2 carries: a batch holding any other is version 3. */
export const VERSION2_TYPES: ReadonlySet<IndicatorType> = new Set(["ipv4", "ipv6", "cidr", "domain", "url", "email", "md5", "sha1", "sha256"]);

/** File hashes: what a file scanner, an EDR or YARA's hash module tests. */
export const FILE_HASH_TYPES: ReadonlySet<IndicatorType> = new Set(["md5", "sha1", "sha256", "sha512", "ssdeep", "tlsh"]);

/**
 * Types whose values have no shape of their own (any short text can be a file name, a mutex or
 * a user agent): a detector's value is matched against them only when the field it came from
 * says what it is (detect/log-formats.ts).
 */
export const CONTEXTUAL_TYPES: ReadonlySet<IndicatorType> = new Set(["user-agent", "filename", "mutex"]);

/** TLP 2.0 (FIRST), from least to most restrictive. */
export const TLP_LEVELS = ["CLEAR", "GREEN", "AMBER", "AMBER+STRICT", "RED"] as const;
export type Tlp = (typeof TLP_LEVELS)[number];

export interface Labels {
  /** Lowercase malware family names, sorted, unique. */
  malwareFamilies: string[];
  /** MITRE ATT&CK technique ids (T1566, T1566.001), sorted, unique. */
  attackTechniques: string[];
  /** Free lowercase tags, sorted, unique. */
  tags: string[];
}

/**
 * An indicator as one producer states it. Times are Unix milliseconds. Every field is already
 * normalized: two producers stating the same observable produce the same `type` and `value`.
 */
export interface Indicator {
  type: IndicatorType;
  value: string;
  tlp: Tlp;
  confidence: number;
  validFrom: number;
  validUntil: number;
  labels: Labels;
  /** Free text for analysts (context, how it was found); scrubbed of personal data before it leaves. */
  description: string;
  /**
   * Sharing group (an id of the SharingGroups contract) the statement is restricted to; 0 for
   * the whole consortium. Required for TLP:AMBER and TLP:AMBER+STRICT. A statement with a group
   * travels only encrypted to that group's active members.
   */
  group: number;
  /**
   * When true, `value` is not the observable but HMAC-SHA-256 of it under the producer's
   * blinding key for `group` (privacy/blinding.ts): recipients can test what they observe
   * against it, but never learn a value they have not seen.
   */
  blinded: boolean;
  producer: string;
  createdAt: number;
}

/** TLP levels that may only be shared with a chosen sharing group. */
export function tlpNeedsGroup(tlp: Tlp): boolean {
  return tlp === "AMBER" || tlp === "AMBER+STRICT";
}

export function isIndicatorType(value: unknown): value is IndicatorType {
  return typeof value === "string" && (INDICATOR_TYPES as readonly string[]).includes(value);
}

export function isTlp(value: unknown): value is Tlp {
  return typeof value === "string" && (TLP_LEVELS as readonly string[]).includes(value);
}

export function tlpRank(tlp: Tlp): number {
  return TLP_LEVELS.indexOf(tlp);
}

/** The more restrictive of two TLP levels: what a merged record may be shown under. */
export function mostRestrictiveTlp(a: Tlp, b: Tlp): Tlp {
  return tlpRank(a) >= tlpRank(b) ? a : b;
}

const DAY_MS = 24 * 60 * 60 * 1000;

/**
 * The latest time any statement may name (2100-01-01): every time that enters the node is
 * bounded, so that exports, feeds and TAXII cursors can always print it, and so that a producer
 * cannot put a record beyond every reader's horizon (JavaScript's dates end in the year 275760).
 */
export const MAX_TIME_MS = Date.UTC(2100, 0, 1);

/** A whole number of Unix milliseconds from 1970 to MAX_TIME_MS. */
export function isBoundedTime(value: unknown): value is number {
  return Number.isSafeInteger(value) && (value as number) >= 0 && (value as number) <= MAX_TIME_MS;
}

/**
 * How long an indicator stays valid when its producer does not say: addresses are re-used by
 * others within weeks, domains and URLs within months, while a file hash never changes meaning.
 */
export const DEFAULT_LIFETIME_MS: Record<IndicatorType, number> = {
  ipv4: 30 * DAY_MS,
  ipv6: 30 * DAY_MS,
  cidr: 30 * DAY_MS,
  domain: 90 * DAY_MS,
  url: 30 * DAY_MS,
  email: 90 * DAY_MS,
  md5: 365 * DAY_MS,
  sha1: 365 * DAY_MS,
  sha256: 365 * DAY_MS,
  sha512: 365 * DAY_MS,
  ssdeep: 365 * DAY_MS,
  tlsh: 365 * DAY_MS,
  // A TLS client fingerprint belongs to a tool build, which changes with its next release.
  ja3: 90 * DAY_MS,
  ja3s: 90 * DAY_MS,
  ja4: 90 * DAY_MS,
  asn: 90 * DAY_MS,
  "user-agent": 90 * DAY_MS,
  filename: 90 * DAY_MS,
  mutex: 365 * DAY_MS,
  "registry-key": 365 * DAY_MS,
  // Exploitation of a vulnerability goes on as long as unpatched systems do.
  cve: 365 * DAY_MS,
  "x509-md5": 90 * DAY_MS,
  "x509-sha1": 90 * DAY_MS,
  "x509-sha256": 90 * DAY_MS,
};

/** Org ids are stored on chain as bytes32 strings, hence at most 31 bytes. */
export const ORG_ID_PATTERN = /^[a-z0-9][a-z0-9._-]{1,30}$/;

export function isOrgId(value: unknown): value is string {
  return typeof value === "string" && ORG_ID_PATTERN.test(value);
}
