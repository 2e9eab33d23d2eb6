import { InvalidIndicatorError } from "../model/errors.js";
import { idOf } from "../model/indicator-id.js";
import { checkSighting } from "../model/sighting.js";
import { checkIndicator, isCanonical } from "../model/validate.js";
import { isOrgId } from "../model/indicator.js";
import {
  WIRE_VERSION,
  openBatch,
  openContent,
  rootMatches,
  signatureValid,
  type BatchContent,
  type IndicatorBatch,
} from "../wire/batch.js";
import { bytesEqual } from "../wire/bytes.js";
import { WireDecodeError, decodeBatch } from "../wire/codec.js";
import { EPHEMERAL_KEY_LENGTH, NONCE_LENGTH, SALT_LENGTH, SealedOpenError, WRAPPED_KEY_LENGTH, type SealReader } from "../wire/sealed.js";
import { SIGNATURE_LENGTH, SIGNING_KEY_LENGTH } from "../wire/signature.js";
import { GossipAction, IndicatorBatchError, IndicatorBatchErrorCode as Code } from "./errors.js";

export interface BatchLimits {
  maxBytes: number;
  maxIndicators: number;
  /** How far in the future a batch's or indicator's creation time may be. */
  maxClockSkewMs: number;
  /** Most key wraps a sealed batch may carry (the contract caps a group at 256 orgs, plus the producer). */
  maxRecipients: number;
}

export const DEFAULT_BATCH_LIMITS: BatchLimits = {
  maxBytes: 1024 * 1024,
  maxIndicators: 1000,
  maxClockSkewMs: 60_000,
  maxRecipients: 257,
};

/** What the pipeline needs to know about a producer, from the chain. */
export interface ProducerView {
  orgId: string;
  active: boolean;
  signingKey: Uint8Array;
}

export interface BatchValidationContext {
  now: number;
  /**
   * Checks an open batch's content (Merkle root, signature, indicators) elsewhere, on another
   * core (gossip/validation-pool.ts); absent, on this thread. Either way the same pure function
   * (`verifyOpenContent`) decides, and the pipeline reports its verdict in the same order.
   */
  verifyContent?(bytes: Uint8Array, now: number): Promise<ContentVerdict>;
  limits: BatchLimits;
  producer(orgId: string): ProducerView | undefined;
  /** Merkle root of the batch already stored under (producer, sequence), if any. */
  knownRoot(producer: string, sequence: number): Promise<Uint8Array | undefined>;
  /** This node, to open sealed batches with; without it every sealed batch is only relayed. */
  reader?: SealReader;
  /** Whether to take one more batch of `producer` now (a rate limit); absent, always. */
  admit?(producer: string): boolean;
  /**
   * Whether `org` is, per this node's chain view, an active member of `group`. A node opens and
   * stores a sealed batch only when it is entitled to, even if the producer wrapped a key for it.
   */
  entitled?(group: number, org: string): boolean | Promise<boolean>;
}

/** Why a sealed batch that passed validation is relayed and kept as ciphertext only. */
export type RelayOnlyReason = "NOT_A_RECIPIENT" | "NOT_ENTITLED";

export interface ValidatedBatch {
  batch: IndicatorBatch;
  bytes: Uint8Array;
  /** What the batch says, when this node may read it; undefined for a sealed batch it only relays. */
  content: BatchContent | undefined;
  relayOnly: RelayOnlyReason | undefined;
  /** Indexes of the indicators still valid now; expired ones are kept in the batch but not merged. */
  liveIndexes: number[];
  /** Ids of the content's indicators, in order; empty for a batch only relayed. */
  ids: string[];
}

function fail(code: Code, message: string): never {
  throw new IndicatorBatchError(code, message);
}

