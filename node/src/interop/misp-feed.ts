import { createHash } from "node:crypto";
import { v5 as uuidv5 } from "uuid";
import type { IndicatorType, Tlp } from "../model/indicator.js";
import type { IndicatorRecord } from "../model/record.js";
import type { SightingSummary } from "../model/sighting.js";
import { patternAtoms } from "../model/stix-pattern.js";
import { tlpOfObject, type StixJson } from "../model/stix-object.js";

/**
 * A MISP feed: a directory a MISP instance adds as a feed (`manifest.json`, one
 * `<event uuid>.json` per event, `hashes.csv`: the MD5 of each value and its event's uuid).
 *
 * - Every report and grouping the audience may see becomes an event: what it refers to becomes
 *   its attributes, MISP objects and galaxies, the event read back as MISP wrote it where the
 *   objects came from MISP (interop/misp-stix.ts keeps MISP's words in `x_misp_*` properties),
 *   and translated otherwise (an indicator's pattern values as attributes, a note as a text
 *   attribute, actors, malware, tools and techniques as galaxy clusters).
 * - Indicators of the exchange that no such event holds go into one event per producer and TLP.
 *
 * Uuids are the events' own or UUIDv5, stable from one export to the next. Pure.
 */

const NAMESPACE = "6d7c1c58-7a3f-5b7e-8f5c-5a1b9e0e4c21";
type Json = Record<string, unknown>;
const str = (v: unknown) => (typeof v === "string" ? v : undefined);
const isRecord = (v: unknown): v is Json => v !== null && typeof v === "object" && !Array.isArray(v);
const strings = (v: unknown): string[] => (Array.isArray(v) ? v.filter((x): x is string => typeof x === "string") : []);

const MISP_EXPORT_TYPES: Record<IndicatorType, { type: string; category: string }> = {
  ipv4: { type: "ip-dst", category: "Network activity" },
  ipv6: { type: "ip-dst", category: "Network activity" },
  cidr: { type: "ip-dst", category: "Network activity" },
  domain: { type: "domain", category: "Network activity" },
  url: { type: "url", category: "Network activity" },
  email: { type: "email", category: "Payload delivery" },
  md5: { type: "md5", category: "Payload delivery" },
  sha1: { type: "sha1", category: "Payload delivery" },
  sha256: { type: "sha256", category: "Payload delivery" },
  sha512: { type: "sha512", category: "Payload delivery" },
  ssdeep: { type: "ssdeep", category: "Payload delivery" },
  tlsh: { type: "tlsh", category: "Payload delivery" },
  ja3: { type: "ja3-fingerprint-md5", category: "Network activity" },
  ja3s: { type: "ja3s-fingerprint-md5", category: "Network activity" },
  ja4: { type: "ja4-fingerprint", category: "Network activity" },
  asn: { type: "AS", category: "Network activity" },
  "user-agent": { type: "user-agent", category: "Network activity" },
  filename: { type: "filename", category: "Payload delivery" },
  mutex: { type: "mutex", category: "Artifacts dropped" },
  "registry-key": { type: "regkey", category: "Persistence mechanism" },
  cve: { type: "vulnerability", category: "External analysis" },
  "x509-md5": { type: "x509-fingerprint-md5", category: "Network activity" },
  "x509-sha1": { type: "x509-fingerprint-sha1", category: "Network activity" },
  "x509-sha256": { type: "x509-fingerprint-sha256", category: "Network activity" },
};

const TAG_OF_TLP: Record<Tlp, string> = { CLEAR: "tlp:clear", GREEN: "tlp:green", AMBER: "tlp:amber", "AMBER+STRICT": "tlp:amber+strict", RED: "tlp:red" };
const TAG_COLOUR: Record<Tlp, string> = { CLEAR: "#ffffff", GREEN: "#33ff00", AMBER: "#ffc000", "AMBER+STRICT": "#ffc000", RED: "#ff2b2b" };

/** Galaxy types for clusters that did not come from MISP, by STIX type. */
const GALAXY_OF_TYPE: Record<string, string> = {
  "threat-actor": "threat-actor",
  "intrusion-set": "mitre-intrusion-set",
  malware: "malpedia",
  tool: "tool",
  "attack-pattern": "mitre-attack-pattern",
  "course-of-action": "mitre-course-of-action",
};

