/**
 * extract/ owns turning prose into the exchange's observables: what a threat report, an advisory
 * or an e-mail names (addresses, domains, URLs, e-mail addresses, hashes, AS numbers, CVEs),
 * defanged or not, each with the sentence it came from, and what was passed over and why. Pure:
 * the text comes in, nothing is published (a report becomes a draft an analyst reviews).
 *
 * The finding is `ioc-extractor`'s (maintained, tested on its own corpus): its patterns, its
 * refanging and its strict check of top-level domains. What is ours, where it falls short:
 * - more defanging forms before it reads (`{.}`, `[dot]`, `(dot)`, `[at]`, `(at)`, `[:]`,
 *   `hxxp`, `fxp`), and values a line break split after a dot, a slash or a defang bracket;
 * - sentences, so that each value comes with the one that names it;
 * - the false positives of reports: a file name with a real top-level domain (`setup.py`,
 *   `readme.md`, `invoice.zip`), a version or an OID that looks like an address (`version
 *   1.2.0.4`, `1.3.6.1.4.1`), a domain that is only the host of a URL already found, and every
 *   value the consortium's warning lists refuse (documentation and private ranges, example
 *   domains, public resolvers, top sites, ...), each named with its reason;
 * - the exchange's own canonical form (model/normalize.ts) for every value kept.
 */
import { extractIOC, type IOC } from "ioc-extractor";
import type { IndicatorType } from "../model/indicator.js";
import { normalizeValue, refangText } from "../model/normalize.js";
import type { WarningLists } from "../privacy/warning-lists.js";

export interface ExtractedObservable {
  type: IndicatorType;
  /** Canonical (model/normalize.ts). */
  value: string;
  /** The sentence that names it, as written (defanged if it was). */
  sentence: string;
  /** Whether the text defanged it (`evil[.]example`): the author meant it as an indicator. */
  defanged: boolean;
  /** Warning lists that only warn about it (cloud ranges, dynamic DNS, ...). */
  warnings: string[];
}

export interface PassedOver {
  type: IndicatorType;
  value: string;
  sentence: string;
  reason: string;
}

export interface Extraction {
  observables: ExtractedObservable[];
  passedOver: PassedOver[];
}

export interface ExtractOptions {
  /** The consortium's warning lists: a value a list refuses is passed over, naming the list. */
  warningLists?: WarningLists;
}

/** ioc-extractor's keys, and the exchange's type of each (the cryptocurrency and tracking ids are no observable the exchange carries). */
const TYPE_OF_KEY: ReadonlyArray<[keyof IOC, IndicatorType]> = [
  ["urls", "url"],
  ["emails", "email"],
  ["ipv4s", "ipv4"],
  ["ipv6s", "ipv6"],
  ["domains", "domain"],
  ["md5s", "md5"],
  ["sha1s", "sha1"],
  ["sha256s", "sha256"],
  ["sha512s", "sha512"],
  ["ssdeeps", "ssdeep"],
  ["asns", "asn"],
  ["cves", "cve"],
];

/**
 * Extensions of files that are also top-level domains, or that reports name beside real ones: a
 * name ending in one, written plainly, is a file (`dropper.py`, `readme.md`, `payload.zip`), not a
 * domain; written defanged (`dropper[.]py`) it is a domain, as its author said.
 */
const FILE_EXTENSIONS = new Set([
  // Members in code quoted by reports ("process.name") read like domains of .name.
  "name",
  "py", "sh", "md", "pl", "rs", "ps", "zip", "mov", "so", "ai", "sc", "cc", "cs", "ts", "js", "php", "asp", "aspx", "jsp", "exe", "dll", "sys", "bat", "cmd", "ps1", "vbs", "hta", "lnk", "scr", "msi", "jar", "doc", "docx", "docm", "xls", "xlsx", "xlsm", "ppt", "pptx", "pdf", "rtf", "rar", "7z", "gz", "tar", "iso", "img", "bin", "dat", "tmp", "log", "txt", "csv", "json", "xml", "html", "htm", "jpg", "png", "gif", "ini", "cfg", "conf", "yml", "yaml", "db", "sql", "bak", "elf", "apk", "ipa", "dmg", "pkg", "deb", "rpm", "one", "wsf", "cpl", "ocx", "drv",
]);

/** Words after which a dotted number is a version, not an address. */
const VERSION_BEFORE = /(?:\bv|\bver\.?|\bversion|\bbuild|\brelease|\bfirmware|\bupdate|\bpatch|\bkb)\s*:?\s*$/i;


