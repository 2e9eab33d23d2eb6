import { v5 as uuidv5 } from "uuid";
import { mostRestrictiveTlp, type IndicatorType, type Tlp } from "./indicator.js";
import { RECORD_UUID_NAMESPACE } from "./indicator-id.js";
import { canonicalTag, PAP_LEVELS, papOf, tlpOfTag, type Pap } from "./tags.js";

/**
 * What a STIX 2.1 object is to the exchange: which types exist, the TLP its markings give it, its
 * version, what it references, and the deterministic identity each member org authors under.
 * Objects travel whole, as their JSON, with every property kept (custom `x_` properties and `x-`
 * types included); these rules only read them. Pure: no network, disk, ledger or screen.
 */

/** A STIX object as parsed JSON. Its own properties only are ever read (never inherited ones). */
export type StixJson = Record<string, unknown>;

export const SDO_TYPES = [
  "attack-pattern", "campaign", "course-of-action", "grouping", "identity", "incident", "indicator", "infrastructure", "intrusion-set",
  "location", "malware", "malware-analysis", "note", "observed-data", "opinion", "report", "threat-actor", "tool", "vulnerability",
] as const;
export const SRO_TYPES = ["relationship", "sighting"] as const;
export const SCO_TYPES = [
  "artifact", "autonomous-system", "directory", "domain-name", "email-addr", "email-message", "file", "ipv4-addr", "ipv6-addr",
  "mac-addr", "mutex", "network-traffic", "process", "software", "url", "user-account", "windows-registry-key", "x509-certificate",
] as const;
/** Objects about other objects: markings, extension definitions, translations. */
export const META_TYPES = ["marking-definition", "extension-definition", "language-content"] as const;

export type ObjectKind = "sdo" | "sro" | "sco" | "meta" | "custom";

const KIND_OF: ReadonlyMap<string, ObjectKind> = new Map([
  ...SDO_TYPES.map((t) => [t, "sdo"] as const),
  ...SRO_TYPES.map((t) => [t, "sro"] as const),
  ...SCO_TYPES.map((t) => [t, "sco"] as const),
  ...META_TYPES.map((t) => [t, "meta"] as const),
]);

/** A custom object type (STIX 2.1 section 11.1): `x-` then lowercase letters, digits and hyphens. */
const CUSTOM_TYPE = /^x-[a-z0-9][a-z0-9-]{0,246}[a-z0-9]$/;
const STIX_ID = /^([a-z0-9][a-z0-9-]{1,248}[a-z0-9])--([0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12})$/;

/** What kind of object a type is, or undefined for a type STIX does not define and that is not custom. */
export function kindOfType(type: string): ObjectKind | undefined {
  return KIND_OF.get(type) ?? (CUSTOM_TYPE.test(type) ? "custom" : undefined);
}

/** The type an identifier names (`attack-pattern--<uuid>` names attack-pattern), or undefined if it is not one. */
export function typeOfId(id: string): string | undefined {
  return STIX_ID.exec(id)?.[1];
}

export function isStixId(value: unknown): value is string {
  return typeof value === "string" && STIX_ID.test(value);
}

/** Observable types whose `value` is an indicator of the exchange, and which type. */
export const VALUE_OBSERVABLE_TYPES: ReadonlyMap<string, IndicatorType> = new Map([
  ["ipv4-addr", "ipv4"],
  ["ipv6-addr", "ipv6"],
  ["domain-name", "domain"],
  ["url", "url"],
  ["email-addr", "email"],
]);

/** TLP 2.0 marking definitions (FIRST, STIX 2.1 extension), by TLP. */
export const TLP2_MARKINGS: Readonly<Record<Tlp, string>> = {
  CLEAR: "marking-definition--94868c89-83c2-464b-929b-a1a8aa3c8487",
  GREEN: "marking-definition--bab4a63c-aed9-4cf5-a766-dfca5abac2bb",
  AMBER: "marking-definition--55d920b0-5e8b-4f79-9ee9-91f868d9b421",
  "AMBER+STRICT": "marking-definition--939a9414-2ddd-4d32-a0cd-375ea402b003",
  RED: "marking-definition--e828b379-4e03-4974-9ac4-e53a884c97c1",
};

