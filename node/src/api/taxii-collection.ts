import { currentStatement, ownerVersions, type ObjectRecord, type ObjectStatement } from "../model/object-record.js";
import { versionKey } from "../model/stix-object.js";
import { stixRecordIndicator } from "../interop/stix.js";
import type { CtiNode } from "../node.js";
import { exportAudience, mayShow, type ExportAudience } from "../privacy/audience.js";
import type { OrderedEntry } from "../store/ordered-index.js";

/**
 * What a TAXII collection holds for an audience, read page by page: the node's feed (one STIX
 * indicator per record above the quarantine threshold, its version the record's last update) and
 * every STIX object partners shared (intel/), each in the versions the audience may see, revoked
 * ones left out. Both come in the order the store wrote them, merged on one cursor (revision,
 * id), so that a client paging while objects arrive neither skips nor repeats a version.
 */

/** match[version]: the first or last version, every one, or the one of a date. */
export type VersionMatch = { kind: "first" } | { kind: "last" } | { kind: "all" } | { kind: "at"; version: string };

export interface CollectionQuery {
  cursor: OrderedEntry | undefined;
  limit: number;
  types: string[] | undefined;
  ids: string[] | undefined;
  versions: VersionMatch[];
  /** match[spec_version]: every object here is 2.1; another asks for nothing. */
  specVersions: string[] | undefined;
}

export interface CollectionItem {
  object: Record<string, unknown>;
  /** When this node stored the version (µs): the TAXII date added. */
  added: number;
  version: string;
}

export const MAX_PAGE = 1000;
/** Index entries one request reads at most, whatever its filters: past it the page ends short, with `more`. */
const MAX_READ = 5_000;

const compare = (a: OrderedEntry, b: OrderedEntry) => a.at - b.at || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0);

/** Parses match[version] (comma-separated): first, last, all, or RFC 3339 times; undefined when one is none of these. */
export function parseVersionMatch(text: string | undefined): VersionMatch[] | undefined {
  if (text === undefined) return [{ kind: "last" }];
  const out: VersionMatch[] = [];
  for (const part of text.split(",")) {
    if (part === "first" || part === "last" || part === "all") out.push({ kind: part });
    else if (/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,9})?Z$/.test(part)) out.push({ kind: "at", version: part });
    else return undefined;
  }
  return out;
}

/** The versions of `versions` (oldest first) that `match` asks for, each once. */
export function selectVersions<T extends { version: string }>(versions: T[], match: VersionMatch[]): T[] {
  if (versions.length === 0) return [];
  const chosen = new Set<T>();
  for (const m of match) {
    if (m.kind === "all") versions.forEach((v) => chosen.add(v));
    else if (m.kind === "first") chosen.add(versions[0]!);
    else if (m.kind === "last") chosen.add(versions.at(-1)!);
    else for (const v of versions) if (versionKey(v.version) === versionKey(m.version)) chosen.add(v);
  }
  return versions.filter((v) => chosen.has(v));
}

export class CollectionReader {
  constructor(private readonly node: CtiNode) {}

  /** The items of one object record the audience may read, by the query's version match; none when revoked. */
  private async objectItems(record: ObjectRecord, audience: ExportAudience, query: CollectionQuery, unread: (s: ObjectStatement) => boolean): Promise<CollectionItem[]> {
    const entitlements = this.node.entitlements;
    const visible = (s: ObjectStatement) => mayShow(s, exportAudience(audience), entitlements);
    const current = currentStatement(record, visible);
    if (!current || current.revoked || !unread(current)) return [];
    if (query.ids && !query.ids.includes(record.id)) return [];
    if (query.types && !query.types.includes(record.type)) return [];
    const chosen = selectVersions(ownerVersions(record, visible), query.versions);
    const texts = await this.node.store.objects.versions.getMany(chosen.map((s) => ({ id: record.id, producer: s.producer, version: s.version })));
    return chosen.flatMap((s, i) => (texts[i] ? [{ object: JSON.parse(texts[i]) as Record<string, unknown>, added: s.revision, version: s.version }] : []));
  }

