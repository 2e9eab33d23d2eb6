import { z } from "zod";
import type { IndicatorType } from "../model/indicator.js";
import { normalizeValue } from "../model/normalize.js";

/**
 * What a feed's files say, read without trusting them: a MISP feed's `manifest.json` (its events
 * and their timestamps) and `hashes.csv` (the MD5 of each value and its event), and a plain-text
 * list of values. Pure: fetching is feed-source.ts's, publishing feed-service.ts's.
 */

export class FeedFormatError extends Error {
  override readonly name = "FeedFormatError";
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export interface ManifestEvent {
  uuid: string;
  /** MISP's timestamp of the event's last change (Unix seconds). */
  timestamp: number;
  info: string;
}

const ManifestEntry = z
  .object({
    timestamp: z.union([z.string().regex(/^\d{1,12}$/), z.number().int().nonnegative()]).transform(Number),
    info: z.string().optional(),
  })
  .passthrough();

/**
 * A MISP feed's manifest: event uuid -> `{ timestamp, info, Orgc, Tag, ... }`. An entry whose key
 * is not a uuid or whose timestamp is missing is reported, not fatal: the other events still come.
 */
export function readManifest(text: string): { events: ManifestEvent[]; problems: string[] } {
  let document: unknown;
  try {
    document = JSON.parse(text);
  } catch (err) {
    throw new FeedFormatError(`manifest.json is not JSON: ${(err as Error).message}`);
  }
  if (document === null || typeof document !== "object" || Array.isArray(document)) throw new FeedFormatError("manifest.json is not an object of events by uuid");
  const events: ManifestEvent[] = [];
  const problems: string[] = [];
  for (const [uuid, entry] of Object.entries(document)) {
    if (!UUID.test(uuid)) {
      problems.push(`manifest entry "${uuid.slice(0, 64)}" is not an event uuid`);
      continue;
    }
    const parsed = ManifestEntry.safeParse(entry);
    if (!parsed.success) {
      problems.push(`manifest entry ${uuid} has no timestamp`);
      continue;
    }
    events.push({ uuid: uuid.toLowerCase(), timestamp: parsed.data.timestamp, info: (parsed.data.info ?? "").slice(0, 256) });
  }
  return { events, problems };
}

/** `hashes.csv`: `md5 of a value,event uuid` per line. Lines of another shape are counted, not read. */
export function readHashes(text: string): { byEvent: Map<string, Set<string>>; malformed: number } {
  const byEvent = new Map<string, Set<string>>();
  let malformed = 0;
  for (const line of text.split(/\r?\n/)) {
    if (line.trim() === "") continue;
    const [hash, uuid, ...rest] = line.split(",").map((part) => part.trim().replace(/^"|"$/g, ""));
    if (rest.length > 0 || !hash || !/^[0-9a-f]{32}$/i.test(hash) || !uuid || !UUID.test(uuid)) {
      malformed++;
      continue;
    }
    const key = uuid.toLowerCase();
    let set = byEvent.get(key);
    if (!set) byEvent.set(key, (set = new Set()));
    set.add(hash.toLowerCase());
  }
  return { byEvent, malformed };
}

/** The events of a manifest not yet imported, or changed since (a larger timestamp). */
export function eventsToImport(events: readonly ManifestEvent[], imported: Readonly<Record<string, number>>): { changed: ManifestEvent[]; unchanged: number } {
  const changed = events.filter((event) => (imported[event.uuid] ?? -1) < event.timestamp);
  // Oldest first: a run cut short leaves the newest for the next, which the timestamps still show as changed.
  changed.sort((a, b) => a.timestamp - b.timestamp || a.uuid.localeCompare(b.uuid));
  return { changed, unchanged: events.length - changed.length };
}

/** One value of a text feed, as published. */
export interface ListedValue {
  type: IndicatorType;
  value: string;
  line: number;
}

/**
 * The order types are tried in when a text feed does not say: the most specific shapes first, a
 * domain last (a file name looks like one: a feed of file names says `type: filename`). A run of
 * 32, 40 or 64 hex digits is a file hash, not a JA3 or a certificate's: feeds that list those say
 * so with `type`.
 */
const GUESS_ORDER: readonly IndicatorType[] = ["url", "email", "cidr", "ipv4", "ipv6", "md5", "sha1", "sha256", "sha512", "ssdeep", "tlsh", "ja4", "cve", "asn", "registry-key", "domain"];

/** The type of a value by its shape, or undefined when no type takes it. */
export function guessType(value: string): IndicatorType | undefined {
  for (const type of GUESS_ORDER) {
    // A bare number is no AS number unless the feed says so.
    if (type === "asn" && !/^\s*AS/i.test(value)) continue;
    try {
      normalizeValue(type, value);
      return type;
    } catch {
      // not this type
    }
  }
  return undefined;
}

/**
 * A plain-text feed: one value per line; blank lines and comments (`#`, `//`, `;`) skipped; a
 * value may be followed by a comment or by more columns after whitespace or a comma (many lists
 * add a date), of which the first is the value. With `type`, every value must be of it; without,
 * each is typed by its shape.
 */
export function readTextFeed(text: string, type?: IndicatorType): { values: ListedValue[]; problems: Array<{ line: number; reason: string }> } {
  const values: ListedValue[] = [];
  const problems: Array<{ line: number; reason: string }> = [];
  const seen = new Set<string>();
  text.split(/\r?\n/).forEach((raw, i) => {
    const line = i + 1;
    const trimmed = raw.trim();
    if (trimmed === "" || /^(#|\/\/|;)/.test(trimmed)) return;
    // A user agent or a registry key holds spaces: with a type that may, the whole line is the value.
    const whole = type === "user-agent" || type === "registry-key" || type === "filename" || type === "mutex";
    const candidate = whole ? trimmed.replace(/\s+#.*$/, "") : trimmed.split(/[\s,]+/)[0]!;
    const typed = type ?? guessType(candidate);
    if (!typed) {
      problems.push({ line, reason: `"${candidate.slice(0, 80)}" is of no type the exchange knows` });
      return;
    }
    let value: string;
    try {
      value = normalizeValue(typed, candidate);
    } catch (err) {
      problems.push({ line, reason: (err as Error).message });
      return;
    }
    const key = `${typed}\u0000${value}`;
    if (seen.has(key)) return;
    seen.add(key);
    values.push({ type: typed, value, line });
  });
  return { values, problems };
}
