import type { SparseVector } from "./softmax-trainer.js";

/**
 * Which features the categoriser knows and how much each says (inverse document frequency), and
 * the TF-IDF vector of a sentence under them: each known feature weighted by its IDF, the vector
 * scaled to length 1 so long and short sentences weigh alike. Pure.
 */
export class Vocabulary {
  private readonly index: Map<string, number>;

  constructor(
    readonly features: readonly string[],
    readonly idf: Float32Array,
  ) {
    this.index = new Map(features.map((f, i) => [f, i]));
  }

  get size(): number {
    return this.features.length;
  }

  /** Features seen in at least `minCount` sentences, in first-seen order. */
  static fit(sentences: ReadonlyArray<readonly string[]>, minCount: number): Vocabulary {
    const counts = new Map<string, number>();
    for (const features of sentences) for (const f of features) counts.set(f, (counts.get(f) ?? 0) + 1);
    const kept = [...counts].filter(([, n]) => n >= minCount);
    const idf = Float32Array.from(kept, ([, n]) => Math.log((sentences.length + 1) / (n + 1)) + 1);
    return new Vocabulary(kept.map(([f]) => f), idf);
  }

  indexOf(feature: string): number | undefined {
    return this.index.get(feature);
  }

  vectorise(features: readonly string[]): SparseVector {
    const indices: number[] = [];
    for (const f of features) {
      const i = this.index.get(f);
      if (i !== undefined) indices.push(i);
    }
    indices.sort((a, b) => a - b);
    const values = Float32Array.from(indices, (i) => this.idf[i]!);
    let norm = 0;
    for (const v of values) norm += v * v;
    norm = Math.sqrt(norm) || 1;
    for (let k = 0; k < values.length; k++) values[k]! /= norm;
    return { indices: Uint32Array.from(indices), values };
  }
}
