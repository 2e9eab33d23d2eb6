import { hash } from "node:crypto";
import type { IndicatorType } from "./indicator.js";

/**
 * The id of an indicator: SHA-256 over a domain tag, its type and its normalized value. Every
 * partner that states the same observable derives the same id, so it is one record everywhere.
 */
export function indicatorId(type: IndicatorType, normalizedValue: string, blinded = false): string {
  // A blinded value is a different thing from a plain one (a SHA-256 file hash and an HMAC look
  // alike), so it gets its own id space.
  const tag = blinded ? "cti-exchange/blinded-indicator-id/v1" : "cti-exchange/indicator-id/v1";
  return hash("sha256", `${tag}\0${type}\0${normalizedValue}`, "hex");
}

export function idOf(indicator: { type: IndicatorType; value: string; blinded: boolean }): string {
  return indicatorId(indicator.type, indicator.value, indicator.blinded);
}
