/**
 * The categoriser's settings, in one place for the training script, the evaluation test and the
 * node: how its evaluation is split, how much report prose counts against ATT&CK's own, and from
 * which probability a draft proposes a technique to the analyst.
 */
export const CATEGORISER_SETTINGS = {
  evaluation: { testShare: 0.2, seed: 1 },
  /** TRAM's sentences are report prose, what the node reads; ATT&CK's are terser. */
  tramWeight: 3,
  /**
   * A draft proposes a technique for a sentence from this probability. On held-out TRAM reports
   * it keeps about nine in ten proposals right while finding three in four (docs/intelligence.md).
   */
  draftThreshold: 0.5,
} as const;
