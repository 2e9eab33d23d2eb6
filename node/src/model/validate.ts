import { InvalidIndicatorError } from "./errors.js";
import {
  DEFAULT_LIFETIME_MS,
  isBoundedTime,
  isIndicatorType,
  isOrgId,
  isTlp,
  tlpNeedsGroup,
  type Indicator,
  type Labels,
} from "./indicator.js";
import { isNormalized, normalizeValue } from "./normalize.js";
import { formatMachineTag, FREE_TAG, parseMachineTag } from "./tags.js";

/** What a person or a client program asks to publish; anything may be missing or wrong. */
export interface IndicatorInput {
  type: unknown;
  value: unknown;
  tlp?: unknown;
  confidence?: unknown;
  validFrom?: unknown;
  validUntil?: unknown;
  labels?: { malwareFamilies?: unknown; attackTechniques?: unknown; tags?: unknown };
  description?: unknown;
  /** Sharing group id; required for TLP:AMBER and TLP:AMBER+STRICT. */
  group?: unknown;
}

export const LABEL_LIMITS = { perKind: 32, length: 64 } as const;
export const MAX_DESCRIPTION_LENGTH = 1024;
const BLINDED_VALUE = /^[0-9a-f]{64}$/;
// Control characters other than tab and newline have no place in analyst text.
// eslint-disable-next-line no-control-regex
const CONTROL_CHARS = /[\u0000-\u0008\u000b-\u001f\u007f]/;

/** Trimmed, NFC-normalized analyst text: the one form a signature may cover. */
export function normalizeDescription(text: string): string {
  return text.normalize("NFC").trim();
}

function parseDescription(value: unknown): string {
  if (value === undefined || value === null) return "";
  if (typeof value !== "string") throw new InvalidIndicatorError("BAD_DESCRIPTION", "description must be a string", "description");
  return normalizeDescription(value);
}

function parseGroup(value: unknown): number {
  if (value === undefined || value === null || value === "") return 0;
  const group = typeof value === "string" && /^\d+$/.test(value) ? Number(value) : value;
  if (typeof group !== "number" || !Number.isSafeInteger(group) || group < 0) {
    throw new InvalidIndicatorError("BAD_GROUP", "group must be a sharing group id (a positive integer)", "group");
  }
  return group;
}
/** Longest validity a producer may claim; nothing in CTI stays true for longer. */
export const MAX_VALIDITY_MS = 10 * 365 * 24 * 60 * 60 * 1000;
const ATTACK_ID = /^T\d{4}(\.\d{3})?$/;
const FREE_LABEL = /^[\p{L}\p{N}][\p{L}\p{N} ._:/+-]*$/u;

function parseTime(value: unknown, field: string): number | undefined {
  if (value === undefined || value === null || value === "") return undefined;
  const ms = typeof value === "number" ? value : typeof value === "string" ? Date.parse(value) : NaN;
  if (!Number.isSafeInteger(ms) || ms < 0) {
    throw new InvalidIndicatorError("BAD_VALIDITY", `${field} must be an ISO 8601 time or Unix milliseconds`, field);
  }
  if (!isBoundedTime(ms)) throw new InvalidIndicatorError("BAD_VALIDITY", `${field} is after 2100-01-01, the latest time the exchange takes`, field);
  return ms;
}

function normalizeLabelList(value: unknown, field: keyof Labels): string[] {
  if (value === undefined || value === null) return [];
  if (!Array.isArray(value)) throw new InvalidIndicatorError("BAD_LABEL", `labels.${field} must be a list`, `labels.${field}`);
  const out = new Set<string>();
  for (const item of value) {
    if (typeof item !== "string") throw new InvalidIndicatorError("BAD_LABEL", `labels.${field} holds a non-string`, `labels.${field}`);
    // A machine tag (`PAP:RED`, `admiralty-scale:source-reliability="b"`) keeps its case; a free word is lowercased.
    const machine = field === "tags" ? parseMachineTag(item.trim().normalize("NFC")) : undefined;
    if (machine) {
      out.add(formatMachineTag(machine));
      continue;
    }
    const label = field === "attackTechniques" ? item.trim().toUpperCase() : item.trim().toLowerCase();
    if (label.length === 0 || label.length > LABEL_LIMITS.length) {
      throw new InvalidIndicatorError("BAD_LABEL", `labels.${field}: "${item}" must be 1-${LABEL_LIMITS.length} characters`, `labels.${field}`);
    }
    const pattern = field === "attackTechniques" ? ATTACK_ID : field === "tags" ? FREE_TAG : FREE_LABEL;
    if (!pattern.test(label)) {
      throw new InvalidIndicatorError("BAD_LABEL", `labels.${field}: "${item}" is not allowed`, `labels.${field}`);
    }
    out.add(label);
  }
  if (out.size > LABEL_LIMITS.perKind) {
    throw new InvalidIndicatorError("BAD_LABEL", `labels.${field} holds more than ${LABEL_LIMITS.perKind} entries`, `labels.${field}`);
  }
  return [...out].sort();
}

/**
 * Turns untrusted input into a canonical indicator stated by `producer` at `now`: normalizes the
 * value and labels, fills defaults (GREEN, confidence 50, validity from now for the type's
 * default lifetime) and checks every invariant.
 */
