import { createHash } from "node:crypto";
import { open } from "node:fs/promises";
import { isAbsolute, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

/**
 * Reads a feed's files from where its configuration says: an http(s) URL (a MISP instance's feed,
 * a vendor's list) or a directory or file on this machine (a feed synchronised by other means).
 * Every read is bounded in size and time, and an http read sends the validators of the last one
 * (If-None-Match, If-Modified-Since) so that an unchanged feed costs one request and no parse.
 */

export class FeedFetchError extends Error {
  override readonly name = "FeedFetchError";
}

export interface FetchOptions {
  /** Largest file read; a longer one is refused (FeedFetchError). */
  maxBytes: number;
  timeoutMs: number;
  /** Extra request headers (an API key for a MISP instance's feed). */
  headers?: Record<string, string>;
  /** Validators of the last read of this file: an unchanged file answers "unchanged". */
  etag?: string;
  lastModified?: string;
  signal?: AbortSignal;
}

export type Fetched =
  | { status: "ok"; text: string; digest: string; etag?: string; lastModified?: string }
  | { status: "unchanged" }
  | { status: "missing" };

/** Where a feed's files are: an http(s) base, or a path on this machine. */
export type FeedLocation = { kind: "http"; url: URL } | { kind: "file"; path: string };

export function feedLocation(where: string): FeedLocation {
  if (/^https?:\/\//i.test(where)) {
    const url = new URL(where);
    if (url.username || url.password) throw new FeedFetchError("put credentials in the feed's headers, not in its URL (which is logged)");
    return { kind: "http", url };
  }
  if (/^file:\/\//i.test(where)) return { kind: "file", path: fileURLToPath(where) };
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(where)) throw new FeedFetchError(`a feed is read over http, https or from a path; not ${where.split(":")[0]}`);
  return { kind: "file", path: isAbsolute(where) ? where : resolve(where) };
}

/** A file beside the feed's base (`manifest.json`, an event's `<uuid>.json`); `name` was checked by the caller. */
export function within(location: FeedLocation, name: string): FeedLocation {
  if (!/^[A-Za-z0-9._-]+$/.test(name) || name.startsWith(".")) throw new FeedFetchError(`"${name}" is not a file name a feed may hold`);
  if (location.kind === "file") return { kind: "file", path: join(location.path, name) };
  const base = location.url.href.endsWith("/") ? location.url : new URL(`${location.url.href}/`);
  return { kind: "http", url: new URL(name, base) };
}

export function describeLocation(location: FeedLocation): string {
  return location.kind === "http" ? location.url.href : location.path;
}

const digestOf = (text: string) => createHash("sha256").update(text).digest("hex");

export async function fetchFeedFile(location: FeedLocation, options: FetchOptions): Promise<Fetched> {
  return location.kind === "file" ? readLocalFile(location.path, options) : fetchHttp(location.url, options);
}

async function readLocalFile(path: string, options: FetchOptions): Promise<Fetched> {
  let handle;
  try {
    handle = await open(path, "r");
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "ENOENT") return { status: "missing" };
    throw new FeedFetchError(`cannot read ${path}: ${(err as Error).message}`);
  }
  try {
    const { size } = await handle.stat();
    if (size > options.maxBytes) throw new FeedFetchError(`${path} is ${size} bytes; at most ${options.maxBytes} are read`);
    const text = (await handle.readFile({ signal: options.signal })).toString("utf8");
    return { status: "ok", text, digest: digestOf(text) };
  } finally {
    await handle.close();
  }
}

/**
 * An http(s) GET read within `maxBytes` (counted as it arrives, whatever the server declared) and
 * `timeoutMs`, redirects followed, every failure a FeedFetchError naming the URL. What report
 * intake (extract/draft-service.ts) fetches a URL with too.
 */
export async function fetchBounded(
  url: URL,
  options: Omit<FetchOptions, "etag" | "lastModified"> & { accept?: string; etag?: string; lastModified?: string },
): Promise<{ status: "ok"; bytes: Buffer; contentType?: string; etag?: string; lastModified?: string } | { status: "unchanged" } | { status: "missing" }> {
  const signals = [AbortSignal.timeout(options.timeoutMs), ...(options.signal ? [options.signal] : [])];
  const headers: Record<string, string> = { accept: options.accept ?? "*/*", ...options.headers };
  if (options.etag) headers["if-none-match"] = options.etag;
  if (options.lastModified) headers["if-modified-since"] = options.lastModified;
  let response: Response;
  try {
    response = await fetch(url, { headers, signal: AbortSignal.any(signals), redirect: "follow" });
  } catch (err) {
    const cause = (err as Error).name === "TimeoutError" ? `no answer within ${options.timeoutMs} ms` : ((err as { cause?: Error }).cause?.message ?? (err as Error).message);
    throw new FeedFetchError(`cannot fetch ${url.href}: ${cause}`);
  }
  if (response.status === 304) {
    await response.body?.cancel();
    return { status: "unchanged" };
  }
  if (response.status === 404 || response.status === 410) {
    await response.body?.cancel();
    return { status: "missing" };
  }
  if (!response.ok) {
    await response.body?.cancel();
    throw new FeedFetchError(`${url.href} answered ${response.status} ${response.statusText}`);
  }
  const declared = Number(response.headers.get("content-length") ?? Number.NaN);
  if (declared > options.maxBytes) {
    await response.body?.cancel();
    throw new FeedFetchError(`${url.href} is ${declared} bytes; at most ${options.maxBytes} are read`);
  }
  // Counted as it arrives: a server may send more than it declared, or declare nothing.
  const chunks: Uint8Array[] = [];
  let length = 0;
  const reader = response.body?.getReader();
  try {
    for (;;) {
      const { done, value } = reader ? await reader.read() : { done: true, value: undefined };
      if (done || value === undefined) break;
      length += value.length;
      if (length > options.maxBytes) throw new FeedFetchError(`${url.href} is over ${options.maxBytes} bytes; at most that is read`);
      chunks.push(value);
    }
  } catch (err) {
    await reader?.cancel().catch(() => undefined);
    if (err instanceof FeedFetchError) throw err;
    throw new FeedFetchError(`reading ${url.href} failed: ${(err as Error).message}`);
  }
  const header = (name: string) => response.headers.get(name) ?? undefined;
  return {
    status: "ok",
    bytes: Buffer.concat(chunks),
    ...(header("content-type") ? { contentType: header("content-type")! } : {}),
    ...(header("etag") ? { etag: header("etag")! } : {}),
    ...(header("last-modified") ? { lastModified: header("last-modified")! } : {}),
  };
}

async function fetchHttp(url: URL, options: FetchOptions): Promise<Fetched> {
  const fetched = await fetchBounded(url, { ...options, accept: "application/json, text/csv, text/plain;q=0.9, */*;q=0.1" });
  if (fetched.status !== "ok") return fetched;
  const text = fetched.bytes.toString("utf8");
  return {
    status: "ok",
    text,
    digest: digestOf(text),
    ...(fetched.etag ? { etag: fetched.etag } : {}),
    ...(fetched.lastModified ? { lastModified: fetched.lastModified } : {}),
  };
}
