/**
 * Tags: free words ("phishing", "wave-3") and machine tags, MISP's `namespace:predicate` and
 * `namespace:predicate="value"` (TLP, PAP, the Admiralty scale, estimative language, RSIT, NIS2...).
 * A machine tag keeps its case (a galaxy's "APT 29" is a name); a free tag is lowercased. Which
 * namespaces, predicates and values exist is the taxonomies' business (intel/taxonomies.ts): here
 * only the form, so that every node reads the same tag the same way, whatever taxonomies it has.
 */
import type { Tlp } from "./indicator.js";

export interface MachineTag {
  namespace: string;
  predicate: string;
  value?: string;
}

/** Longest machine tag taken (MISP's longest taxonomy tags are about 120 characters). */
export const MAX_MACHINE_TAG_LENGTH = 256;

const MACHINE_TAG = /^([A-Za-z0-9][A-Za-z0-9._-]{0,63}):([^\s="][^="\u0000-\u001f]{0,127}?)(?:="([^"\u0000-\u001f]{1,200})")?$/;

/** The machine tag `text` is, or undefined for a free tag (or nothing readable). */
export function parseMachineTag(text: string): MachineTag | undefined {
  if (text.length > MAX_MACHINE_TAG_LENGTH) return undefined;
  const m = MACHINE_TAG.exec(text);
  if (!m) return undefined;
  const predicate = m[2]!.trimEnd();
  return m[3] === undefined ? { namespace: m[1]!, predicate } : { namespace: m[1]!, predicate, value: m[3] };
}

export function formatMachineTag(tag: MachineTag): string {
  return tag.value === undefined ? `${tag.namespace}:${tag.predicate}` : `${tag.namespace}:${tag.predicate}="${tag.value}"`;
}

export function isMachineTag(text: string): boolean {
  return parseMachineTag(text) !== undefined;
}

/** Permissible Actions Protocol levels, from least to most restrictive. */
export const PAP_LEVELS = ["CLEAR", "GREEN", "AMBER", "RED"] as const;
export type Pap = (typeof PAP_LEVELS)[number];

/**
 * The PAP level of a list of tags (`PAP:RED`, any case; PAP:WHITE reads as CLEAR): the most
 * restrictive one, or undefined when none is a PAP tag.
 */
export function papOf(tags: readonly string[]): Pap | undefined {
  let pap: Pap | undefined;
  for (const tag of tags) {
    const machine = parseMachineTag(tag);
    if (!machine || machine.namespace.toUpperCase() !== "PAP" || machine.value !== undefined) continue;
    const name = machine.predicate.toUpperCase();
    const level = name === "WHITE" ? "CLEAR" : (PAP_LEVELS as readonly string[]).includes(name) ? (name as Pap) : undefined;
    if (level && (!pap || PAP_LEVELS.indexOf(level) > PAP_LEVELS.indexOf(pap))) pap = level;
  }
  return pap;
}

const TLP_TAGS: ReadonlyMap<string, Tlp> = new Map([
  ["clear", "CLEAR"],
  ["white", "CLEAR"],
  ["green", "GREEN"],
  ["amber", "AMBER"],
  ["amber+strict", "AMBER+STRICT"],
  ["red", "RED"],
]);

/** The TLP level a tag names (`tlp:amber`, `TLP:AMBER+STRICT`), if it is a TLP tag. */
export function tlpOfTag(tag: string): Tlp | undefined {
  const machine = parseMachineTag(tag);
  if (!machine || machine.namespace.toLowerCase() !== "tlp" || machine.value !== undefined) return undefined;
  return TLP_TAGS.get(machine.predicate.toLowerCase());
}

/** The value of a tag of one namespace and predicate (`admiralty-scale:source-reliability="b"` gives "b"), case-insensitive on the names. */
export function tagValue(tags: readonly string[], namespace: string, predicate: string): string | undefined {
  for (const tag of tags) {
    const m = parseMachineTag(tag);
    if (m && m.value !== undefined && m.namespace.toLowerCase() === namespace && m.predicate.toLowerCase() === predicate) return m.value;
  }
  return undefined;
}

/**
 * A free tag: a word or short phrase, lowercase. Underscores are taken since wire version 3
 * (MISP tags such as `for_intelmq_processing` have them); a version 2 node refuses them, so a
 * batch carrying one is version 3 (model/validate.ts hasOnlyVersion2Tags).
 */
