import { TLP2_MARKINGS } from "../../node/src/model/stix-object.js";

/** A valid STIX 2.1 object (a GREEN malware), with `extra` properties set; an undefined one is removed. */
export function malwareObject(extra: Record<string, unknown> = {}): Record<string, unknown> {
  const object: Record<string, unknown> = {
    type: "malware",
    spec_version: "2.1",
    id: "malware--31b940d4-6f7f-459a-80ea-9c1f17b5891b",
    created: "2026-11-01T00:00:00.000Z",
    modified: "2026-11-01T00:00:00.000Z",
    name: "Emotet",
    is_family: true,
    object_marking_refs: [TLP2_MARKINGS.GREEN],
    ...extra,
  };
  for (const key of Object.keys(object)) if (object[key] === undefined) delete object[key];
  return object;
}
