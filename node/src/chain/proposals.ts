import { AbiCoder, type Signer } from "ethers";
import type { PublicIdentity } from "../identity/identity.js";
import { decodeCall, type DecodedCall, type KnownContracts } from "./call-decoding.js";
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
  /** Everything it will do, in words: for a call, the contract, function and arguments. */
  action: string;
  /** A Call proposal's call, decoded. */
  call: DecodedCall | undefined;
  /** For admin changes: the threshold that applies once executed. */
  thresholdAfter: number | undefined;
  proposer: string;
  createdAt: string;
  expiresAt: string;
  executed: boolean;
  cancelled: boolean;
  approvals: number;
  threshold: number;
  /**
   * open (collecting approvals), ready (enough approvals), executed, cancelled, expired, or stale
   * (its subject changed since it was made: it can never run; make a new one).
   */
  state: "open" | "ready" | "executed" | "cancelled" | "expired" | "stale";
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
  [ProposalKind.ReplaceWallet]: "replace-wallet",
};

export const STATUS_CHANGES = { suspend: ProposalKind.SuspendMember, reinstate: ProposalKind.ReinstateMember, remove: ProposalKind.RemoveMember } as const;

interface RawProposal {
  kind: bigint;
  proposer: string;
  createdAt: bigint;
  expiresAt: bigint;
  executed: boolean;
  cancelled: boolean;
  subjectNonce: bigint;
  data: string;
}

type ReadableRegistry = RegistryContract & {
  proposalCount(): Promise<bigint>;
  getProposal(id: bigint): Promise<RawProposal>;
  approvalCount(id: bigint): Promise<bigint>;
  memberNonce(orgId: string): Promise<bigint>;
  adminNonce(): Promise<bigint>;
};

interface Described {
  subject: string;
  action: string;
  call?: DecodedCall;
  thresholdAfter?: number;
  /** The org whose state nonce the proposal is bound to, or "admins" for the admin set. */
  boundTo?: string;
}

/** What a proposal of `kind` with `data` is about and will do, decoded. */
function describe(kind: number, data: string, known: KnownContracts): Described {
  const coder = AbiCoder.defaultAbiCoder();
  try {
    switch (kind) {
      case ProposalKind.AdmitMember: {
        const [a] = coder.decode(["(bytes32,string,string,string,address,bytes32,bytes32,bytes)"], data);
        const org = bytes32ToOrgId(a[0] as string);
        return { subject: org, action: `admit ${org} (${String(a[1])}, ${String(a[2])}, ${String(a[3])}), wallet ${String(a[4])}` };
      }
      case ProposalKind.SuspendMember:
      case ProposalKind.ReinstateMember:
      case ProposalKind.RemoveMember: {
        const org = bytes32ToOrgId(coder.decode(["bytes32"], data)[0] as string);
        return { subject: org, action: `${KIND_NAMES[kind]!.replace("-member", "")} ${org}`, boundTo: org };
      }
      case ProposalKind.AddAdmin:
      case ProposalKind.RemoveAdmin: {
        const [account, threshold] = coder.decode(["address", "uint256"], data);
        const verb = kind === ProposalKind.AddAdmin ? "add" : "remove";
        return { subject: account as string, action: `${verb} admin ${String(account)}; threshold after: ${String(threshold)}`, thresholdAfter: Number(threshold), boundTo: "admins" };
      }
      case ProposalKind.ChangeThreshold: {
        const threshold = String(coder.decode(["uint256"], data)[0]);
        return { subject: threshold, action: `threshold becomes ${threshold}`, boundTo: "admins" };
      }
      case ProposalKind.Call: {
        const [target, callData] = coder.decode(["address", "bytes"], data);
        const call = decodeCall(target as string, callData as string, known);
        return { subject: target as string, action: call.summary, call };
      }
      case ProposalKind.ReplaceWallet: {
        const [orgId, wallet, signingKey, encryptionKey] = coder.decode(["bytes32", "address", "bytes32", "bytes32"], data);
        const org = bytes32ToOrgId(orgId as string);
        const keys = [signingKey !== ZERO ? `signing key ${String(signingKey)}` : "", encryptionKey !== ZERO ? `encryption key ${String(encryptionKey)}` : ""].filter((k) => k);
        return { subject: org, action: `replace ${org}'s wallet by ${String(wallet)}${keys.length > 0 ? `, ${keys.join(", ")}` : ", keys kept"}`, boundTo: org };
      }
    }
  } catch {
    // A layout this version does not know: show the kind only.
  }
  return { subject: "", action: "not decoded by this version" };
}

