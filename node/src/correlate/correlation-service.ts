/**
 * Correlation (node/src/correlate/): indicators, STIX objects and sightings linked into clusters
 * by evidence. This area owns what evidence a member carries (evidence-keys.ts), when two members
 * are linked and why (link-rules.ts), reading links and clusters (correlation-graph.ts), and, in
 * this file, keeping the index (store/correlation-repository.ts) current as data arrives.
 *
 * The index follows the store's by-time orders of records and objects with durable cursors, so a
 * crash loses nothing (what was written after the last cursor is read again), and it reacts to
 * sightings and pruning by their events. It is derived data: built from the whole store the first
 * time (and whenever the rules change), with progress in the log. Everything is this org's own
 * (internal) view: correlation is the analysts' tool, not something the node shares.
 */
import { indicatorMember, objectMember, type MemberId } from "../model/correlation.js";
import { currentStatement, type ObjectRecord } from "../model/object-record.js";
import type { IndicatorRecord } from "../model/record.js";
import { sightingTotals } from "../model/sighting.js";
import { sightingsFor } from "../privacy/audience.js";
import { SHORT_ID_HEX, type CorrelationCursors, type MemberRef } from "../store/correlation-repository.js";
import type { IndicatorStore } from "../store/indicator-store.js";
import { CorrelationGraph, type MemberResolver } from "./correlation-graph.js";
import { indicatorKeys, objectKeys, postedKeys, type ObjectEvidence } from "./evidence-keys.js";

/** Bumped when the keys or rules change: an index of another version is rebuilt. */
export const CORRELATION_RULES_VERSION = 2;

export interface CorrelationServiceInit {
  /** Records or objects read and re-keyed per write. */
  chunk?: number;
  /** Sighting changes waiting beyond this many indicators: the index is rebuilt instead. */
  maxPending?: number;
}

export interface CorrelationServiceComponents {
  store: IndicatorStore;
  now(): number;
  log?: (message: string, fields?: Record<string, unknown>) => void;
}

export interface CorrelationStats {
  /** Members re-keyed since start. */
  updates: number;
  /** Whether the index holds the whole store (false while it is first built). */
  built: boolean;
  /** Indicators waiting for their sightings to be re-keyed. */
  pending: number;
}

export class CorrelationService {
  readonly graph: CorrelationGraph;
  private readonly chunk: number;
  private readonly maxPending: number;
  private running = false;
  private worker: Promise<void> | undefined;
  private wanted = false;
  private readonly pendingSightings = new Set<string>();
  private readonly pendingRemovals = new Map<string, IndicatorRecord>();
  private rebuildWanted = false;
  private updates = 0;
  private built = false;
  private readonly wake = () => this.schedule();
  private readonly onSightings = (ids: string[]) => {
    for (const id of ids) this.pendingSightings.add(id);
    if (this.pendingSightings.size > this.maxPending) {
      this.pendingSightings.clear();
      this.rebuildWanted = true;
    }
    this.schedule();
  };
  private readonly onPruned = (records: IndicatorRecord[]) => {
    for (const r of records) this.pendingRemovals.set(r.id, r);
    this.schedule();
  };

  constructor(
    init: CorrelationServiceInit,
    private readonly components: CorrelationServiceComponents,
  ) {
    this.chunk = init.chunk ?? 500;
    this.maxPending = init.maxPending ?? 100_000;
    this.graph = new CorrelationGraph(components.store.correlation, this.resolver);
  }

