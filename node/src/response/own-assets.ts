/**
 * The partner's own assets (its address ranges and domains), which no enforcement feed may ever
 * block, whatever a partner or a score says: blocking one's own mail server because a partner
 * listed it is the outage a response feed must never cause. A value is an own asset when it
 * overlaps one at all: an address inside an own range, a range holding or inside one, a domain
 * equal to or below an own domain. Pure.
 */
import { cidrBits, maskBits, normalizeDomainName, type AddressBits } from "../model/normalize.js";
import type { IndicatorType } from "../model/indicator.js";

export class OwnAssetError extends Error {
  override readonly name = "OwnAssetError";
}

interface Range {
  version: 4 | 6;
  first: bigint;
  last: bigint;
}

function rangeOfBits(bits: AddressBits, prefix: number): Range {
  const width = bits.version === 4 ? 32 : 128;
  const first = maskBits(bits, prefix);
  return { version: bits.version, first, last: first | ((1n << BigInt(width - prefix)) - 1n) };
}

function rangeOf(value: string): Range | undefined {
  const withPrefix = value.includes("/") ? value : `${value}/${value.includes(":") ? 128 : 32}`;
  const bits = cidrBits(withPrefix);
  if (!bits || !Number.isInteger(bits.prefix) || bits.prefix < 0 || bits.prefix > (bits.version === 4 ? 32 : 128)) return undefined;
  return rangeOfBits(bits, bits.prefix);
}

export class OwnAssets {
  private readonly ranges: Range[];
  private readonly domains: Set<string>;

  /** Throws OwnAssetError naming the first entry that is neither an address, a CIDR nor a domain. */
  constructor(assets: { cidrs?: readonly string[]; domains?: readonly string[] }) {
    this.ranges = (assets.cidrs ?? []).map((cidr) => {
      const range = rangeOf(cidr.trim());
      if (!range) throw new OwnAssetError(`own asset "${cidr}" is not an IP address or CIDR`);
      return range;
    });
    this.domains = new Set(
      (assets.domains ?? []).map((domain) => {
        const name = normalizeDomainName(domain.trim());
        if (!name) throw new OwnAssetError(`own asset "${domain}" is not a domain name`);
        return name;
      }),
    );
  }

  get size(): number {
    return this.ranges.length + this.domains.size;
  }

  /** Whether acting on this value could touch an own asset. */
  covers(type: IndicatorType, value: string): boolean {
    if (this.size === 0) return false;
    switch (type) {
      case "ipv4":
      case "ipv6":
      case "cidr": {
        const range = rangeOf(value);
        return range !== undefined && this.ranges.some((own) => own.version === range.version && own.first <= range.last && range.first <= own.last);
      }
      case "domain":
        return this.coversDomain(value);
      case "url": {
        const host = hostOfUrl(value);
        return host !== undefined && (this.coversDomain(host) || (/^[\d.]+$|:/.test(host) && this.covers(host.includes(":") ? "ipv6" : "ipv4", host.replace(/^\[|\]$/g, ""))));
      }
      default:
        return false;
    }
  }

  private coversDomain(name: string): boolean {
    for (let at = 0; at !== -1; at = name.indexOf(".", at + 1)) {
      if (this.domains.has(at === 0 ? name : name.slice(at + 1))) return true;
    }
    return false;
  }
}

export function hostOfUrl(url: string): string | undefined {
  try {
    return new URL(url).hostname.toLowerCase() || undefined;
  } catch {
    return undefined;
  }
}
