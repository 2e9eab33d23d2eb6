import type { ObjectReceipt, PreparedObject } from "../gossip/batch-publisher.js";
import type { Tlp } from "../model/indicator.js";
import { currentStatement, otherStatements, ownerVersions, type ObjectRecord, type ObjectStatement } from "../model/object-record.js";
import { isStixId, referencesOf, tlpOfObject, versionKey, type StixJson } from "../model/stix-object.js";
import { mayShow, type Audience, type Entitlements } from "../privacy/audience.js";
import { prepareObject, type ObjectChange, type ObjectPreparationContext, type ObjectPublishRefusal, type StatementAudience } from "../privacy/object-preparation.js";
import type { PublishInput } from "../privacy/publish-preparation.js";
import type { IndicatorStore } from "../store/indicator-store.js";
import { atomInputsOf } from "./object-atoms.js";
import { hasTag } from "../model/tags.js";

/**
 * The node's STIX objects as a service: publishing them (through the privacy rules of
 * privacy/object-preparation.ts and the batch publisher), revoking its own, and answering for an
 * audience: one object with its versions and who stated it, lists and searches, and the graph
 * around an object. Everything shown to an audience is the version it may see
 * (model/object-record.ts currentStatement with privacy/audience.ts mayShow).
 */

export interface IntelComponents {
  orgId: string;
  store: IndicatorStore;
  publishObjects(objects: PreparedObject[]): Promise<ObjectReceipt[]>;
  /** Publishes indicators through the indicator path (the atoms of indicator objects and observables). */
  publishIndicators(inputs: PublishInput[]): Promise<Array<{ ok: boolean; reason?: string; message?: string }>>;
  /** Withdraws this org's statements of the given records ("expired" sightings of its own); returns how many. */
  withdrawIndicators(recordIds: string[]): Promise<number>;
  /** What the object rules need of the node, as of `now` (all but the per-publish default TLP and the audiences). */
  preparation(now: number): Omit<ObjectPreparationContext, "defaultTlp" | "audienceOf">;
  entitlements(): Entitlements;
  now(): number;
}

export class IntelError extends Error {
  override readonly name = "IntelError";
  constructor(
    readonly code: "NOT_FOUND" | "NOT_OWNER" | "ALREADY_REVOKED" | "BAD_QUERY",
    message: string,
  ) {
    super(message);
  }
}

export interface ObjectPublishOptions {
  /** TLP of objects without a TLP marking (GREEN when not given). */
  defaultTlp?: Tlp;
  /** Sharing group of AMBER objects (and of any object, when given). */
  group?: number;
  /** Also publish the observables of indicator patterns and of value observables as indicators (default true). */
  atoms?: boolean;
}

export type ObjectPublishOutcome =
  | ({
      ok: true;
      input: number;
      changes: ObjectChange[];
      /** Who versions the object: this org, or the org that published it first (this statement is then kept as this org's own). */
      owner: string;
    } & ObjectReceipt)
  | { ok: false; input: number; id: string | undefined; reason: ObjectPublishRefusal; field?: string; message: string };

export interface ObjectPublishReport {
  outcomes: ObjectPublishOutcome[];
  /** The indicators made of patterns' and observables' values: how many were published, and why the others were not. */
  atoms: { published: number; refused: Array<{ object: string; value: string; reason: string; message: string }> };
}

/** How an object is listed: its summary as the audience sees it. */
export interface ObjectSummary {
  id: string;
  type: string;
  name: string;
  version: string;
  tlp: Tlp;
  group: number;
  revoked: boolean;
  owner: string;
  /** Orgs that stated it (the owner first). */
  producers: string[];
  /** Tags of the version shown (labels, PAP). */
  tags: string[];
  /** When this node last stored something of it that the audience may see (µs). */
  revision: number;
}

