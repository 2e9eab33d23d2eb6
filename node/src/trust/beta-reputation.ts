/**
 * trust/ owns what makes an indicator believable: sightings and false-positive reports, the beta
 * reputation of producers (its arithmetic here, its record on chain), the audit trail of what
 * each producer published, and the score that decides what reaches the detectors.
 *
 * This file is the reference of the Reputation contract's arithmetic, in the same integer
 * fixed point (1e18 = 1), so that the node and researchers can replay the chain's events and get
 * exactly the contract's values (checked against the contract on random inputs), and so that the
 * bound a report can move a reputation by (docs/trust.md) is computed by the same code.
 */

export const WAD = 10n ** 18n;
const MAX_EVIDENCE = 10n ** 12n * WAD;
/** The contract's cap on each count of a report. */
export const MAX_REPORT_COUNT = 1_000_000;

export interface ReputationParameters {
  epochLength: bigint;
  priorPositive: bigint;
  priorNegative: bigint;
  forgetting: bigint;
  /** Most evidence one report adds, whatever its counts. */
  maxReportEvidence: bigint;
  /** Capped counts at which a report carries half of maxReportEvidence. */
  halfEvidenceCount: bigint;
}

/** What a new consortium starts with: a newcomer at 0.5, a tenth forgotten per epoch, a report worth at most 4 confirmations. */
export const DEFAULT_REPUTATION_PARAMETERS: Omit<ReputationParameters, "epochLength"> = {
  priorPositive: WAD,
  priorNegative: WAD,
  forgetting: (9n * WAD) / 10n,
  maxReportEvidence: 4n * WAD,
  halfEvidenceCount: 10n,
};

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

/** The forgetting factor in force in each epoch: a list of changes, each from an epoch on. */
export class ForgettingSchedule {
  private readonly steps: Array<{ fromEpoch: bigint; forgetting: bigint }>;

  constructor(initial: bigint) {
    this.steps = [{ fromEpoch: 0n, forgetting: initial }];
  }

  /** A change from `fromEpoch` on; a second change in the same epoch replaces the first. */
  set(fromEpoch: bigint, forgetting: bigint): void {
    const last = this.steps.at(-1)!;
    if (last.fromEpoch === fromEpoch) last.forgetting = forgetting;
    else this.steps.push({ fromEpoch, forgetting });
  }

  at(epoch: bigint): bigint {
    let found = this.steps[0]!;
    for (const step of this.steps) if (step.fromEpoch <= epoch) found = step;
    return found.forgetting;
  }

  /** The product of the factors of epochs `from` to `to` - 1 (1e18 when none), as the contract computes it. */
  decay(from: bigint, to: bigint): bigint {
    let factor = WAD;
    if (from >= to) return factor;
    let index = this.steps.findLastIndex((s) => s.fromEpoch <= from);
    let epoch = from;
    while (epoch < to && factor > 0n) {
      const next = this.steps[index + 1];
      const end = next && next.fromEpoch < to ? next.fromEpoch : to;
      const forgetting = this.steps[index]!.forgetting;
      if (forgetting < WAD) factor = (factor * power(forgetting, end - epoch)) / WAD;
      epoch = end;
      index++;
    }
    return factor;
  }
}

/** The evidence as settled at the start of `epoch`. Pure. */
export function folded(state: EvidenceState, epoch: bigint, schedule: ForgettingSchedule): { positive: bigint; negative: bigint } {
  if (state.epoch >= epoch) return { positive: state.positive, negative: state.negative };
  const forgetting = schedule.at(state.epoch);
  let positive = min((state.positive * forgetting) / WAD + state.pendingPositive, MAX_EVIDENCE);
  let negative = min((state.negative * forgetting) / WAD + state.pendingNegative, MAX_EVIDENCE);
  const factor = schedule.decay(state.epoch + 1n, epoch);
  if (factor !== WAD) {
    positive = (positive * factor) / WAD;
    negative = (negative * factor) / WAD;
  }
  return { positive, negative };
}

/** The beta expectation (r + a) / (r + s + a + b), fixed point. Pure. */
export function expectation(positive: bigint, negative: bigint, p: Pick<ReputationParameters, "priorPositive" | "priorNegative">): bigint {
  return ((positive + p.priorPositive) * WAD) / (positive + negative + p.priorPositive + p.priorNegative);
}

export function toFraction(wad: bigint): number {
  return Number(wad) / 1e18;
}

/** Counts above `cap` scaled down to it, keeping their ratio (the contract's rounding). Pure. */
export function cappedCounts(confirmations: bigint, falsePositives: bigint, cap: bigint): { confirmations: bigint; falsePositives: bigint } {
  const n = confirmations + falsePositives;
  if (n <= cap) return { confirmations, falsePositives };
  return { confirmations: (confirmations * cap) / n, falsePositives: (falsePositives * cap) / n };
}

