/**
 * What every command of the CLI shares: talking to the node's API (with the operator's token and
 * progress bars), reading input, and printing JSON for scripts or readable text for a person.
 */
import { readFile } from "node:fs/promises";
import { setTimeout as sleep } from "node:timers/promises";
import { gunzipSync } from "node:zlib";
import { InvalidArgumentError } from "commander";
import { humanize } from "./render.js";
import { followProgress, ProgressFailedError } from "./progress.js";
import { ConfigError } from "../config/config.js";

export const CONFIG_FILE = "config.json";
export const DEFAULT_API = process.env.CTI_API ?? "http://127.0.0.1:8700";

let jsonOutput = false;

/** --json: print JSON even to a terminal. */
export function setJsonOutput(json: boolean): void {
  jsonOutput = json;
}

export function integer(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n)) throw new InvalidArgumentError("not an integer");
  return n;
}

export function collect(value: string, previous: string[] = []): string[] {
  return [...previous, value];
}

/** One request to the node's API, with the operator's token; a node that does not answer is named. */
export async function send(base: string, path: string, init: { method?: string; body?: string | Uint8Array; contentType?: string } = {}): Promise<Response> {
  const token = process.env.CTI_API_TOKEN;
  try {
    return await fetch(new URL(path, base), {
      method: init.method ?? "GET",
      body: init.body,
      headers: { ...(init.body !== undefined ? { "content-type": init.contentType ?? "application/json" } : {}), ...(token ? { authorization: `Bearer ${token}` } : {}) },
    });
  } catch {
    throw new ConfigError(`no node answers at ${base}; is "cti start" running, and is --api right?`);
  }
}

export async function api(base: string, path: string, init?: { method?: string; body?: string }): Promise<unknown> {
  const response = await send(base, path, init);
  if (response.status >= 400 && response.status !== 207) {
    process.exitCode = 1;
  }
  if (response.headers.get("content-type")?.startsWith("text/csv")) return new CsvText(await response.text());
  return response.json().catch(() => ({}));
}

/**
 * Long work with a progress bar: the node answers NDJSON progress lines, then the result. An
 * error answered before the work began (a bad file, a bad option) is printed as any other.
 */
export async function apiWithProgress<T>(base: string, path: string, label: string, init: { method?: string; body?: string; contentType?: string } = {}): Promise<T | undefined> {
  const response = await send(base, `${path}${path.includes("?") ? "&" : "?"}progress=true`, init);
  if (!response.ok) {
    process.exitCode = 1;
    print(await response.json().catch(() => ({ error: `HTTP ${response.status}` })));
    return undefined;
  }
  try {
    return await followProgress<T>(response, label);
  } catch (err) {
    if (!(err instanceof ProgressFailedError)) throw err;
    throw new ConfigError(`${label} failed: ${err.message}`);
  }
}

/** A file's text, or standard input's for "-". */
export async function readInput(file: string): Promise<string> {
  if (file !== "-") return readFile(file, "utf8");
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString("utf8");
}

/** A CSV answer, printed as it came. */
export class CsvText {
  constructor(readonly text: string) {}
}

/** JSON for scripts (--json, or output that is not a terminal); readable text for a person. */
export function print(value: unknown): void {
  if (value instanceof CsvText) process.stdout.write(value.text);
  else if (jsonOutput || !process.stdout.isTTY) process.stdout.write(`${JSON.stringify(value, null, 2)}\n`);
  else process.stdout.write(`${humanize(value)}\n`);
}

export const query = (params: Record<string, string | number | boolean | undefined>) =>
  new URLSearchParams(Object.entries(params).flatMap(([k, v]): Array<[string, string]> => (v === undefined || v === false ? [] : [[k, String(v)]]))).toString();


/**
 * `--watch`: runs `once` every `intervalSeconds` until SIGINT or SIGTERM, one run at a time (a
 * slow one delays the next instead of running beside it); a failed run is reported and retried.
 */
export async function watchEvery(intervalSeconds: number, once: () => Promise<unknown>): Promise<void> {
  const stop = new AbortController();
  process.once("SIGINT", () => stop.abort());
  process.once("SIGTERM", () => stop.abort());
  while (!stop.signal.aborted) {
    const waited = await sleep(intervalSeconds * 1000, true, { signal: stop.signal }).catch(() => false);
    if (!waited) break;
    await once().catch((err: Error) => process.stderr.write(`cti: ${err.message}; retrying\n`));
  }
}

/** --mode: an octal file mode that does not let every user of the machine read a feed. */
export function fileMode(value: string): number {
  if (!/^0?[0-7]{3}$/.test(value)) throw new InvalidArgumentError("an octal file mode such as 0640");
  const mode = parseInt(value, 8);
  if ((mode & 0o007) !== 0) throw new InvalidArgumentError("must not let every user of the machine read the feed (TLP:RED for the internal audience)");
  return mode;
}

export function positive(value: string): number {
  const n = integer(value);
  if (n < 1) throw new InvalidArgumentError("must be at least 1");
  return n;
}

/**
 * A file's text (gunzipped when its name ends in .gz: ATT&CK comes that way), or standard input's
 * for "-", as JSON; a file that is not JSON is named with what the parser said.
 */
export async function readJsonInput(file: string, what: string): Promise<unknown> {
  let text: string;
  try {
    text = file.endsWith(".gz") ? gunzipSync(await readFile(file)).toString("utf8") : await readInput(file);
  } catch (err) {
    throw new ConfigError(`cannot read ${file}: ${(err as Error).message}`);
  }
  try {
    return JSON.parse(text);
  } catch (err) {
    throw new ConfigError(`${file === "-" ? "standard input" : file} is not JSON (${(err as Error).message}); ${what} is JSON`);
  }
}