/** Every marking id that is a TLP level: TLP 2.0, and STIX 2.1's TLP 1.0 definitions (WHITE reads as CLEAR). */
export const TLP_OF_MARKING: ReadonlyMap<string, Tlp> = new Map<string, Tlp>([
  ...Object.entries(TLP2_MARKINGS).map(([tlp, id]) => [id, tlp as Tlp] as const),
  ["marking-definition--613f2e26-407d-48c7-9eca-b8e91df99dc9", "CLEAR"],
  ["marking-definition--34098fce-860f-48ae-8e50-ebd3cc5e41da", "GREEN"],
  ["marking-definition--f88d31f6-486f-44da-b317-01333bde0b82", "AMBER"],
  ["marking-definition--5e57c739-391a-4eb3-b6be-7d15ca92d5ed", "RED"],
]);

/**
 * PAP marking definitions (OASIS cti-stix-common-objects, extension
 * extension-definition--f8d78575-edfd-406e-8e84-6162a8450f5b), by PAP level.
 */
export const PAP_MARKINGS: Readonly<Record<Pap, string>> = {
  CLEAR: "marking-definition--ad15a0cd-55b6-4588-a14c-a66105329b92",
  GREEN: "marking-definition--c43594d1-4b11-4c59-93ab-1c9b14d53ce9",
  AMBER: "marking-definition--60f8932b-e51e-4458-b265-a2e8be9a80ab",
  RED: "marking-definition--740d36e5-7714-4c30-961a-3ae632ceee0e",
};
export const PAP_MARKING_EXTENSION = "extension-definition--f8d78575-edfd-406e-8e84-6162a8450f5b";

/** Every marking id that is a PAP level (PAP:WHITE, the older name, reads as CLEAR). */
export const PAP_OF_MARKING: ReadonlyMap<string, Pap> = new Map<string, Pap>([
  ...Object.entries(PAP_MARKINGS).map(([pap, id]) => [id, pap as Pap] as const),
  ["marking-definition--a3bea94c-b469-41dc-9cfe-d6e7daba7730", "CLEAR"],
]);

/** The most restrictive PAP level among an object's markings, or undefined when none is PAP. */
export function papOfObject(object: StixJson): Pap | undefined {
  const refs = own(object, "object_marking_refs");
  let pap: Pap | undefined;
  if (Array.isArray(refs))
    for (const ref of refs) {
      const level = typeof ref === "string" ? PAP_OF_MARKING.get(ref) : undefined;
      if (level && (!pap || PAP_LEVELS.indexOf(level) > PAP_LEVELS.indexOf(pap))) pap = level;
    }
  return pap;
}

const own = (object: StixJson, key: string): unknown => (Object.hasOwn(object, key) ? object[key] : undefined);

/**
 * The exchange's tags of a STIX object: its labels and indicator types (machine tags as written,
 * words lowercased) and a PAP tag for a PAP marking. TLP tags are left out: TLP is a statement's
 * own field, from its TLP markings. `unreadable` lists labels that are neither tag nor word.
 */
export function tagsOfObject(object: StixJson): { tags: string[]; unreadable: string[] } {
  const tags = new Set<string>();
  const unreadable: string[] = [];
  for (const list of [own(object, "labels"), own(object, "indicator_types")]) {
    if (!Array.isArray(list)) continue;
    for (const label of list) {
      if (typeof label !== "string") continue;
      const tag = canonicalTag(label);
      if (tag === undefined) unreadable.push(label);
      else if (!tlpOfTag(tag)) tags.add(tag);
    }
  }
  const pap = papOfObject(object);
  if (pap && !papOf([...tags])) tags.add(`PAP:${pap}`);
  return { tags: [...tags].sort(), unreadable };
}
const isRecord = (v: unknown): v is StixJson => v !== null && typeof v === "object" && !Array.isArray(v);

