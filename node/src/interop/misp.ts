import { createHash } from "node:crypto";
import { v5 as uuidv5 } from "uuid";
import type { IndicatorType, Tlp } from "../model/indicator.js";
import type { IndicatorRecord } from "../model/record.js";
import type { SightingKind, SightingSummary } from "../model/sighting.js";
import type { PublishInput } from "../node.js";

/**
 * MISP in and out.
 *
 * Import reads MISP event JSON (`{"Event": {...}}`, a bare event, or a list of them): attributes
 * and objects' attributes become indicators by the type mapping below, `tlp:*` tags become TLP
 * (an attribute's tag wins over its event's), galaxy tags become malware families and ATT&CK
 * techniques, and MISP sightings become this org's sightings (the MISP instance is this org's).
 * Everything left out is listed with the reason.
 *
 * Export writes a MISP feed directory that a MISP instance can add as a feed: `manifest.json`,
 * one `<event uuid>.json` per producer and TLP, and `hashes.csv` (the MD5 of each value and its
 * event's uuid), with deterministic uuids.
 *
 * Type mapping (MISP -> exchange): ip-src, ip-dst (and their |port forms) -> ipv4, ipv6 or cidr;
 * domain, hostname -> domain; domain|ip -> both; url -> url; email, email-src, email-dst -> email;
 * md5, sha1, sha256 (and filename|<hash>) -> the hash. Exchange -> MISP: ipv4, ipv6, cidr ->
 * ip-dst; domain -> domain; url -> url; email -> email; hashes -> md5, sha1, sha256.
 */

const NAMESPACE = "6d7c1c58-7a3f-5b7e-8f5c-5a1b9e0e4c21";

export const MISP_IMPORT_TYPES: Record<string, Array<"ip" | IndicatorType>> = {
  "ip-src": ["ip"],
  "ip-dst": ["ip"],
  "ip-src|port": ["ip"],
  "ip-dst|port": ["ip"],
  domain: ["domain"],
  hostname: ["domain"],
  "domain|ip": ["domain", "ip"],
  url: ["url"],
  email: ["email"],
  "email-src": ["email"],
  "email-dst": ["email"],
  md5: ["md5"],
  sha1: ["sha1"],
  sha256: ["sha256"],
  "filename|md5": ["md5"],
  "filename|sha1": ["sha1"],
  "filename|sha256": ["sha256"],
};

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
};

// Tables keyed by what an event says are Maps (or read with Object.hasOwn): "constructor" must find nothing.
const TLP_TAGS: ReadonlyMap<string, Tlp> = new Map([
  ["tlp:white", "CLEAR"],
  ["tlp:clear", "CLEAR"],
  ["tlp:green", "GREEN"],
  ["tlp:amber", "AMBER"],
  ["tlp:amber+strict", "AMBER+STRICT"],
  ["tlp:red", "RED"],
]);
const TAG_OF_TLP: Record<Tlp, string> = { CLEAR: "tlp:clear", GREEN: "tlp:green", AMBER: "tlp:amber", "AMBER+STRICT": "tlp:amber+strict", RED: "tlp:red" };
const TAG_COLOUR: Record<Tlp, string> = { CLEAR: "#ffffff", GREEN: "#33ff00", AMBER: "#ffc000", "AMBER+STRICT": "#ffc000", RED: "#ff2b2b" };
const SIGHTING_KINDS: ReadonlyMap<string, SightingKind> = new Map([
  ["0", "sighting"],
  ["1", "false-positive"],
  ["2", "expired"],
]);
const FAMILY_GALAXIES = /^misp-galaxy:(malpedia|banker|ransomware|rat|stealer|botnet|backdoor|tool|android|exploit-kit)="(.+)"$/;
const ATTACK_GALAXY = /^misp-galaxy:mitre-(?:enterprise-)?attack-pattern="[^"]*?(T\d{4}(?:\.\d{3})?)"$/;
const FREE_LABEL = /^[\p{L}\p{N}][\p{L}\p{N} ._:/+-]{0,63}$/u;

type Json = Record<string, unknown>;
const str = (v: unknown) => (typeof v === "string" ? v : typeof v === "number" ? String(v) : undefined);
const isRecord = (v: unknown): v is Json => v !== null && typeof v === "object" && !Array.isArray(v);
/** The objects of a JSON list; anything else (a missing list, a null entry) yields none. */
const records = (v: unknown): Json[] => (Array.isArray(v) ? v.filter(isRecord) : []);
const tagNames = (holder: Json | undefined) => records(holder?.Tag).map((t) => str(t.name)).filter((n): n is string => n !== undefined);

export interface MispImportOptions {
  defaultTlp: Tlp;
  /** Sharing group for AMBER and AMBER+STRICT attributes. */
  group?: number;
  /** Also import attributes whose to_ids is false (MISP's "not for detection"). */
  includeNonIds?: boolean;
}

export interface MispImport {
  inputs: Array<PublishInput & { source: string }>;
  sightings: Array<{ value: string; type: IndicatorType; kind: SightingKind; observedAt: number }>;
  skipped: Array<{ source: string; type: string; reason: string }>;
  warnings: string[];
}

function ipType(value: string): IndicatorType {
  return value.includes("/") ? "cidr" : value.includes(":") ? "ipv6" : "ipv4";
}

