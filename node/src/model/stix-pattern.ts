/**
 * STIX patterning, as far as the exchange's indicators go. Two readers, both linear in the
 * pattern's length:
 *
 * - parseStixPattern reads the subset one exchange indicator can stand for exactly: equality
 *   comparisons of one observable property with a string, joined by OR, inside one or several
 *   observation expressions joined by OR. Anything else (AND, FOLLOWEDBY, other operators,
 *   qualifiers such as WITHIN or REPEATS, other object types or properties) is refused with the
 *   reason.
 * - patternAtoms reads any pattern and takes every value it compares for equality (or IN a list)
 *   with an observable the exchange knows: the atoms a STIX indicator object is linked to, which
 *   detectors can match on their own while the pattern itself stays with the object.
 */
import type { IndicatorType } from "./indicator.js";

export interface PatternComparison {
  /** The STIX object path, e.g. `file:hashes.'SHA-256'`. */
  path: string;
  type: IndicatorType;
  value: string;
}

export type PatternResult = { ok: true; comparisons: PatternComparison[] } | { ok: false; reason: string };

/**
 * Longest pattern read: a few hundred comparisons of hashes or URLs. The reader is linear in the
 * pattern's length, and this bounds its time and memory whatever a bundle holds.
 */
export const MAX_PATTERN_LENGTH = 64 * 1024;

/** A list index step of an object path ([*] or [3]), matched where the reader stands (sticky). */
const LIST_INDEX = /\[(\*|\d+)\]/y;
const WORD_END = /[\s[\]()=!<>]/;

type Token =
  | { kind: "open" | "close" | "lparen" | "rparen" }
  | { kind: "word"; text: string }
  | { kind: "op"; text: string }
  | { kind: "string"; text: string };

function tokenize(pattern: string): Token[] | string {
  const tokens: Token[] = [];
  let i = 0;
  while (i < pattern.length) {
    const c = pattern[i]!;
    if (/\s/.test(c)) {
      i++;
    } else if (c === "[" || c === "]" || c === "(" || c === ")") {
      tokens.push({ kind: c === "[" ? "open" : c === "]" ? "close" : c === "(" ? "lparen" : "rparen" });
      i++;
    } else if (c === "'") {
      let text = "";
      i++;
      for (;;) {
        if (i >= pattern.length) return "an unterminated string";
        const d = pattern[i]!;
        if (d === "\\") {
          const next = pattern[i + 1];
          if (next !== "'" && next !== "\\") return `an invalid escape \\${next ?? ""} in a string`;
          text += next;
          i += 2;
        } else if (d === "'") {
          i++;
          break;
        } else {
          text += d;
          i++;
        }
      }
      tokens.push({ kind: "string", text });
    } else if (/[=!<>]/.test(c)) {
      const two = pattern.slice(i, i + 2);
      const text = ["!=", "<=", ">="].includes(two) ? two : c;
      tokens.push({ kind: "op", text });
      i += text.length;
    } else {
      // A path such as file:hashes.'SHA-256' or a:list[*].b holds quoted steps and list indexes:
      // read it whole. Every step moves on: linear in the pattern (a regex or a slice tried at each
      // character made a 300 KB pattern take 6.5 s).
      const start = i;
      let hasColon = false;
      for (;;) {
        if (i >= pattern.length) break;
        const d = pattern[i]!;
        if (hasColon && d === "[") {
          LIST_INDEX.lastIndex = i;
          const index = LIST_INDEX.exec(pattern);
          if (!index) break;
          i += index[0].length;
          continue;
        }
        if (WORD_END.test(d)) break;
        if (d === "'") {
          const end = pattern.indexOf("'", i + 1);
          if (end < 0) return "an unterminated quoted path step";
          i = end + 1;
          continue;
        }
        if (d === ":") hasColon = true;
        i++;
      }
      if (i === start) return `an unexpected character "${pattern[i]}"`;
      tokens.push({ kind: "word", text: pattern.slice(start, i) });
    }
  }
  return tokens;
}

