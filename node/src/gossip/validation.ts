import { InvalidIndicatorError } from "../model/errors.js";
import { indicatorId } from "../model/indicator-id.js";
import { checkIndicator, isCanonical } from "../model/validate.js";
import { WIRE_VERSION, leafHashes, rootMatches, signatureValid, type IndicatorBatch } from "../wire/batch.js";
import { bytesEqual } from "../wire/bytes.js";
import { decodeBatch } from "../wire/codec.js";
import { SIGNATURE_LENGTH, SIGNING_KEY_LENGTH } from "../wire/signature.js";
import { IndicatorBatchError, IndicatorBatchErrorCode as Code } from "./errors.js";

export interface BatchLimits {
  maxBytes: number;
  maxIndicators: number;
  /** How far in the future a batch's or indicator's creation time may be. */
  maxClockSkewMs: number;
}

export const DEFAULT_BATCH_LIMITS: BatchLimits = {
  maxBytes: 1024 * 1024,
  maxIndicators: 1000,
  maxClockSkewMs: 60_000,
};

/** What the pipeline needs to know about a producer, from the chain. */
export interface ProducerView {
  orgId: string;
  active: boolean;
  signingKey: Uint8Array;
}

export interface BatchValidationContext {
  now: number;
  limits: BatchLimits;
  producer(orgId: string): ProducerView | undefined;
  /** Merkle root of the batch already stored under (producer, sequence), if any. */
  knownRoot(producer: string, sequence: number): Promise<Uint8Array | undefined>;
}

export interface ValidatedBatch {
  batch: IndicatorBatch;
  bytes: Uint8Array;
  /** Indexes of the indicators still valid now; expired ones are kept in the batch but not merged. */
  liveIndexes: number[];
}

function fail(code: Code, message: string): never {
  throw new IndicatorBatchError(code, message);
}

// Each check is pure: it looks at the batch (and the context) and throws or returns.
// They run cheapest first, so that floods of junk cost little; the signature comes last but one.

export function checkSize(bytes: Uint8Array, limits: BatchLimits): void {
  if (bytes.length > limits.maxBytes) fail(Code.TOO_LARGE, `${bytes.length} bytes > ${limits.maxBytes}`);
}

export function decode(bytes: Uint8Array): IndicatorBatch {
  try {
    return decodeBatch(bytes);
  } catch (err) {
    return fail(Code.DECODE_FAILED, (err as Error).message);
  }
}

export function checkStructure(batch: IndicatorBatch, limits: BatchLimits): void {
  if (batch.version === 0) fail(Code.UNSUPPORTED_VERSION, "version 0 does not exist");
  if (batch.version > WIRE_VERSION) fail(Code.FUTURE_VERSION, `version ${batch.version} is newer than ${WIRE_VERSION}`);
  if (batch.signingKey.length !== SIGNING_KEY_LENGTH) fail(Code.MALFORMED, "signing key must be 32 bytes");
  if (batch.signature.length !== SIGNATURE_LENGTH) fail(Code.MALFORMED, "signature must be 64 bytes");
  if (batch.merkleRoot.length !== 32) fail(Code.MALFORMED, "Merkle root must be 32 bytes");
  if (!Number.isSafeInteger(batch.sequence) || batch.sequence < 1) fail(Code.MALFORMED, "sequence must be a positive integer");
  if (!Number.isSafeInteger(batch.createdAt)) fail(Code.MALFORMED, "createdAt must be Unix milliseconds");
  const count = batch.indicators.length;
  if (count === 0 || count > limits.maxIndicators) {
    fail(Code.BAD_INDICATOR_COUNT, `${count} indicators; a batch holds 1 to ${limits.maxIndicators}`);
  }
}

export function checkProducer(batch: IndicatorBatch, producer: ProducerView | undefined): void {
  if (!producer) fail(Code.UNKNOWN_PRODUCER, `"${batch.producer}" is not a member known to this node`);
  if (!producer.active) fail(Code.PRODUCER_NOT_ACTIVE, `"${batch.producer}" is not an active member`);
  if (!bytesEqual(producer.signingKey, batch.signingKey)) {
    fail(Code.WRONG_SIGNING_KEY, `batch is signed with a key that is not "${batch.producer}"'s key on chain`);
  }
}

export function checkNotFromFuture(batch: IndicatorBatch, now: number, limits: BatchLimits): void {
  const horizon = now + limits.maxClockSkewMs;
  if (batch.createdAt > horizon || batch.indicators.some((i) => i.createdAt > horizon)) {
    fail(Code.FUTURE_BATCH, `created more than ${limits.maxClockSkewMs} ms in the future`);
  }
}

export function checkReplay(batch: IndicatorBatch, knownRoot: Uint8Array | undefined): void {
  if (!knownRoot) return;
  if (bytesEqual(knownRoot, batch.merkleRoot)) fail(Code.ALREADY_KNOWN, `${batch.producer}#${batch.sequence} is already stored`);
  // Checked again after the signature: only a validly signed second batch proves equivocation.
}

export function checkIndicators(batch: IndicatorBatch): void {
  const seen = new Set<string>();
  batch.indicators.forEach((indicator, index) => {
    if (indicator.producer !== batch.producer) {
      fail(Code.PRODUCER_MISMATCH, `indicator ${index} names producer "${indicator.producer}" in a batch of "${batch.producer}"`);
    }
    if (indicator.tlp === "RED") fail(Code.TLP_RED, `indicator ${index} is TLP:RED, which never leaves its node`);
    try {
      checkIndicator(indicator);
    } catch (err) {
      if (err instanceof InvalidIndicatorError) fail(Code.INVALID_INDICATOR, `indicator ${index}: ${err.message}`);
      throw err;
    }
    if (!isCanonical(indicator)) fail(Code.NOT_NORMALIZED, `indicator ${index} is not in canonical form`);
    const id = indicatorId(indicator.type, indicator.value);
    if (seen.has(id)) fail(Code.DUPLICATE_INDICATOR, `indicator ${index} repeats ${indicator.type} ${indicator.value}`);
    seen.add(id);
  });
}

export function liveIndexes(batch: IndicatorBatch, now: number): number[] {
  const live = batch.indicators.flatMap((indicator, index) => (indicator.validUntil > now ? [index] : []));
  if (live.length === 0) fail(Code.ALL_EXPIRED, "every indicator of the batch has expired");
  return live;
}

/**
 * The validation pipeline for a received indicator batch. Returns the validated batch or throws
 * an IndicatorBatchError whose `action` says what gossipsub must do with the message.
 */
export async function validateIndicatorBatch(bytes: Uint8Array, ctx: BatchValidationContext): Promise<ValidatedBatch> {
  checkSize(bytes, ctx.limits);
  const batch = decode(bytes);
  checkStructure(batch, ctx.limits);
  checkProducer(batch, ctx.producer(batch.producer));
  checkNotFromFuture(batch, ctx.now, ctx.limits);
  const knownRoot = await ctx.knownRoot(batch.producer, batch.sequence);
  checkReplay(batch, knownRoot);
  if (!rootMatches(batch, leafHashes(batch.indicators))) fail(Code.BAD_MERKLE_ROOT, "indicators do not hash to the signed root");
  if (!signatureValid(batch)) fail(Code.BAD_SIGNATURE, `signature does not verify under ${batch.producer}'s key`);
  if (knownRoot) fail(Code.EQUIVOCATION, `${batch.producer} signed two different batches #${batch.sequence}`);
  checkIndicators(batch);
  return { batch, bytes, liveIndexes: liveIndexes(batch, ctx.now) };
}