const ZERO = `0x${"0".repeat(64)}`;

/**
 * A proposal's state at `now` (Unix ms). It stays valid through the whole second its expiresAt
 * names: the contract refuses only once block time (whole seconds) is past it. Pure.
 */
export function proposalState(
  p: { executed: boolean; cancelled: boolean; expiresAtMs: number; stale: boolean; approvals: bigint | number; threshold: bigint | number },
  now: number,
): ProposalView["state"] {
  if (p.executed) return "executed";
  if (p.cancelled) return "cancelled";
  if (now >= p.expiresAtMs + 1000) return "expired";
  if (p.stale) return "stale";
  return BigInt(p.approvals) >= BigInt(p.threshold) ? "ready" : "open";
}

/**
 * Every proposal, newest first, with its approvals against the threshold of now, what it will do,
 * and its state. A proposal stays valid through the second of its `expiresAt` (the contract
 * refuses only once block time passes it).
 */
export async function listProposals(registry: RegistryContract, now: number, limit = 100, known: KnownContracts = {}): Promise<ProposalView[]> {
  const readable = registry as ReadableRegistry;
  const [count, threshold, adminNonce] = await Promise.all([readable.proposalCount(), readable.threshold(), readable.adminNonce()]);
  const ids = Array.from({ length: Math.min(Number(count), limit) }, (_, i) => BigInt(Number(count) - 1 - i));
  return Promise.all(
    ids.map(async (id) => {
      const [raw, approvals] = await Promise.all([readable.getProposal(id), readable.approvalCount(id)]);
      const kind = Number(raw.kind);
      const expiresAt = Number(raw.expiresAt) * 1000;
      const described = describe(kind, raw.data, known);
      const nonce = described.boundTo === undefined ? undefined : described.boundTo === "admins" ? adminNonce : await readable.memberNonce(orgIdToBytes32(described.boundTo));
      const stale = nonce !== undefined && nonce !== raw.subjectNonce;
      const state = proposalState({ executed: raw.executed, cancelled: raw.cancelled, expiresAtMs: expiresAt, stale, approvals, threshold }, now);
      return {
        id: Number(id),
        kind: KIND_NAMES[kind] ?? `kind-${kind}`,
        subject: described.subject,
        action: described.action,
        call: described.call,
        thresholdAfter: described.thresholdAfter,
        proposer: raw.proposer,
        createdAt: new Date(Number(raw.createdAt) * 1000).toISOString(),
        expiresAt: new Date(expiresAt).toISOString(),
        executed: raw.executed,
        cancelled: raw.cancelled,
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

/** Adding or removing a governance admin, with the threshold that applies afterwards. */
export async function proposeAdminChange(registryAddress: string, admin: Signer, change: "add" | "remove", account: string, thresholdAfter: number): Promise<number> {
  const registry = registryContract(registryAddress, admin);
  const kind = change === "add" ? ProposalKind.AddAdmin : ProposalKind.RemoveAdmin;
  return createdProposal(registry, await send(registry, () => registry.proposeAdminChange(kind, account, BigInt(thresholdAfter))));
}

/** Replacing a member's wallet, and its keys when given (hex, 32 bytes): recovery after a compromise. */
export async function proposeReplaceWallet(registryAddress: string, admin: Signer, org: string, wallet: string, keys: { signingKey?: string; encryptionKey?: string } = {}): Promise<number> {
  const registry = registryContract(registryAddress, admin);
  return createdProposal(registry, await send(registry, () => registry.proposeReplaceWallet(orgIdToBytes32(org), wallet, keys.signingKey ?? ZERO, keys.encryptionKey ?? ZERO)));
}

export async function cancelProposal(registryAddress: string, admin: Signer, id: number): Promise<void> {
  const registry = registryContract(registryAddress, admin);
  await send(registry, () => registry.cancel(BigInt(id)));
}

export async function revokeApproval(registryAddress: string, admin: Signer, id: number): Promise<void> {
  const registry = registryContract(registryAddress, admin);
  await send(registry, () => registry.revokeApproval(BigInt(id)));
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
