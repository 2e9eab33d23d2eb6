/**
 * anon/ owns anonymous but accountable statements (issue 20; docs/privacy.md, docs/protocol.md):
 * a member says it sighted an indicator without saying which member, provably one of the ring of
 * active members, and at most once per indicator and epoch.
 *
 * anonymous-statements.ts sends and receives them: sightings, and indicators (whose producer is
 * then a pseudonym that starts low and gains no reputation). A signature hides the signer, but the first
 * peer a gossiped message comes from could be its origin; so a new anonymous sighting first goes
 * through a stem phase (after Dandelion++, Fanti et al. 2018): it is handed over a direct stream
 * (`/cti-exchange/stem/1`) to one member chosen at random for the epoch, which hands it on the
 * same way, or with probability `fluffProbability` publishes it on the gossip topic (the fluff);
 * every hop waits a random delay, and every node of the stem publishes it itself if it has not
 * seen it on gossip within an embargo, so a relay that drops it gains nothing. A relay behaves
 * the same whether the message came from its origin or from another relay, and nothing it stores,
 * logs or counts says where a message came from.
 */
import { TopicValidatorResult, type GossipSub } from "@libp2p/gossipsub";
import type { Libp2p, PeerId, Stream } from "@libp2p/interface";
import { lpStream } from "@libp2p/utils";
import { randomInt } from "node:crypto";
import type { Ring } from "../chain/ring-keys.js";
import { ANONYMOUS_SIGHTING_VERSION, anonymousSightingMessage, anonymousSightingScope, dayOf, type AnonymousSighting } from "../model/anonymous-sighting.js";
import type { SightingKind } from "../model/sighting.js";
import type { IndicatorStore } from "../store/indicator-store.js";
import { decodeAnonymousSighting, encodeAnonymousSighting, MAX_ANONYMOUS_SIGHTING_BYTES } from "../wire/anonymous-sighting.js";
import { encodeRingSignature, ringSign } from "../wire/ring-signature.js";
import { AnonymousSightingCode, validateAnonymousIndicator, validateAnonymousSighting, type AnonymousFailure } from "./anonymous-validation.js";
import { ANONYMOUS_INDICATOR_VERSION, anonymousIndicatorMessage, anonymousIndicatorScope, anonymousProducer } from "../model/anonymous-indicator.js";
import type { Indicator } from "../model/indicator.js";
import { encodeIndicatorCanonical } from "../wire/canonical.js";
import { decodeAnonymousIndicator, encodeAnonymousIndicator, MAX_ANONYMOUS_INDICATOR_BYTES } from "../wire/anonymous-indicator.js";

const MAX_STEM_BYTES = 1 + Math.max(MAX_ANONYMOUS_INDICATOR_BYTES, MAX_ANONYMOUS_SIGHTING_BYTES);

export const ANONYMOUS_TOPIC = "/cti-exchange/anonymous-sightings/1/proto";
export const ANONYMOUS_INDICATOR_TOPIC = "/cti-exchange/anonymous-indicators/1/proto";
export const STEM_PROTOCOL = "/cti-exchange/stem/1";

/** What a stem message carries, by its first byte. */
export type AnonymousKind = "sighting" | "indicator";
const KIND_BYTE: Record<AnonymousKind, number> = { sighting: 1, indicator: 2 };
const KIND_OF_BYTE = new Map<number, AnonymousKind>([
  [1, "sighting"],
  [2, "indicator"],
]);
const TOPIC_OF: Record<AnonymousKind, string> = { sighting: ANONYMOUS_TOPIC, indicator: ANONYMOUS_INDICATOR_TOPIC };

export interface AnonymousSightingsInit {
  /** Probability that a stem node fluffs (publishes) instead of handing on: 0.25 makes a stem of 4 hops on average. */
  fluffProbability: number;
  /** Random wait per hop, uniform in [min, max] ms: arrival times then do not point at the origin. */
  hopDelayMs: [number, number];
  /** A stem node that has not seen the message on gossip this long after it passed publishes it itself. */
  embargoMs: number;
  maxRingAgeBlocks: number;
  minRingSize: number;
}

export const DEFAULT_ANONYMOUS_SIGHTINGS: AnonymousSightingsInit = { fluffProbability: 0.25, hopDelayMs: [50, 400], embargoMs: 8_000, maxRingAgeBlocks: 50_000, minRingSize: 3 };

export interface AnonymousSightingsComponents {
  pubsub: GossipSub;
  libp2p: Libp2p;
  store: IndicatorStore;
  deployment: Uint8Array;
  ringAt(block: number): Promise<Ring>;
  /** The reputation epoch now (the scope of a key image), if the node knows one. */
  epoch(): number | undefined;
  head(): number;
  ringKeyPair(): { secretKey: Uint8Array; publicKey: Uint8Array };
  /** Whether the peer is an active member's node (only those may be stem hops). */
  isMemberPeer(peer: string): boolean;
  indicatorIsOpen(indicatorId: string): Promise<boolean>;
  now(): number;
}

