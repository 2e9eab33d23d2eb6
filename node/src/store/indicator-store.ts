import { KeyImageRepository } from "./key-image-repository.js";
import { ResponseFeedRepository } from "./response-repository.js";
import { ResponseRequestRepository } from "./response-request-repository.js";
import { ResponseAuditRepository } from "./response-audit-repository.js";
import { CorrelationRepository, DEFAULT_FAN_OUT } from "./correlation-repository.js";
import { FeedStateRepository } from "./feed-state-repository.js";
import { DraftRepository } from "./draft-repository.js";
import { EventEmitter } from "node:events";
import type { Indicator, IndicatorType } from "../model/indicator.js";
import { mergeIndicator, type IndicatorRecord } from "../model/record.js";
import { idOf, indicatorId } from "../model/indicator-id.js";
import type { BatchContent, IndicatorBatch } from "../wire/batch.js";
import { LOCAL_SCOPE, recordSighting, scopeOfGroup, type Sighting, type SightingScope, type StoredSightings } from "../model/sighting.js";
import { AlertRepository, type AlertRecord } from "./alert-repository.js";
import { BlindingKeyRepository } from "./blinding-key-repository.js";
import { addToKeyRing, type BlindingKeyEntry } from "../privacy/key-ring.js";
import { EvidenceRepository, type EvidenceEntry } from "./evidence-repository.js";
import { EquivocationRepository } from "./equivocation-repository.js";
import type { EquivocationEvidence } from "../trust/equivocation.js";
import { SightingRepository } from "./sighting-repository.js";
import { advance, isHandled, skipWithheld, SyncProgressRepository, type SyncProgress } from "./sync-progress-repository.js";
import { BatchRepository } from "./batch-repository.js";
import { BatchRootIndex } from "./batch-root-index.js";
import { batchKey, bucket, decodeJson, encodeJson, openDatabase, reopenDatabase, type Database, type Sublevel, type WriteOp } from "./db.js";
import type { RecordKey } from "./record-codec.js";
import { bytesEqual } from "../wire/bytes.js";
import { IndicatorRepository } from "./indicator-repository.js";
import { ProducerCounterRepository, type ProducerCounters } from "./producer-counters.js";
import { OrderedIdIndex, type OrderedEntry } from "./ordered-index.js";
import { RecordUuidIndex } from "./record-uuid-index.js";
import { ObjectStore, type IncomingObject } from "./object-store.js";
import type { ObjectRecord, ObjectStatement } from "../model/object-record.js";
import type { ObjectFacts } from "../intel/object-checks.js";
import { orgIdentityId } from "../model/stix-object.js";

export interface StoreCounts {
  indicators: number;
  /** STIX objects held (ids, whatever their versions). */
  objects: number;
  batches: number;
  producers: ProducerCounters[];
}

export class StoreClosedError extends Error {
  override readonly name = "StoreClosedError";
}

/** A batch under this (producer, sequence) is already stored: the same one (a replay) or another (equivocation). */
export class BatchAlreadyStoredError extends Error {
  override readonly name = "BatchAlreadyStoredError";
  constructor(
    readonly producer: string,
    readonly sequence: number,
    /** Whether the stored batch has the same Merkle root: a replay rather than equivocation. */
    readonly sameRoot: boolean,
  ) {
    super(sameRoot ? `${producer}#${sequence} is already stored` : `${producer} signed two different batches #${sequence}`);
  }
}

/** Most indicators one group-commit write takes; a larger burst is split over several writes. */
const MAX_INDICATORS_PER_WRITE = 10_000;
const INDICATOR_COUNT_KEY = "indicator-count";
const LOOKUP_SNAPSHOT_KEY = "lookup-snapshot";
/** Set once every record has its by-uuid entry (stores written before the index get them at open). */
const UUID_INDEX_KEY = "uuid-index";

interface PendingIngest {
  batch: IndicatorBatch;
  bytes: Uint8Array;
  content: BatchContent | undefined;
  liveIndexes: number[];
  now: number;
  /** Ids of the content's indicators, when the caller has them already (validation computes them). */
  ids: string[] | undefined;
  /** What validation found of the content's STIX objects, in order (required when it has any). */
  objects: ObjectFacts[] | undefined;
  /** This node's own batch: flushed to disk before acknowledged when the store is durable. */
  own: boolean;
  resolve(): void;
  reject(err: unknown): void;
}

/**
 * The node's indicator cache. Every change that belongs together (a batch, its merged
 * indicators, their indexes and the producer's counters) is one atomic LevelDB batch, so a crash
 * leaves either all of it or none. Writes are serialized: two batches naming the same indicator
 * must merge one after the other, not overwrite each other.
 */
