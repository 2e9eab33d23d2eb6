import { kindOfType, TLP2_MARKINGS, TLP_OF_MARKING, type StixJson } from "../model/stix-object.js";
import type { Tlp } from "../model/indicator.js";

/**
 * Reads a STIX bundle (2.1, or 2.0 as ATT&CK and many feeds still write it) into the objects the
 * exchange publishes, whole: every SDO, SRO, observable, marking, extension definition and custom
 * object. Only these are left out, each with its reason: what is not an object, and TLP marking
 * definitions (the exchange knows the TLP levels; an object marked with a bundle's own TLP marking
 * is re-marked with the TLP 2.0 definition of that level, and says so). STIX 2.0 objects are
 * brought to 2.1 where 2.1 requires it, and say so too. Pure.
 */

export interface StixRead {
  objects: StixJson[];
  skipped: Array<{ source: string; type: string; reason: string }>;
  /** What was changed to make objects 2.1 and TLP 2.0: one line per kind of change, with a count. */
  changes: string[];
}

const TLP_BY_NAME: ReadonlyMap<string, Tlp> = new Map([
  ["white", "CLEAR"],
  ["clear", "CLEAR"],
  ["green", "GREEN"],
  ["amber", "AMBER"],
  ["amber+strict", "AMBER+STRICT"],
  ["red", "RED"],
]);
const TLP2_EXTENSION = "extension-definition--60a3c5c5-0d10-413e-aab3-9e08dde9e88d";

const isRecord = (v: unknown): v is StixJson => v !== null && typeof v === "object" && !Array.isArray(v);
const str = (v: unknown) => (typeof v === "string" ? v : undefined);

/** The TLP level a bundle's own marking definition stands for, if it is one (TLP 2.0 extension, TLP 1.0 definition, or a "TLP:" name). */
export function tlpOfMarkingObject(marking: StixJson): Tlp | undefined {
  const extensions = isRecord(marking.extensions) ? marking.extensions : undefined;
  const extension = extensions && Object.hasOwn(extensions, TLP2_EXTENSION) ? extensions[TLP2_EXTENSION] : undefined;
  const tlp2 = isRecord(extension) ? extension.tlp_2_0 : undefined;
  const tlp1 = marking.definition_type === "tlp" && isRecord(marking.definition) ? marking.definition.tlp : undefined;
  const name = str(tlp2) ?? str(tlp1) ?? (str(marking.name)?.toLowerCase().startsWith("tlp:") ? str(marking.name)!.slice(4) : undefined);
  return name ? TLP_BY_NAME.get(name.toLowerCase()) : undefined;
}

/** The objects of a bundle, a list of objects, or one object. */
export function objectsOf(document: unknown): unknown[] {
  if (Array.isArray(document)) return document;
  if (isRecord(document) && document.type === "bundle") return Array.isArray(document.objects) ? document.objects : [];
  return [document];
}

export function readStixObjects(document: unknown): StixRead {
  const items = objectsOf(document);
  const result: StixRead = { objects: [], skipped: [], changes: [] };
  const counts = new Map<string, number>();
  const count = (change: string) => counts.set(change, (counts.get(change) ?? 0) + 1);
  // The bundle's own TLP markings, to re-mark their objects with the TLP 2.0 definitions.
  const localTlp = new Map<string, Tlp>();
  for (const item of items) {
    if (!isRecord(item) || item.type !== "marking-definition" || typeof item.id !== "string" || TLP_OF_MARKING.has(item.id)) continue;
    const tlp = tlpOfMarkingObject(item);
    if (tlp) localTlp.set(item.id, tlp);
  }
  for (const item of items) {
    if (!isRecord(item)) {
      result.skipped.push({ source: "?", type: "?", reason: "not a STIX object" });
      continue;
    }
    const id = str(item.id) ?? "?";
    const type = str(item.type) ?? "?";
    if (type === "marking-definition" && (TLP_OF_MARKING.has(id) || localTlp.has(id))) {
      result.skipped.push({ source: id, type, reason: TLP_OF_MARKING.has(id) ? "the TLP marking definition itself: every node knows it" : `this bundle's own TLP:${localTlp.get(id)} marking: its objects are marked with the TLP 2.0 definition instead` });
      continue;
    }
    let object: StixJson = item;
    // STIX 2.0: objects carry no spec_version; 2.1 requires it, and a few properties besides.
    if (object.spec_version === undefined && kindOfType(type) !== undefined) {
      object = { ...object, spec_version: "2.1" };
      count("spec_version 2.1 added (a STIX 2.0 object)");
      if (type === "malware" && object.is_family === undefined) {
        object.is_family = true;
        count("is_family true added to a STIX 2.0 malware (2.0 malware are families)");
      }
      if (type === "indicator" && object.pattern_type === undefined) {
        object.pattern_type = "stix";
        count("pattern_type stix added to a STIX 2.0 indicator");
      }
    }
    const refs = object.object_marking_refs;
    if (Array.isArray(refs) && refs.some((r) => typeof r === "string" && localTlp.has(r))) {
      object = { ...object, object_marking_refs: [...new Set(refs.map((r) => (typeof r === "string" && localTlp.has(r) ? TLP2_MARKINGS[localTlp.get(r)!] : r)))] };
      count("re-marked from the bundle's own TLP marking to the TLP 2.0 definition");
    }
    result.objects.push(object);
  }
  result.changes = [...counts].map(([change, n]) => `${change}: ${n}`);
  return result;
}