export interface ObjectDetail {
  summary: ObjectSummary;
  /** The version shown, as its producer signed it. */
  object: StixJson;
  /** The owner's versions the audience may see, oldest first. */
  versions: Array<Pick<ObjectStatement, "version" | "revoked" | "tlp" | "group" | "sequence" | "leaf" | "signedAt" | "receivedAt">>;
  /** Statements of the same id by other orgs, kept with their provenance. */
  otherStatements: Array<Pick<ObjectStatement, "producer" | "version" | "revoked" | "tlp" | "group" | "sequence" | "signedAt">>;
  /** Indicator records its pattern names (for an indicator object). */
  linkedIndicators: string[];
}

export interface GraphNode {
  id: string;
  type: string;
  name: string;
  /** Hops from the object asked about. */
  distance: number;
  /** False for an object referenced but not held here (or not visible to the audience, which is then never named). */
  held: boolean;
  revoked: boolean;
}

export interface GraphEdge {
  from: string;
  to: string;
  /** The relationship object, or the object whose property makes the edge. */
  via: string;
  label: string;
}

export interface Graph {
  root: string;
  depth: number;
  nodes: GraphNode[];
  edges: GraphEdge[];
  /** The next page's cursor (nodes are paged by distance, then id), if there is one. */
  next: string | undefined;
  /** Whether the walk stopped at its bound before reaching the depth asked for. */
  truncated: boolean;
}

/** Objects prepared and stored at a time by one publish. */
const PUBLISH_CHUNK = 2_000;
/** Most nodes one graph walk visits, whatever its depth. */
export const MAX_GRAPH_NODES = 5_000;
/** Most edges read around one object in a walk (the rest are not followed: a hub such as a popular technique). */
const MAX_EDGES_PER_OBJECT = 2_000;
/** Records one list request reads at most, whatever its filter. */
const MAX_LIST_READ = 5_000;

function statementAudience(s: ObjectStatement): StatementAudience {
  return { tlp: s.tlp, group: s.group };
}

export class IntelService {
  constructor(private readonly components: IntelComponents) {}

  private visibleTo(audience: Audience): (s: ObjectStatement) => boolean {
    const entitlements = this.components.entitlements();
    return (s) => mayShow(s, audience, entitlements);
  }

