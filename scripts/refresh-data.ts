/**
 * Refreshes the reference data the node carries (data/, see data/README.md) from an upstream
 * checkout laid out as ../shared/data is: `npm run refresh:data -- [checkout]`. Each set is
 * replaced whole, with its licence, and the files added, changed and removed are listed.
 */
import { createHash } from "node:crypto";
import { cp, mkdir, readFile, readdir, rm, stat } from "node:fs/promises";
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
console.log("Update the upstream commit in data/README.md, run npm test, and commit data/.");
