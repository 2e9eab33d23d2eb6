/**
 * How forecasts are scored. Pure. For probabilities of an event: ROC AUC (the chance a random
 * positive is ranked above a random negative, ties counting half), the Brier score (mean squared
 * error of the probability), and a reliability table (predictions binned by probability, each bin's
 * mean prediction beside the rate observed). For counts: MAE, MASE against seasonal-naive (the
 * same day a week before), and the share of outcomes inside the prediction interval.
 */

export function rocAuc(scores: ArrayLike<number>, outcomes: ArrayLike<boolean>): number {
  const order = Array.from({ length: scores.length }, (_, i) => i).sort((a, b) => scores[a]! - scores[b]!);
  let positives = 0;
  let rankSum = 0;
  for (let i = 0; i < order.length; ) {
    let j = i;
    while (j < order.length && scores[order[j]!] === scores[order[i]!]) j++;
    const rank = (i + 1 + j) / 2;
    for (let k = i; k < j; k++) if (outcomes[order[k]!]) {
      positives++;
      rankSum += rank;
    }
    i = j;
  }
  const negatives = order.length - positives;
  if (positives === 0 || negatives === 0) return Number.NaN;
  return (rankSum - (positives * (positives + 1)) / 2) / (positives * negatives);
}

export function brier(probabilities: ArrayLike<number>, outcomes: ArrayLike<boolean>): number {
  let sum = 0;
  for (let i = 0; i < probabilities.length; i++) sum += (probabilities[i]! - (outcomes[i] ? 1 : 0)) ** 2;
  return probabilities.length === 0 ? Number.NaN : sum / probabilities.length;
}

export interface ReliabilityBin {
  from: number;
  to: number;
  count: number;
  meanPredicted: number;
  observed: number;
}

/** Bins of equal width over [0, 1] (the last one closed); empty bins are left out. */
export function reliability(probabilities: ArrayLike<number>, outcomes: ArrayLike<boolean>, bins = 10): ReliabilityBin[] {
  const sums = Array.from({ length: bins }, () => ({ count: 0, predicted: 0, positive: 0 }));
  for (let i = 0; i < probabilities.length; i++) {
    const b = Math.min(bins - 1, Math.floor(probabilities[i]! * bins));
    sums[b]!.count++;
    sums[b]!.predicted += probabilities[i]!;
    if (outcomes[i]) sums[b]!.positive++;
  }
  return sums.flatMap((s, b) => (s.count === 0 ? [] : [{ from: b / bins, to: (b + 1) / bins, count: s.count, meanPredicted: s.predicted / s.count, observed: s.positive / s.count }]));
}

export function meanAbsoluteError(actual: ArrayLike<number>, predicted: ArrayLike<number>): number {
  let sum = 0;
  for (let i = 0; i < actual.length; i++) sum += Math.abs(actual[i]! - predicted[i]!);
  return actual.length === 0 ? Number.NaN : sum / actual.length;
}

/** MAE scaled by the in-sample MAE of seasonal-naive (period `season`) on `history`: below 1 beats it. */
export function mase(actual: ArrayLike<number>, predicted: ArrayLike<number>, history: ArrayLike<number>, season = 7): number {
  let naive = 0;
  let n = 0;
  for (let i = season; i < history.length; i++) {
    naive += Math.abs(history[i]! - history[i - season]!);
    n++;
  }
  const scale = n === 0 ? Number.NaN : naive / n;
  return scale > 0 ? meanAbsoluteError(actual, predicted) / scale : Number.NaN;
}

export function coverage(actual: ArrayLike<number>, lower: ArrayLike<number>, upper: ArrayLike<number>): number {
  let inside = 0;
  for (let i = 0; i < actual.length; i++) if (actual[i]! >= lower[i]! && actual[i]! <= upper[i]!) inside++;
  return actual.length === 0 ? Number.NaN : inside / actual.length;
}
