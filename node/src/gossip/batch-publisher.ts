import type { Indicator } from "../model/indicator.js";
import type { Sighting } from "../model/sighting.js";
import { idOf } from "../model/indicator-id.js";
import type { IndicatorStore } from "../store/indicator-store.js";
import { signBatch } from "../wire/batch.js";
import { encodeBatch } from "../wire/codec.js";
import type { SealRecipient } from "../wire/sealed.js";
import { checkOwnBatch, type BatchLimits } from "./validation.js";
import { checkSighting } from "../model/sighting.js";
import { bytesEqual } from "../wire/bytes.js";
import type { ObjectFacts } from "../intel/object-checks.js";

export interface BatchPublisherInit {
  /** Flush when this many indicators wait. */
  maxBatchSize: number;
  /** Flush at the latest this long after the first indicator started waiting. */
  maxDelayMs: number;
  limits: BatchLimits;
  /**
   * Most indicators and sightings waiting to be batched. Beyond it a publish is refused at once
   * (PublisherBusyError: the API answers 503, try again) rather than queued without bound.
   */
  maxPending?: number;
}

/** Indicators and sightings waiting at most, by default: a few seconds of signing at full speed. */
export const DEFAULT_MAX_PENDING = 200_000;

export interface BatchPublisherComponents {
  orgId: string;
  /** The deployment batches are signed for (wire/deployment.ts). */
  deployment: Uint8Array;
  signingSecretKey: Uint8Array;
  store: IndicatorStore;
  /**
   * Who a batch for `group` is sealed for, from the chain as of now: the group's active members
   * and this org. Throws when the group is unknown or has nobody to read it.
   */
  recipients(group: number): SealRecipient[];
  /** Sends a stored batch to peers; returns the number of peers reached. */
  gossip(bytes: Uint8Array): Promise<number>;
  now(): number;
  log?: (message: string, fields?: Record<string, unknown>) => void;
}

/** Where a published indicator ended up. Sequence 0 means kept locally only (TLP:RED). */
export interface PublishReceipt {
  id: string;
  sequence: number;
  index: number;
  /** Sharing group the batch was sealed for; 0 for an open batch. */
  group: number;
  /** Orgs that can read the batch: every active member for an open batch, the sealed-for orgs otherwise. */
  readableBy: string[] | "all-members";
  /** Peers the batch was sent to directly (0 if none was online; catch-up sync serves them later). */
  recipients: number;
}

/** A STIX object version ready to publish (intel/object-preparation.ts): its canonical JSON, what its checks found, its audience. */
export interface PreparedObject {
  json: string;
  facts: ObjectFacts;
  /** Sharing group its batch is sealed for; 0 for an open batch. Ignored for TLP:RED, which stays here. */
  group: number;
}

/** Where a published object version ended up. Sequence 0 means kept locally only (TLP:RED). */
export interface ObjectReceipt {
  id: string;
  version: string;
  sequence: number;
  /** Its leaf in the batch's Merkle tree. */
  leaf: number;
  group: number;
  readableBy: string[] | "all-members";
  recipients: number;
}

/** A sighting to report, and the audience it goes to (privacy/audience.ts: sightingGroups). */
export interface SightingReport {
  sighting: Sighting;
  group: number;
}

/** Where a reported sighting ended up. */
export interface ReportReceipt {
  indicatorId: string;
  group: number;
  sequence: number;
  recipients: number;
}

type Pending = { group: number; key: string; reject(err: Error): void } & (
  /** `blindingKey`: the key a blinded indicator was blinded with, which its batch must carry. */
  | { indicator: Indicator; blindingKey?: Uint8Array; resolve(receipt: PublishReceipt): void }
  | { sighting: Sighting; resolve(receipt: ReportReceipt): void }
  | { object: PreparedObject; resolve(receipt: ObjectReceipt): void }
);

/** Bytes an item takes in a batch, about: what keeps a batch under the wire's limit. */
function sizeOf(p: Pending): number {
  if ("object" in p) return p.object.json.length + 8;
  if ("indicator" in p) return 160 + p.indicator.value.length + p.indicator.description.length + 64 * (p.indicator.labels.tags.length + p.indicator.labels.malwareFamilies.length + p.indicator.labels.attackTechniques.length);
  return 120;
}

export class PublisherStoppedError extends Error {
  override readonly name = "PublisherStoppedError";
}

/** Too much is waiting to be signed and sent; nothing of this publish was queued. */
export class PublisherBusyError extends Error {
  override readonly name = "PublisherBusyError";
  constructor(
    readonly waiting: number,
    readonly limit: number,
  ) {
    super(`${waiting.toLocaleString("en-US")} items already wait to be published (limit ${limit.toLocaleString("en-US")}); try again shortly`);
  }
}

/**
 * Collects indicators and sightings into batches (by size or time, one audience per batch),
 * signs each batch once, stores it (the acknowledgement: a resolved publish survives a crash)
 * and then gossips it. Batches are flushed one at a time so that sequence numbers are strictly
 * increasing without gaps.
 */
