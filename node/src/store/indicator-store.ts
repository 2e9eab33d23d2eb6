import { EventEmitter } from "node:events";
import type { Indicator, IndicatorType } from "../model/indicator.js";
import { mergeIndicator, type IndicatorRecord } from "../model/record.js";
import { idOf } from "../model/indicator-id.js";
import type { BatchContent, IndicatorBatch } from "../wire/batch.js";
import { addSighting, type Sighting, type SightingSummary } from "../model/sighting.js";
import { AlertRepository, type AlertRecord } from "./alert-repository.js";
import { BlindingKeyRepository, type BlindingKeyEntry } from "./blinding-key-repository.js";
import { EvidenceRepository, type EvidenceEntry } from "./evidence-repository.js";
import { SightingRepository } from "./sighting-repository.js";
import { advance, SyncProgressRepository } from "./sync-progress-repository.js";
import { BatchRepository } from "./batch-repository.js";
import { BatchRootIndex } from "./batch-root-index.js";
import { openDatabase, type Database, type WriteOp } from "./db.js";
import { IndicatorRepository } from "./indicator-repository.js";
import { ProducerCounterRepository, type ProducerCounters } from "./producer-counters.js";
import { OrderedIdIndex, type OrderedEntry } from "./ordered-index.js";
import { ValueIndex } from "./value-index.js";

export interface StoreCounts {
  indicators: number;
  batches: number;
  producers: ProducerCounters[];
}

export class StoreClosedError extends Error {
  override readonly name = "StoreClosedError";
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
}

export class IndicatorStore extends EventEmitter<IndicatorStoreEvents> {
  readonly indicators: IndicatorRepository;
  readonly byValue: ValueIndex;
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
  private keyRing: BlindingKeyEntry[] = [];
  private writeTail: Promise<unknown> = Promise.resolve();
  /** The last write's revision (µs): every write is stamped later than any before it (see stamp()). */
  private lastRevision = 0;
  private closed = false;

  private constructor(private readonly db: Database) {
    super();
    this.indicators = new IndicatorRepository(db);
    this.byValue = new ValueIndex(db);
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
  }

