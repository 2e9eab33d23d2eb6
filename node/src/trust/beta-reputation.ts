/**
 * trust/ owns what makes an indicator believable: sightings and false-positive reports, the beta
 * reputation of producers (its arithmetic here, its record on chain), the audit trail of what
 * each producer published, and the score that decides what reaches the detectors.
 *
 * This file is the reference of the Reputation contract's arithmetic, in the same integer
 * fixed point (1e18 = 1), so that the node and researchers can replay the chain's events and get
 * exactly the contract's values (checked against the contract on random inputs).
 */

export const WAD = 10n ** 18n;
const MAX_EVIDENCE = 10n ** 12n * WAD;

export interface ReputationParameters {
  epochLength: bigint;
  priorPositive: bigint;
  priorNegative: bigint;
  forgetting: bigint;
}

/** A producer's evidence: settled up to the start of `epoch`, and what was reported during it. */
export interface EvidenceState {
  positive: bigint;
  negative: bigint;
  pendingPositive: bigint;
  pendingNegative: bigint;
  epoch: bigint;
}

export const NO_EVIDENCE: EvidenceState = { positive: 0n, negative: 0n, pendingPositive: 0n, pendingNegative: 0n, epoch: 0n };

const min = (a: bigint, b: bigint) => (a < b ? a : b);

function power(base: bigint, exponent: bigint): bigint {
  let result = WAD;
  while (exponent > 0n && result > 0n) {
    if (exponent & 1n) result = (result * base) / WAD;
    base = (base * base) / WAD;
    exponent >>= 1n;
  }
  return result;
}

/** The evidence as settled at the start of `epoch`. Pure. */
export function folded(state: EvidenceState, epoch: bigint, p: ReputationParameters): { positive: bigint; negative: bigint } {
  if (state.epoch >= epoch) return { positive: state.positive, negative: state.negative };
  let positive = min((state.positive * p.forgetting) / WAD + state.pendingPositive, MAX_EVIDENCE);
  let negative = min((state.negative * p.forgetting) / WAD + state.pendingNegative, MAX_EVIDENCE);
  const gap = epoch - state.epoch - 1n;
  if (gap > 0n && p.forgetting < WAD) {
    const factor = power(p.forgetting, gap);
    positive = (positive * factor) / WAD;
    negative = (negative * factor) / WAD;
  }
  return { positive, negative };
}

/** The beta expectation (r + a) / (r + s + a + b), fixed point. Pure. */
export function expectation(positive: bigint, negative: bigint, p: ReputationParameters): bigint {
  return ((positive + p.priorPositive) * WAD) / (positive + negative + p.priorPositive + p.priorNegative);
}

export function toFraction(wad: bigint): number {
  return Number(wad) / 1e18;
}

/**
 * Replays reports in chain order and answers every org's reputation at any epoch, as the
 * contract would. Reports carry the weight the contract used (the reporter's reputation then);
 * `weightOf` recomputes it, which the contract tests use to check the contract's own weights.
 */
export class ReputationModel {
  private readonly evidence = new Map<string, EvidenceState>();
  private readonly reports = new Map<string, { confirmations: bigint; falsePositives: bigint; weight: bigint }>();

  constructor(private parameters: ReputationParameters) {}

  reputationOf(org: string, epoch: bigint): { reputation: bigint; positive: bigint; negative: bigint } {
    const { positive, negative } = folded(this.evidence.get(org) ?? NO_EVIDENCE, epoch, this.parameters);
    return { reputation: expectation(positive, negative, this.parameters), positive, negative };
  }

  weightOf(reporter: string, epoch: bigint): bigint {
    return this.reputationOf(reporter, epoch).reputation;
  }

  setParameters(parameters: ReputationParameters): void {
    this.parameters = parameters;
  }

  /** One report as submitted in `epoch` (an amendment replaces the reporter's earlier one). */
  report(epoch: bigint, reporter: string, producer: string, confirmations: bigint, falsePositives: bigint, weight = this.weightOf(reporter, epoch)): void {
    const state = this.evidence.get(producer) ?? NO_EVIDENCE;
    const settled: EvidenceState =
      state.epoch === epoch ? { ...state } : { ...folded(state, epoch, this.parameters), pendingPositive: 0n, pendingNegative: 0n, epoch };
    const key = `${reporter}\0${producer}\0${epoch}`;
    const previous = this.reports.get(key);
    if (previous) {
      settled.pendingPositive -= previous.confirmations * previous.weight;
      settled.pendingNegative -= previous.falsePositives * previous.weight;
    }
    settled.pendingPositive += confirmations * weight;
    settled.pendingNegative += falsePositives * weight;
    this.reports.set(key, { confirmations, falsePositives, weight });
    this.evidence.set(producer, settled);
  }
}
