import { ctiType } from "./proto.js";
import type { AnonymousIndicator } from "../model/anonymous-indicator.js";
import { indicatorsFromWire, indicatorToWire, type DecodedIndicator } from "./codec.js";

/** The anonymous indicator on the wire (proto/cti/v1/cti.proto AnonymousIndicator); its meaning is checked by anon/anonymous-validation.ts. */
const Type = ctiType("AnonymousIndicator");

export class AnonymousIndicatorDecodeError extends Error {
  override readonly name = "AnonymousIndicatorDecodeError";
}

export const MAX_ANONYMOUS_INDICATOR_BYTES = 48_000;

export function encodeAnonymousIndicator(m: AnonymousIndicator): Uint8Array {
  return Type.encode(Type.fromObject({ version: m.version, deployment: m.deployment, epoch: m.epoch, ringBlock: m.ringBlock, indicator: indicatorToWire(m.indicator), signature: m.signature })).finish();
}

export function decodeAnonymousIndicator(bytes: Uint8Array): AnonymousIndicator {
  if (bytes.length > MAX_ANONYMOUS_INDICATOR_BYTES) throw new AnonymousIndicatorDecodeError(`${bytes.length} bytes: at most ${MAX_ANONYMOUS_INDICATOR_BYTES}`);
  let m: Record<string, unknown>;
  try {
    m = Type.toObject(Type.decode(bytes), { longs: Number, bytes: Uint8Array, enums: String, defaults: true }) as Record<string, unknown>;
  } catch (err) {
    throw new AnonymousIndicatorDecodeError(`not an anonymous indicator: ${(err as Error).message}`);
  }
  if (!m.indicator) throw new AnonymousIndicatorDecodeError("no indicator");
  let indicator;
  try {
    [indicator] = indicatorsFromWire([m.indicator as DecodedIndicator]);
  } catch (err) {
    throw new AnonymousIndicatorDecodeError((err as Error).message);
  }
  return { version: m.version as number, deployment: m.deployment as Uint8Array, epoch: m.epoch as number, ringBlock: m.ringBlock as number, indicator: indicator!, signature: m.signature as Uint8Array };
}
