import { isIP } from "node:net";
import { v5 as uuidv5 } from "uuid";
import type { IndicatorType, Tlp } from "../model/indicator.js";
import type { SightingKind } from "../model/sighting.js";
import { patternAtoms } from "../model/stix-pattern.js";
import { schemaProblem } from "../intel/stix-schema.js";
import { PAP_MARKINGS, TLP2_MARKINGS, type StixJson } from "../model/stix-object.js";
import { canonicalTag, galaxyOfTag, papOf, tlpOfTag } from "../model/tags.js";

/**
 * MISP events as STIX 2.1 objects, whole: what `cti import misp`, `POST /import/misp` and the
 * MISP feed reader publish through the object path (intel/), so that an event keeps its shape on
 * the exchange and comes back out of it (interop/misp-feed.ts). Pure.
 *
 * - The event becomes a `report` (a `grouping` while MISP says it is not published) whose
 *   `object_refs` hold everything below, with the event's tags as labels and its author as an
 *   `identity`.
 * - An attribute whose type has an observable form (MISP_TYPES) becomes an `indicator` with a STIX
 *   pattern when MISP marks it for detection (`to_ids`), else `observed-data` holding the
 *   observable: context, never fed to detectors. Detection rules (yara, sigma, snort) become
 *   indicators of that pattern type. A vulnerability becomes a `vulnerability`.
 * - Text, comments and every type without an observable form become `note`s on the report; links
 *   become the report's external references.
 * - A MISP object becomes one indicator whose pattern joins its attributes (`[file:name = 'a' AND
 *   file:hashes.MD5 = 'b']`), or observed-data when none of them is for detection.
 * - Galaxy clusters (the event's, an attribute's, or a bare `misp-galaxy:` tag) become
 *   threat-actor, intrusion-set, malware, tool, attack-pattern or course-of-action objects (an
 *   `x-misp-galaxy-cluster` for other galaxies); the report refers to the event's, and an
 *   attribute's are tied to it by a relationship.
 * - Left out, each with its reason: deleted attributes, and the files of attachments and malware
 *   samples (the exchange carries no files: a sample's hashes travel, its bytes do not).
 *
 * Every object keeps what MISP said of it in `x_misp_*` properties (uuid, type, category, value,
 * to_ids, comment, the object's attributes, the cluster's galaxy), so that the feed written back
 * is the event read. Ids are UUIDv5 of the MISP uuids: the same event imports to the same objects.
 */

const NAMESPACE = "0d5b4c62-41f4-5e0a-9b6d-7f3e2c1a9d84";

type Json = Record<string, unknown>;
const str = (v: unknown) => (typeof v === "string" ? v : typeof v === "number" ? String(v) : undefined);
const isRecord = (v: unknown): v is Json => v !== null && typeof v === "object" && !Array.isArray(v);
const records = (v: unknown): Json[] => (Array.isArray(v) ? v.filter(isRecord) : []);
const tagNames = (holder: Json | undefined) => records(holder?.Tag).map((t) => str(t.name)).filter((n): n is string => n !== undefined && n.trim() !== "");

export interface MispStixOptions {
  /** TLP for what carries no tlp tag. */
  defaultTlp: Tlp;
  /** Time for what carries no time (Unix ms). */
  now: number;
  /** Checks tags against the consortium's taxonomies: those it refuses are reported and left off. */
  checkTag?: (tag: string) => string | undefined;
  /** Read attributes MISP marks not for detection (`to_ids` false) as indicators too, not as observed data. */
  includeNonIds?: boolean;
}

/** What became of one attribute (or one object's attributes). */
export type AttributeFate = "indicator" | "observed-data" | "rule" | "vulnerability" | "note" | "reference" | "left out";

export interface MispEventRead {
  uuid: string;
  info: string;
  /** The report or grouping the event became. */
  reportId: string;
  attributes: number;
  objects: number;
  galaxies: number;
  tags: number;
  /** How many attributes (an object's counted one by one) became what. */
  fates: Partial<Record<AttributeFate, number>>;
  /** What was left out, and why. */
  leftOut: Array<{ source: string; type: string; reason: string }>;
}

export interface MispStixRead {
  objects: StixJson[];
  events: MispEventRead[];
  /** MISP sightings of attributes that became indicators, as this org's sightings of their values. */
  sightings: Array<{ value: string; type: IndicatorType; kind: SightingKind; observedAt: number }>;
  skipped: Array<{ source: string; type: string; reason: string }>;
  warnings: string[];
}

