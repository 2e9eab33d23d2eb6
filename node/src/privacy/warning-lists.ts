import { SubstringAutomaton } from "./substring-automaton.js";
import type { IndicatorType } from "../model/indicator.js";
import { addressBits } from "../model/normalize.js";

/**
 * Warning lists: values every member knows to be benign, or well-known infrastructure, that a
 * shared indicator would only turn into false positives at the others. The MISP warning lists
 * (data/misp/warninglists, CC0) are bundled and a partner adds its own; each list is of one kind
 * (cidr, string, hostname, substring, regex) and applies to the MISP attribute types it names.
 *
 * What a hit does is the consortium's policy, per list (`LIST_ACTIONS`):
 * - refuse: never worth sharing (empty-file hashes, public resolvers, reserved ranges, sinkholes,
 *   scanners, CA fingerprints, known false positives);
 * - warn: known infrastructure that attackers use too (cloud and CDN ranges, dynamic DNS, URL
 *   shorteners, disposable mail): the indicator goes, and its outcome names the list.
 * A hostname list refuses the host itself only: a subdomain of a top site, a dynamic DNS provider
 * or a URL shortener is exactly where attackers host, so it is a warning.
 *
 * Compiled once; `check` is pure and does no I/O (node/bench/match.bench.ts measures it).
 */

export type WarningListType = "cidr" | "string" | "hostname" | "substring" | "regex";
export type WarningAction = "refuse" | "warn";

/** One list as MISP writes it (`list.json`), with the name of its folder. */
export interface WarningListSource {
  id: string;
  name: string;
  type: WarningListType;
  list: string[];
  matching_attributes?: string[];
  /** What a hit does; the bundled policy (or "refuse" for a partner's own list) when absent. */
  action?: WarningAction;
}

export interface WarningHit {
  list: string;
  name: string;
  action: WarningAction;
  /** The entry of the list that matched. */
  entry: string;
}

/** The policy for the bundled lists: the ones not named refuse. */
export const LIST_ACTIONS: Readonly<Record<string, WarningAction>> = {
  // Documentation ranges and names (RFC 5735's TEST-NETs, RFC 3849, RFC 6761's example and
  // test): they name nobody's assets, and exercises and tests share them on purpose. The
  // non-routable parts of RFC 5735 are dropped before any list is read (privacy/scrubber.ts).
  rfc5735: "warn",
  rfc3849: "warn",
  rfc6761: "warn",
  akamai: "warn",
  "amazon-aws": "warn",
  cloudflare: "warn",
  fastly: "warn",
  "google-gcp": "warn",
  "microsoft-azure": "warn",
  "dynamic-dns": "warn",
  "url-shortener": "warn",
  "disposable-email": "warn",
  tranco10k: "warn",
};

/** The MISP attribute types an indicator of the exchange is, for the lists' `matching_attributes`. */
export const MISP_TYPES_OF: Readonly<Record<IndicatorType, readonly string[]>> = {
  ipv4: ["ip-src", "ip-dst", "ip-src|port", "ip-dst|port"],
  ipv6: ["ip-src", "ip-dst", "ip-src|port", "ip-dst|port"],
  cidr: ["ip-src", "ip-dst"],
  domain: ["domain", "hostname", "domain|ip"],
  url: ["url", "uri"],
  email: ["email", "email-src", "email-dst", "target-email", "whois-registrant-email", "dns-soa-email"],
  md5: ["md5", "filename|md5"],
  sha1: ["sha1", "filename|sha1"],
  sha256: ["sha256", "filename|sha256"],
  sha512: ["sha512", "filename|sha512"],
  ssdeep: ["ssdeep", "filename|ssdeep"],
  tlsh: ["tlsh", "filename|tlsh"],
  ja3: ["ja3-fingerprint-md5"],
  ja3s: ["ja3s-fingerprint-md5"],
  ja4: ["ja4-fingerprint"],
  asn: ["AS"],
  "user-agent": ["user-agent"],
  filename: ["filename", "email-attachment"],
  mutex: ["mutex"],
  "registry-key": ["regkey", "regkey|value"],
  cve: ["vulnerability"],
  "x509-md5": ["x509-fingerprint-md5"],
  "x509-sha1": ["x509-fingerprint-sha1"],
  "x509-sha256": ["x509-fingerprint-sha256"],
};

export class WarningListError extends Error {
  override readonly name = "WarningListError";
}

interface Compiled {
  id: string;
  name: string;
  type: WarningListType;
  action: WarningAction;
  attributes: ReadonlySet<string>;
  strings?: Set<string>;
  substrings?: string[];
  regexes?: RegExp[];
}