/** Runs checks of a sealed batch's content: a fault there is the producer's, not the relay's. */
function insideSealed<T>(check: () => T): T {
  try {
    return check();
  } catch (err) {
    if (err instanceof IndicatorBatchError) throw new IndicatorBatchError(err.code, `inside a sealed batch: ${err.message}`, GossipAction.IGNORE);
    throw err;
  }
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
  if (!Number.isSafeInteger(batch.group) || batch.group < 0) fail(Code.MALFORMED, "group must be a sharing group id");
  const count = batch.indicatorCount + batch.sightingCount;
  if (count === 0 || count > limits.maxIndicators) {
    fail(Code.BAD_INDICATOR_COUNT, `${count} indicators and sightings; a batch holds 1 to ${limits.maxIndicators}`);
  }
  if (batch.sealed) checkSealedStructure(batch, limits);
  else if (batch.group !== 0) fail(Code.NOT_SEALED, `a batch for group ${batch.group} travels sealed only`);
  else if (batch.indicators.length !== batch.indicatorCount || batch.sightings.length !== batch.sightingCount) {
    fail(Code.BAD_INDICATOR_COUNT, `states ${batch.indicatorCount} indicators and ${batch.sightingCount} sightings but holds ${batch.indicators.length} and ${batch.sightings.length}`);
  }
}