export class AnonymousSightingError extends Error {
  override readonly name = "AnonymousSightingError";
  constructor(
    readonly code: "NO_EPOCH" | "NO_RING_KEY" | "RING_TOO_SMALL" | "ALREADY_SIGHTED" | "ALREADY_STATED" | "NOT_OPEN" | "REFUSED",
    message: string,
  ) {
    super(message);
  }
}

export class AnonymousStatements {
  private running = false;
  /** The stem successor of this epoch (re-drawn when the epoch changes or it disconnects). */
  private successor: { epoch: number; peer: string } | undefined;
  private readonly embargoes = new Map<string, NodeJS.Timeout>();
  private readonly timers = new Set<NodeJS.Timeout>();
  /** What was accepted, ignored and refused, by code: counts only, never who. */
  readonly stats = { accepted: 0, acceptedIndicators: 0, stemmed: 0, fluffed: 0, embargoFluffs: 0, rejected: {} as Record<string, number>, ignored: {} as Record<string, number> };

  constructor(
    private readonly init: AnonymousSightingsInit,
    private readonly components: AnonymousSightingsComponents,
  ) {}

  async start(): Promise<void> {
    if (this.running) return;
    this.running = true;
    const { pubsub, libp2p } = this.components;
    for (const kind of ["sighting", "indicator"] as const) {
      pubsub.topicValidators.set(TOPIC_OF[kind], async (_peer, message) => {
        // Seen in the fluff phase: an embargo waiting for it can stand down.
        remember(this.onGossip, keyImageOfBytes(kind, message.data));
        const outcome = await this.receive(kind, message.data);
        return outcome.action === "ACCEPT" ? TopicValidatorResult.Accept : outcome.action === "REJECT" ? TopicValidatorResult.Reject : TopicValidatorResult.Ignore;
      });
      pubsub.subscribe(TOPIC_OF[kind]);
    }
    await libp2p.handle(STEM_PROTOCOL, (stream, connection) => void this.onStem(stream, connection.remotePeer), { maxInboundStreams: 16, maxOutboundStreams: 16 });
  }

  async stop(): Promise<void> {
    if (!this.running) return;
    this.running = false;
    for (const topic of Object.values(TOPIC_OF)) {
      this.components.pubsub.unsubscribe(topic);
      this.components.pubsub.topicValidators.delete(topic);
    }
    await this.components.libp2p.unhandle(STEM_PROTOCOL).catch(() => undefined);
    for (const t of [...this.embargoes.values(), ...this.timers]) clearTimeout(t);
    this.embargoes.clear();
    this.timers.clear();
  }

  /**
   * Sights an indicator anonymously: signs as one of the ring of the last block, counts it here as
   * every node will, and starts the stem. Returns the ring it hides in.
   */
  async sight(indicatorId: string, kind: SightingKind, count: number, observedAt: number): Promise<{ ringSize: number; ringBlock: number; epoch: number }> {
    const { components } = this;
    if (!(await components.indicatorIsOpen(indicatorId))) throw new AnonymousSightingError("NOT_OPEN", "anonymous sightings are of indicators shared with every member (TLP:CLEAR or GREEN, no group)");
    const { epoch, ringBlock, ring, keys } = await this.ringToSignWith();
    const unsigned: Omit<AnonymousSighting, "signature"> = {
      version: ANONYMOUS_SIGHTING_VERSION,
      deployment: components.deployment,
      indicatorId,
      kind,
      epoch,
      ringBlock,
      observedDay: dayOf(observedAt),
      count: kind === "sighting" ? count : 1,
    };
    const signature = ringSign(anonymousSightingMessage(unsigned), ring.keys, keys.secretKey, anonymousSightingScope(unsigned));
    const bytes = encodeAnonymousSighting({ ...unsigned, signature: encodeRingSignature(signature) });
    const outcome = await this.receive("sighting", bytes);
    if (outcome.action !== "ACCEPT") {
      if (outcome.code === AnonymousSightingCode.REPEATED_KEY_IMAGE) throw new AnonymousSightingError("ALREADY_SIGHTED", "this org already sighted the indicator anonymously in this epoch: it counts once");
      throw new AnonymousSightingError("REFUSED", `${outcome.code}: ${outcome.reason}`);
    }
    this.relay("sighting", bytes);
    return { ringSize: ring.keys.length, ringBlock, epoch };
  }

