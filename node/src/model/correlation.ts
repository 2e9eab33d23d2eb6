/**
 * Correlation's shared vocabulary (the rules are in correlate/): what is linked (an indicator
 * record or a STIX object, a "member"), the evidence a member carries (keys: a malware family, a
 * host, a sighting hour at a partner, ...), and a link between two members with the reasons for
 * it. Shared by correlate/ (which derives them), store/ (which keeps the keys) and the faces.
 */

/** `i:<indicator record id>` or `o:<STIX id>`. */
export type MemberId = string;

export const indicatorMember = (recordId: string): MemberId => `i:${recordId}`;
export const objectMember = (stixId: string): MemberId => `o:${stixId}`;
export const MEMBER_ID = /^(i:[0-9a-f]{64}|o:[a-z0-9-]+--[0-9a-f-]{36})$/;

export type LinkReasonKind =
  /** Both name the same indicator record: a report or indicator object and the record, or two reports naming it. */
  | "same-value"
  /** Both reference (or are) the same STIX object. */
  | "same-object"
  | "malware"
  | "actor"
  /** The same set of two or more ATT&CK techniques. */
  | "techniques"
  /** A URL and its host, a domain and a URL on it, an IP and a CIDR holding it. */
  | "infrastructure"
  /** Sighted by the same partners, at least two, within the same hour. */
  | "co-sighting";

export interface LinkReason {
  kind: LinkReasonKind;
  /** What they share: the family, the host, the partners... */
  detail: string;
}

export interface CorrelationLink {
  /** The other member. */
  member: MemberId;
  reasons: LinkReason[];
}
