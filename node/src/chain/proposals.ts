import { AbiCoder, type Signer } from "ethers";
import type { PublicIdentity } from "../identity/identity.js";
import { chainRefusal } from "./chain-errors.js";
import { admissionOf, registryContract, type AdmissionDetails, type RegistryContract } from "./governance.js";
import { bytes32ToOrgId, orgIdToBytes32 } from "./member.js";
import { ProposalKind } from "./registry-abi.js";

/**
 * Governance one admin at a time, as the `cti governance` commands need it: each admin proposes,
 * approves or executes with their own key, on their own schedule; and anyone can list proposals.
 * (governance.ts passes a whole proposal with several admins' signers, for the devnet and tests.)
 */
export interface ProposalView {
  id: number;
  kind: string;
  /** What the proposal is about, decoded: the org, the admin account, the threshold or the call target. */
  subject: string;
  proposer: string;
  createdAt: string;
  expiresAt: string;
  executed: boolean;
  approvals: number;
  threshold: number;
  /** open (collecting approvals), ready (enough approvals), executed, expired. */
  state: "open" | "ready" | "executed" | "expired";
}

const KIND_NAMES: Record<number, string> = {
  [ProposalKind.AdmitMember]: "admit-member",
  [ProposalKind.SuspendMember]: "suspend-member",
  [ProposalKind.ReinstateMember]: "reinstate-member",
  [ProposalKind.RemoveMember]: "remove-member",
  [ProposalKind.AddAdmin]: "add-admin",
  [ProposalKind.RemoveAdmin]: "remove-admin",
  [ProposalKind.ChangeThreshold]: "change-threshold",
  [ProposalKind.Call]: "call",
};

export const STATUS_CHANGES = { suspend: ProposalKind.SuspendMember, reinstate: ProposalKind.ReinstateMember, remove: ProposalKind.RemoveMember } as const;

interface RawProposal {
  kind: bigint;
  proposer: string;
  createdAt: bigint;
  expiresAt: bigint;
  executed: boolean;
  data: string;
}

type ReadableRegistry = RegistryContract & {
  proposalCount(): Promise<bigint>;
  getProposal(id: bigint): Promise<RawProposal>;
  approvalCount(id: bigint): Promise<bigint>;
};

function subjectOf(kind: number, data: string): string {
  const coder = AbiCoder.defaultAbiCoder();
  try {
    switch (kind) {
      case ProposalKind.AdmitMember:
        return bytes32ToOrgId(coder.decode(["(bytes32,string,string,string,address,bytes32,bytes32,bytes)"], data)[0][0] as string);
      case ProposalKind.SuspendMember:
      case ProposalKind.ReinstateMember:
      case ProposalKind.RemoveMember:
        return bytes32ToOrgId(coder.decode(["bytes32"], data)[0] as string);
      case ProposalKind.AddAdmin:
      case ProposalKind.RemoveAdmin:
        return coder.decode(["address"], data)[0] as string;
      case ProposalKind.ChangeThreshold:
        return String(coder.decode(["uint256"], data)[0]);
      case ProposalKind.Call:
        return coder.decode(["address", "bytes"], data)[0] as string;
    }
  } catch {
    // A layout this version does not know: show the kind only.
  }
  return "";
}

/** Every proposal, newest first, with its approvals against the threshold of now. */
export async function listProposals(registry: RegistryContract, now: number, limit = 100): Promise<ProposalView[]> {
  const readable = registry as ReadableRegistry;
  const [count, threshold] = await Promise.all([readable.proposalCount(), readable.threshold()]);
  const ids = Array.from({ length: Math.min(Number(count), limit) }, (_, i) => BigInt(Number(count) - 1 - i));
  return Promise.all(
    ids.map(async (id) => {
      const [raw, approvals] = await Promise.all([readable.getProposal(id), readable.approvalCount(id)]);
      const kind = Number(raw.kind);
      const expiresAt = Number(raw.expiresAt) * 1000;
      const state = raw.executed ? "executed" : expiresAt <= now ? "expired" : approvals >= threshold ? "ready" : "open";
      return {
        id: Number(id),
        kind: KIND_NAMES[kind] ?? `kind-${kind}`,
        subject: subjectOf(kind, raw.data),
        proposer: raw.proposer,
        createdAt: new Date(Number(raw.createdAt) * 1000).toISOString(),
        expiresAt: new Date(expiresAt).toISOString(),
        executed: raw.executed,
        approvals: Number(approvals),
        threshold: Number(threshold),
        state,
      };
    }),
  );
}

/** Sends one governance transaction and waits for its receipt; a contract refusal comes back named. */
async function send(registry: RegistryContract, action: () => Promise<{ wait(): Promise<import("ethers").TransactionReceipt | null> }>): Promise<import("ethers").TransactionReceipt | null> {
  try {
    return await (await action()).wait();
  } catch (err) {
    // Name the contract's error (not an admin, already approved, threshold not met...).
    throw chainRefusal(err) ?? err;
  }
}

function createdProposal(registry: RegistryContract, receipt: import("ethers").TransactionReceipt | null): number {
  for (const log of receipt?.logs ?? []) {
    const parsed = registry.interface.parseLog(log);
    if (parsed?.name === "ProposalCreated") return Number(parsed.args.proposalId);
  }
  throw new Error("the transaction created no proposal");
}

export async function proposeAdmission(registryAddress: string, admin: Signer, identity: PublicIdentity, details: AdmissionDetails): Promise<number> {
  const registry = registryContract(registryAddress, admin);
  return createdProposal(registry, await send(registry, () => registry.proposeAdmitMember(admissionOf(identity, details))));
}

export async function proposeStatusChange(registryAddress: string, admin: Signer, change: keyof typeof STATUS_CHANGES, orgId: string): Promise<number> {
  const registry = registryContract(registryAddress, admin);
  return createdProposal(registry, await send(registry, () => registry.proposeMemberStatus(STATUS_CHANGES[change], orgIdToBytes32(orgId))));
}

/** A governed call on another contract (a sector group's creation or change, reputation parameters). */
export async function proposeCall(registryAddress: string, admin: Signer, target: string, callData: string): Promise<number> {
  const registry = registryContract(registryAddress, admin);
  return createdProposal(registry, await send(registry, () => registry.proposeCall(target, callData)));
}

/** Adding or removing a governance admin. */
export async function proposeAdminChange(registryAddress: string, admin: Signer, change: "add" | "remove", account: string): Promise<number> {
  const registry = registryContract(registryAddress, admin);
  const kind = change === "add" ? ProposalKind.AddAdmin : ProposalKind.RemoveAdmin;
  return createdProposal(registry, await send(registry, () => registry.proposeAdminChange(kind, account)));
}

/** A new M of the M-of-N (the contract refuses 0 or more than the admins). */
export async function proposeThreshold(registryAddress: string, admin: Signer, threshold: number): Promise<number> {
  const registry = registryContract(registryAddress, admin);
  return createdProposal(registry, await send(registry, () => registry.proposeThreshold(BigInt(threshold))));
}

export async function approveProposal(registryAddress: string, admin: Signer, id: number): Promise<void> {
  const registry = registryContract(registryAddress, admin);
  await send(registry, () => registry.approve(BigInt(id)));
}

export async function executeProposal(registryAddress: string, admin: Signer, id: number): Promise<void> {
  const registry = registryContract(registryAddress, admin);
  await send(registry, () => registry.execute(BigInt(id)));
}
