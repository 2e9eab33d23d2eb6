import { v5 as uuidv5 } from "uuid";
import type { Draft } from "../model/draft.js";
import { orgIdentityId, type StixJson } from "../model/stix-object.js";
import { stixPatternOf } from "../model/stix-pattern.js";

const NAMESPACE = "3f1e8a52-9c4d-5b7a-8e21-6d0c4b9a7f13";

/**
 * The STIX objects a reviewed draft becomes: a report that refers to one object per accepted item
 * (an indicator per observable, a vulnerability per CVE, a malware, tool, intrusion set or
 * campaign per ATT&CK name, an attack pattern per technique), each with the sentence it came from.
 * The ATT&CK objects are this org's, pointing at ATT&CK by its id, not copies of MITRE's. Ids are
 * UUIDv5 of the draft and the item: publishing the same draft again makes new versions, not new
 * objects. Pending and rejected items stay out. Pure.
 */
export function draftObjects(draft: Draft, org: string, now: number): StixJson[] {
  const at = new Date(now).toISOString();
  const common = { spec_version: "2.1", created: at, modified: at, created_by_ref: orgIdentityId(org) };
  const idOf = (type: string, key: string) => `${type}--${uuidv5(`${draft.id}:${key}`, NAMESPACE)}`;
  const attackRef = (attackId: string | undefined, url: string) => (attackId ? { external_references: [{ source_name: "mitre-attack", external_id: attackId, url: `https://attack.mitre.org/${url}/${attackId.replace(".", "/")}` }] } : {});
  const objects: StixJson[] = [];
  for (const item of draft.items) {
    if (item.decision !== "accepted") continue;
    if (item.kind === "observable") {
      if (item.type === "cve") {
        objects.push({ type: "vulnerability", id: idOf("vulnerability", item.key), ...common, name: item.value, description: item.sentence, external_references: [{ source_name: "cve", external_id: item.value }] });
      } else {
        objects.push({
          type: "indicator",
          id: idOf("indicator", item.key),
          ...common,
          name: `${item.type} ${item.value}`,
          description: item.sentence,
          indicator_types: ["malicious-activity"],
          pattern: stixPatternOf(item.type, item.value),
          pattern_type: "stix",
          valid_from: at,
        });
      }
    } else if (item.kind === "entity") {
      const path = item.type === "intrusion-set" ? "groups" : item.type === "campaign" ? "campaigns" : "software";
      objects.push({
        type: item.type,
        id: idOf(item.type, item.key),
        ...common,
        name: item.name,
        description: item.sentence,
        ...(item.type === "malware" ? { is_family: true } : {}),
        ...attackRef(item.attackId, path),
      });
    } else {
      objects.push({
        type: "attack-pattern",
        id: idOf("attack-pattern", item.key),
        ...common,
        name: item.name,
        description: item.sentence,
        kill_chain_phases: item.tactics.map((phase_name) => ({ kill_chain_name: "mitre-attack", phase_name })),
        ...attackRef(item.attackId, "techniques"),
      });
    }
  }
  const source = /^https?:\/\//i.test(draft.source) ? { external_references: [{ source_name: "source", url: draft.source }] } : {};
  const report: StixJson = {
    type: "report",
    id: idOf("report", "report"),
    ...common,
    name: draft.title,
    description: `Read from ${draft.source}; ${objects.length} of ${draft.items.length} items accepted by an analyst of ${org}.`,
    report_types: ["threat-report"],
    published: at,
    object_refs: objects.map((o) => String(o.id)),
    ...source,
  };
  return [report, ...objects];
}