export class BatchPublisher {
  /** What this node signed and stored as producer, and how much of it gossip could not send at once. */
  readonly stats = { batches: 0, indicators: 0, sightings: 0, objects: 0, objectsQueued: 0, notGossiped: 0, refusedBusy: 0 };
  private pending: Pending[] = [];
  private timer: NodeJS.Timeout | undefined;
  private flushing: Promise<void> = Promise.resolve();
  private stopped = false;

  constructor(
    private readonly init: BatchPublisherInit,
    private readonly components: BatchPublisherComponents,
  ) {}

  /**
   * Queues indicators for the next batches of their audiences; resolves when stored and sent.
   * A blinded one comes with the key it was blinded with (`blindingKeys`, by index): its batch
   * carries that key to the group, and holds only indicators blinded with it.
   */
  publish(indicators: Indicator[], blindingKeys: ReadonlyArray<Uint8Array | undefined> = []): Promise<PublishReceipt[]> {
    if (this.stopped) return Promise.reject(new PublisherStoppedError("the publisher is stopped"));
    const busy = this.refuseIfFull(indicators.length);
    if (busy) return Promise.reject(busy);
    const local = indicators.filter((i) => i.tlp === "RED");
    const receipts: Array<Promise<PublishReceipt>> = [];
    if (local.length > 0) {
      const stored = this.components.store.storeLocal(local, this.components.now());
      for (const indicator of local) {
        receipts.push(stored.then(() => ({ id: idOf(indicator), sequence: 0, index: 0, group: indicator.group, readableBy: [], recipients: 0 })));
      }
    }
    indicators.forEach((indicator, i) => {
      if (indicator.tlp === "RED") return;
      const blindingKey = blindingKeys[i];
      if (indicator.blinded && !blindingKey) {
        receipts.push(Promise.reject(new RangeError("a blinded indicator needs the key it was blinded with")));
        return;
      }
      receipts.push(new Promise((resolve, reject) => this.pending.push({ indicator, blindingKey: indicator.blinded ? blindingKey : undefined, group: indicator.group, key: idOf(indicator), resolve, reject })));
    });
    this.scheduleForPending();
    return Promise.all(receipts);
  }

  /**
   * Queues sightings for the next batches of their audiences; resolves when stored and sent. Each
   * is checked first (InvalidIndicatorError): one that receivers would refuse is never queued, so
   * it can never sink a batch of others.
   */
  report(reports: SightingReport[]): Promise<ReportReceipt[]> {
    if (this.stopped) return Promise.reject(new PublisherStoppedError("the publisher is stopped"));
    try {
      for (const { sighting } of reports) checkSighting(sighting);
    } catch (err) {
      return Promise.reject(err);
    }
    const busy = this.refuseIfFull(reports.length);
    if (busy) return Promise.reject(busy);
    const receipts = reports.map(
      ({ sighting, group }) =>
        new Promise<ReportReceipt>((resolve, reject) =>
          this.pending.push({ sighting, group, key: `${sighting.indicatorId}/${sighting.kind}`, resolve, reject }),
        ),
    );
    this.scheduleForPending();
    return Promise.all(receipts);
  }

  /**
   * Queues STIX object versions for the next batches of their audiences; resolves when stored and
   * sent. TLP:RED ones are stored here only. Each must have passed intel/object-checks.ts already.
   */
  publishObjects(objects: PreparedObject[]): Promise<ObjectReceipt[]> {
    if (this.stopped) return Promise.reject(new PublisherStoppedError("the publisher is stopped"));
    const busy = this.refuseIfFull(objects.length);
    if (busy) return Promise.reject(busy);
    const local = objects.filter((o) => o.facts.tlp === "RED");
    const receipts: Array<Promise<ObjectReceipt>> = [];
    const stored = local.length > 0 ? this.components.store.storeLocalObjects(local, this.components.orgId, this.components.now()) : undefined;
    for (const object of objects) {
      if (object.facts.tlp === "RED") {
        receipts.push(stored!.then(() => ({ id: object.facts.id, version: object.facts.version, sequence: 0, leaf: 0, group: 0, readableBy: [], recipients: 0 })));
        continue;
      }
      receipts.push(new Promise((resolve, reject) => this.pending.push({ object, group: object.group, key: `object:${object.facts.id} ${object.facts.version}`, resolve, reject })));
    }
    this.stats.objectsQueued += objects.length;
    this.scheduleForPending();
    return Promise.all(receipts);
  }

  /** The error to refuse `count` more items with, if the queue cannot take them; counted. */
  private refuseIfFull(count: number): PublisherBusyError | undefined {
    const limit = this.init.maxPending ?? DEFAULT_MAX_PENDING;
    if (this.pending.length + count <= limit) return undefined;
    this.stats.refusedBusy += count;
    return new PublisherBusyError(this.pending.length, limit);
  }

  private scheduleForPending(): void {
    if (this.pending.length >= this.init.maxBatchSize) this.scheduleFlush(0);
    else if (this.pending.length > 0) this.scheduleFlush(this.init.maxDelayMs);
  }

