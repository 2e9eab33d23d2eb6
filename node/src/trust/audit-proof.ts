import { createHash } from "node:crypto";
import type { Indicator } from "../model/indicator.js";
import { bytesEqual, concatBytes, fromHex, toHex } from "../wire/bytes.js";
import { encodeBatchSigningPayload, encodeIndicatorCanonical, type BatchHeader } from "../wire/canonical.js";
import { merkleProof, merkleRootOfLeaves, hashLeaf, verifyMerkleProof, type MerkleProof } from "../wire/merkle.js";
import { verifyEd25519 } from "../wire/signature.js";

/**
 * The audit trail's proofs: that org X published indicator I no later than time T. Three links,
 * each checkable by anyone with the chain:
 *
 *   indicator --(Merkle path, leaf salt)--> batch root
 *   batch header + root --(ed25519 signature)--> the producer's signing key
 *   SHA-256(batch signing payload) --(Merkle path)--> anchor root, stored on chain by the org's
 *   own wallet in a block of time T (AuditTrail.sol)
 */

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
export function verifyAuditProof(proof: AuditProof, onChain: AnchorRecord | undefined): AuditVerdict {
  const problems: string[] = [];
  const { header, indicator, anchor } = proof;
  if (indicator.producer !== proof.org || header.producer !== proof.org) problems.push("the indicator, the batch and the proof name different orgs");
  const leaf = proof.salt ? concatBytes([encodeIndicatorCanonical(indicator), proof.salt]) : encodeIndicatorCanonical(indicator);
  if (!verifyMerkleProof(leaf, proof.indicatorProof, header.merkleRoot)) problems.push("the indicator is not in the batch (Merkle path fails)");
  if (proof.indicatorProof.leafCount !== header.indicatorCount) problems.push("the Merkle path is for another batch size");
  if (!verifyEd25519(encodeBatchSigningPayload(header), proof.signature, header.signingKey)) problems.push("the batch signature does not verify");
  if (header.sequence < anchor.firstSequence || header.sequence > anchor.lastSequence) problems.push("the batch is outside the anchor's range");
  if (proof.batchProof.index !== header.sequence - anchor.firstSequence || proof.batchProof.leafCount !== anchor.lastSequence - anchor.firstSequence + 1) {
    problems.push("the batch's position in the anchor is wrong");
  }
  if (!verifyMerkleProof(anchorLeaf(header), proof.batchProof, anchor.root)) problems.push("the batch is not in the anchor (Merkle path fails)");
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
    header: { ...batch, signingKey: fromHex(batch.signingKey), merkleRoot: fromHex(batch.merkleRoot), sealedDigest: fromHex(batch.sealedDigest) },
    signature: fromHex(signature),
    indicatorProof: merkleFromJson(json.indicatorProof),
    anchor: { ...json.anchor, root: fromHex(json.anchor.root) },
    batchProof: merkleFromJson(json.batchProof),
  };
}
