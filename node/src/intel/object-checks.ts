import { hash } from "node:crypto";
import { MAX_TIME_MS, type Tlp } from "../model/indicator.js";
import { patternAtoms, type PatternAtom } from "../model/stix-pattern.js";
import {
  displayName,
  tagsOfObject,
  edgesOf,
  forbiddenKeyIn,
  isRevoked,
  kindOfType,
  relationshipEnds,
  tlpOfObject,
  typeOfId,
  versionOf,
  type ObjectEdge,
  type ObjectKind,
  type StixJson,
} from "../model/stix-object.js";
import { CanonicalJsonError, parseCanonicalObject } from "../wire/canonical-json.js";
import { schemaProblem } from "./stix-schema.js";

/**
 * The checks one STIX object version passes before a node signs it or accepts it from a peer,
 * and the facts about it the store and the graph need, read once. Pure over the object's text
 * (the schemas are loaded once and never change), so the same verdict comes out on any thread.
 * Messages name the object's id and the failing property, never a value: they reach logs, and a
 * sealed object's content must not.
 */

/** Largest canonical JSON of one object: a long report fits (ATT&CK's largest object is 14 KB). */
export const MAX_OBJECT_BYTES = 256 * 1024;

export type ObjectRefusal =
  | "OBJECT_NOT_CANONICAL"
  | "OBJECT_TOO_LARGE"
  | "INVALID_OBJECT"
  | "OBJECT_UNMARKED"
  | "OBJECT_TLP_RED"
  | "OBJECT_NOT_SEALED"
  | "OBJECT_FROM_FUTURE"
  | "DUPLICATE_OBJECT";

export class ObjectCheckError extends Error {
  override readonly name = "ObjectCheckError";
  constructor(
    readonly reason: ObjectRefusal,
    message: string,
  ) {
    super(message);
  }
}

/** What the store and the graph need of one object version, read once when it is checked. */
export interface ObjectFacts {
  id: string;
  type: string;
  kind: ObjectKind;
  version: string;
  tlp: Tlp;
  revoked: boolean;
  /** Its `created_by_ref`, if any. */
  createdBy: string | undefined;
  /** SHA-256 (hex) of its canonical JSON. */
  hash: string;
  /** A short name to list and search it by (text, never HTML). */
  name: string;
  /** Its labels as the exchange's tags, with its PAP (model/stix-object.ts tagsOfObject). */
  tags: string[];
  /** The edges it makes in the graph (model/stix-object.ts edgesOf): what the graph index holds of it. */
  edges: ObjectEdge[];
  /** For a relationship: its two ends and its type. */
  ends: { source: string; target: string; relationshipType: string } | undefined;
  /** For an indicator with a STIX pattern: the observables it compares for equality. */
  atoms: PatternAtom[];
}

function refuse(reason: ObjectRefusal, message: string): never {
  throw new ObjectCheckError(reason, message);
}

/** Milliseconds of an RFC 3339 time, or NaN. */
const timeOf = (value: unknown) => (typeof value === "string" ? Date.parse(value) : Number.NaN);

/**
 * Checks one object's canonical JSON on its own: size, canonical form, no JavaScript-special
 * names, its schema, an id of its type, a TLP marking, no version from after `horizon` (Unix ms)
 * nor after 2100. Returns its facts, or throws ObjectCheckError with the reason.
 */
export function checkObjectJson(json: string, horizon: number, label = "object"): ObjectFacts {
  // Characters are at most 3 bytes each in UTF-8: the byte count is computed only when it may matter.
  if (json.length * 3 > MAX_OBJECT_BYTES && Buffer.byteLength(json) > MAX_OBJECT_BYTES) refuse("OBJECT_TOO_LARGE", `${label} is over ${MAX_OBJECT_BYTES} bytes`);
  let object: StixJson;
  try {
    object = parseCanonicalObject(json);
  } catch (err) {
    if (err instanceof CanonicalJsonError) refuse("OBJECT_NOT_CANONICAL", `${label}: ${err.message}`);
    throw err;
  }
  const id = typeof object.id === "string" ? object.id : undefined;
  const type = typeof object.type === "string" ? object.type : undefined;
  const named = id && typeOfId(id) ? id : label;
  if (!type || !id) refuse("INVALID_OBJECT", `${label} has no type or no id`);
  const kind = kindOfType(type);
  if (!kind) refuse("INVALID_OBJECT", `${named}: ${JSON.stringify(type.slice(0, 64))} is neither a STIX 2.1 type nor a custom x- type`);
  if (typeOfId(id) !== type) refuse("INVALID_OBJECT", `${named}: its id does not name its type`);
  const forbidden = forbiddenKeyIn(object);
  if (forbidden) refuse("INVALID_OBJECT", `${named}: a property is named ${forbidden}`);
  const problem = schemaProblem(object);
  if (problem) refuse("INVALID_OBJECT", `${named} does not conform to the STIX 2.1 ${type} schema: ${problem}`);
  const tlp = tlpOfObject(object);
  if (!tlp) refuse("OBJECT_UNMARKED", `${named} carries no TLP marking`);
  const version = versionOf(object);
  for (const field of ["created", "modified"]) {
    const at = timeOf(object[field]);
    if (at > horizon || at > MAX_TIME_MS) refuse("OBJECT_FROM_FUTURE", `${named}: ${field} is in the future`);
  }
  const pattern = type === "indicator" && object.pattern_type === "stix" && typeof object.pattern === "string" ? patternAtoms(object.pattern) : undefined;
  return {
    id,
    type,
    kind,
    version,
    tlp,
    revoked: isRevoked(object),
    createdBy: typeof object.created_by_ref === "string" ? object.created_by_ref : undefined,
    hash: hash("sha256", json, "hex"),
    name: displayName(object),
    tags: tagsOfObject(object).tags.slice(0, 64),
    edges: edgesOf(object),
    ends: relationshipEnds(object),
    atoms: pattern?.ok ? pattern.atoms : [],
  };
}

/**
 * Checks every object of a batch: each on its own, then against the batch: never TLP:RED, AMBER
 * and AMBER+STRICT only in a sealed batch, and no (id, version) twice. Returns their facts in order.
 */
export function checkObjects(objects: readonly string[], batch: { sealed: boolean }, horizon: number): ObjectFacts[] {
  const seen = new Map<string, number>();
  return objects.map((json, index) => {
    const facts = checkObjectJson(json, horizon, `object ${index}`);
    if (facts.tlp === "RED") refuse("OBJECT_TLP_RED", `object ${index} (${facts.id}) is TLP:RED, which never leaves its node`);
    if (!batch.sealed && (facts.tlp === "AMBER" || facts.tlp === "AMBER+STRICT")) refuse("OBJECT_NOT_SEALED", `object ${index} (${facts.id}) is TLP:${facts.tlp} in an open batch`);
    const key = `${facts.id} ${facts.version}`;
    const first = seen.get(key);
    if (first !== undefined) refuse("DUPLICATE_OBJECT", `object ${index} repeats object ${first} (${facts.id}, same version)`);
    seen.set(key, index);
    return facts;
  });
}
