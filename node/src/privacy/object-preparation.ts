import { checkObjectJson, ObjectCheckError, type ObjectFacts, type ObjectRefusal } from "../intel/object-checks.js";
import { tlpRank, type Indicator, type IndicatorType, type Tlp } from "../model/indicator.js";
import { normalizeValue } from "../model/normalize.js";
import { patternAtoms } from "../model/stix-pattern.js";
import { forbiddenKeyIn, kindOfType, orgIdentityId, TLP2_MARKINGS, tlpOfObject, VALUE_OBSERVABLE_TYPES, type StixJson } from "../model/stix-object.js";
import { CanonicalJsonError, canonicalJson } from "../wire/canonical-json.js";
import { groupRefusal, type GroupRefusal, type PreparationContext, type Refusal } from "./publish-preparation.js";
import type { TagRefusal } from "../intel/taxonomies.js";
import type { ScrubChange, ScrubDropReason } from "./scrubber.js";

/**
 * What happens to a STIX object before it may leave the node, in order: it must be an object
 * without JavaScript-special names; it gets a TLP marking when it has none (the import's or the
 * node's default); a TLP:AMBER or AMBER+STRICT one gets its sharing group; its free text is
 * scrubbed of personal data; an observable or pattern that names the partner's own or private
 * assets is refused; a reference to an object its audience cannot see is cut (or, where the
 * reference is the object's point, the object refused); and it must then pass every check a
 * receiver runs (intel/object-checks.ts). The object is otherwise kept as it came, custom
 * properties included.
 */

export type ObjectPublishRefusal = ObjectRefusal | GroupRefusal | ScrubDropReason | TagRefusal | "NOT_AN_OBJECT" | "GROUP_REQUIRED" | "OBJECT_AUTHOR_MISMATCH" | "REFERENCE_NOT_VISIBLE";

/** Who can read a statement: its TLP and sharing group (0: the whole consortium). */
export interface StatementAudience {
  tlp: Tlp;
  group: number;
}

export interface ObjectChange {
  /** The property path changed ("object_marking_refs", "description", "object_refs[2]"). */
  path: string;
  what: "TLP_MARKING_ADDED" | "REFERENCE_CUT" | "TAGS_WRITTEN_AS_TAXONOMY" | ScrubChange["rule"];
  count: number;
}

export interface ObjectPreparationContext extends Omit<PreparationContext, "blindingKeyFor"> {
  /** The TLP of an object that carries none. */
  defaultTlp: Tlp;
  /** The audience of an object this node knows (held, or published together with this one), by id. */
  audienceOf(id: string): StatementAudience | undefined;
  /** The member org whose STIX identity `id` is, if any. */
  identityOwner(id: string): string | undefined;
}

export type PreparedObjectVersion = { json: string; facts: ObjectFacts; group: number; changes: ObjectChange[] };

/** Free-text properties redacted like an indicator's description (and external references' descriptions). */
const FREE_TEXT = ["name", "description", "abstract", "content", "explanation", "objective"] as const;
/** Scrubbing reasons that name the partner's own or private network: never shared, even inside a pattern. */
const PRIVATE_REASONS: ReadonlySet<ScrubDropReason> = new Set(["INTERNAL_ADDRESS", "INTERNAL_DOMAIN", "NON_ROUTABLE_ADDRESS", "RESERVED_DOMAIN"]);

/** Whether everyone who may read `referrer` may read `target`. */
export function audienceCovers(target: StatementAudience, referrer: StatementAudience): boolean {
  if (referrer.tlp === "RED") return true;
  if (target.tlp === "RED") return false;
  if (target.group !== 0 && target.group !== referrer.group) return false;
  return tlpRank(target.tlp) <= tlpRank(referrer.tlp);
}

const isRecord = (v: unknown): v is StixJson => v !== null && typeof v === "object" && !Array.isArray(v);

/**
 * A copy of `value` without the references `cut` says to cut (in `_refs` lists, or whole `_ref`
 * properties), except markings; the paths cut are added to `changes`.
 */
