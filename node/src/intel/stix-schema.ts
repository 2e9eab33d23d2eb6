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
  const ajv = new Ajv2020({ strict: false, allErrors: false, unicodeRegExp: false });
  const addFormats = (addFormatsModule as unknown as { default?: typeof addFormatsModule }).default ?? addFormatsModule;
  (addFormats as unknown as (a: Ajv2020) => void)(ajv);
  // Hostnames with non-ASCII labels (idn-hostname) are left to the STIX value checks: ajv has no checker for them.
  ajv.addFormat("idn-hostname", true);
  ajv.addFormat("idn-email", true);
  const urlOf = new Map<string, string>();
  for (const path of filesUnder(SCHEMA_DIR)) {
    ajv.addSchema(JSON.parse(readFileSync(path, "utf8")) as object);
    const rel = relative(SCHEMA_DIR, path).replace(/\\/g, "/");
    const name = rel.split("/").pop()!.replace(/\.json$/, "");
    if (!rel.startsWith("common/") || name === "marking-definition" || name === "extension-definition" || name === "language-content") urlOf.set(name, `${BASE}${rel}`);
  }
  urlOf.set("x-custom", `${BASE}common/core.json`);
  loaded = { ajv, urlOf };
  return loaded;
}

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