const seconds = (iso: unknown) => {
  const ms = typeof iso === "string" ? Date.parse(iso) : Number.NaN;
  return Number.isFinite(ms) ? String(Math.floor(ms / 1000)) : undefined;
};

/** A kept MISP attribute (x_misp_attribute) as MISP writes it. */
function attributeOf(kept: Json, tags: string[]): Json {
  const attribute: Json = {};
  for (const [k, v] of Object.entries(kept)) if (k !== "tags") attribute[k] = k === "to_ids" ? v === true || v === "true" : v;
  const own = [...new Set([...strings(kept.tags), ...tags])];
  if (own.length > 0) attribute.Tag = own.map((name) => ({ name }));
  return attribute;
}

/** One cluster object as a MISP galaxy with its cluster, and the tag that names it. */
function galaxyOf(object: StixJson): { galaxy: Json; tag: string } | undefined {
  const kept = isRecord(object.x_misp_galaxy) ? object.x_misp_galaxy : undefined;
  const type = str(kept?.type) ?? GALAXY_OF_TYPE[String(object.type)];
  const value = str(object.name);
  if (!type || !value) return undefined;
  const tag = `misp-galaxy:${type}="${value}"`;
  const cluster: Json = { type, value, tag_name: tag, ...(str(object.description) ? { description: str(object.description) } : {}), ...(str(kept?.cluster_uuid) ? { uuid: str(kept?.cluster_uuid) } : {}), ...(isRecord(kept?.meta) ? { meta: kept.meta } : {}) };
  return { galaxy: { type, name: str(kept?.name) ?? type, GalaxyCluster: [cluster] }, tag };
}

interface FeedEvent {
  uuid: string;
  head: Json;
  attributes: Json[];
  objects: Json[];
  galaxies: Json[];
}

