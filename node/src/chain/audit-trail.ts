import { Contract, getBytes, hexlify, type ContractRunner } from "ethers";
import type { AnchorRecord } from "../trust/audit-proof.js";
import { orgIdToBytes32 } from "./member.js";
import { AUDIT_TRAIL_ABI, type AuditTrailMethods, type RawAnchor } from "./trust-abi.js";

export type AuditTrailContract = Contract & AuditTrailMethods;

export function auditTrailContract(address: string, runner: ContractRunner): AuditTrailContract {
  return new Contract(address, AUDIT_TRAIL_ABI, runner) as AuditTrailContract;
}

function anchorRecord(index: number, raw: RawAnchor): AnchorRecord {
  return {
    index,
    root: getBytes(raw.root),
    firstSequence: Number(raw.firstSequence),
    lastSequence: Number(raw.lastSequence),
    anchoredAt: Number(raw.anchoredAt) * 1000,
    blockNumber: Number(raw.blockNumber),
  };
}

/** The anchor holding `sequence` of `org`'s batches, or undefined when it is not anchored yet. */
export async function anchorHolding(contract: AuditTrailContract, org: string, sequence: number): Promise<AnchorRecord | undefined> {
  try {
    const [index, raw] = await contract.anchorOf(orgIdToBytes32(org), sequence);
    return anchorRecord(Number(index), raw);
  } catch (err) {
    if ((err as { revert?: { name?: string } }).revert?.name === "AuditTrailSequenceNotAnchored") return undefined;
    throw err;
  }
}

/** Anchor `index` of `org`, or undefined when there is none. */
export async function anchorAt(contract: AuditTrailContract, org: string, index: number): Promise<AnchorRecord | undefined> {
  try {
    return anchorRecord(index, await contract.getAnchor(orgIdToBytes32(org), index));
  } catch (err) {
    if ((err as { revert?: { name?: string } }).revert?.name === "AuditTrailUnknownAnchor") return undefined;
    throw err;
  }
}

export async function nextUnanchored(contract: AuditTrailContract, org: string): Promise<number> {
  return Number(await contract.nextSequence(orgIdToBytes32(org)));
}

export async function anchorBatches(contract: AuditTrailContract, root: Uint8Array, firstSequence: number, lastSequence: number): Promise<void> {
  await (await contract.anchor(hexlify(root), firstSequence, lastSequence)).wait();
}
