import { randomBytes } from "node:crypto";
import { VERSION2_TYPES, type Indicator } from "../model/indicator.js";
import { hasOnlyVersion2Tags } from "../model/validate.js";
import type { Sighting } from "../model/sighting.js";
import { bytesEqual, concatBytes } from "./bytes.js";
import { encodeBatchSigningPayload, encodeIndicatorCanonical, encodeObjectCanonical, encodeSightingCanonical, type BatchHeader } from "./canonical.js";
import { decodeSealedContent, encodeSealedContent } from "./codec.js";
import { hashLeaf, merkleProof, merkleRootOfLeaves, verifyMerkleProof, type MerkleProof } from "./merkle.js";
import { OPEN_BATCH_DIGEST, SALT_LENGTH, openSealed, seal, sealedDigest, type SealReader, type SealRecipient, type SealedPayload } from "./sealed.js";
import { ed25519PublicKey, signEd25519, verifyEd25519 } from "./signature.js";

/** 2: batches name the deployment they belong to, in the signed payload. Version 1 is obsolete. */
export const WIRE_VERSION = 2;
/**
 * 3: a batch that carries STIX objects (and signs their number), or machine tags (`PAP:RED`,
 * which keep their case). A batch with neither is still version 2, so that nodes not upgraded yet
 * keep reading it; they ignore a version 3 batch with FUTURE_VERSION (and penalise nobody).
 */
export const OBJECTS_WIRE_VERSION = 3;
/**
 * 4: a batch with indicators of the types added after version 3 (sha512, ssdeep, tlsh, ja3, ja3s,
 * ja4, asn, user-agent, filename, mutex, registry-key, cve, x509 fingerprints). A version 3 node
 * would not know their type codes; it ignores a version 4 batch with FUTURE_VERSION instead.
 */
export const OBSERVABLES_WIRE_VERSION = 4;
/** The newest version this node reads and writes. */
export const LATEST_WIRE_VERSION = OBSERVABLES_WIRE_VERSION;

/** The version of a batch with this content: the oldest that can carry it. */
export function versionFor(objectCount: number, indicators: readonly Indicator[] = []): number {
  if (indicators.some((indicator) => !VERSION2_TYPES.has(indicator.type))) return OBSERVABLES_WIRE_VERSION;
  return objectCount > 0 || !indicators.every(hasOnlyVersion2Tags) ? OBJECTS_WIRE_VERSION : WIRE_VERSION;
}

/**
 * An org's signed batch of statements, as it travels and as it is kept: indicators it produces
 * and sightings its detectors report. An open batch (group 0) carries them in the clear; a
 * sealed batch (group > 0) carries them encrypted in `sealed`, readable by the orgs it is
 * wrapped for only. Its Merkle tree's leaves are the indicators, then the sightings.
 */
export interface IndicatorBatch {
  version: number;
  /** The deployment (wire/deployment.ts) the producer signed the batch for, 32 bytes. */
  deployment: Uint8Array;
  producer: string;
  sequence: number;
  createdAt: number;
  signingKey: Uint8Array;
  group: number;
  indicatorCount: number;
  sightingCount: number;
  /** STIX objects stated (version 3); 0 in a version 2 batch. */
  objectCount: number;
  /** The indicators of an open batch; empty for a sealed one. */
  indicators: Indicator[];
  /** The sightings of an open batch; empty for a sealed one. */
  sightings: Sighting[];
  /** The STIX objects of an open batch, each its canonical JSON (wire/canonical-json.ts); empty for a sealed one. */
  objects: string[];
  sealed: SealedPayload | undefined;
  merkleRoot: Uint8Array;
  signature: Uint8Array;
}

/** What a batch says, once readable: in the clear for open batches, decrypted for sealed ones. */
export interface BatchContent {
  indicators: Indicator[];
  sightings: Sighting[];
  /** STIX objects, each its canonical JSON. */
  objects: string[];
  /** Per-leaf Merkle salts (indicators, then sightings, then objects); empty for an open batch. */
  salts: Uint8Array[];
  /** The producer's blinding key for the batch's group, when it holds blinded indicators. */
  blindingKey: Uint8Array | undefined;
}

