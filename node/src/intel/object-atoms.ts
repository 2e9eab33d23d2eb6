import { tagsOfObject, VALUE_OBSERVABLE_TYPES, type StixJson } from "../model/stix-object.js";
import type { PublishInput } from "../privacy/publish-preparation.js";
import type { ObjectFacts } from "./object-checks.js";
import { attackTechniqueOfTag, malwareFamilyOfTag } from "../model/tags.js";
import { FILE_HASH_TYPES, type IndicatorType } from "../model/indicator.js";
import { typeOfPath } from "../model/stix-pattern.js";

/**
 * The exchange's indicators an object stands for: each value an indicator's STIX pattern compares
 * for equality (its atoms: model/stix-pattern.ts patternAtoms), and the value of an address,
 * domain, URL or e-mail observable. Detectors match these on their own, while the pattern stays
 * with the object. They take the object's TLP and group, and from an indicator its confidence,
 * validity, name or description, and its labels, types and PAP marking as tags.
 *
 * A file name beside a hash of the same pattern is context, not an indicator of its own: the file
 * is known by its hash, and "invoice.pdf" alone would flag every invoice. It goes into the
 * description. A file name alone (`[file:name = 'x']`) is an indicator: its producer said so.
 */

const text = (v: unknown) => (typeof v === "string" ? v : undefined);

export function atomInputsOf(object: StixJson, facts: ObjectFacts, group: number): PublishInput[] {
  const common = { tlp: facts.tlp, ...(group > 0 ? { group } : {}) };
  if (facts.type === "indicator" && !facts.revoked) {
    const { tags } = tagsOfObject(object);
    // Galaxy tags (a MISP event's) name families and techniques, which detectors' feeds carry as such.
    const malwareFamilies = [...new Set(tags.map(malwareFamilyOfTag).filter((f): f is string => f !== undefined))].slice(0, 32);
    const attackTechniques = [...new Set(tags.map(attackTechniqueOfTag).filter((t): t is string => t !== undefined))].slice(0, 32);
    const hashed = facts.atoms.some((atom) => FILE_HASH_TYPES.has(atom.type));
    const names = hashed ? facts.atoms.filter((atom) => atom.type === "filename").map((atom) => atom.value) : [];
    const stated = text(object.description) ?? text(object.name) ?? "";
    const description = (names.length > 0 ? `${stated}${stated ? " " : ""}(file name ${names.join(", ")})` : stated).slice(0, 1024);
    return facts.atoms.filter((atom) => !(hashed && atom.type === "filename")).map((atom) => ({
      ...common,
      type: atom.type,
      value: atom.value,
      ...(typeof object.confidence === "number" ? { confidence: Math.round(object.confidence) } : {}),
      validFrom: text(object.valid_from),
      validUntil: text(object.valid_until),
      description,
      labels: { malwareFamilies, attackTechniques, tags: tags.slice(0, 32) },
    }));
  }
  const type = VALUE_OBSERVABLE_TYPES.get(facts.type);
  if (type && typeof object.value === "string") return [{ ...common, type, value: object.value }];
  return observableAtoms(object).map((atom) => ({ ...common, ...atom }));
}

/** The values of an observable without a `value` property: a mutex's name, a key, an AS number, the hashes of a file or a certificate. */
function observableAtoms(object: StixJson): Array<{ type: IndicatorType; value: string }> {
  const one = (path: string, value: unknown) => {
    const literal = typeof value === "number" && Number.isSafeInteger(value) ? String(value) : text(value);
    if (literal === undefined) return [];
    const typed = typeOfPath(`${object.type}:${path}`, literal);
    return "type" in typed ? [{ type: typed.type, value: literal }] : [];
  };
  switch (object.type) {
    case "mutex":
      return one("name", object.name);
    case "windows-registry-key":
      return one("key", object.key);
    case "autonomous-system":
      return one("number", object.number);
    case "file":
    case "x509-certificate": {
      const hashes = object.hashes !== null && typeof object.hashes === "object" && !Array.isArray(object.hashes) ? Object.entries(object.hashes as Record<string, unknown>) : [];
      return hashes.flatMap(([name, value]) => one(`hashes.'${name}'`, value));
    }
    default:
      return [];
  }
}
