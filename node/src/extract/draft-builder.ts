import { createHash } from "node:crypto";
import type { Draft, DraftItem, ReportFormat } from "../model/draft.js";
import type { WarningLists } from "../privacy/warning-lists.js";
import type { AttackNameRecogniser } from "./attack-names.js";
import { extractObservables, sentencesOf } from "./observable-extractor.js";
import type { TechniqueModel } from "../categorise/technique-model.js";

/** A sentence the categoriser reads: long enough to describe a behaviour, short enough to be prose and not a table. */
const CATEGORISED_SENTENCE = { minWords: 5, maxChars: 600 };

/**
 * A draft of a report's text: every observable, ATT&CK name and cited technique, and the techniques
 * the categoriser reads in its sentences at `threshold` or above (each once, at its likeliest
 * sentence), each pending. Pure.
 */
export function buildDraft(
  text: string,
  meta: { id: string; title: string; source: string; format: ReportFormat; now: number },
  readers: { warningLists?: WarningLists; names: AttackNameRecogniser; categoriser?: { model: TechniqueModel; threshold: number } },
): Draft {
  const { observables, passedOver } = extractObservables(text, { warningLists: readers.warningLists });
  const { entities, techniques } = readers.names.recognise(text);
  const key = (...parts: string[]) => createHash("sha256").update(parts.join("\u0000")).digest("hex").slice(0, 12);
  const items: DraftItem[] = [
    ...observables.map((o): DraftItem => ({ kind: "observable", key: key("observable", o.type, o.value), type: o.type, value: o.value, sentence: o.sentence, defanged: o.defanged, warnings: o.warnings, decision: "pending" })),
    ...entities.map((e): DraftItem => ({ kind: "entity", key: key("entity", e.id), type: e.type, name: e.name, ...(e.attackId ? { attackId: e.attackId } : {}), matched: e.matched, sentence: e.sentence, decision: "pending" })),
    ...techniques.map((t): DraftItem => ({ kind: "technique", key: key("technique", t.attackId), attackId: t.attackId, name: t.name, tactics: t.tactics, sentence: t.sentence, found: "cited", decision: "pending" })),
  ];
  if (readers.categoriser) {
    const cited = new Set(techniques.map((t) => t.attackId));
    const best = new Map<string, { probability: number; sentence: string }>();
    for (const sentence of sentencesOf(text)) {
      if (sentence.length > CATEGORISED_SENTENCE.maxChars || sentence.split(/\s+/).length < CATEGORISED_SENTENCE.minWords) continue;
      const [guess] = readers.categoriser.model.classify(sentence, { minProbability: readers.categoriser.threshold });
      if (!guess || cited.has(guess.attackId)) continue;
      if ((best.get(guess.attackId)?.probability ?? 0) < guess.probability) best.set(guess.attackId, { probability: guess.probability, sentence });
    }
    for (const [attackId, { probability, sentence }] of [...best].sort((a, b) => b[1].probability - a[1].probability)) {
      // A class TRAM has and ATT&CK no longer does (T1574.002, merged into T1574.001) is not proposed.
      const technique = readers.names.technique(attackId);
      if (!technique) continue;
      items.push({ kind: "technique", key: key("technique", attackId), attackId, name: technique.name, tactics: technique.tactics, sentence, found: "categorised", probability: Math.round(probability * 1000) / 1000, decision: "pending" });
    }
  }
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
