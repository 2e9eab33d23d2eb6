/**
 * ATT&CK categorisation (node/src/categorise/): which techniques a sentence describes. This
 * area owns the model (technique-model.ts), how it reads a sentence (sentence-features.ts), its
 * training (softmax-trainer.ts, categoriser-training.ts) and its honest evaluation
 * (evaluation.ts, categoriser-evaluation.ts). This file is its face for the node: free text, or
 * the free text of a published object, in; each sentence's likeliest techniques, named, out.
 * Drafts use the model directly (extract/draft-builder.ts).
 */
import type { AttackNameRecogniser } from "../extract/attack-names.js";
import { sentencesOf } from "../extract/observable-extractor.js";
import type { TechniqueModel } from "./technique-model.js";

export class CategoriserError extends Error {
  override readonly name = "CategoriserError";
  constructor(
    readonly code: "NO_TEXT" | "TEXT_TOO_LONG" | "UNKNOWN_OBJECT",
    message: string,
  ) {
    super(message);
  }
}

/** Most characters categorised in one request: a long report, not a corpus. */
export const MAX_CATEGORISED_CHARS = 2_000_000;

/** The properties of a STIX object that hold prose. */
const PROSE_PROPERTIES = ["name", "description", "explanation", "content", "abstract", "objective", "opinion"] as const;

export interface SentenceTechniques {
  sentence: string;
  techniques: Array<{ attackId: string; name: string; tactics: string[]; probability: number }>;
}

export interface CategoriserServiceComponents {
  model: TechniqueModel;
  names: AttackNameRecogniser;
  /** A published object's JSON, as the local (internal) audience sees it. */
  objectJson(id: string): Promise<Record<string, unknown> | undefined>;
}

export class CategoriserService {
  constructor(private readonly components: CategoriserServiceComponents) {}

  get provenance(): Record<string, unknown> {
    return this.components.model.provenance;
  }

  /**
   * Each sentence of `text` with its likeliest techniques (at most `limit`, each at least
   * `minProbability`); sentences with none are left out.
   */
  categorise(text: string, options: { limit?: number; minProbability?: number } = {}): { sentences: number; categorised: SentenceTechniques[] } {
    if (text.trim() === "") throw new CategoriserError("NO_TEXT", "there is no text to categorise");
    if (text.length > MAX_CATEGORISED_CHARS) throw new CategoriserError("TEXT_TOO_LONG", `the text is ${text.length} characters; at most ${MAX_CATEGORISED_CHARS} are categorised at once`);
    const sentences = sentencesOf(text);
    const categorised: SentenceTechniques[] = [];
    for (const sentence of sentences) {
      const guesses = this.components.model.classify(sentence, { limit: options.limit ?? 3, minProbability: options.minProbability ?? 0.2 });
      const techniques = guesses.flatMap((g) => {
        const technique = this.components.names.technique(g.attackId);
        return technique ? [{ attackId: g.attackId, name: technique.name, tactics: technique.tactics, probability: Math.round(g.probability * 1000) / 1000 }] : [];
      });
      if (techniques.length > 0) categorised.push({ sentence, techniques });
    }
    return { sentences: sentences.length, categorised };
  }

  /** The same over a published object's prose (name, description, and the like). */
  async categoriseObject(id: string, options: { limit?: number; minProbability?: number } = {}): Promise<{ id: string; sentences: number; categorised: SentenceTechniques[] }> {
    const object = await this.components.objectJson(id);
    if (!object) throw new CategoriserError("UNKNOWN_OBJECT", `no object ${id}`);
    const prose = PROSE_PROPERTIES.map((p) => object[p]).filter((v): v is string => typeof v === "string" && v.trim() !== "");
    if (prose.length === 0) throw new CategoriserError("NO_TEXT", `object ${id} has no prose (${PROSE_PROPERTIES.join(", ")})`);
    return { id, ...this.categorise(prose.join("\n"), options) };
  }
}
