import { createHash } from "node:crypto";
import { v5 as uuidv5 } from "uuid";
import type { Tlp } from "../model/indicator.js";
import { RECORD_UUID_NAMESPACE, recordUuid } from "../model/indicator-id.js";
import type { IndicatorRecord } from "../model/record.js";
import type { SightingSummary } from "../model/sighting.js";
import type { PublishInput } from "../node.js";
import { HASH_TYPES, parseStixPattern, stixPatternOf } from "../model/stix-pattern.js";
import { orgIdentityId, PAP_MARKING_EXTENSION, PAP_MARKINGS, PAP_OF_MARKING, tagsOfObject, TLP2_MARKINGS, TLP_OF_MARKING, VALUE_OBSERVABLE_TYPES } from "../model/stix-object.js";
import { PAP_LEVELS, papOf, tlpOfTag, type Pap } from "../model/tags.js";
import { tlpOfMarkingObject } from "./stix-objects.js";

/**
 * STIX 2.1 in and out.
 *
 * Import turns a bundle (or a single object) into indicator inputs: indicators whose patterns
 * the exchange can represent, and cyber observables (ipv4-addr, ipv6-addr, domain-name, url,
 * email-addr, file hashes). TLP comes from the objects' markings (TLP 2.0 and the older TLP 1
 * definitions, by id or by the marking objects in the bundle). Every object that does not
 * become an indicator is listed with the reason: nothing is dropped silently.
 *
 * Export writes indicators (one per producer statement, created by the producer's identity),
 * sightings and identities, with TLP 2.0 marking refs and deterministic ids (UUIDv5), so the same
 * record exports to the same objects everywhere.
 */

export { TLP2_MARKINGS };

/** Namespace of the exchange's STIX ids (UUIDv5). */
const NAMESPACE = RECORD_UUID_NAMESPACE;

type StixObject = Record<string, unknown> & { type?: unknown; id?: unknown };

export interface StixImportOptions {
  /** TLP for objects without a TLP marking. */
  defaultTlp: Tlp;
  /** Sharing group for AMBER and AMBER+STRICT objects. */
  group?: number;
}

export interface StixSkipped {
  /** The STIX id of the object left out. */
  source: string;
  type: string;
  reason: string;
}

export interface StixImport {
  inputs: Array<PublishInput & { source: string }>;
  skipped: StixSkipped[];
  warnings: string[];
}

const OBSERVABLE_TYPES = VALUE_OBSERVABLE_TYPES;

const str = (v: unknown) => (typeof v === "string" ? v : undefined);
const isRecord = (v: unknown): v is StixObject => v !== null && typeof v === "object" && !Array.isArray(v);
/** The strings of a JSON list; anything else yields none. */
const strings = (v: unknown): string[] => (Array.isArray(v) ? v.filter((x): x is string => typeof x === "string") : []);

/** TLP of one marking id, from the well-known definitions or the bundle's own marking objects. */
function tlpOfMarking(id: string, markings: Map<string, StixObject>): Tlp | undefined {
  const known = TLP_OF_MARKING.get(id);
  if (known) return known;
  const marking = markings.get(id);
  return marking ? tlpOfMarkingObject(marking) : undefined;
}

