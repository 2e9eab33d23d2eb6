import { EventEmitter } from "node:events";
import { TopicValidatorResult, type GossipSub } from "@libp2p/gossipsub";
import type { PeerId } from "@libp2p/interface";
import { BatchAlreadyStoredError, type IndicatorStore } from "../store/indicator-store.js";
import { GossipAction, IndicatorBatchError, IndicatorBatchErrorCode } from "./errors.js";
import { LatencyHistogram } from "./delivery-latency.js";
import { INDICATOR_SCORE_THRESHOLDS } from "./peer-scoring.js";
import { INDICATOR_TOPIC } from "./topics.js";
import { RateLimiter } from "@libp2p/utils";
import type { SealReader } from "../wire/sealed.js";
import type { IndicatorBatch } from "../wire/batch.js";
import { signedHeaderOf, type EquivocationEvidence } from "../trust/equivocation.js";
import { validateIndicatorBatch, type BatchLimits, type BatchValidationContext, type ProducerView, type ValidatedBatch } from "./validation.js";

export interface IndicatorGossipComponents {
  pubsub: GossipSub;
  store: IndicatorStore;
  /** The deployment this node belongs to (wire/deployment.ts). */
  deployment: Uint8Array;
  producer(orgId: string): ProducerView | undefined;
  /** The producer's view after reading the chain again (rate-limited by the caller). */
  refreshProducer?: BatchValidationContext["refreshProducer"];
  /** Whether a producer is listed in the group it seals a batch for (after a fresh read before a "no"). */
  producerInGroup?: BatchValidationContext["producerInGroup"];
  /** This node's org and X25519 key, to open the sealed batches it is entitled to. */
  reader: SealReader;
  /** Whether an org is an active member of a sharing group, per this node's chain view. */
  entitled(group: number, org: string): boolean | Promise<boolean>;
  now(): number;
  /** Checks open batches' content on another core (gossip/validation-pool.ts); absent, here. */
  verifyContent?: BatchValidationContext["verifyContent"];
  /** The member whose STIX identity an id is (for authorship of objects); absent, not checked. */
  identityOwner?: BatchValidationContext["identityOwner"];
  log?: (message: string, fields?: Record<string, unknown>) => void;
}

export interface GossipStats {
  accepted: number;
  /** Of the indicators received by gossip and stored: time from their producer's publish to stored here. */
  deliveryLatency: LatencyHistogram;
  /** Of the accepted, sealed batches this node read. */
  opened: number;
  /** Of the accepted, sealed batches this node only relays and keeps as ciphertext, by reason. */
  relayedOnly: { NOT_A_RECIPIENT: number; NOT_ENTITLED: number };
  ignored: Partial<Record<IndicatorBatchErrorCode, number>>;
  rejected: Partial<Record<IndicatorBatchErrorCode, number>>;
  /** Equivocations found (two signed batches with one sequence), kept as evidence. */
  equivocations: number;
}

/** What became of a batch offered to this node. */
export interface IngestOutcome {
  action: GossipAction;
  code?: IndicatorBatchErrorCode;
  /** Set when the batch was stored. */
  producer?: string;
  sequence?: number;
}

export interface IndicatorGossipEvents {
  /** A received batch passed validation and is stored. */
  batch: [validated: ValidatedBatch, from: PeerId];
  /** A peer sent more provably invalid batches than tolerated: disconnect and ban it. */
  misbehaving: [peer: PeerId, rejects: number];
  /** A producer signed two batches with one sequence: the evidence, as stored. */
  equivocation: [evidence: EquivocationEvidence];
}

export interface IndicatorGossipInit extends BatchLimits {
  /** Batches a producer may publish per second, sustained (bursts up to the same again). */
  producerBatchesPerSecond?: number;
  /** Batches validated at once; more are dropped (QUEUE_FULL) rather than queued without bound. */
  maxInFlight?: number;
  /** REJECTs from one peer within `rejectWindowMs` after which it is reported as misbehaving. */
  maxRejects?: number;
  rejectWindowMs?: number;
}

const RESULT_OF: Record<GossipAction, TopicValidatorResult> = {
  [GossipAction.ACCEPT]: TopicValidatorResult.Accept,
  [GossipAction.REJECT]: TopicValidatorResult.Reject,
  [GossipAction.IGNORE]: TopicValidatorResult.Ignore,
};

