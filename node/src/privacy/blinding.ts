/**
 * privacy/ owns who may see what: TLP 2.0 audiences and the views each may get, blinding of
 * indicators, and the scrubbing applied before anything leaves the node. Everything here is a
 * pure function; the adapters (publisher, gossip, store, API) call it at every boundary.
 */
import { createHmac } from "node:crypto";
import type { Indicator, IndicatorType } from "../model/indicator.js";
import { TYPE_CODES } from "../wire/canonical.js";

export const BLINDING_KEY_LENGTH = 32;
const KEY_TAG = "cti-exchange/blinding-key/v2";
const VALUE_TAG = "cti-exchange/blinded-value/v1";

/**
 * A producer's blinding key for one group as it is now: derived from its X25519 secret, the
 * group, and the orgs the group's batches are sealed for (its active members and the producer).
 * So it needs no storage and is the same after a restart; it differs per group, so members of
 * one group learn nothing about another group's blinded entries; and it changes whenever the
 * group's members do, so an org that leaves (or is suspended) holds no key to what is blinded
 * after it left, and one that joins none to what was blinded before.
 *
 * What it does not do: every member holds the key while it is a member, and an HMAC of a value
 * from a small space (an IPv4 address, a word) can be tested by trying them all. Blinding keeps
 * values from outsiders and relays, not from the group's own members (docs/privacy.md).
 */
export function deriveBlindingKey(secret: Uint8Array, group: number, members: readonly string[]): Uint8Array {
  const set = [...new Set(members)].sort();
  return createHmac("sha256", secret).update(`${KEY_TAG}\0${group}\0${set.join("\0")}`).digest();
}

/** HMAC-SHA-256 (hex) of a normalized value under a blinding key, bound to the value's type. */
export function blindValue(key: Uint8Array, type: IndicatorType, normalizedValue: string): string {
  return createHmac("sha256", key).update(`${VALUE_TAG}\0${TYPE_CODES[type]}\0${normalizedValue}`).digest("hex");
}

/** The blinded form of a plain indicator of a group (its other fields stay as they are). */
export function blindIndicator(indicator: Indicator, key: Uint8Array): Indicator {
  if (indicator.blinded) return indicator;
  return { ...indicator, value: blindValue(key, indicator.type, indicator.value), blinded: true };
}