/** A record's revision; records written before revisions existed sort by their update time. */
function revisionOf(record: IndicatorRecord): number {
  return record.revision ?? record.updatedAt * 1000;
}

export interface IndicatorStoreEvents {
  /** Records just written (merged or new), after the write is durable. */
  records: [records: IndicatorRecord[]];
  /** Records just pruned. */
  pruned: [records: IndicatorRecord[]];
  /** STIX object records just changed (a new statement of theirs), after the write is durable. */
  objects: [records: ObjectRecord[]];
  /** Indicators whose sightings just changed, after the write is durable. */
  sightings: [indicatorIds: string[]];
}

export class IndicatorStore extends EventEmitter<IndicatorStoreEvents> {
  readonly indicators: IndicatorRepository;
  /** revision (write time, µs) -> id. */
  readonly byTime: OrderedIdIndex;
  readonly batches: BatchRepository;
  readonly batchRoots: BatchRootIndex;
  readonly producers: ProducerCounterRepository;
  readonly blindingKeys: BlindingKeyRepository;
  readonly sightings: SightingRepository;
  /** validUntil -> id. */
  readonly byExpiry: OrderedIdIndex;
  readonly evidence: EvidenceRepository;
  readonly alerts: AlertRepository;
  readonly syncProgress: SyncProgressRepository;
  /** What the node remembers of the external feeds it ingests (feeds/). */
  readonly feeds: FeedStateRepository;
  /** Drafts of reports waiting for an analyst (extract/). */
  readonly drafts: DraftRepository;
  readonly equivocations: EquivocationRepository;
  /** Enforcement feeds, response requests and response's audit log (response/). */
  readonly responseFeeds: ResponseFeedRepository;
  readonly responseRequests: ResponseRequestRepository;
  readonly responseAudit: ResponseAuditRepository;
  /** Key images of accepted anonymous sightings (anon/). */
  readonly keyImages: KeyImageRepository;
  /** record UUID -> id. */
  readonly byUuid: RecordUuidIndex;
  /** STIX objects: their statements, versions, graph and links (store/object-store.ts). */
  readonly objects: ObjectStore;
  /** The correlation index (correlate/), derived from the records and objects: rebuilt if lost. */
  readonly correlation: CorrelationRepository;
  private keyRing: BlindingKeyEntry[] = [];
  private writeTail: Promise<unknown> = Promise.resolve();
  private pendingIngests: PendingIngest[] = [];
  private ingestFlushQueued = false;
  /** The last write's revision (µs): every write is stamped later than any before it (see stamp()). */
  private lastRevision = 0;
  private closed = false;
  private durable = false;

  /**
   * Per producer, its counters and sync progress as last written: every ingest reads both, and
   * a LevelDB read per batch (even of a key not there) cost more than the batch's Merkle root.
   * Only the store writes them, inside exclusive(), and updates these after the write succeeds.
   */
  private readonly countersCache = new Map<string, ProducerCounters | undefined>();
  private readonly progressCache = new Map<string, SyncProgress>();
  /** Records held, kept in the same atomic writes as the records, so /status never walks the store. */
  private indicatorCount = 0;
  private readonly meta: Sublevel;

  private constructor(
    private readonly db: Database,
    correlationFanOut: number,
  ) {
    super();
    this.correlation = new CorrelationRepository(db, correlationFanOut);
    this.indicators = new IndicatorRepository(db);
    this.byTime = new OrderedIdIndex(db, "by-time");
    this.batches = new BatchRepository(db);
    this.batchRoots = new BatchRootIndex(db);
    this.producers = new ProducerCounterRepository(db);
    this.blindingKeys = new BlindingKeyRepository(db);
    this.sightings = new SightingRepository(db);
    this.byExpiry = new OrderedIdIndex(db, "by-expiry");
    this.evidence = new EvidenceRepository(db);
    this.alerts = new AlertRepository(db);
    this.syncProgress = new SyncProgressRepository(db);
    this.feeds = new FeedStateRepository(db);
    this.drafts = new DraftRepository(db);
    this.equivocations = new EquivocationRepository(db);
    this.responseFeeds = new ResponseFeedRepository(db);
    this.responseRequests = new ResponseRequestRepository(db);
    this.responseAudit = new ResponseAuditRepository(db);
    this.keyImages = new KeyImageRepository(db);
    this.byUuid = new RecordUuidIndex(db);
    this.objects = new ObjectStore(db);
    this.meta = bucket(db, "meta");
  }

