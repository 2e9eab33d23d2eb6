import { Contract, type ContractRunner, type Signer, type TransactionReceipt } from "ethers";
import type { PublicIdentity } from "../identity/identity.js";
import { orgIdToBytes32, peerIdToBytes } from "./member.js";
import { CONSORTIUM_REGISTRY_ABI, ProposalKind, type RegistryMethods } from "./registry-abi.js";

/** What an admin fills in, besides the org's public identity, to admit it. */
export interface AdmissionDetails {
  displayName: string;
  country: string;
  sector: string;
}

export type RegistryContract = Contract & RegistryMethods;

export function registryContract(address: string, runner: ContractRunner): RegistryContract {
  return new Contract(address, CONSORTIUM_REGISTRY_ABI, runner) as RegistryContract;
}

export function admissionOf(identity: PublicIdentity, details: AdmissionDetails) {
  return {
    orgId: orgIdToBytes32(identity.orgId),
    displayName: details.displayName,
    country: details.country,
    sector: details.sector,
    wallet: identity.wallet,
    signingKey: identity.signingKey,
    encryptionKey: identity.encryptionKey,
    peerId: peerIdToBytes(identity.peerId),
  };
}

function proposalIdFrom(registry: RegistryContract, receipt: TransactionReceipt | null): bigint {
  for (const log of receipt?.logs ?? []) {
    const parsed = registry.interface.parseLog(log);
    if (parsed?.name === "ProposalCreated") return parsed.args.proposalId as bigint;
  }
  throw new Error("the transaction created no proposal");
}

/**
 * Runs one proposal through the whole M-of-N flow: the first admin proposes (and so approves),
 * the next ones approve until the threshold, the last executes. Every step is a real transaction.
 */
export async function passProposal(
  registryAddress: string,
  admins: Signer[],
  propose: (registry: RegistryContract) => Promise<{ wait(): Promise<TransactionReceipt | null> }>,
): Promise<bigint> {
  const [first, ...others] = admins;
  if (!first) throw new Error("at least one admin is needed");
  const asFirst = registryContract(registryAddress, first);
  const threshold = Number(await asFirst.threshold());
  if (admins.length < threshold) throw new Error(`threshold is ${threshold} but only ${admins.length} admins sign`);
  const proposalId = proposalIdFrom(asFirst, await (await propose(asFirst)).wait());
  for (const admin of others.slice(0, threshold - 1)) {
    await (await registryContract(registryAddress, admin).approve(proposalId)).wait();
  }
  await (await asFirst.execute(proposalId)).wait();
  return proposalId;
}

export function admitMember(registryAddress: string, admins: Signer[], identity: PublicIdentity, details: AdmissionDetails) {
  return passProposal(registryAddress, admins, (r) => r.proposeAdmitMember(admissionOf(identity, details)));
}

export function changeMemberStatus(
  registryAddress: string,
  admins: Signer[],
  kind: ProposalKind.SuspendMember | ProposalKind.ReinstateMember | ProposalKind.RemoveMember,
  orgId: string,
) {
  return passProposal(registryAddress, admins, (r) => r.proposeMemberStatus(kind, orgIdToBytes32(orgId)));
}
