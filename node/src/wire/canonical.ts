import type { Indicator, IndicatorType, Tlp } from "../model/indicator.js";
import type { Sighting, SightingKind } from "../model/sighting.js";
import { concatBytes } from "./bytes.js";

/**
 * wire/ owns the bytes: canonical encodings that signatures cover, Merkle proofs, signatures
 * and the protobuf envelope. Canonical encoding is deliberately not protobuf: protobuf allows
 * several encodings of one message, a signature needs exactly one.
 *
 * Layout (big-endian): a domain tag, then every field in a fixed order; strings are a u32 byte
 * length then UTF-8; lists are a u32 count then their strings; times are u64 milliseconds.
 */

export const TYPE_CODES: Record<IndicatorType, number> = {
  ipv4: 1,
  ipv6: 2,
  cidr: 3,
  domain: 4,
  url: 5,
  email: 6,
  md5: 7,
  sha1: 8,
  sha256: 9,
};

export const TLP_CODES: Record<Tlp, number> = {
  CLEAR: 1,
  GREEN: 2,
  AMBER: 3,
  "AMBER+STRICT": 4,
  RED: 5,
};

export const SIGHTING_KIND_CODES: Record<SightingKind, number> = {
  sighting: 1,
  "false-positive": 2,
  expired: 3,
};

const INDICATOR_TAG = "cti-exchange/indicator/v1";
const SIGHTING_TAG = "cti-exchange/sighting/v1";
const BATCH_TAG = "cti-exchange/batch/v1";
const encoder = new TextEncoder();

export class CanonicalWriter {
  private readonly parts: Uint8Array[] = [];

  tag(tag: string): this {
    return this.string(tag);
  }

  u8(n: number): this {
    this.parts.push(Uint8Array.of(n));
    return this;
  }

  u32(n: number): this {
    const b = new Uint8Array(4);
    new DataView(b.buffer).setUint32(0, n);
    this.parts.push(b);
    return this;
  }

  u64(n: number): this {
    const b = new Uint8Array(8);
    new DataView(b.buffer).setBigUint64(0, BigInt(n));
    this.parts.push(b);
    return this;
  }

  string(s: string): this {
    const bytes = encoder.encode(s);
    this.u32(bytes.length);
    this.parts.push(bytes);
    return this;
  }

  strings(list: string[]): this {
    this.u32(list.length);
    for (const s of list) this.string(s);
    return this;
  }

  /** A variable-length byte string: u32 length then the bytes. */
  blob(b: Uint8Array): this {
    this.u32(b.length);
    this.parts.push(b);
    return this;
  }

  bytes(b: Uint8Array): this {
    this.parts.push(b);
    return this;
  }

  finish(): Uint8Array {
    return concatBytes(this.parts);
  }
}

/** The canonical bytes of one indicator: a Merkle leaf of its batch. */
export function encodeIndicatorCanonical(indicator: Indicator): Uint8Array {
  return new CanonicalWriter()
    .tag(INDICATOR_TAG)
    .u8(TYPE_CODES[indicator.type])
    .string(indicator.value)
    .u8(TLP_CODES[indicator.tlp])
    .u8(indicator.confidence)
    .u64(indicator.validFrom)
    .u64(indicator.validUntil)
    .strings(indicator.labels.malwareFamilies)
    .strings(indicator.labels.attackTechniques)
    .strings(indicator.labels.tags)
    .string(indicator.description)
    .u64(indicator.group)
    .u8(indicator.blinded ? 1 : 0)
    .string(indicator.producer)
    .u64(indicator.createdAt)
    .finish();
}

/** The canonical bytes of one sighting: a Merkle leaf of its batch, after the indicators. */
export function encodeSightingCanonical(sighting: Sighting): Uint8Array {
  return new CanonicalWriter()
    .tag(SIGHTING_TAG)
    .string(sighting.indicatorId)
    .u8(SIGHTING_KIND_CODES[sighting.kind])
    .u64(sighting.observedAt)
    .u32(sighting.count)
    .string(sighting.reporter)
    .finish();
}

export interface BatchHeader {
  producer: string;
  sequence: number;
  createdAt: number;
  signingKey: Uint8Array;
  indicatorCount: number;
  sightingCount: number;
  merkleRoot: Uint8Array;
  /** Sharing group of a sealed batch; 0 for an open one. */
  group: number;
  /** SHA-256 of the canonical encoding of the sealed body; 32 zero bytes for an open batch. */
  sealedDigest: Uint8Array;
}

/**
 * The bytes a producer signs for a batch: its header, the Merkle root of its plaintext
 * indicators and sightings (recipients check it after decrypting) and the digest of its ciphertext (relays
 * check it before forwarding).
 */
export function encodeBatchSigningPayload(header: BatchHeader): Uint8Array {
  return new CanonicalWriter()
    .tag(BATCH_TAG)
    .string(header.producer)
    .u64(header.sequence)
    .u64(header.createdAt)
    .bytes(header.signingKey)
    .u32(header.indicatorCount)
    .u32(header.sightingCount)
    .bytes(header.merkleRoot)
    .u64(header.group)
    .bytes(header.sealedDigest)
    .finish();
}
