import { hash } from "node:crypto";
import { v5 as uuidv5 } from "uuid";
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

/** The namespace of every UUID this software derives for STIX objects of records. */
export const RECORD_UUID_NAMESPACE = "0a6e7b2e-5b52-5c3e-9f0e-2c7f3b0d7c11";

/**
 * A record's id as a UUID (version 5, so the same on every node), for formats that name objects
 * by UUID: a record is `indicator--<uuid>` in TAXII collections.
 */
export function recordUuid(id: string): string {
  return uuidv5(`record:${id}`, RECORD_UUID_NAMESPACE);
}
