import { domainToASCII } from "node:url";
import { InvalidIndicatorError } from "./errors.js";
import type { IndicatorType } from "./indicator.js";

/**
 * Canonical forms of observable values. The same observable must always give the same string,
 * whoever states it and however it was written, because the indicator id, the Merkle leaves and
 * every lookup depend on it. Analysts paste defanged values ("hxxp://evil[.]com"), so values are
 * refanged first.
 */
export function normalizeValue(type: IndicatorType, raw: string): string {
  if (typeof raw !== "string") throw bad(type, "value must be a string");
  const trimmed = raw.trim();
  if (trimmed.length === 0) throw bad(type, "value is empty");
  if (trimmed.length > MAX_VALUE_LENGTH) throw bad(type, `value is longer than ${MAX_VALUE_LENGTH} characters`);
  switch (type) {
    case "ipv4":
      return normalizeIpv4(refang(trimmed));
    case "ipv6":
      return normalizeIpv6(refang(trimmed));
    case "cidr":
      return normalizeCidr(refang(trimmed));
    case "domain":
      return normalizeDomain(refang(trimmed));
    case "url":
      return normalizeUrl(refang(trimmed));
    case "email":
      return normalizeEmail(refang(trimmed));
    case "md5":
      return normalizeHash(type, trimmed, 32);
    case "sha1":
      return normalizeHash(type, trimmed, 40);
    case "sha256":
      return normalizeHash(type, trimmed, 64);
    case "sha512":
      return normalizeHash(type, trimmed, 128);
    case "ja3":
    case "ja3s":
      // JA3 and JA3S are the MD5 of the handshake's fields.
      return normalizeHash(type, trimmed, 32);
    case "x509-md5":
      return normalizeHash(type, withoutColons(trimmed), 32);
    case "x509-sha1":
      return normalizeHash(type, withoutColons(trimmed), 40);
    case "x509-sha256":
      return normalizeHash(type, withoutColons(trimmed), 64);
    case "ssdeep":
      return normalizeSsdeep(trimmed);
    case "tlsh":
      return normalizeTlsh(trimmed);
    case "ja4":
      return normalizeJa4(trimmed);
    case "asn":
      return normalizeAsn(trimmed);
    case "cve":
      return normalizeCve(trimmed);
    case "registry-key":
      return normalizeRegistryKey(trimmed);
    case "user-agent":
      return normalizeText(type, trimmed, 1024);
    case "mutex":
      return normalizeText(type, trimmed, 260);
    case "filename":
      return normalizeFilename(trimmed);
  }
}

export const MAX_VALUE_LENGTH = 2048;

function bad(type: IndicatorType, message: string): InvalidIndicatorError {
  return new InvalidIndicatorError("BAD_VALUE", `invalid ${type}: ${message}`, "value");
}

/** Undo the usual defanging: hxxp, [.], (.), {.}, [:], [@], [at], [dot]. */
/** Defanged dots, ats, colons and slashes, between spaces or not: one list for a value and for prose. */
function refangMarks(text: string): string {
  return text
    .replace(/\s?(?:\[\.\]|\(\.\)|\{\.\}|\[dot\]|\(dot\)|\{dot\})\s?/gi, ".")
    .replace(/\s?(?:\[@\]|\(@\)|\{@\}|\[at\]|\(at\)|\{at\})\s?/gi, "@")
    .replace(/\[:\]/g, ":")
    .replace(/\[\/\]/g, "/");
}