export function buildIndicator(input: IndicatorInput, context: { producer: string; now: number; defaultGroup?: number }): Indicator {
  if (!isIndicatorType(input.type)) {
    throw new InvalidIndicatorError("UNKNOWN_TYPE", `unknown indicator type ${JSON.stringify(input.type)}`, "type");
  }
  if (typeof input.value !== "string") throw new InvalidIndicatorError("BAD_VALUE", "value must be a string", "value");
  const tlp = input.tlp === undefined ? "GREEN" : typeof input.tlp === "string" ? input.tlp.toUpperCase().replace(/^TLP:/, "") : input.tlp;
  const validFrom = parseTime(input.validFrom, "validFrom") ?? context.now;
  const indicator: Indicator = {
    type: input.type,
    value: normalizeValue(input.type, input.value),
    tlp: tlp as Indicator["tlp"],
    confidence: input.confidence === undefined ? 50 : (input.confidence as number),
    validFrom,
    validUntil: parseTime(input.validUntil, "validUntil") ?? validFrom + DEFAULT_LIFETIME_MS[input.type],
    labels: {
      malwareFamilies: normalizeLabelList(input.labels?.malwareFamilies, "malwareFamilies"),
      attackTechniques: normalizeLabelList(input.labels?.attackTechniques, "attackTechniques"),
      tags: normalizeLabelList(input.labels?.tags, "tags"),
    },
    description: parseDescription(input.description),
    group: parseGroup(input.group),
    blinded: false,
    producer: context.producer,
    createdAt: context.now,
  };
  // TLP:AMBER and AMBER+STRICT without a group go to the node's default group, if it has one.
  if (indicator.group === 0 && tlpNeedsGroup(indicator.tlp) && context.defaultGroup) indicator.group = context.defaultGroup;
  checkIndicator(indicator);
  return indicator;
}

/** Every invariant of an indicator except canonical form; throws InvalidIndicatorError. */
export function checkIndicator(indicator: Indicator): void {
  if (!isIndicatorType(indicator.type)) throw new InvalidIndicatorError("UNKNOWN_TYPE", `unknown indicator type "${indicator.type}"`, "type");
  if (!isTlp(indicator.tlp)) throw new InvalidIndicatorError("BAD_TLP", `TLP must be one of CLEAR, GREEN, AMBER, AMBER+STRICT, RED`, "tlp");
  if (!Number.isInteger(indicator.confidence) || indicator.confidence < 0 || indicator.confidence > 100) {
    throw new InvalidIndicatorError("BAD_CONFIDENCE", "confidence must be an integer from 0 to 100", "confidence");
  }
  if (!isBoundedTime(indicator.validFrom) || !isBoundedTime(indicator.validUntil)) {
    throw new InvalidIndicatorError("BAD_VALIDITY", "validity bounds must be Unix milliseconds from 1970 to 2100", "validUntil");
  }
  if (indicator.validUntil <= indicator.validFrom) {
    throw new InvalidIndicatorError("BAD_VALIDITY", "validUntil must be after validFrom", "validUntil");
  }
  if (indicator.validUntil - indicator.validFrom > MAX_VALIDITY_MS) {
    throw new InvalidIndicatorError("BAD_VALIDITY", "validity may not exceed 10 years", "validUntil");
  }
  if (typeof indicator.description !== "string" || indicator.description.length > MAX_DESCRIPTION_LENGTH) {
    throw new InvalidIndicatorError("BAD_DESCRIPTION", `description may hold at most ${MAX_DESCRIPTION_LENGTH} characters`, "description");
  }
  if (CONTROL_CHARS.test(indicator.description)) {
    throw new InvalidIndicatorError("BAD_DESCRIPTION", "description may not hold control characters", "description");
  }
  if (!Number.isSafeInteger(indicator.group) || indicator.group < 0) {
    throw new InvalidIndicatorError("BAD_GROUP", "group must be a sharing group id", "group");
  }
  if (tlpNeedsGroup(indicator.tlp) && indicator.group === 0) {
    throw new InvalidIndicatorError("GROUP_REQUIRED", `TLP:${indicator.tlp} is shared with a chosen sharing group only: give a group`, "group");
  }
  if (indicator.blinded && indicator.group === 0) {
    throw new InvalidIndicatorError("GROUP_REQUIRED", "a blinded indicator is keyed for a sharing group: give a group", "group");
  }
  if (indicator.blinded && !BLINDED_VALUE.test(indicator.value)) {
    throw new InvalidIndicatorError("BAD_VALUE", "a blinded value is 64 lowercase hex digits", "value");
  }
  if (!isOrgId(indicator.producer)) throw new InvalidIndicatorError("BAD_PRODUCER", `"${indicator.producer}" is not an org id`, "producer");
  if (!isBoundedTime(indicator.createdAt)) {
    throw new InvalidIndicatorError("BAD_TIME", "createdAt must be Unix milliseconds from 1970 to 2100", "createdAt");
  }
}

/** True when value and labels are exactly what normalization would produce. */
export function isCanonical(indicator: Indicator): boolean {
  if (!indicator.blinded && !isNormalized(indicator.type, indicator.value)) return false;
  if (indicator.description !== normalizeDescription(indicator.description)) return false;
  for (const field of ["malwareFamilies", "attackTechniques", "tags"] as const) {
    const list = indicator.labels[field];
    try {
      const canonical = normalizeLabelList(list, field);
      if (canonical.length !== list.length || canonical.some((label, i) => label !== list[i])) return false;
    } catch {
      return false;
    }
  }
  return true;
}

/**
 * Whether every tag of an indicator is one a node of wire version 2 takes as canonical (a lowercase
 * free word of at most 64 characters): otherwise its batch must be version 3, which such a node
 * ignores instead of refusing (and penalising whoever relayed it).
 */
export function hasOnlyVersion2Tags(indicator: Pick<Indicator, "labels">): boolean {
  return indicator.labels.tags.every((tag) => tag.length <= LABEL_LIMITS.length && tag === tag.toLowerCase() && FREE_LABEL.test(tag));
}