/** Reads a bundle (or one object, or a list of objects) into indicator inputs and a report. Pure. */
export function importStix(document: unknown, options: StixImportOptions): StixImport {
  const objects: unknown[] = Array.isArray(document)
    ? document
    : isRecord(document) && document.type === "bundle"
      ? Array.isArray(document.objects)
        ? document.objects
        : []
      : [document];
  const result: StixImport = { inputs: [], skipped: [], warnings: [] };
  const markings = new Map<string, StixObject>();
  for (const o of objects) if (isRecord(o) && o.type === "marking-definition" && typeof o.id === "string") markings.set(o.id, o);

  for (const object of objects) {
    if (!isRecord(object)) {
      result.skipped.push({ source: "?", type: "?", reason: "not a STIX object" });
      continue;
    }
    const id = str(object.id) ?? "?";
    const type = str(object.type) ?? "?";
    const skip = (reason: string) => result.skipped.push({ source: id, type, reason });
    if (type === "marking-definition") {
      skip(tlpOfMarking(id, markings) ? "a TLP marking definition: applied to the objects that reference it" : "a marking definition that is not TLP");
      continue;
    }
    const refs = strings(object.object_marking_refs);
    const tlps = refs.map((r) => tlpOfMarking(r, markings)).filter((t): t is Tlp => t !== undefined);
    // Several TLP markings: the most restrictive one holds.
    const order: Tlp[] = ["CLEAR", "GREEN", "AMBER", "AMBER+STRICT", "RED"];
    const tlp = tlps.length > 0 ? tlps.reduce((a, b) => (order.indexOf(a) >= order.indexOf(b) ? a : b)) : options.defaultTlp;
    const group = tlp === "AMBER" || tlp === "AMBER+STRICT" ? options.group : undefined;
    const common = { tlp, group, source: id };

    if (type === "indicator") {
      if (object.revoked === true) {
        skip("revoked");
        continue;
      }
      if (object.pattern_type !== undefined && object.pattern_type !== "stix") {
        skip(`pattern_type ${String(object.pattern_type)} is not supported (only stix)`);
        continue;
      }
      const pattern = parseStixPattern(str(object.pattern) ?? "");
      if (!pattern.ok) {
        skip(`pattern ${JSON.stringify(object.pattern)}: ${pattern.reason}`);
        continue;
      }
      const { tags, unreadable } = tagsOfStixObject(object, markings);
      if (unreadable.length > 0) result.warnings.push(`${id}: labels that are neither tags nor words were left out: ${unreadable.map((l) => JSON.stringify(l.slice(0, 80))).join(", ")}`);
      const confidence = typeof object.confidence === "number" ? Math.round(object.confidence) : undefined;
      for (const c of pattern.comparisons) {
        result.inputs.push({
          ...common,
          type: c.type,
          value: c.value,
          confidence,
          validFrom: str(object.valid_from),
          validUntil: str(object.valid_until),
          description: str(object.description) ?? str(object.name),
          labels: { tags },
        });
      }
      continue;
    }
    const observable = OBSERVABLE_TYPES.get(type);
    if (observable && typeof object.value === "string") {
      result.inputs.push({ ...common, type: observable, value: object.value });
      continue;
    }
    if (type === "file") {
      const hashes = isRecord(object.hashes) ? object.hashes : {};
      const found = Object.entries(hashes).flatMap(([name, value]) => {
        const t = HASH_TYPES.get(name.toUpperCase());
        return t && typeof value === "string" ? [{ type: t, value }] : [];
      });
      if (found.length === 0) skip("a file without an MD5, SHA-1 or SHA-256 hash");
      for (const f of found) result.inputs.push({ ...common, ...f });
      continue;
    }
    skip(type === "relationship" || type === "sighting" ? `${type} objects are not imported as indicators` : `the ${type} type is not an indicator or a supported observable`);
  }
  return result;
}

/** tagsOfObject, and a PAP tag for a bundle's own PAP marking definition. */
export function tagsOfStixObject(object: StixObject, markings: Map<string, StixObject> = new Map()): { tags: string[]; unreadable: string[] } {
  const read = tagsOfObject(object);
  const pap = papOfBundleMarkings(strings(object.object_marking_refs), markings);
  if (pap && !papOf(read.tags)) return { tags: [...read.tags, `PAP:${pap}`].sort(), unreadable: read.unreadable };
  return read;
}

/** A PAP level from a bundle's own marking definitions (named "PAP:…" or with the PAP extension). */
function papOfBundleMarkings(refs: string[], markings: Map<string, StixObject>): Pap | undefined {
  const levels = refs.flatMap((ref) => {
    const marking = markings.get(ref);
    if (!marking) return [];
    const extension = isRecord(marking.extensions) && Object.hasOwn(marking.extensions, PAP_MARKING_EXTENSION) ? marking.extensions[PAP_MARKING_EXTENSION] : undefined;
    const named = str(marking.name);
    const name = (isRecord(extension) ? str(extension.pap) : undefined) ?? (named?.toLowerCase().startsWith("pap:") ? named.slice(4) : undefined);
    return name ? [`PAP:${name.toUpperCase()}`] : [];
  });
  return papOf(levels);
}

/** The PAP marking definition of a level, as a bundle carries it for readers that do not know the extension's ids. */
export function papMarkingObject(pap: Pap): StixObject {
  return {
    type: "marking-definition",
    spec_version: "2.1",
    id: PAP_MARKINGS[pap],
    created: "2022-10-01T00:00:00.000Z",
    name: `PAP:${pap}`,
    extensions: { [PAP_MARKING_EXTENSION]: { extension_type: "property-extension", pap: pap.toLowerCase() } },
  };
}

/** A statement's labels as STIX labels, and its PAP as a marking ref (TLP is its own marking). */
function stixLabelsAndPap(labels: IndicatorRecord["labels"]): { labels?: string[]; pap?: Pap } {
  const tags = labels.tags.filter((t) => !tlpOfTag(t));
  const all = [...labels.malwareFamilies, ...labels.attackTechniques, ...tags];
  const pap = papOf(tags);
  return { ...(all.length > 0 ? { labels: all } : {}), ...(pap ? { pap } : {}) };
}

// ---------------------------------------------------------------- export