/** The evidence capped counts carry: at most credibility * maxReportEvidence in all. Pure. */
export function reportEvidence(
  confirmations: bigint,
  falsePositives: bigint,
  credibility: bigint,
  p: Pick<ReputationParameters, "maxReportEvidence" | "halfEvidenceCount">,
): { positive: bigint; negative: bigint } {
  const n = confirmations + falsePositives;
  if (n === 0n) return { positive: 0n, negative: 0n };
  const mass = (((credibility * p.maxReportEvidence) / WAD) * n) / (n + p.halfEvidenceCount);
  return { positive: (mass * confirmations) / n, negative: (mass * falsePositives) / n };
}

/**
 * The most a producer's reputation can move, at the close of an epoch, because of reports carrying
 * `evidence` in all (k colluders: k times maxReportEvidence at most), when the rest of its
 * evidence (forgotten, plus every other report of the epoch) totals `otherEvidence`:
 * evidence / (a + b + otherEvidence + evidence). The reputation is a weighted mean of the prior,
 * the other evidence and the new one, so the new one moves it by at most its share. Pure.
 */
export function moveBound(evidence: bigint, otherEvidence: bigint, p: Pick<ReputationParameters, "priorPositive" | "priorNegative">): number {
  return Number((evidence * 10n ** 18n) / (p.priorPositive + p.priorNegative + otherEvidence + evidence)) / 1e18;
}

/**
 * Replays reports in chain order and answers every org's reputation at any epoch, as the
 * contract would. Reports carry the evidence the contract recorded (ReportSubmitted); `weigh`
 * computes it from the counts, caps and credibility, which the contract tests use to check the
 * contract's own figures.
 */
export class ReputationModel {
  private readonly evidence = new Map<string, EvidenceState>();
  private readonly reports = new Map<string, { positive: bigint; negative: bigint; voided: boolean }>();
  private readonly schedule: ForgettingSchedule;

  constructor(private parameters: ReputationParameters) {
    this.schedule = new ForgettingSchedule(parameters.forgetting);
  }

  reputationOf(org: string, epoch: bigint): { reputation: bigint; positive: bigint; negative: bigint } {
    const { positive, negative } = folded(this.evidence.get(org) ?? NO_EVIDENCE, epoch, this.schedule);
    return { reputation: expectation(positive, negative, this.parameters), positive, negative };
  }

  /** New parameters from `fromEpoch` on (the current epoch when governance set them). */
  setParameters(parameters: ReputationParameters, fromEpoch: bigint): void {
    this.parameters = parameters;
    this.schedule.set(fromEpoch, parameters.forgetting);
  }

  /** The evidence a report of these counts adds, given the caps (what the producer anchored, what the reporter sighted). */
  weigh(confirmations: bigint, falsePositives: bigint, caps: { anchored: bigint; sighted: bigint }, credibility = WAD) {
    const cap = min(caps.anchored, caps.sighted);
    const counted = cappedCounts(confirmations, falsePositives, cap);
    return { ...counted, ...reportEvidence(counted.confirmations, counted.falsePositives, credibility, this.parameters) };
  }

  private settled(producer: string, epoch: bigint): EvidenceState {
    const state = this.evidence.get(producer) ?? NO_EVIDENCE;
    return state.epoch === epoch ? { ...state } : { ...folded(state, epoch, this.schedule), pendingPositive: 0n, pendingNegative: 0n, epoch };
  }

  /** One report as recorded in `epoch` (an amendment replaces the reporter's earlier one). */
  report(epoch: bigint, reporter: string, producer: string, evidence: { positive: bigint; negative: bigint }): void {
    const settled = this.settled(producer, epoch);
    const key = `${reporter}\0${producer}\0${epoch}`;
    const previous = this.reports.get(key);
    if (previous) {
      settled.pendingPositive -= previous.positive;
      settled.pendingNegative -= previous.negative;
    }
    settled.pendingPositive += evidence.positive;
    settled.pendingNegative += evidence.negative;
    this.reports.set(key, { ...evidence, voided: false });
    this.evidence.set(producer, settled);
  }

  /** Takes a report's evidence back, as it stands after forgetting (the contract's voidReports). */
  void(epoch: bigint, reporter: string, producer: string): void {
    const report = this.reports.get(`${reporter}\0${producer}\0${epoch}`);
    const state = this.evidence.get(producer);
    if (!report || report.voided || !state) return;
    report.voided = true;
    const next = { ...state };
    if (state.epoch === epoch) {
      next.pendingPositive -= min(report.positive, state.pendingPositive);
      next.pendingNegative -= min(report.negative, state.pendingNegative);
    } else {
      const factor = this.schedule.decay(epoch + 1n, state.epoch);
      next.positive -= min((report.positive * factor) / WAD, state.positive);
      next.negative -= min((report.negative * factor) / WAD, state.negative);
    }
    this.evidence.set(producer, next);
  }
}
