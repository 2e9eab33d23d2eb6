import { InvalidIndicatorError } from "../model/errors.js";
import { idOf } from "../model/indicator-id.js";
import { checkSighting } from "../model/sighting.js";
import { checkIndicator, hasOnlyVersion2Tags, isCanonical } from "../model/validate.js";
import { isOrgId, VERSION2_TYPES } from "../model/indicator.js";
import { checkObjects, ObjectCheckError, type ObjectFacts, type ObjectRefusal } from "../intel/object-checks.js";
import { orgIdentityId } from "../model/stix-object.js";
import {
  LATEST_WIRE_VERSION,
  OBSERVABLES_WIRE_VERSION,
  WIRE_VERSION,
  openBatch,
  openContent,
  rootMatches,
  signatureValid,
  type BatchContent,
  type IndicatorBatch,
} from "../wire/batch.js";
import { bytesEqual } from "../wire/bytes.js";
import { WireDecodeError, decodeBatch, decodeBatchHeader, isCanonicalEncoding, type BatchHeaderView } from "../wire/codec.js";
import { DEPLOYMENT_ID_LENGTH } from "../wire/deployment.js";
import { EPHEMERAL_KEY_LENGTH, NONCE_LENGTH, SALT_LENGTH, SealedOpenError, WRAPPED_KEY_LENGTH, type SealReader, type SealedPayload } from "../wire/sealed.js";
import { SIGNATURE_LENGTH, SIGNING_KEY_LENGTH } from "../wire/signature.js";
import { GossipAction, IndicatorBatchError, IndicatorBatchErrorCode as Code } from "./errors.js";

export interface BatchLimits {
  maxBytes: number;
  maxIndicators: number;
  /** How far in the future a batch's or indicator's creation time may be. */
  maxClockSkewMs: number;
  /** Most key wraps a sealed batch may carry (the contract caps a group at 256 orgs, plus the producer). */
  maxRecipients: number;
  /** How far beyond the first sequence of a producer this node lacks a batch may be taken (bounds what it tracks out of order). */
  maxSequenceAhead?: number;
}

export const DEFAULT_BATCH_LIMITS: BatchLimits = {
  maxBytes: 1024 * 1024,
  maxIndicators: 1000,
  maxClockSkewMs: 60_000,
  maxRecipients: 257,
  maxSequenceAhead: 100_000,
};

/** What the pipeline needs to know about a producer, from the chain. */
export interface ProducerView {
  orgId: string;
  active: boolean;
  signingKey: Uint8Array;
  /** Signing keys the producer had before its last rotations (newest first), as this node saw them change. */
  previousSigningKeys?: Uint8Array[];
  /** Whether its signing key is a usable ed25519 key (not of small order: wire/key-checks.ts). */
  usableKey?: boolean;
}