  /**
   * `durable`: every acknowledged write of what only this node has (its own batches, local
   * records, evidence, alerts) is flushed to disk (fsync) before it is acknowledged, so that it
   * survives a power loss too, not only a crash of the process. Group commit makes that one flush
   * per group of batches.
   */
  static async open(path: string, options: { durable?: boolean; correlationFanOut?: number } = {}): Promise<IndicatorStore> {
    const store = new IndicatorStore(await openDatabase(path), options.correlationFanOut ?? DEFAULT_FAN_OUT);
    store.durable = options.durable ?? false;
    await store.blindingKeys.upgrade();
    await store.objects.open();
    for (const entry of await store.blindingKeys.all()) store.keyRing = addToKeyRing(store.keyRing, entry).ring;
    store.lastRevision = (await store.byTime.last())?.at ?? 0;
    for (const counters of await store.producers.all()) store.countersCache.set(counters.producer, counters);
    const counted = await store.meta.get(INDICATOR_COUNT_KEY);
    if (counted) store.indicatorCount = decodeJson<number>(counted);
    else {
      // A store written before the count existed: count once, then keep it.
      store.indicatorCount = await store.indicators.count();
      await store.db.batch([store.countOp(store.indicatorCount)] as never);
    }
    if (!(await store.meta.get(UUID_INDEX_KEY))) await store.buildUuidIndex();
    return store;
  }

  /** A producer's counters (cached; see countersCache). */
  async countersOf(producer: string): Promise<ProducerCounters | undefined> {
    if (this.countersCache.has(producer)) return this.countersCache.get(producer);
    const stored = await this.producers.get(producer);
    // A write that finished while we read has set the newer value: keep it.
    if (!this.countersCache.has(producer)) this.countersCache.set(producer, stored);
    return this.countersCache.get(producer);
  }

  /** How far this node has a producer's batches without a gap (cached; see progressCache). */
  async progressOf(producer: string): Promise<SyncProgress> {
    const cached = this.progressCache.get(producer);
    if (cached) return cached;
    const stored = await this.syncProgress.get(producer);
    if (!this.progressCache.has(producer)) this.progressCache.set(producer, stored);
    return this.progressCache.get(producer)!;
  }

  /**
   * The Merkle root of the batch stored under (producer, sequence), if any, for the replay and
   * equivocation checks. A sequence this node has not handled yet is not stored: no read. (The
   * group commit checks again at write time, so a race cannot store two batches either way.)
   */
  async knownRoot(producer: string, sequence: number): Promise<Uint8Array | undefined> {
    if (!isHandled(await this.progressOf(producer), sequence)) return undefined;
    return this.batchRoots.get(producer, sequence);
  }

  /**
   * One atomic LevelDB write. When the store is durable and the write holds something only this
   * node has (its own publishes, local records, evidence, alerts), it is flushed to disk before
   * it resolves.
   */
  private write(ops: WriteOp[], irreplaceable = true): Promise<void> {
    // A chained batch rather than db.batch(array): classic-level then takes each operation as
    // arguments instead of reading an object's properties through N-API, which was a quarter of
    // the main thread at full ingest (node/bench/ingest.bench.ts: about 12% more indicators/s).
    const batch = this.db.batch();
    try {
      for (const op of ops) {
        if (op.type === "put") batch.put(op.key, op.value, { sublevel: op.sublevel } as never);
        else batch.del(op.key, { sublevel: op.sublevel } as never);
      }
    } catch (err) {
      void batch.close();
      return Promise.reject(err);
    }
    return batch.write({ sync: this.durable && irreplaceable } as never);
  }

  /**
   * The token of the lookup-index snapshot saved at the last clean stop (detect/lookup-snapshot.ts),
   * if nothing was written since. It is forgotten here, before this run writes anything, so that a
   * snapshot never outlives the state it describes: after a crash there is no token, and the
   * index is rebuilt from the records.
   */
  takeLookupSnapshotToken(): Promise<string | undefined> {
    return this.exclusive(async () => {
      const stored = await this.meta.get(LOOKUP_SNAPSHOT_KEY);
      if (!stored) return undefined;
      await this.write([{ type: "del", sublevel: this.meta, key: LOOKUP_SNAPSHOT_KEY }]);
      return decodeJson<string>(stored);
    });
  }

  /** Records that the snapshot `token` describes the store as it is now (at a clean stop, after the last write). */
  recordLookupSnapshotToken(token: string): Promise<void> {
    return this.exclusive(() => this.write([{ type: "put", sublevel: this.meta, key: LOOKUP_SNAPSHOT_KEY, value: encodeJson(token) }]));
  }

  private countOp(count: number): WriteOp {
    return { type: "put", sublevel: this.meta, key: INDICATOR_COUNT_KEY, value: encodeJson(count) };
  }

  /** Every blinding key this node holds (its own and those of its groups' producers). */
  blindingKeyRing(): readonly BlindingKeyEntry[] {
    return this.keyRing;
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.writeTail.catch(() => undefined);
    await this.db.close();
  }

