import type { Indicator } from "../model/indicator.js";
import { bytesEqual } from "./bytes.js";
import { encodeBatchSigningPayload, encodeIndicatorCanonical, type BatchHeader } from "./canonical.js";
import { hashLeaf, merkleProof, merkleRootOfLeaves, type MerkleProof } from "./merkle.js";
import { ed25519PublicKey, signEd25519, verifyEd25519 } from "./signature.js";

export const WIRE_VERSION = 1;

/** A producer's signed batch of indicators, as it travels and as it is kept. */
export interface IndicatorBatch {
  version: number;
  producer: string;
  sequence: number;
  createdAt: number;
  signingKey: Uint8Array;
  indicators: Indicator[];
  merkleRoot: Uint8Array;
  signature: Uint8Array;
}

export interface UnsignedBatch {
  producer: string;
  sequence: number;
  createdAt: number;
  indicators: Indicator[];
}

export function leafHashes(indicators: Indicator[]): Uint8Array[] {
  return indicators.map((indicator) => hashLeaf(encodeIndicatorCanonical(indicator)));
}

export function signBatch(unsigned: UnsignedBatch, secretKey: Uint8Array): IndicatorBatch {
  const signingKey = ed25519PublicKey(secretKey);
  const merkleRoot = merkleRootOfLeaves(leafHashes(unsigned.indicators));
  const signature = signEd25519(
    encodeBatchSigningPayload({ ...unsigned, signingKey, indicatorCount: unsigned.indicators.length, merkleRoot }),
    secretKey,
  );
  return { version: WIRE_VERSION, ...unsigned, signingKey, merkleRoot, signature };
}

/** True when the batch's indicators hash to the root it carries. */
export function rootMatches(batch: IndicatorBatch, leaves: Uint8Array[] = leafHashes(batch.indicators)): boolean {
  return leaves.length > 0 && bytesEqual(merkleRootOfLeaves(leaves), batch.merkleRoot);
}

/** The signed header of a batch. */
export function headerOf(batch: IndicatorBatch): BatchHeader {
  return {
    producer: batch.producer,
    sequence: batch.sequence,
    createdAt: batch.createdAt,
    signingKey: batch.signingKey,
    indicatorCount: batch.indicators.length,
    merkleRoot: batch.merkleRoot,
  };
}

/** True when the batch's signature over its header and root verifies under its signing key. */
export function signatureValid(batch: IndicatorBatch): boolean {
  return verifyEd25519(encodeBatchSigningPayload(headerOf(batch)), batch.signature, batch.signingKey);
}

/**
 * Everything needed to prove, on its own, that `batch.producer` signed one indicator: the batch
 * header, the signature, and the indicator's Merkle path.
 */
export interface InclusionProof extends BatchHeader {
  indicator: Indicator;
  signature: Uint8Array;
  proof: MerkleProof;
}

export function inclusionProof(batch: IndicatorBatch, index: number): InclusionProof {
  const indicator = batch.indicators[index];
  if (!indicator) throw new RangeError(`batch has no indicator at ${index}`);
  return {
    ...headerOf(batch),
    indicator,
    signature: batch.signature,
    proof: merkleProof(leafHashes(batch.indicators), index),
  };
}