/**
 * The TLP an object's markings give it: the most restrictive TLP level among its object markings
 * and its granular markings. A part of the object marked more restrictively than the whole makes
 * the whole that restrictive (the exchange shows objects whole, so it never widens a part).
 * Undefined when no marking is a TLP level.
 */
export function tlpOfObject(object: StixJson): Tlp | undefined {
  let tlp: Tlp | undefined;
  const add = (ref: unknown) => {
    const level = typeof ref === "string" ? TLP_OF_MARKING.get(ref) : undefined;
    if (level) tlp = tlp ? mostRestrictiveTlp(tlp, level) : level;
  };
  const refs = own(object, "object_marking_refs");
  if (Array.isArray(refs)) refs.forEach(add);
  const granular = own(object, "granular_markings");
  if (Array.isArray(granular)) for (const g of granular) if (isRecord(g)) add(own(g, "marking_ref"));
  return tlp;
}

/**
 * The version of an object: its `modified` time for SDOs and SROs, `created` for a marking
 * definition (which has no other), and "" for an object that is never versioned (cyber
 * observables). Versions of one object sort in time order as strings only once normalized:
 * see versionKey.
 */
export function versionOf(object: StixJson): string {
  const modified = own(object, "modified");
  if (typeof modified === "string") return modified;
  const created = own(object, "created");
  return typeof created === "string" ? created : "";
}

/**
 * A version as a string that sorts in time order: RFC 3339 times normalized to UTC with nine
 * fraction digits (STIX allows any precision: "…:00Z" and "…:00.000Z" are one instant).
 * Unversioned objects ("") sort first.
 */
export function versionKey(version: string): string {
  if (version === "") return "";
  const match = /^(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2})(?:\.(\d{1,9}))?Z$/.exec(version);
  if (!match) return `~${version}`;
  return `${match[1]}.${(match[2] ?? "").padEnd(9, "0")}Z`;
}

export function isRevoked(object: StixJson): boolean {
  return own(object, "revoked") === true;
}

/** One reference an object makes to another by id, and the property (path) it makes it in. */
export interface ObjectReference {
  path: string;
  ref: string;
}

/**
 * Every id an object references: the values of properties ending in `_ref` and every element of
 * those ending in `_refs`, wherever they stand (extensions, nested lists included). Pure.
 */
export function referencesOf(object: StixJson): ObjectReference[] {
  const out: ObjectReference[] = [];
  const walk = (value: unknown, path: string, depth: number): void => {
    if (depth > 32) return;
    if (Array.isArray(value)) {
      value.forEach((v, i) => walk(v, `${path}[${i}]`, depth + 1));
      return;
    }
    if (!isRecord(value)) return;
    for (const key of Object.keys(value)) {
      const v = value[key];
      const at = path === "" ? key : `${path}.${key}`;
      if (key.endsWith("_ref") && typeof v === "string") out.push({ path: at, ref: v });
      else if (key.endsWith("_refs") && Array.isArray(v)) v.forEach((r, i) => typeof r === "string" && out.push({ path: `${at}[${i}]`, ref: r }));
      else walk(v, at, depth + 1);
    }
  };
  walk(object, "", 0);
  return out;
}

/**
 * References that say something about the intelligence, as edges of the graph: not who wrote or
 * changed an object, nor how it is marked (every object of a source would hang off its identity
 * and its marking).
 */
export function isGraphReference(path: string): boolean {
  const property = path.replace(/\[\d+\]$/, "").split(".").pop()!;
  return !(property === "created_by_ref" || property === "object_marking_refs" || property === "marking_ref" || property.endsWith("modified_by_ref"));
}