  /** One page of the collection after `query.cursor`, the cursor after it, and whether more may follow. */
  async page(audience: ExportAudience, query: CollectionQuery): Promise<{ items: CollectionItem[]; next: OrderedEntry | undefined; more: boolean }> {
    const { store, trust } = this.node;
    const items: CollectionItem[] = [];
    if (query.specVersions && !query.specVersions.includes("2.1")) return { items, next: query.cursor, more: false };
    const cursor = query.cursor;
    // A view whose version the client read already (its place is not after the cursor) is not
    // served again: a hidden statement changing the record must not show.
    const unreadAt = (revision: number, id: string) => !cursor || revision > cursor.at || (revision === cursor.at && id > cursor.id);
    const wantsRecords = !query.types || query.types.includes("indicator");
    let last = cursor;
    let read = 0;
    let exhausted = false;
    while (items.length < query.limit && !exhausted && read < MAX_READ) {
      const chunk = Math.min(MAX_PAGE, query.limit * 2);
      const [recordEntries, objectEntries] = await Promise.all([
        wantsRecords ? store.byTime.after(last, chunk) : Promise.resolve([] as OrderedEntry[]),
        store.objects.byTime.after(last, chunk),
      ]);
      // Merged in (revision, id) order, up to where both lists are known to be complete.
      const full = [recordEntries.length === chunk ? recordEntries.at(-1)! : undefined, objectEntries.length === chunk ? objectEntries.at(-1)! : undefined].filter((e): e is OrderedEntry => e !== undefined);
      const bound = full.length > 0 ? full.sort(compare)[0] : undefined;
      const entries = [...recordEntries.map((e) => ({ ...e, kind: "record" as const })), ...objectEntries.map((e) => ({ ...e, kind: "object" as const }))]
        .filter((e) => !bound || compare(e, bound) <= 0)
        .sort(compare);
      exhausted = bound === undefined;
      read += entries.length;
      const records = await store.indicators.getMany(entries.filter((e) => e.kind === "record").map((e) => e.id));
      const recordById = new Map(records.flatMap((r) => (r ? [[r.id, r] as const] : [])));
      const scored = await trust.scored([...recordById.values()], exportAudience(audience));
      const viewById = new Map(scored.filter((r) => !r.score.quarantined).map((r) => [r.id, r]));
      const objects = await store.objects.records.getMany(entries.filter((e) => e.kind === "object").map((e) => e.id));
      const objectById = new Map(objects.flatMap((o) => (o ? [[o.id, o] as const] : [])));
      let stopped = false;
      for (const entry of entries) {
        let found: CollectionItem[] = [];
        if (entry.kind === "record") {
          const record = recordById.get(entry.id);
          // An entry whose record was written again since is read at its newer place.
          const view = record && (record.revision ?? record.updatedAt * 1000) === entry.at ? viewById.get(entry.id) : undefined;
          const object = view && unreadAt(view.revision, view.id) ? stixRecordIndicator(view) : undefined;
          if (object && (!query.ids || query.ids.includes(String(object.id))) && (!query.types || query.types.includes("indicator"))) {
            found = [{ object, added: view!.revision, version: String(object.modified) }];
          }
        } else {
          const record = objectById.get(entry.id);
          if (record && record.revision === entry.at) found = await this.objectItems(record, audience, query, (s) => unreadAt(s.revision, record.id));
        }
        if (found.length > 0 && items.length >= query.limit) {
          stopped = true;
          break;
        }
        last = { at: entry.at, id: entry.id };
        items.push(...found);
      }
      if (stopped) {
        exhausted = false;
        break;
      }
      if (entries.length === 0 && bound) last = bound;
    }
    return { items, next: last, more: !exhausted };
  }

  /** One object by id (a record indicator or a STIX object), in the versions asked for. */
  async one(audience: ExportAudience, id: string, versions: VersionMatch[]): Promise<CollectionItem[]> {
    const { store, trust } = this.node;
    const uuid = /^indicator--([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})$/i.exec(id)?.[1];
    const record = uuid ? await store.byRecordUuid(uuid) : undefined;
    if (record) {
      const [view] = await trust.scored([record], exportAudience(audience));
      const object = view && !view.score.quarantined ? stixRecordIndicator(view) : undefined;
      // A record is one object whose versions replace each other: every match gives its one version.
      return object ? [{ object, added: view!.revision, version: String(object.modified) }] : [];
    }
    const objectRecord = await store.objects.records.get(id);
    if (!objectRecord) return [];
    return this.objectItems(objectRecord, audience, { cursor: undefined, limit: 1, types: undefined, ids: undefined, versions, specVersions: undefined }, () => true);
  }
}