  private exclusive<T>(work: () => Promise<T>): Promise<T> {
    if (this.closed) return Promise.reject(new StoreClosedError("the indicator store is closed"));
    const run = this.writeTail.then(work, work);
    this.writeTail = run.catch(() => undefined);
    return run;
  }

  /**
   * The revision of a write: the caller's clock in microseconds, but always later than the
   * previous write's, so that every write sorts after everything a reader of the by-time index
   * has already passed. Readers that page by cursor (feeds, TAXII) then never skip a write, even
   * two in one millisecond or across a clock step back; at most 1 µs of drift per write.
   */
  private revise(now: number): number {
    this.lastRevision = Math.max(now * 1000, this.lastRevision + 1);
    return this.lastRevision;
  }

  /**
   * Ops that merge `entries`, in order, into their records and move their time and expiry index
   * entries. An indicator named several times (by batches written together) is read once,
   * merged in memory, and written once with its final index entries.
   */
  private async mergeOps(
    entries: Array<{ indicator: Indicator; id?: string; sequence: number; index: number; revision: number; now: number }>,
  ): Promise<{ ops: WriteOp[]; records: IndicatorRecord[]; added: number }> {
    const ids = entries.map((e) => e.id ?? idOf(e.indicator));
    const unique = [...new Set(ids)];
    const stored = await this.indicators.getMany(unique);
    const before = new Map(unique.map((id, i) => [id, stored[i]]));
    const after = new Map<string, IndicatorRecord>();
    entries.forEach((entry, i) => {
      const id = ids[i]!;
      after.set(id, mergeIndicator(after.get(id) ?? before.get(id), entry.indicator, entry, entry.now, entry.revision, id));
    });
    const ops: WriteOp[] = [];
    let added = 0;
    for (const [id, record] of after) {
      const original = before.get(id);
      if (!original) {
        added++;
        ops.push(this.byUuid.putOp(id));
      }
      ops.push(this.indicators.putOp(record));
      if (original) ops.push(this.byTime.delOp(revisionOf(original), id), this.byExpiry.delOp(original.validUntil, id));
      ops.push(this.byTime.putOp(record.revision, id), this.byExpiry.putOp(record.validUntil, id));
    }
    if (added > 0) ops.push(this.countOp(this.indicatorCount + added));
    return { ops, records: [...after.values()], added };
  }

  /** Ops that fold sightings, each with the scope it travelled in, into what is kept (several of one indicator in order). */
  private async sightingOps(sightings: Array<{ sighting: Sighting; scope: SightingScope }>): Promise<WriteOp[]> {
    if (sightings.length === 0) return [];
    const ids = [...new Set(sightings.map((s) => s.sighting.indicatorId))];
    const existing = await this.sightings.getMany(ids);
    const stored = new Map<string, StoredSightings | undefined>(ids.map((id, i) => [id, existing[i]]));
    for (const { sighting, scope } of sightings) stored.set(sighting.indicatorId, recordSighting(stored.get(sighting.indicatorId), sighting, scope));
    return [...stored.values()].map((s) => this.sightings.putOp(s!));
  }

  /**
   * Stores a verified batch, merges the given indicators of its content (those still valid) and
   * folds in its sightings. `bytes` is the batch as received, kept as proof material and for
   * store-and-forward; a sealed batch this node may not read is kept that way only, with no content.
   *
   * Batches that arrive while a write is under way are written together in the next one (group
   * commit): one read of what they touch and one atomic LevelDB write for all of them. Each
   * caller's promise settles when its batch is durable. A batch whose (producer, sequence) is
   * already stored, or is written by an earlier batch of the same group, is refused with
   * BatchAlreadyStoredError: two batches validated at the same moment cannot both be stored.
   */
  ingestBatch(
    batch: IndicatorBatch,
    bytes: Uint8Array,
    content: BatchContent | undefined,
    liveIndexes: number[],
    now: number,
    extra: { ids?: string[]; own?: boolean; objects?: ObjectFacts[] } = {},
  ): Promise<void> {
    if (this.closed) return Promise.reject(new StoreClosedError("the indicator store is closed"));
    if (content && content.objects.length !== (extra.objects?.length ?? 0)) return Promise.reject(new RangeError("a batch's STIX objects are stored with what their checks found (extra.objects)"));
    const { promise, resolve, reject } = Promise.withResolvers<void>();
    this.pendingIngests.push({ batch, bytes, content, liveIndexes, now, ids: extra.ids, objects: extra.objects, own: extra.own ?? false, resolve, reject });
    this.scheduleIngestFlush();
    return promise;
  }

  private scheduleIngestFlush(): void {
    if (this.ingestFlushQueued || this.pendingIngests.length === 0) return;
    this.ingestFlushQueued = true;
    this.exclusive(() => this.flushIngests()).catch((err: unknown) => {
      // The store closed before this write could run: nothing still waiting will be written.
      this.ingestFlushQueued = false;
      for (const request of this.pendingIngests.splice(0)) request.reject(err);
    });
  }