export interface UnsignedBatch {
  /** The deployment to sign the batch for (wire/deployment.ts). */
  deployment: Uint8Array;
  producer: string;
  sequence: number;
  createdAt: number;
  /** 0 for an open batch; a sharing group id seals the batch for `recipients`. */
  group: number;
  indicators: Indicator[];
  sightings?: Sighting[];
  /** STIX objects, each already canonical JSON (wire/canonical-json.ts). */
  objects?: string[];
  blindingKey?: Uint8Array;
}

export function isSealed(batch: IndicatorBatch): boolean {
  return batch.sealed !== undefined;
}

/** The canonical bytes of every leaf, indicators then sightings then objects, each followed by its salt if any. */
export function leafData(content: Pick<BatchContent, "indicators" | "sightings" | "salts"> & { objects?: string[] }): Uint8Array[] {
  const canonical = [
    ...content.indicators.map(encodeIndicatorCanonical),
    ...content.sightings.map(encodeSightingCanonical),
    ...(content.objects ?? []).map(encodeObjectCanonical),
  ];
  return canonical.map((bytes, i) => {
    const salt = content.salts[i];
    return salt ? concatBytes([bytes, salt]) : bytes;
  });
}

export function leafHashes(content: Pick<BatchContent, "indicators" | "sightings" | "salts"> & { objects?: string[] }): Uint8Array[] {
  return leafData(content).map(hashLeaf);
}

/**
 * Signs a batch. With a group, the content is sealed for `recipients` (the group's active
 * members, looked up on chain by the caller) and each leaf gets a random salt.
 */
export function signBatch(
  unsigned: UnsignedBatch,
  secretKey: Uint8Array,
  recipients: SealRecipient[] = [],
): { batch: IndicatorBatch; content: BatchContent } {
  const signingKey = ed25519PublicKey(secretKey);
  const sealedBatch = unsigned.group > 0;
  if (sealedBatch && recipients.length === 0) throw new RangeError("a group batch needs recipients to seal for");
  const sightings = unsigned.sightings ?? [];
  const objects = unsigned.objects ?? [];
  const leafCount = unsigned.indicators.length + sightings.length + objects.length;
  const content: BatchContent = {
    indicators: unsigned.indicators,
    sightings,
    objects,
    salts: sealedBatch ? Array.from({ length: leafCount }, () => randomBytes(SALT_LENGTH)) : [],
    blindingKey: sealedBatch ? unsigned.blindingKey : undefined,
  };
  const merkleRoot = merkleRootOfLeaves(leafHashes(content));
  const sealed = sealedBatch
    ? seal(encodeSealedContent(content), recipients, { producer: unsigned.producer, sequence: unsigned.sequence, group: unsigned.group })
    : undefined;
  const header: BatchHeader = {
    deployment: unsigned.deployment,
    producer: unsigned.producer,
    sequence: unsigned.sequence,
    createdAt: unsigned.createdAt,
    signingKey,
    indicatorCount: unsigned.indicators.length,
    sightingCount: sightings.length,
    objectCount: objects.length,
    version: versionFor(objects.length, unsigned.indicators),
    merkleRoot,
    group: unsigned.group,
    sealedDigest: sealed ? sealedDigest(sealed) : OPEN_BATCH_DIGEST,
  };
  const batch: IndicatorBatch = {
    version: header.version!,
    deployment: header.deployment,
    producer: header.producer,
    sequence: header.sequence,
    createdAt: header.createdAt,
    signingKey,
    group: header.group,
    indicatorCount: header.indicatorCount,
    sightingCount: header.sightingCount,
    objectCount: objects.length,
    indicators: sealed ? [] : unsigned.indicators,
    sightings: sealed ? [] : sightings,
    objects: sealed ? [] : objects,
    sealed,
    merkleRoot,
    signature: signEd25519(encodeBatchSigningPayload(header), secretKey),
  };
  return { batch, content };
}

/** The readable content of an open batch. */
export function openContent(batch: IndicatorBatch): BatchContent {
  return { indicators: batch.indicators, sightings: batch.sightings, objects: batch.objects, salts: [], blindingKey: undefined };
}

