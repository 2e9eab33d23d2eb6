/**
 * model/anonymous-indicator.ts: an indicator stated by "an anonymous member" (anon/): a ring
 * signature of the members of a stated block, the key image bound to (deployment, epoch, type,
 * value), so a member states a value anonymously at most once per epoch. Receivers record the
 * statement under a pseudonym made of the key image: a producer no member is, which starts low and
 * can gain no reputation (trust/scoring reads ANONYMOUS_PRODUCER_REPUTATION for it).
 */
import type { Indicator } from "./indicator.js";
import { anonymousReporter, u32, u64 } from "./anonymous-sighting.js";

export const ANONYMOUS_INDICATOR_VERSION = 1;
/** The reputation an anonymous producer is scored with: below a member's prior (0.5), and it never moves. */
export const ANONYMOUS_PRODUCER_REPUTATION = 0.2;

/**
 * Whether a statement is one every member may read (TLP:CLEAR or GREEN, no group, not blinded):
 * the only kind an anonymous statement can be or be about, since the ring is every member.
 */
export function isOpenToEveryMember(statement: { tlp: string; group: number; blinded?: boolean }): boolean {
  return statement.group === 0 && !statement.blinded && (statement.tlp === "CLEAR" || statement.tlp === "GREEN");
}

export interface AnonymousIndicator {
  version: number;
  deployment: Uint8Array;
  epoch: number;
  ringBlock: number;
  /** As signed: `producer` empty. */
  indicator: Indicator;
  signature: Uint8Array;
}

/** The pseudonym an anonymous statement is recorded under (as a sighting's reporter): 8 bytes of its key image. */
export const anonymousProducer = anonymousReporter;

/** The key image's scope: one anonymous statement per member, value and epoch. */
export function anonymousIndicatorScope(m: { deployment: Uint8Array; epoch: number; indicator: Pick<Indicator, "type" | "value"> }): Uint8Array {
  const value = Buffer.from(`${m.indicator.type}\u0000${m.indicator.value}`);
  return Buffer.concat([Buffer.from("cti-exchange/anonymous-indicator/scope/v1"), u32(m.deployment.length), m.deployment, u64(m.epoch), u32(value.length), value]);
}

/** The bytes the ring signs: the header, then the indicator's canonical encoding (wire/canonical.ts). */
export function anonymousIndicatorMessage(m: Omit<AnonymousIndicator, "signature" | "indicator">, canonicalIndicator: Uint8Array): Uint8Array {
  return Buffer.concat([Buffer.from("cti-exchange/anonymous-indicator/v1"), u32(m.version), u32(m.deployment.length), m.deployment, u64(m.epoch), u64(m.ringBlock), u32(canonicalIndicator.length), canonicalIndicator]);
}
