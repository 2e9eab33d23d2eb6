import { fileURLToPath } from "node:url";
import protobuf from "protobufjs";
import { isIndicatorType, isTlp, type Indicator, type IndicatorType, type Tlp } from "../model/indicator.js";
import type { IndicatorBatch } from "./batch.js";

/**
 * The protobuf envelope (proto/cti/v1/cti.proto). Decoding only checks that the bytes are a
 * well-formed message with known enum values; what the fields mean is checked by the gossip
 * validation pipeline.
 */

const PROTO_PATH = fileURLToPath(new URL("../../../proto/cti/v1/cti.proto", import.meta.url));
const root = protobuf.loadSync(PROTO_PATH);
const BatchType = root.lookupType("cti.v1.IndicatorBatch");

const TYPE_TO_WIRE: Record<IndicatorType, string> = {
  ipv4: "IPV4",
  ipv6: "IPV6",
  cidr: "CIDR",
  domain: "DOMAIN",
  url: "URL",
  email: "EMAIL",
  md5: "MD5",
  sha1: "SHA1",
  sha256: "SHA256",
};
const WIRE_TO_TYPE = new Map(Object.entries(TYPE_TO_WIRE).map(([k, v]) => [v, k as IndicatorType]));
const tlpToWire = (tlp: Tlp) => tlp.replace("+", "_");
const wireToTlp = (name: string) => name.replace("_", "+");

export class WireDecodeError extends Error {
  override readonly name = "WireDecodeError";
}

export function encodeBatch(batch: IndicatorBatch): Uint8Array {
  const message = BatchType.fromObject({
    version: batch.version,
    producer: batch.producer,
    sequence: batch.sequence,
    createdAt: batch.createdAt,
    signingKey: batch.signingKey,
    merkleRoot: batch.merkleRoot,
    signature: batch.signature,
    indicators: batch.indicators.map((i) => ({
      type: TYPE_TO_WIRE[i.type],
      value: i.value,
      tlp: tlpToWire(i.tlp),
      confidence: i.confidence,
      validFrom: i.validFrom,
      validUntil: i.validUntil,
      labels: i.labels,
      producer: i.producer,
      createdAt: i.createdAt,
    })),
  });
  return BatchType.encode(message).finish();
}

interface DecodedIndicator {
  type: string;
  value: string;
  tlp: string;
  confidence: number;
  validFrom: number;
  validUntil: number;
  labels?: { malwareFamilies: string[]; attackTechniques: string[]; tags: string[] };
  producer: string;
  createdAt: number;
}

function toUint8Array(value: unknown): Uint8Array {
  return value instanceof Uint8Array ? new Uint8Array(value.buffer, value.byteOffset, value.byteLength) : new Uint8Array();
}

export function decodeBatch(bytes: Uint8Array): IndicatorBatch {
  let object: Record<string, unknown>;
  try {
    object = BatchType.toObject(BatchType.decode(bytes), { enums: String, longs: Number, defaults: true, arrays: true });
  } catch (err) {
    throw new WireDecodeError(`not an IndicatorBatch: ${(err as Error).message}`);
  }
  const indicators = (object.indicators as DecodedIndicator[]).map((raw, index): Indicator => {
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
      producer: raw.producer,
      createdAt: raw.createdAt,
    };
  });
  return {
    version: object.version as number,
    producer: object.producer as string,
    sequence: object.sequence as number,
    createdAt: object.createdAt as number,
    signingKey: toUint8Array(object.signingKey),
    indicators,
    merkleRoot: toUint8Array(object.merkleRoot),
    signature: toUint8Array(object.signature),
  };
}
