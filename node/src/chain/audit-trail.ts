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
    indicatorCount: Number(raw.indicatorCount),
    sightingCount: Number(raw.sightingCount),
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

/** Anchors batches `firstSequence` to `lastSequence`, stating how many indicators and sightings they hold. */
export async function anchorBatches(
  contract: AuditTrailContract,
  root: Uint8Array,
  range: { firstSequence: number; lastSequence: number; indicatorCount: number; sightingCount: number },
): Promise<void> {
  await (await contract.anchor(hexlify(root), range.firstSequence, range.lastSequence, range.indicatorCount, range.sightingCount)).wait();
}

/** Indicators and sightings `org` anchored in all. */
export async function anchoredVolume(contract: AuditTrailContract, org: string): Promise<{ indicators: number; sightings: number }> {
  const [indicators, sightings] = await contract.anchoredVolume(orgIdToBytes32(org));
  return { indicators: Number(indicators), sightings: Number(sightings) };
}