  private async flushIngests(): Promise<void> {
    this.ingestFlushQueued = false;
    let taken = 0;
    let indicators = 0;
    while (taken < this.pendingIngests.length && indicators < MAX_INDICATORS_PER_WRITE) {
      const request = this.pendingIngests[taken++]!;
      indicators += request.liveIndexes.length + (request.content?.objects.length ?? 0);
    }
    const group = this.pendingIngests.splice(0, taken);
    // What is left (a burst larger than one write) goes in the next write, after this one.
    this.scheduleIngestFlush();
    try {
      const accepted = await this.refuseStored(group);
      await this.writeIngests(accepted);
      for (const request of accepted) request.resolve();
    } catch (err) {
      for (const request of group) request.reject(err);
    }
  }

  /** Settles the requests whose batch is already stored, or repeated in the group; returns the rest. */
  private async refuseStored(group: PendingIngest[]): Promise<PendingIngest[]> {
    // Only a sequence already handled can be stored: read roots for those alone (usually none).
    const handled = await Promise.all(group.map(async (r) => isHandled(await this.progressOf(r.batch.producer), r.batch.sequence)));
    const stored = await this.batchRoots.getMany(group.flatMap((r, i) => (handled[i] ? [[r.batch.producer, r.batch.sequence] as [string, number]] : [])));
    let next = 0;
    const roots = handled.map((h) => (h ? stored[next++] : undefined));
    const taken = new Map<string, Uint8Array>();
    return group.filter((request, i) => {
      const key = batchKey(request.batch.producer, request.batch.sequence);
      const root = roots[i] ?? taken.get(key);
      if (root) {
        request.reject(new BatchAlreadyStoredError(request.batch.producer, request.batch.sequence, bytesEqual(root, request.batch.merkleRoot)));
        return false;
      }
      taken.set(key, request.batch.merkleRoot);
      return true;
    });
  }

  private async writeIngests(group: PendingIngest[]): Promise<void> {
    if (group.length === 0) return;
    const revisions = group.map((request) => this.revise(request.now));
    const entries = group.flatMap((request, r) => {
      const { batch, content } = request;
      return content
        ? request.liveIndexes.map((index) => ({ indicator: content.indicators[index]!, id: request.ids?.[index], sequence: batch.sequence, index, revision: revisions[r]!, now: request.now }))
        : [];
    });
    const merged = await this.mergeOps(entries);
    const sightings = group.flatMap((r) => (r.content?.sightings ?? []).map((sighting) => ({ sighting, scope: scopeOfGroup(r.batch.group) })));
    const objects = await this.objects.ingestOps(group.flatMap((request, r) => incomingObjects(request, revisions[r]!)));
    const ops = [...merged.ops, ...(await this.sightingOps(sightings)), ...objects.ops];
    // Keys not held yet join the ring (the oldest of a group leaving if it is full), in this write.
    let ring = this.keyRing;
    for (const { batch, content, now } of group) {
      if (!content?.blindingKey) continue;
      const next = addToKeyRing(ring, { producer: batch.producer, group: batch.group, key: content.blindingKey, learntAt: now });
      if (!next.added) continue;
      ring = next.ring;
      ops.push(this.blindingKeys.putOp(ring.at(-1)!), ...next.evicted.map((e) => this.blindingKeys.delOp(e)));
    }

    const producers = [...new Set(group.map((r) => r.batch.producer))];
    const [counters, progress] = await Promise.all([Promise.all(producers.map((p) => this.countersOf(p))), Promise.all(producers.map((p) => this.progressOf(p)))]);
    const countersOf = new Map(producers.map((p, i) => [p, counters[i] ?? { producer: p, batches: 0, indicators: 0, lastSequence: 0, lastBatchAt: 0 }]));
    const progressOf = new Map(producers.map((p, i) => [p, progress[i]!]));
    for (const { batch, bytes, liveIndexes, content } of group) {
      const c = countersOf.get(batch.producer)!;
      countersOf.set(batch.producer, {
        producer: batch.producer,
        batches: c.batches + 1,
        indicators: c.indicators + (content ? liveIndexes.length : 0),
        lastSequence: Math.max(c.lastSequence, batch.sequence),
        lastBatchAt: Math.max(c.lastBatchAt, batch.createdAt),
      });
      progressOf.set(batch.producer, advance(progressOf.get(batch.producer)!, batch.sequence));
      ops.push(this.batches.putOp(batch.producer, batch.sequence, bytes), this.batchRoots.putOp(batch.producer, batch.sequence, batch.merkleRoot));
    }
    for (const c of countersOf.values()) ops.push(this.producers.putOp(c));
    for (const p of progressOf.values()) ops.push(this.syncProgress.putOp(p));
    // Received batches are held by the peers that sent them and refetched by catch-up after a
    // power loss (their progress is in the same write); this node's own are not: flush those.
    await this.write(ops, group.some((r) => r.own));
    this.indicatorCount += merged.added;
    for (const [producer, c] of countersOf) this.countersCache.set(producer, c);
    for (const [producer, p] of progressOf) this.progressCache.set(producer, p);
    this.keyRing = ring;
    objects.commit();
    this.changed(merged.records);
    if (objects.changed.length > 0) this.emit("objects", objects.changed);
    if (sightings.length > 0) this.emit("sightings", [...new Set(sightings.map((s) => s.sighting.indicatorId))]);
  }