// ---------------------------------------------------------------- attribute types

/** One comparison of a STIX pattern: object type, property path, value. */
interface Comparison {
  object: string;
  path: string;
  value: string | number;
}

/** An address or a range, or nothing when the value is neither (the attribute then stays as text). */
const ip = (value: string): Comparison[] => {
  const [address, bits, ...rest] = value.trim().split("/");
  const family = isIP(address ?? "");
  if (family === 0 || rest.length > 0 || (bits !== undefined && !(/^\d{1,3}$/.test(bits) && Number(bits) <= (family === 4 ? 32 : 128)))) return [];
  return [{ object: family === 6 ? "ipv6-addr" : "ipv4-addr", path: "value", value: value.trim() }];
};
/** The forms STIX 2.1 gives hashes (common/hashes-type.json); other names only need a valid key. */
const HASH_FORMATS: Readonly<Record<string, RegExp>> = {
  MD5: /^[a-f0-9]{32}$/,
  "SHA-1": /^[a-f0-9]{40}$/,
  "SHA-256": /^[a-f0-9]{64}$/,
  "SHA-512": /^[a-f0-9]{128}$/,
  "SHA3-256": /^[a-f0-9]{64}$/,
  "SHA3-512": /^[a-f0-9]{128}$/,
  SSDEEP: /^[a-zA-Z0-9/+:.]{1,128}$/,
  TLSH: /^[a-zA-Z0-9]{70}$/,
};
/** A hash comparison, or nothing when the value is not of its algorithm's form. */
const hashOf = (object: string, name: string, raw: string): Comparison[] => {
  // STIX writes a TLSH without the version prefix ("T1") that MISP and the reference tool print.
  const value = name === "SSDEEP" ? raw.trim() : name === "TLSH" ? raw.trim().replace(/^T1(?=[0-9A-Fa-f]{70}$)/i, "") : raw.trim().toLowerCase().replace(object === "x509-certificate" ? /:/g : /^$/, "");
  const format = HASH_FORMATS[name];
  if (format ? !format.test(value) : !/^[\x21-\x7e]{1,1024}$/.test(value)) return [];
  return [{ object, path: `hashes.'${name}'`, value }];
};
const hash = (name: string) => (value: string): Comparison[] => hashOf("file", name, value);
const port = (side: "src" | "dst", value: string | undefined): Comparison[] => (value && /^\d{1,5}$/.test(value) && Number(value) <= 65535 ? [{ object: "network-traffic", path: `${side}_port`, value: Number(value) }] : []);
const HASHES: Record<string, string> = {
  md5: "MD5",
  sha1: "SHA-1",
  sha224: "SHA-224",
  sha256: "SHA-256",
  sha384: "SHA-384",
  sha512: "SHA-512",
  "sha512/224": "SHA-512-224",
  "sha512/256": "SHA-512-256",
  "sha3-224": "SHA3-224",
  "sha3-256": "SHA3-256",
  "sha3-384": "SHA3-384",
  "sha3-512": "SHA3-512",
  ssdeep: "SSDEEP",
  tlsh: "TLSH",
  imphash: "IMPHASH",
  authentihash: "AUTHENTIHASH",
  vhash: "VHASH",
  pehash: "PEHASH",
  "impfuzzy": "IMPFUZZY",
};

/**
 * The MISP attribute types with an observable form, and its comparisons. A composite value
 * (`filename|md5`, `ip-dst|port`) is split at its first `|`. Every other type is kept as a note.
 */
