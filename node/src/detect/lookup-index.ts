/**
 * detect/ owns what feeds the partner's detectors: the in-memory lookup index and matcher, the
 * export formats detectors read (Zeek Intel, Suricata datasets, CSV, plain lists) with their
 * atomic writer, and the log matcher that follows detector logs and turns matches into alerts
 * and sightings.
 */
import { INDICATOR_TYPES, type IndicatorType } from "../model/indicator.js";
import { FingerprintSet } from "./fingerprint-set.js";
import { indicatorId } from "../model/indicator-id.js";
import { addressBits, cidrBits, maskBits, normalizeDomainName, normalizeValue, type AddressBits } from "../model/normalize.js";
import type { IndicatorRecord } from "../model/record.js";
import { blindValue } from "../privacy/blinding.js";
import type { LookupSnapshot } from "./lookup-snapshot.js";
import type { BlindingKeyEntry } from "../store/blinding-key-repository.js";

/** Why an observed value matched an indicator. */
export type MatchReason = "exact" | "cidr" | "domain-suffix" | "url-host" | "email-domain" | "blinded";

export interface IndexMatch {
  id: string;
  reason: MatchReason;
  /** The indicator's type and value (the HMAC for a blinded one). */
  type: IndicatorType;
  value: string;
}

interface Candidate {
  type: IndicatorType;
  value: string;
  reason: MatchReason;
}

/** What a run of hex digits of each length can be: a hash of a file, a TLS fingerprint, a certificate's hash. */
const HEX_TYPES: Readonly<Record<number, readonly IndicatorType[]>> = {
  32: ["md5", "ja3", "ja3s", "x509-md5"],
  40: ["sha1", "x509-sha1"],
  64: ["sha256", "x509-sha256"],
  128: ["sha512"],
};
/** Certificate fingerprints written as colon-separated pairs, by their number of bytes. */
const COLON_HEX_TYPES: Readonly<Record<number, IndicatorType>> = { 16: "x509-md5", 20: "x509-sha1", 32: "x509-sha256" };
const TYPE_CODE = Object.fromEntries(INDICATOR_TYPES.map((type, i) => [type, i])) as Record<IndicatorType, number>;

/**
 * What an observed value could be an instance of, normalized: an address (and the CIDRs that
 * may hold it), a domain and its parents, a URL and its host, an e-mail and its domain, a hash,
 * a fingerprint, an AS number, a CVE, a registry key. Classifies by shape first, so that a
 * line-rate matcher normalizes each value once. A value whose field says what it is (`types`, a
 * user agent, a file name) is tried as those types only: a file name has no shape of its own.
 */
export function candidatesOf(raw: string, types?: readonly IndicatorType[]): { candidates: Candidate[]; address: AddressBits | undefined } {
  const value = raw.trim();
  const out: Candidate[] = [];
  const tryType = (type: IndicatorType, text: string, reason: MatchReason): string | undefined => {
    try {
      const normalized = normalizeValue(type, text);
      out.push({ type, value: normalized, reason });
      return normalized;
    } catch {
      return undefined;
    }
  };
  const addDomain = (domain: string, first: MatchReason) => {
    const labels = domain.split(".");
    out.push({ type: "domain", value: domain, reason: first });
    // A subdomain matches an indicator for any of its parents (two labels at least).
    for (let i = 1; i <= labels.length - 2; i++) out.push({ type: "domain", value: labels.slice(i).join("."), reason: "domain-suffix" });
  };
  let address: AddressBits | undefined;
  if (types !== undefined) {
    for (const type of types) tryType(type, value, "exact");
    return { candidates: out, address };
  }
  const hex = /^[0-9a-fA-F]+$/.test(value) ? HEX_TYPES[value.length] : undefined;
  const colonHex = hex === undefined && /^[0-9a-fA-F]{2}(:[0-9a-fA-F]{2}){15,31}$/.test(value) ? COLON_HEX_TYPES[(value.length + 1) / 3] : undefined;
  if (hex) {
    for (const type of hex) tryType(type, value, "exact");
  } else if (colonHex) {
    tryType(colonHex, value, "exact");
  } else if (/^(T1)?[0-9A-Fa-f]{70}$/.test(value)) {
    tryType("tlsh", value, "exact");
  } else if (/^\d{1,10}:[A-Za-z0-9/+]+:[A-Za-z0-9/+]+$/.test(value)) {
    tryType("ssdeep", value, "exact");
  } else if (/^[tqd][0-9a-z]{2}[di]\d{4}[0-9a-z]{2}_[0-9a-f]{12}_[0-9a-f]{12}$/i.test(value)) {
    tryType("ja4", value, "exact");
  } else if (/^CVE-\d{4}-\d+$/i.test(value)) {
    tryType("cve", value, "exact");
  } else if (/^AS\s?\d+$/i.test(value)) {
    tryType("asn", value, "exact");
  } else if (/^HK(EY_[A-Z_]+|LM|CU|CR|U|CC|PD)\\/i.test(value)) {
    tryType("registry-key", value, "exact");
  } else if (/^[a-z][a-z0-9+.-]*:\/\//i.test(value) || /^hxxps?:/i.test(value)) {
    const url = tryType("url", value, "exact");
    if (url) {
      const host = new URL(url).hostname.replace(/^\[|\]$/g, "");
      address = addressBits(host);
      if (address) out.push({ type: address.version === 4 ? "ipv4" : "ipv6", value: host, reason: "url-host" });
      else addDomain(host, "url-host");
    }
  } else if (value.includes("@")) {
    const email = tryType("email", value, "exact");
    if (email) addDomain(email.slice(email.lastIndexOf("@") + 1), "email-domain");
  } else if (/^[\d.[\]()]+$/.test(value)) {
    // Only digits and dots (maybe defanged): an IPv4 address or nothing.
    const v4 = tryType("ipv4", value, "exact");
    if (v4) address = addressBits(v4);
  } else if (value.includes(":")) {
    const v6 = tryType("ipv6", value, "exact");
    if (v6) address = addressBits(v6);
  } else {
    const domain = normalizeDomainName(value.replace(/\[\.\]|\(\.\)/g, "."));
    if (domain) addDomain(domain, "exact");
  }
  return { candidates: out, address };
}