/** The event a report or grouping stands for, and the values of the indicators it holds. */
function eventOf(report: StixJson, byId: Map<string, StixJson>, now: number): { event: FeedEvent; values: Set<string> } {
  const kept = isRecord(report.x_misp_event) ? report.x_misp_event : {};
  const uuid = str(kept.uuid) && /^[0-9a-f-]{36}$/i.test(str(kept.uuid)!) ? str(kept.uuid)! : uuidv5(`misp-event:${String(report.id)}`, NAMESPACE);
  const tlp = tlpOfObject(report) ?? "GREEN";
  const labels = strings(report.labels);
  const tags = new Set<string>([TAG_OF_TLP[tlp], ...labels]);
  const values = new Set<string>();
  const attributes: Json[] = [];
  const objects: Json[] = [];
  const galaxies = new Map<string, Json>();
  const addGalaxy = (object: StixJson) => {
    const g = galaxyOf(object);
    if (!g) return undefined;
    galaxies.set(g.tag, g.galaxy);
    return g.tag;
  };
  // Clusters tied to one attribute by a relationship go on that attribute, not on the event.
  const clusterOfAttribute = new Map<string, string[]>();
  for (const ref of strings(report.object_refs)) {
    const object = byId.get(ref);
    if (object?.type !== "relationship") continue;
    const target = byId.get(String(object.target_ref));
    const tag = target ? galaxyOf(target)?.tag : undefined;
    if (tag) clusterOfAttribute.set(String(object.source_ref), [...(clusterOfAttribute.get(String(object.source_ref)) ?? []), tag]);
  }
  const attributeTags = new Set<string>([...clusterOfAttribute.values()].flat());
  for (const ref of strings(report.object_refs)) {
    const object = byId.get(ref);
    if (!object || object.type === "relationship" || object.type === "identity") continue;
    const own = clusterOfAttribute.get(ref) ?? [];
    const objectLabels = strings(object.labels).filter((l) => !labels.includes(l));
    if (isRecord(object.x_misp_attribute)) {
      attributes.push(attributeOf(object.x_misp_attribute, own));
    } else if (isRecord(object.x_misp_object)) {
      const o = object.x_misp_object;
      objects.push({
        uuid: str(o.uuid) ?? uuidv5(`misp-object:${ref}`, NAMESPACE),
        name: str(o.name) ?? "misc",
        "meta-category": str(o["meta-category"]) ?? "misc",
        ...(str(o.comment) ? { comment: str(o.comment) } : {}),
        Attribute: (Array.isArray(o.attributes) ? o.attributes.filter(isRecord) : []).map((a) => attributeOf(a, [])),
        ...(own.length > 0 ? { Tag: own.map((name) => ({ name })) } : {}),
      });
    } else if (object.type === "indicator" && object.pattern_type === "stix" && typeof object.pattern === "string") {
      const atoms = patternAtoms(object.pattern);
      for (const atom of atoms.ok ? atoms.atoms : []) {
        const mapped = MISP_EXPORT_TYPES[atom.type];
        attributes.push({
          uuid: uuidv5(`misp-attribute:${ref}:${atom.type}:${atom.value}`, NAMESPACE),
          type: mapped.type,
          category: mapped.category,
          value: atom.value,
          to_ids: true,
          ...(str(object.description) ? { comment: str(object.description) } : {}),
          ...(seconds(object.modified) ? { timestamp: seconds(object.modified) } : {}),
          ...(objectLabels.length + own.length > 0 ? { Tag: [...objectLabels, ...own].map((name) => ({ name })) } : {}),
        });
      }
    } else if (object.type === "indicator" && typeof object.pattern === "string" && ["yara", "sigma", "snort"].includes(String(object.pattern_type))) {
      attributes.push({ uuid: uuidv5(`misp-attribute:${ref}`, NAMESPACE), type: String(object.pattern_type), category: "Payload installation", value: object.pattern, to_ids: true });
    } else if (object.type === "note" && typeof object.content === "string") {
      attributes.push({ uuid: uuidv5(`misp-attribute:${ref}`, NAMESPACE), type: "text", category: "Other", value: object.content, to_ids: false });
    } else if (object.type === "vulnerability" && typeof object.name === "string") {
      attributes.push({ uuid: uuidv5(`misp-attribute:${ref}`, NAMESPACE), type: "vulnerability", category: "External analysis", value: object.name, to_ids: false });
    } else {
      const tag = addGalaxy(object);
      if (tag && !attributeTags.has(tag)) tags.add(tag);
    }
  }
  // Clusters named by attributes are listed on the event too (MISP shows every galaxy there).
  for (const ref of strings(report.object_refs)) {
    const object = byId.get(ref);
    if (object && object.type !== "relationship" && !isRecord(object.x_misp_attribute) && !isRecord(object.x_misp_object)) addGalaxy(object);
  }
  for (const a of Array.isArray(kept.attributes) ? kept.attributes.filter(isRecord) : []) attributes.push(attributeOf(a, []));
  for (const a of attributes) if (typeof a.value === "string") values.add(a.value);
  for (const o of objects) for (const a of Array.isArray(o.Attribute) ? (o.Attribute as Json[]) : []) if (typeof a.value === "string") values.add(a.value);
  const timestamp = seconds(report.modified) ?? String(Math.floor(now / 1000));
  const head: Json = {
    uuid,
    info: str(report.name) ?? "",
    date: str(kept.date) ?? new Date(Number(timestamp) * 1000).toISOString().slice(0, 10),
    analysis: str(kept.analysis) ?? "2",
    threat_level_id: str(kept.threat_level_id) ?? "2",
    timestamp,
    published: report.type === "report",
    ...(report.type === "report" && seconds(report.published) ? { publish_timestamp: seconds(report.published) } : {}),
    Orgc: { name: str(kept.orgc) ?? str(byId.get(String(report.created_by_ref))?.name) ?? "CTI exchange", uuid: uuidv5(`org:${str(kept.orgc) ?? String(report.created_by_ref)}`, NAMESPACE) },
    Tag: [...tags].map((name) => (name === TAG_OF_TLP[tlp] ? { name, colour: TAG_COLOUR[tlp], exportable: true } : { name, exportable: true })),
  };
  return { event: { uuid, head, attributes, objects, galaxies: [...galaxies.values()] }, values };
}