/** Reads MISP event JSON into indicator inputs, sightings and a report. Pure. */
export function importMisp(document: unknown, options: MispImportOptions): MispImport {
  const events = (Array.isArray(document) ? document : [document]).map((d) => (isRecord(d) && isRecord(d.Event) ? d.Event : d));
  const result: MispImport = { inputs: [], sightings: [], skipped: [], warnings: [] };
  for (const event of events) {
    if (!isRecord(event)) {
      result.skipped.push({ source: "?", type: "?", reason: "not a MISP event" });
      continue;
    }
    const eventTags = tagNames(event);
    const attributes: Array<{ attribute: Json; object?: string }> = [
      ...records(event.Attribute).map((attribute) => ({ attribute })),
      ...records(event.Object).flatMap((o) => records(o.Attribute).map((attribute) => ({ attribute, object: str(o.name) }))),
    ];
    for (const { attribute, object } of attributes) {
      const misptype = str(attribute.type) ?? "?";
      const raw = str(attribute.value) ?? "";
      const source = str(attribute.uuid) ?? `${str(event.uuid) ?? "event"}/${misptype}`;
      const skip = (reason: string) => result.skipped.push({ source, type: misptype, reason });
      const mapping = Object.hasOwn(MISP_IMPORT_TYPES, misptype) ? MISP_IMPORT_TYPES[misptype] : undefined;
      if (!mapping) {
        skip(`MISP type ${misptype} has no indicator type here`);
        continue;
      }
      if (attribute.deleted === true) {
        skip("deleted");
        continue;
      }
      if (attribute.to_ids === false && !options.includeNonIds) {
        skip("to_ids is false: MISP marks it as not for detection");
        continue;
      }
      const tags = [...eventTags, ...tagNames(attribute)];
      const tlpTags = tagNames(attribute).map((t) => TLP_TAGS.get(t.toLowerCase())).filter((t) => t !== undefined);
      const eventTlp = eventTags.map((t) => TLP_TAGS.get(t.toLowerCase())).filter((t) => t !== undefined);
      const tlp = tlpTags[0] ?? eventTlp[0] ?? options.defaultTlp;
      const malwareFamilies = tags.map((t) => FAMILY_GALAXIES.exec(t)?.[2]?.toLowerCase()).filter((f): f is string => f !== undefined && FREE_LABEL.test(f));
      const attackTechniques = tags.map((t) => ATTACK_GALAXY.exec(t)?.[1]).filter((t): t is string => t !== undefined);
      const free = tags.filter((t) => !TLP_TAGS.has(t.toLowerCase()) && !t.startsWith("misp-galaxy:")).map((t) => t.toLowerCase());
      const plain = free.filter((t) => FREE_LABEL.test(t));
      if (plain.length < free.length) result.warnings.push(`${source}: tags that are not plain words were left out`);
      const parts = raw.split("|");
      const values: Array<{ type: IndicatorType; value: string }> =
        misptype === "domain|ip"
          ? [{ type: "domain", value: parts[0] ?? "" }, { type: ipType(parts[1] ?? ""), value: parts[1] ?? "" }]
          : misptype.includes("|")
            ? [{ type: mapping[0] === "ip" ? ipType(parts[0] ?? "") : (mapping[0] as IndicatorType), value: (misptype.startsWith("filename|") ? parts[1] : parts[0]) ?? "" }]
            : [{ type: mapping[0] === "ip" ? ipType(raw) : (mapping[0] as IndicatorType), value: raw }];
      const description = [str(attribute.comment), object ? `MISP object ${object}` : undefined].filter((d) => d).join("; ");
      for (const v of values) {
        result.inputs.push({
          source,
          type: v.type,
          value: v.value,
          tlp,
          group: tlp === "AMBER" || tlp === "AMBER+STRICT" ? options.group : undefined,
          description,
          labels: { malwareFamilies, attackTechniques, tags: plain },
        });
        for (const s of records(attribute.Sighting)) {
          const kind = SIGHTING_KINDS.get(str(s.type) ?? "0");
          const at = Number(str(s.date_sighting)) * 1000;
          if (kind && Number.isFinite(at)) result.sightings.push({ value: v.value, type: v.type, kind, observedAt: at });
        }
      }
    }
  }
  return result;
}

// ---------------------------------------------------------------- feed export

const orgUuid = (org: string) => uuidv5(`org:${org}`, NAMESPACE);

/** A MISP feed directory of records (as their audience may see them), one event per producer and TLP. */
export function mispFeed(records: IndicatorRecord[], _sightings: Map<string, SightingSummary | undefined>, now: number): Record<string, string> {
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
  const manifest: Record<string, Json> = {};
  const files: Record<string, string> = {};
  const hashes: string[] = [];
  for (const event of [...events.values()].sort((a, b) => `${a.producer}${a.tlp}`.localeCompare(`${b.producer}${b.tlp}`))) {
    const uuid = uuidv5(`misp-event:${event.producer}:${event.tlp}`, NAMESPACE);
    const head = {
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
    const { uuid: _uuid, published: _published, ...manifestEntry } = head;
    manifest[uuid] = manifestEntry;
    files[`${uuid}.json`] = `${JSON.stringify({ Event: { ...head, Attribute: event.attributes } }, null, 2)}\n`;
    for (const attribute of event.attributes) hashes.push(`${createHash("md5").update(String(attribute.value)).digest("hex")},${uuid}`);
  }
  files["manifest.json"] = `${JSON.stringify(manifest, null, 2)}\n`;
  files["hashes.csv"] = hashes.length > 0 ? `${hashes.join("\n")}\n` : "";
  return files;
}