export const FREE_TAG = /^[\p{L}\p{N}][\p{L}\p{N} ._:/+_-]{0,63}$/u;
export const MAX_FREE_TAG_LENGTH = 64;

/**
 * A tag from outside (a STIX label, a MISP tag) in the form the exchange keeps: a machine tag
 * with its case, a free word lowercased; undefined when it is neither (too long, or characters
 * a tag may not hold), for the importer to report.
 */
export function canonicalTag(text: string): string | undefined {
  const trimmed = text.trim().normalize("NFC");
  const machine = parseMachineTag(trimmed);
  if (machine) return formatMachineTag(machine);
  const free = trimmed.toLowerCase();
  return free.length <= MAX_FREE_TAG_LENGTH && FREE_TAG.test(free) ? free : undefined;
}

/**
 * Whether `tags` hold the tag a search names, case-insensitively: the tag itself
 * (`PAP:RED`, `phishing`), or with a trailing `*` any tag it begins (`admiralty-scale:*`,
 * `misp-galaxy:threat-actor=*`).
 */
export function hasTag(tags: readonly string[], wanted: string): boolean {
  const query = wanted.trim().toLowerCase();
  if (query.endsWith("*")) {
    const prefix = query.slice(0, -1);
    return tags.some((t) => t.toLowerCase().startsWith(prefix));
  }
  return tags.some((t) => t.toLowerCase() === query);
}

/** MISP galaxies whose clusters are malware families (their value is the family's name). */
export const MALWARE_GALAXIES: ReadonlySet<string> = new Set(["malpedia", "banker", "ransomware", "rat", "stealer", "botnet", "backdoor", "android", "exploit-kit", "mitre-malware", "mitre-enterprise-attack-malware"]);
const GALAXY_TAG = /^misp-galaxy:([a-z0-9._-]+)="(.+)"$/;
const ATTACK_ID_IN = /\b(T\d{4}(?:\.\d{3})?)\b/;

/** The galaxy and cluster value of a `misp-galaxy:<galaxy>="<value>"` tag. */
export function galaxyOfTag(tag: string): { galaxy: string; value: string } | undefined {
  const m = GALAXY_TAG.exec(tag);
  return m ? { galaxy: m[1]!, value: m[2]! } : undefined;
}

/** MISP galaxies whose clusters are threat actors or intrusion sets. */
export const ACTOR_GALAXIES: ReadonlySet<string> = new Set(["threat-actor", "mitre-intrusion-set", "intrusion-set", "microsoft-activity-group", "mitre-enterprise-attack-intrusion-set"]);

/**
 * A cluster's name as names are compared (an actor's, a family's): lower case, spaces folded,
 * without MITRE's " - G0007" / " - S0367" / " - C0001" that galaxies append.
 */
export function clusterName(name: string): string {
  return name
    .replace(/\s+-\s+[GSC]\d{4}$/i, "")
    .toLowerCase()
    .replace(/\s+/g, " ")
    .trim();
}

/** The actor a galaxy tag names (as clusterName writes it), if its galaxy is one of actors. */
export function actorOfTag(tag: string): string | undefined {
  const g = galaxyOfTag(tag);
  if (!g || !ACTOR_GALAXIES.has(g.galaxy.toLowerCase())) return undefined;
  const name = clusterName(g.value);
  return name === "" ? undefined : name;
}

/** The malware family a galaxy tag names (lowercased), if its galaxy is one of malware. */
export function malwareFamilyOfTag(tag: string): string | undefined {
  const g = galaxyOfTag(tag);
  const family = g && MALWARE_GALAXIES.has(g.galaxy) ? g.value.toLowerCase().trim() : undefined;
  return family && family.length <= MAX_FREE_TAG_LENGTH && FREE_TAG.test(family) ? family : undefined;
}

/** The ATT&CK technique id an attack-pattern galaxy tag names (`...="Phishing - T1566"`). */
export function attackTechniqueOfTag(tag: string): string | undefined {
  const g = galaxyOfTag(tag);
  return g && /attack-pattern$/.test(g.galaxy) ? ATTACK_ID_IN.exec(g.value)?.[1] : undefined;
}
