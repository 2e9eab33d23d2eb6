import { createHash } from "node:crypto";
import type { Draft, DraftItem, ReportFormat } from "../model/draft.js";
import type { WarningLists } from "../privacy/warning-lists.js";
import type { AttackNameRecogniser } from "./attack-names.js";
import { extractObservables } from "./observable-extractor.js";

/** A draft of a report's text: every observable, ATT&CK name and cited technique, each pending. Pure. */
export function buildDraft(
  text: string,
  meta: { id: string; title: string; source: string; format: ReportFormat; now: number },
  readers: { warningLists?: WarningLists; names: AttackNameRecogniser },
): Draft {
  const { observables, passedOver } = extractObservables(text, { warningLists: readers.warningLists });
  const { entities, techniques } = readers.names.recognise(text);
  const key = (...parts: string[]) => createHash("sha256").update(parts.join("\u0000")).digest("hex").slice(0, 12);
  const items: DraftItem[] = [
    ...observables.map((o): DraftItem => ({ kind: "observable", key: key("observable", o.type, o.value), type: o.type, value: o.value, sentence: o.sentence, defanged: o.defanged, warnings: o.warnings, decision: "pending" })),
    ...entities.map((e): DraftItem => ({ kind: "entity", key: key("entity", e.id), type: e.type, name: e.name, ...(e.attackId ? { attackId: e.attackId } : {}), matched: e.matched, sentence: e.sentence, decision: "pending" })),
    ...techniques.map((t): DraftItem => ({ kind: "technique", key: key("technique", t.attackId), attackId: t.attackId, name: t.name, tactics: t.tactics, sentence: t.sentence, decision: "pending" })),
  ];
  return {
    id: meta.id,
    title: meta.title,
    source: meta.source,
    format: meta.format,
    createdAt: meta.now,
    updatedAt: meta.now,
    status: "open",
    items,
    passedOver: passedOver.map((p) => ({ type: p.type, value: p.value, reason: p.reason })),
    textLength: text.length,
  };
}