/**
 * Decrypts a sealed batch for `reader`. Throws SealedOpenError when the reader is not a
 * recipient or the crypto fails, WireDecodeError when the plaintext is not a SealedContent.
 * Checking the content against the signed root is the caller's job (rootMatches).
 */
export function openBatch(batch: IndicatorBatch, reader: SealReader): BatchContent {
  if (!batch.sealed) return openContent(batch);
  const plaintext = openSealed(batch.sealed, reader, { producer: batch.producer, sequence: batch.sequence, group: batch.group });
  return decodeSealedContent(plaintext);
}

/** True when the content hashes to the root the batch carries (and has the stated sizes). */
export function rootMatches(batch: IndicatorBatch, content: BatchContent): boolean {
  if (content.indicators.length !== batch.indicatorCount || content.sightings.length !== batch.sightingCount || content.objects.length !== batch.objectCount) return false;
  const leaves = leafHashes(content);
  return leaves.length > 0 && bytesEqual(merkleRootOfLeaves(leaves), batch.merkleRoot);
}

/** The signed header of a batch. */
export function headerOf(batch: IndicatorBatch): BatchHeader {
  return {
    deployment: batch.deployment,
    producer: batch.producer,
    sequence: batch.sequence,
    createdAt: batch.createdAt,
    signingKey: batch.signingKey,
    indicatorCount: batch.indicatorCount,
    sightingCount: batch.sightingCount,
    objectCount: batch.objectCount,
    version: batch.version,
    merkleRoot: batch.merkleRoot,
    group: batch.group,
    sealedDigest: batch.sealed ? sealedDigest(batch.sealed) : OPEN_BATCH_DIGEST,
  };
}

/** True when the batch's signature over its header, root and ciphertext verifies under its signing key. */
export function signatureValid(batch: IndicatorBatch): boolean {
  return verifyEd25519(encodeBatchSigningPayload(headerOf(batch)), batch.signature, batch.signingKey);
}

/**
 * Everything needed to prove, on its own, that `batch.producer` signed one indicator: the batch
 * header, the signature, the indicator's Merkle path and, for a sealed batch, its leaf salt
 * (which reveals nothing about the other leaves).
 */
export interface InclusionProof extends BatchHeader {
  indicator: Indicator;
  salt: Uint8Array | undefined;
  signature: Uint8Array;
  proof: MerkleProof;
}

export function inclusionProof(batch: IndicatorBatch, content: BatchContent, index: number): InclusionProof {
  const indicator = content.indicators[index];
  if (!indicator) throw new RangeError(`batch has no indicator at ${index}`);
  return {
    ...headerOf(batch),
    indicator,
    salt: content.salts[index],
    signature: batch.signature,
    proof: merkleProof(leafHashes(content), index),
  };
}

/**
 * Everything needed to prove, on its own, that `batch.producer` signed one version of one STIX
 * object: the batch header, the signature, the object's canonical JSON, its Merkle path and, for a
 * sealed batch, its leaf salt.
 */
export interface ObjectInclusionProof extends BatchHeader {
  object: string;
  salt: Uint8Array | undefined;
  signature: Uint8Array;
  proof: MerkleProof;
}

export function objectInclusionProof(batch: IndicatorBatch, content: BatchContent, objectIndex: number): ObjectInclusionProof {
  const object = content.objects[objectIndex];
  if (object === undefined) throw new RangeError(`batch has no object at ${objectIndex}`);
  const leaf = content.indicators.length + content.sightings.length + objectIndex;
  return { ...headerOf(batch), object, salt: content.salts[leaf], signature: batch.signature, proof: merkleProof(leafHashes(content), leaf) };
}

/** Whether an object proof holds: the signature over its header, and the object's leaf under its root. */
export function verifyObjectInclusionProof(proof: ObjectInclusionProof): boolean {
  const leaf = proof.salt ? concatBytes([encodeObjectCanonical(proof.object), proof.salt]) : encodeObjectCanonical(proof.object);
  return verifyEd25519(encodeBatchSigningPayload(proof), proof.signature, proof.signingKey) && verifyMerkleProof(leaf, proof.proof, proof.merkleRoot);
}