const iso = (ms: number) => new Date(ms).toISOString();
/** A microsecond time as an RFC 3339 timestamp (STIX allows any sub-second precision). */
export const isoMicros = (us: number) => `${new Date(Math.floor(us / 1000)).toISOString().slice(0, 23)}${String(us % 1000).padStart(3, "0")}Z`;
const identityId = orgIdentityId;
export const indicatorStixId = (recordId: string, producer: string) => `indicator--${uuidv5(`indicator:${recordId}:${producer}`, NAMESPACE)}`;
const sightingId = (recordId: string, org: string) => `sighting--${uuidv5(`sighting:${recordId}:${org}`, NAMESPACE)}`;

/**
 * A CVE is no observable and has no pattern: a statement about one (its exploitation seen as
 * malicious activity) is written as the STIX vulnerability it names, with the statement's
 * producer, confidence, labels and markings.
 */
function asVulnerability(indicator: StixObject, cve: string): StixObject {
  const { pattern: _pattern, pattern_type: _type, valid_from: _from, valid_until: _until, indicator_types: _types, id, ...rest } = indicator;
  return {
    ...rest,
    type: "vulnerability",
    id: `vulnerability--${String(id).slice("indicator--".length)}`,
    name: cve,
    external_references: [{ source_name: "cve", external_id: cve }],
  };
}

/** The pattern of a record's value, or for a CVE the vulnerability object its statement becomes. */
function withPattern(record: IndicatorRecord, indicator: StixObject): StixObject {
  return record.type === "cve" ? asVulnerability(indicator, record.value) : { ...indicator, pattern: stixPatternOf(record.type, record.value) };
}

/** The STIX indicator objects of a record: one per producer statement (blinded records have none). */
export function stixIndicators(record: IndicatorRecord): StixObject[] {
  if (record.blinded) return [];
  return record.attestations.map((a) => {
    const { labels, pap } = stixLabelsAndPap(a.labels);
    return withPattern(record, {
      type: "indicator",
      spec_version: "2.1",
      id: indicatorStixId(record.id, a.producer),
      created_by_ref: identityId(a.producer),
      created: iso(a.createdAt),
      modified: iso(a.createdAt),
      name: `${record.type} ${record.value}`,
      ...(a.description ? { description: a.description } : {}),
      indicator_types: ["malicious-activity"],
      pattern_type: "stix",
      valid_from: iso(a.validFrom),
      valid_until: iso(a.validUntil),
      confidence: a.confidence,
      ...(labels ? { labels } : {}),
      object_marking_refs: pap ? [TLP2_MARKINGS[a.tlp], PAP_MARKINGS[pap]] : [TLP2_MARKINGS[a.tlp]],
    });
  });
}

export function stixIdentity(org: string, created: number): StixObject {
  return { type: "identity", spec_version: "2.1", id: identityId(org), created: iso(created), modified: iso(created), name: org, identity_class: "organization" };
}

/**
 * The objects of one record (as its audience may see it): an indicator per producer statement
 * and a sighting per org that saw it, telling `cite` every org they name and since when.
 */
function recordObjects(record: IndicatorRecord, summary: SightingSummary | undefined, cite: (org: string, at: number) => void): StixObject[] {
  const indicators = stixIndicators(record);
  if (indicators.length === 0) return [];
  const objects = [...indicators];
  for (const a of record.attestations) cite(a.producer, a.createdAt);
  for (const [org, tally] of Object.entries(summary?.byOrg ?? {})) {
    if (tally.sighting === 0) continue;
    cite(org, tally.firstSeen);
    objects.push({
      type: "sighting",
      spec_version: "2.1",
      id: sightingId(record.id, org),
      created_by_ref: identityId(org),
      created: iso(tally.firstSeen),
      modified: iso(tally.lastSeen),
      first_seen: iso(tally.firstSeen),
      last_seen: iso(tally.lastSeen),
      count: Math.min(tally.sighting, 999_999_999),
      sighting_of_ref: indicators[0]!.id,
      where_sighted_refs: [identityId(org)],
      object_marking_refs: [TLP2_MARKINGS[record.tlp]],
    });
  }
  return objects;
}

/**
 * Builds a bundle object by object: records' objects as they come, the identities of every org
 * they cited at the end (an identity's creation is the earliest time it was cited) with the PAP
 * marking definitions they referenced (readers that do not know the extension learn them), and an id
 * that follows from everything it holds, so the same export gives the same bundle.
 */
class BundleBuilder {
  private readonly cited = new Map<string, number>();
  private readonly paps = new Set<Pap>();
  private readonly names = createHash("sha256");
  private readonly cite = (org: string, at: number) => this.cited.set(org, Math.min(this.cited.get(org) ?? at, at));

  objectsOf(record: IndicatorRecord, summary: SightingSummary | undefined): StixObject[] {
    return this.name(recordObjects(record, summary, this.cite));
  }

