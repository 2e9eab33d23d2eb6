import protobuf from "protobufjs";
import { ctiType } from "./proto.js";
import { isIndicatorType, isTlp, type Indicator, type IndicatorType, type Tlp } from "../model/indicator.js";
import { SIGHTING_KINDS, type Sighting, type SightingKind } from "../model/sighting.js";
import type { BatchContent, IndicatorBatch } from "./batch.js";
import type { SealedPayload } from "./sealed.js";

/**
 * The protobuf envelope (proto/cti/v1/cti.proto). Decoding only checks that the bytes are a
 * well-formed message with known enum values; what the fields mean is checked by the gossip
 * validation pipeline.
 */

const BatchType = ctiType("IndicatorBatch");
const SealedContentType = ctiType("SealedContent");

/** Names of the proto's IndicatorType values (the stored record format uses the same enum). */
export const TYPE_TO_WIRE: Record<IndicatorType, string> = {
  ipv4: "IPV4",
  ipv6: "IPV6",
  cidr: "CIDR",
  domain: "DOMAIN",
  url: "URL",
  email: "EMAIL",
  md5: "MD5",
  sha1: "SHA1",
  sha256: "SHA256",
  sha512: "SHA512",
  ssdeep: "SSDEEP",
  tlsh: "TLSH",
  ja3: "JA3",
  ja3s: "JA3S",
  ja4: "JA4",
  asn: "ASN",
  "user-agent": "USER_AGENT",
  filename: "FILENAME",
  mutex: "MUTEX",
  "registry-key": "REGISTRY_KEY",
  cve: "CVE",
  "x509-md5": "X509_MD5",
  "x509-sha1": "X509_SHA1",
  "x509-sha256": "X509_SHA256",
};
const WIRE_TO_TYPE = new Map(Object.entries(TYPE_TO_WIRE).map(([k, v]) => [v, k as IndicatorType]));
const KIND_TO_WIRE: Record<SightingKind, string> = { sighting: "SIGHTING", "false-positive": "FALSE_POSITIVE", expired: "EXPIRED" };
const WIRE_TO_KIND = new Map(SIGHTING_KINDS.map((k) => [KIND_TO_WIRE[k], k]));
export const tlpToWire = (tlp: Tlp) => tlp.replace("+", "_");
// An enum value this version does not know decodes as its number: it maps to no TLP.
const wireToTlp = (name: unknown) => (typeof name === "string" ? name.replace("_", "+") : "");

export class WireDecodeError extends Error {
  override readonly name = "WireDecodeError";
}

export function indicatorToWire(i: Indicator) {
  return {
    type: TYPE_TO_WIRE[i.type],
    value: i.value,
    tlp: tlpToWire(i.tlp),
    confidence: i.confidence,
    validFrom: i.validFrom,
    validUntil: i.validUntil,
    labels: i.labels,
    producer: i.producer,
    createdAt: i.createdAt,
    group: i.group,
    blinded: i.blinded,
    description: i.description,
  };
}

function sightingToWire(s: Sighting) {
  return { indicatorId: s.indicatorId, kind: KIND_TO_WIRE[s.kind], observedAt: s.observedAt, count: s.count, reporter: s.reporter };
}

export function encodeBatch(batch: IndicatorBatch): Uint8Array {
  const message = BatchType.fromObject({
    version: batch.version,
    deployment: batch.deployment,
    producer: batch.producer,
    sequence: batch.sequence,
    createdAt: batch.createdAt,
    signingKey: batch.signingKey,
    merkleRoot: batch.merkleRoot,
    signature: batch.signature,
    group: batch.group,
    indicatorCount: batch.indicatorCount,
    sightingCount: batch.sightingCount,
    objectCount: batch.objectCount,
    indicators: batch.indicators.map(indicatorToWire),
    sightings: batch.sightings.map(sightingToWire),
    objects: batch.objects.map((json) => ({ json })),
    sealed: batch.sealed,
  });
  return BatchType.encode(message).finish();
}

export function encodeSealedContent(content: BatchContent): Uint8Array {
  const message = SealedContentType.fromObject({
    indicators: content.indicators.map(indicatorToWire),
    salts: content.salts,
    blindingKey: content.blindingKey ?? new Uint8Array(),
    sightings: content.sightings.map(sightingToWire),
    objects: content.objects.map((json) => ({ json })),
  });
  return SealedContentType.encode(message).finish();
}

export interface DecodedIndicator {
  type: string;
  value: string;
  tlp: string;
  confidence: number;
  validFrom: number;
  validUntil: number;
  labels?: { malwareFamilies: string[]; attackTechniques: string[]; tags: string[] };
  producer: string;
  createdAt: number;
  group: number;
  blinded: boolean;
  description: string;
}