/**
 * Every indicator the node holds, in memory, keyed for matching: exact values by type and value,
 * CIDRs by (version, prefix length, network), blinded entries by type and HMAC. Built from the
 * store at start and kept in step with its writes and prunes. Holds fingerprints only (see
 * fingerprint-set.ts): an indicator's id follows from its type and value (model/indicator-id.ts)
 * and is computed on a match, and the record is read from the store, which confirms the match.
 * Measured for a million indicators: 263 MB with ids and values in Maps, 180 MB with values in
 * Sets, 74 MB with fingerprints (a quarter of them CIDRs, still in Maps) (node/bench/match.bench.ts).
 */
export class LookupIndex {
  private exact = new FingerprintSet(1 << 16);
  private blinded = new FingerprintSet(1 << 10);
  /** version -> prefix length -> network -> the CIDR as written. */
  private readonly cidrs = new Map<4 | 6, Map<number, Map<bigint, string>>>([
    [4, new Map()],
    [6, new Map()],
  ]);

  get size(): number {
    let n = this.exact.size + this.blinded.size;
    for (const byPrefix of this.cidrs.values()) for (const networks of byPrefix.values()) n += networks.size;
    return n;
  }

  /** Everything the index holds, to be saved (detect/lookup-snapshot.ts). */
  snapshot(token: string): LookupSnapshot {
    const cidrs: string[] = [];
    for (const byPrefix of this.cidrs.values()) for (const networks of byPrefix.values()) cidrs.push(...networks.values());
    return { token, exact: this.exact.state(), blinded: this.blinded.state(), cidrs };
  }

  /** Replaces what the index holds with a saved snapshot. */
  restore(snapshot: LookupSnapshot): void {
    this.exact = new FingerprintSet(0, snapshot.exact);
    this.blinded = new FingerprintSet(0, snapshot.blinded);
    for (const byPrefix of this.cidrs.values()) byPrefix.clear();
    for (const value of snapshot.cidrs) this.update({ type: "cidr", value, blinded: false }, true);
  }

  add(record: Pick<IndicatorRecord, "id" | "type" | "value" | "blinded">): void {
    this.update(record, true);
  }

  remove(record: Pick<IndicatorRecord, "id" | "type" | "value" | "blinded">): void {
    this.update(record, false);
  }

  private update(record: Pick<IndicatorRecord, "type" | "value" | "blinded">, present: boolean): void {
    const type = TYPE_CODE[record.type];
    if (record.blinded) {
      if (present) this.blinded.add(type, record.value);
      else this.blinded.delete(type, record.value);
      return;
    }
    if (record.type === "cidr") {
      const network = cidrBits(record.value);
      if (!network) return;
      const byPrefix = this.cidrs.get(network.version)!;
      let networks = byPrefix.get(network.prefix);
      if (!networks) byPrefix.set(network.prefix, (networks = new Map()));
      if (present) networks.set(network.bits, record.value);
      else {
        networks.delete(network.bits);
        if (networks.size === 0) byPrefix.delete(network.prefix);
      }
      return;
    }
    if (present) this.exact.add(type, record.value);
    else this.exact.delete(type, record.value);
  }

  /** Whether a normalized value is held as an exact indicator of its type (the detectors' hot path). */
  has(type: IndicatorType, normalizedValue: string): boolean {
    return this.exact.has(TYPE_CODE[type], normalizedValue);
  }

  /** Every indicator an observed value matches, and why; blinded ones under the keys given; as `types` only when its field says what it is. */
  match(raw: string, keyRing: readonly BlindingKeyEntry[] = [], types?: readonly IndicatorType[]): IndexMatch[] {
    const { candidates, address } = candidatesOf(raw, types);
    const found: IndexMatch[] = [];
    const seen = new Set<string>();
    const push = (held: boolean, match: Omit<IndexMatch, "id">, blinded = false) => {
      if (!held) return;
      const id = indicatorId(match.type, match.value, blinded);
      if (!seen.has(id)) {
        seen.add(id);
        found.push({ id, ...match });
      }
    };
    for (const c of candidates) push(this.exact.has(TYPE_CODE[c.type], c.value), c);
    if (address) {
      // Most specific first: the longest prefix is the best explanation of a match.
      const byPrefix = this.cidrs.get(address.version)!;
      for (const prefix of [...byPrefix.keys()].sort((a, b) => b - a)) {
        const networks = byPrefix.get(prefix)!;
        const hit = networks.get(maskBits(address, prefix));
        if (hit !== undefined) push(true, { type: "cidr", value: hit, reason: "cidr" });
      }
    }
    if (this.blinded.size > 0) {
      for (const entry of keyRing) {
        for (const c of candidates) {
          const hmac = blindValue(entry.key, c.type, c.value);
          push(this.blinded.has(TYPE_CODE[c.type], hmac), { type: c.type, value: hmac, reason: "blinded" }, true);
        }
      }
    }
    return found;
  }
}
