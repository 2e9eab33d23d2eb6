/**
 * gossip/ owns the GossipSub side of a node: the topic, the validation pipeline every received
 * message goes through, the mapping of its outcome to ACCEPT / REJECT / IGNORE, and the
 * connection gater that keeps non-members out.
 */

export enum GossipAction {
  /** Valid: deliver and forward. */
  ACCEPT = "accept",
  /** Provably invalid: drop and penalise the peer that sent it (gossipsub peer scoring). */
  REJECT = "reject",
  /** Not for us now (stale, duplicate, unknown producer while the chain view may lag): drop quietly. */
  IGNORE = "ignore",
}

export enum IndicatorBatchErrorCode {
  TOO_LARGE = "INDICATOR_BATCH_ERROR_TOO_LARGE",
  DECODE_FAILED = "INDICATOR_BATCH_ERROR_DECODE_FAILED",
  UNSUPPORTED_VERSION = "INDICATOR_BATCH_ERROR_UNSUPPORTED_VERSION",
  OBSOLETE_VERSION = "INDICATOR_BATCH_ERROR_OBSOLETE_VERSION",
  FUTURE_VERSION = "INDICATOR_BATCH_ERROR_FUTURE_VERSION",
  NON_CANONICAL = "INDICATOR_BATCH_ERROR_NON_CANONICAL",
  WRONG_DEPLOYMENT = "INDICATOR_BATCH_ERROR_WRONG_DEPLOYMENT",
  MALFORMED = "INDICATOR_BATCH_ERROR_MALFORMED",
  BAD_INDICATOR_COUNT = "INDICATOR_BATCH_ERROR_BAD_INDICATOR_COUNT",
  UNKNOWN_PRODUCER = "INDICATOR_BATCH_ERROR_UNKNOWN_PRODUCER",
  PRODUCER_NOT_ACTIVE = "INDICATOR_BATCH_ERROR_PRODUCER_NOT_ACTIVE",
  WRONG_SIGNING_KEY = "INDICATOR_BATCH_ERROR_WRONG_SIGNING_KEY",
  STALE_SIGNING_KEY = "INDICATOR_BATCH_ERROR_STALE_SIGNING_KEY",
  UNUSABLE_SIGNING_KEY = "INDICATOR_BATCH_ERROR_UNUSABLE_SIGNING_KEY",
  PRODUCER_NOT_IN_GROUP = "INDICATOR_BATCH_ERROR_PRODUCER_NOT_IN_GROUP",
  SEQUENCE_TOO_FAR = "INDICATOR_BATCH_ERROR_SEQUENCE_TOO_FAR",
  FUTURE_BATCH = "INDICATOR_BATCH_ERROR_FUTURE_BATCH",
  ALREADY_KNOWN = "INDICATOR_BATCH_ERROR_ALREADY_KNOWN",
  EQUIVOCATION = "INDICATOR_BATCH_ERROR_EQUIVOCATION",
  BAD_MERKLE_ROOT = "INDICATOR_BATCH_ERROR_BAD_MERKLE_ROOT",
  BAD_SIGNATURE = "INDICATOR_BATCH_ERROR_BAD_SIGNATURE",
  PRODUCER_MISMATCH = "INDICATOR_BATCH_ERROR_PRODUCER_MISMATCH",
  INVALID_INDICATOR = "INDICATOR_BATCH_ERROR_INVALID_INDICATOR",
  NOT_NORMALIZED = "INDICATOR_BATCH_ERROR_NOT_NORMALIZED",
  DUPLICATE_INDICATOR = "INDICATOR_BATCH_ERROR_DUPLICATE_INDICATOR",
  TLP_RED = "INDICATOR_BATCH_ERROR_TLP_RED",
  ALL_EXPIRED = "INDICATOR_BATCH_ERROR_ALL_EXPIRED",
  NOT_SEALED = "INDICATOR_BATCH_ERROR_NOT_SEALED",
  BAD_SEALED = "INDICATOR_BATCH_ERROR_BAD_SEALED",
  GROUP_MISMATCH = "INDICATOR_BATCH_ERROR_GROUP_MISMATCH",
  UNDECRYPTABLE = "INDICATOR_BATCH_ERROR_UNDECRYPTABLE",
  INVALID_SIGHTING = "INDICATOR_BATCH_ERROR_INVALID_SIGHTING",
  RATE_LIMITED = "INDICATOR_BATCH_ERROR_RATE_LIMITED",
  OBJECT_NOT_CANONICAL = "INDICATOR_BATCH_ERROR_OBJECT_NOT_CANONICAL",
  OBJECT_TOO_LARGE = "INDICATOR_BATCH_ERROR_OBJECT_TOO_LARGE",
  INVALID_OBJECT = "INDICATOR_BATCH_ERROR_INVALID_OBJECT",
  OBJECT_UNMARKED = "INDICATOR_BATCH_ERROR_OBJECT_UNMARKED",
  DUPLICATE_OBJECT = "INDICATOR_BATCH_ERROR_DUPLICATE_OBJECT",
  OBJECT_AUTHOR_MISMATCH = "INDICATOR_BATCH_ERROR_OBJECT_AUTHOR_MISMATCH",
  QUEUE_FULL = "INDICATOR_BATCH_ERROR_QUEUE_FULL",
}

