import { tagsOfObject, VALUE_OBSERVABLE_TYPES, type StixJson } from "../model/stix-object.js";
import type { PublishInput } from "../privacy/publish-preparation.js";
import type { ObjectFacts } from "./object-checks.js";
import { attackTechniqueOfTag, malwareFamilyOfTag } from "../model/tags.js";

/**
 * The exchange's indicators an object stands for: each value an indicator's STIX pattern compares
 * for equality (its atoms: model/stix-pattern.ts patternAtoms), and the value of an address,
 * domain, URL or e-mail observable. Detectors match these on their own, while the pattern stays
 * with the object. They take the object's TLP and group, and from an indicator its confidence,
 * validity, name or description, and its labels, types and PAP marking as tags.
 */

const text = (v: unknown) => (typeof v === "string" ? v : undefined);

export function atomInputsOf(object: StixJson, facts: ObjectFacts, group: number): PublishInput[] {
  const common = { tlp: facts.tlp, ...(group > 0 ? { group } : {}) };
  if (facts.type === "indicator" && !facts.revoked) {
    const { tags } = tagsOfObject(object);
    // Galaxy tags (a MISP event's) name families and techniques, which detectors' feeds carry as such.
    const malwareFamilies = [...new Set(tags.map(malwareFamilyOfTag).filter((f): f is string => f !== undefined))].slice(0, 32);
    const attackTechniques = [...new Set(tags.map(attackTechniqueOfTag).filter((t): t is string => t !== undefined))].slice(0, 32);
    const description = (text(object.description) ?? text(object.name) ?? "").slice(0, 1024);
    return facts.atoms.map((atom) => ({
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
  return [];
}