export const MISP_TYPES: Readonly<Record<string, (value: string, parts: string[]) => Comparison[]>> = {
  "ip-src": (v) => ip(v),
  "ip-dst": (v) => ip(v),
  "ip-src|port": (_v, [a, p]) => [...ip(a!), ...port("src", p)],
  "ip-dst|port": (_v, [a, p]) => [...ip(a!), ...port("dst", p)],
  domain: (v) => [{ object: "domain-name", path: "value", value: v }],
  hostname: (v) => [{ object: "domain-name", path: "value", value: v }],
  "domain|ip": (_v, [d, a]) => [{ object: "domain-name", path: "value", value: d! }, ...ip(a!)],
  "hostname|port": (_v, [d, p]) => [{ object: "domain-name", path: "value", value: d! }, ...port("dst", p)],
  url: (v) => [{ object: "url", path: "value", value: v }],
  uri: (v) => [{ object: "url", path: "value", value: v }],
  email: (v) => [{ object: "email-addr", path: "value", value: v }],
  "email-src": (v) => [{ object: "email-addr", path: "value", value: v }],
  "email-dst": (v) => [{ object: "email-addr", path: "value", value: v }],
  "email-subject": (v) => [{ object: "email-message", path: "subject", value: v }],
  "email-attachment": (v) => [{ object: "file", path: "name", value: v }],
  filename: (v) => [{ object: "file", path: "name", value: v }],
  "mime-type": (v) => [{ object: "file", path: "mime_type", value: v }],
  "size-in-bytes": (v) => (/^\d+$/.test(v) ? [{ object: "file", path: "size", value: Number(v) }] : []),
  ...Object.fromEntries(Object.entries(HASHES).map(([type, name]) => [type, (v: string) => hash(name)(v)])),
  // A file name alone does not make the composite: without its hash it stays as text.
  ...Object.fromEntries(Object.entries(HASHES).map(([type, name]) => [`filename|${type}`, (_v: string, [f, h]: string[]) => (hash(name)(h!).length > 0 ? [{ object: "file", path: "name", value: f! }, ...hash(name)(h!)] : [])])),
  "malware-sample": (_v, [f, h]) => (hash("MD5")(h!).length > 0 ? [{ object: "file", path: "name", value: f! }, ...hash("MD5")(h!)] : []),
  regkey: (v) => [{ object: "windows-registry-key", path: "key", value: v }],
  "regkey|value": (_v, [k, d]) => [{ object: "windows-registry-key", path: "key", value: k! }, { object: "windows-registry-key", path: "values[*].data", value: d! }],
  mutex: (v) => [{ object: "mutex", path: "name", value: v }],
  AS: (v) => (/^(?:AS)?\d{1,10}$/i.test(v) ? [{ object: "autonomous-system", path: "number", value: Number(v.replace(/^AS/i, "")) }] : []),
  "mac-address": (v) => [{ object: "mac-addr", path: "value", value: v.toLowerCase() }],
  port: (v) => port("dst", v),
  "user-agent": (v) => [{ object: "network-traffic", path: "extensions.'http-request-ext'.request_header.'User-Agent'", value: v }],
  "ja3-fingerprint-md5": (v) => [{ object: "network-traffic", path: "x_ja3", value: v.toLowerCase() }],
  "ja3s-fingerprint-md5": (v) => [{ object: "network-traffic", path: "x_ja3s", value: v.toLowerCase() }],
  "ja4-fingerprint": (v) => [{ object: "network-traffic", path: "x_ja4", value: v }],
  "jarm-fingerprint": (v) => [{ object: "network-traffic", path: "x_jarm", value: v.toLowerCase() }],
  "hassh-md5": (v) => [{ object: "network-traffic", path: "x_hassh", value: v.toLowerCase() }],
  "x509-fingerprint-md5": (v) => hashOf("x509-certificate", "MD5", v),
  "x509-fingerprint-sha1": (v) => hashOf("x509-certificate", "SHA-1", v),
  "x509-fingerprint-sha256": (v) => hashOf("x509-certificate", "SHA-256", v),
};

/** Detection rules: their MISP type and the STIX pattern type they travel as. */
export const MISP_RULE_TYPES: Readonly<Record<string, "yara" | "sigma" | "snort" | "suricata">> = { yara: "yara", sigma: "sigma", snort: "snort" };

/** Types kept on the report, not as objects of their own. */
const REFERENCE_TYPES = new Set(["link"]);
/** Types whose content the exchange does not carry, with the stated reason. */
const FILE_TYPES = new Set(["attachment", "malware-sample"]);

function quote(value: string | number): string {
  return typeof value === "number" ? String(value) : `'${value.replace(/\\/g, "\\\\").replace(/'/g, "\\'")}'`;
}

/** A pattern of comparisons: one observation per object type, comparisons within it joined by AND. */
export function patternOf(comparisons: readonly Comparison[]): string {
  const byObject = new Map<string, Comparison[]>();
  for (const c of comparisons) byObject.set(c.object, [...(byObject.get(c.object) ?? []), c]);
  return [...byObject.values()].map((list) => `[${list.map((c) => `${c.object}:${c.path} = ${quote(c.value)}`).join(" AND ")}]`).join(" AND ");
}

