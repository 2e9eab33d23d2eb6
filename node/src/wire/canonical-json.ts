import canonicalize from "canonicalize";

/**
 * The one textual form of a JSON value that signatures and Merkle leaves cover: RFC 8785 (JSON
 * Canonicalization Scheme: members sorted by UTF-16 code units, numbers as ECMAScript prints
 * them, no insignificant space), written by the maintained `canonicalize` package. A STIX object
 * travels as this text, so any two nodes hash the same bytes for it, and a relay cannot re-encode
 * it (reorder members, add spaces, escape differently) without the leaf changing.
 */

/** Nesting deeper than this is refused before anything parses it (STIX objects nest a few levels). */
export const MAX_JSON_DEPTH = 32;

export class CanonicalJsonError extends Error {
  override readonly name = "CanonicalJsonError";
}

/** The RFC 8785 text of `value`; throws CanonicalJsonError for what JSON cannot say (NaN, a lone surrogate, a cycle). */
export function canonicalJson(value: unknown): string {
  let text: string | undefined;
  try {
    text = canonicalize(value);
  } catch (err) {
    throw new CanonicalJsonError(`not representable as canonical JSON: ${(err as Error).message}`);
  }
  if (text === undefined) throw new CanonicalJsonError("not a JSON value");
  return text;
}

/**
 * Whether `json` nests no deeper than `max` arrays and objects: one pass over the text, so that a
 * megabyte of "[[[[" is refused at the cost of reading it, never handed to a parser.
 */
export function depthWithin(json: string, max = MAX_JSON_DEPTH): boolean {
  // No more opening brackets in all than the bound allows: within it, whatever they are (most
  // objects; counted by the engine's own search, several times faster than the walk below).
  let opening = 0;
  for (const bracket of ["{", "["]) {
    for (let at = json.indexOf(bracket); at >= 0 && opening <= max; at = json.indexOf(bracket, at + 1)) opening++;
  }
  if (opening <= max) return true;
  let depth = 0;
  let inString = false;
  for (let i = 0; i < json.length; i++) {
    const c = json.charCodeAt(i);
    if (inString) {
      if (c === 0x5c /* \ */) i++;
      else if (c === 0x22 /* " */) inString = false;
    } else if (c === 0x22) inString = true;
    else if (c === 0x7b /* { */ || c === 0x5b /* [ */) {
      if (++depth > max) return false;
    } else if (c === 0x7d /* } */ || c === 0x5d /* ] */) depth--;
  }
  return true;
}

/**
 * Parses text that must be one JSON object already in canonical form, and returns it. Throws
 * CanonicalJsonError saying which: too deep, not JSON, not an object, or not canonical.
 */
export function parseCanonicalObject(json: string): Record<string, unknown> {
  if (!depthWithin(json)) throw new CanonicalJsonError(`nested deeper than ${MAX_JSON_DEPTH} levels`);
  let value: unknown;
  try {
    value = JSON.parse(json);
  } catch (err) {
    throw new CanonicalJsonError(`not JSON: ${(err as Error).message}`);
  }
  if (value === null || typeof value !== "object" || Array.isArray(value)) throw new CanonicalJsonError("not a JSON object");
  const canonical = isCanonicalText(json, value) ?? canonicalJson(value) === json;
  if (!canonical) throw new CanonicalJsonError("not in canonical form (RFC 8785)");
  return value as Record<string, unknown>;
}

/** Array indexes as object keys: JavaScript orders them first and numerically, not as RFC 8785 does. */
const ARRAY_INDEX = /^(?:0|[1-9]\d{0,9})$/;

/**
 * Whether `text` is the RFC 8785 form of `value`, parsed from it, or undefined when this check
 * cannot tell (an object with array-index keys). The engine's JSON.stringify writes strings and
 * numbers exactly as RFC 8785 does (both follow ECMAScript's serialization) and keeps members in
 * the order they were parsed, so the text is canonical when that output is the text itself, every
 * object's members are in UTF-16 code unit order, and no string holds a lone surrogate (which RFC
 * 8785 refuses). It gives the canonicalizer's answer at about a third of its cost, on the receive
 * path of every object (node/bench/objects.bench.ts); `canonicalize` still writes every object
 * the node signs, and decides what this cannot.
 */
export function isCanonicalText(text: string, value: unknown): boolean | undefined {
  const ordered = (v: unknown): boolean | undefined => {
    if (typeof v === "string") return v.isWellFormed();
    if (v === null || typeof v !== "object") return true;
    if (Array.isArray(v)) {
      for (const item of v) {
        const ok = ordered(item);
        if (ok !== true) return ok;
      }
      return true;
    }
    let previous: string | undefined;
    for (const key of Object.keys(v)) {
      if (ARRAY_INDEX.test(key)) return undefined;
      if (!key.isWellFormed() || (previous !== undefined && previous >= key)) return false;
      previous = key;
      const ok = ordered((v as Record<string, unknown>)[key]);
      if (ok !== true) return ok;
    }
    return true;
  };
  const keysOk = ordered(value);
  if (keysOk !== true) return keysOk;
  return JSON.stringify(value) === text;
}