interface DecodedSealed {
  ephemeralKey: Uint8Array;
  nonce: Uint8Array;
  ciphertext: Uint8Array;
  recipients: Array<{ org: string; wrappedKey: Uint8Array }>;
}

function toUint8Array(value: unknown): Uint8Array {
  return value instanceof Uint8Array ? new Uint8Array(value.buffer, value.byteOffset, value.byteLength) : new Uint8Array();
}

export function indicatorsFromWire(raws: DecodedIndicator[]): Indicator[] {
  return raws.map((raw, index): Indicator => {
    const type = WIRE_TO_TYPE.get(raw.type);
    const tlp = wireToTlp(raw.tlp);
    if (!type || !isIndicatorType(type)) throw new WireDecodeError(`indicator ${index}: unknown type ${raw.type}`);
    if (!isTlp(tlp)) throw new WireDecodeError(`indicator ${index}: unknown TLP ${raw.tlp}`);
    return {
      type,
      value: raw.value,
      tlp,
      confidence: raw.confidence,
      validFrom: raw.validFrom,
      validUntil: raw.validUntil,
      labels: {
        malwareFamilies: raw.labels?.malwareFamilies ?? [],
        attackTechniques: raw.labels?.attackTechniques ?? [],
        tags: raw.labels?.tags ?? [],
      },
      description: raw.description,
      group: raw.group,
      blinded: raw.blinded,
      producer: raw.producer,
      createdAt: raw.createdAt,
    };
  });
}

interface DecodedSighting {
  indicatorId: string;
  kind: string;
  observedAt: number;
  count: number;
  reporter: string;
}

function sightingsFromWire(raws: DecodedSighting[]): Sighting[] {
  return raws.map((raw, index) => {
    const kind = WIRE_TO_KIND.get(raw.kind);
    if (!kind) throw new WireDecodeError(`sighting ${index}: unknown kind ${raw.kind}`);
    return { indicatorId: raw.indicatorId, kind, observedAt: raw.observedAt, count: raw.count, reporter: raw.reporter };
  });
}

function objectsFromWire(raws: Array<{ json: string }>): string[] {
  return raws.map((raw) => raw.json);
}

function sealedFromWire(raw: DecodedSealed | null | undefined): SealedPayload | undefined {
  if (!raw) return undefined;
  return {
    ephemeralKey: toUint8Array(raw.ephemeralKey),
    nonce: toUint8Array(raw.nonce),
    ciphertext: toUint8Array(raw.ciphertext),
    recipients: raw.recipients.map((r) => ({ org: r.org, wrappedKey: toUint8Array(r.wrappedKey) })),
  };
}

const TO_OBJECT = { enums: String, longs: Number, defaults: true, arrays: true } as const;

export function decodeBatch(bytes: Uint8Array): IndicatorBatch {
  let object: Record<string, unknown>;
  try {
    object = BatchType.toObject(BatchType.decode(bytes), TO_OBJECT);
  } catch (err) {
    throw new WireDecodeError(`not an IndicatorBatch: ${(err as Error).message}`);
  }
  // An absent `sealed` decodes as null: the batch is open.
  return {
    version: object.version as number,
    deployment: toUint8Array(object.deployment),
    producer: object.producer as string,
    sequence: object.sequence as number,
    createdAt: object.createdAt as number,
    signingKey: toUint8Array(object.signingKey),
    group: object.group as number,
    indicatorCount: object.indicatorCount as number,
    sightingCount: object.sightingCount as number,
    objectCount: object.objectCount as number,
    indicators: indicatorsFromWire(object.indicators as DecodedIndicator[]),
    sightings: sightingsFromWire(object.sightings as DecodedSighting[]),
    objects: objectsFromWire(object.objects as Array<{ json: string }>),
    sealed: sealedFromWire(object.sealed as DecodedSealed | null | undefined),
    merkleRoot: toUint8Array(object.merkleRoot),
    signature: toUint8Array(object.signature),
  };
}

export function decodeSealedContent(bytes: Uint8Array): BatchContent {
  let object: Record<string, unknown>;
  try {
    object = SealedContentType.toObject(SealedContentType.decode(bytes), TO_OBJECT);
  } catch (err) {
    throw new WireDecodeError(`not a SealedContent: ${(err as Error).message}`);
  }
  const blindingKey = toUint8Array(object.blindingKey);
  return {
    indicators: indicatorsFromWire(object.indicators as DecodedIndicator[]),
    sightings: sightingsFromWire(object.sightings as DecodedSighting[]),
    objects: objectsFromWire(object.objects as Array<{ json: string }>),
    salts: (object.salts as Uint8Array[]).map(toUint8Array),
    blindingKey: blindingKey.length > 0 ? blindingKey : undefined,
  };
}