function withoutReferences(value: unknown, cut: (ref: string) => boolean, changes: ObjectChange[], path = "", depth = 0): unknown {
  if (depth > 32) return value;
  if (Array.isArray(value)) return value.map((v, i) => withoutReferences(v, cut, changes, `${path}[${i}]`, depth + 1));
  if (!isRecord(value)) return value;
  const out: StixJson = {};
  for (const key of Object.keys(value)) {
    const v = value[key];
    const at = path === "" ? key : `${path}.${key}`;
    const marking = key === "object_marking_refs" || key === "marking_ref";
    if (!marking && key.endsWith("_ref") && typeof v === "string" && cut(v)) {
      changes.push({ path: at, what: "REFERENCE_CUT", count: 1 });
      continue;
    }
    if (!marking && key.endsWith("_refs") && Array.isArray(v)) {
      const kept = v.filter((r) => !(typeof r === "string" && cut(r)));
      if (kept.length < v.length) changes.push({ path: at, what: "REFERENCE_CUT", count: v.length - kept.length });
      // An empty list is no list: the schema then says whether the property was required.
      if (kept.length > 0) Object.defineProperty(out, key, { value: kept, enumerable: true, writable: true, configurable: true });
      continue;
    }
    Object.defineProperty(out, key, { value: withoutReferences(v, cut, changes, at, depth + 1), enumerable: true, writable: true, configurable: true });
  }
  return out;
}

/** A minimal indicator of one observable, for the scrubber's drop rules. */
function probe(type: IndicatorType, value: string, orgId: string): Indicator | undefined {
  try {
    const normalized = normalizeValue(type, value);
    return { type, value: normalized, tlp: "GREEN", confidence: 0, validFrom: 0, validUntil: 0, labels: { malwareFamilies: [], attackTechniques: [], tags: [] }, description: "", group: 0, blinded: false, producer: orgId, createdAt: 0 };
  } catch {
    return undefined;
  }
}

/**
 * One object through the rules (see the file's comment). `group` is where an AMBER object goes
 * (the default group if absent). Pure but for what `context` looks up.
 */