  static async open(path: string): Promise<IndicatorStore> {
    const store = new IndicatorStore(await openDatabase(path));
    store.keyRing = await store.blindingKeys.all();
    store.lastRevision = (await store.byTime.last())?.at ?? 0;
    return store;
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

  /** Ops that merge `entries` into their records and move their time and expiry index entries. */
  private async mergeOps(
    entries: Array<{ indicator: Indicator; sequence: number; index: number }>,
    now: number,
  ): Promise<{ ops: WriteOp[]; records: IndicatorRecord[] }> {
    const ids = entries.map((e) => idOf(e.indicator));
    const existing = await this.indicators.getMany(ids);
    const ops: WriteOp[] = [];
    const records: IndicatorRecord[] = [];
    const revision = this.revise(now);
    entries.forEach((entry, i) => {
      const before = existing[i];
      const record = mergeIndicator(before, entry.indicator, entry, now, revision);
      records.push(record);
      ops.push(this.indicators.putOp(record));
      if (before) ops.push(this.byTime.delOp(revisionOf(before), before.id), this.byExpiry.delOp(before.validUntil, before.id));
      else ops.push(this.byValue.putOp(record.type, record.value, record.blinded, record.id));
      ops.push(this.byTime.putOp(record.revision, record.id), this.byExpiry.putOp(record.validUntil, record.id));
    });
    return { ops, records };
  }

  /** Ops that fold sightings into their indicators' summaries (several of one indicator in order). */
  private async sightingOps(sightings: Sighting[]): Promise<WriteOp[]> {
    const ids = [...new Set(sightings.map((s) => s.indicatorId))];
    const existing = await this.sightings.getMany(ids);
    const summaries = new Map<string, SightingSummary | undefined>(ids.map((id, i) => [id, existing[i]]));
    for (const sighting of sightings) summaries.set(sighting.indicatorId, addSighting(summaries.get(sighting.indicatorId), sighting));
    return [...summaries.values()].map((summary) => this.sightings.putOp(summary!));
  }

  /**
   * Stores a verified batch, merges the given indicators of its content (those still valid) and
   * folds in its sightings. `bytes` is the batch as received, kept as proof material and for
   * store-and-forward; a sealed batch this node may not read is kept that way only, with no content.
   */
  ingestBatch(batch: IndicatorBatch, bytes: Uint8Array, content: BatchContent | undefined, liveIndexes: number[], now: number): Promise<void> {
    return this.exclusive(async () => {
      const entries = content
        ? liveIndexes.map((index) => ({ indicator: content.indicators[index]!, sequence: batch.sequence, index }))
        : [];
      const merged = await this.mergeOps(entries, now);
      const ops = [...merged.ops, ...(await this.sightingOps(content?.sightings ?? []))];
      const blinding = content?.blindingKey ? { producer: batch.producer, group: batch.group, key: content.blindingKey } : undefined;
      if (blinding) ops.push(this.blindingKeys.putOp(blinding));
      const counters = (await this.producers.get(batch.producer)) ?? {
        producer: batch.producer,
        batches: 0,
        indicators: 0,
        lastSequence: 0,
        lastBatchAt: 0,
      };
      ops.push(
        this.batches.putOp(batch.producer, batch.sequence, bytes),
        this.batchRoots.putOp(batch.producer, batch.sequence, batch.merkleRoot),
        this.syncProgress.putOp(advance(await this.syncProgress.get(batch.producer), batch.sequence)),
        this.producers.putOp({
          producer: batch.producer,
          batches: counters.batches + 1,
          indicators: counters.indicators + entries.length,
          lastSequence: Math.max(counters.lastSequence, batch.sequence),
          lastBatchAt: Math.max(counters.lastBatchAt, batch.createdAt),
        }),
      );
      await this.db.batch(ops as never);
      if (blinding) this.remember(blinding);
      this.changed(merged.records);
    });
  }

  private changed(records: IndicatorRecord[]): void {
    if (records.length > 0) this.emit("records", records);
  }

  /** Every record, for the in-memory indexes built at start (detect/lookup-index.ts). */
  allRecords(): AsyncGenerator<IndicatorRecord> {
    return this.indicators.all();
  }

  private remember(entry: BlindingKeyEntry): void {
    this.keyRing = [...this.keyRing.filter((e) => e.producer !== entry.producer || e.group !== entry.group), entry];
  }

  /** Stores indicators that must never leave this node (TLP:RED): no batch, no signature. */
  storeLocal(indicators: Indicator[], now: number): Promise<void> {
    return this.exclusive(async () => {
      const merged = await this.mergeOps(indicators.map((indicator) => ({ indicator, sequence: 0, index: 0 })), now);
      await this.db.batch(merged.ops as never);
      this.changed(merged.records);
    });
  }

  /** Marks a producer's sequence as handled without storing it (expired, or withheld from this org). */
  markHandled(producer: string, sequence: number): Promise<void> {
    return this.exclusive(async () => {
      await this.db.batch([this.syncProgress.putOp(advance(await this.syncProgress.get(producer), sequence))] as never);
    });
  }

  /** Records detector alerts (the log matcher's matches). */
  addAlerts(alerts: AlertRecord[]): Promise<void> {
    return this.exclusive(async () => {
      if (alerts.length > 0) await this.db.batch(alerts.map((a) => this.alerts.putOp(a)) as never);
    });
  }

  /** Folds sightings that stay on this node (of indicators held under TLP:RED only) into their summaries. */
  addLocalSightings(sightings: Sighting[]): Promise<void> {
    return this.exclusive(async () => {
      await this.db.batch((await this.sightingOps(sightings)) as never);
    });
  }

  /** Records this org's own evidence for its next reputation report, once per (producer, kind, indicator). */
  recordEvidence(entries: EvidenceEntry[]): Promise<void> {
    return this.exclusive(async () => {
      const fresh: EvidenceEntry[] = [];
      for (const entry of entries) if (!(await this.evidence.has(entry))) fresh.push(entry);
      if (fresh.length > 0) await this.db.batch(fresh.map((e) => this.evidence.putOp(e)) as never);
    });
  }

  /** Marks evidence as sent in `epoch`'s report and forgets what earlier epochs' reports sent. */
  markReported(entries: EvidenceEntry[], epoch: number): Promise<void> {
    return this.exclusive(async () => {
      const ops = entries.map((e) => (e.reportedEpoch !== undefined && e.reportedEpoch < epoch ? this.evidence.delOp(e) : this.evidence.putOp({ ...e, reportedEpoch: epoch })));
      if (ops.length > 0) await this.db.batch(ops as never);
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
            this.byValue.delOp(record.type, record.value, record.blinded),
            this.byTime.delOp(revisionOf(record), record.id),
            this.sightings.delOp(record.id),
          );
          pruned++;
        }
        await this.db.batch(ops as never);
        if (removed.length > 0) this.emit("pruned", removed);
        if (ended.length < chunk) return pruned;
      }
    });
  }

  async lookup(type: IndicatorType, value: string, blinded = false): Promise<IndicatorRecord | undefined> {
    const id = await this.byValue.get(type, value, blinded);
    return id ? this.indicators.get(id) : undefined;
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

  async listSince(since: number, limit: number): Promise<IndicatorRecord[]> {
    const entries = await this.byTime.since(since * 1000, limit);
    const records = await this.indicators.getMany(entries.map((e) => e.id));
    return records.filter((r): r is IndicatorRecord => r !== undefined);
  }

  async counts(): Promise<StoreCounts> {
    const producers = await this.producers.all();
    return {
      indicators: await this.indicators.count(),
      batches: producers.reduce((n, p) => n + p.batches, 0),
      producers,
    };
  }

  /** The next sequence number for a batch of `producer` (this node's own, when publishing). */
  async nextSequence(producer: string): Promise<number> {
    return ((await this.producers.get(producer))?.lastSequence ?? 0) + 1;
  }
}
