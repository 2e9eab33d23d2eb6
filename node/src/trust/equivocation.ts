import { headerOf, type IndicatorBatch } from "../wire/batch.js";
import { bytesEqual, fromHex, toHex } from "../wire/bytes.js";
import { encodeBatchSigningPayload, type BatchHeader } from "../wire/canonical.js";
import { verifyEd25519 } from "../wire/signature.js";

/**
 * Evidence that a producer signed two different batches with one sequence number: both signed
 * headers. Anyone can check it with nothing but the producer's key, so a node can hand it to
 * governance (a suspension proposal) without being trusted. A relay that forwarded one of them did
 * nothing wrong and is never penalised for it (gossip/errors.ts).
 */
export interface SignedHeaderJson {
  deployment: string;
  producer: string;
  sequence: number;
  createdAt: number;
  signingKey: string;
  indicatorCount: number;
  sightingCount: number;
  merkleRoot: string;
  group: number;
  sealedDigest: string;
  /** Present for a version 3 batch (the signature covers them). */
  objectCount?: number;
  version?: number;
  signature: string;
}

export interface EquivocationEvidence {
  producer: string;
  sequence: number;
  /** When this node found it (Unix ms), and the peer that sent the second batch. */
  detectedAt: number;
  from: string;
  first: SignedHeaderJson;
  second: SignedHeaderJson;
}

export function signedHeaderOf(batch: IndicatorBatch): SignedHeaderJson {
  const h = headerOf(batch);
  return {
    deployment: toHex(h.deployment),
    producer: h.producer,
    sequence: h.sequence,
    createdAt: h.createdAt,
    signingKey: toHex(h.signingKey),
    indicatorCount: h.indicatorCount,
    sightingCount: h.sightingCount,
    merkleRoot: toHex(h.merkleRoot),
    group: h.group,
    sealedDigest: toHex(h.sealedDigest),
    ...(h.version !== undefined && h.version >= 3 ? { objectCount: h.objectCount ?? 0, version: h.version } : {}),
    signature: toHex(batch.signature),
  };
}

function headerFromJson(json: SignedHeaderJson): { header: BatchHeader; signature: Uint8Array } {
  const { signature, ...rest } = json;
  return {
    header: { ...rest, deployment: fromHex(rest.deployment), signingKey: fromHex(rest.signingKey), merkleRoot: fromHex(rest.merkleRoot), sealedDigest: fromHex(rest.sealedDigest) },
    signature: fromHex(signature),
  };
}

/**
 * Whether the evidence proves equivocation by the holder of `signingKey`: both headers name the
 * same producer, sequence and deployment, differ in what they commit to, and carry a valid
 * signature by that key. Pure.
 */
export function provesEquivocation(evidence: Pick<EquivocationEvidence, "first" | "second">, signingKey: Uint8Array): boolean {
  try {
    const a = headerFromJson(evidence.first);
    const b = headerFromJson(evidence.second);
    const same = a.header.producer === b.header.producer && a.header.sequence === b.header.sequence && bytesEqual(a.header.deployment, b.header.deployment);
    const differ = !bytesEqual(a.header.merkleRoot, b.header.merkleRoot) || !bytesEqual(a.header.sealedDigest, b.header.sealedDigest);
    const signed = (x: typeof a) => bytesEqual(x.header.signingKey, signingKey) && verifyEd25519(encodeBatchSigningPayload(x.header), x.signature, signingKey);
    return same && differ && signed(a) && signed(b);
  } catch {
    return false;
  }
}