/** The observables of comparisons, one per object type, as observed-data's `objects` holds them. */
function observablesOf(comparisons: readonly Comparison[], seed: string): Record<string, Json> {
  const byObject = new Map<string, Json>();
  for (const c of comparisons) {
    // A port alone, or an extension's header, has no observable of its own worth keeping here.
    if (c.object === "network-traffic") continue;
    const sco = byObject.get(c.object) ?? { type: c.object };
    const hashed = /^hashes\.'?([^']+)'?$/.exec(c.path);
    if (hashed) sco.hashes = { ...(sco.hashes as Json | undefined), [hashed[1]!]: c.value };
    else if (c.path === "values[*].data") sco.values = [{ data: c.value }];
    else sco[c.path] = c.value;
    byObject.set(c.object, sco);
  }
  const out: Record<string, Json> = {};
  let i = 0;
  for (const sco of byObject.values()) {
    if (sco.type === "email-message") sco.is_multipart = false;
    sco.id = `${String(sco.type)}--${uuidv5(`${seed}:${i}`, NAMESPACE)}`;
    // A value its observable's schema refuses (a URL that is none) is left to the note.
    if (schemaProblem(sco) === undefined) out[String(i++)] = sco;
  }
  return out;
}

// ---------------------------------------------------------------- galaxies

/** The STIX type of a galaxy's clusters. */
function stixTypeOfGalaxy(galaxy: string): string {
  if (/(^|-)attack-pattern$/.test(galaxy)) return "attack-pattern";
  if (/(^|-)intrusion-set$/.test(galaxy)) return "intrusion-set";
  if (/(^|-)course-of-action$/.test(galaxy)) return "course-of-action";
  if (galaxy === "threat-actor" || galaxy === "microsoft-activity-group") return "threat-actor";
  if (galaxy === "tool" || /(^|-)tool$/.test(galaxy)) return "tool";
  if (["malpedia", "banker", "ransomware", "rat", "stealer", "botnet", "backdoor", "android", "exploit-kit"].includes(galaxy) || /(^|-)malware$/.test(galaxy)) return "malware";
  return "x-misp-galaxy-cluster";
}

interface Cluster {
  galaxy: string;
  value: string;
  description?: string;
  uuid?: string;
  meta?: Json;
  galaxyName?: string;
}