/** A defanged value made whole: a defanged scheme at its start only (`http://a.example/hxxp://b` keeps its path). */
export function refang(value: string): string {
  return refangMarks(value.replace(/^h(?:xx|\*\*)p(s?)(?:\[:\]|\(:\))?:?\/\//i, "http$1://").replace(/^fxp:\/\//i, "ftp://"));
}

/** Prose with its defanged values made whole, schemes anywhere (extract/observable-extractor.ts). */
export function refangText(text: string): string {
  return refangMarks(text.replace(/\bh(?:xx|\*\*|tt)p(s?)(?:\[:\]|\(:\)|:)\/\//gi, "http$1://").replace(/\bfxp:\/\//gi, "ftp://"));
}

// ------------------------------------------------------------------ IP addresses

function parseIpv4(value: string): number[] | undefined {
  const parts = value.split(".");
  if (parts.length !== 4) return undefined;
  const octets: number[] = [];
  for (const part of parts) {
    // Leading zeros are refused: some parsers read them as octal, so "010.0.0.1" is ambiguous.
    if (!/^(0|[1-9]\d{0,2})$/.test(part)) return undefined;
    const n = Number(part);
    if (n > 255) return undefined;
    octets.push(n);
  }
  return octets;
}

function normalizeIpv4(value: string): string {
  const octets = parseIpv4(value);
  if (!octets) throw bad("ipv4", `"${value}" is not a dotted-quad IPv4 address`);
  return octets.join(".");
}

/** Parses an IPv6 address into 8 16-bit groups, or undefined. Accepts an embedded IPv4 tail. */
function parseIpv6(input: string): number[] | undefined {
  const value = input.toLowerCase();
  if (value.includes("%")) return undefined; // zone ids only mean something on one host
  if (!/^[0-9a-f:.]+$/.test(value)) return undefined;
  const halves = value.split("::");
  if (halves.length > 2) return undefined;
  // An embedded IPv4 address is the last 32 bits (RFC 4291 2.2): the end of the last side only.
  const parseSide = (side: string, last: boolean): number[] | undefined => {
    if (side === "") return [];
    const groups: number[] = [];
    const pieces = side.split(":");
    for (let i = 0; i < pieces.length; i++) {
      const piece = pieces[i]!;
      if (piece.includes(".")) {
        if (!last || i !== pieces.length - 1) return undefined;
        const v4 = parseIpv4(piece);
        if (!v4) return undefined;
        groups.push((v4[0]! << 8) | v4[1]!, (v4[2]! << 8) | v4[3]!);
      } else {
        if (!/^[0-9a-f]{1,4}$/.test(piece)) return undefined;
        groups.push(parseInt(piece, 16));
      }
    }
    return groups;
  };
  const head = parseSide(halves[0]!, halves.length === 1);
  const tail = halves.length === 2 ? parseSide(halves[1]!, true) : [];
  if (!head || !tail) return undefined;
  if (halves.length === 1) return head.length === 8 ? head : undefined;
  if (head.length + tail.length > 7) return undefined;
  return [...head, ...new Array<number>(8 - head.length - tail.length).fill(0), ...tail];
}

/** RFC 5952 text form: lowercase, no leading zeros, the longest run of two or more zero groups as "::". */
function formatIpv6(groups: number[]): string {
  const isMappedV4 = groups.slice(0, 5).every((g) => g === 0) && groups[5] === 0xffff;
  if (isMappedV4) {
    return `::ffff:${groups[6]! >> 8}.${groups[6]! & 0xff}.${groups[7]! >> 8}.${groups[7]! & 0xff}`;
  }
  let bestStart = -1;
  let bestLength = 0;
  for (let i = 0; i < 8; ) {
    if (groups[i] !== 0) {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && groups[j] === 0) j++;
    if (j - i > bestLength) {
      bestStart = i;
      bestLength = j - i;
    }
    i = j;
  }
  const hex = groups.map((g) => g.toString(16));
  if (bestLength < 2) return hex.join(":");
  return `${hex.slice(0, bestStart).join(":")}::${hex.slice(bestStart + bestLength).join(":")}`;
}

/** The address inside [brackets], as URLs write it; a lone bracket is not taken off. */
const unbracketed = (value: string) => (value.startsWith("[") && value.endsWith("]") ? value.slice(1, -1) : value);

function normalizeIpv6(value: string): string {
  const groups = parseIpv6(unbracketed(value));
  if (!groups) throw bad("ipv6", `"${value}" is not an IPv6 address`);
  return formatIpv6(groups);
}

/** The shortest prefixes accepted: anything broader would flag a large part of the Internet. */
export const MIN_CIDR_PREFIX = { v4: 8, v6: 16 } as const;

function normalizeCidr(value: string): string {
  const slash = value.indexOf("/");
  if (slash < 0) throw bad("cidr", `"${value}" has no /prefix`);
  const address = value.slice(0, slash);
  const prefixText = value.slice(slash + 1);
  if (!/^\d{1,3}$/.test(prefixText)) throw bad("cidr", `"${prefixText}" is not a prefix length`);
  const prefix = Number(prefixText);
  const v4 = parseIpv4(address);
  if (v4) {
    if (prefix > 32) throw bad("cidr", `IPv4 prefix /${prefix} is longer than 32`);
    if (prefix < MIN_CIDR_PREFIX.v4) throw bad("cidr", `IPv4 prefix /${prefix} is broader than /${MIN_CIDR_PREFIX.v4}`);
    const bits = v4.flatMap((octet) => byteBits(octet, 8));
    const masked = bits.map((bit, i) => (i < prefix ? bit : 0));
    const octets = [0, 1, 2, 3].map((i) => bitsToNumber(masked.slice(i * 8, i * 8 + 8)));
    return `${octets.join(".")}/${prefix}`;
  }
  const v6 = parseIpv6(address);
  if (v6) {
    if (prefix > 128) throw bad("cidr", `IPv6 prefix /${prefix} is longer than 128`);
    if (prefix < MIN_CIDR_PREFIX.v6) throw bad("cidr", `IPv6 prefix /${prefix} is broader than /${MIN_CIDR_PREFIX.v6}`);
    const bits = v6.flatMap((group) => byteBits(group, 16));
    const masked = bits.map((bit, i) => (i < prefix ? bit : 0));
    const groups = [0, 1, 2, 3, 4, 5, 6, 7].map((i) => bitsToNumber(masked.slice(i * 16, i * 16 + 16)));
    return `${formatIpv6(groups)}/${prefix}`;
  }
  throw bad("cidr", `"${address}" is neither an IPv4 nor an IPv6 address`);
}

function byteBits(n: number, width: number): number[] {
  return Array.from({ length: width }, (_, i) => (n >> (width - 1 - i)) & 1);
}

function bitsToNumber(bits: number[]): number {
  return bits.reduce((acc, bit) => acc * 2 + bit, 0);
}

// ------------------------------------------------------------------ names

const LABEL = /^(?!-)[a-z0-9_-]{1,63}(?<!-)$/;

/** Lowercase, IDNA (UTS #46) A-labels, no trailing dot; at least two labels; not an IP literal. */
export function normalizeDomainName(value: string): string | undefined {
  const withoutDot = value.endsWith(".") ? value.slice(0, -1) : value;
  if (withoutDot.length === 0 || withoutDot.includes("..")) return undefined;
  const ascii = domainToASCII(withoutDot.toLowerCase());
  if (ascii === "" || ascii.length > 253) return undefined;
  const labels = ascii.split(".");
  if (labels.length < 2) return undefined;
  if (!labels.every((label) => LABEL.test(label))) return undefined;
  if (/^\d+$/.test(labels[labels.length - 1]!)) return undefined;
  return ascii;
}

function normalizeDomain(value: string): string {
  const domain = normalizeDomainName(value);
  if (!domain) throw bad("domain", `"${value}" is not a valid domain name`);
  return domain;
}

function normalizeEmail(value: string): string {
  const at = value.lastIndexOf("@");
  if (at <= 0 || at === value.length - 1) throw bad("email", `"${value}" is not local@domain`);
  // Mailbox local parts are case-insensitive in practice; lowercasing keeps one record per address.
  const local = value.slice(0, at).toLowerCase();
  if (local.length > 64 || !/^[a-z0-9.!#$%&'*+/=?^_`{|}~-]+$/.test(local) || local.startsWith(".") || local.endsWith(".") || local.includes("..")) {
    throw bad("email", `"${value}" has an invalid local part`);
  }
  const domain = normalizeDomainName(value.slice(at + 1));
  if (!domain) throw bad("email", `"${value}" has an invalid domain`);
  return `${local}@${domain}`;
}

const URL_SCHEMES = new Set(["http:", "https:", "ftp:", "ftps:", "ws:", "wss:"]);
/**
 * Upper-case hex in percent escapes (RFC 3986 6.2.2.1). Escapes are not decoded: a decoded
 * character could form a defanging pattern and make normalization not idempotent.
 */
function normalizePercentEncoding(part: string): string {
  return part.replace(/%([0-9a-fA-F]{2})/g, (_, hex: string) => `%${hex.toUpperCase()}`);
}

function normalizeUrl(value: string): string {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw bad("url", `"${value}" is not an absolute URL`);
  }
  if (!URL_SCHEMES.has(url.protocol)) throw bad("url", `scheme "${url.protocol}" is not supported`);
  if (url.hostname === "") throw bad("url", `"${value}" has no host`);
  // The fragment never reaches a server, so it cannot distinguish two threats.
  url.hash = "";
  const host = url.hostname.startsWith("[")
    ? url.hostname
    : (parseIpv4(url.hostname) ? url.hostname : normalizeDomainName(url.hostname));
  if (!host) throw bad("url", `"${url.hostname}" is not a valid host`);
  const userinfo = url.username || url.password ? `${url.username}${url.password ? `:${url.password}` : ""}@` : "";
  const port = url.port ? `:${url.port}` : "";
  return `${url.protocol}//${userinfo}${host}${port}${normalizePercentEncoding(url.pathname)}${normalizePercentEncoding(url.search)}`;
}

function normalizeHash(type: IndicatorType, value: string, hexLength: number): string {
  const hex = value.toLowerCase();
  if (hex.length !== hexLength || !/^[0-9a-f]+$/.test(hex)) {
    throw bad(type, `expected ${hexLength} hexadecimal characters`);
  }
  return hex;
}

/** Certificate fingerprints are often written as colon-separated bytes ("AB:CD:..."). */
const withoutColons = (value: string) => (/^[0-9a-fA-F]{2}(:[0-9a-fA-F]{2})+$/.test(value) ? value.replace(/:/g, "") : value);

/**
 * ssdeep's `blocksize:hash:hash`: the block size is 3 times a power of two, each hash at most
 * 64 base64 characters. Case is part of the hash. A trailing `,"file name"` (ssdeep's own
 * output) is not part of it and is refused rather than guessed away.
 */
function normalizeSsdeep(value: string): string {
  const match = /^(\d{1,10}):([A-Za-z0-9/+]{1,64}):([A-Za-z0-9/+]{1,64})$/.exec(value);
  if (!match) throw bad("ssdeep", "expected blocksize:hash:hash");
  const blockSize = Number(match[1]);
  const ratio = blockSize / 3;
  if (!Number.isInteger(ratio) || ratio < 1 || (ratio & (ratio - 1)) !== 0) throw bad("ssdeep", `block size ${match[1]} is not 3 times a power of two`);
  return `${blockSize}:${match[2]}:${match[3]}`;
}

/** TLSH: 70 hex digits after a version prefix ("T1"); upper case, as the reference tool prints it. Without a prefix, T1 is meant. */
function normalizeTlsh(value: string): string {
  const upper = value.toUpperCase();
  const body = upper.startsWith("T1") && upper.length === 72 ? upper.slice(2) : upper;
  if (!/^[0-9A-F]{70}$/.test(body)) throw bad("tlsh", "expected T1 and 70 hexadecimal characters");
  return `T1${body}`;
}

/**
 * JA4 (FoxIO): `a_b_c`, a the protocol (t, q, d), TLS version, SNI (d, i), cipher and extension
 * counts and ALPN's first and last characters; b and c truncated SHA-256s (12 hex). Lower case.
 */
function normalizeJa4(value: string): string {
  const lower = value.toLowerCase();
  if (!/^[tqd][0-9a-z]{2}[di]\d{4}[0-9a-z]{2}_[0-9a-f]{12}_[0-9a-f]{12}$/.test(lower)) {
    throw bad("ja4", "expected a JA4 fingerprint such as t13d1516h2_8daaf6152771_02713d6af862");
  }
  return lower;
}

/** An autonomous system number: "AS64496", "as 64496", "64496" or asdot "1.10", written AS<number>. */
function normalizeAsn(value: string): string {
  const match = /^(?:AS\s?)?(\d{1,10})(?:\.(\d{1,5}))?$/i.exec(value);
  if (!match) throw bad("asn", "expected AS and a number");
  const number = match[2] === undefined ? Number(match[1]) : Number(match[1]) * 65536 + Number(match[2]);
  if (match[2] !== undefined && (Number(match[1]) > 65535 || Number(match[2]) > 65535)) throw bad("asn", `"${value}" is not an asdot number`);
  // AS 0 and AS 4294967295 are reserved (RFC 7607, RFC 7300): no traffic comes from them.
  if (!Number.isSafeInteger(number) || number < 1 || number >= 4294967295) throw bad("asn", `${number} is not an assignable AS number`);
  return `AS${number}`;
}

function normalizeCve(value: string): string {
  const upper = value.toUpperCase();
  const match = /^CVE-(\d{4})-(\d{4,7})$/.exec(upper);
  if (!match || Number(match[1]) < 1999) throw bad("cve", "expected CVE-YYYY-NNNN");
  return upper;
}

const HIVES: Readonly<Record<string, string>> = {
  HKLM: "HKEY_LOCAL_MACHINE",
  HKCU: "HKEY_CURRENT_USER",
  HKCR: "HKEY_CLASSES_ROOT",
  HKU: "HKEY_USERS",
  HKCC: "HKEY_CURRENT_CONFIG",
  HKPD: "HKEY_PERFORMANCE_DATA",
};
const FULL_HIVES = new Set(Object.values(HIVES));

/**
 * A Windows registry key with its hive written out (STIX asks for HKEY_LOCAL_MACHINE, not HKLM),
 * single backslashes and no trailing one. Windows compares keys without case, so the path after
 * the hive is folded to lower case: one record per key, whoever writes it.
 */
function normalizeRegistryKey(value: string): string {
  if (/[\u0000-\u001f\u007f]/.test(value)) throw bad("registry-key", "control characters");
  const parts = value.split(/\\+/).filter((part, i, all) => part !== "" || (i > 0 && i < all.length - 1));
  const head = (parts[0] ?? "").toUpperCase();
  const hive = HIVES[head] ?? (FULL_HIVES.has(head) ? head : undefined);
  if (!hive) throw bad("registry-key", `"${parts[0] ?? ""}" is not a registry hive (HKEY_LOCAL_MACHINE, HKLM, ...)`);
  if (parts.length < 2) throw bad("registry-key", "a hive alone is not a key");
  return [hive, ...parts.slice(1).map((p) => p.toLowerCase())].join("\\");
}

/** Free text of a type without a grammar (a user agent, a mutex name): one line, kept as written. */
function normalizeText(type: IndicatorType, value: string, maxLength: number): string {
  if (/[\u0000-\u001f\u007f]/.test(value)) throw bad(type, "control characters or line breaks");
  if (value.length > maxLength) throw bad(type, `longer than ${maxLength} characters`);
  return value.normalize("NFC");
}

/** A file's name without its directory: no separators, not "." or "..", at most 255 characters (NFC). */
function normalizeFilename(value: string): string {
  const name = normalizeText("filename", value, 255);
  if (/[\\/]/.test(name)) throw bad("filename", "a file name holds no / or \\ (give the name without its directory)");
  if (name === "." || name === "..") throw bad("filename", `"${name}" is not a file name`);
  return name;
}

/** True when `value` is already in canonical form for `type` (what a receiver checks). */
export function isNormalized(type: IndicatorType, value: string): boolean {
  try {
    return normalizeValue(type, value) === value;
  } catch {
    return false;
  }
}

// ------------------------------------------------------------------ address arithmetic

/** An IP address as a number, for CIDR containment: 32 bits for IPv4, 128 for IPv6 (mapped IPv4 stays IPv6). */
export interface AddressBits {
  version: 4 | 6;
  bits: bigint;
}

export function addressBits(address: string): AddressBits | undefined {
  const v4 = parseIpv4(address);
  if (v4) return { version: 4, bits: v4.reduce((acc, octet) => (acc << 8n) | BigInt(octet), 0n) };
  const v6 = parseIpv6(unbracketed(address));
  if (v6) return { version: 6, bits: v6.reduce((acc, group) => (acc << 16n) | BigInt(group), 0n) };
  return undefined;
}

/** A normalized CIDR's network (host bits clear) and prefix length. */
export function cidrBits(cidr: string): (AddressBits & { prefix: number }) | undefined {
  const slash = cidr.indexOf("/");
  const network = slash > 0 ? addressBits(cidr.slice(0, slash)) : undefined;
  return network ? { ...network, prefix: Number(cidr.slice(slash + 1)) } : undefined;
}

/** The address with every bit after `prefix` cleared. */
export function maskBits(address: AddressBits, prefix: number): bigint {
  const width = address.version === 4 ? 32n : 128n;
  const hostBits = width - BigInt(prefix);
  return (address.bits >> hostBits) << hostBits;
}