  /** The objects that close the bundle: identities of the orgs cited and the PAP markings referenced. */
  closing(): StixObject[] {
    const paps = PAP_LEVELS.filter((pap) => this.paps.has(pap)).map(papMarkingObject);
    return this.name([...this.cited].sort(([a], [b]) => a.localeCompare(b)).map(([org, at]) => stixIdentity(org, at))).concat(this.name(paps));
  }

  id(): string {
    return `bundle--${uuidv5(this.names.digest("hex"), NAMESPACE)}`;
  }

  /** Objects added as they are (named into the bundle's id). */
  named(objects: StixObject[]): StixObject[] {
    return this.name(objects);
  }

  private name(objects: StixObject[]): StixObject[] {
    for (const o of objects) {
      this.names.update(`${String(o.id)}@${String(o.modified ?? "")}\n`);
      if (o.type !== "marking-definition") for (const ref of strings(o.object_marking_refs)) if (PAP_OF_MARKING.has(ref)) this.paps.add(PAP_OF_MARKING.get(ref)!);
    }
    return objects;
  }
}

/** A bundle of records (as their audience may see them) with their producers and sightings, and the STIX objects given. */
export function stixBundle(records: IndicatorRecord[], sightings: Map<string, SightingSummary | undefined>, shared: StixObject[] = []): StixObject {
  const builder = new BundleBuilder();
  const objects = records.flatMap((record) => builder.objectsOf(record, sightings.get(record.id)));
  objects.push(...builder.named(shared));
  const held = new Set(shared.map((o) => String(o.id)));
  objects.push(...builder.closing().filter((identity) => !held.has(String(identity.id))));
  return { type: "bundle", id: builder.id(), objects };
}

/**
 * The same bundle as stixBundle, as text, page by page: what a whole-feed export streams, so that
 * neither the records nor the document are ever held whole. One object per line.
 */
export async function* stixBundleText(
  pages: AsyncIterable<{ records: IndicatorRecord[]; sightings: Map<string, SightingSummary | undefined> }>,
  objectPages?: AsyncIterable<StixObject[]>,
): AsyncGenerator<string> {
  const builder = new BundleBuilder();
  let first = true;
  yield '{"type":"bundle","objects":[\n';
  for await (const page of pages) {
    let text = "";
    for (const record of page.records) {
      for (const object of builder.objectsOf(record, page.sightings.get(record.id))) {
        text += `${first ? "" : ",\n"}${JSON.stringify(object)}`;
        first = false;
      }
    }
    if (text !== "") yield text;
  }
  // The STIX objects partners shared (intel/), as their producers signed them.
  const held = new Set<string>();
  for await (const page of objectPages ?? []) {
    let text = "";
    for (const object of builder.named(page)) {
      held.add(String(object.id));
      text += `${first ? "" : ",\n"}${JSON.stringify(object)}`;
      first = false;
    }
    if (text !== "") yield text;
  }
  let tail = "";
  for (const identity of builder.closing()) {
    // A member's identity shared as an object already stands in the bundle.
    if (held.has(String(identity.id))) continue;
    tail += `${first ? "" : ",\n"}${JSON.stringify(identity)}`;
    first = false;
  }
  yield `${tail}\n],"id":${JSON.stringify(builder.id())}}\n`;
}

/**
 * One STIX indicator for a record as an audience sees it (TAXII collections): the node's merged
 * statement, whose version is the record's last update. A new statement from any producer makes a
 * new version of the same object, so a TAXII client never gets one version twice.
 */
export function stixRecordIndicator(record: IndicatorRecord): StixObject | undefined {
  if (record.blinded) return undefined;
  const producers = [...new Set(record.attestations.map((a) => a.producer))].sort();
  const descriptions = record.attestations.map((a) => a.description).filter((d) => d !== "");
  // The merged labels; the merged PAP is the most restrictive statement's, as the merged TLP is.
  const { labels, pap } = stixLabelsAndPap(record.labels);
  return withPattern(record, {
    type: "indicator",
    spec_version: "2.1",
    id: `indicator--${recordUuid(record.id)}`,
    created_by_ref: identityId(producers[0]!),
    created: iso(record.firstSeenAt),
    modified: isoMicros(record.revision ?? record.updatedAt * 1000),
    name: `${record.type} ${record.value}`,
    description: [`Stated by ${producers.join(", ")}.`, ...descriptions].join(" "),
    indicator_types: ["malicious-activity"],
    pattern_type: "stix",
    valid_from: iso(record.validFrom),
    valid_until: iso(record.validUntil),
    confidence: record.confidence,
    ...(labels ? { labels } : {}),
    object_marking_refs: pap ? [TLP2_MARKINGS[record.tlp], PAP_MARKINGS[pap]] : [TLP2_MARKINGS[record.tlp]],
  });
}