// Maps, not object literals: a name from a bundle ("constructor", "__proto__") must find nothing.
export const HASH_TYPES: ReadonlyMap<string, IndicatorType> = new Map([
  ["SHA-256", "sha256"],
  ["SHA256", "sha256"],
  ["MD5", "md5"],
  ["SHA-1", "sha1"],
  ["SHA1", "sha1"],
  ["SHA-512", "sha512"],
  ["SHA512", "sha512"],
  ["SSDEEP", "ssdeep"],
  ["TLSH", "tlsh"],
]);

/** Object paths that stand for one indicator type whatever the value. */
const PATH_TYPES: ReadonlyMap<string, IndicatorType> = new Map<string, IndicatorType>([
  ["domain-name:value", "domain"],
  ["url:value", "url"],
  ["email-addr:value", "email"],
  ["file:name", "filename"],
  ["mutex:name", "mutex"],
  ["windows-registry-key:key", "registry-key"],
  ["autonomous-system:number", "asn"],
  ["network-traffic:extensions.'http-request-ext'.request_header.'User-Agent'", "user-agent"],
  // JA3, JA3S and JA4 have no property in STIX 2.1; these custom ones are what MISP's mapping
  // and ours write (interop/misp-stix.ts).
  ["network-traffic:x_ja3", "ja3"],
  ["network-traffic:x_ja3s", "ja3s"],
  ["network-traffic:x_ja4", "ja4"],
]);

const X509_HASH_TYPES: ReadonlyMap<string, IndicatorType> = new Map([
  ["MD5", "x509-md5"],
  ["SHA-1", "x509-sha1"],
  ["SHA1", "x509-sha1"],
  ["SHA-256", "x509-sha256"],
  ["SHA256", "x509-sha256"],
]);

/** The indicator type a supported object path stands for, or why it is not supported. */
export function typeOfPath(path: string, value: string): { type: IndicatorType } | { reason: string } {
  if (path === "ipv4-addr:value") return { type: value.includes("/") ? "cidr" : "ipv4" };
  if (path === "ipv6-addr:value") return { type: value.includes("/") ? "cidr" : "ipv6" };
  const direct = PATH_TYPES.get(path);
  if (direct) return { type: direct };
  const hash = /^(file|x509-certificate):hashes\.(?:'([^']+)'|([A-Za-z0-9-]+))$/.exec(path);
  if (hash) {
    const name = (hash[2] ?? hash[3])!.toUpperCase();
    const type = hash[1] === "file" ? HASH_TYPES.get(name) : X509_HASH_TYPES.get(name);
    const supported = hash[1] === "file" ? "MD5, SHA-1, SHA-256, SHA-512, SSDEEP, TLSH" : "MD5, SHA-1, SHA-256";
    return type ? { type } : { reason: `${hash[1]} hash ${name} is not supported (${supported} are)` };
  }
  return { reason: `the object path ${path} is not supported` };
}

/** A literal a comparison may hold: a string, or a whole number (an AS number is one). */
function literalText(token: Token | undefined): string | undefined {
  if (token?.kind === "string") return token.text;
  if (token?.kind === "word" && /^\d{1,10}$/.test(token.text)) return token.text;
  return undefined;
}