  /** Members' keys as their records give them now, and what a listed reference stands for. */
  readonly resolver: MemberResolver = {
    keysOf: async (members) => {
      const out = new Map<MemberId, string[] | undefined>();
      const indicators = members.filter((m) => m.startsWith("i:"));
      const records = await this.components.store.indicators.getMany(indicators.map((m) => m.slice(2)));
      const held = records.filter((r): r is IndicatorRecord => r !== undefined);
      for (const { member, keys } of await this.indicatorKeysOf(held)) out.set(member, keys);
      const objects = members.filter((m) => m.startsWith("o:"));
      const objectRecords = (await this.components.store.objects.records.getMany(objects.map((m) => m.slice(2)))).filter((r): r is ObjectRecord => r !== undefined);
      for (const { member, keys } of await this.objectKeysOf(objectRecords)) out.set(member, keys);
      return members.map((m) => out.get(m));
    },
    expand: async (refs: MemberRef[]) => {
      const out: MemberId[][] = [];
      for (const ref of refs) {
        if (!ref.startsWith("i:") || ref.length !== 2 + SHORT_ID_HEX) out.push([ref]);
        else out.push((await this.components.store.indicators.idsWithPrefix(ref.slice(2))).map(indicatorMember));
      }
      return out;
    },
  };

  get stats(): CorrelationStats {
    return { updates: this.updates, built: this.built, pending: this.pendingSightings.size };
  }

  start(): void {
    if (this.running) return;
    this.running = true;
    const { store } = this.components;
    store.on("records", this.wake);
    store.on("objects", this.wake);
    store.on("sightings", this.onSightings);
    store.on("pruned", this.onPruned);
    this.schedule();
  }

  async stop(): Promise<void> {
    if (!this.running) return;
    this.running = false;
    const { store } = this.components;
    store.off("records", this.wake);
    store.off("objects", this.wake);
    store.off("sightings", this.onSightings);
    store.off("pruned", this.onPruned);
    await this.worker;
  }

  /** Resolves once everything written so far is in the index (for tests and `cti related`). */
  async settle(): Promise<void> {
    while (this.worker) await this.worker;
  }

  private schedule(): void {
    this.wanted = true;
    if (this.worker || !this.running) return;
    this.worker = (async () => {
      try {
        while (this.wanted && this.running) {
          this.wanted = false;
          await this.catchUp();
        }
      } catch (err) {
        // The store closing under a stop, or a bad write: logged; the cursors say where to resume.
        this.components.log?.("correlation: catch-up failed", { error: (err as Error).message });
      } finally {
        this.worker = undefined;
      }
    })();
  }

  private async catchUp(): Promise<void> {
    const repository = this.components.store.correlation;
    let cursors = await repository.cursors();
    if (cursors.version !== CORRELATION_RULES_VERSION || this.rebuildWanted) {
      this.rebuildWanted = false;
      this.components.log?.("correlation: building the index from the whole store", { from: cursors.version, version: CORRELATION_RULES_VERSION });
      await repository.clear();
      cursors = { built: false, version: CORRELATION_RULES_VERSION };
      await repository.setCursors(cursors);
    }
    this.built = cursors.built;
    let read = 0;
    for (;;) {
      if (!this.running) return;
      const page = await this.components.store.listAfter(cursors.records, this.chunk);
      if (page.records.length > 0 || page.cursor !== cursors.records) {
        cursors = { ...cursors, ...(page.cursor ? { records: page.cursor } : {}) };
        await this.list(await this.indicatorKeysOf(page.records), cursors);
        this.updates += page.records.length;
        read += page.records.length;
      }
      if (page.exhausted) break;
      if (read % 50_000 < this.chunk) this.components.log?.("correlation: records indexed", { read });
    }
    for (;;) {
      if (!this.running) return;
      const entries = await this.components.store.objects.byTime.after(cursors.objects, this.chunk);
      if (entries.length === 0) break;
      const records = await this.components.store.objects.records.getMany(entries.map((e) => e.id));
      cursors = { ...cursors, objects: entries.at(-1)! };
      await this.list(await this.objectKeysOf(records.filter((r): r is ObjectRecord => r !== undefined)), cursors);
      this.updates += entries.length;
      if (entries.length < this.chunk) break;
    }
    if (!cursors.built) {
      cursors = { ...cursors, built: true };
      await repository.setCursors(cursors);
      this.components.log?.("correlation: index built", { updates: this.updates });
    }
    this.built = true;
    while (this.running && this.pendingSightings.size > 0) {
      const ids = [...this.pendingSightings].slice(0, this.chunk);
      for (const id of ids) this.pendingSightings.delete(id);
      const records = (await this.components.store.indicators.getMany(ids)).filter((r): r is IndicatorRecord => r !== undefined);
      await this.list(await this.indicatorKeysOf(records));
      this.updates += records.length;
    }
    if (this.pendingRemovals.size > 0) {
      const records = [...this.pendingRemovals.values()];
      this.pendingRemovals.clear();
      const remove = records.flatMap((r) => postedKeys(indicatorMember(r.id), indicatorKeys(r, undefined, false)).map((key) => ({ key, member: indicatorMember(r.id) })));
      await this.graph.unlist(remove);
    }
  }

