import type { Labelled } from "./evaluation.js";
import { featuresOf, type FeatureStyle } from "./sentence-features.js";
import { trainSoftmax, type TrainingExample } from "./softmax-trainer.js";
import { TechniqueModel } from "./technique-model.js";
import type { AttackTechnique } from "./training-corpus.js";
import { Vocabulary } from "./vocabulary.js";

/**
 * Training the categoriser, and the baselines it is measured against, from labelled sentences.
 * Pure: the corpus comes in, a model comes out; the script (scripts/train-attack.ts) and the tests
 * do the reading, writing and printing.
 */

export interface CategoriserTrainingOptions {
  style: FeatureStyle;
  /** A feature must appear in this many sentences to be kept. */
  minCount: number;
  epochs: number;
  learningRate: number;
  l2: number;
  /** Weights smaller than this are dropped from the shipped model. */
  prune: number;
  seed: number;
  signal?: AbortSignal;
  onEpoch?: (epoch: number, loss: number) => void;
  provenance?: Record<string, unknown>;
  /** How much a sentence counts by where it comes from (1 unless given). */
  weightOf?: (example: Labelled) => number;
}

export const DEFAULT_TRAINING: Omit<CategoriserTrainingOptions, "signal" | "onEpoch" | "provenance"> = {
  style: "folded",
  minCount: 2,
  epochs: 15,
  learningRate: 0.5,
  l2: 1e-5,
  prune: 0.05,
  seed: 17,
};

/** Text as compared for duplicates: what a test sentence and a training sentence share when they are one. */
export function sameSentenceKey(text: string): string {
  return text.toLowerCase().replace(/[^a-z0-9]+/g, " ").trim();
}

/** Training sentences minus every one that is also a test sentence (TRAM's sets overlap). */
export function withoutTestSentences(train: readonly Labelled[], test: readonly Labelled[]): Labelled[] {
  const held = new Set(test.map((t) => sameSentenceKey(t.text)));
  return train.filter((t) => !held.has(sameSentenceKey(t.text)));
}

export function trainCategoriser(examples: readonly Labelled[], options: CategoriserTrainingOptions): TechniqueModel {
  const classes = [...new Set(examples.map((e) => e.label))].sort();
  const classIndex = new Map(classes.map((c, i) => [c, i]));
  const features = examples.map((e) => featuresOf(e.text, options.style));
  const vocabulary = Vocabulary.fit(features, options.minCount);
  const training: TrainingExample[] = examples.map((e, i) => ({ vector: vocabulary.vectorise(features[i]!), label: classIndex.get(e.label)!, weight: options.weightOf?.(e) ?? 1 }));
  const trained = trainSoftmax(training, classes.length, vocabulary.size, {
    epochs: options.epochs,
    learningRate: options.learningRate,
    l2: options.l2,
    seed: options.seed,
    ...(options.signal ? { signal: options.signal } : {}),
    ...(options.onEpoch ? { onEpoch: options.onEpoch } : {}),
  });
  return TechniqueModel.fromWeights(classes, vocabulary, trained, { style: options.style, prune: options.prune, provenance: options.provenance ?? {} });
}

/** Predicts every sentence as the most common label of training. */
export function majorityBaseline(train: readonly Labelled[]): (text: string) => string | undefined {
  const counts = new Map<string, number>();
  for (const t of train) counts.set(t.label, (counts.get(t.label) ?? 0) + 1);
  const majority = [...counts].sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]))[0]?.[0];
  return () => majority;
}

/**
 * Predicts the technique whose ATT&CK name the sentence contains ("Parent: Sub" or the sub's own
 * name), the longest if several; abstains when none is named.
 */
export function nameMatchBaseline(techniques: readonly AttackTechnique[], among?: ReadonlySet<string>): (text: string) => string | undefined {
  const names: Array<{ words: string; attackId: string }> = [];
  for (const t of techniques) {
    if (among && !among.has(t.attackId)) continue;
    for (const name of new Set([t.name, t.fullName])) names.push({ words: ` ${sameSentenceKey(name)} `, attackId: t.attackId });
  }
  names.sort((a, b) => b.words.length - a.words.length);
  return (text) => {
    const key = ` ${sameSentenceKey(text)} `;
    return names.find((n) => key.includes(n.words))?.attackId;
  };
}