  /**
   * Publishes STIX objects (parsed JSON, e.g. a bundle's `objects`): each through the rules of
   * privacy/object-preparation.ts, with its own outcome; then, unless `atoms` is false, the values
   * of indicator patterns and value observables as indicators of the exchange.
   */
  async publish(inputs: unknown[], options: ObjectPublishOptions = {}, onProgress?: (done: number, total: number) => void): Promise<ObjectPublishReport> {
    const { store } = this.components;
    const now = this.components.now();
    const base = this.components.preparation(now);
    const defaultTlp = options.defaultTlp ?? "GREEN";
    // Audiences of what these objects reference: those published together first (as they will
    // be marked), then what the store holds.
    const together = new Map<string, StatementAudience>();
    for (const input of inputs) {
      if (input === null || typeof input !== "object" || Array.isArray(input)) continue;
      const object = input as StixJson;
      if (typeof object.id !== "string") continue;
      const tlp = tlpOfObject(object) ?? defaultTlp;
      const group = tlp === "RED" ? 0 : (options.group ?? (tlp === "AMBER" || tlp === "AMBER+STRICT" ? base.defaultGroup : undefined) ?? 0);
      together.set(object.id, { tlp, group });
    }
    const referenced = new Set<string>();
    for (const input of inputs) {
      if (input === null || typeof input !== "object" || Array.isArray(input)) continue;
      for (const { ref } of referencesOf(input as StixJson)) if (!together.has(ref) && isStixId(ref)) referenced.add(ref);
    }
    const held = new Map<string, StatementAudience>();
    const ids = [...referenced];
    for (let i = 0; i < ids.length; i += 1000) {
      const records = await store.objects.records.getMany(ids.slice(i, i + 1000));
      for (const record of records) {
        const current = record ? currentStatement(record) : undefined;
        if (record && current) held.set(record.id, statementAudience(current));
      }
    }
    const context: ObjectPreparationContext = { ...base, defaultTlp, audienceOf: (id) => together.get(id) ?? held.get(id) };

    const outcomes: ObjectPublishOutcome[] = new Array(inputs.length);
    const atoms: ObjectPublishReport["atoms"] = { published: 0, refused: [] };
    // In chunks, each stored before the next is prepared: memory stays bounded, and progress shows.
    for (let start = 0; start < inputs.length; start += PUBLISH_CHUNK) {
      const ready: Array<{ input: number; prepared: PreparedObject; changes: ObjectChange[] }> = [];
      inputs.slice(start, start + PUBLISH_CHUNK).forEach((input, k) => {
        const i = start + k;
        const prepared = prepareObject(input, { group: options.group }, context);
        const id = input !== null && typeof input === "object" && typeof (input as StixJson).id === "string" ? ((input as StixJson).id as string) : undefined;
        if ("json" in prepared) ready.push({ input: i, prepared: { json: prepared.json, facts: prepared.facts, group: prepared.group }, changes: prepared.changes });
        else outcomes[i] = { ok: false, input: i, id, ...prepared };
      });
      const receipts = ready.length > 0 ? await this.components.publishObjects(ready.map((r) => r.prepared)) : [];
      const owners = await store.objects.records.getMany(ready.map((r) => r.prepared.facts.id));
      receipts.forEach((receipt, j) => {
        const { input, changes } = ready[j]!;
        outcomes[input] = { ok: true, input, changes, owner: owners[j]?.owner ?? this.components.orgId, ...receipt };
      });
      if (options.atoms !== false) {
        const atomInputs = ready.flatMap(({ prepared }) => atomInputsOf(JSON.parse(prepared.json) as StixJson, prepared.facts, prepared.group).map((input) => ({ object: prepared.facts.id, input })));
        for (let i = 0; i < atomInputs.length; i += 1000) {
          const slice = atomInputs.slice(i, i + 1000);
          const published = await this.components.publishIndicators(slice.map((a) => a.input));
          published.forEach((outcome, k) => {
            if (outcome.ok) atoms.published++;
            else atoms.refused.push({ object: slice[k]!.object, value: String(slice[k]!.input.value), reason: outcome.reason ?? "REFUSED", message: outcome.message ?? "" });
          });
        }
      }
      onProgress?.(Math.min(start + PUBLISH_CHUNK, inputs.length), inputs.length);
    }
    return { outcomes, atoms };
  }

  /**
   * Revokes an object this org owns: a new version with `revoked: true`, in the same audience as
   * the version it replaces, and this org's statements of the indicators its pattern named are
   * withdrawn. Every node then drops it from feeds, exports and TAXII, a node that was offline
   * too once it catches up (the revocation is a batch like any other).
   */
  async revoke(id: string): Promise<{ outcome: ObjectPublishOutcome; withdrawnIndicators: number }> {
    const { store, orgId } = this.components;
    const record = await store.objects.records.get(id);
    const current = record ? currentStatement(record) : undefined;
    if (!record || !current) throw new IntelError("NOT_FOUND", `no object ${id} is held here`);
    if (record.owner !== orgId) throw new IntelError("NOT_OWNER", `${id} is ${record.owner}'s: only its owner revokes it`);
    if (current.revoked) throw new IntelError("ALREADY_REVOKED", `${id} is already revoked`);
    const json = await store.objects.jsonOf(id, current);
    if (!json) throw new IntelError("NOT_FOUND", `the current version of ${id} is not held here`);
    const object = JSON.parse(json) as StixJson;
    const revoked: StixJson = { ...object, revoked: true, modified: laterThan(current.version, this.components.now()) };
    const report = await this.publish([revoked], { group: current.group, atoms: false });
    const outcome = report.outcomes[0]!;
    const withdrawnIndicators = outcome.ok ? await this.components.withdrawIndicators(record.links) : 0;
    return { outcome, withdrawnIndicators };
  }