/**
 * The indicator topic: runs every received message through the validation pipeline, stores what
 * passes before it is forwarded (so an acknowledged forward is never lost), and maps the outcome
 * to gossipsub's ACCEPT / REJECT / IGNORE. REJECT lowers the sending peer's gossipsub score.
 */
export class IndicatorGossip extends EventEmitter<IndicatorGossipEvents> {
  readonly stats: GossipStats = { accepted: 0, deliveryLatency: new LatencyHistogram(), opened: 0, relayedOnly: { NOT_A_RECIPIENT: 0, NOT_ENTITLED: 0 }, ignored: {}, rejected: {}, equivocations: 0 };
  private running = false;
  private inFlight = 0;
  private readonly producerLimiter: RateLimiter;
  private readonly rejects = new Map<string, number[]>();
  private scoreWatch: NodeJS.Timeout | undefined;

  constructor(
    private readonly limits: IndicatorGossipInit,
    private readonly components: IndicatorGossipComponents,
  ) {
    super();
    const perSecond = limits.producerBatchesPerSecond ?? 100;
    this.producerLimiter = new RateLimiter({ points: perSecond * 2, duration: 2 });
  }

  private admit = (producer: string): boolean => {
    try {
      this.producerLimiter.consume(producer);
      return true;
    } catch {
      return false;
    }
  };

  /** Counts a REJECT against the peer; reports it once it passes the tolerated number. */
  private penalise(peer: PeerId): void {
    const key = peer.toString();
    const now = this.components.now();
    const window = this.limits.rejectWindowMs ?? 60_000;
    const recent = [...(this.rejects.get(key) ?? []).filter((t) => t > now - window), now];
    this.rejects.set(key, recent);
    if (recent.length === (this.limits.maxRejects ?? 3)) this.emit("misbehaving", peer, recent.length);
    if (this.rejects.size > 10_000) this.rejects.delete(this.rejects.keys().next().value!);
  }

  start(): void {
    if (this.running) return;
    this.running = true;
    this.components.pubsub.topicValidators.set(INDICATOR_TOPIC, (peer, message) => this.validate(peer, message.data));
    this.components.pubsub.subscribe(INDICATOR_TOPIC);
    // Graylisted peers' messages are ignored unread, but still cost bandwidth and decryption: a
    // peer scored that low is cut off rather than merely ignored.
    this.scoreWatch = setInterval(() => this.cutGraylisted(), 1000);
  }

  private cutGraylisted(): void {
    const pubsub = this.components.pubsub as unknown as { getScore(peerId: string): number };
    const graylist = INDICATOR_SCORE_THRESHOLDS.graylistThreshold ?? -80;
    for (const peer of this.components.pubsub.getPeers()) {
      const score = pubsub.getScore(peer.toString());
      if (score < graylist) this.emit("misbehaving", peer, this.rejects.get(peer.toString())?.length ?? 0);
    }
  }

  stop(): void {
    if (!this.running) return;
    this.running = false;
    clearInterval(this.scoreWatch);
    this.components.pubsub.unsubscribe(INDICATOR_TOPIC);
    this.components.pubsub.topicValidators.delete(INDICATOR_TOPIC);
  }

  /** Sends an already signed and stored batch to the mesh; returns how many peers got it. */
  async publish(bytes: Uint8Array): Promise<number> {
    const result = await this.components.pubsub.publish(INDICATOR_TOPIC, bytes);
    return result.recipients.length;
  }

  /** Connected peers subscribed to the indicator topic: those a producer's flood publish reaches. */
  topicPeers(): number {
    return this.components.pubsub.getSubscribers(INDICATOR_TOPIC).length;
  }

  private async validate(peer: PeerId, data: Uint8Array): Promise<TopicValidatorResult> {
    if (this.inFlight >= (this.limits.maxInFlight ?? 256)) {
      this.stats.ignored[IndicatorBatchErrorCode.QUEUE_FULL] = (this.stats.ignored[IndicatorBatchErrorCode.QUEUE_FULL] ?? 0) + 1;
      return RESULT_OF[GossipAction.IGNORE];
    }
    this.inFlight++;
    try {
      const outcome = await this.ingest(data, peer, { rateLimited: true, live: true });
      if (outcome.action === GossipAction.REJECT) this.penalise(peer);
      return RESULT_OF[outcome.action];
    } finally {
      this.inFlight--;
    }
  }

