/**
 * Logistic regression trained online, one example at a time, as outcomes arrive: each feature
 * standardised by its running mean and variance (Welford), AdaGrad steps, an L2 penalty. Small
 * and dependency-free on purpose: the maintained JavaScript learners (ml-logistic-regression,
 * ml-xgboost) train in batch over a dense matrix and cannot take one more outcome without
 * starting again, which is the whole point here. Pure apart from its own state; serialisable.
 */

export interface OnlineLogisticState {
  features: number;
  weights: number[];
  bias: number;
  mean: number[];
  m2: number[];
  seen: number;
  squared: number[];
  biasSquared: number;
  positives: number;
}

export class OnlineLogistic {
  private readonly weights: Float64Array;
  private bias = 0;
  private readonly mean: Float64Array;
  private readonly m2: Float64Array;
  private readonly squared: Float64Array;
  private biasSquared = 0;
  private seen = 0;
  private positives = 0;

  constructor(
    readonly features: number,
    private readonly options: { learningRate: number; l2: number } = { learningRate: 0.1, l2: 1e-4 },
  ) {
    this.weights = new Float64Array(features);
    this.mean = new Float64Array(features);
    this.m2 = new Float64Array(features);
    this.squared = new Float64Array(features);
  }

  /** Outcomes learnt from so far. */
  get examples(): number {
    return this.seen;
  }

  /** Share of those outcomes that were positive. */
  get baseRate(): number {
    return this.seen === 0 ? 0 : this.positives / this.seen;
  }

  private standardised(x: ArrayLike<number>, i: number): number {
    const sd = this.seen > 1 ? Math.sqrt(this.m2[i]! / (this.seen - 1)) : 0;
    return sd > 1e-9 ? (x[i]! - this.mean[i]!) / sd : 0;
  }

  /** Each feature's part in the score (weight times standardised value): what the reasons say. */
  contributions(x: ArrayLike<number>): Float64Array {
    const out = new Float64Array(this.features);
    for (let i = 0; i < this.features; i++) out[i] = this.weights[i]! * this.standardised(x, i);
    return out;
  }

  predict(x: ArrayLike<number>): number {
    let z = this.bias;
    for (let i = 0; i < this.features; i++) z += this.weights[i]! * this.standardised(x, i);
    return 1 / (1 + Math.exp(-Math.max(-30, Math.min(30, z))));
  }

  update(x: ArrayLike<number>, outcome: boolean): void {
    this.seen++;
    if (outcome) this.positives++;
    for (let i = 0; i < this.features; i++) {
      const delta = x[i]! - this.mean[i]!;
      this.mean[i]! += delta / this.seen;
      this.m2[i]! += delta * (x[i]! - this.mean[i]!);
    }
    const error = this.predict(x) - (outcome ? 1 : 0);
    const { learningRate, l2 } = this.options;
    for (let i = 0; i < this.features; i++) {
      const g = error * this.standardised(x, i) + l2 * this.weights[i]!;
      this.squared[i]! += g * g;
      this.weights[i]! -= (learningRate * g) / Math.sqrt(this.squared[i]! + 1e-8);
    }
    this.biasSquared += error * error;
    this.bias -= (learningRate * error) / Math.sqrt(this.biasSquared + 1e-8);
  }

  toState(): OnlineLogisticState {
    return { features: this.features, weights: [...this.weights], bias: this.bias, mean: [...this.mean], m2: [...this.m2], seen: this.seen, squared: [...this.squared], biasSquared: this.biasSquared, positives: this.positives };
  }

  static fromState(state: OnlineLogisticState, options?: { learningRate: number; l2: number }): OnlineLogistic {
    const model = new OnlineLogistic(state.features, options);
    model.weights.set(state.weights);
    model.mean.set(state.mean);
    model.m2.set(state.m2);
    model.squared.set(state.squared);
    model.bias = state.bias;
    model.biasSquared = state.biasSquared;
    model.seen = state.seen;
    model.positives = state.positives;
    return model;
  }
}