/** The endpoints of a relationship object, or undefined for any other object. */
export function relationshipEnds(object: StixJson): { source: string; target: string; relationshipType: string } | undefined {
  if (own(object, "type") !== "relationship") return undefined;
  const source = own(object, "source_ref");
  const target = own(object, "target_ref");
  const relationshipType = own(object, "relationship_type");
  if (typeof source !== "string" || typeof target !== "string") return undefined;
  return { source, target, relationshipType: typeof relationshipType === "string" ? relationshipType : "related-to" };
}

/**
 * One edge of the intelligence graph: a relationship object (from its source to its target,
 * labelled with its type) or a reference one object makes to another (labelled with the
 * property). `via` is the object that makes the edge: the relationship, or the referring object.
 */
export interface ObjectEdge {
  from: string;
  to: string;
  via: string;
  label: string;
}

/**
 * The edges an object version makes: a relationship's, or its graph references (not authorship
 * nor markings). References to relationships are left out: the relationship is an edge itself.
 */
export function edgesOf(object: StixJson): ObjectEdge[] {
  const id = own(object, "id");
  if (typeof id !== "string") return [];
  const ends = relationshipEnds(object);
  if (ends) return [{ from: ends.source, to: ends.target, via: id, label: ends.relationshipType }];
  const edges: ObjectEdge[] = [];
  const seen = new Set<string>();
  for (const { path, ref } of referencesOf(object)) {
    if (!isGraphReference(path) || typeOfId(ref) === "relationship" || ref === id) continue;
    const label = path.replace(/\[\d+\]/g, "").split(".").pop()!;
    const key = `${ref} ${label}`;
    if (seen.has(key)) continue;
    seen.add(key);
    edges.push({ from: id, to: ref, via: id, label });
  }
  return edges;
}

/** A short human name for an object (shown as text, never as HTML): its name, value, or id. */
export function displayName(object: StixJson): string {
  for (const key of ["name", "value", "pattern", "abstract", "path", "key", "number"]) {
    const v = own(object, key);
    if (typeof v === "string" && v !== "") return v.length > 200 ? `${v.slice(0, 199)}…` : v;
    if (typeof v === "number") return String(v);
  }
  const type = own(object, "type");
  if (type === "relationship") {
    const ends = relationshipEnds(object);
    if (ends) return `${ends.source} ${ends.relationshipType} ${ends.target}`;
  }
  const id = own(object, "id");
  return typeof id === "string" ? id : "?";
}

const identities = new Map<string, string>();

/** The STIX identity every member org authors under: one id per org, the same on every node. */
export function orgIdentityId(org: string): string {
  let id = identities.get(org);
  // Derived for every statement stored: kept per org (a consortium has a few hundred at most).
  // Stryker disable next-line ConditionalExpression: a cache; the id is the same either way.
  if (id === undefined) {
    id = `identity--${uuidv5(`org:${org}`, RECORD_UUID_NAMESPACE)}`;
    // Stryker disable next-line all: the cache's bound changes memory, never a result.
    if (identities.size < 10_000) identities.set(org, id);
  }
  return id;
}

/** Names that JavaScript gives meaning to: never a STIX property, refused wherever they appear. */
const FORBIDDEN_KEYS: ReadonlySet<string> = new Set(["__proto__", "constructor", "prototype"]);

/** The first property name anywhere in `value` that is one of FORBIDDEN_KEYS, if any. */
export function forbiddenKeyIn(value: unknown, depth = 0): string | undefined {
  if (depth > 32 || value === null || typeof value !== "object") return undefined;
  if (Array.isArray(value)) {
    for (const v of value) {
      const found = forbiddenKeyIn(v, depth + 1);
      if (found) return found;
    }
    return undefined;
  }
  for (const key of Object.keys(value)) {
    if (FORBIDDEN_KEYS.has(key)) return key;
    const found = forbiddenKeyIn((value as StixJson)[key], depth + 1);
    if (found) return found;
  }
  return undefined;
}
