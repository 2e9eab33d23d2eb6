import { randomBytes } from "node:crypto";
import { mkdir, open, readFile, rename, rm } from "node:fs/promises";
import { join } from "node:path";

/**
 * Writes a set of files so that a detector never reads half of one: each goes to a temporary
 * file in the same directory, is flushed to disk, and then renamed over the old one (an atomic
 * replace on POSIX file systems). Files whose content did not change are left alone, so a
 * detector watching modification times reloads only what changed. Returns the names written.
 */
export async function writeFilesAtomically(dir: string, files: Record<string, string | Uint8Array>): Promise<string[]> {
  await mkdir(dir, { recursive: true });
  const staged: Array<{ temp: string; path: string; name: string }> = [];
  try {
    for (const [name, content] of Object.entries(files)) {
      if (name.includes("/") || name.includes("\\") || name.startsWith(".")) throw new RangeError(`refusing to write "${name}" outside ${dir}`);
      const path = join(dir, name);
      const bytes = typeof content === "string" ? Buffer.from(content, "utf8") : content;
      const previous = await readFile(path).catch(() => undefined);
      if (previous?.equals(bytes)) continue;
      const temp = join(dir, `.${name}.${randomBytes(6).toString("hex")}.tmp`);
      const handle = await open(temp, "w", 0o644);
      try {
        await handle.writeFile(bytes);
        await handle.sync();
      } finally {
        await handle.close();
      }
      staged.push({ temp, path, name });
    }
    // Renames last, together: the set changes at once, as far as a file system allows.
    for (const { temp, path } of staged) await rename(temp, path);
    const directory = await open(dir, "r");
    await directory.sync().finally(() => directory.close());
    return staged.map((s) => s.name);
  } catch (err) {
    await Promise.all(staged.map((s) => rm(s.temp, { force: true })));
    throw err;
  }
}