  /** The summary of a record as `visible` lets it be seen, or undefined when nothing of it may be. */
  private summaryOf(record: ObjectRecord, visible: (s: ObjectStatement) => boolean): ObjectSummary | undefined {
    const current = currentStatement(record, visible);
    if (!current) return undefined;
    const shown = record.statements.filter(visible);
    return {
      id: record.id,
      type: record.type,
      name: current.name,
      version: current.version,
      tlp: current.tlp,
      group: current.group,
      revoked: current.revoked,
      owner: record.owner,
      producers: [record.owner, ...[...new Set(shown.map((s) => s.producer))].filter((p) => p !== record.owner).sort()],
      tags: current.tags ?? [],
      revision: Math.max(...shown.map((s) => s.revision)),
    };
  }

  /** One object as `audience` may see it, with its versions and who else stated it. */
  async get(id: string, audience: Audience): Promise<ObjectDetail | undefined> {
    const { store } = this.components;
    const record = await store.objects.records.get(id);
    if (!record) return undefined;
    const visible = this.visibleTo(audience);
    const summary = this.summaryOf(record, visible);
    const current = currentStatement(record, visible);
    if (!summary || !current) return undefined;
    const json = await store.objects.jsonOf(id, current);
    if (!json) return undefined;
    return {
      summary,
      object: JSON.parse(json) as StixJson,
      versions: ownerVersions(record, visible).map(({ version, revoked, tlp, group, sequence, leaf, signedAt, receivedAt }) => ({ version, revoked, tlp, group, sequence, leaf, signedAt, receivedAt })),
      otherStatements: otherStatements(record, visible).map(({ producer, version, revoked, tlp, group, sequence, signedAt }) => ({ producer, version, revoked, tlp, group, sequence, signedAt })),
      linkedIndicators: record.links,
    };
  }

  /** The STIX objects `audience` may see (not revoked) whose patterns name an indicator record: the other way of the link. */
  async objectsNaming(recordId: string, audience: Audience): Promise<ObjectSummary[]> {
    const { store } = this.components;
    const ids = await store.objects.links.objectsOf(recordId, 100);
    const visible = this.visibleTo(audience);
    return (await store.objects.records.getMany(ids)).flatMap((record) => {
      const summary = record ? this.summaryOf(record, visible) : undefined;
      return summary && !summary.revoked ? [summary] : [];
    });
  }

  /**
   * The JSON of the versions of an object `audience` may see, oldest first, each with the revision
   * (µs) it was stored at: what TAXII serves with match[version].
   */
  async versionsOf(id: string, audience: Audience): Promise<Array<{ json: string; version: string; revision: number; revoked: boolean }>> {
    const { store } = this.components;
    const record = await store.objects.records.get(id);
    if (!record) return [];
    const versions = ownerVersions(record, this.visibleTo(audience));
    const texts = await store.objects.versions.getMany(versions.map((v) => ({ id, producer: v.producer, version: v.version })));
    return versions.flatMap((v, i) => (texts[i] ? [{ json: texts[i], version: v.version, revision: v.revision, revoked: v.revoked }] : []));
  }