export function checkSealedStructure(batch: IndicatorBatch, limits: BatchLimits): void {
  const sealed = batch.sealed!;
  if (batch.group === 0) fail(Code.BAD_SEALED, "a sealed batch names its group");
  if (batch.indicators.length > 0 || batch.sightings.length > 0) fail(Code.NOT_SEALED, "a sealed batch carries nothing in the clear");
  if (sealed.ephemeralKey.length !== EPHEMERAL_KEY_LENGTH) fail(Code.BAD_SEALED, "ephemeral key must be 32 bytes");
  if (sealed.nonce.length !== NONCE_LENGTH) fail(Code.BAD_SEALED, "nonce must be 12 bytes");
  if (sealed.ciphertext.length === 0) fail(Code.BAD_SEALED, "empty ciphertext");
  const count = sealed.recipients.length;
  if (count === 0 || count > limits.maxRecipients) fail(Code.BAD_SEALED, `${count} recipients; a sealed batch has 1 to ${limits.maxRecipients}`);
  const orgs = new Set<string>();
  for (const wrap of sealed.recipients) {
    if (!isOrgId(wrap.org) || orgs.has(wrap.org)) fail(Code.BAD_SEALED, `recipient "${wrap.org}" is not an org id or appears twice`);
    if (wrap.wrappedKey.length !== WRAPPED_KEY_LENGTH) fail(Code.BAD_SEALED, `key wrapped for ${wrap.org} must be ${WRAPPED_KEY_LENGTH} bytes`);
    orgs.add(wrap.org);
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
  if (batch.createdAt > horizon || batch.indicators.some((i) => i.createdAt > horizon) || batch.sightings.some((s) => s.observedAt > horizon)) {
    fail(Code.FUTURE_BATCH, `created more than ${limits.maxClockSkewMs} ms in the future`);
  }
}

export function checkReplay(batch: IndicatorBatch, knownRoot: Uint8Array | undefined): void {
  if (!knownRoot) return;
  if (bytesEqual(knownRoot, batch.merkleRoot)) fail(Code.ALREADY_KNOWN, `${batch.producer}#${batch.sequence} is already stored`);
  // Checked again after the signature: only a validly signed second batch proves equivocation.
}

/** Checks the content of a batch; returns the ids of its indicators, in order (the store reuses them). */
export function checkIndicators(batch: IndicatorBatch, content: BatchContent): string[] {
  const seen = new Set<string>();
  const ids: string[] = [];
  if (batch.sealed && content.salts.some((salt) => salt.length !== SALT_LENGTH)) fail(Code.MALFORMED, "leaf salts must be 16 bytes");
  if (content.blindingKey && content.blindingKey.length !== 32) fail(Code.MALFORMED, "a blinding key is 32 bytes");
  content.indicators.forEach((indicator, index) => {
    if (indicator.producer !== batch.producer) {
      fail(Code.PRODUCER_MISMATCH, `indicator ${index} names producer "${indicator.producer}" in a batch of "${batch.producer}"`);
    }
    if (indicator.group !== batch.group) {
      fail(Code.GROUP_MISMATCH, `indicator ${index} is for group ${indicator.group} in a batch for group ${batch.group}`);
    }
    if (indicator.blinded && !content.blindingKey) fail(Code.MALFORMED, `indicator ${index} is blinded but the batch carries no blinding key`);
    if (indicator.tlp === "RED") fail(Code.TLP_RED, `indicator ${index} is TLP:RED, which never leaves its node`);
    try {
      checkIndicator(indicator);
    } catch (err) {
      if (err instanceof InvalidIndicatorError) fail(Code.INVALID_INDICATOR, `indicator ${index}: ${err.message}`);
      throw err;
    }
    if (!isCanonical(indicator)) fail(Code.NOT_NORMALIZED, `indicator ${index} is not in canonical form`);
    const id = idOf(indicator);
    if (seen.has(id)) fail(Code.DUPLICATE_INDICATOR, `indicator ${index} repeats ${indicator.type} ${indicator.value}`);
    seen.add(id);
    ids.push(id);
  });
  const reported = new Set<string>();
  content.sightings.forEach((sighting, index) => {
    if (sighting.reporter !== batch.producer) {
      fail(Code.PRODUCER_MISMATCH, `sighting ${index} names reporter "${sighting.reporter}" in a batch of "${batch.producer}"`);
    }
    try {
      checkSighting(sighting);
    } catch (err) {
      if (err instanceof InvalidIndicatorError) fail(Code.INVALID_SIGHTING, `sighting ${index}: ${err.message}`);
      throw err;
    }
    const key = `${sighting.indicatorId}/${sighting.kind}`;
    if (reported.has(key)) fail(Code.DUPLICATE_INDICATOR, `sighting ${index} repeats a ${sighting.kind} of ${sighting.indicatorId}`);
    reported.add(key);
  });
  return ids;
}

export function liveIndexes(content: BatchContent, now: number): number[] {
  const live = content.indicators.flatMap((indicator, index) => (indicator.validUntil > now ? [index] : []));
  // Sightings never expire: a report of an expired indicator is news too.
  if (live.length === 0 && content.sightings.length === 0) fail(Code.ALL_EXPIRED, "every indicator of the batch has expired");
  return live;
}

/**
 * Decrypts a sealed batch for this node, if it is a recipient and entitled to read it. Returns
 * undefined (relay only) otherwise. Faults found inside are the producer's: IGNORE.
 */
async function readSealed(batch: IndicatorBatch, ctx: BatchValidationContext): Promise<{ content: BatchContent; ids: string[] } | RelayOnlyReason> {
  const reader = ctx.reader;
  if (!reader || !batch.sealed!.recipients.some((r) => r.org === reader.org)) return "NOT_A_RECIPIENT";
  if (!(await ctx.entitled?.(batch.group, reader.org))) return "NOT_ENTITLED";
  let content: BatchContent;
  try {
    content = openBatch(batch, reader);
  } catch (err) {
    if (err instanceof SealedOpenError || err instanceof WireDecodeError) fail(Code.UNDECRYPTABLE, err.message);
    throw err;
  }
  return insideSealed(() => {
    checkNotFromFuture({ ...batch, indicators: content.indicators, sightings: content.sightings }, ctx.now, ctx.limits);
    if (!rootMatches(batch, content)) fail(Code.BAD_MERKLE_ROOT, "decrypted indicators do not hash to the signed root");
    return { content, ids: checkIndicators(batch, content) };
  });
}

/**
 * The costly, stateless part of validating an open batch, as one verdict: whether its indicators
 * hash to the signed root, whether the signature verifies, and what the content checks found.
 * Pure over (bytes, now, limits): it can run on any thread and decide the same.
 */
export interface ContentVerdict {
  rootMatches: boolean;
  signatureValid: boolean;
  content: { ids: string[]; liveIndexes: number[] } | { code: Code; message: string };
}

export function verifyOpenContent(bytes: Uint8Array, now: number): ContentVerdict {
  return contentVerdict(decode(bytes), now);
}

/** The verdict on a decoded open batch; checks after the first failing one are not run (never reported). */
function contentVerdict(batch: IndicatorBatch, now: number): ContentVerdict {
  const content = openContent(batch);
  const unchecked = { ids: [], liveIndexes: [] };
  if (!rootMatches(batch, content)) return { rootMatches: false, signatureValid: false, content: unchecked };
  if (!signatureValid(batch)) return { rootMatches: true, signatureValid: false, content: unchecked };
  try {
    return { rootMatches: true, signatureValid: true, content: { ids: checkIndicators(batch, content), liveIndexes: liveIndexes(content, now) } };
  } catch (err) {
    if (!(err instanceof IndicatorBatchError)) throw err;
    // The message without the "CODE: " prefix the error adds, which the pipeline adds again.
    return { rootMatches: true, signatureValid: true, content: { code: err.code, message: err.message.slice(err.code.length + 2) } };
  }
}

/**
 * The validation pipeline for a received indicator batch. Returns the validated batch or throws
 * an IndicatorBatchError whose `action` says what gossipsub must do with the message.
 *
 * An open batch is checked in full by everyone. A sealed batch is checked by every relay up to
 * its signature, which covers the ciphertext, so relays forward only what its producer sent;
 * its recipients then decrypt it and check the content against the signed Merkle root.
 */
export async function validateIndicatorBatch(bytes: Uint8Array, ctx: BatchValidationContext): Promise<ValidatedBatch> {
  checkSize(bytes, ctx.limits);
  const batch = decode(bytes);
  checkStructure(batch, ctx.limits);
  checkProducer(batch, ctx.producer(batch.producer));
  if (ctx.admit && !ctx.admit(batch.producer)) fail(Code.RATE_LIMITED, `${batch.producer} sends batches faster than its rate limit`);
  checkNotFromFuture(batch, ctx.now, ctx.limits);
  const knownRoot = await ctx.knownRoot(batch.producer, batch.sequence);
  checkReplay(batch, knownRoot);
  if (!batch.sealed) {
    // Decided here or on another core (ctx.verifyContent) by the same function, reported in one order.
    const verdict = ctx.verifyContent ? await ctx.verifyContent(bytes, ctx.now) : contentVerdict(batch, ctx.now);
    if (!verdict.rootMatches) fail(Code.BAD_MERKLE_ROOT, "indicators do not hash to the signed root");
    if (!verdict.signatureValid) fail(Code.BAD_SIGNATURE, `signature does not verify under ${batch.producer}'s key`);
    if (knownRoot) fail(Code.EQUIVOCATION, `${batch.producer} signed two different batches #${batch.sequence}`);
    if ("code" in verdict.content) fail(verdict.content.code, verdict.content.message);
    return { batch, bytes, content: openContent(batch), relayOnly: undefined, liveIndexes: verdict.content.liveIndexes, ids: verdict.content.ids };
  }
  if (!signatureValid(batch)) fail(Code.BAD_SIGNATURE, `signature does not verify under ${batch.producer}'s key`);
  if (knownRoot) fail(Code.EQUIVOCATION, `${batch.producer} signed two different batches #${batch.sequence}`);
  const read = await readSealed(batch, ctx);
  if (typeof read === "string") return { batch, bytes, content: undefined, relayOnly: read, liveIndexes: [], ids: [] };
  return { batch, bytes, content: read.content, relayOnly: undefined, liveIndexes: insideSealed(() => liveIndexes(read.content, ctx.now)), ids: read.ids };
}
