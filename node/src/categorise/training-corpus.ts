import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { gunzipSync } from "node:zlib";
import { z } from "zod";
import type { Labelled } from "./evaluation.js";

/**
 * The labelled text the categoriser learns from, read from a reference-data folder laid out as
 * ../shared/data is: MITRE CTID's TRAM sentences (tram/single_label.json with each sentence's
 * report; tram/bootstrap-training-data.json, analyst-mapped sentences without a report) and MITRE
 * ATT&CK Enterprise (attack/enterprise-attack.json.gz): every technique's description, and every
 * procedure example, the description of a `uses` relationship saying how a group, software or
 * campaign uses a technique. Each file is checked as it is read and refused with what is wrong.
 */

export class TrainingCorpusError extends Error {
  override readonly name = "TrainingCorpusError";
}

const TECHNIQUE_ID = /^T\d{4}(\.\d{3})?$/;

export interface AttackTechnique {
  attackId: string;
  name: string;
  /** "Parent: Sub" for a sub-technique, as reports and TRAM write it. */
  fullName: string;
  tactics: string[];
}

export interface TrainingCorpus {
  /** TRAM's sentences, each with its report. */
  tram: Labelled[];
  /** TRAM's analyst-mapped sentences with no report (document "tram-bootstrap"). */
  tramBootstrap: Labelled[];
  /** TRAM's 50 classes. */
  tramClasses: string[];
  /** ATT&CK procedure examples (document: the group, software or campaign) . */
  procedures: Labelled[];
  /** Sentences of ATT&CK's technique descriptions (document: "description:" and the technique). */
  descriptions: Labelled[];
  techniques: AttackTechnique[];
}

const SingleLabel = z.array(z.object({ text: z.string(), label: z.string().regex(TECHNIQUE_ID), doc_title: z.string() }));
const Bootstrap = z.object({
  sentences: z.array(z.object({ text: z.string(), disposition: z.string().nullable().optional(), mappings: z.array(z.object({ attack_id: z.string() })) })),
});

async function json(path: string): Promise<unknown> {
  let bytes: Buffer;
  try {
    bytes = await readFile(path);
  } catch (err) {
    throw new TrainingCorpusError(`${path}: cannot be read (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`);
  }
  try {
    return JSON.parse((path.endsWith(".gz") ? gunzipSync(bytes) : bytes).toString("utf8"));
  } catch (err) {
    throw new TrainingCorpusError(`${path}: not JSON: ${(err as Error).message}`);
  }
}

function parse<T>(schema: z.ZodType<T>, data: unknown, path: string): T {
  const parsed = schema.safeParse(data);
  if (!parsed.success) throw new TrainingCorpusError(`${path}: ${parsed.error.issues[0]?.path.join(".")}: ${parsed.error.issues[0]?.message}`);
  return parsed.data;
}

/** ATT&CK's prose without its markup: `[name](url)` links become the name, citations go. */
export function plainAttackText(text: string): string {
  return text
    .replace(/\(Citation:[^)]*\)/g, "")
    .replace(/\[([^\]]+)\]\([^)]*\)/g, "$1")
    .replace(/<\/?code>/g, "")
    .replace(/\s+/g, " ")
    .trim();
}

export async function loadTrainingCorpus(dataFolder: string): Promise<TrainingCorpus> {
  const singlePath = join(dataFolder, "tram", "single_label.json");
  const bootstrapPath = join(dataFolder, "tram", "bootstrap-training-data.json");
  const classesPath = join(dataFolder, "tram", "classes.txt");
  const bundlePath = join(dataFolder, "attack", "enterprise-attack.json.gz");

  const tram = parse(SingleLabel, await json(singlePath), singlePath).map((s) => ({ text: s.text, label: s.label, document: `tram:${s.doc_title}` }));
  const bootstrap = parse(Bootstrap, await json(bootstrapPath), bootstrapPath);
  const tramBootstrap = bootstrap.sentences
    .filter((s) => s.disposition !== "reject")
    .flatMap((s) => s.mappings.filter((m) => TECHNIQUE_ID.test(m.attack_id)).map((m) => ({ text: s.text, label: m.attack_id, document: "tram-bootstrap" })));
  const tramClasses = (await readFile(classesPath, "utf8").catch((err) => Promise.reject(new TrainingCorpusError(`${classesPath}: cannot be read (${err.code})`))))
    .split(/\s+/)
    .filter((c) => TECHNIQUE_ID.test(c));

  type AttackObject = { type: string; id: string; name?: string; description?: string; revoked?: boolean; x_mitre_deprecated?: boolean; source_ref?: string; target_ref?: string; relationship_type?: string; kill_chain_phases?: Array<{ phase_name: string }>; external_references?: Array<{ source_name?: string; external_id?: string }> };
  const bundle = (await json(bundlePath)) as { objects?: AttackObject[] };
  if (!Array.isArray(bundle?.objects)) throw new TrainingCorpusError(`${bundlePath}: not a STIX bundle (no objects)`);
  const live = bundle.objects.filter((o) => !o.revoked && !o.x_mitre_deprecated);
  const attackIdOf = (o: AttackObject) => o.external_references?.find((r) => r.source_name === "mitre-attack")?.external_id;
  const patterns = live.filter((o) => o.type === "attack-pattern" && TECHNIQUE_ID.test(attackIdOf(o) ?? ""));
  const idOfPattern = new Map(patterns.map((p) => [p.id, attackIdOf(p)!]));
  const nameOf = new Map(patterns.map((p) => [attackIdOf(p)!, p.name ?? ""]));
  const techniques = patterns
    .map((p) => {
      const attackId = attackIdOf(p)!;
      const parent = attackId.includes(".") ? nameOf.get(attackId.split(".")[0]!) : undefined;
      return { attackId, name: p.name ?? attackId, fullName: parent ? `${parent}: ${p.name}` : (p.name ?? attackId), tactics: (p.kill_chain_phases ?? []).map((k) => k.phase_name).sort() };
    })
    .sort((a, b) => a.attackId.localeCompare(b.attackId));
  const procedures: Labelled[] = [];
  for (const r of live) {
    if (r.type !== "relationship" || r.relationship_type !== "uses" || !r.description || !r.target_ref || !r.source_ref) continue;
    const label = idOfPattern.get(r.target_ref);
    if (!label) continue;
    const text = plainAttackText(r.description);
    // The subject's name stays ("APT29 has used ..."): masking it was tried and lowered micro F1
    // on held-out groups and software from 0.665 to 0.642.
    if (text.length >= 10) procedures.push({ text, label, document: `attack:${r.source_ref}` });
  }
  const descriptions: Labelled[] = [];
  for (const p of patterns) {
    const label = attackIdOf(p)!;
    for (const paragraph of plainAttackText(p.description ?? "").split(/(?<=[.!?])\s+(?=[A-Z])/)) {
      if (paragraph.length >= 20) descriptions.push({ text: paragraph, label, document: `description:${label}` });
    }
  }
  return { tram, tramBootstrap, tramClasses, procedures, descriptions, techniques };
}