  /**
   * Objects `audience` may see, in id order after `after`: of one type, whose name holds `text`
   * (case-insensitive), with a tag (model/tags.ts hasTag), revoked ones only when asked. At most MAX_LIST_READ records are read per
   * request: `next` then says where to go on, even if the page is short.
   */
  async list(query: { type?: string; text?: string; tag?: string; after?: string; limit: number; includeRevoked?: boolean }, audience: Audience): Promise<{ objects: ObjectSummary[]; next: string | undefined }> {
    const { store } = this.components;
    const visible = this.visibleTo(audience);
    const text = query.text?.toLowerCase();
    const out: ObjectSummary[] = [];
    let after = query.after;
    let read = 0;
    let exhausted = false;
    while (out.length < query.limit && read < MAX_LIST_READ && !exhausted) {
      const chunk = Math.min(1000, MAX_LIST_READ - read);
      const ids = query.type ? await store.objects.records.idsOfType(query.type, after, chunk) : await store.objects.records.idsAfter(after, chunk);
      exhausted = ids.length < chunk;
      read += ids.length;
      const records = await store.objects.records.getMany(ids);
      for (const [i, record] of records.entries()) {
        after = ids[i];
        const summary = record && this.summaryOf(record, visible);
        if (!summary || (summary.revoked && !query.includeRevoked)) continue;
        if (text && !summary.name.toLowerCase().includes(text) && !summary.id.includes(text)) continue;
        if (query.tag !== undefined && !hasTag(summary.tags, query.tag)) continue;
        out.push(summary);
        if (out.length >= query.limit) {
          exhausted = i === records.length - 1 && exhausted;
          break;
        }
      }
    }
    return { objects: out, next: exhausted ? undefined : after };
  }

