/**
 * Reads the reference data the node carries (data/, see data/README.md) from disk, once: the MISP
 * warning lists (and a partner's own), and the MISP taxonomies. What they mean is decided by the
 * pure modules that take them (privacy/warning-lists.ts, model/tags.ts).
 */
import { readdirSync, readFileSync, existsSync } from "node:fs";
import { gunzipSync } from "node:zlib";
import { TechniqueModel } from "../categorise/technique-model.js";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { WarningLists, type WarningAction, type WarningListSource } from "../privacy/warning-lists.js";
import { ConfigError } from "./config.js";
import { Taxonomies, type TaxonomySource } from "../intel/taxonomies.js";
import { AttackNameRecogniser, AttackNamesSchema } from "../extract/attack-names.js";

const DATA = fileURLToPath(new URL("../../../data/", import.meta.url));
const WARNING_LISTS = join(DATA, "misp/warninglists/lists");
export const TAXONOMIES_DIR = join(DATA, "misp/taxonomies");
export const ATTACK_NAMES_FILE = join(DATA, "attack/attack-names.json");
export const ATTACK_CATEGORISER_FILE = join(DATA, "attack/attack-categoriser.json.gz");

const LIST_TYPES = new Set(["cidr", "string", "hostname", "substring", "regex"]);

/** One list.json, checked: a file that is not a warning list is named, not half-read. */
export function readWarningList(path: string, id: string): WarningListSource {
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(path, "utf8"));
  } catch (err) {
    throw new ConfigError(`warning list ${path}: ${(err as Error).message}`);
  }
  const list = raw as { name?: unknown; type?: unknown; list?: unknown; matching_attributes?: unknown };
  if (typeof list.name !== "string" || typeof list.type !== "string" || !LIST_TYPES.has(list.type) || !Array.isArray(list.list) || !list.list.every((e) => typeof e === "string")) {
    throw new ConfigError(`warning list ${path}: not a MISP warning list (name, type cidr|string|hostname|substring|regex, list of strings)`);
  }
  const attributes = Array.isArray(list.matching_attributes) ? list.matching_attributes.filter((a): a is string => typeof a === "string") : [];
  return { id, name: list.name, type: list.type as WarningListSource["type"], list: list.list as string[], matching_attributes: attributes };
}

export interface WarningListSettings {
  /** Bundled lists to use: all of them (true), none (false), or these by folder name. */
  bundled: boolean | string[];
  /** Bundled lists to leave out. */
  disabled: string[];
  /** What a hit on a list does, overriding the bundled policy. */
  actions: Record<string, WarningAction>;
  /** The partner's own lists, as MISP list.json files. */
  files: string[];
}

/** The warning lists a node uses, as its settings say. */
export function loadWarningLists(settings: WarningListSettings): WarningListSource[] {
  const bundled = settings.bundled === false || !existsSync(WARNING_LISTS) ? [] : readdirSync(WARNING_LISTS).sort();
  const chosen = bundled.filter((id) => (settings.bundled === true || (Array.isArray(settings.bundled) && settings.bundled.includes(id))) && !settings.disabled.includes(id));
  if (Array.isArray(settings.bundled)) for (const id of settings.bundled) if (!bundled.includes(id)) throw new ConfigError(`privacy.warningLists.bundled: no bundled warning list is called "${id}" (see data/misp/warninglists/lists/)`);
  const sources = chosen.map((id) => readWarningList(join(WARNING_LISTS, id, "list.json"), id));
  sources.push(...settings.files.map((path, i) => ({ ...readWarningList(path, `own-${i + 1}`), action: "refuse" as const })));
  return sources.map((s) => (settings.actions[s.id] ? { ...s, action: settings.actions[s.id] } : s));
}

const compiledLists = new Map<string, WarningLists>();

/**
 * The compiled warning lists for these settings, shared by every node of the process that uses
 * the same (compiling the bundled lists takes a few hundred milliseconds; they never change).
 */
export function warningListsFor(settings: WarningListSettings): WarningLists {
  const key = JSON.stringify(settings);
  let lists = compiledLists.get(key);
  if (!lists) {
    lists = new WarningLists(loadWarningLists(settings));
    compiledLists.set(key, lists);
  }
  return lists;
}

let taxonomies: Taxonomies | undefined;

/** The bundled MISP taxonomies (data/misp/taxonomies), read and built once per process. */
export function bundledTaxonomies(): Taxonomies {
  if (taxonomies) return taxonomies;
  const sources: TaxonomySource[] = [];
  if (existsSync(TAXONOMIES_DIR)) {
    for (const entry of readdirSync(TAXONOMIES_DIR, { withFileTypes: true })) {
      const file = join(TAXONOMIES_DIR, entry.name, "machinetag.json");
      if (!entry.isDirectory() || !existsSync(file)) continue;
      const raw = JSON.parse(readFileSync(file, "utf8")) as TaxonomySource;
      if (typeof raw.namespace !== "string" || !Array.isArray(raw.predicates)) throw new ConfigError(`taxonomy ${file}: not a MISP taxonomy (namespace, predicates)`);
      sources.push(raw);
    }
  }
  taxonomies = new Taxonomies(sources);
  return taxonomies;
}

let attackNames: AttackNameRecogniser | undefined;

/** The ATT&CK names and aliases the node recognises in reports (data/attack/attack-names.json), read once per process. */
export function bundledAttackNames(): AttackNameRecogniser {
  if (attackNames) return attackNames;
  const parsed = AttackNamesSchema.safeParse(JSON.parse(readFileSync(ATTACK_NAMES_FILE, "utf8")));
  if (!parsed.success) throw new ConfigError(`${ATTACK_NAMES_FILE} is not what refresh:data writes: ${parsed.error.issues[0]?.message ?? "invalid"}`);
  attackNames = new AttackNameRecogniser(parsed.data);
  return attackNames;
}

let categoriser: TechniqueModel | undefined;

/**
 * The ATT&CK categoriser's model (data/attack/attack-categoriser.json.gz, written by
 * `npm run train:attack`), or one at `path`; read once per process and path.
 */
export function loadCategoriser(path = ATTACK_CATEGORISER_FILE): TechniqueModel {
  if (path === ATTACK_CATEGORISER_FILE && categoriser) return categoriser;
  let data: unknown;
  try {
    data = JSON.parse(gunzipSync(readFileSync(path)).toString("utf8"));
  } catch (err) {
    throw new ConfigError(`${path}: not a gzipped categoriser model (${(err as Error).message}); run npm run train:attack`);
  }
  const model = TechniqueModel.fromFile(data);
  if (path === ATTACK_CATEGORISER_FILE) categoriser = model;
  return model;
}