/**
 * The feed of the records and objects an audience may see: reports and groupings as events,
 * and the indicators no event holds in one event per producer and TLP.
 */
export function mispFeed(records: IndicatorRecord[], _sightings: Map<string, SightingSummary | undefined>, now: number, objects: StixJson[] = []): Record<string, string> {
  const byId = new Map(objects.map((o) => [String(o.id), o]));
  const events: FeedEvent[] = [];
  const held = new Set<string>();
  for (const object of objects) {
    if (object.type !== "report" && object.type !== "grouping") continue;
    const { event, values } = eventOf(object, byId, now);
    events.push(event);
    for (const v of values) held.add(v);
  }
  events.push(...recordEvents(records.filter((r) => !held.has(r.value)), now));
  const manifest: Record<string, Json> = {};
  const files: Record<string, string> = {};
  const hashes: string[] = [];
  for (const event of events.sort((a, b) => a.uuid.localeCompare(b.uuid))) {
    const { uuid: _uuid, published: _published, ...entry } = event.head;
    manifest[event.uuid] = entry;
    const body: Json = { ...event.head, Attribute: event.attributes };
    if (event.objects.length > 0) body.Object = event.objects;
    if (event.galaxies.length > 0) body.Galaxy = event.galaxies;
    files[`${event.uuid}.json`] = `${JSON.stringify({ Event: body }, null, 2)}\n`;
    const values = [...event.attributes, ...event.objects.flatMap((o) => (Array.isArray(o.Attribute) ? (o.Attribute as Json[]) : []))].map((a) => a.value);
    for (const value of values) if (typeof value === "string") hashes.push(`${createHash("md5").update(value).digest("hex")},${event.uuid}`);
  }
  files["manifest.json"] = `${JSON.stringify(manifest, null, 2)}\n`;
  files["hashes.csv"] = hashes.length > 0 ? `${hashes.join("\n")}\n` : "";
  return files;
}

// ---------------------------------------------------------------- records no event holds

const orgUuid = (org: string) => uuidv5(`org:${org}`, NAMESPACE);

/** Records (as their audience may see them) in one event per producer and TLP. */
function recordEvents(records: IndicatorRecord[], now: number): FeedEvent[] {
  const events = new Map<string, { producer: string; tlp: Tlp; attributes: Json[]; timestamp: number }>();
  for (const record of records) {
    if (record.blinded) continue;
    for (const a of record.attestations) {
      const key = `${a.producer}\u0000${a.tlp}`;
      const event = events.get(key) ?? { producer: a.producer, tlp: a.tlp, attributes: [], timestamp: 0 };
      const mapped = MISP_EXPORT_TYPES[record.type];
      event.attributes.push({
        uuid: uuidv5(`misp-attribute:${record.id}:${a.producer}`, NAMESPACE),
        type: mapped.type,
        category: mapped.category,
        value: record.value,
        to_ids: true,
        timestamp: String(Math.floor(a.createdAt / 1000)),
        comment: a.description,
        first_seen: new Date(a.validFrom).toISOString(),
        last_seen: new Date(a.validUntil).toISOString(),
        Tag: [...a.labels.malwareFamilies, ...a.labels.tags].map((name) => ({ name })),
      });
      event.timestamp = Math.max(event.timestamp, Math.floor(a.createdAt / 1000));
      events.set(key, event);
    }
  }
  return [...events.values()].map((event) => {
    const uuid = uuidv5(`misp-event:${event.producer}:${event.tlp}`, NAMESPACE);
    const head: Json = {
      uuid,
      info: `CTI exchange: indicators of ${event.producer} (TLP:${event.tlp})`,
      date: new Date(event.timestamp * 1000 || now).toISOString().slice(0, 10),
      analysis: "2",
      threat_level_id: "2",
      timestamp: String(event.timestamp || Math.floor(now / 1000)),
      published: true,
      Orgc: { name: event.producer, uuid: orgUuid(event.producer) },
      Tag: [{ name: TAG_OF_TLP[event.tlp], colour: TAG_COLOUR[event.tlp], exportable: true }],
    };
    return { uuid, head, attributes: event.attributes, objects: [], galaxies: [] };
  });
}