  /**
   * The graph around an object, as `audience` may see it: objects up to `depth` hops away (3 at
   * most) over relationships and references, paged by distance then id. An object the audience
   * may not see is never named, nor are the edges through it; one referenced but not held here is
   * a node marked `held: false`. Revoked objects are left out.
   */
  async graph(root: string, options: { depth: number; limit: number; next?: string }, audience: Audience): Promise<Graph | undefined> {
    const { store } = this.components;
    if (options.depth < 1 || options.depth > 3) throw new IntelError("BAD_QUERY", "depth is 1, 2 or 3");
    const visible = this.visibleTo(audience);
    const cache = new Map<string, ObjectRecord | undefined>();
    const recordOf = async (ids: string[]) => {
      const missing = ids.filter((id) => !cache.has(id));
      const records = await store.objects.records.getMany(missing);
      missing.forEach((id, i) => cache.set(id, records[i]));
    };
    /** What the audience sees of an object: its statement, "hidden", or undefined when not held. */
    const viewOf = (id: string): ObjectStatement | "hidden" | undefined => {
      const record = cache.get(id);
      if (!record) return undefined;
      const current = currentStatement(record, visible);
      return current && !current.revoked ? current : "hidden";
    };
    await recordOf([root]);
    const rootView = viewOf(root);
    if (!rootView || rootView === "hidden") return undefined;

    // Whether the version the audience sees of `via` still makes this edge (the index follows the
    // owner's latest version, which a narrower audience may not see).
    const stillMakes = async (edge: GraphEdge): Promise<boolean> => {
      const record = cache.get(edge.via)!;
      const seen = currentStatement(record, visible)!;
      const latest = currentStatement(record)!;
      if (seen.version === latest.version && seen.hash === latest.hash) return true;
      const json = await store.objects.jsonOf(edge.via, seen);
      if (!json) return false;
      const object = JSON.parse(json) as StixJson;
      if (object.type === "relationship") return object.source_ref === edge.from && object.target_ref === edge.to;
      return referencesOf(object).some((r) => r.ref === edge.to);
    };

    const nodes = new Map<string, GraphNode>();
    const record = cache.get(root)!;
    nodes.set(root, { id: root, type: record.type, name: rootView.name, distance: 0, held: true, revoked: false });
    const edges = new Map<string, GraphEdge>();
    let frontier = [root];
    let truncated = false;
    for (let distance = 1; distance <= options.depth && frontier.length > 0 && !truncated; distance++) {
      const next: string[] = [];
      for (const id of frontier) {
        const around = await store.objects.edges.around(id, MAX_EDGES_PER_OBJECT);
        if (around.length >= MAX_EDGES_PER_OBJECT) truncated = true;
        await recordOf([...new Set(around.flatMap((e) => [e.from, e.to, e.via]))]);
        for (const edge of around) {
          const other = edge.from === id ? edge.to : edge.from;
          const via = viewOf(edge.via);
          if (!via || via === "hidden") continue;
          const otherView = viewOf(other);
          if (otherView === "hidden") continue;
          if (!(await stillMakes(edge))) continue;
          edges.set(`${edge.via} ${edge.from} ${edge.to}`, edge);
          if (nodes.has(other)) continue;
          if (nodes.size >= MAX_GRAPH_NODES) {
            truncated = true;
            break;
          }
          const otherRecord = cache.get(other);
          nodes.set(other, otherView
            ? { id: other, type: otherRecord!.type, name: otherView.name, distance, held: true, revoked: false }
            : { id: other, type: other.split("--")[0] ?? "?", name: other, distance, held: false, revoked: false });
          if (otherView) next.push(other);
        }
      }
      frontier = next;
    }
    const ordered = [...nodes.values()].sort((a, b) => a.distance - b.distance || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
    const start = options.next ? Number.parseInt(options.next, 10) : 0;
    if (!Number.isSafeInteger(start) || start < 0) throw new IntelError("BAD_QUERY", "next is a cursor this node gave");
    const page = ordered.slice(start, start + options.limit);
    const shown = new Set(ordered.slice(0, start + options.limit).map((n) => n.id));
    return {
      root,
      depth: options.depth,
      nodes: page,
      edges: [...edges.values()].filter((e) => shown.has(e.from) && shown.has(e.to) && (page.some((n) => n.id === e.from || n.id === e.to))),
      next: start + options.limit < ordered.length ? String(start + options.limit) : undefined,
      truncated,
    };
  }

  /**
   * Every object `audience` may see, not revoked, as the version it may see, page by page in the
   * order they were stored: what a STIX export writes. A relationship whose ends it may not see
   * is left out.
   */
  async *visibleObjects(audience: Audience, pageSize = 1000, type?: string): AsyncGenerator<StixJson[]> {
    const { store } = this.components;
    const visible = this.visibleTo(audience);
    let after: string | undefined;
    for (;;) {
      // One type is one key range of the records (its ids start with it).
      const ids = type ? await store.objects.records.idsOfType(type, after, pageSize) : await store.objects.records.idsAfter(after, pageSize);
      if (ids.length === 0) return;
      after = ids.at(-1);
      const records = await store.objects.records.getMany(ids);
      const shown: Array<{ record: ObjectRecord; statement: ObjectStatement }> = [];
      for (const record of records) {
        const statement = record ? currentStatement(record, visible) : undefined;
        if (record && statement && !statement.revoked) shown.push({ record, statement });
      }
      const texts = await store.objects.versions.getMany(shown.map(({ record, statement }) => ({ id: record.id, producer: statement.producer, version: statement.version })));
      const objects = texts.flatMap((t) => (t ? [JSON.parse(t) as StixJson] : []));
      // Ends of relationships on this page, checked for the audience.
      const ends = [...new Set(objects.flatMap((o) => (o.type === "relationship" ? [String(o.source_ref), String(o.target_ref)] : [])))];
      const endRecords = await store.objects.records.getMany(ends);
      const hiddenEnds = new Set(ends.filter((_, i) => {
        const r = endRecords[i];
        if (!r) return false;
        const s = currentStatement(r, visible);
        return !s || s.revoked;
      }));
      yield objects.filter((o) => o.type !== "relationship" || (!hiddenEnds.has(String(o.source_ref)) && !hiddenEnds.has(String(o.target_ref))));
      if (ids.length < pageSize) return;
    }
  }
}

/** A version time after `previous` and not before `now`, with millisecond precision. */
export function laterThan(previous: string, now: number): string {
  const before = Date.parse(previous);
  const at = Number.isFinite(before) && before >= now ? before + 1 : now;
  const candidate = new Date(at).toISOString();
  return versionKey(candidate) > versionKey(previous) ? candidate : new Date(at + 1).toISOString();
}
