import { createHash, randomBytes } from "node:crypto";
import { chmod, mkdir, open, readFile, rename, rm } from "node:fs/promises";
import { createReadStream } from "node:fs";
import { join } from "node:path";

/**
 * Export files hold what the audience may see, which for the internal audience is TLP:RED:
 * readable by the owner and its group (the detector's service account), never by every user.
 */
export const DEFAULT_EXPORT_MODE = 0o640;

export interface WriteOptions {
  /** File mode of what is written (DEFAULT_EXPORT_MODE unless given). */
  mode?: number;
}

function checkName(dir: string, name: string): void {
  if (name.includes("/") || name.includes("\\") || name.startsWith(".") || name === "") throw new RangeError(`refusing to write "${name}" outside ${dir}`);
}

async function flushed(temp: string, mode: number, write: (handle: Awaited<ReturnType<typeof open>>) => Promise<void>): Promise<void> {
  const handle = await open(temp, "w", mode);
  try {
    await write(handle);
    // open() applies the umask; the mode asked for is what the file gets.
    await handle.chmod(mode);
    await handle.sync();
  } finally {
    await handle.close();
  }
}

async function syncDir(dir: string): Promise<void> {
  const directory = await open(dir, "r");
  await directory.sync().finally(() => directory.close());
}

/**
 * Writes a set of files so that a detector never reads half of one: each goes to a temporary
 * file in the same directory, is flushed to disk, and then renamed over the old one (an atomic
 * replace on POSIX file systems). Files whose content did not change are left alone (their mode
 * set), so a detector watching modification times reloads only what changed. Returns the names written.
 */
export async function writeFilesAtomically(dir: string, files: Record<string, string | Uint8Array>, options: WriteOptions = {}): Promise<string[]> {
  const mode = options.mode ?? DEFAULT_EXPORT_MODE;
  await mkdir(dir, { recursive: true });
  const staged: Array<{ temp: string; path: string; name: string }> = [];
  try {
    for (const [name, content] of Object.entries(files)) {
      checkName(dir, name);
      const path = join(dir, name);
      const bytes = typeof content === "string" ? Buffer.from(content, "utf8") : content;
      const previous = await readFile(path).catch(() => undefined);
      if (previous?.equals(bytes)) {
        // An export written before modes were set keeps its content and loses its wider mode.
        await chmod(path, mode);
        continue;
      }
      const temp = join(dir, `.${name}.${randomBytes(6).toString("hex")}.tmp`);
      staged.push({ temp, path, name });
      await flushed(temp, mode, (handle) => handle.writeFile(bytes));
    }
    // Renames last, together: the set changes at once, as far as a file system allows.
    for (const { temp, path } of staged) await rename(temp, path);
    await syncDir(dir);
    return staged.map((s) => s.name);
  } catch (err) {
    await Promise.all(staged.map((s) => rm(s.temp, { force: true })));
    throw err;
  }
}

async function digestOf(path: string): Promise<string | undefined> {
  const hash = createHash("sha256");
  try {
    for await (const chunk of createReadStream(path)) hash.update(chunk as Buffer);
  } catch {
    return undefined;
  }
  return hash.digest("hex");
}

/**
 * One file written from a stream of chunks, atomically as above, never held whole in memory:
 * for exports larger than a node should build as one string (a whole-feed STIX bundle). Returns
 * whether the file changed.
 */
export async function writeStreamAtomically(dir: string, name: string, chunks: AsyncIterable<Uint8Array | string>, options: WriteOptions = {}): Promise<boolean> {
  const mode = options.mode ?? DEFAULT_EXPORT_MODE;
  checkName(dir, name);
  await mkdir(dir, { recursive: true });
  const path = join(dir, name);
  const temp = join(dir, `.${name}.${randomBytes(6).toString("hex")}.tmp`);
  const hash = createHash("sha256");
  try {
    await flushed(temp, mode, async (handle) => {
      for await (const chunk of chunks) {
        const bytes = typeof chunk === "string" ? Buffer.from(chunk, "utf8") : chunk;
        hash.update(bytes);
        await handle.write(bytes);
      }
    });
    if ((await digestOf(path)) === hash.digest("hex")) {
      await rm(temp, { force: true });
      await chmod(path, mode);
      return false;
    }
    await rename(temp, path);
    await syncDir(dir);
    return true;
  } catch (err) {
    await rm(temp, { force: true });
    throw err;
  }
}
