import { createHash } from "node:crypto";
import { InvalidIndicatorError } from "../model/errors.js";
import type { Indicator } from "../model/indicator.js";
import { checkIndicator, isCanonical } from "../model/validate.js";
import { bytesEqual, concatBytes, fromHex, toHex } from "../wire/bytes.js";
import { encodeBatchSigningPayload, encodeIndicatorCanonical, type BatchHeader } from "../wire/canonical.js";
import { merkleProof, merkleRootOfLeaves, hashLeaf, verifyMerkleProof, type MerkleProof } from "../wire/merkle.js";
import { verifyEd25519 } from "../wire/signature.js";

/**
 * The audit trail's proofs: that org X had committed to indicator I no later than time T. Three
 * links, each checkable by anyone with the chain:
 *
 *   indicator --(Merkle path, leaf salt)--> batch root
 *   batch header + root --(ed25519 signature)--> the producer's signing key
 *   SHA-256(batch signing payload) --(Merkle path)--> anchor root, stored on chain by the org's
 *   own wallet in a block of time T (AuditTrail.sol)
 *
 * What a proof shows: X's key signed a batch holding I, and X's wallet anchored that batch before
 * T. What it does not show: that X sent the batch to anyone (it may have kept it), when before T
 * it signed it (the batch's createdAt is X's own claim), or that I is true. See docs/trust.md.
 */

/** Statements a batch can hold (the nodes' batch limit): a proof claiming more is refused. */
export const MAX_PROOF_BATCH_STATEMENTS = 1000;

/** The leaf of a batch in its producer's anchor tree: the digest of what the producer signed. */
export function anchorLeaf(header: BatchHeader): Uint8Array {
  return createHash("sha256").update(encodeBatchSigningPayload(header)).digest();
}

/** Root of the anchor tree of consecutive batches (by sequence). */
export function anchorRoot(headers: BatchHeader[]): Uint8Array {
  return merkleRootOfLeaves(headers.map((h) => hashLeaf(anchorLeaf(h))));
}

export interface AnchorRecord {
  index: number;
  root: Uint8Array;
  firstSequence: number;
  lastSequence: number;
  /** Block time of the anchor, Unix ms: the "before" of the proof. */
  anchoredAt: number;
  blockNumber: number;
  /** Indicators and sightings the anchored batches hold, as the producer stated them. */
  indicatorCount?: number;
  sightingCount?: number;
}

export interface AuditProof {
  org: string;
  indicator: Indicator;
  salt: Uint8Array | undefined;
  header: BatchHeader;
  signature: Uint8Array;
  indicatorProof: MerkleProof;
  anchor: AnchorRecord;
  batchProof: MerkleProof;
}

/**
 * Builds the proof of `index`-th indicator of the batch `header`, given every header the anchor
 * covers (in sequence order).
 */
export function buildAuditProof(input: {
  indicator: Indicator;
  salt: Uint8Array | undefined;
  indicatorProof: MerkleProof;
  header: BatchHeader;
  signature: Uint8Array;
  anchor: AnchorRecord;
  anchoredHeaders: BatchHeader[];
}): AuditProof {
  const { anchor, anchoredHeaders, header } = input;
  const position = header.sequence - anchor.firstSequence;
  if (anchoredHeaders.length !== anchor.lastSequence - anchor.firstSequence + 1 || anchoredHeaders[position]?.sequence !== header.sequence) {
    throw new RangeError(`the anchor covers batches ${anchor.firstSequence}-${anchor.lastSequence}; give every header of that range in order`);
  }
  return {
    org: header.producer,
    indicator: input.indicator,
    salt: input.salt,
    header,
    signature: input.signature,
    indicatorProof: input.indicatorProof,
    anchor,
    batchProof: merkleProof(anchoredHeaders.map((h) => hashLeaf(anchorLeaf(h))), position),
  };
}

export interface AuditVerdict {
  valid: boolean;
  /** What failed, in plain words; empty when valid. */
  problems: string[];
  /** The org published the indicator no later than this (Unix ms), when valid. */
  publishedBefore: number | undefined;
}

/**
 * Checks a proof on its own and against the anchor read from the chain (`onChain`, by org and
 * anchor index). Pure: the caller reads the chain.
 */
