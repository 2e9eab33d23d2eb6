import { readdir, readFile } from "node:fs/promises";
import { join, relative } from "node:path";
import { Ajv2020 } from "ajv/dist/2020.js";
import addFormatsModule from "ajv-formats";
import type { ValidateFunction } from "ajv";
import { SHARED_DATA } from "./shared-data.js";

/** The official STIX 2.1 JSON schemas (shared/data/stix2/schemas), every one loaded into one ajv. */
const SCHEMAS = join(SHARED_DATA, "stix2/schemas");
const BASE = "http://raw.githubusercontent.com/oasis-open/cti-stix2-json-schemas/stix2.1/schemas/";

async function files(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { withFileTypes: true });
  return (await Promise.all(entries.map((e) => (e.isDirectory() ? files(join(dir, e.name)) : [join(dir, e.name)])))).flat();
}

export async function stixValidator(): Promise<{ validate(object: Record<string, unknown>): string[]; schemaCount: number }> {
  // The schemas' patterns are not valid under the u flag; ajv's 2020 build needs unicodeRegExp off.
  const ajv = new Ajv2020({ strict: false, allErrors: true, unicodeRegExp: false });
  const addFormats = (addFormatsModule as unknown as { default?: typeof addFormatsModule }).default ?? addFormatsModule;
  (addFormats as unknown as (a: Ajv2020) => void)(ajv);
  const paths = (await files(SCHEMAS)).filter((p) => p.endsWith(".json"));
  for (const path of paths) ajv.addSchema(JSON.parse(await readFile(path, "utf8")));
  const byType = new Map<string, ValidateFunction>();
  for (const path of paths) {
    const rel = relative(SCHEMAS, path).replace(/\\/g, "/");
    const type = rel.split("/").pop()!.replace(/\.json$/, "");
    if (!rel.startsWith("common/") || type === "bundle" || type === "marking-definition") byType.set(type, ajv.getSchema(`${BASE}${rel}`)!);
  }
  return {
    schemaCount: paths.length,
    validate(object) {
      const type = String(object.type);
      const check = byType.get(type);
      if (!check) return [`no schema for type ${type}`];
      const valid: boolean = check(object);
      return valid ? [] : (check.errors ?? []).map((e) => `${type} ${e.instancePath} ${e.message}`);
    },
  };
}