  /** Stores a validated batch; losing a race with the same (producer, sequence) is the same outcome as the replay check's. */
  private async store(validated: ValidatedBatch, data: Uint8Array): Promise<void> {
    try {
      await this.components.store.ingestBatch(validated.batch, data, validated.content, validated.liveIndexes, this.components.now(), { ids: validated.ids, objects: validated.objects });
    } catch (err) {
      if (!(err instanceof BatchAlreadyStoredError)) throw err;
      throw err.sameRoot
        ? new IndicatorBatchError(IndicatorBatchErrorCode.ALREADY_KNOWN, err.message)
        : new IndicatorBatchError(IndicatorBatchErrorCode.EQUIVOCATION, err.message, undefined, { batch: validated.batch });
    }
  }

  /** Stores both signed headers of an equivocation (the one held and the one just received), once. */
  private async keepEvidence(second: IndicatorBatch, from: PeerId): Promise<void> {
    const first = await this.components.store.batches.get(second.producer, second.sequence).catch(() => undefined);
    if (!first) return;
    const evidence: EquivocationEvidence = {
      producer: second.producer,
      sequence: second.sequence,
      detectedAt: this.components.now(),
      from: from.toString(),
      first: signedHeaderOf(first),
      second: signedHeaderOf(second),
    };
    if (!(await this.components.store.recordEquivocation(evidence))) return;
    this.stats.equivocations++;
    this.emit("equivocation", evidence);
  }

  /**
   * Runs a batch through the validation pipeline and stores what passes: the one path for batches
   * from gossip and from catch-up sync. Never throws: a bad batch is an outcome, not an error.
   */
  async ingest(data: Uint8Array, from: PeerId, options: { rateLimited?: boolean; live?: boolean } = {}): Promise<IngestOutcome> {
    const { store } = this.components;
    try {
      const validated = await validateIndicatorBatch(data, {
        now: this.components.now(),
        deployment: this.components.deployment,
        limits: this.limits,
        // Catch-up fetches what was missed in a burst on purpose: only live gossip is rate-limited.
        admit: options.rateLimited ? this.admit : undefined,
        producer: this.components.producer,
        refreshProducer: this.components.refreshProducer,
        producerInGroup: this.components.producerInGroup,
        firstUnhandled: async (producer) => (await store.progressOf(producer)).next,
        knownRoot: (producer, sequence) => store.knownRoot(producer, sequence),
        reader: this.components.reader,
        entitled: this.components.entitled,
        verifyContent: this.components.verifyContent,
        identityOwner: this.components.identityOwner,
      });
      await this.store(validated, data);
      this.stats.accepted++;
      // Only live gossip: a batch fetched by catch-up is old on purpose.
      if (options.live && validated.content) {
        const storedAt = this.components.now();
        for (const index of validated.liveIndexes) this.stats.deliveryLatency.observe(storedAt - validated.content.indicators[index]!.createdAt);
      }
      if (validated.relayOnly) this.stats.relayedOnly[validated.relayOnly]++;
      else if (validated.batch.sealed) this.stats.opened++;
      this.emit("batch", validated, from);
      return { action: GossipAction.ACCEPT, producer: validated.batch.producer, sequence: validated.batch.sequence };
    } catch (err) {
      if (err instanceof IndicatorBatchError) {
        const counts = err.action === GossipAction.REJECT ? this.stats.rejected : this.stats.ignored;
        counts[err.code] = (counts[err.code] ?? 0) + 1;
        if (err.code === IndicatorBatchErrorCode.EQUIVOCATION && err.evidence) await this.keepEvidence(err.evidence.batch, from);
        this.components.log?.("batch dropped", { action: err.action, code: err.code, peer: from.toString(), reason: err.message });
        return { action: err.action, code: err.code };
      }
      // Our own failure (disk full, store closed): not the peer's fault, and not stored, so not forwarded.
      this.components.log?.("could not process a batch", { error: (err as Error).message });
      return { action: GossipAction.IGNORE };
    }
  }
}
