import { createHash } from "node:crypto";
import { indicatorMember, objectMember, type MemberId } from "../model/correlation.js";
import { indicatorId } from "../model/indicator-id.js";
import { normalizeValue } from "../model/normalize.js";
import { ACTOR_GALAXIES, clusterName, galaxyOfTag, MALWARE_GALAXIES } from "../model/tags.js";
import type { IndicatorRecord } from "../model/record.js";
import type { SightingSummary } from "../model/sighting.js";

/**
 * The evidence a member carries, as keys: two members sharing a key are candidates for a link,
 * which link-rules.ts then decides. Pure. A key is `<kind>:<value>`:
 *
 * - `rec:<record id>`: an indicator record, and every object whose pattern names it;
 * - `obj:<STIX id>`: an object, and every object referencing it (a report's object_refs, a
 *   relationship's ends);
 * - `mal:<family>`, `act:<actor>`: malware families and actors, from labels, MISP galaxy tags,
 *   and malware / intrusion-set / threat-actor objects' names and aliases;
 * - `tset:<hash>`: a set of two or more ATT&CK techniques, whole;
 * - `host:<name>`: a domain, and the host of a URL; `ip:<address>`: an address, and a URL's;
 * - `cidr:<net>` and `n4:<a.b.c>` / `n6:<first 48 bits>`: what lets an address meet the CIDR
 *   holding it (the rule checks the containment itself);
 * - `seen:<org>:<hour>`: a partner's sightings, by the hour of the first and the last.
 */

/** Co-sightings count within one hour: a day would put every indicator of a busy SOC in one bucket. */
export const SIGHTING_WINDOW_MS = 3_600_000;
/** A CIDR wider than this (IPv4 /20, IPv6 /44) is not indexed by its /24s (/48s): 16 keys at most. */
const WIDEST_INDEXED = { v4: 20, v6: 44 } as const;

/** Malware galaxies, and tools' (a tool used in two campaigns links them as malware does). */
const SOFTWARE_GALAXIES: ReadonlySet<string> = new Set([...MALWARE_GALAXIES, "malware", "tool", "mitre-tool"]);


function techniqueSetKey(techniques: readonly string[]): string | undefined {
  const set = [...new Set(techniques)].sort();
  if (set.length < 2) return undefined;
  return `tset:${createHash("sha256").update(set.join(",")).digest("hex").slice(0, 16)}`;
}

function ipv4Parts(ip: string): number[] | undefined {
  const parts = ip.split(".").map(Number);
  return parts.length === 4 && parts.every((p) => Number.isInteger(p) && p >= 0 && p <= 255) ? parts : undefined;
}

/** An IPv6 address as eight 16-bit groups (the node stores them canonical, but `::` may stand in). */
export function ipv6Groups(ip: string): number[] | undefined {
  const [head, tail, extra] = ip.split("::");
  if (extra !== undefined) return undefined;
  const left = head ? head.split(":") : [];
  const right = tail !== undefined ? (tail ? tail.split(":") : []) : [];
  const fill = tail !== undefined ? 8 - left.length - right.length : 0;
  const groups = [...left, ...Array(Math.max(0, fill)).fill("0"), ...right].map((g) => parseInt(g, 16));
  return groups.length === 8 && groups.every((g) => Number.isInteger(g) && g >= 0 && g <= 0xffff) ? groups : undefined;
}

function addressKeys(ip: string): string[] {
  const v4 = ipv4Parts(ip);
  if (v4) return [`ip:${ip}`, `n4:${v4.slice(0, 3).join(".")}`];
  const v6 = ipv6Groups(ip);
  if (v6) return [`ip:${ip}`, `n6:${v6.slice(0, 3).map((g) => g.toString(16)).join(":")}`];
  return [];
}

function cidrKeys(cidr: string): string[] {
  const [net, bits] = cidr.split("/");
  const prefix = Number(bits);
  const v4 = net ? ipv4Parts(net) : undefined;
  if (v4) {
    if (prefix < WIDEST_INDEXED.v4) return [`cidr:${cidr}`];
    const base = (v4[0]! << 16) | (v4[1]! << 8) | v4[2]!;
    const count = prefix >= 24 ? 1 : 1 << (24 - prefix);
    const first = prefix >= 24 ? base : base & ~(count - 1);
    return [`cidr:${cidr}`, ...Array.from({ length: count }, (_, i) => `n4:${((first + i) >> 16) & 255}.${((first + i) >> 8) & 255}.${(first + i) & 255}`)];
  }
  const v6 = net ? ipv6Groups(net) : undefined;
  if (v6) {
    if (prefix < WIDEST_INDEXED.v6) return [`cidr:${cidr}`];
    const count = prefix >= 48 ? 1 : 1 << (48 - prefix);
    const first = prefix >= 48 ? v6[2]! : v6[2]! & ~(count - 1);
    return [`cidr:${cidr}`, ...Array.from({ length: count }, (_, i) => `n6:${v6[0]!.toString(16)}:${v6[1]!.toString(16)}:${(first + i).toString(16)}`)];
  }
  return [];
}

function hostKeys(type: string, value: string): string[] {
  if (type === "domain") return [`host:${value}`];
  if (type === "url") {
    let host: string;
    try {
      host = new URL(value).hostname.replace(/^\[|\]$/g, "");
    } catch {
      return [];
    }
    const address = addressKeys(host);
    return address.length > 0 ? address : [`host:${host}`];
  }
  if (type === "ipv4" || type === "ipv6") return addressKeys(value);
  if (type === "cidr") return cidrKeys(value);
  return [];
}