  /**
   * States an indicator anonymously (already prepared and checked by the publish rules, TLP:CLEAR
   * or GREEN, no group): signed as one of the ring, counted here as every node will, then the stem.
   */
  async state(indicator: Indicator): Promise<{ ringSize: number; ringBlock: number; epoch: number; producer: string }> {
    const { epoch, ringBlock, ring, keys } = await this.ringToSignWith();
    const unsigned = { version: ANONYMOUS_INDICATOR_VERSION, deployment: this.components.deployment, epoch, ringBlock };
    const signed = { ...indicator, producer: "" };
    const signature = ringSign(anonymousIndicatorMessage(unsigned, encodeIndicatorCanonical(signed)), ring.keys, keys.secretKey, anonymousIndicatorScope({ ...unsigned, indicator: signed }));
    const bytes = encodeAnonymousIndicator({ ...unsigned, indicator: signed, signature: encodeRingSignature(signature) });
    const outcome = await this.receive("indicator", bytes);
    if (outcome.action !== "ACCEPT") {
      if (outcome.code === AnonymousSightingCode.REPEATED_KEY_IMAGE) throw new AnonymousSightingError("ALREADY_STATED", "this org already stated the value anonymously in this epoch");
      throw new AnonymousSightingError(outcome.code === AnonymousSightingCode.NOT_OPEN ? "NOT_OPEN" : "REFUSED", `${outcome.code}: ${outcome.reason}`);
    }
    this.relay("indicator", bytes);
    return { ringSize: ring.keys.length, ringBlock, epoch, producer: anonymousProducer(signature.keyImage) };
  }

  private async ringToSignWith() {
    const { components } = this;
    const epoch = components.epoch();
    if (epoch === undefined) throw new AnonymousSightingError("NO_EPOCH", "this node has no Reputation contract: an anonymous statement needs an epoch to count in");
    const ringBlock = Math.max(0, components.head() - 1);
    const ring = await components.ringAt(ringBlock);
    const keys = components.ringKeyPair();
    if (!ring.keys.some((k) => Buffer.from(k).equals(Buffer.from(keys.publicKey)))) {
      throw new AnonymousSightingError("NO_RING_KEY", `this org's ring key is not in the ring of block ${ringBlock} (the node registers it at start; wait for the transaction, or check chain.ringKeysAddress)`);
    }
    if (ring.keys.length < this.init.minRingSize) throw new AnonymousSightingError("RING_TOO_SMALL", `the ring has ${ring.keys.length} members; at least ${this.init.minRingSize} hide one`);
    return { epoch, ringBlock, ring, keys };
  }

  /** Validates and counts a message, from gossip, a stem hop or this node itself. */
  private async receive(kind: AnonymousKind, bytes: Uint8Array): Promise<{ action: "ACCEPT"; keyImage: string } | AnonymousFailure> {
    const { components } = this;
    const context = {
      deployment: components.deployment,
      epoch: components.epoch(),
      head: components.head(),
      maxRingAgeBlocks: this.init.maxRingAgeBlocks,
      minRingSize: this.init.minRingSize,
      now: components.now(),
      ringAt: components.ringAt,
      indicatorIsOpen: components.indicatorIsOpen,
      keyImageSeen: (keyImage: string) => components.store.keyImages.has(keyImage),
    };
    const outcome = kind === "sighting" ? await validateAnonymousSighting(bytes, context) : await validateAnonymousIndicator(bytes, context);
    if (outcome.action !== "ACCEPT") {
      const tally = outcome.action === "REJECT" ? this.stats.rejected : this.stats.ignored;
      tally[outcome.code] = (tally[outcome.code] ?? 0) + 1;
      return outcome;
    }
    const now = components.now();
    const added =
      "sighting" in outcome
        ? await components.store.addAnonymousSighting(outcome.sighting, outcome.keyImage, outcome.epoch, now)
        : await components.store.addAnonymousIndicator(outcome.indicator, outcome.keyImage, outcome.epoch, now);
    if (!added) {
      this.stats.ignored[AnonymousSightingCode.REPEATED_KEY_IMAGE] = (this.stats.ignored[AnonymousSightingCode.REPEATED_KEY_IMAGE] ?? 0) + 1;
      return { action: "IGNORE", code: AnonymousSightingCode.REPEATED_KEY_IMAGE, reason: "counted already" };
    }
    if (kind === "sighting") this.stats.accepted++;
    else this.stats.acceptedIndicators++;
    // Seen on gossip (or counted here): no embargo needed any more.
    clearTimeout(this.embargoes.get(outcome.keyImage));
    this.embargoes.delete(outcome.keyImage);
    return { action: "ACCEPT", keyImage: outcome.keyImage };
  }