  /** Stores STIX objects that must never leave this node (TLP:RED): no batch, no signature. */
  storeLocalObjects(objects: Array<{ json: string; facts: ObjectFacts }>, producer: string, now: number): Promise<ObjectRecord[]> {
    return this.exclusive(async () => {
      const revision = this.revise(now);
      const written = await this.objects.ingestOps(
        objects.map(({ json, facts }) => ({ json, id: facts.id, type: facts.type, atoms: facts.atoms, edges: facts.edges, statement: statementOf(facts, { producer, group: 0, signedAt: now, sequence: 0, leaf: 0, receivedAt: now, revision }) })),
      );
      await this.write(written.ops);
      written.commit();
      if (written.changed.length > 0) this.emit("objects", written.changed);
      return written.changed;
    });
  }

  private changed(records: IndicatorRecord[]): void {
    if (records.length > 0) this.emit("records", records);
  }

  /** Every record's observable, for the lookup index built at start (detect/lookup-index.ts). */
  allRecordKeys(): AsyncGenerator<RecordKey> {
    return this.indicators.allKeys();
  }

  /**
   * Closes and reopens LevelDB, which unmaps every table file it has read. LevelDB reads its
   * tables through mmap and keeps each one it opened mapped (up to 1,000), so after a read of
   * every record those pages count in the node's RSS (160 MB at 1,000,000 indicators) until memory
   * runs short. Meant for start-up, after such a read and before anything else uses the store.
   */
  releaseTableMappings(): Promise<void> {
    return this.exclusive(() => reopenDatabase(this.db));
  }

  /**
   * Keeps one of this org's own blinding keys (the one it is about to blind with), so that its
   * own lookups match what it blinded, TLP:RED ones included, which no batch carries.
   */
  addOwnBlindingKey(entry: BlindingKeyEntry): Promise<void> {
    return this.exclusive(async () => {
      const next = addToKeyRing(this.keyRing, entry);
      if (!next.added) return;
      await this.write([this.blindingKeys.putOp(entry), ...next.evicted.map((e) => this.blindingKeys.delOp(e))]);
      this.keyRing = next.ring;
    });
  }

  /** Stores indicators that must never leave this node (TLP:RED): no batch, no signature. */
  storeLocal(indicators: Indicator[], now: number): Promise<void> {
    return this.exclusive(async () => {
      const revision = this.revise(now);
      const merged = await this.mergeOps(indicators.map((indicator) => ({ indicator, sequence: 0, index: 0, revision, now })));
      await this.write(merged.ops);
      this.indicatorCount += merged.added;
      this.changed(merged.records);
    });
  }

  /**
   * Skips a sequence `peer` said it withholds from this org, keeping it to ask other peers later
   * (store/sync-progress-repository.ts): a peer's word alone never makes this node give up a batch.
   */
  markWithheld(producer: string, sequence: number, peer: string, now: number): Promise<void> {
    return this.exclusive(async () => {
      const progress = skipWithheld(await this.progressOf(producer), sequence, peer, now);
      await this.write([this.syncProgress.putOp(progress)], false);
      this.progressCache.set(producer, progress);
    });
  }

  /** Marks a producer's sequence as handled without storing it (expired, undecryptable: the producer's own batch). */
  markHandled(producer: string, sequence: number): Promise<void> {
    return this.exclusive(async () => {
      const progress = advance(await this.progressOf(producer), sequence);
      await this.write([this.syncProgress.putOp(progress)]);
      this.progressCache.set(producer, progress);
    });
  }

  /** Keeps evidence that a producer equivocated; the first found for a (producer, sequence) stays. Returns whether it was new. */
  recordEquivocation(evidence: EquivocationEvidence): Promise<boolean> {
    return this.exclusive(async () => {
      if (await this.equivocations.has(evidence.producer, evidence.sequence)) return false;
      await this.write([this.equivocations.putOp(evidence)]);
      return true;
    });
  }

