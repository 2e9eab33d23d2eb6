import { ctiType } from "./proto.js";
import type { AnonymousSighting } from "../model/anonymous-sighting.js";
import { SIGHTING_KINDS, type SightingKind } from "../model/sighting.js";

/**
 * The anonymous sighting on the wire (proto/cti/v1/cti.proto AnonymousSighting). Decoding checks
 * that the bytes are a well-formed message; what it says is checked by anon/anonymous-validation.ts.
 */
const Type = ctiType("AnonymousSighting");

export class AnonymousSightingDecodeError extends Error {
  override readonly name = "AnonymousSightingDecodeError";
}

/** Largest message read: a ring of 1,024 members is 32 KiB of signature. */
export const MAX_ANONYMOUS_SIGHTING_BYTES = 40_000;

const KIND_TO_WIRE: Record<SightingKind, number> = { sighting: 1, "false-positive": 2, expired: 3 };

export function encodeAnonymousSighting(s: AnonymousSighting): Uint8Array {
  return Type.encode(
    Type.fromObject({
      version: s.version,
      deployment: s.deployment,
      indicatorId: Buffer.from(s.indicatorId, "hex"),
      kind: KIND_TO_WIRE[s.kind],
      epoch: s.epoch,
      ringBlock: s.ringBlock,
      observedDay: s.observedDay,
      count: s.count,
      signature: s.signature,
    }),
  ).finish();
}

export function decodeAnonymousSighting(bytes: Uint8Array): AnonymousSighting {
  if (bytes.length > MAX_ANONYMOUS_SIGHTING_BYTES) throw new AnonymousSightingDecodeError(`${bytes.length} bytes: at most ${MAX_ANONYMOUS_SIGHTING_BYTES}`);
  let m: Record<string, unknown>;
  try {
    m = Type.toObject(Type.decode(bytes), { longs: Number, bytes: Uint8Array, defaults: true }) as Record<string, unknown>;
  } catch (err) {
    throw new AnonymousSightingDecodeError(`not an anonymous sighting: ${(err as Error).message}`);
  }
  const kind = SIGHTING_KINDS[(m.kind as number) - 1];
  const indicatorId = m.indicatorId as Uint8Array;
  if (!kind) throw new AnonymousSightingDecodeError("unknown sighting kind");
  if (indicatorId.length !== 32) throw new AnonymousSightingDecodeError("indicatorId is not 32 bytes");
  return {
    version: m.version as number,
    deployment: m.deployment as Uint8Array,
    indicatorId: Buffer.from(indicatorId).toString("hex"),
    kind,
    epoch: m.epoch as number,
    ringBlock: m.ringBlock as number,
    observedDay: m.observedDay as number,
    count: m.count as number,
    signature: m.signature as Uint8Array,
  };
}