export function verifyAuditProof(proof: AuditProof, onChain: AnchorRecord | undefined, deployment?: Uint8Array): AuditVerdict {
  const problems: string[] = [];
  const { header, indicator, anchor } = proof;
  if (deployment && !bytesEqual(header.deployment, deployment)) problems.push("the batch was signed for another deployment");
  if (indicator.producer !== proof.org || header.producer !== proof.org) problems.push("the indicator, the batch and the proof name different orgs");
  // Every field as a receiver would check it: a value the canonical encoding cannot hold (a
  // confidence of 306) must not pass for the one it wraps to.
  try {
    checkIndicator(indicator);
    if (!isCanonical(indicator)) problems.push("the indicator is not in canonical form");
  } catch (err) {
    if (!(err instanceof InvalidIndicatorError)) throw err;
    problems.push(`the indicator is not valid: ${err.message}`);
  }
  const statements = header.indicatorCount + header.sightingCount;
  if (statements < 1 || statements > MAX_PROOF_BATCH_STATEMENTS) problems.push(`the batch states ${statements} statements; a batch holds 1 to ${MAX_PROOF_BATCH_STATEMENTS}`);
  // The tree holds the indicators, then the sightings: an indicator's leaf is one of the first ones.
  if (proof.indicatorProof.leafCount !== statements) problems.push("the Merkle path is for another batch size");
  if (proof.indicatorProof.index >= header.indicatorCount) problems.push("the Merkle path does not lead to one of the batch's indicators");
  if (problems.length === 0) {
    const leaf = proof.salt ? concatBytes([encodeIndicatorCanonical(indicator), proof.salt]) : encodeIndicatorCanonical(indicator);
    if (!verifyMerkleProof(leaf, proof.indicatorProof, header.merkleRoot)) problems.push("the indicator is not in the batch (Merkle path fails)");
  }
  let payload: Uint8Array | undefined;
  try {
    payload = encodeBatchSigningPayload(header);
  } catch (err) {
    problems.push(`the batch header cannot be what was signed: ${(err as Error).message}`);
  }
  if (payload && !verifyEd25519(payload, proof.signature, header.signingKey)) problems.push("the batch signature does not verify");
  if (header.sequence < anchor.firstSequence || header.sequence > anchor.lastSequence) problems.push("the batch is outside the anchor's range");
  if (proof.batchProof.index !== header.sequence - anchor.firstSequence || proof.batchProof.leafCount !== anchor.lastSequence - anchor.firstSequence + 1) {
    problems.push("the batch's position in the anchor is wrong");
  }
  if (payload && !verifyMerkleProof(anchorLeaf(header), proof.batchProof, anchor.root)) problems.push("the batch is not in the anchor (Merkle path fails)");
  if (!onChain) problems.push(`no anchor #${anchor.index} of ${proof.org} on chain`);
  else if (
    !bytesEqual(onChain.root, anchor.root) ||
    onChain.firstSequence !== anchor.firstSequence ||
    onChain.lastSequence !== anchor.lastSequence ||
    onChain.anchoredAt !== anchor.anchoredAt
  ) {
    problems.push(`anchor #${anchor.index} on chain differs from the proof's`);
  }
  return { valid: problems.length === 0, problems, publishedBefore: problems.length === 0 ? onChain!.anchoredAt : undefined };
}

// ---------------------------------------------------------------- JSON form

const hex = (b: Uint8Array) => toHex(b);
const proofJson = (p: MerkleProof) => ({ index: p.index, leafCount: p.leafCount, siblings: p.siblings.map(hex) });

/** The proof as a JSON document (bytes as hex), for files and the API. */
export function auditProofToJson(proof: AuditProof) {
  return {
    version: 1,
    org: proof.org,
    indicator: proof.indicator,
    salt: proof.salt ? hex(proof.salt) : undefined,
    batch: {
      ...proof.header,
      deployment: hex(proof.header.deployment),
      signingKey: hex(proof.header.signingKey),
      merkleRoot: hex(proof.header.merkleRoot),
      sealedDigest: hex(proof.header.sealedDigest),
      signature: hex(proof.signature),
    },
    indicatorProof: proofJson(proof.indicatorProof),
    anchor: { ...proof.anchor, root: hex(proof.anchor.root) },
    batchProof: proofJson(proof.batchProof),
  };
}

export type AuditProofJson = ReturnType<typeof auditProofToJson>;

const merkleFromJson = (p: { index: number; leafCount: number; siblings: string[] }): MerkleProof => ({
  index: p.index,
  leafCount: p.leafCount,
  siblings: p.siblings.map(fromHex),
});

/** The inverse of auditProofToJson; the caller has checked the shape (api/, cli/ use zod). */
export function auditProofFromJson(json: AuditProofJson): AuditProof {
  const { signature, ...batch } = json.batch;
  return {
    org: json.org,
    indicator: json.indicator,
    salt: json.salt ? fromHex(json.salt) : undefined,
    header: { ...batch, deployment: fromHex(batch.deployment), signingKey: fromHex(batch.signingKey), merkleRoot: fromHex(batch.merkleRoot), sealedDigest: fromHex(batch.sealedDigest) },
    signature: fromHex(signature),
    indicatorProof: merkleFromJson(json.indicatorProof),
    anchor: { ...json.anchor, root: fromHex(json.anchor.root) },
    batchProof: merkleFromJson(json.batchProof),
  };
}
