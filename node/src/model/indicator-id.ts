import { createHash } from "node:crypto";
import type { IndicatorType } from "./indicator.js";

/**
 * The id of an indicator: SHA-256 over a domain tag, its type and its normalized value. Every
 * partner that states the same observable derives the same id, so it is one record everywhere.
 */
export function indicatorId(type: IndicatorType, normalizedValue: string): string {
  return createHash("sha256").update(`cti-exchange/indicator-id/v1\0${type}\0${normalizedValue}`).digest("hex");
}
