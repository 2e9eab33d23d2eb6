/**
 * Trains a multinomial logistic regression (softmax) over sparse TF-IDF vectors by stochastic
 * gradient descent. Written here rather than taken from a library: the maintained JavaScript ones
 * (ml-logistic-regression, natural's LogisticRegressionClassifier) hold dense example matrices
 * and train one class at a time, which for 30,000 sentences, 60,000 features and 700 techniques
 * means tens of gigabytes; this one holds only the weight matrix and reads each sentence's few
 * dozen features. Pure apart from the clock it is handed: no I/O.
 */

export interface SparseVector {
  indices: Uint32Array;
  values: Float32Array;
}

export interface TrainingExample {
  vector: SparseVector;
  label: number;
  /** How much this example counts (1 unless classes are rebalanced). */
  weight?: number;
}

export interface SoftmaxTrainingOptions {
  epochs: number;
  /** Step at the first epoch; it falls linearly to a tenth of this at the last. */
  learningRate: number;
  /** L2 penalty, applied as weight decay on the features an example touches. */
  l2: number;
  /** Seed of the shuffle, so a training run can be repeated exactly. */
  seed: number;
  signal?: AbortSignal;
  onEpoch?: (epoch: number, loss: number) => void;
}

export interface SoftmaxWeights {
  classes: number;
  features: number;
  /** Row per feature, column per class. */
  weights: Float32Array;
  bias: Float32Array;
}

export class TrainingAbortedError extends Error {
  override readonly name = "TrainingAbortedError";
}

/** A small, fast, seedable generator (mulberry32): the same seed gives the same order. */
export function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export function trainSoftmax(examples: readonly TrainingExample[], classes: number, features: number, options: SoftmaxTrainingOptions): SoftmaxWeights {
  const weights = new Float32Array(features * classes);
  const bias = new Float32Array(classes);
  const scores = new Float64Array(classes);
  const order = Uint32Array.from(examples.keys());
  const random = seededRandom(options.seed);
  for (let epoch = 0; epoch < options.epochs; epoch++) {
    if (options.signal?.aborted) throw new TrainingAbortedError("training was stopped");
    for (let i = order.length - 1; i > 0; i--) {
      const j = Math.floor(random() * (i + 1));
      const t = order[i]!;
      order[i] = order[j]!;
      order[j] = t;
    }
    const rate = options.learningRate * (1 - (0.9 * epoch) / Math.max(1, options.epochs - 1));
    const decay = 1 - rate * options.l2;
    let loss = 0;
    for (const index of order) {
      const { vector, label, weight = 1 } = examples[index]!;
      softmaxScores(weights, bias, classes, vector, scores);
      loss -= weight * Math.log(Math.max(scores[label]!, 1e-12));
      scores[label]! -= 1;
      for (let c = 0; c < classes; c++) {
        const gradient = scores[c]! * weight * rate;
        scores[c] = gradient;
        bias[c]! -= gradient;
      }
      const { indices, values } = vector;
      for (let k = 0; k < indices.length; k++) {
        const row = indices[k]! * classes;
        const x = values[k]!;
        for (let c = 0; c < classes; c++) weights[row + c] = weights[row + c]! * decay - scores[c]! * x;
      }
    }
    options.onEpoch?.(epoch + 1, loss / Math.max(1, examples.length));
  }
  return { classes, features, weights, bias };
}

/** Class probabilities of a vector under dense weights, written into `out`. */
export function softmaxScores(weights: Float32Array, bias: Float32Array, classes: number, vector: SparseVector, out: Float64Array): void {
  for (let c = 0; c < classes; c++) out[c] = bias[c]!;
  const { indices, values } = vector;
  for (let k = 0; k < indices.length; k++) {
    const row = indices[k]! * classes;
    const x = values[k]!;
    for (let c = 0; c < classes; c++) out[c]! += weights[row + c]! * x;
  }
  normalise(out, classes);
}

/** Turns scores into probabilities in place (max subtracted first, so no overflow). */
export function normalise(out: Float64Array, classes: number): void {
  let max = -Infinity;
  for (let c = 0; c < classes; c++) if (out[c]! > max) max = out[c]!;
  let sum = 0;
  for (let c = 0; c < classes; c++) {
    const e = Math.exp(out[c]! - max);
    out[c] = e;
    sum += e;
  }
  for (let c = 0; c < classes; c++) out[c]! /= sum;
}
