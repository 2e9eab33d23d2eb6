import type { Indicator, IndicatorType, Tlp } from "../model/indicator.js";
import type { Sighting, SightingKind } from "../model/sighting.js";

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
  sha512: 10,
  ssdeep: 11,
  tlsh: 12,
  ja3: 13,
  ja3s: 14,
  ja4: 15,
  asn: 16,
  "user-agent": 17,
  filename: 18,
  mutex: 19,
  "registry-key": 20,
  cve: 21,
  "x509-md5": 22,
  "x509-sha1": 23,
  "x509-sha256": 24,
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
const OBJECT_TAG = "cti-exchange/stix-object/v1";
// v2 signs the deployment too (wire/deployment.ts); v1 payloads are never accepted.
const BATCH_TAG = "cti-exchange/batch/v2";
// v3: a batch with STIX objects, whose number the signature covers too.
const BATCH_TAG_WITH_OBJECTS = "cti-exchange/batch/v3";
const encoder = new TextEncoder();

/**
 * Writes into one growing buffer: the receive path encodes every leaf of every batch to check
 * its Merkle root, and a part per field (the first version) cost more in allocation and garbage
 * collection than the hashing itself (see node/bench/ingest.bench.ts).
 */
export class CanonicalWriter {
  private buffer: Uint8Array;
  private view: DataView;
  private length = 0;

  constructor(initialSize = 256) {
    this.buffer = new Uint8Array(initialSize);
    this.view = new DataView(this.buffer.buffer);
  }

  private reserve(extra: number): void {
    const needed = this.length + extra;
    if (needed <= this.buffer.length) return;
    const grown = new Uint8Array(Math.max(needed, this.buffer.length * 2));
    grown.set(this.buffer.subarray(0, this.length));
    this.buffer = grown;
    this.view = new DataView(grown.buffer);
  }

  tag(tag: string): this {
    return this.string(tag);
  }

  // Every writer refuses a value its width cannot hold: a signed encoding that wraps (306 written
  // as 50) would let two statements share one signature.
  u8(n: number): this {
    if (!Number.isInteger(n) || n < 0 || n > 0xff) throw new RangeError(`${n} is not a u8 this encoder can write`);
    this.reserve(1);
    this.buffer[this.length++] = n;
    return this;
  }

  u32(n: number): this {
    if (!Number.isInteger(n) || n < 0 || n > 0xffffffff) throw new RangeError(`${n} is not a u32 this encoder can write`);
    this.reserve(4);
    this.view.setUint32(this.length, n);
    this.length += 4;
    return this;
  }

  u64(n: number): this {
    if (!Number.isSafeInteger(n) || n < 0) throw new RangeError(`${n} is not a u64 this encoder can write`);
    this.reserve(8);
    this.view.setUint32(this.length, Math.floor(n / 2 ** 32));
    this.view.setUint32(this.length + 4, n >>> 0);
    this.length += 8;
    return this;
  }

  string(s: string): this {
    // A UTF-8 string is at most 3 bytes per UTF-16 code unit.
    this.reserve(4 + s.length * 3);
    const { written } = encoder.encodeInto(s, this.buffer.subarray(this.length + 4));
    this.view.setUint32(this.length, written);
    this.length += 4 + written;
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
    return this.bytes(b);
  }

  bytes(b: Uint8Array): this {
    this.reserve(b.length);
    this.buffer.set(b, this.length);
    this.length += b.length;
    return this;
  }

  finish(): Uint8Array {
    return this.buffer.slice(0, this.length);
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

/**
 * The canonical bytes of one STIX object version: a Merkle leaf of its batch, after the
 * sightings. `json` is already in RFC 8785 form (wire/canonical-json.ts), one string for one object.
 */
export function encodeObjectCanonical(json: string): Uint8Array {
  // Sized for the worst case at once (3 bytes per UTF-16 unit): growing it meant a second copy of every object.
  return new CanonicalWriter(json.length * 3 + 64).tag(OBJECT_TAG).string(json).finish();
}

export interface BatchHeader {
  /** The deployment the batch belongs to (wire/deployment.ts), 32 bytes. */
  deployment: Uint8Array;
  producer: string;
  sequence: number;
  createdAt: number;
  signingKey: Uint8Array;
  indicatorCount: number;
  sightingCount: number;
  /** STIX objects (version 3); absent or 0 for a batch without. */
  objectCount?: number;
  /**
   * The batch's wire version; absent reads as 2. Version 3 signs its own tag and its object
   * count (0 or more): the version is covered, so no relay can relabel a batch of one version as
   * the other (a fuzz case found a version 3 batch without objects signing version 2's bytes).
   */
  version?: number;
  merkleRoot: Uint8Array;
  /** Sharing group of a sealed batch; 0 for an open one. */
  group: number;
  /** SHA-256 of the canonical encoding of the sealed body; 32 zero bytes for an open batch. */
  sealedDigest: Uint8Array;
}

/**
 * The bytes a producer signs for a batch: the deployment, its header, the Merkle root of its
 * plaintext indicators and sightings (recipients check it after decrypting) and the digest of
 * its ciphertext (relays check it before forwarding).
 */
export function encodeBatchSigningPayload(header: BatchHeader): Uint8Array {
  if (header.deployment.length !== 32) throw new RangeError("a batch header names its deployment in 32 bytes");
  const objectCount = header.objectCount ?? 0;
  const version3 = objectCount > 0 || (header.version ?? 2) >= 3;
  // A version 2 batch signs exactly what version 2 signed: nodes not upgraded verify it.
  const writer = new CanonicalWriter()
    .tag(version3 ? BATCH_TAG_WITH_OBJECTS : BATCH_TAG)
    .bytes(header.deployment)
    .string(header.producer)
    .u64(header.sequence)
    .u64(header.createdAt)
    .bytes(header.signingKey)
    .u32(header.indicatorCount)
    .u32(header.sightingCount);
  if (version3) writer.u32(objectCount);
  return writer
    .bytes(header.merkleRoot)
    .u64(header.group)
    .bytes(header.sealedDigest)
    .finish();
}
