/**
 * anon/anonymous-validation.ts: the checks an anonymous sighting passes before a node counts it,
 * cheapest first, each ending in ACCEPT, REJECT (the message is wrong: the relay that sent it is
 * penalised by gossipsub) or IGNORE (it may be right but cannot count here: a repeat, an indicator
 * not held, a ring this node cannot read yet), with a typed code.
 */
import {
  anonymousReporter,
  anonymousSightingMessage,
  anonymousSightingProblem,
  anonymousSightingScope,
  type AnonymousSighting,
} from "../model/anonymous-sighting.js";
import type { Sighting } from "../model/sighting.js";
import { decodeAnonymousSighting } from "../wire/anonymous-sighting.js";
import { decodeRingSignature, ringVerify, RingSignatureError, type RingSignature } from "../wire/ring-signature.js";
import { ANONYMOUS_INDICATOR_VERSION, anonymousIndicatorMessage, anonymousIndicatorScope, anonymousProducer, isOpenToEveryMember } from "../model/anonymous-indicator.js";
import type { Indicator } from "../model/indicator.js";
import { checkIndicator } from "../model/validate.js";
import { isNormalized } from "../model/normalize.js";
import { encodeIndicatorCanonical } from "../wire/canonical.js";
import { decodeAnonymousIndicator } from "../wire/anonymous-indicator.js";
import type { Ring } from "../chain/ring-keys.js";

export enum AnonymousSightingCode {
  MALFORMED = "MALFORMED",
  WRONG_DEPLOYMENT = "WRONG_DEPLOYMENT",
  BAD_FIELDS = "BAD_FIELDS",
  EPOCH_OUT_OF_RANGE = "EPOCH_OUT_OF_RANGE",
  RING_BLOCK_IN_FUTURE = "RING_BLOCK_IN_FUTURE",
  RING_TOO_OLD = "RING_TOO_OLD",
  RING_UNAVAILABLE = "RING_UNAVAILABLE",
  RING_TOO_SMALL = "RING_TOO_SMALL",
  RING_SIZE_MISMATCH = "RING_SIZE_MISMATCH",
  UNKNOWN_INDICATOR = "UNKNOWN_INDICATOR",
  REPEATED_KEY_IMAGE = "REPEATED_KEY_IMAGE",
  BAD_SIGNATURE = "BAD_SIGNATURE",
  OBSERVED_IN_FUTURE = "OBSERVED_IN_FUTURE",
  NOT_OPEN = "NOT_OPEN",
}

const REJECTED = new Set([AnonymousSightingCode.NOT_OPEN, AnonymousSightingCode.MALFORMED, AnonymousSightingCode.WRONG_DEPLOYMENT, AnonymousSightingCode.BAD_FIELDS, AnonymousSightingCode.RING_SIZE_MISMATCH, AnonymousSightingCode.BAD_SIGNATURE, AnonymousSightingCode.OBSERVED_IN_FUTURE]);

/** Why a statement does not count here, whatever its kind. */
export type AnonymousFailure = { action: "REJECT" | "IGNORE"; code: AnonymousSightingCode; reason: string };

export type AnonymousOutcome = { action: "ACCEPT"; message: AnonymousSighting; sighting: Sighting; keyImage: string; epoch: number } | AnonymousFailure;

export type AnonymousIndicatorOutcome = { action: "ACCEPT"; indicator: Indicator; keyImage: string; epoch: number } | AnonymousFailure;

export interface AnonymousValidationContext {
  deployment: Uint8Array;
  /** The reputation epoch now (undefined: no Reputation contract, so no scope to count in). */
  epoch: number | undefined;
  /** The chain head this node follows. */
  head: number;
  /** Rings older than this many blocks are not read (the state may be pruned, and the ring stale). */
  maxRingAgeBlocks: number;
  /** Smallest ring that hides a member: fewer and "anonymous" means little. */
  minRingSize: number;
  now: number;
  ringAt(block: number): Promise<Ring>;
  /** Whether the indicator is held here and visible to every member (anonymous sightings travel open). */
  indicatorIsOpen(indicatorId: string): Promise<boolean>;
  keyImageSeen(keyImage: string): Promise<boolean>;
}

const fail = (code: AnonymousSightingCode, reason: string): AnonymousFailure => ({ action: REJECTED.has(code) ? "REJECT" : "IGNORE", code, reason });

/** The checks both kinds of anonymous statement share: the epoch, the ring of the stated block, the signature's size. */
async function ringOf(message: { epoch: number; ringBlock: number; signature: Uint8Array }, context: Omit<AnonymousValidationContext, "indicatorIsOpen">): Promise<AnonymousFailure | { ring: Ring; signature: RingSignature }> {
  if (context.epoch === undefined || (message.epoch !== context.epoch && message.epoch !== context.epoch - 1)) {
    return fail(AnonymousSightingCode.EPOCH_OUT_OF_RANGE, `epoch ${message.epoch}; this node counts epoch ${context.epoch ?? "none"} and the one before`);
  }
  if (message.ringBlock > context.head) return fail(AnonymousSightingCode.RING_BLOCK_IN_FUTURE, `ring of block ${message.ringBlock}; this node is at ${context.head}`);
  if (message.ringBlock < context.head - context.maxRingAgeBlocks) return fail(AnonymousSightingCode.RING_TOO_OLD, `ring of block ${message.ringBlock}, more than ${context.maxRingAgeBlocks} blocks old`);
  let ring: Ring;
  try {
    ring = await context.ringAt(message.ringBlock);
  } catch (err) {
    return fail(AnonymousSightingCode.RING_UNAVAILABLE, `cannot read the ring of block ${message.ringBlock}: ${(err as Error).message}`);
  }
  if (ring.keys.length < context.minRingSize) return fail(AnonymousSightingCode.RING_TOO_SMALL, `a ring of ${ring.keys.length}; at least ${context.minRingSize} hide a member`);
  try {
    return { ring, signature: decodeRingSignature(message.signature, ring.keys.length) };
  } catch (err) {
    if (err instanceof RingSignatureError) return fail(AnonymousSightingCode.RING_SIZE_MISMATCH, err.message);
    throw err;
  }
}