  /** A stem hop handed a message over: checked like any, then handed on or fluffed. */
  private async onStem(stream: Stream, from: PeerId): Promise<void> {
    try {
      if (!this.components.isMemberPeer(from.toString())) throw new Error("not a member's peer");
      const lp = lpStream(stream, { maxDataLength: MAX_STEM_BYTES });
      const framed = (await lp.read({ signal: AbortSignal.timeout(10_000) })).subarray();
      await stream.close().catch(() => undefined);
      const kind = KIND_OF_BYTE.get(framed[0] ?? 0);
      if (!kind) throw new Error("unknown stem message kind");
      const bytes = framed.subarray(1);
      const outcome = await this.receive(kind, bytes);
      if (outcome.action === "ACCEPT") this.relay(kind, bytes);
      // The stem came back to a node that had it (a loop, likely among few members): the stem
      // ends here and the message is fluffed now, rather than after an embargo.
      else if (outcome.code === AnonymousSightingCode.REPEATED_KEY_IMAGE) this.later(this.hopDelay(), () => this.fluff(kind, bytes));
    } catch (err) {
      stream.abort(err as Error);
    }
  }

  /** After a random delay: hand on to the stem successor, or (with the fluff probability, or with no successor) publish. */
  private relay(kind: AnonymousKind, bytes: Uint8Array): void {
    const keyImage = keyImageOfBytes(kind, bytes);
    this.later(this.hopDelay(), async () => {
      const successor = this.successorPeer();
      if (!successor || Math.random() < this.init.fluffProbability) return this.fluff(kind, bytes);
      try {
        const stream = await this.components.libp2p.dialProtocol(successor, STEM_PROTOCOL, { signal: AbortSignal.timeout(5_000) });
        await lpStream(stream, { maxDataLength: MAX_STEM_BYTES }).write(Buffer.concat([Buffer.of(KIND_BYTE[kind]), bytes]));
        await stream.close().catch(() => undefined);
        this.stats.stemmed++;
      } catch {
        // A hop that fails is as if it fluffed here.
        return this.fluff(kind, bytes);
      }
      // The embargo: if the stem dies further on, this node fluffs it itself.
      if (keyImage) {
        this.embargoes.set(
          keyImage,
          this.later(this.init.embargoMs + randomInt(this.init.embargoMs), async () => {
            this.embargoes.delete(keyImage);
            if (!this.onGossip.has(keyImage) && !this.fluffed.has(keyImage)) {
              this.stats.embargoFluffs++;
              await this.fluff(kind, bytes);
            }
          }),
        );
      }
    });
  }

  /** Key images of messages published on gossip by this node, and of those that came by gossip (bounded). */
  private readonly fluffed = new Set<string>();
  private readonly onGossip = new Set<string>();

  private async fluff(kind: AnonymousKind, bytes: Uint8Array): Promise<void> {
    if (!this.running) return;
    const key = keyImageOfBytes(kind, bytes);
    if (this.fluffed.has(key)) return;
    remember(this.fluffed, key);
    try {
      await this.components.pubsub.publish(TOPIC_OF[kind], bytes);
      this.stats.fluffed++;
    } catch {
      // No peer on the topic: catch-up of anonymous sightings does not exist; the next member to fluff it may reach them.
    }
  }

  /** One member per epoch, chosen at random among connected members, kept while it stays connected. */
  private successorPeer(): PeerId | undefined {
    const epoch = this.components.epoch() ?? 0;
    const peers = this.components.libp2p.getPeers().filter((p) => this.components.isMemberPeer(p.toString()));
    if (peers.length === 0) return undefined;
    const kept = this.successor && this.successor.epoch === epoch ? peers.find((p) => p.toString() === this.successor!.peer) : undefined;
    if (kept) return kept;
    const chosen = peers[randomInt(peers.length)]!;
    this.successor = { epoch, peer: chosen.toString() };
    return chosen;
  }

  private hopDelay(): number {
    const [min, max] = this.init.hopDelayMs;
    return min + randomInt(Math.max(1, max - min + 1));
  }

  private later(ms: number, work: () => Promise<void>): NodeJS.Timeout {
    const timer = setTimeout(() => {
      this.timers.delete(timer);
      if (this.running) void work().catch(() => undefined);
    }, ms);
    this.timers.add(timer);
    return timer;
  }
}

/** The key image of an encoded message (the first 32 bytes of its signature), as hex; "" if unreadable. */
function keyImageOfBytes(kind: AnonymousKind, bytes: Uint8Array): string {
  try {
    const signature = kind === "sighting" ? decodeAnonymousSighting(bytes).signature : decodeAnonymousIndicator(bytes).signature;
    return Buffer.from(signature.subarray(0, 32)).toString("hex");
  } catch {
    return "";
  }
}

function remember(set: Set<string>, key: string): void {
  if (!key) return;
  set.add(key);
  if (set.size > 100_000) set.delete(set.values().next().value!);
}