/** Disjoint address segments, each with the cidr lists (by index) that cover it; sorted. */
interface SegmentIndex {
  starts: Array<number | bigint>;
  ends: Array<number | bigint>;
  lists: number[][];
}

/** A PCRE-style "/pattern/flags" entry as a RegExp, or undefined if JavaScript cannot read it. */
function regexOf(entry: string): RegExp | undefined {
  const match = /^\/(.*)\/([a-z]*)$/s.exec(entry);
  try {
    return match ? new RegExp(match[1]!, match[2]!.replace(/[^imsu]/g, "")) : new RegExp(entry);
  } catch {
    return undefined;
  }
}

/** An entry of a cidr list as a range of addresses (numbers for IPv4, bigints for IPv6), or undefined if it is not one. */
function rangeOf(entry: string): { version: 4; start: number; end: number } | { version: 6; start: bigint; end: bigint } | undefined {
  const [address, prefixText] = entry.trim().split("/");
  const width = address?.includes(":") ? 128 : 32;
  const prefix = prefixText === undefined ? width : Number(prefixText);
  if (!address || !Number.isInteger(prefix) || prefix < 0 || prefix > width) return undefined;
  if (width === 32) {
    const v4 = ipv4Number(address);
    if (v4 === undefined) return undefined;
    const size = 2 ** (32 - prefix);
    const start = Math.floor(v4 / size) * size;
    return { version: 4, start, end: start + size - 1 };
  }
  const bits = addressBits(address);
  if (!bits || bits.version !== 6) return undefined;
  const host = BigInt(128 - prefix);
  const start = (bits.bits >> host) << host;
  return { version: 6, start, end: start + (1n << host) - 1n };
}

/** Builds disjoint segments from overlapping ranges (a sweep over their boundaries). */
function segmentsOf<T extends number | bigint>(ranges: Array<{ start: T; end: T; list: number }>, next: (x: T) => T): SegmentIndex {
  const boundaries: Array<{ at: T; list: number; open: boolean }> = [];
  for (const r of ranges) boundaries.push({ at: r.start, list: r.list, open: true }, { at: next(r.end), list: r.list, open: false });
  boundaries.sort((a, b) => (a.at < b.at ? -1 : a.at > b.at ? 1 : 0));
  const index: SegmentIndex = { starts: [], ends: [], lists: [] };
  const active = new Map<number, number>();
  const shared = new Map<string, number[]>();
  for (let i = 0; i < boundaries.length; ) {
    const at = boundaries[i]!.at;
    // Every boundary at this point, then the segment up to the next one.
    for (; i < boundaries.length && boundaries[i]!.at === at; i++) {
      const { list, open } = boundaries[i]!;
      const n = (active.get(list) ?? 0) + (open ? 1 : -1);
      if (n === 0) active.delete(list);
      else active.set(list, n);
    }
    if (active.size === 0 || i === boundaries.length) continue;
    const lists = [...active.keys()].sort((a, b) => a - b);
    const key = lists.join(",");
    if (!shared.has(key)) shared.set(key, lists);
    const end = boundaries[i]!.at;
    index.starts.push(at);
    index.ends.push((typeof end === "bigint" ? end - 1n : (end as number) - 1) as T);
    index.lists.push(shared.get(key)!);
  }
  return index;
}

/** The cidr lists covering `address` (a number for IPv4, a bigint for IPv6), by binary search. */
function covering(index: SegmentIndex, address: number | bigint): number[] {
  let low = 0;
  let high = index.starts.length - 1;
  while (low <= high) {
    const mid = (low + high) >>> 1;
    if (address < index.starts[mid]!) high = mid - 1;
    else if (address > index.ends[mid]!) low = mid + 1;
    else return index.lists[mid]!;
  }
  return [];
}

const IPV4 = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/;

/** An IPv4 address as a 32-bit number, quickly (values here are already normalized). */
function ipv4Number(value: string): number | undefined {
  const m = IPV4.exec(value);
  return m ? ((Number(m[1]) << 24) >>> 0) + (Number(m[2]) << 16) + (Number(m[3]) << 8) + Number(m[4]) : undefined;
}

/** "b.c" of "a.b.c", or undefined for a name of one label. */
function lastTwoLabels(name: string): string | undefined {
  const last = name.lastIndexOf(".");
  if (last <= 0) return undefined;
  const before = name.lastIndexOf(".", last - 1);
  return before < 0 ? name : name.slice(before + 1);
}