/** What each code does to the message; one table so the rule is visible in one place. */
export const ACTION_OF: Record<IndicatorBatchErrorCode, GossipAction.REJECT | GossipAction.IGNORE> = {
  [IndicatorBatchErrorCode.TOO_LARGE]: GossipAction.REJECT,
  [IndicatorBatchErrorCode.DECODE_FAILED]: GossipAction.REJECT,
  [IndicatorBatchErrorCode.UNSUPPORTED_VERSION]: GossipAction.REJECT,
  // An older or newer version from a peer not upgraded yet (or upgraded first) is not misbehaviour.
  [IndicatorBatchErrorCode.OBSOLETE_VERSION]: GossipAction.IGNORE,
  [IndicatorBatchErrorCode.FUTURE_VERSION]: GossipAction.IGNORE,
  // The producer encodes deterministically; other bytes for its signature are a relay's doing.
  [IndicatorBatchErrorCode.NON_CANONICAL]: GossipAction.REJECT,
  [IndicatorBatchErrorCode.WRONG_DEPLOYMENT]: GossipAction.REJECT,
  [IndicatorBatchErrorCode.MALFORMED]: GossipAction.REJECT,
  [IndicatorBatchErrorCode.BAD_INDICATOR_COUNT]: GossipAction.REJECT,
  // Our view of the chain may lag the sender's by a few blocks.
  [IndicatorBatchErrorCode.UNKNOWN_PRODUCER]: GossipAction.IGNORE,
  // The producer's status is the producer's doing, and a relay's chain view may lag ours or lead it.
  [IndicatorBatchErrorCode.PRODUCER_NOT_ACTIVE]: GossipAction.IGNORE,
  // Checked again against a fresh chain view first: a key that was never the producer's is forged.
  [IndicatorBatchErrorCode.WRONG_SIGNING_KEY]: GossipAction.REJECT,
  // A key the producer had before it rotated: a relay that has not seen the rotation yet.
  [IndicatorBatchErrorCode.STALE_SIGNING_KEY]: GossipAction.IGNORE,
  // A key of small order on chain proves nothing; the producer's fault, not a relay's.
  [IndicatorBatchErrorCode.UNUSABLE_SIGNING_KEY]: GossipAction.IGNORE,
  // Checked against a fresh chain view first; the producer's fault, signed by it.
  [IndicatorBatchErrorCode.PRODUCER_NOT_IN_GROUP]: GossipAction.IGNORE,
  // Far beyond what this node holds of the producer: catch-up fetches it in order later.
  [IndicatorBatchErrorCode.SEQUENCE_TOO_FAR]: GossipAction.IGNORE,
  // Clocks drift; a batch from the future may become valid and is not provably bad.
  [IndicatorBatchErrorCode.FUTURE_BATCH]: GossipAction.IGNORE,
  [IndicatorBatchErrorCode.ALREADY_KNOWN]: GossipAction.IGNORE,
  // Two batches with one sequence, both signed by the producer: the producer's fault, never the
  // relay's (a producer sending one to each half of the network would otherwise have honest
  // relays banned). The node keeps both signed headers as evidence (store/equivocation-repository.ts).
  [IndicatorBatchErrorCode.EQUIVOCATION]: GossipAction.IGNORE,
  [IndicatorBatchErrorCode.BAD_MERKLE_ROOT]: GossipAction.REJECT,
  [IndicatorBatchErrorCode.BAD_SIGNATURE]: GossipAction.REJECT,
  [IndicatorBatchErrorCode.PRODUCER_MISMATCH]: GossipAction.REJECT,
  [IndicatorBatchErrorCode.INVALID_INDICATOR]: GossipAction.REJECT,
  [IndicatorBatchErrorCode.NOT_NORMALIZED]: GossipAction.REJECT,
  [IndicatorBatchErrorCode.DUPLICATE_INDICATOR]: GossipAction.REJECT,
  [IndicatorBatchErrorCode.TLP_RED]: GossipAction.REJECT,
  [IndicatorBatchErrorCode.ALL_EXPIRED]: GossipAction.IGNORE,
  // A group batch in the clear would leak it to every relay: never forward one.
  [IndicatorBatchErrorCode.NOT_SEALED]: GossipAction.REJECT,
  [IndicatorBatchErrorCode.BAD_SEALED]: GossipAction.REJECT,
  [IndicatorBatchErrorCode.GROUP_MISMATCH]: GossipAction.REJECT,
  // Relays cannot look inside a sealed batch, so a recipient that finds it broken must not
  // penalise the peer that forwarded it; the producer's signature names who is at fault.
  [IndicatorBatchErrorCode.UNDECRYPTABLE]: GossipAction.IGNORE,
  [IndicatorBatchErrorCode.INVALID_SIGHTING]: GossipAction.REJECT,
  // A producer publishing faster than any CTI source should: dropped, not penalised (it may be
  // a burst), counted; its batches reach us later by catch-up sync if they were genuine.
  [IndicatorBatchErrorCode.RATE_LIMITED]: GossipAction.IGNORE,
  // A STIX object's JSON not in RFC 8785 form: the producer canonicalizes, so other text for its
  // signature is a relay's doing (or a producer's bug), and every relay checks it.
  [IndicatorBatchErrorCode.OBJECT_NOT_CANONICAL]: GossipAction.REJECT,
  [IndicatorBatchErrorCode.OBJECT_TOO_LARGE]: GossipAction.REJECT,
  // Against the STIX 2.1 schemas every node carries (data/stix2/schemas).
  [IndicatorBatchErrorCode.INVALID_OBJECT]: GossipAction.REJECT,
  [IndicatorBatchErrorCode.OBJECT_UNMARKED]: GossipAction.REJECT,
  [IndicatorBatchErrorCode.DUPLICATE_OBJECT]: GossipAction.REJECT,
  // An object authored under another member's identity: which ids are members' depends on the
  // chain view, which may lag the relay's or lead it.
  [IndicatorBatchErrorCode.OBJECT_AUTHOR_MISMATCH]: GossipAction.IGNORE,
  // This node is saturated: its problem, not the sender's.
  [IndicatorBatchErrorCode.QUEUE_FULL]: GossipAction.IGNORE,
};

export class IndicatorBatchError extends Error {
  override readonly name = "IndicatorBatchError";
  readonly action: GossipAction.REJECT | GossipAction.IGNORE;

  constructor(
    readonly code: IndicatorBatchErrorCode,
    message: string,
    /** Overrides the code's usual action, for faults found inside a sealed batch. */
    action?: GossipAction.REJECT | GossipAction.IGNORE,
    /** For EQUIVOCATION: the second batch the producer signed for that sequence. */
    readonly evidence?: { batch: import("../wire/batch.js").IndicatorBatch },
  ) {
    super(`${code}: ${message}`);
    this.action = action ?? ACTION_OF[code];
  }
}