export async function validateAnonymousSighting(bytes: Uint8Array, context: AnonymousValidationContext): Promise<AnonymousOutcome> {
  let message: AnonymousSighting;
  try {
    message = decodeAnonymousSighting(bytes);
  } catch (err) {
    return fail(AnonymousSightingCode.MALFORMED, (err as Error).message);
  }
  if (!Buffer.from(message.deployment).equals(Buffer.from(context.deployment))) return fail(AnonymousSightingCode.WRONG_DEPLOYMENT, "signed for another consortium or ledger");
  const problem = anonymousSightingProblem(message);
  if (problem) return fail(AnonymousSightingCode.BAD_FIELDS, problem);
  if (message.observedDay > Math.floor(context.now / 86_400_000) + 1) return fail(AnonymousSightingCode.OBSERVED_IN_FUTURE, "observed after tomorrow");
  const ringed = await ringOf(message, context);
  if ("action" in ringed) return ringed;
  const { ring, signature } = ringed;
  const keyImage = Buffer.from(signature.keyImage).toString("hex");
  if (await context.keyImageSeen(keyImage)) return fail(AnonymousSightingCode.REPEATED_KEY_IMAGE, "this member already sighted the indicator anonymously in this epoch");
  if (!(await context.indicatorIsOpen(message.indicatorId))) return fail(AnonymousSightingCode.UNKNOWN_INDICATOR, "the indicator is not held here, or not shared with every member");
  if (!ringVerify(anonymousSightingMessage(message), ring.keys, anonymousSightingScope(message), signature)) return fail(AnonymousSightingCode.BAD_SIGNATURE, "the ring signature does not verify");
  return {
    action: "ACCEPT",
    message,
    keyImage,
    epoch: message.epoch,
    sighting: {
      indicatorId: message.indicatorId,
      kind: message.kind,
      // The day, not the time: the time could single out the reporter's detectors.
      observedAt: message.observedDay * 86_400_000,
      count: message.count,
      reporter: anonymousReporter(signature.keyImage),
    },
  };
}

/**
 * An anonymous indicator: the same ring checks, then the indicator's (well-formed and normalized,
 * shared with every member: TLP:CLEAR or GREEN, no group, not blinded, no producer named).
 */
export async function validateAnonymousIndicator(bytes: Uint8Array, context: Omit<AnonymousValidationContext, "indicatorIsOpen">): Promise<AnonymousIndicatorOutcome> {
  let message;
  try {
    message = decodeAnonymousIndicator(bytes);
  } catch (err) {
    return fail(AnonymousSightingCode.MALFORMED, (err as Error).message);
  }
  if (!Buffer.from(message.deployment).equals(Buffer.from(context.deployment))) return fail(AnonymousSightingCode.WRONG_DEPLOYMENT, "signed for another consortium or ledger");
  if (message.version !== ANONYMOUS_INDICATOR_VERSION) return fail(AnonymousSightingCode.BAD_FIELDS, `version ${message.version} is not read here`);
  const indicator = message.indicator;
  try {
    // Every rule of a member's statement but the producer's name, which it has none of.
    checkIndicator({ ...indicator, producer: "anonymous" });
  } catch (err) {
    return fail(AnonymousSightingCode.BAD_FIELDS, (err as Error).message);
  }
  if (!isNormalized(indicator.type, indicator.value)) return fail(AnonymousSightingCode.BAD_FIELDS, "the value is not in normalized form");
  if (indicator.producer !== "") return fail(AnonymousSightingCode.BAD_FIELDS, "an anonymous indicator names no producer");
  if (!isOpenToEveryMember(indicator)) {
    return fail(AnonymousSightingCode.NOT_OPEN, "an anonymous indicator is shared with every member: TLP:CLEAR or GREEN, no group, not blinded");
  }
  const ringed = await ringOf(message, context);
  if ("action" in ringed) return ringed;
  const { ring, signature } = ringed;
  const keyImage = Buffer.from(signature.keyImage).toString("hex");
  if (await context.keyImageSeen(keyImage)) return fail(AnonymousSightingCode.REPEATED_KEY_IMAGE, "this member already stated the value anonymously in this epoch");
  const signed = anonymousIndicatorMessage(message, encodeIndicatorCanonical(indicator));
  if (!ringVerify(signed, ring.keys, anonymousIndicatorScope(message), signature)) return fail(AnonymousSightingCode.BAD_SIGNATURE, "the ring signature does not verify");
  return { action: "ACCEPT", indicator: { ...indicator, producer: anonymousProducer(signature.keyImage) }, keyImage, epoch: message.epoch };
}
