import { z } from "zod";
import { featuresOf, type FeatureStyle } from "./sentence-features.js";
import { normalise, type SoftmaxWeights } from "./softmax-trainer.js";
import { Vocabulary } from "./vocabulary.js";

/**
 * The trained ATT&CK categoriser as the node carries it: a vocabulary with IDF weights, and per
 * feature only the class weights that matter (the rest, below a pruning threshold, are dropped and
 * the rest rounded to thousandths), so the file stays small enough to live in the repository and
 * loads at start in well under a second. What it answers: the techniques a sentence most likely
 * describes, with their probabilities. Pure once loaded.
 */

export const MODEL_FORMAT = "cti-attack-categoriser";

export const TechniqueModelFileSchema = z.object({
  format: z.literal(MODEL_FORMAT),
  version: z.literal(1),
  createdAt: z.string(),
  features: z.enum(["folded", "plain"]),
  classes: z.array(z.string().regex(/^T\d{4}(\.\d{3})?$/)).min(2),
  vocabulary: z.array(z.string()),
  idf: z.array(z.number()),
  bias: z.array(z.number()),
  /** Per feature: class index and weight in thousandths, flattened in pairs. */
  rows: z.array(z.array(z.number().int())),
  /** What the model was trained on and how it scored, for the docs and `cti` to show. */
  provenance: z.record(z.string(), z.unknown()).optional(),
});
export type TechniqueModelFile = z.infer<typeof TechniqueModelFileSchema>;

export class TechniqueModelError extends Error {
  override readonly name = "TechniqueModelError";
}

export interface TechniqueGuess {
  attackId: string;
  probability: number;
}

export class TechniqueModel {
  private readonly rowClasses: Uint16Array[];
  private readonly rowWeights: Float32Array[];
  private readonly classIndex: Map<string, number>;

  private constructor(
    readonly classes: readonly string[],
    readonly vocabulary: Vocabulary,
    private readonly bias: Float32Array,
    rows: ReadonlyArray<readonly number[]>,
    readonly style: FeatureStyle,
    readonly provenance: Record<string, unknown> = {},
  ) {
    this.rowClasses = rows.map((r) => Uint16Array.from({ length: r.length / 2 }, (_, k) => r[2 * k]!));
    this.rowWeights = rows.map((r) => Float32Array.from({ length: r.length / 2 }, (_, k) => r[2 * k + 1]! / 1000));
    this.classIndex = new Map(classes.map((c, i) => [c, i]));
  }

  /** A model from dense trained weights, keeping per feature the weights of magnitude `prune` or more. */
  static fromWeights(classes: readonly string[], vocabulary: Vocabulary, trained: SoftmaxWeights, options: { style: FeatureStyle; prune: number; provenance?: Record<string, unknown> }): TechniqueModel {
    const rows: number[][] = [];
    for (let f = 0; f < trained.features; f++) {
      const row: number[] = [];
      for (let c = 0; c < trained.classes; c++) {
        const w = trained.weights[f * trained.classes + c]!;
        if (Math.abs(w) >= options.prune) row.push(c, Math.round(w * 1000));
      }
      rows.push(row);
    }
    return new TechniqueModel(classes, vocabulary, trained.bias, rows, options.style, options.provenance);
  }

  static fromFile(data: unknown): TechniqueModel {
    const parsed = TechniqueModelFileSchema.safeParse(data);
    if (!parsed.success) throw new TechniqueModelError(`not an ATT&CK categoriser model: ${parsed.error.issues[0]?.path.join(".")}: ${parsed.error.issues[0]?.message}`);
    const file = parsed.data;
    if (file.idf.length !== file.vocabulary.length || file.rows.length !== file.vocabulary.length) throw new TechniqueModelError("the model's vocabulary, IDF and rows differ in length");
    if (file.bias.length !== file.classes.length) throw new TechniqueModelError("the model's bias and classes differ in length");
    for (const row of file.rows) {
      if (row.length % 2 !== 0) throw new TechniqueModelError("a row of the model is not in (class, weight) pairs");
      for (let k = 0; k < row.length; k += 2) if (row[k]! < 0 || row[k]! >= file.classes.length) throw new TechniqueModelError("a row of the model names a class it does not have");
    }
    return new TechniqueModel(file.classes, new Vocabulary(file.vocabulary, Float32Array.from(file.idf)), Float32Array.from(file.bias), file.rows, file.features, file.provenance);
  }

  toFile(createdAt: string): TechniqueModelFile {
    const round = (x: number) => Math.round(x * 10000) / 10000;
    return {
      format: MODEL_FORMAT,
      version: 1,
      createdAt,
      features: this.style,
      classes: [...this.classes],
      vocabulary: [...this.vocabulary.features],
      idf: Array.from(this.vocabulary.idf, round),
      bias: Array.from(this.bias, round),
      rows: this.rowClasses.map((classes, f) => Array.from(classes).flatMap((c, k) => [c, Math.round(this.rowWeights[f]![k]! * 1000)])),
      provenance: this.provenance,
    };
  }

  /** Weights kept, over all features: the model's size. */
  get weightCount(): number {
    return this.rowClasses.reduce((n, r) => n + r.length, 0);
  }

  /** Every class's probability for a sentence. */
  probabilities(sentence: string): Float64Array {
    const out = Float64Array.from(this.bias);
    const { indices, values } = this.vocabulary.vectorise(featuresOf(sentence, this.style));
    for (let k = 0; k < indices.length; k++) {
      const classes = this.rowClasses[indices[k]!]!;
      const weights = this.rowWeights[indices[k]!]!;
      const x = values[k]!;
      for (let j = 0; j < classes.length; j++) out[classes[j]!]! += weights[j]! * x;
    }
    normalise(out, this.classes.length);
    return out;
  }

  /**
   * The likeliest techniques of a sentence, best first: at most `limit`, each at least
   * `minProbability`, and only among `among` when given (e.g. TRAM's 50 classes).
   */
  classify(sentence: string, options: { limit?: number; minProbability?: number; among?: ReadonlySet<string> } = {}): TechniqueGuess[] {
    const p = this.probabilities(sentence);
    const limit = options.limit ?? 1;
    const floor = options.minProbability ?? 0;
    // The best `limit` by insertion into a short sorted list: no object per class, no full sort
    // (which, for 692 classes a sentence, cost more than the scoring itself).
    const best: TechniqueGuess[] = [];
    for (let c = 0; c < this.classes.length; c++) {
      const probability = p[c]!;
      if (probability < floor || (best.length === limit && probability <= best[limit - 1]!.probability)) continue;
      if (options.among && !options.among.has(this.classes[c]!)) continue;
      let at = best.length;
      while (at > 0 && best[at - 1]!.probability < probability) at--;
      best.splice(at, 0, { attackId: this.classes[c]!, probability });
      if (best.length > limit) best.pop();
    }
    return best;
  }

  knows(attackId: string): boolean {
    return this.classIndex.has(attackId);
  }
}