  /** Records detector alerts (the log matcher's matches). */
  /** Writes alerts, new ones or (with the key they were first written under) folded ones, in one write. */
  addAlerts(alerts: Array<AlertRecord | { alert: AlertRecord; key: string }>): Promise<void> {
    return this.exclusive(async () => {
      if (alerts.length > 0) await this.write(alerts.map((a) => ("key" in a ? this.alerts.putOp(a.alert, a.key) : this.alerts.putOp(a))));
    });
  }

  /** Deletes alerts first matched before `before`, in chunks. Returns how many. */
  pruneAlerts(before: number, chunk = 5000): Promise<number> {
    return this.exclusive(async () => {
      let pruned = 0;
      for (;;) {
        const keys = await this.alerts.keysBefore(before, chunk);
        if (keys.length > 0) await this.write(keys.map((k) => this.alerts.delOp(k)), false);
        pruned += keys.length;
        if (keys.length < chunk) return pruned;
      }
    });
  }

  /** Folds sightings that stay on this node (of indicators held under TLP:RED only) into their summaries. */
  addLocalSightings(sightings: Sighting[]): Promise<void> {
    return this.exclusive(async () => {
      await this.write(await this.sightingOps(sightings.map((sighting) => ({ sighting, scope: LOCAL_SCOPE }))));
      if (sightings.length > 0) this.emit("sightings", [...new Set(sightings.map((s) => s.indicatorId))]);
    });
  }

  /**
   * Records an anonymous sighting (anon/) with its key image, in one write, unless the key image
   * is already held: a member's second anonymous sighting in one scope. Returns whether it was new.
   */
  addAnonymousSighting(sighting: Sighting, keyImage: string, epoch: number, now: number): Promise<boolean> {
    return this.exclusive(async () => {
      if (await this.keyImages.has(keyImage)) return false;
      await this.write([...(await this.sightingOps([{ sighting, scope: scopeOfGroup(0) }])), this.keyImages.putOp(keyImage, { indicatorId: sighting.indicatorId, epoch, acceptedAt: now })], false);
      this.emit("sightings", [sighting.indicatorId]);
      return true;
    });
  }

  /**
   * Records an indicator stated by an anonymous member (anon/), as its pseudonym's statement, with
   * its key image, in one write, unless the key image is already held. Returns whether it was new.
   */
  addAnonymousIndicator(indicator: Indicator, keyImage: string, epoch: number, now: number): Promise<boolean> {
    return this.exclusive(async () => {
      if (await this.keyImages.has(keyImage)) return false;
      const revision = this.revise(now);
      const merged = await this.mergeOps([{ indicator, sequence: 0, index: 0, revision, now }]);
      await this.write([...merged.ops, this.keyImages.putOp(keyImage, { indicatorId: merged.records[0]!.id, epoch, acceptedAt: now })], false);
      this.indicatorCount += merged.added;
      this.changed(merged.records);
      return true;
    });
  }

  /** Records this org's own evidence for its next reputation report, once per (producer, kind, indicator). */
  recordEvidence(entries: EvidenceEntry[]): Promise<void> {
    return this.exclusive(async () => {
      const fresh: EvidenceEntry[] = [];
      for (const entry of entries) if (!(await this.evidence.has(entry))) fresh.push(entry);
      if (fresh.length > 0) await this.write(fresh.map((e) => this.evidence.putOp(e)));
    });
  }

  /** Marks evidence as sent in `epoch`'s report and forgets what earlier epochs' reports sent. */
  markReported(entries: EvidenceEntry[], epoch: number): Promise<void> {
    return this.exclusive(async () => {
      const ops = entries.map((e) => (e.reportedEpoch !== undefined && e.reportedEpoch < epoch ? this.evidence.delOp(e) : this.evidence.putOp({ ...e, reportedEpoch: epoch })));
      if (ops.length > 0) await this.write(ops);
    });
  }

  /**
   * Deletes the records whose validity ended more than `retentionMs` before `now`, with their
   * indexes and sightings; a record whose validity was extended since is kept. Returns how many.
   */
  prune(now: number, retentionMs: number, chunk = 1000): Promise<number> {
    return this.exclusive(async () => {
      let pruned = 0;
      for (;;) {
        const ended = await this.byExpiry.before(now - retentionMs, chunk);
        if (ended.length === 0) return pruned;
        const records = await this.indicators.getMany(ended.map((e) => e.id));
        // Every entry found leaves the index; only a record still ended that long ago leaves the store.
        const ops: WriteOp[] = ended.map((e) => this.byExpiry.delOp(e.at, e.id));
        const removed: IndicatorRecord[] = [];
        for (const record of records) {
          if (!record || record.validUntil + retentionMs >= now) continue;
          removed.push(record);
          ops.push(
            this.indicators.delOp(record.id),
            this.byTime.delOp(revisionOf(record), record.id),
            this.sightings.delOp(record.id),
            this.byUuid.delOp(record.id),
          );
          pruned++;
        }
        if (removed.length > 0) ops.push(this.countOp(this.indicatorCount - removed.length));
        await this.write(ops);
        this.indicatorCount -= removed.length;
        if (removed.length > 0) this.emit("pruned", removed);
        if (ended.length < chunk) return pruned;
      }
    });
  }