/** Values a line break split after a dot, a slash or a defang bracket: the next line goes on the same token. */
function joinSplitValues(text: string): string {
  // After a slash or a defang bracket, any letter or digit goes on; after a plain dot only a
  // lower-case one ("evil.\ncom"), since a sentence ending at a line break is followed by a capital.
  return text.replace(/(\[\.\]|\(\.\)|\{\.\}|\/)[ \t]*\r?\n[ \t]*(?=[A-Za-z0-9])|(\w\.)[ \t]*\r?\n[ \t]*(?=[a-z0-9])/g, "$1$2");
}

/** Sentences: split after ., ! or ? before a capital, a quote or a bracket, and at every line break. */
export function sentencesOf(text: string): string[] {
  return text
    .split(/\r?\n+|(?<=[.!?])\s+(?=[A-Z"'(\[])/)
    .map((s) => s.trim())
    .filter((s) => s !== "");
}

export function extractObservables(text: string, options: ExtractOptions = {}): Extraction {
  const observables: ExtractedObservable[] = [];
  const passedOver: PassedOver[] = [];
  const seen = new Set<string>();
  for (const sentence of sentencesOf(joinSplitValues(text))) {
    const refanged = refangText(sentence);
    // Most sentences of a report name nothing: without a digit, an @, a scheme or a dot inside a
    // word (the dot that ends the sentence is not one), no type the extractor knows can be there.
    if (!/\d|@|:\/\/|\.[A-Za-z]/.test(refanged)) continue;
    const found = extractIOC(refanged, { refang: true, sort: false, strict: true });
    const urls = found.urls;
    for (const [key, type] of TYPE_OF_KEY) {
      for (const raw of found[key]) {
        let value: string;
        try {
          // A URL at the end of a sentence or in brackets: the punctuation is the prose's.
          value = normalizeValue(type, type === "url" ? raw.replace(/[.,;:!?'")\]}>]+$/, "") : raw);
        } catch {
          continue;
        }
        const id = `${type}\u0000${value}`;
        if (seen.has(id)) continue;
        const pass = (reason: string) => {
          seen.add(id);
          passedOver.push({ type, value, sentence, reason });
        };
        const defanged = !sentence.includes(raw);
        if (type === "domain") {
          const tld = value.slice(value.lastIndexOf(".") + 1);
          if (!defanged && FILE_EXTENSIONS.has(tld)) {
            pass(`looks like a file name (.${tld})`);
            continue;
          }
          // The host of a URL found in the same sentence is that URL's, unless the sentence also names it alone.
          const elsewhere = urls.reduce((s, url) => s.split(url).join(" "), refanged);
          if (urls.length > 0 && !new RegExp(`(^|[^A-Za-z0-9.-])${escapeRegExp(raw)}($|[^A-Za-z0-9-])`, "i").test(elsewhere)) continue;
          if (found.emails.some((email) => email.toLowerCase().endsWith(`@${value}`)) && !new RegExp(`(^|[^@A-Za-z0-9.-])${escapeRegExp(raw)}`, "i").test(refanged)) continue;
        }
        if (type === "ipv4") {
          const at = refanged.indexOf(raw);
          const before = refanged.slice(Math.max(0, at - 24), at);
          const after = refanged.slice(at + raw.length, at + raw.length + 2);
          if (VERSION_BEFORE.test(before)) {
            pass("a version number, not an address");
            continue;
          }
          if (/^\.\d/.test(after) || /\d\.$/.test(before)) {
            pass("part of a longer dotted number (an OID or a version)");
            continue;
          }
        }
        const hits = options.warningLists?.check(type, value, hostOf(type, value)) ?? [];
        const refusal = hits.find((h) => h.action === "refuse");
        if (refusal) {
          pass(`on the warning list "${refusal.name}" (${refusal.entry})`);
          continue;
        }
        seen.add(id);
        observables.push({ type, value, sentence, defanged, warnings: hits.map((h) => h.name) });
      }
    }
  }
  return { observables, passedOver };
}

function hostOf(type: IndicatorType, value: string): string | undefined {
  if (type === "url") {
    try {
      return new URL(value).hostname.replace(/^\[|\]$/g, "");
    } catch {
      return undefined;
    }
  }
  return type === "email" ? value.slice(value.lastIndexOf("@") + 1) : undefined;
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}