export interface BatchValidationContext {
  now: number;
  /** The deployment this node belongs to (wire/deployment.ts): batches signed for another are refused. */
  deployment: Uint8Array;
  /**
   * Checks an open batch's content (canonical form, Merkle root, signature, indicators) elsewhere,
   * on another core (gossip/validation-pool.ts); absent, on this thread. Either way the same pure
   * function (`verifyOpenContent`) decides, and the pipeline reports its verdict in the same order.
   */
  verifyContent?(bytes: Uint8Array, now: number, maxClockSkewMs: number): Promise<ContentVerdict>;
  limits: BatchLimits;
  producer(orgId: string): ProducerView | undefined;
  /**
   * The producer's view after reading the chain again, when the batch disagrees with the one held
   * (unknown, not active, another key): the sender's chain view may lead ours. Absent, no re-read.
   */
  refreshProducer?(orgId: string): Promise<ProducerView | undefined>;
  /** Merkle root of the batch already stored under (producer, sequence), if any. */
  knownRoot(producer: string, sequence: number): Promise<Uint8Array | undefined>;
  /** The first sequence of `producer` this node has not handled yet (for maxSequenceAhead); absent, no bound. */
  firstUnhandled?(producer: string): Promise<number>;
  /** This node, to open sealed batches with; without it every sealed batch is only relayed. */
  reader?: SealReader;
  /** Whether to take one more batch of `producer` now (a rate limit, charged once its signature holds); absent, always. */
  admit?(producer: string): boolean;
  /**
   * Whether `org` is, per this node's chain view, an active member of `group`. A node opens and
   * stores a sealed batch only when it is entitled to, even if the producer wrapped a key for it.
   */
  entitled?(group: number, org: string): boolean | Promise<boolean>;
  /** Whether `producer` is listed in `group` (checked against a fresh view before a "no"); absent, not checked. */
  producerInGroup?(group: number, producer: string): boolean | Promise<boolean>;
  /** The member org whose STIX identity (model/stix-object.ts orgIdentityId) `id` is, if any; absent, authorship is not checked. */
  identityOwner?(id: string): string | undefined;
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
  /** What was checked of the content's STIX objects, in order; empty for a batch only relayed. */
  objects: ObjectFacts[];
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

// Each check is pure: it looks at the batch (and the context) and throws or returns. They run
// cheapest first, so that floods of junk cost little: the header without the content, the
// producer as the chain knows it, the signature, and only then the producer's rate budget (a
// forged batch naming X must not spend X's budget) and the content.

export function checkSize(bytes: Uint8Array, limits: BatchLimits): void {
  if (bytes.length > limits.maxBytes) fail(Code.TOO_LARGE, `${bytes.length} bytes > ${limits.maxBytes}`);
}

export function decodeHeader(bytes: Uint8Array): BatchHeaderView {
  try {
    return decodeBatchHeader(bytes);
  } catch (err) {
    return fail(Code.DECODE_FAILED, (err as Error).message);
  }
}

export function decode(bytes: Uint8Array): IndicatorBatch {
  try {
    return decodeBatch(bytes);
  } catch (err) {
    return fail(Code.DECODE_FAILED, (err as Error).message);
  }
}

export function checkVersion(version: number): void {
  if (version === 0) fail(Code.UNSUPPORTED_VERSION, "version 0 does not exist");
  if (version < WIRE_VERSION) fail(Code.OBSOLETE_VERSION, `version ${version} is older than ${WIRE_VERSION} (it names no deployment)`);
  if (version > LATEST_WIRE_VERSION) fail(Code.FUTURE_VERSION, `version ${version} is newer than ${LATEST_WIRE_VERSION}`);
}

/** Everything about a batch that its header alone shows, without its content. */
export function checkHeader(header: BatchHeaderView, limits: BatchLimits, deployment: Uint8Array): void {
  checkVersion(header.version);
  if (header.unknownFields.length > 0) fail(Code.NON_CANONICAL, `fields ${header.unknownFields.join(", ")} are not in version ${header.version}`);
  // Version 3 is the version of a batch with objects, and only of one: a version 2 node reads the rest.
  if (header.version === WIRE_VERSION && (header.objectCount > 0 || header.objectEntries > 0)) fail(Code.MALFORMED, `a version ${WIRE_VERSION} batch carries no STIX objects`);
  if (header.deployment.length !== DEPLOYMENT_ID_LENGTH) fail(Code.MALFORMED, "deployment must be 32 bytes");
  if (!bytesEqual(header.deployment, deployment)) fail(Code.WRONG_DEPLOYMENT, "the batch was signed for another deployment (another chain or registry)");
  if (header.signingKey.length !== SIGNING_KEY_LENGTH) fail(Code.MALFORMED, "signing key must be 32 bytes");
  if (header.signature.length !== SIGNATURE_LENGTH) fail(Code.MALFORMED, "signature must be 64 bytes");
  if (header.merkleRoot.length !== 32) fail(Code.MALFORMED, "Merkle root must be 32 bytes");
  if (!isOrgId(header.producer)) fail(Code.MALFORMED, "producer must be an org id");
  if (!Number.isSafeInteger(header.sequence) || header.sequence < 1) fail(Code.MALFORMED, "sequence must be a positive integer");
  if (!Number.isSafeInteger(header.createdAt)) fail(Code.MALFORMED, "createdAt must be Unix milliseconds");
  if (!Number.isSafeInteger(header.group) || header.group < 0) fail(Code.MALFORMED, "group must be a sharing group id");
  const count = header.indicatorCount + header.sightingCount + header.objectCount;
  if (count === 0 || count > limits.maxIndicators) {
    fail(Code.BAD_INDICATOR_COUNT, `${count} indicators, sightings and objects; a batch holds 1 to ${limits.maxIndicators}`);
  }
  if (header.sealed) checkSealedStructure(header.group, header.indicatorEntries + header.sightingEntries + header.objectEntries, header.sealed, limits);
  else if (header.group !== 0) fail(Code.NOT_SEALED, `a batch for group ${header.group} travels sealed only`);
  else if (header.indicatorEntries !== header.indicatorCount || header.sightingEntries !== header.sightingCount || header.objectEntries !== header.objectCount) {
    fail(
      Code.BAD_INDICATOR_COUNT,
      `states ${header.indicatorCount} indicators, ${header.sightingCount} sightings and ${header.objectCount} objects but holds ${header.indicatorEntries}, ${header.sightingEntries} and ${header.objectEntries}`,
    );
  }
}

export function checkSealedStructure(group: number, clearEntries: number, sealed: SealedPayload, limits: BatchLimits): void {
  if (group === 0) fail(Code.BAD_SEALED, "a sealed batch names its group");
  if (clearEntries > 0) fail(Code.NOT_SEALED, "a sealed batch carries nothing in the clear");
  if (sealed.ephemeralKey.length !== EPHEMERAL_KEY_LENGTH) fail(Code.BAD_SEALED, "ephemeral key must be 32 bytes");
  if (sealed.nonce.length !== NONCE_LENGTH) fail(Code.BAD_SEALED, "nonce must be 12 bytes");
  if (sealed.ciphertext.length === 0) fail(Code.BAD_SEALED, "empty ciphertext");
  const count = sealed.recipients.length;
  if (count === 0 || count > limits.maxRecipients) fail(Code.BAD_SEALED, `${count} recipients; a sealed batch has 1 to ${limits.maxRecipients}`);
  const orgs = new Set<string>();
  for (const wrap of sealed.recipients) {
    if (!isOrgId(wrap.org) || orgs.has(wrap.org)) fail(Code.BAD_SEALED, "a recipient is not an org id or appears twice");
    if (wrap.wrappedKey.length !== WRAPPED_KEY_LENGTH) fail(Code.BAD_SEALED, `a key wrap must be ${WRAPPED_KEY_LENGTH} bytes`);
    orgs.add(wrap.org);
  }
}

export function checkProducer(batch: Pick<BatchHeaderView, "producer" | "signingKey">, producer: ProducerView | undefined): void {
  if (!producer) fail(Code.UNKNOWN_PRODUCER, `"${batch.producer}" is not a member known to this node`);
  if (!producer.active) fail(Code.PRODUCER_NOT_ACTIVE, `"${batch.producer}" is not an active member`);
  if (!bytesEqual(producer.signingKey, batch.signingKey)) {
    if (producer.previousSigningKeys?.some((key) => bytesEqual(key, batch.signingKey))) {
      fail(Code.STALE_SIGNING_KEY, `batch is signed with a key "${batch.producer}" has rotated away from`);
    }
    fail(Code.WRONG_SIGNING_KEY, `batch is signed with a key that is not "${batch.producer}"'s key on chain`);
  }
  if (producer.usableKey === false) fail(Code.UNUSABLE_SIGNING_KEY, `"${batch.producer}"'s key on chain is of small order: its signatures prove nothing`);
}

/** Codes a fresher chain view may turn into a pass. */
const CHAIN_VIEW_CODES = new Set([Code.UNKNOWN_PRODUCER, Code.PRODUCER_NOT_ACTIVE, Code.WRONG_SIGNING_KEY, Code.STALE_SIGNING_KEY]);

async function checkProducerFresh(header: BatchHeaderView, ctx: BatchValidationContext): Promise<void> {
  try {
    checkProducer(header, ctx.producer(header.producer));
  } catch (err) {
    if (!(err instanceof IndicatorBatchError) || !CHAIN_VIEW_CODES.has(err.code) || !ctx.refreshProducer) throw err;
    checkProducer(header, await ctx.refreshProducer(header.producer));
  }
}

export function checkNotFromFuture(createdAt: number, now: number, limits: BatchLimits): void {
  if (createdAt > now + limits.maxClockSkewMs) fail(Code.FUTURE_BATCH, `created more than ${limits.maxClockSkewMs} ms in the future`);
}

export function checkContentNotFromFuture(content: Pick<BatchContent, "indicators" | "sightings">, now: number, limits: BatchLimits): void {
  const horizon = now + limits.maxClockSkewMs;
  if (content.indicators.some((i) => i.createdAt > horizon) || content.sightings.some((s) => s.observedAt > horizon)) {
    fail(Code.FUTURE_BATCH, `holds a statement created more than ${limits.maxClockSkewMs} ms in the future`);
  }
}

export function checkReplay(batch: Pick<BatchHeaderView, "producer" | "sequence" | "merkleRoot">, knownRoot: Uint8Array | undefined): void {
  if (!knownRoot) return;
  if (bytesEqual(knownRoot, batch.merkleRoot)) fail(Code.ALREADY_KNOWN, `${batch.producer}#${batch.sequence} is already stored`);
  // Checked again after the signature: only a validly signed second batch proves equivocation.
}

/**
 * Checks the content of a batch; returns the ids of its indicators, in order (the store reuses
 * them). Messages name positions and fields, never a value: they reach logs, and a sealed
 * batch's values must not.
 */
export function checkIndicators(batch: Pick<IndicatorBatch, "producer" | "group" | "sealed" | "version">, content: BatchContent): string[] {
  const seen = new Map<string, number>();
  const ids: string[] = [];
  if (batch.sealed && content.salts.some((salt) => salt.length !== SALT_LENGTH)) fail(Code.MALFORMED, "leaf salts must be 16 bytes");
  if (content.blindingKey && content.blindingKey.length !== 32) fail(Code.MALFORMED, "a blinding key is 32 bytes");
  content.indicators.forEach((indicator, index) => {
    if (indicator.producer !== batch.producer) fail(Code.PRODUCER_MISMATCH, `indicator ${index} names another producer than the batch's`);
    if (indicator.group !== batch.group) fail(Code.GROUP_MISMATCH, `indicator ${index} names another group than the batch's`);
    if (indicator.blinded && !content.blindingKey) fail(Code.MALFORMED, `indicator ${index} is blinded but the batch carries no blinding key`);
    if (indicator.tlp === "RED") fail(Code.TLP_RED, `indicator ${index} is TLP:RED, which never leaves its node`);
    try {
      checkIndicator(indicator);
    } catch (err) {
      if (err instanceof InvalidIndicatorError) fail(Code.INVALID_INDICATOR, `indicator ${index}: ${err.reason} (${err.field ?? "?"})`);
      throw err;
    }
    if (!isCanonical(indicator)) fail(Code.NOT_NORMALIZED, `indicator ${index} is not in canonical form`);
    // What a version 2 node would refuse travels in version 3 only (wire/batch.ts versionFor).
    if (batch.version === WIRE_VERSION && !hasOnlyVersion2Tags(indicator)) fail(Code.NOT_NORMALIZED, `indicator ${index} has machine tags, which version ${WIRE_VERSION} does not carry`);
    if (batch.version < OBSERVABLES_WIRE_VERSION && !VERSION2_TYPES.has(indicator.type)) fail(Code.NOT_NORMALIZED, `indicator ${index} is of type ${indicator.type}, which version ${batch.version} does not carry`);
    const id = idOf(indicator);
    const first = seen.get(id);
    if (first !== undefined) fail(Code.DUPLICATE_INDICATOR, `indicator ${index} repeats indicator ${first}`);
    seen.set(id, index);
    ids.push(id);
  });
  const reported = new Map<string, number>();
  content.sightings.forEach((sighting, index) => {
    if (sighting.reporter !== batch.producer) fail(Code.PRODUCER_MISMATCH, `sighting ${index} names another reporter than the batch's producer`);
    try {
      checkSighting(sighting);
    } catch (err) {
      if (err instanceof InvalidIndicatorError) fail(Code.INVALID_SIGHTING, `sighting ${index}: ${err.reason} (${err.field ?? "?"})`);
      throw err;
    }
    const key = `${sighting.indicatorId}/${sighting.kind}`;
    const first = reported.get(key);
    if (first !== undefined) fail(Code.DUPLICATE_INDICATOR, `sighting ${index} repeats sighting ${first}`);
    reported.set(key, index);
  });
  return ids;
}

export function liveIndexes(content: BatchContent, now: number): number[] {
  const live = content.indicators.flatMap((indicator, index) => (indicator.validUntil > now ? [index] : []));
  // Sightings and objects never expire: a report of an expired indicator is news too.
  if (live.length === 0 && content.sightings.length === 0 && content.objects.length === 0) fail(Code.ALL_EXPIRED, "every indicator of the batch has expired");
  return live;
}

/** The pipeline's code for each reason an object is refused (intel/object-checks.ts). */
const OBJECT_CODES: Record<ObjectRefusal, Code> = {
  OBJECT_NOT_CANONICAL: Code.OBJECT_NOT_CANONICAL,
  OBJECT_TOO_LARGE: Code.OBJECT_TOO_LARGE,
  INVALID_OBJECT: Code.INVALID_OBJECT,
  OBJECT_UNMARKED: Code.OBJECT_UNMARKED,
  OBJECT_TLP_RED: Code.TLP_RED,
  OBJECT_NOT_SEALED: Code.NOT_SEALED,
  OBJECT_FROM_FUTURE: Code.FUTURE_BATCH,
  DUPLICATE_OBJECT: Code.DUPLICATE_OBJECT,
};

/** Checks the STIX objects of a batch's content (intel/object-checks.ts); returns their facts. */
export function checkContentObjects(batch: Pick<IndicatorBatch, "sealed">, content: Pick<BatchContent, "objects">, now: number, limits: Pick<BatchLimits, "maxClockSkewMs">): ObjectFacts[] {
  if (content.objects.length === 0) return [];
  try {
    return checkObjects(content.objects, { sealed: batch.sealed !== undefined }, now + limits.maxClockSkewMs);
  } catch (err) {
    if (err instanceof ObjectCheckError) fail(OBJECT_CODES[err.reason], err.message);
    throw err;
  }
}

/**
 * An object authored under a member's identity comes from that member only: another producer
 * cannot make its versions, nor its revocation, the object's (model/object-record.ts).
 */
export function checkAuthors(producer: string, objects: readonly ObjectFacts[], identityOwner: ((id: string) => string | undefined) | undefined): void {
  if (!identityOwner) return;
  const own = orgIdentityId(producer);
  objects.forEach((facts, index) => {
    if (facts.createdBy === undefined || facts.createdBy === own) return;
    const author = identityOwner(facts.createdBy);
    if (author !== undefined && author !== producer) fail(Code.OBJECT_AUTHOR_MISMATCH, `object ${index} (${facts.id}) is authored under another member's identity`);
  });
}

/**
 * Decrypts a sealed batch for this node, if it is a recipient and entitled to read it. Returns
 * undefined (relay only) otherwise. Faults found inside are the producer's: IGNORE.
 */
async function readSealed(batch: IndicatorBatch, ctx: BatchValidationContext): Promise<{ content: BatchContent; ids: string[]; objects: ObjectFacts[] } | RelayOnlyReason> {
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
    checkContentNotFromFuture(content, ctx.now, ctx.limits);
    if (!rootMatches(batch, content)) fail(Code.BAD_MERKLE_ROOT, "decrypted indicators do not hash to the signed root");
    const ids = checkIndicators(batch, content);
    const objects = checkContentObjects(batch, content, ctx.now, ctx.limits);
    checkAuthors(batch.producer, objects, ctx.identityOwner);
    return { content, ids, objects };
  });
}