  /** Publishes everything waiting now; resolves when it is stored and sent. */
  flush(): Promise<void> {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    this.flushing = this.flushing.then(() => this.flushAll());
    return this.flushing;
  }

  async stop(): Promise<void> {
    if (this.stopped) return;
    await this.flush();
    this.stopped = true;
  }

  private scheduleFlush(delayMs: number): void {
    if (this.timer && delayMs > 0) return;
    if (this.timer) clearTimeout(this.timer);
    this.timer = setTimeout(() => void this.flush(), delayMs);
  }

  private async flushAll(): Promise<void> {
    while (this.pending.length > 0) {
      const chunk = this.takeChunk();
      try {
        await this.publishChunk(chunk);
      } catch (err) {
        for (const p of chunk) p.reject(err as Error);
      }
    }
  }

  /**
   * Up to maxBatchSize waiting items of one audience (the group of the oldest waiting one), about
   * nine tenths of the wire's limit in bytes at most, without two of the same indicator, sighting
   * or object version (a batch may not repeat one), and with blinded indicators of one blinding
   * key only (a batch carries one).
   */
  private takeChunk(): Pending[] {
    const chunk: Pending[] = [];
    const rest: Pending[] = [];
    const keys = new Set<string>();
    const group = this.pending[0]?.group;
    const byteBudget = this.init.limits.maxBytes * 0.9;
    let bytes = 0;
    let blindingKey: Uint8Array | undefined;
    for (const p of this.pending) {
      const pKey = "indicator" in p ? p.blindingKey : undefined;
      const keyFits = !pKey || !blindingKey || bytesEqual(pKey, blindingKey);
      const size = sizeOf(p);
      const fits = chunk.length === 0 || bytes + size <= byteBudget;
      if (chunk.length < this.init.maxBatchSize && fits && p.group === group && !keys.has(p.key) && keyFits) {
        keys.add(p.key);
        chunk.push(p);
        bytes += size;
        blindingKey ??= pKey;
      } else {
        rest.push(p);
      }
    }
    this.pending = rest;
    return chunk;
  }

  private async publishChunk(chunk: Pending[]): Promise<void> {
    const { store, orgId, now } = this.components;
    const group = chunk[0]!.group;
    // Recipients are read at signing time: an org removed from the group a moment ago is not among them.
    const sealedFor = group > 0 ? this.components.recipients(group) : [];
    const indicators = chunk.flatMap((p) => ("indicator" in p ? [p.indicator] : []));
    const sightings = chunk.flatMap((p) => ("sighting" in p ? [p.sighting] : []));
    const objects = chunk.flatMap((p) => ("object" in p ? [p.object] : []));
    const sequence = await store.nextSequence(orgId);
    const { batch, content } = signBatch(
      {
        deployment: this.components.deployment,
        producer: orgId,
        sequence,
        createdAt: now(),
        group,
        indicators,
        sightings,
        objects: objects.map((o) => o.json),
        blindingKey: chunk.flatMap((p) => ("indicator" in p && p.blindingKey ? [p.blindingKey] : []))[0],
      },
      this.components.signingSecretKey,
      sealedFor,
    );
    const bytes = encodeBatch(batch);
    if (bytes.length > this.init.limits.maxBytes && chunk.length > 1) {
      // Long values made the batch too large for the wire: put the second half back and retry.
      const half = Math.ceil(chunk.length / 2);
      this.pending = [...chunk.slice(half), ...this.pending];
      return this.publishChunk(chunk.slice(0, half));
    }
    // What every receiver will check, checked here first: never sign and send what peers refuse.
    checkOwnBatch(bytes, content, this.components.deployment, this.init.limits, now());
    await store.ingestBatch(batch, bytes, content, indicators.map((_, i) => i), now(), { own: true, objects: objects.map((o) => o.facts) });
    this.stats.batches++;
    this.stats.indicators += indicators.length;
    this.stats.sightings += sightings.length;
    this.stats.objects += objects.length;
    let recipients = 0;
    try {
      recipients = await this.components.gossip(bytes);
    } catch (err) {
      this.stats.notGossiped++;
      // Stored is published: peers that missed it fetch it later. Not an error for the caller.
      this.components.log?.("batch stored but not gossiped", { sequence, error: (err as Error).message });
    }
    const readableBy = group > 0 ? sealedFor.map((r) => r.org).sort() : ("all-members" as const);
    let index = 0;
    let objectLeaf = indicators.length + sightings.length;
    for (const p of chunk) {
      if ("indicator" in p) p.resolve({ id: idOf(p.indicator), sequence, index: index++, group, readableBy, recipients });
      else if ("sighting" in p) p.resolve({ indicatorId: p.sighting.indicatorId, group, sequence, recipients });
      else p.resolve({ id: p.object.facts.id, version: p.object.facts.version, sequence, leaf: objectLeaf++, group, readableBy, recipients });
    }
  }
}
