/**
 * Refreshes the reference data the node carries (data/, see data/README.md) from an upstream
 * checkout laid out as ../shared/data is: `npm run refresh:data -- [checkout]`. Each set is
 * replaced whole, with its licence, and the files added, changed and removed are listed.
 */
import { createHash } from "node:crypto";
import { cp, mkdir, readFile, readdir, rm, stat, writeFile } from "node:fs/promises";
import { gunzipSync } from "node:zlib";
import { dirname, join, relative, resolve } from "node:path";
import { fileURLToPath } from "node:url";

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "..");
const DATA = join(ROOT, "data");

/** What is copied: a folder (or file) of the checkout to a place under data/. */
const SETS: Array<{ name: string; from: string[]; to: string[] }> = [
  { name: "STIX 2.1 schemas", from: ["stix2/schemas", "stix2/LICENSE"], to: ["stix2/schemas", "stix2/LICENSE"] },
  { name: "MISP taxonomies", from: ["misp-taxonomies"], to: ["misp/taxonomies"] },
  { name: "MISP warning lists", from: ["misp-warninglists"], to: ["misp/warninglists"] },
];

async function digests(path: string): Promise<Map<string, string>> {
  const out = new Map<string, string>();
  const walk = async (p: string): Promise<void> => {
    const info = await stat(p).catch(() => undefined);
    if (!info) return;
    if (info.isDirectory()) {
      for (const entry of await readdir(p)) await walk(join(p, entry));
      return;
    }
    out.set(relative(DATA, p), createHash("sha256").update(await readFile(p)).digest("hex"));
  };
  await walk(path);
  return out;
}

const source = resolve(process.argv[2] ?? join(ROOT, "..", "shared", "data"));
if (!(await stat(source).catch(() => undefined))?.isDirectory()) {
  console.error(`refresh-data: ${source} is not a folder; give the upstream checkout: npm run refresh:data -- <folder>`);
  process.exit(2);
}
for (const set of SETS) {
  const missing = [];
  for (const from of set.from) if (!(await stat(join(source, from)).catch(() => undefined))) missing.push(from);
  if (missing.length > 0) {
    console.error(`refresh-data: ${set.name}: ${missing.join(", ")} not found under ${source}; left as it was`);
    continue;
  }
  const before = new Map<string, string>();
  for (const to of set.to) for (const [k, v] of await digests(join(DATA, to))) before.set(k, v);
  for (const [i, from] of set.from.entries()) {
    const target = join(DATA, set.to[i]!);
    await rm(target, { recursive: true, force: true });
    await mkdir(dirname(target), { recursive: true });
    await cp(join(source, from), target, { recursive: true });
  }
  const after = new Map<string, string>();
  for (const to of set.to) for (const [k, v] of await digests(join(DATA, to))) after.set(k, v);
  const added = [...after.keys()].filter((k) => !before.has(k));
  const removed = [...before.keys()].filter((k) => !after.has(k));
  const changed = [...after.keys()].filter((k) => before.has(k) && before.get(k) !== after.get(k));
  console.log(`${set.name}: ${after.size} files; ${added.length} added, ${changed.length} changed, ${removed.length} removed`);
  for (const [label, list] of [["+", added], ["~", changed], ["-", removed]] as const) for (const f of list) console.log(`  ${label} ${f}`);
}
await deriveAttackNames();
console.log("Update the upstream commit in data/README.md, run npm test, and commit data/.");

/**
 * MITRE ATT&CK Enterprise, reduced to what the node reads (extract/attack-names.ts): each group,
 * software and campaign with its ATT&CK id and aliases, each technique with its tactics. The bundle
 * itself (28 MB) is not carried; this file is about a hundredth of it.
 */
async function deriveAttackNames(): Promise<void> {
  const bundlePath = join(source, "attack", "enterprise-attack.json.gz");
  if (!(await stat(bundlePath).catch(() => undefined))) {
    console.error(`refresh-data: ATT&CK: attack/enterprise-attack.json.gz not found under ${source}; left as it was`);
    return;
  }
  type AttackObject = { type: string; id: string; name?: string; aliases?: string[]; x_mitre_aliases?: string[]; revoked?: boolean; x_mitre_deprecated?: boolean; kill_chain_phases?: Array<{ phase_name: string }>; external_references?: Array<{ source_name?: string; external_id?: string }> };
  const bundle = JSON.parse(gunzipSync(await readFile(bundlePath)).toString("utf8")) as { objects: AttackObject[] };
  const live = bundle.objects.filter((o) => !o.revoked && !o.x_mitre_deprecated && typeof o.name === "string");
  const attackId = (o: AttackObject) => o.external_references?.find((r) => r.source_name === "mitre-attack")?.external_id;
  const entities = live
    .filter((o) => ["intrusion-set", "malware", "tool", "campaign"].includes(o.type))
    .map((o) => ({ id: o.id, type: o.type, attackId: attackId(o), name: o.name!, aliases: [...new Set([...(o.aliases ?? []), ...(o.x_mitre_aliases ?? [])].filter((a) => a !== o.name))].sort() }))
    .sort((a, b) => a.id.localeCompare(b.id));
  const techniques = live
    .filter((o) => o.type === "attack-pattern" && attackId(o))
    .map((o) => ({ id: o.id, attackId: attackId(o)!, name: o.name!, tactics: (o.kill_chain_phases ?? []).map((p) => p.phase_name).sort() }))
    .sort((a, b) => a.attackId.localeCompare(b.attackId));
  await mkdir(join(DATA, "attack"), { recursive: true });
  await writeFile(join(DATA, "attack", "attack-names.json"), `${JSON.stringify({ source: "MITRE ATT&CK Enterprise", entities, techniques }, null, 0)}\n`);
  await cp(join(source, "attack", "LICENSE.txt"), join(DATA, "attack", "LICENSE.txt"));
  console.log(`ATT&CK: ${entities.length} groups, software and campaigns, ${techniques.length} techniques -> data/attack/attack-names.json`);
}