/**
 * The costly, stateless part of validating an open batch, as one verdict: whether it decodes in
 * canonical form, whether its indicators hash to the signed root, whether the signature verifies,
 * and what the content checks found. `failure` is the first check that failed; `signatureValid`
 * says whether the failure (if any) came after the signature held, i.e. is the producer's doing.
 * Pure over (bytes, now, skew): it can run on any thread and decide the same.
 */
export interface ContentVerdict {
  signatureValid: boolean;
  failure: { code: Code; message: string } | undefined;
  ids: string[];
  liveIndexes: number[];
  objects: ObjectFacts[];
}

export function verifyOpenContent(bytes: Uint8Array, now: number, maxClockSkewMs = DEFAULT_BATCH_LIMITS.maxClockSkewMs): ContentVerdict {
  const failed = (code: Code, message: string, signatureValid = false): ContentVerdict => ({ signatureValid, failure: { code, message }, ids: [], liveIndexes: [], objects: [] });
  let batch: IndicatorBatch;
  try {
    batch = decodeBatch(bytes);
  } catch (err) {
    return failed(Code.DECODE_FAILED, (err as Error).message);
  }
  if (!isCanonicalEncoding(bytes, batch)) return failed(Code.NON_CANONICAL, "the bytes are not the batch's deterministic encoding (padded, or fields re-ordered or repeated)");
  const content = openContent(batch);
  if (!rootMatches(batch, content)) return failed(Code.BAD_MERKLE_ROOT, "indicators do not hash to the signed root");
  if (!signatureValid(batch)) return failed(Code.BAD_SIGNATURE, `signature does not verify under ${batch.producer}'s key`);
  try {
    checkContentNotFromFuture(content, now, { ...DEFAULT_BATCH_LIMITS, maxClockSkewMs });
    const ids = checkIndicators(batch, content);
    const objects = checkContentObjects(batch, content, now, { maxClockSkewMs });
    return { signatureValid: true, failure: undefined, ids, liveIndexes: liveIndexes(content, now), objects };
  } catch (err) {
    if (!(err instanceof IndicatorBatchError)) throw err;
    // The message without the "CODE: " prefix the error adds, which the pipeline adds again.
    return failed(err.code, err.message.slice(err.code.length + 2), true);
  }
}