/** Parses a STIX 2.1 pattern of the supported subset. Pure, and linear in the pattern's length. */
export function parseStixPattern(pattern: string): PatternResult {
  if (pattern.length > MAX_PATTERN_LENGTH) return { ok: false, reason: `the pattern is ${pattern.length} characters long; at most ${MAX_PATTERN_LENGTH} are read` };
  const tokens = tokenize(pattern);
  if (typeof tokens === "string") return { ok: false, reason: `the pattern has ${tokens}` };
  const comparisons: PatternComparison[] = [];
  let i = 0;
  const peek = () => tokens[i];
  const fail = (reason: string): PatternResult => ({ ok: false, reason });
  const expectObservation = (): string | undefined => {
    let depth = 0;
    while (peek()?.kind === "lparen") {
      depth++;
      i++;
    }
    if (peek()?.kind !== "open") return "an observation expression must start with [";
    i++;
    for (;;) {
      const path = peek();
      if (path?.kind !== "word") return "a comparison must start with an object path";
      i++;
      const op = peek();
      if (op?.kind === "word" && /^(NOT|IN|LIKE|MATCHES|ISSUBSET|ISSUPERSET)$/i.test(op.text)) return `the ${op.text.toUpperCase()} operator is not supported (only =)`;
      if (op?.kind !== "op") return "a comparison needs an operator";
      if (op.text !== "=") return `the ${op.text} operator is not supported (only =)`;
      i++;
      const token = peek();
      const literal = literalText(token);
      if (literal === undefined) return "only string and whole number values are supported";
      i++;
      const typed = typeOfPath(path.text, literal);
      if ("reason" in typed) return typed.reason;
      // A number is a value only where the property is one (autonomous-system:number).
      if ((token?.kind === "word") !== (typed.type === "asn")) return typed.type === "asn" ? "an AS number is compared with a number" : "only string values are supported here";
      comparisons.push({ path: path.text, type: typed.type, value: literal });
      const next = peek();
      if (next?.kind === "close") {
        i++;
        break;
      }
      if (next?.kind === "word" && next.text.toUpperCase() === "OR") {
        i++;
        continue;
      }
      if (next?.kind === "word" && next.text.toUpperCase() === "AND") return "AND is not supported: an indicator here is one observable";
      return "a comparison must be followed by OR or ]";
    }
    while (depth > 0) {
      if (peek()?.kind !== "rparen") return "unbalanced parentheses";
      i++;
      depth--;
    }
    return undefined;
  };
  for (;;) {
    const problem = expectObservation();
    if (problem) return fail(problem);
    const next = peek();
    if (next === undefined) break;
    if (next.kind === "word" && next.text.toUpperCase() === "OR") {
      i++;
      continue;
    }
    if (next.kind === "word" && /^(AND|FOLLOWEDBY)$/i.test(next.text)) return fail(`${next.text.toUpperCase()} between observations is not supported`);
    if (next.kind === "word" && /^(WITHIN|REPEATS|START|STOP)$/i.test(next.text)) return fail(`the ${next.text.toUpperCase()} qualifier is not supported`);
    return fail("unexpected text after an observation expression");
  }
  return comparisons.length > 0 ? { ok: true, comparisons } : fail("the pattern compares nothing");
}