function clusterObject(cluster: Cluster, common: Json): StixJson {
  const type = stixTypeOfGalaxy(cluster.galaxy);
  const id = `${type}--${uuidv5(`galaxy:${cluster.galaxy}:${cluster.value}`, NAMESPACE)}`;
  const meta = cluster.meta ?? {};
  const synonyms = Array.isArray(meta.synonyms) ? meta.synonyms.filter((s): s is string => typeof s === "string") : [];
  const refs = Array.isArray(meta.refs) ? meta.refs.filter((r): r is string => typeof r === "string" && /^https?:\/\//.test(r)) : [];
  const attackId = /\b(T\d{4}(?:\.\d{3})?)\b/.exec(cluster.value)?.[1];
  const externalReferences = [
    ...(attackId && type === "attack-pattern" ? [{ source_name: "mitre-attack", external_id: attackId }] : []),
    ...refs.slice(0, 50).map((url) => ({ source_name: "misp-galaxy", url })),
  ];
  return {
    type,
    spec_version: "2.1",
    id,
    ...common,
    name: cluster.value,
    ...(cluster.description ? { description: cluster.description } : {}),
    ...(type === "malware" ? { is_family: true } : {}),
    ...(synonyms.length > 0 && ["malware", "threat-actor", "intrusion-set", "tool"].includes(type) ? { aliases: synonyms.slice(0, 100) } : {}),
    ...(externalReferences.length > 0 ? { external_references: externalReferences } : {}),
    x_misp_galaxy: { type: cluster.galaxy, ...(cluster.galaxyName ? { name: cluster.galaxyName } : {}), ...(cluster.uuid ? { cluster_uuid: cluster.uuid } : {}), ...(Object.keys(meta).length > 0 ? { meta } : {}) },
  };
}

/** The clusters a holder (event, attribute, object) names: its Galaxy blocks and its galaxy tags. */
function clustersOf(holder: Json): Cluster[] {
  const out = new Map<string, Cluster>();
  for (const galaxy of records(holder.Galaxy)) {
    const type = str(galaxy.type);
    for (const c of records(galaxy.GalaxyCluster)) {
      const value = str(c.value);
      const clusterType = str(c.type) ?? type;
      if (!value || !clusterType) continue;
      out.set(`${clusterType}\u0000${value}`, { galaxy: clusterType, value, description: str(c.description), uuid: str(c.uuid) || undefined, meta: isRecord(c.meta) ? c.meta : undefined, galaxyName: str(galaxy.name) });
    }
  }
  for (const tag of tagNames(holder)) {
    const g = galaxyOfTag(tag);
    if (g && !out.has(`${g.galaxy}\u0000${g.value}`)) out.set(`${g.galaxy}\u0000${g.value}`, { galaxy: g.galaxy, value: g.value });
  }
  return [...out.values()];
}

// ---------------------------------------------------------------- events

const SIGHTING_KINDS: ReadonlyMap<string, SightingKind> = new Map([
  ["0", "sighting"],
  ["1", "false-positive"],
  ["2", "expired"],
]);

function isoOfSeconds(value: unknown): string | undefined {
  const s = str(value);
  if (!s || !/^\d{1,12}$/.test(s) || s === "0") return undefined;
  return new Date(Number(s) * 1000).toISOString();
}

function isoOfTime(value: unknown): string | undefined {
  const s = str(value);
  if (!s) return undefined;
  const ms = Date.parse(s);
  return Number.isFinite(ms) ? new Date(ms).toISOString() : undefined;
}

/** Reads MISP events (`{"Event": ...}`, a bare event, or a list of either) into STIX objects and a report per event. */
export function mispToStix(document: unknown, options: MispStixOptions): MispStixRead {
  const events = (Array.isArray(document) ? document : [document]).map((d) => (isRecord(d) && isRecord(d.Event) ? d.Event : d));
  const out: MispStixRead = { objects: [], events: [], sightings: [], skipped: [], warnings: [] };
  const emitted = new Set<string>();
  const emit = (object: StixJson) => {
    if (emitted.has(String(object.id))) return;
    emitted.add(String(object.id));
    out.objects.push(object);
  };
  for (const [index, event] of events.entries()) {
    if (!isRecord(event) || (event.Attribute === undefined && event.Object === undefined && event.info === undefined)) {
      out.skipped.push({ source: `event ${index}`, type: "?", reason: "not a MISP event" });
      continue;
    }
    readEvent(event, index, options, out, emit);
  }
  return out;
}

function readEvent(event: Json, index: number, options: MispStixOptions, out: MispStixRead, emit: (o: StixJson) => void): void {
  const eventUuid = str(event.uuid) ?? `event-${index}`;
  const eventTime = isoOfSeconds(event.timestamp) ?? isoOfTime(event.date) ?? new Date(options.now).toISOString();
  const published = event.published === true || event.published === "1";
  const reportType = published ? "report" : "grouping";
  const reportId = `${reportType}--${uuidv5(`misp-event:${eventUuid}`, NAMESPACE)}`;
  const read: MispEventRead = { uuid: eventUuid, info: str(event.info) ?? "", reportId, attributes: 0, objects: 0, galaxies: 0, tags: 0, fates: {}, leftOut: [] };
  const fate = (f: AttributeFate, n = 1) => (read.fates[f] = (read.fates[f] ?? 0) + n);
  const leave = (source: string, type: string, reason: string) => {
    read.leftOut.push({ source, type, reason });
    out.skipped.push({ source, type, reason });
    fate("left out");
  };

  // Tags: TLP is a marking; the rest are labels, checked against the taxonomies when asked.
  const usableTags = (names: string[], where: string): string[] => {
    const tags: string[] = [];
    for (const name of names) {
      const tag = canonicalTag(name);
      if (tag === undefined) {
        out.warnings.push(`${where}: tag ${JSON.stringify(name.slice(0, 80))} is neither a machine tag nor a word: left off`);
        continue;
      }
      if (tlpOfTag(tag)) continue;
      const problem = options.checkTag?.(tag);
      if (problem) {
        out.warnings.push(`${where}: tag ${tag} left off: ${problem}`);
        continue;
      }
      if (!tags.includes(tag)) tags.push(tag);
    }
    return tags;
  };
  const tlpOf = (names: string[]): Tlp | undefined => names.map((n) => tlpOfTag(n.trim())).find((t) => t !== undefined);
  const eventTagNames = tagNames(event);
  const eventTags = usableTags(eventTagNames, `event ${eventUuid}`);
  read.tags = eventTags.length;
  const eventTlp = tlpOf(eventTagNames) ?? options.defaultTlp;
  const markings = (tlp: Tlp, tags: string[]) => {
    const pap = papOf(tags);
    return pap ? [TLP2_MARKINGS[tlp], PAP_MARKINGS[pap]] : [TLP2_MARKINGS[tlp]];
  };

  const orgc = isRecord(event.Orgc) ? event.Orgc : undefined;
  const orgName = str(orgc?.name);
  const author = orgName ? `identity--${uuidv5(`misp-org:${str(orgc?.uuid) ?? orgName}`, NAMESPACE)}` : undefined;
  if (author) emit({ type: "identity", spec_version: "2.1", id: author, created: eventTime, modified: eventTime, name: orgName, identity_class: "organization", object_marking_refs: [TLP2_MARKINGS[eventTlp]] });
  const by = author ? { created_by_ref: author } : {};

  const refs: string[] = [];
  const references: Json[] = [];
  const reportAttributes: Json[] = [];
  const clusterIds = new Map<string, string>();
  const clusterRef = (cluster: Cluster, tlp: Tlp): string => {
    const key = `${cluster.galaxy}\u0000${cluster.value}`;
    const known = clusterIds.get(key);
    if (known) return known;
    const object = clusterObject(cluster, { ...by, created: eventTime, modified: eventTime, object_marking_refs: [TLP2_MARKINGS[tlp]] });
    emit(object);
    clusterIds.set(key, String(object.id));
    refs.push(String(object.id));
    read.galaxies++;
    return String(object.id);
  };
  for (const cluster of clustersOf(event)) clusterRef(cluster, eventTlp);

  /** The MISP attribute as kept on the object it became, for the feed written back. */
  const keep = (a: Json) => {
    const kept: Json = {};
    for (const field of ["uuid", "type", "category", "value", "to_ids", "comment", "first_seen", "last_seen", "timestamp", "object_relation", "distribution"]) {
      const v = a[field];
      if (v !== undefined && v !== null && v !== "") kept[field] = typeof v === "boolean" ? v : String(v);
    }
    const tags = tagNames(a);
    if (tags.length > 0) kept.tags = tags;
    return kept;
  };

  const relate = (source: string, target: string, tlp: Tlp, time: string) => {
    const relationshipType = target.startsWith("x-") ? "related-to" : source.startsWith("indicator--") ? "indicates" : "related-to";
    const id = `relationship--${uuidv5(`misp-relationship:${source}:${target}`, NAMESPACE)}`;
    emit({ type: "relationship", spec_version: "2.1", id, ...by, created: time, modified: time, relationship_type: relationshipType, source_ref: source, target_ref: target, object_marking_refs: [TLP2_MARKINGS[tlp]] });
    refs.push(id);
  };

  /** One MISP attribute, or a MISP object's attributes, as STIX. */
  const readUnit = (unit: { attributes: Json[]; object?: Json }) => {
    const first = unit.attributes[0]!;
    const holder = unit.object ?? first;
    const uuid = str(holder.uuid) ?? `${eventUuid}/${index}-${refs.length}`;
    const holderTagNames = [...tagNames(holder), ...(unit.object ? unit.attributes.flatMap(tagNames) : [])];
    const tlp = tlpOf(holderTagNames) ?? eventTlp;
    const tags = [...new Set([...eventTags, ...usableTags(holderTagNames, uuid)])];
    const time = isoOfSeconds(holder.timestamp) ?? eventTime;
    const comparisons: Comparison[] = [];
    const readings: Comparison[][] = [];
    let detect = false;
    for (const a of unit.attributes) {
      const type = str(a.type) ?? "?";
      const value = str(a.value) ?? "";
      const parts = value.includes("|") ? [value.slice(0, value.indexOf("|")), value.slice(value.indexOf("|") + 1)] : [value];
      // An empty value, or an empty half of a composite one, is no observable: the attribute stays as text.
      const composite = type.includes("|") || type === "malware-sample";
      const reading = value.trim() !== "" && parts.every((p) => p.trim() !== "") && parts.length === (composite ? 2 : 1 + Number(value.includes("|"))) && Object.hasOwn(MISP_TYPES, type) ? MISP_TYPES[type]!(value, parts).filter((c) => c.value !== "") : [];
      if (reading.length > 0 && (a.to_ids === true || a.to_ids === "1" || options.includeNonIds)) detect = true;
      comparisons.push(...reading);
      readings.push(reading);
    }
    const common = {
      ...by,
      created: time,
      modified: time,
      ...(tags.length > 0 ? { labels: tags } : {}),
      object_marking_refs: markings(tlp, tags),
    };
    const clusters = [...clustersOf(holder), ...(unit.object ? unit.attributes.flatMap(clustersOf) : [])];
    const comment = str(holder.comment) || undefined;
    const validFrom = isoOfTime(holder.first_seen) ?? time;
    const lastSeen = isoOfTime(holder.last_seen);
    const misp = unit.object
      ? { x_misp_object: { uuid: str(unit.object.uuid), name: str(unit.object.name), "meta-category": str(unit.object["meta-category"]), ...(str(unit.object.comment) ? { comment: str(unit.object.comment) } : {}), attributes: unit.attributes.map(keep) } }
      : { x_misp_attribute: keep(first) };
    const type = unit.object ? `object ${str(unit.object.name) ?? "?"}` : (str(first.type) ?? "?");
    const name = (unit.object ? `${str(unit.object.name)}: ${unit.attributes.map((a) => str(a.value)).find((v) => v) ?? ""}` : `${type} ${str(first.value) ?? ""}`).slice(0, 250);
    let objectId: string;
    const rule = !unit.object ? MISP_RULE_TYPES[type as keyof typeof MISP_RULE_TYPES] : undefined;
    if (rule && (first.to_ids === true || first.to_ids === "1" || options.includeNonIds)) {
      objectId = `indicator--${uuidv5(`misp:${uuid}`, NAMESPACE)}`;
      emit({ type: "indicator", spec_version: "2.1", id: objectId, ...common, name: `${rule} rule ${ruleName(str(first.value) ?? "")}`.slice(0, 250), ...(comment ? { description: comment } : {}), indicator_types: ["malicious-activity"], pattern: str(first.value) ?? "", pattern_type: rule, valid_from: validFrom, ...misp });
      fate("rule");
    } else if (!unit.object && type === "vulnerability") {
      const cve = /^CVE-\d{4}-\d{4,}$/i.test(str(first.value) ?? "") ? (str(first.value) ?? "").toUpperCase() : undefined;
      objectId = `vulnerability--${uuidv5(`misp:${uuid}`, NAMESPACE)}`;
      emit({ type: "vulnerability", spec_version: "2.1", id: objectId, ...common, name: str(first.value) ?? "", ...(comment ? { description: comment } : {}), ...(cve ? { external_references: [{ source_name: "cve", external_id: cve }] } : {}), ...misp });
      fate("vulnerability");
    } else if (comparisons.length > 0 && detect) {
      objectId = `indicator--${uuidv5(`misp:${uuid}`, NAMESPACE)}`;
      const pattern = patternOf(comparisons);
      emit({
        type: "indicator",
        spec_version: "2.1",
        id: objectId,
        ...common,
        name,
        ...(comment ? { description: comment } : {}),
        indicator_types: ["malicious-activity"],
        pattern,
        pattern_type: "stix",
        valid_from: validFrom,
        ...(lastSeen && lastSeen > validFrom ? { valid_until: lastSeen } : {}),
        ...misp,
      });
      fate("indicator", unit.attributes.length);
      for (const [k, a] of unit.attributes.entries())
        for (const s of records(a.Sighting)) {
          const kind = SIGHTING_KINDS.get(str(s.type) ?? "0");
          const at = Number(str(s.date_sighting)) * 1000;
          if (!kind || !Number.isSafeInteger(at) || at <= 0 || readings[k]!.length === 0) continue;
          // The values of the attribute sighted, not of its whole object.
          const atoms = patternAtoms(patternOf(readings[k]!));
          for (const atom of atoms.ok ? atoms.atoms : []) out.sightings.push({ value: atom.value, type: atom.type, kind, observedAt: at });
        }
    } else if (comparisons.length > 0 && Object.keys(observablesOf(comparisons, uuid)).length > 0) {
      objectId = `observed-data--${uuidv5(`misp:${uuid}`, NAMESPACE)}`;
      emit({ type: "observed-data", spec_version: "2.1", id: objectId, ...common, first_observed: validFrom, last_observed: lastSeen && lastSeen > validFrom ? lastSeen : validFrom, number_observed: 1, objects: observablesOf(comparisons, uuid), ...misp });
      fate("observed-data", unit.attributes.length);
    } else {
      // Text, comments, every type without an observable form: a note on the event's report.
      objectId = `note--${uuidv5(`misp:${uuid}`, NAMESPACE)}`;
      const content = unit.object ? unit.attributes.map((a) => `${str(a.object_relation) ?? str(a.type)}: ${str(a.value) ?? ""}`).join("\n") : (str(first.value) ?? "");
      emit({ type: "note", spec_version: "2.1", id: objectId, ...common, abstract: `${str(holder.category) ?? "MISP"}: ${type}`.slice(0, 250), content: content || "(empty)", object_refs: [reportId], ...misp });
      fate("note", unit.attributes.length);
    }
    refs.push(objectId);
    for (const cluster of clusters) relate(objectId, clusterRef(cluster, tlp), tlp, time);
  };

  for (const a of records(event.Attribute)) {
    read.attributes++;
    const type = str(a.type) ?? "?";
    const source = str(a.uuid) ?? `${eventUuid}/${type}`;
    if (a.deleted === true || a.deleted === "1") {
      leave(source, type, "deleted in MISP");
      continue;
    }
    if (REFERENCE_TYPES.has(type)) {
      const url = str(a.value) ?? "";
      if (/^https?:\/\/\S+$/i.test(url)) references.push({ source_name: "link", url, ...(str(a.comment) ? { description: str(a.comment) } : {}) });
      reportAttributes.push(keep(a));
      fate("reference");
      continue;
    }
    if (FILE_TYPES.has(type) && a.data !== undefined) out.warnings.push(`${source}: the ${type}'s file was left out (the exchange carries no files); ${type === "malware-sample" ? "its name and hash travel" : "its name travels as a note"}`);
    readUnit({ attributes: [a] });
  }
  for (const o of records(event.Object)) {
    if (o.deleted === true || o.deleted === "1") {
      leave(str(o.uuid) ?? eventUuid, `object ${str(o.name) ?? "?"}`, "deleted in MISP");
      continue;
    }
    const attributes = records(o.Attribute).filter((a) => {
      if (a.deleted === true || a.deleted === "1") {
        leave(str(a.uuid) ?? eventUuid, str(a.type) ?? "?", "deleted in MISP");
        return false;
      }
      return true;
    });
    if (attributes.length === 0) continue;
    read.objects++;
    read.attributes += attributes.length;
    readUnit({ attributes, object: o });
  }

  const reportCommon = {
    ...by,
    created: isoOfTime(event.date) && isoOfTime(event.date)! < eventTime ? isoOfTime(event.date)! : eventTime,
    modified: eventTime,
    name: (str(event.info) || `MISP event ${eventUuid}`).slice(0, 1000),
    ...(eventTags.length > 0 ? { labels: eventTags } : {}),
    external_references: [{ source_name: "misp", external_id: eventUuid }, ...references],
    object_marking_refs: markings(eventTlp, eventTags),
    object_refs: refs.length > 0 ? [...new Set(refs)] : [author ?? reportId],
    x_misp_event: {
      uuid: eventUuid,
      ...(str(event.date) ? { date: str(event.date) } : {}),
      ...(str(event.threat_level_id) ? { threat_level_id: str(event.threat_level_id) } : {}),
      ...(str(event.analysis) ? { analysis: str(event.analysis) } : {}),
      ...(orgName ? { orgc: orgName } : {}),
      published,
      ...(reportAttributes.length > 0 ? { attributes: reportAttributes } : {}),
    },
  };
  // A report with no object of its own refers to its author (object_refs may not be empty).
  if (published) emit({ type: "report", spec_version: "2.1", id: reportId, ...reportCommon, report_types: ["threat-report"], published: isoOfSeconds(event.publish_timestamp) ?? eventTime });
  else emit({ type: "grouping", spec_version: "2.1", id: reportId, ...reportCommon, context: "suspicious-activity" });
  out.events.push(read);
}

/** A YARA or Sigma rule's name, for the indicator's. */
function ruleName(text: string): string {
  return /\brule\s+([A-Za-z_][A-Za-z0-9_]*)/.exec(text)?.[1] ?? /^title:\s*(.+)$/m.exec(text)?.[1]?.trim() ?? "";
}