export class WarningLists {
  private readonly compiled: Compiled[] = [];
  private readonly v4: SegmentIndex;
  private readonly v6: SegmentIndex;
  /** Lists (by index) that apply to each indicator type. */
  private readonly forType = new Map<IndicatorType, number[]>();
  /** Whether list i applies to a type: forTypeFlags.get(type)[i]. */
  private readonly forTypeFlags = new Map<IndicatorType, Uint8Array>();
  /** Every string list's entries, and every hostname list's, in one map each: entry -> lists (by index). */
  private readonly stringIndex = new Map<string, number[]>();
  private readonly hostIndex = new Map<string, number[]>();
  /**
   * The last two labels of every hostname entry: a name whose own last two are not among them
   * can be on no hostname list, nor can any of its parents, so most names cost one lookup here
   * instead of one per label (node/bench/match.bench.ts). Unused when an entry has one label.
   */
  private readonly hostSuffixes = new Set<string>();
  private singleLabelHost = false;
  /**
   * Every substring list's entries in one automaton (the list's index as the id), read once per
   * value. One for all types: one per type was measured no faster (the cost is per character,
   * not the automaton's size) and held the disposable mail list twice.
   */
  private readonly substrings: SubstringAutomaton;
  /** Whether any substring list applies to a type. */
  private readonly substringTypes = new Set<IndicatorType>();
  /** The regex lists (by index): tried one by one. */
  private readonly scanned: number[] = [];
  /** Entries of cidr lists that are not addresses, and regexes JavaScript cannot read, named at load. */
  readonly unreadable: Array<{ list: string; entry: string }> = [];

  constructor(sources: readonly WarningListSource[]) {
    const ranges4: Array<{ start: number; end: number; list: number }> = [];
    const ranges6: Array<{ start: bigint; end: bigint; list: number }> = [];
    sources.forEach((source, index) => {
      const action = source.action ?? LIST_ACTIONS[source.id] ?? "refuse";
      const compiled: Compiled = { id: source.id, name: source.name, type: source.type, action, attributes: new Set(source.matching_attributes ?? []) };
      const entries = source.list.map((e) => e.trim()).filter((e) => e !== "");
      switch (source.type) {
        case "string":
          compiled.strings = new Set(entries.map((e) => e.toLowerCase()));
          break;
        case "hostname":
          compiled.strings = new Set(entries.map((e) => e.toLowerCase().replace(/^\*?\.+|\.+$/g, "")).filter((e) => e !== ""));
          break;
        case "substring":
          compiled.substrings = entries.map((e) => e.toLowerCase());
          break;
        case "regex":
          compiled.regexes = entries.flatMap((e) => {
            const re = regexOf(e);
            if (!re) this.unreadable.push({ list: source.id, entry: e });
            return re ? [re] : [];
          });
          break;
        case "cidr":
          for (const entry of entries) {
            const range = rangeOf(entry);
            if (!range) this.unreadable.push({ list: source.id, entry });
            else if (range.version === 4) ranges4.push({ start: range.start, end: range.end, list: index });
            else ranges6.push({ start: range.start, end: range.end, list: index });
          }
          break;
        default:
          throw new WarningListError(`warning list ${source.id}: unknown type ${String(source.type)}`);
      }
      this.compiled.push(compiled);
    });
    this.v4 = segmentsOf(ranges4, (x) => x + 1);
    this.v6 = segmentsOf(ranges6, (x) => x + 1n);
    for (const type of Object.keys(MISP_TYPES_OF) as IndicatorType[]) {
      const types = MISP_TYPES_OF[type];
      // A list that names no attribute types applies to every type its kind can read.
      const applies = this.compiled.flatMap((c, i) => (c.attributes.size === 0 || types.some((t) => c.attributes.has(t)) ? [i] : []));
      this.forType.set(type, applies);
      const flags = new Uint8Array(this.compiled.length);
      for (const i of applies) flags[i] = 1;
      this.forTypeFlags.set(type, flags);
    }
    this.substrings = new SubstringAutomaton(this.compiled.flatMap((c, i) => (c.substrings ?? []).map((pattern) => ({ id: i, pattern }))));
    for (const [type, flags] of this.forTypeFlags) if (this.compiled.some((c, i) => c.type === "substring" && flags[i] === 1)) this.substringTypes.add(type);
    this.compiled.forEach((c, i) => {
      const index = c.type === "string" ? this.stringIndex : c.type === "hostname" ? this.hostIndex : undefined;
      if (!index) {
        if (c.type === "regex") this.scanned.push(i);
        return;
      }
      for (const entry of c.strings!) {
        const lists = index.get(entry);
        if (lists) lists.push(i);
        else index.set(entry, [i]);
        if (index === this.hostIndex) {
          const suffix = lastTwoLabels(entry);
          if (suffix === undefined) this.singleLabelHost = true;
          else this.hostSuffixes.add(suffix);
        }
      }
    });
  }