function labelKeys(labels: { malwareFamilies: readonly string[]; attackTechniques: readonly string[]; tags: readonly string[] }): string[] {
  const keys = labels.malwareFamilies.map((m) => `mal:${clusterName(m)}`);
  for (const tag of labels.tags) {
    const g = galaxyOfTag(tag.toLowerCase());
    if (!g) continue;
    if (SOFTWARE_GALAXIES.has(g.galaxy)) keys.push(`mal:${clusterName(g.value)}`);
    else if (ACTOR_GALAXIES.has(g.galaxy)) keys.push(`act:${clusterName(g.value)}`);
  }
  const set = techniqueSetKey(labels.attackTechniques);
  if (set) keys.push(set);
  return keys;
}

/** Hour buckets of a partner's sightings (first and last). */
function sightingKeys(sightings: SightingSummary | undefined): string[] {
  const keys: string[] = [];
  for (const [org, tally] of Object.entries(sightings?.byOrg ?? {})) {
    if (tally.sighting === 0) continue;
    for (const at of new Set([Math.floor(tally.firstSeen / SIGHTING_WINDOW_MS), Math.floor(tally.lastSeen / SIGHTING_WINDOW_MS)])) keys.push(`seen:${org}:${at}`);
  }
  return keys;
}

/**
 * An indicator record's keys; none when it no longer stands (expired, or withdrawn by every
 * producer), so that its links go with it. A blinded record (a hash of a value) has only its own.
 */
export function indicatorKeys(record: IndicatorRecord, sightings: SightingSummary | undefined, retracted: boolean): string[] {
  if (retracted) return [];
  const keys = [`rec:${record.id}`];
  if (!record.blinded) keys.push(...hostKeys(record.type, record.value));
  keys.push(...labelKeys(record.labels), ...sightingKeys(sightings));
  return [...new Set(keys)].sort();
}

/** The parts of a STIX object its keys come from. */
export interface ObjectEvidence {
  id: string;
  type: string;
  /** Revoked (its current version): it keeps no key. */
  revoked: boolean;
  name?: string;
  aliases?: readonly string[];
  /** Ids it references (object_refs, a relationship's ends, ...). */
  references: readonly string[];
  /** Indicator records its pattern names. */
  records: readonly string[];
  /** ATT&CK technique ids of an attack-pattern (its external id). */
  techniques?: readonly string[];
  labels?: readonly string[];
}

export function objectKeys(object: ObjectEvidence): string[] {
  if (object.revoked) return [];
  const keys = [`obj:${object.id}`, ...object.references.map((r) => `obj:${r}`), ...object.records.map((r) => `rec:${r}`)];
  const names = [object.name, ...(object.aliases ?? [])].filter((n): n is string => typeof n === "string" && n.trim() !== "").map(clusterName);
  if (object.type === "malware" || object.type === "tool") keys.push(...names.map((n) => `mal:${n}`));
  if (object.type === "intrusion-set" || object.type === "threat-actor" || object.type === "campaign") keys.push(...names.map((n) => `act:${n}`));
  keys.push(...labelKeys({ malwareFamilies: [], attackTechniques: object.techniques ?? [], tags: object.labels ?? [] }));
  return [...new Set(keys)].sort();
}

/** Prefix lengths an address looks its CIDRs up at: those a CIDR has /24 (/48) keys for. */
const CIDR_LENGTHS = { v4: [20, 32], v6: [44, 128] } as const;

/** The CIDR records that could hold an address: one id per prefix length, normalized as the store keeps CIDRs. */
function cidrCandidates(ip: string): MemberId[] {
  const [from, to] = ipv4Parts(ip) ? CIDR_LENGTHS.v4 : ipv6Groups(ip) ? CIDR_LENGTHS.v6 : [1, 0];
  const out: MemberId[] = [];
  for (let len = from; len <= to; len++) {
    try {
      out.push(indicatorMember(indicatorId("cidr", normalizeValue("cidr", `${ip}/${len}`))));
    } catch {
      // Not an address the normalizer takes: no CIDR holds it.
    }
  }
  return out;
}

/** The one member a key names by itself, if any: the record of `rec:`, the object of `obj:`, the domain of `host:`, the address of `ip:`, the CIDR of `cidr:`. */
export function namedMember(key: string): MemberId | undefined {
  const colon = key.indexOf(":");
  const kind = key.slice(0, colon);
  const value = key.slice(colon + 1);
  switch (kind) {
    case "rec":
      return indicatorMember(value);
    case "obj":
      return objectMember(value);
    case "host":
      return indicatorMember(indicatorId("domain", value));
    case "ip":
      return indicatorMember(indicatorId(value.includes(":") ? "ipv6" : "ipv4", value));
    case "cidr":
      return indicatorMember(indicatorId("cidr", value));
    default:
      return undefined;
  }
}

/**
 * The members a key implies, found by their ids without any list: the member it names, and for
 * an address the CIDR records that could hold it.
 */
export function implicitMembers(key: string): MemberId[] {
  const named = namedMember(key);
  if (!named) return [];
  return key.startsWith("ip:") ? [named, ...cidrCandidates(key.slice(3))] : [named];
}

const NAMING = /^(rec|obj|host|ip|cidr):/;

/**
 * The keys a member is listed under: all of its keys but those that name it (others find it by
 * its id), and, for a CIDR, not its /24 (/48) keys, which it only reads to find the addresses in
 * it (an address finds the CIDR by its id). Most records are listed under one or two keys.
 */
export function postedKeys(member: MemberId, keys: readonly string[]): string[] {
  const named = keys.filter((k) => NAMING.test(k) && namedMember(k) === member);
  const isCidr = named.some((k) => k.startsWith("cidr:"));
  return keys.filter((k) => !named.includes(k) && !(isCidr && (k.startsWith("n4:") || k.startsWith("n6:"))));
}
