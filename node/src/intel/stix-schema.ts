/**
 * intel/ owns the exchange's intelligence beyond atomic indicators: STIX 2.1 objects (reports,
 * actors, campaigns, malware, techniques, vulnerabilities, courses of action, relationships,
 * sightings, observables, custom objects), how each is checked before it is signed or accepted,
 * prepared for publishing, versioned, revoked, and queried as a graph.
 *
 * This file: the official STIX 2.1 JSON schemas (data/stix2/schemas, OASIS), loaded once into
 * one ajv and compiled per type on first use. Custom `x-` types, which no schema describes, are
 * checked against the common properties every object has.
 */
import { readFileSync, readdirSync } from "node:fs";
import { join, relative } from "node:path";
import { fileURLToPath } from "node:url";
import { Ajv2020 } from "ajv/dist/2020.js";
import type { ValidateFunction } from "ajv";
import type { RegExpEngine, RegExpLike } from "ajv/dist/types/index.js";
import addFormatsModule from "ajv-formats";

const SCHEMA_DIR = fileURLToPath(new URL("../../../data/stix2/schemas", import.meta.url));
/** The `$id` base of the OASIS schemas: each refers to the others by these absolute URLs. */
const BASE = "http://raw.githubusercontent.com/oasis-open/cti-stix2-json-schemas/stix2.1/schemas/";

function filesUnder(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? filesUnder(join(dir, e.name)) : e.name.endsWith(".json") ? [join(dir, e.name)] : []));
}

let loaded: { ajv: Ajv2020; urlOf: Map<string, string> } | undefined;

function load(): NonNullable<typeof loaded> {
  if (loaded) return loaded;
  // The schemas' patterns are not valid under the u flag: ajv's 2020 build needs unicodeRegExp off.
  const ajv = new Ajv2020({ strict: false, allErrors: false, unicodeRegExp: false, code: { regExp: suffixFirstRegExp } });
  const addFormats = (addFormatsModule as unknown as { default?: typeof addFormatsModule }).default ?? addFormatsModule;
  (addFormats as unknown as (a: Ajv2020) => void)(ajv);
  // Hostnames with non-ASCII labels (idn-hostname) are left to the STIX value checks: ajv has no checker for them.
  ajv.addFormat("idn-hostname", true);
  ajv.addFormat("idn-email", true);
  const urlOf = new Map<string, string>();
  for (const path of filesUnder(SCHEMA_DIR)) {
    ajv.addSchema(equivalentFaster(JSON.parse(readFileSync(path, "utf8")) as Record<string, unknown>));
    const rel = relative(SCHEMA_DIR, path).replace(/\\/g, "/");
    const name = rel.split("/").pop()!.replace(/\.json$/, "");
    if (!rel.startsWith("common/") || name === "marking-definition" || name === "extension-definition" || name === "language-content") urlOf.set(name, `${BASE}${rel}`);
  }
  urlOf.set("x-custom", `${BASE}common/core.json`);
  loaded = { ajv, urlOf };
  return loaded;
}

/**
 * The rule every property of every object passes (common/properties.json: a custom property's
 * value is a non-empty list, a string, a number, a boolean or an object) says so as an `anyOf` of
 * six schemas, which ajv runs as six tries that record an error for each that fails: for ATT&CK,
 * about half of all schema-checking time (node/bench/objects.bench.ts). The same rule as one
 * type list: `minItems` applies to lists only, and integer is a number. Same verdicts
 * (test/unit/stix-objects.test.ts compares both on every kind of value); the schema files stay
 * as OASIS wrote them.
 */
export const PROPERTY_VALUE_RULE = { type: ["array", "string", "number", "boolean", "object"], minItems: 1 } as const;

function equivalentFaster(schema: Record<string, unknown>): Record<string, unknown> {
  if (schema.$id !== `${BASE}common/properties.json`) return schema;
  const patterns = schema.patternProperties as Record<string, { anyOf?: unknown[] }>;
  const key = "^([a-z][a-z0-9_]{2,249})|id$";
  const rule = patterns[key];
  if (rule?.anyOf?.length !== 6) throw new Error("common/properties.json is not the one this node was written for: check equivalentFaster");
  return { ...schema, patternProperties: { ...patterns, [key]: PROPERTY_VALUE_RULE } };
}

/**
 * ajv's regular expressions, with one shortcut: a pattern that must end in a fixed text (the
 * schemas' `^[a-z][a-z0-9_]{0,245}_bin$` and `_hex$`, which every property name of every object is
 * tested against) is first tested with `endsWith`, which fails at once for nearly every name,
 * where the expression backtracks through the whole name. The expression still decides.
 */
export const suffixFirstRegExp: RegExpEngine = Object.assign(
  (pattern: string, flags: string): RegExpLike => {
    const re = new RegExp(pattern, flags);
    // Anchored, no alternation or group, a tail of letters, digits, _ and - before the $; the tail
    // must not begin inside an escape ("\\dab$": the d belongs to \d).
    const tail = /^\^[^|()]*?([A-Za-z0-9_-]+)\$$/.exec(pattern);
    const suffix = tail?.[1];
    const before = suffix ? pattern.slice(0, pattern.length - 1 - suffix.length) : "";
    if (!suffix || flags.includes("i") || /(^|[^\\])(\\\\)*\\$/.test(before)) return re;
    // ajv keeps each compiled pattern under its text (toString): two must not share one.
    const shortcut = { test: (text: string) => text.endsWith(suffix) && re.test(text), toString: () => String(re) };
    return shortcut as RegExpLike;
  },
  // Only read when ajv writes standalone code, which the node never does; "new RegExp" would make ajv skip this engine.
  { code: "suffixFirstRegExp" },
);

const compiled = new Map<string, ValidateFunction>();

/** The STIX types a schema describes (custom `x-` types aside). */
export function schemaTypes(): string[] {
  return [...load().urlOf.keys()].filter((t) => t !== "x-custom").sort();
}

/**
 * Checks one object against its type's schema: undefined when it conforms, else the first
 * problem, as "<path> <message>" (no value of the object in it). A custom type is checked
 * against the common properties.
 */
export function schemaProblem(object: Record<string, unknown>): string | undefined {
  const type = typeof object.type === "string" ? object.type : "";
  const key = type.startsWith("x-") ? "x-custom" : type;
  let check = compiled.get(key);
  if (!check) {
    const url = load().urlOf.get(key);
    if (!url) return `no STIX 2.1 type is called ${JSON.stringify(type.slice(0, 64))}`;
    check = load().ajv.getSchema(url)!;
    compiled.set(key, check);
  }
  if (check(object)) return undefined;
  const error = check.errors?.[0];
  return error ? `${error.instancePath || "/"} ${error.message ?? "is not valid"}` : "does not match its schema";
}