  /** How many lists, and how many entries in all. */
  get size(): { lists: number; entries: number } {
    return { lists: this.compiled.length, entries: this.compiled.reduce((n, c) => n + (c.strings?.size ?? 0) + (c.regexes?.length ?? 0), 0) + this.v4.starts.length + this.v6.starts.length };
  }

  /**
   * The lists an indicator's value is on, refusals first. `host` is the host of a URL or the
   * domain of an e-mail address, which hostname and cidr lists read instead of the value.
   */
  check(type: IndicatorType, value: string, host?: string): WarningHit[] {
    if ((this.forType.get(type) ?? []).length === 0) return [];
    const hits: WarningHit[] = [];
    const lower = value.toLowerCase();
    const hostname = (host ?? (type === "domain" ? lower : undefined))?.toLowerCase();
    const address = type === "ipv4" || type === "ipv6" ? lower : host !== undefined && (ipv4Number(host) !== undefined || host.includes(":")) ? host : undefined;
    let cidrLists: readonly number[] | undefined;
    if (address !== undefined) {
      const v4 = ipv4Number(address);
      if (v4 !== undefined) cidrLists = covering(this.v4, v4);
      else {
        const bits = addressBits(address);
        if (bits) cidrLists = covering(bits.version === 4 ? this.v4 : this.v6, bits.version === 4 ? Number(bits.bits) : bits.bits);
      }
    } else if (type === "cidr") cidrLists = this.cidrContaining(value);
    // One lookup per value in the merged maps, then only the lists that can be scanned one by one;
    // no closure made per list (it cost more than the lookups; node/bench/match.bench.ts).
    const flags = this.forTypeFlags.get(type)!;
    const exact = this.stringIndex.get(lower);
    if (exact) for (const i of exact) this.hit(hits, flags, i, lower, this.compiled[i]!.action);
    if (hostname !== undefined) {
      const byHost = hostname !== lower ? this.stringIndex.get(hostname) : undefined;
      if (byHost) for (const i of byHost) this.hit(hits, flags, i, hostname, this.compiled[i]!.action);
      const suffix = this.singleLabelHost ? undefined : lastTwoLabels(hostname);
      if (this.singleLabelHost || (suffix !== undefined && this.hostSuffixes.has(suffix))) {
        const host = this.hostIndex.get(hostname);
        if (host) for (const i of host) this.hit(hits, flags, i, hostname, this.compiled[i]!.action);
        // A subdomain of a listed host: where attackers host, so a warning whatever the list.
        for (let dot = hostname.indexOf("."); dot >= 0; dot = hostname.indexOf(".", dot + 1)) {
          const parent = hostname.slice(dot + 1);
          const lists = this.hostIndex.get(parent);
          if (lists) for (const i of lists) this.hit(hits, flags, i, parent, "warn");
        }
      }
    }
    if (cidrLists) for (const i of cidrLists) this.hit(hits, flags, i, type === "cidr" ? value : (address ?? value), this.compiled[i]!.action);
    if (this.substringTypes.has(type)) this.substrings.scan(lower, (i, pattern) => this.hit(hits, flags, i, pattern, this.compiled[i]!.action));
    for (const i of this.scanned) {
      if (flags[i] !== 1) continue;
      for (const re of this.compiled[i]!.regexes!) {
        if (!re.test(value)) continue;
        this.hit(hits, flags, i, String(re), this.compiled[i]!.action);
        break;
      }
    }
    return hits.length > 1 ? hits.sort((a, b) => (a.action === b.action ? 0 : a.action === "refuse" ? -1 : 1)) : hits;
  }

  /** Adds a hit of list `i` if it applies to the value's type and has none yet. */
  private hit(hits: WarningHit[], flags: Uint8Array, i: number, entry: string, action: WarningAction): void {
    if (flags[i] !== 1) return;
    const c = this.compiled[i]!;
    for (const h of hits) if (h.list === c.id) return;
    hits.push({ list: c.id, name: c.name, action, entry });
  }

  /** The cidr lists whose one range holds the whole of `cidr`. */
  private cidrContaining(cidr: string): number[] {
    const range = rangeOf(cidr);
    if (!range) return [];
    const index = range.version === 4 ? this.v4 : this.v6;
    const first = covering(index, range.start);
    return covering(index, range.end).filter((l) => first.includes(l));
  }
}