  /** The record shown under `uuid` (see model/indicator-id.ts recordUuid), if it is held. */
  async byRecordUuid(uuid: string): Promise<IndicatorRecord | undefined> {
    const id = await this.byUuid.idOf(uuid);
    return id === undefined ? undefined : this.indicators.get(id);
  }

  /** Gives every record its by-uuid entry: once, for a store written before the index existed. */
  private async buildUuidIndex(): Promise<void> {
    let ops: WriteOp[] = [];
    for await (const key of this.indicators.allKeys()) {
      ops.push(this.byUuid.putOp(key.id));
      if (ops.length === 10_000) {
        await this.write(ops);
        ops = [];
      }
    }
    ops.push({ type: "put", sublevel: this.meta, key: UUID_INDEX_KEY, value: encodeJson(1) });
    await this.write(ops);
  }

  async lookup(type: IndicatorType, value: string, blinded = false): Promise<IndicatorRecord | undefined> {
    // The id derives from type and value: no value index to keep in step (or to lose in a crash).
    return this.indicators.get(indicatorId(type, value, blinded));
  }

  /**
   * Records in the order they were last written, strictly after `cursor`, with the cursor of the
   * last one. A record written again later moves to the end: a reader that follows the cursor
   * sees every record at least once in its latest version, and never loops.
   */
  async listAfter(
    cursor: OrderedEntry | undefined,
    limit: number,
  ): Promise<{ records: IndicatorRecord[]; cursor: OrderedEntry | undefined; exhausted: boolean }> {
    const entries = await this.byTime.after(cursor, limit);
    const records = await this.indicators.getMany(entries.map((e) => e.id));
    // A record written again since the index was read has moved on: it is listed at its new place.
    const current = records.filter((r, i): r is IndicatorRecord => r !== undefined && revisionOf(r) === entries[i]!.at);
    return { records: current, cursor: entries.at(-1) ?? cursor, exhausted: entries.length < limit };
  }

  /** Records updated at or after `since` (Unix ms), oldest first, or newest first when asked. */
  async listSince(since: number, limit: number, order: "oldest" | "newest" = "oldest"): Promise<IndicatorRecord[]> {
    const entries = await (order === "oldest" ? this.byTime.since(since * 1000, limit) : this.byTime.newestSince(since * 1000, limit));
    const records = await this.indicators.getMany(entries.map((e) => e.id));
    return records.filter((r): r is IndicatorRecord => r !== undefined);
  }

  async counts(): Promise<StoreCounts> {
    // Every producer's counters were loaded at open and are kept by every write since.
    const producers = [...this.countersCache.values()].filter((c): c is ProducerCounters => c !== undefined).sort((a, b) => (a.producer < b.producer ? -1 : 1));
    return {
      indicators: this.indicatorCount,
      objects: this.objects.count,
      batches: producers.reduce((n, p) => n + p.batches, 0),
      producers,
    };
  }

  /** The next sequence number for a batch of `producer` (this node's own, when publishing). */
  async nextSequence(producer: string): Promise<number> {
    return ((await this.countersOf(producer))?.lastSequence ?? 0) + 1;
  }
}

/** A statement of one object version, from what its checks found and where it was stated. */
function statementOf(
  facts: ObjectFacts,
  where: Pick<ObjectStatement, "producer" | "group" | "signedAt" | "sequence" | "leaf" | "receivedAt" | "revision">,
): ObjectStatement {
  return {
    ...where,
    version: facts.version,
    hash: facts.hash,
    tlp: facts.tlp,
    authored: facts.createdBy === orgIdentityId(where.producer),
    revoked: facts.revoked,
    name: facts.name,
    ...(facts.tags.length > 0 ? { tags: facts.tags } : {}),
  };
}

/** The objects a pending batch brings, as the object store takes them. */
function incomingObjects(request: PendingIngest, revision: number): IncomingObject[] {
  const { batch, content, objects } = request;
  if (!content || !objects) return [];
  const before = content.indicators.length + content.sightings.length;
  return content.objects.map((json, i) => {
    const facts = objects[i]!;
    return {
      json,
      id: facts.id,
      type: facts.type,
      atoms: facts.atoms,
      edges: facts.edges,
      statement: statementOf(facts, { producer: batch.producer, group: batch.group, signedAt: batch.createdAt, sequence: batch.sequence, leaf: before + i, receivedAt: request.now, revision }),
    };
  });
}
