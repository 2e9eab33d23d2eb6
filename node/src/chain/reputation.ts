import { Contract, Interface, type ContractRunner, type JsonRpcProvider, type Log } from "ethers";
import { toFraction, type ReputationParameters } from "../trust/beta-reputation.js";
import type { ChainView } from "./chain-follower.js";
import { orgIdToBytes32 } from "./member.js";
import { REPUTATION_ABI, type ReputationMethods } from "./trust-abi.js";

export type ReputationContract = Contract & ReputationMethods;

export function reputationContract(address: string, runner: ContractRunner): ReputationContract {
  return new Contract(address, REPUTATION_ABI, runner) as ReputationContract;
}

/** Call data for governance to change the reputation parameters (a registry Call proposal). */
export function reputationParametersCall(parameters: ReputationParameters): string {
  const p = parameters;
  return new Interface(REPUTATION_ABI).encodeFunctionData("setParameters", [[p.epochLength, p.priorPositive, p.priorNegative, p.forgetting, p.maxReportEvidence, p.halfEvidenceCount]]);
}

/** Call data for governance to take back a member's reports of an epoch about `producers`. */
export function voidReportsCall(reporter: string, epoch: number, producers: string[]): string {
  return new Interface(REPUTATION_ABI).encodeFunctionData("voidReports", [orgIdToBytes32(reporter), epoch, producers.map(orgIdToBytes32)]);
}

/** Call data for governance to set how much a member's reports weigh (0 to 1). */
export function credibilityCall(org: string, credibility: bigint): string {
  return new Interface(REPUTATION_ABI).encodeFunctionData("setCredibility", [orgIdToBytes32(org), credibility]);
}

export interface OrgReputation {
  org: string;
  /** Beta expectation, 0 to 1. */
  reputation: number;
  /** Weighted evidence behind it, in confirmations (after forgetting). */
  positive: number;
  negative: number;
}

/**
 * The node's view of the Reputation contract: parameters, the current epoch and when it ends,
 * and every member's reputation, re-read when the contract emits or the epoch turns (evidence
 * counts when its epoch closes, with no event). Scoring reads it synchronously.
 */
export class ReputationView implements ChainView {
  private readonly contract: ReputationContract;
  private readonly iface = new Interface(REPUTATION_ABI);
  private readonly byOrg = new Map<string, OrgReputation>();
  private epochValue = 0;
  private endsAtValue = 0;
  private parametersValue: ReputationParameters | undefined;

  constructor(
    readonly address: string,
    provider: JsonRpcProvider,
    /** The orgs to follow: every member the registry knows. */
    private readonly orgs: () => string[],
  ) {
    this.contract = reputationContract(address, provider);
  }

  get epoch(): number {
    return this.epochValue;
  }

  /** When the current epoch ends, Unix ms (chain time). */
  get epochEndsAt(): number {
    return this.endsAtValue;
  }

  get parameters(): ReputationParameters {
    if (!this.parametersValue) throw new Error("the reputation view is not loaded");
    return this.parametersValue;
  }

  /** 0 to 1; the prior's expectation for an org the contract has no evidence on. */
  of(org: string): number {
    return this.byOrg.get(org)?.reputation ?? this.prior();
  }

  all(): OrgReputation[] {
    return [...this.byOrg.values()].sort((a, b) => a.org.localeCompare(b.org));
  }

  private prior(): number {
    const p = this.parametersValue;
    return p ? Number(p.priorPositive) / Number(p.priorPositive + p.priorNegative) : 0.5;
  }

  async load(blockTag: number): Promise<void> {
    await this.reload(blockTag);
  }

  async apply(logs: Log[], head: number): Promise<void> {
    const epoch = Number(await this.contract.currentEpoch({ blockTag: head }));
    const touched = logs.some((log) => this.iface.parseLog(log) !== null);
    if (touched || epoch !== this.epochValue || this.byOrg.size !== this.orgs().length) await this.reload(head);
  }

  private async reload(blockTag: number): Promise<void> {
    const at = { blockTag };
    const [parameters, epoch, endsAt] = await Promise.all([
      this.contract.parameters(at),
      this.contract.currentEpoch(at),
      this.contract.epochEndsAt(at),
    ]);
    this.parametersValue = {
      epochLength: parameters.epochLength,
      priorPositive: parameters.priorPositive,
      priorNegative: parameters.priorNegative,
      forgetting: parameters.forgetting,
      maxReportEvidence: parameters.maxReportEvidence,
      halfEvidenceCount: parameters.halfEvidenceCount,
    };
    this.epochValue = Number(epoch);
    this.endsAtValue = Number(endsAt) * 1000;
    const orgs = this.orgs();
    const values = await Promise.all(orgs.map((org) => this.contract.reputationOf(orgIdToBytes32(org), at)));
    orgs.forEach((org, i) => {
      const [reputation, positive, negative] = values[i]!;
      this.byOrg.set(org, { org, reputation: toFraction(reputation), positive: toFraction(positive), negative: toFraction(negative) });
    });
  }
}
