import type { IndicatorType } from "../model/indicator.js";
import { indicatorId } from "../model/indicator-id.js";
import { normalizeValue } from "../model/normalize.js";
import { addStatement, currentStatement, type ObjectRecord, type ObjectStatement } from "../model/object-record.js";
import { edgesOf, type ObjectEdge, type StixJson } from "../model/stix-object.js";
import { bucket, decodeJson, encodeJson, type Database, type Sublevel, type WriteOp } from "./db.js";
import { ObjectEdgeIndex } from "./object-edge-index.js";
import { ObjectLinkIndex } from "./object-link-index.js";
import { ObjectRepository } from "./object-repository.js";
import { ObjectVersionRepository } from "./object-version-repository.js";
import { OrderedIdIndex } from "./ordered-index.js";

/** One object version to store: its canonical JSON, the statement, and what its checks found. */
export interface IncomingObject {
  json: string;
  statement: ObjectStatement;
  id: string;
  type: string;
  /** The observables its pattern compares for equality (an indicator's atoms), to link it to their records. */
  atoms: ReadonlyArray<{ type: IndicatorType; value: string }>;
  /** The graph edges this version makes (intel/object-checks.ts found them). */
  edges: ObjectEdge[];
}

const OBJECT_COUNT_KEY = "object-count";

/** The record id of an atom, or undefined when its value does not normalize (it is then no record of the exchange). */
function recordIdOf(atom: { type: IndicatorType; value: string }): string | undefined {
  try {
    return indicatorId(atom.type, normalizeValue(atom.type, atom.value));
  } catch {
    return undefined;
  }
}

const edgeKey = (e: ObjectEdge) => `${e.from} ${e.to} ${e.via} ${e.label}`;

/**
 * The STIX object buckets: records by id (store/object-repository.ts; an id starts with its type,
 * so the records of one type are one key range), each version's JSON, ids by write, the graph's
 * edges and the links to indicator records. It computes the write
 * operations of incoming statements for the store's facade (store/indicator-store.ts), which
 * writes them in the same atomic batch as the batch that carried them; it never writes alone.
 */
export class ObjectStore {
  readonly records: ObjectRepository;
  readonly versions: ObjectVersionRepository;
  /** revision (µs) -> id. */
  readonly byTime: OrderedIdIndex;
  readonly edges: ObjectEdgeIndex;
  readonly links: ObjectLinkIndex;
  private readonly meta: Sublevel;
  private countValue = 0;
  /** Statements refused because another of the same (id, producer, version) had a smaller hash. */
  conflicts = 0;

  constructor(db: Database) {
    this.records = new ObjectRepository(db);
    this.versions = new ObjectVersionRepository(db);
    this.byTime = new OrderedIdIndex(db, "objects-by-time");
    this.edges = new ObjectEdgeIndex(db);
    this.links = new ObjectLinkIndex(db);
    this.meta = bucket(db, "object-meta");
  }

  async open(): Promise<void> {
    const stored = await this.meta.get(OBJECT_COUNT_KEY);
    this.countValue = stored ? decodeJson<number>(stored) : 0;
  }

  /** How many objects (ids) are held. */
  get count(): number {
    return this.countValue;
  }

  /**
   * The write operations that store `incoming` (in order), and what they lead to: the records
   * changed, and `commit`, to call once the write is durable (it updates the count).
   */
  async ingestOps(incoming: IncomingObject[]): Promise<{ ops: WriteOp[]; changed: ObjectRecord[]; commit(): void }> {
    if (incoming.length === 0) return { ops: [], changed: [], commit: () => undefined };
    const ids = [...new Set(incoming.map((o) => o.id))];
    const stored = await this.records.getMany(ids);
    const before = new Map(ids.map((id, i) => [id, stored[i]]));
    const after = new Map<string, ObjectRecord>();
    const edgesOfIncoming = new Map<string, ObjectEdge[]>();
    const ops: WriteOp[] = [];
    let conflicts = 0;
    for (const o of incoming) {
      const previous = after.get(o.id) ?? before.get(o.id);
      const added = addStatement(previous, o.id, o.type, o.statement);
      if (added.conflict) conflicts++;
      if (!added.changed) continue;
      let record = added.record;
      const links = new Set(record.links);
      for (const atom of o.atoms) {
        const recordId = recordIdOf(atom);
        if (recordId && !links.has(recordId)) {
          links.add(recordId);
          ops.push(...this.links.putOps(o.id, recordId));
        }
      }
      record = { ...record, links: [...links] };
      after.set(o.id, record);
      edgesOfIncoming.set(`${o.id} ${o.statement.producer} ${o.statement.version}`, o.edges);
      ops.push(this.versions.putOp(o.id, o.statement.producer, o.statement.version, o.json));
    }
    const changed: ObjectRecord[] = [];
    let added = 0;
    for (const [id, draft] of after) {
      const original = before.get(id);
      // The graph follows the version each object shows now: its edges are re-derived when that changes.
      const current = currentStatement(draft)!;
      const previousCurrent = original ? currentStatement(original) : undefined;
      let record = draft;
      if (!previousCurrent || previousCurrent.producer !== current.producer || previousCurrent.version !== current.version || previousCurrent.hash !== current.hash) {
        // The edges of a version that came now are known; an older one (the owner changed) is read again.
        let edges = edgesOfIncoming.get(`${id} ${current.producer} ${current.version}`);
        if (!edges) {
          const json = await this.versions.get(id, current.producer, current.version);
          edges = json ? edgesOf(JSON.parse(json) as StixJson) : [];
        }
        const old = new Map(draft.edges.map((e) => [edgeKey(e), e]));
        const now = new Map(edges.map((e) => [edgeKey(e), e]));
        for (const [key, e] of old) if (!now.has(key)) ops.push(...this.edges.delOps(e));
        for (const [key, e] of now) if (!old.has(key)) ops.push(...this.edges.putOps(e));
        record = { ...draft, edges };
      }
      if (!original) added++;
      else ops.push(this.byTime.delOp(original.revision, id));
      ops.push(this.records.putOp(record), this.byTime.putOp(record.revision, id));
      changed.push(record);
    }
    const count = this.countValue + added;
    if (added > 0) ops.push({ type: "put", sublevel: this.meta, key: OBJECT_COUNT_KEY, value: encodeJson(count) });
    return {
      ops,
      changed,
      commit: () => {
        this.countValue = count;
        this.conflicts += conflicts;
      },
    };
  }

  /** The JSON of one statement. */
  jsonOf(id: string, statement: Pick<ObjectStatement, "producer" | "version">): Promise<string | undefined> {
    return this.versions.get(id, statement.producer, statement.version);
  }
}