/** Charges the producer's rate budget and checks equivocation: for batches whose signature holds. */
async function afterSignature(batch: Pick<IndicatorBatch, "producer" | "sequence">, knownRoot: Uint8Array | undefined, ctx: BatchValidationContext, full: () => IndicatorBatch): Promise<void> {
  if (ctx.admit && !ctx.admit(batch.producer)) fail(Code.RATE_LIMITED, `${batch.producer} sends batches faster than its rate limit`);
  if (knownRoot) throw new IndicatorBatchError(Code.EQUIVOCATION, `${batch.producer} signed two different batches #${batch.sequence}`, undefined, { batch: full() });
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
  const header = decodeHeader(bytes);
  checkHeader(header, ctx.limits, ctx.deployment);
  await checkProducerFresh(header, ctx);
  checkNotFromFuture(header.createdAt, ctx.now, ctx.limits);
  if (ctx.firstUnhandled && ctx.limits.maxSequenceAhead !== undefined) {
    const first = await ctx.firstUnhandled(header.producer);
    if (header.sequence >= first + ctx.limits.maxSequenceAhead) fail(Code.SEQUENCE_TOO_FAR, `#${header.sequence} is ${ctx.limits.maxSequenceAhead} or more beyond #${first}, the first one missing here`);
  }
  const knownRoot = await ctx.knownRoot(header.producer, header.sequence);
  checkReplay(header, knownRoot);
  if (!header.sealed) {
    // Decided here or on another core (ctx.verifyContent) by the same function, reported in one order.
    const verdict = ctx.verifyContent ? await ctx.verifyContent(bytes, ctx.now, ctx.limits.maxClockSkewMs) : verifyOpenContent(bytes, ctx.now, ctx.limits.maxClockSkewMs);
    if (!verdict.signatureValid) fail(verdict.failure!.code, verdict.failure!.message);
    // The signature holds: only now is the content decoded here, where the store needs it.
    const batch = decode(bytes);
    await afterSignature(header, knownRoot, ctx, () => batch);
    if (verdict.failure) fail(verdict.failure.code, verdict.failure.message);
    checkAuthors(batch.producer, verdict.objects, ctx.identityOwner);
    return { batch, bytes, content: openContent(batch), relayOnly: undefined, liveIndexes: verdict.liveIndexes, ids: verdict.ids, objects: verdict.objects };
  }
  // A sealed batch holds a ciphertext and key wraps only: decoding it whole costs little.
  const batch = decode(bytes);
  if (!isCanonicalEncoding(bytes, batch)) fail(Code.NON_CANONICAL, "the bytes are not the batch's deterministic encoding");
  if (!signatureValid(batch)) fail(Code.BAD_SIGNATURE, `signature does not verify under ${batch.producer}'s key`);
  await afterSignature(batch, knownRoot, ctx, () => batch);
  if (ctx.producerInGroup && !(await ctx.producerInGroup(batch.group, batch.producer))) {
    fail(Code.PRODUCER_NOT_IN_GROUP, `${batch.producer} is not in group ${batch.group}, which it sealed the batch for`);
  }
  const read = await readSealed(batch, ctx);
  if (typeof read === "string") return { batch, bytes, content: undefined, relayOnly: read, liveIndexes: [], ids: [], objects: [] };
  return { batch, bytes, content: read.content, relayOnly: undefined, liveIndexes: insideSealed(() => liveIndexes(read.content, ctx.now)), ids: read.ids, objects: read.objects };
}