/** The STIX pattern of one indicator of the exchange: the inverse of parseStixPattern. */
export function stixPatternOf(type: Exclude<IndicatorType, "cve">, value: string): string {
  if (type === "asn") return `[autonomous-system:number = ${value.replace(/^AS/, "")}]`;
  // STIX's hashes hold a TLSH as 70 characters, without the version prefix the exchange keeps.
  if (type === "tlsh") return `[file:hashes.TLSH = '${value.replace(/^T1/, "")}']`;
  const escaped = value.replace(/\\/g, "\\\\").replace(/'/g, "\\'");
  return `[${STIX_PATH_OF[type](value)} = '${escaped}']`;
}

/** The STIX object path of each type. A CVE is no observable: interop/stix.ts writes it as a vulnerability object. */
const STIX_PATH_OF: Record<Exclude<IndicatorType, "cve">, (value: string) => string> = {
  ipv4: () => "ipv4-addr:value",
  ipv6: () => "ipv6-addr:value",
  cidr: (value) => (value.includes(":") ? "ipv6-addr:value" : "ipv4-addr:value"),
  domain: () => "domain-name:value",
  url: () => "url:value",
  email: () => "email-addr:value",
  md5: () => "file:hashes.MD5",
  sha1: () => "file:hashes.'SHA-1'",
  sha256: () => "file:hashes.'SHA-256'",
  sha512: () => "file:hashes.'SHA-512'",
  ssdeep: () => "file:hashes.SSDEEP",
  tlsh: () => "file:hashes.TLSH",
  ja3: () => "network-traffic:x_ja3",
  ja3s: () => "network-traffic:x_ja3s",
  ja4: () => "network-traffic:x_ja4",
  asn: () => "autonomous-system:number",
  "user-agent": () => "network-traffic:extensions.'http-request-ext'.request_header.'User-Agent'",
  filename: () => "file:name",
  mutex: () => "mutex:name",
  "registry-key": () => "windows-registry-key:key",
  "x509-md5": () => "x509-certificate:hashes.MD5",
  "x509-sha1": () => "x509-certificate:hashes.'SHA-1'",
  "x509-sha256": () => "x509-certificate:hashes.'SHA-256'",
};

/** One value a pattern compares an observable with, which detectors can look for on its own. */
export interface PatternAtom {
  path: string;
  type: IndicatorType;
  value: string;
}

export type AtomsResult = { ok: true; atoms: PatternAtom[]; ignored: string[] } | { ok: false; reason: string };

/**
 * Every atom of any STIX pattern: `path = 'value'` and `path IN ('a', 'b')` on a supported path,
 * wherever it stands (under AND, FOLLOWEDBY, qualifiers). A comparison negated (NOT) or by
 * another operator is no atom; what is passed over is named in `ignored`. Atoms come once each,
 * in the order they appear. Fails only when the pattern does not tokenize or is too long.
 */
export function patternAtoms(pattern: string): AtomsResult {
  if (pattern.length > MAX_PATTERN_LENGTH) return { ok: false, reason: `the pattern is ${pattern.length} characters long; at most ${MAX_PATTERN_LENGTH} are read` };
  const tokens = tokenize(pattern);
  if (typeof tokens === "string") return { ok: false, reason: `the pattern has ${tokens}` };
  let depth = 0;
  for (const t of tokens) {
    if (t.kind === "open") depth++;
    if (t.kind === "close" && --depth < 0) return { ok: false, reason: "the pattern has an unbalanced ]" };
  }
  if (depth !== 0) return { ok: false, reason: "the pattern has an unbalanced [" };
  const atoms: PatternAtom[] = [];
  const ignored: string[] = [];
  const seen = new Set<string>();
  const take = (path: string, value: string) => {
    const typed = typeOfPath(path, value);
    if ("reason" in typed) {
      if (!ignored.includes(typed.reason)) ignored.push(typed.reason);
      return;
    }
    const key = `${typed.type}\u0000${value}`;
    if (seen.has(key)) return;
    seen.add(key);
    atoms.push({ path, type: typed.type, value });
  };
  for (let i = 0; i < tokens.length; i++) {
    const path = tokens[i]!;
    if (path.kind !== "word" || !path.text.includes(":")) continue;
    const op = tokens[i + 1];
    const literal = literalText(tokens[i + 2]);
    if (op?.kind === "op" && op.text === "=" && literal !== undefined) {
      take(path.text, literal);
      i += 2;
    } else if (op?.kind === "word" && op.text.toUpperCase() === "IN" && tokens[i + 2]?.kind === "lparen") {
      let j = i + 3;
      for (; j < tokens.length && tokens[j]!.kind !== "rparen"; j++) {
        const literal = literalText(tokens[j]);
        if (literal !== undefined) take(path.text, literal);
      }
      i = j;
    } else if (op?.kind === "word" && op.text.toUpperCase() === "NOT") {
      if (!ignored.includes("negated comparisons")) ignored.push("negated comparisons");
    } else if (op !== undefined && !ignored.includes(`comparisons by ${op.kind === "op" || op.kind === "word" ? op.text : "?"}`)) {
      ignored.push(`comparisons by ${op.kind === "op" || op.kind === "word" ? op.text : "?"}`);
    }
  }
  return { ok: true, atoms, ignored };
}