export function prepareObject(input: unknown, options: { group?: number }, context: ObjectPreparationContext): PreparedObjectVersion | Refusal<ObjectPublishRefusal> {
  if (!isRecord(input)) return { reason: "NOT_AN_OBJECT", message: "a STIX object is a JSON object" };
  const forbidden = forbiddenKeyIn(input);
  if (forbidden) return { reason: "INVALID_OBJECT", message: `a property is named ${forbidden}` };
  const id = typeof input.id === "string" ? input.id : "object";
  const changes: ObjectChange[] = [];
  let object: StixJson = input;

  // TLP: the object's own markings, or the default added as one.
  let tlp = tlpOfObject(object);
  if (!tlp) {
    tlp = context.defaultTlp;
    const refs = Array.isArray(object.object_marking_refs) ? object.object_marking_refs : [];
    object = { ...object, object_marking_refs: [...refs, TLP2_MARKINGS[tlp]] };
    changes.push({ path: "object_marking_refs", what: "TLP_MARKING_ADDED", count: 1 });
  }
  const group = tlp === "RED" ? 0 : (options.group ?? (tlp === "AMBER" || tlp === "AMBER+STRICT" ? context.defaultGroup : undefined) ?? 0);
  if ((tlp === "AMBER" || tlp === "AMBER+STRICT") && group === 0) {
    return { reason: "GROUP_REQUIRED", field: "group", message: `${id} is TLP:${tlp}: give the sharing group it goes to` };
  }
  const refusedGroup = groupRefusal(group, tlp, context);
  if (refusedGroup) return refusedGroup;

  // Tags (STIX labels) against the taxonomies: written in their case, refused where one breaks them.
  if (Array.isArray(object.labels)) {
    const labels = object.labels.filter((l): l is string => typeof l === "string");
    const checked = context.taxonomies.check(labels);
    if (!checked.ok) return { reason: checked.reason, field: "labels", message: `${id}: ${checked.message}` };
    const original = object.labels as unknown[];
    if (checked.tags.length !== original.length || checked.tags.some((t, i) => t !== original[i])) {
      object = { ...object, labels: checked.tags };
      changes.push({ path: "labels", what: "TAGS_WRITTEN_AS_TAXONOMY", count: Math.max(1, checked.tags.filter((t, i) => t !== original[i]).length) });
    }
  }

  // Authorship: nobody publishes under another member's identity (receivers would refuse it).
  if (typeof object.created_by_ref === "string" && object.created_by_ref !== orgIdentityId(context.orgId)) {
    const author = context.identityOwner(object.created_by_ref);
    if (author !== undefined && author !== context.orgId) return { reason: "OBJECT_AUTHOR_MISMATCH", field: "created_by_ref", message: `${id} is authored under ${author}'s identity: only ${author} may publish its versions` };
  }

  if (tlp !== "RED") {
    // The partner's own and private assets never leave, whether as an observable or inside a pattern.
    const values: Array<{ type: IndicatorType; value: string }> = [];
    const valueType = typeof object.type === "string" ? VALUE_OBSERVABLE_TYPES.get(object.type) : undefined;
    if (valueType && typeof object.value === "string") values.push({ type: valueType, value: object.value });
    if (object.type === "indicator" && object.pattern_type === "stix" && typeof object.pattern === "string") {
      const atoms = patternAtoms(object.pattern);
      if (atoms.ok) values.push(...atoms.atoms);
    }
    for (const { type, value } of values) {
      const indicator = probe(type, value, context.orgId);
      const scrubbed = indicator ? context.scrubber.scrub(indicator) : undefined;
      if (scrubbed && !scrubbed.kept && PRIVATE_REASONS.has(scrubbed.reason)) return { reason: scrubbed.reason, field: "value", message: `${id}: ${scrubbed.message}` };
    }
    if (context.scrubber.policy.redactFreeText) object = redactFreeText(object, context, changes);

    // References its audience could not follow are cut; where that leaves the object invalid, it is refused.
    const mine: StatementAudience = { tlp, group };
    const cut = (ref: string) => {
      const target = context.audienceOf(ref);
      return target !== undefined && !audienceCovers(target, mine);
    };
    const before = changes.length;
    object = withoutReferences(object, cut, changes) as StixJson;
    if (changes.length > before && (object.type === "relationship" || object.type === "sighting")) {
      const lost = changes.slice(before).find((c) => /^(source_ref|target_ref|sighting_of_ref)$/.test(c.path));
      if (lost) return { reason: "REFERENCE_NOT_VISIBLE", field: lost.path, message: `${id}: its ${lost.path} names an object its audience (TLP:${tlp}${group ? `, group ${group}` : ""}) may not see` };
    }
  }

  let json: string;
  try {
    json = canonicalJson(object);
  } catch (err) {
    if (err instanceof CanonicalJsonError) return { reason: "OBJECT_NOT_CANONICAL", message: `${id}: ${err.message}` };
    throw err;
  }
  let facts: ObjectFacts;
  try {
    facts = checkObjectJson(json, context.now + 60_000, id);
  } catch (err) {
    if (!(err instanceof ObjectCheckError)) throw err;
    const cutRefs = changes.filter((c) => c.what === "REFERENCE_CUT");
    if (err.reason === "INVALID_OBJECT" && cutRefs.length > 0) {
      return { reason: "REFERENCE_NOT_VISIBLE", field: cutRefs[0]!.path, message: `${err.message}, once the references its audience may not see were cut (${cutRefs.map((c) => c.path).join(", ")})` };
    }
    return { reason: err.reason, message: err.message };
  }
  if (!kindOfType(facts.type)) return { reason: "INVALID_OBJECT", message: `${id}: unknown type` };
  return { json, facts, group, changes };
}

/** The object with personal data redacted from its free text (and external references' descriptions). */
function redactFreeText(object: StixJson, context: ObjectPreparationContext, changes: ObjectChange[]): StixJson {
  const found: ScrubChange[] = [];
  const out: StixJson = { ...object };
  for (const key of FREE_TEXT) {
    const text = object[key];
    if (Object.hasOwn(object, key) && typeof text === "string") out[key] = context.scrubber.redact(text, found, key);
  }
  if (Array.isArray(object.external_references)) {
    out.external_references = object.external_references.map((ref, i) =>
      isRecord(ref) && typeof ref.description === "string" ? { ...ref, description: context.scrubber.redact(ref.description, found, `external_references[${i}].description`) } : ref,
    );
  }
  for (const change of found) changes.push({ path: change.field, what: change.rule, count: change.count });
  return found.length > 0 ? out : object;
}