/** A batch this node just signed fails its own checks: a bug, never sent. */
export class OwnBatchInvalidError extends Error {
  override readonly name = "OwnBatchInvalidError";
}

/**
 * What the publisher runs on a batch it signed before storing or sending it: the checks every
 * receiver will run, from the encoded bytes, so that the node never signs what peers would refuse
 * (and penalise it for). Throws OwnBatchInvalidError naming the check.
 */
export function checkOwnBatch(bytes: Uint8Array, content: BatchContent, deployment: Uint8Array, limits: BatchLimits, now: number): void {
  try {
    checkSize(bytes, limits);
    const header = decodeHeader(bytes);
    checkHeader(header, limits, deployment);
    const batch = decode(bytes);
    if (!isCanonicalEncoding(bytes, batch)) fail(Code.NON_CANONICAL, "the encoding does not decode back to itself");
    if (!signatureValid(batch)) fail(Code.BAD_SIGNATURE, "the signature does not verify");
    if (!rootMatches(batch, content)) fail(Code.BAD_MERKLE_ROOT, "the content does not hash to the root");
    checkIndicators(batch, content);
    checkContentObjects(batch, content, now, limits);
    checkContentNotFromFuture(content, now, limits);
  } catch (err) {
    if (err instanceof IndicatorBatchError) throw new OwnBatchInvalidError(`this node's own batch fails ${err.message}`);
    throw err;
  }
}