/** Whether `bytes` are exactly what this node encodes `batch` to: no padding, no unknown field, no other field order. */
export function isCanonicalEncoding(bytes: Uint8Array, batch: IndicatorBatch): boolean {
  const canonical = encodeBatch(batch);
  return canonical.length === bytes.length && Buffer.compare(canonical, bytes) === 0;
}

/**
 * What the cheap checks need of a batch, read without decoding its indicators and sightings: the
 * header fields, the sealed payload (small: a ciphertext and the key wraps), how many entries the
 * two repeated fields hold, and the field numbers this version does not know. A crafted message
 * of a megabyte costs a walk over its bytes here, not the allocation of a million objects.
 */
export interface BatchHeaderView {
  version: number;
  deployment: Uint8Array;
  producer: string;
  sequence: number;
  createdAt: number;
  signingKey: Uint8Array;
  merkleRoot: Uint8Array;
  signature: Uint8Array;
  group: number;
  indicatorCount: number;
  sightingCount: number;
  objectCount: number;
  sealed: SealedPayload | undefined;
  indicatorEntries: number;
  sightingEntries: number;
  objectEntries: number;
  unknownFields: number[];
}

const SealedType = ctiType("Sealed");
const VARINT = 0;
const LENGTH_DELIMITED = 2;
/** The wire type of each field of IndicatorBatch this version knows. */
const FIELD_WIRE_TYPES = new Map([
  [1, VARINT],
  [2, LENGTH_DELIMITED],
  [3, VARINT],
  [4, VARINT],
  [5, LENGTH_DELIMITED],
  [6, LENGTH_DELIMITED],
  [7, LENGTH_DELIMITED],
  [8, LENGTH_DELIMITED],
  [9, VARINT],
  [10, VARINT],
  [11, LENGTH_DELIMITED],
  [12, LENGTH_DELIMITED],
  [13, VARINT],
  [14, LENGTH_DELIMITED],
  [15, LENGTH_DELIMITED],
  [16, VARINT],
]);

// protobufjs reads 64-bit fields as a Long when the long package is there, else as a number.
const asNumber = (value: unknown) => (typeof value === "number" ? value : (value as { toNumber(): number }).toNumber());

export function decodeBatchHeader(bytes: Uint8Array): BatchHeaderView {
  const view: BatchHeaderView = {
    version: 0,
    deployment: new Uint8Array(),
    producer: "",
    sequence: 0,
    createdAt: 0,
    signingKey: new Uint8Array(),
    merkleRoot: new Uint8Array(),
    signature: new Uint8Array(),
    group: 0,
    indicatorCount: 0,
    sightingCount: 0,
    objectCount: 0,
    sealed: undefined,
    indicatorEntries: 0,
    sightingEntries: 0,
    objectEntries: 0,
    unknownFields: [],
  };
  try {
    const reader = protobuf.Reader.create(bytes);
    while (reader.pos < reader.len) {
      const tag = reader.uint32();
      const field = tag >>> 3;
      const wireType = tag & 7;
      const expected = FIELD_WIRE_TYPES.get(field);
      if (expected === undefined) {
        view.unknownFields.push(field);
        reader.skipType(wireType);
        continue;
      }
      if (wireType !== expected) throw new WireDecodeError(`field ${field} has wire type ${wireType}, not ${expected}`);
      switch (field) {
        case 1: view.version = reader.uint32(); break;
        case 2: view.producer = reader.string(); break;
        case 3: view.sequence = asNumber(reader.uint64()); break;
        case 4: view.createdAt = asNumber(reader.uint64()); break;
        case 5: view.signingKey = toUint8Array(reader.bytes()); break;
        case 6: view.indicatorEntries++; reader.skipType(wireType); break;
        case 7: view.merkleRoot = toUint8Array(reader.bytes()); break;
        case 8: view.signature = toUint8Array(reader.bytes()); break;
        case 9: view.group = asNumber(reader.uint64()); break;
        case 10: view.indicatorCount = reader.uint32(); break;
        case 11: view.sealed = sealedFromWire(SealedType.toObject(SealedType.decode(reader, reader.uint32()), TO_OBJECT) as DecodedSealed); break;
        case 12: view.sightingEntries++; reader.skipType(wireType); break;
        case 13: view.sightingCount = reader.uint32(); break;
        case 14: view.deployment = toUint8Array(reader.bytes()); break;
        case 15: view.objectEntries++; reader.skipType(wireType); break;
        case 16: view.objectCount = reader.uint32(); break;
      }
    }
  } catch (err) {
    if (err instanceof WireDecodeError) throw err;
    throw new WireDecodeError(`not an IndicatorBatch: ${(err as Error).message}`);
  }
  return view;
}