  /**
   * Lists members under the keys they post; a member no longer standing (retracted, revoked) is
   * taken off the keys it would post, so its entries do not count against the fan-out bound.
   */
  private async list(changes: Array<{ member: MemberId; keys: string[]; formerKeys?: string[] }>, cursors?: CorrelationCursors): Promise<void> {
    const add = changes.flatMap((c) => postedKeys(c.member, c.keys).map((key) => ({ key, member: c.member })));
    const remove = changes.flatMap((c) => (c.keys.length === 0 && c.formerKeys ? postedKeys(c.member, c.formerKeys).map((key) => ({ key, member: c.member })) : []));
    await this.components.store.correlation.change(add, [], cursors);
    await this.graph.unlist(remove);
  }

  private async indicatorKeysOf(records: IndicatorRecord[]): Promise<Array<{ member: MemberId; keys: string[]; formerKeys?: string[] }>> {
    const stored = await this.components.store.sightings.getMany(records.map((r) => r.id));
    const now = this.components.now();
    return records.map((record, i) => {
      const summary = sightingsFor(stored[i], { kind: "internal" });
      const producers = new Set(record.attestations.map((a) => a.producer));
      const expiredBy = sightingTotals(summary).expiredBy;
      const retracted = record.validUntil <= now || [...producers].every((p) => expiredBy.includes(p));
      const member = indicatorMember(record.id);
      return retracted ? { member, keys: [], formerKeys: indicatorKeys(record, summary, false) } : { member, keys: indicatorKeys(record, summary, false) };
    });
  }

  private async objectKeysOf(records: ObjectRecord[]): Promise<Array<{ member: MemberId; keys: string[]; formerKeys?: string[] }>> {
    const changes: Array<{ member: MemberId; keys: string[]; formerKeys?: string[] }> = [];
    for (const record of records) {
      const current = currentStatement(record);
      const json = current ? await this.components.store.objects.jsonOf(record.id, current) : undefined;
      let object: Record<string, unknown> = {};
      try {
        object = json ? (JSON.parse(json) as Record<string, unknown>) : {};
      } catch {
        // A stored version that does not parse keeps only its references.
      }
      const strings = (v: unknown) => (Array.isArray(v) ? v.filter((x): x is string => typeof x === "string") : []);
      const techniques =
        record.type === "attack-pattern"
          ? ((object.external_references as Array<{ source_name?: string; external_id?: string }> | undefined) ?? []).filter((r) => r?.source_name === "mitre-attack" && typeof r.external_id === "string").map((r) => r.external_id!)
          : [];
      const evidence: ObjectEvidence = {
        id: record.id,
        type: record.type,
        revoked: !current || current.revoked,
        ...(typeof object.name === "string" ? { name: object.name } : {}),
        aliases: [...strings(object.aliases), ...strings(object.x_mitre_aliases)],
        // A report's refs (edges from it), a relationship's two ends (an edge between them, via it).
        references: [...new Set(record.edges.flatMap((e) => [e.from, e.to]))].filter((id) => id !== record.id),
        records: record.links,
        techniques,
        labels: strings(object.labels),
      };
      const keys = objectKeys(evidence);
      changes.push(evidence.revoked ? { member: objectMember(record.id), keys, formerKeys: objectKeys({ ...evidence, revoked: false }) } : { member: objectMember(record.id), keys });
    }
    return changes;
  }
}
