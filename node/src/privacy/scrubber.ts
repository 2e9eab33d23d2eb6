import { BlockList, isIPv4, isIPv6 } from "node:net";
import type { Indicator } from "../model/indicator.js";
import type { WarningHit, WarningLists } from "./warning-lists.js";

/**
 * Scrubbing: what the node removes before an indicator leaves it. A partner shares what attacks
 * it, not what it is: its own addresses and domains, non-routable space, benign infrastructure
 * that would only cause false positives at others, and personal data in free text.
 */

export interface ScrubPolicy {
  /** Drop indicators in non-routable space (RFC 1918, RFC 4193, loopback, link-local, CGNAT, documentation, multicast). */
  dropNonRoutable: boolean;
  /** The partner's own address space (public or not), as CIDRs. */
  internalCidrs: string[];
  /** The partner's own domains: each one and every subdomain is dropped, and redacted from free text. */
  internalDomains: string[];
  /** Benign values never worth sharing (exact normalized values). */
  allowlistValues: string[];
  /** Benign domains: "example.com" matches that domain only, ".example.com" it and every subdomain. */
  allowlistDomains: string[];
  /** Redact personal data (emails, phone numbers, user names, internal host names) from descriptions and tags. */
  redactFreeText: boolean;
  /** Extra patterns (regular expressions) of the partner's internal host names, e.g. "ws-fin-\\d+". */
  internalHostPatterns: string[];
}

/**
 * The default policy: non-routable space dropped, free text redacted, nothing of the partner's own
 * named yet (its ranges and domains are its to add). Benign values are the MISP warning lists'
 * (privacy/warning-lists.ts, on by default), which replaced a hand-written allowlist of 27 values;
 * `allowlistValues` and `allowlistDomains` remain for a partner's own exact values and domains.
 */
export const DEFAULT_SCRUB_POLICY: ScrubPolicy = {
  dropNonRoutable: true,
  internalCidrs: [],
  internalDomains: [],
  allowlistValues: [],
  allowlistDomains: [],
  redactFreeText: true,
  internalHostPatterns: [],
};

const NON_ROUTABLE: SubnetEntry[] = [
  ["0.0.0.0", 8, "ipv4", "this network (RFC 1122)"],
  ["10.0.0.0", 8, "ipv4", "private (RFC 1918)"],
  ["100.64.0.0", 10, "ipv4", "carrier-grade NAT (RFC 6598)"],
  ["127.0.0.0", 8, "ipv4", "loopback"],
  ["169.254.0.0", 16, "ipv4", "link-local"],
  ["172.16.0.0", 12, "ipv4", "private (RFC 1918)"],
  ["192.0.0.0", 24, "ipv4", "IETF protocol assignments"],
  ["192.168.0.0", 16, "ipv4", "private (RFC 1918)"],
  ["198.18.0.0", 15, "ipv4", "benchmarking (RFC 2544)"],
  ["224.0.0.0", 4, "ipv4", "multicast"],
  ["240.0.0.0", 4, "ipv4", "reserved and broadcast"],
  ["::", 127, "ipv6", "unspecified and loopback"],
  ["fc00::", 7, "ipv6", "unique local (RFC 4193)"],
  ["fe80::", 10, "ipv6", "link-local"],
  ["ff00::", 8, "ipv6", "multicast"],
];

/**
 * Names for private use that never resolve on the Internet (RFC 6761, RFC 6762, RFC 8375, ICANN's
 * .internal) and common internal suffixes: a name under them is somebody's own network. The
 * documentation names (.example, .test) and address ranges (RFC 5737, RFC 3849) are not here:
 * they name nobody's assets, and exercises and tests share them on purpose.
 */
const RESERVED_SUFFIXES = ["local", "localhost", "internal", "intranet", "lan", "corp", "home.arpa"];

export type ScrubDropReason = "NON_ROUTABLE_ADDRESS" | "INTERNAL_ADDRESS" | "INTERNAL_DOMAIN" | "RESERVED_DOMAIN" | "ALLOWLISTED" | "WARNING_LIST";
export type RedactionRule = "EMAIL" | "PHONE" | "USER_NAME" | "INTERNAL_HOST" | "INTERNAL_ADDRESS";

export interface ScrubChange {
  /** An indicator's field ("description", "labels.tags", "labels.malwareFamilies"), or a STIX object's property path. */
  field: string;
  rule: RedactionRule;
  /** Occurrences replaced in text, or tags removed. */
  count: number;
}

export type ScrubResult =
  /** `warnings`: warning lists it is on whose hits do not refuse it (well-known infrastructure attackers use too). */
  | { kept: true; indicator: Indicator; changes: ScrubChange[]; warnings: WarningHit[] }
  | { kept: false; reason: ScrubDropReason; message: string; list?: string };

type SubnetEntry = [network: string, prefix: number, family: "ipv4" | "ipv6", label: string];

/** A list of ranges that names the range holding an address, or overlapping a CIDR. */
class Subnets {
  private readonly lists: Array<{ list: BlockList; network: string; label: string }>;

  constructor(entries: SubnetEntry[]) {
    this.lists = entries.map(([network, prefix, family, label]) => {
      const list = new BlockList();
      list.addSubnet(network, prefix, family);
      return { list, network, label: `${network}/${prefix} ${label}`.trim() };
    });
  }

  holding(address: string): string | undefined {
    return this.lists.find((l) => checkAddress(l.list, address))?.label;
  }

  /** Two ranges overlap exactly when one holds the other's first address. */
  overlapping([network, prefix, family]: SubnetEntry): string | undefined {
    const own = new BlockList();
    own.addSubnet(network, prefix, family);
    return this.holding(network) ?? this.lists.find((l) => checkAddress(own, l.network))?.label;
  }
}

function checkAddress(list: BlockList, address: string): boolean {
  if (isIPv4(address)) return list.check(address, "ipv4");
  if (isIPv6(address)) return list.check(address, "ipv6");
  return false;
}

function parseCidr(cidr: string): SubnetEntry {
  const [network, prefixText] = cidr.split("/");
  const family = isIPv4(network ?? "") ? "ipv4" : isIPv6(network ?? "") ? "ipv6" : undefined;
  const prefix = Number(prefixText ?? (family === "ipv4" ? 32 : 128));
  if (!family || !Number.isInteger(prefix) || prefix < 0 || prefix > (family === "ipv4" ? 32 : 128)) {
    throw new RangeError(`"${cidr}" is not a CIDR (such as 192.0.2.0/24 or 2001:db8::/32)`);
  }
  return [network!, prefix, family, ""];
}

function domainMatches(domain: string, entry: string): boolean {
  if (entry.startsWith(".")) return domain === entry.slice(1) || domain.endsWith(entry);
  return domain === entry;
}

function underSuffix(domain: string, suffix: string): boolean {
  return domain === suffix || domain.endsWith(`.${suffix}`);
}

/** The host part of a URL or e-mail indicator, or the domain of a domain indicator. */
function hostOf(indicator: Indicator): string | undefined {
  if (indicator.type === "domain") return indicator.value;
  if (indicator.type === "email") return indicator.value.slice(indicator.value.lastIndexOf("@") + 1);
  if (indicator.type === "url") {
    try {
      return new URL(indicator.value).hostname.replace(/^\[|\]$/g, "");
    } catch {
      return undefined;
    }
  }
  return undefined;
}

/** A scrubber compiled from a policy: the lists are parsed once, the checks are pure. */
export class Scrubber {
  private readonly nonRoutable = new Subnets(NON_ROUTABLE);
  private readonly internal: Subnets;
  private readonly allowlist: Set<string>;
  private readonly hostPatterns: RegExp[];
  /** Host names under the partner's domains (the domain itself included) or under a reserved suffix (a label before it required). */
  private readonly hostNames: RegExp[];

  constructor(
    readonly policy: ScrubPolicy = DEFAULT_SCRUB_POLICY,
    /** The warning lists values are checked against (none: only the policy's own lists). */
    readonly warningLists?: WarningLists,
  ) {
    this.internal = new Subnets(policy.internalCidrs.map(parseCidr));
    this.allowlist = new Set(policy.allowlistValues.map((v) => v.toLowerCase()));
    this.hostPatterns = policy.internalHostPatterns.map((p) => new RegExp(`\\b(?:${p})\\b`, "gi"));
    const escape = (suffix: string) => suffix.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
    const endOfName = "(?![\\p{L}\\p{N}-]|\\.[\\p{L}\\p{N}])";
    const names = (suffixes: string[], labels: "*" | "+") =>
      new RegExp(`(?<![\\p{L}\\p{N}.-])(?:[\\p{L}\\p{N}-]+\\.)${labels}(?:${suffixes.map(escape).join("|")})${endOfName}`, "giu");
    this.hostNames = [
      ...(policy.internalDomains.length > 0 ? [names(policy.internalDomains, "*")] : []),
      names(RESERVED_SUFFIXES, "+"),
    ];
  }

  /** Decides whether `indicator` may leave the node, and in what form. Pure. */
  scrub(indicator: Indicator): ScrubResult {
    const drop = this.dropReason(indicator);
    if (drop) return { kept: false, ...drop };
    const hits = this.warningLists && !indicator.blinded ? this.warningLists.check(indicator.type, indicator.value, hostOf(indicator)) : [];
    const refused = hits.find((h) => h.action === "refuse");
    if (refused) return { kept: false, reason: "WARNING_LIST", list: refused.list, message: `${indicator.value} is on the warning list "${refused.name}" (${refused.list}: ${refused.entry})` };
    const warnings = hits;
    if (!this.policy.redactFreeText) return { kept: true, indicator, changes: [], warnings };
    const changes: ScrubChange[] = [];
    const description = this.redact(indicator.description, changes);
    const tags = this.filterLabels(indicator.labels.tags, "labels.tags", changes);
    const malwareFamilies = this.filterLabels(indicator.labels.malwareFamilies, "labels.malwareFamilies", changes);
    if (changes.length === 0) return { kept: true, indicator, changes, warnings };
    return {
      kept: true,
      indicator: { ...indicator, description, labels: { ...indicator.labels, tags, malwareFamilies } },
      changes,
      warnings,
    };
  }

  private dropReason(indicator: Indicator): { reason: ScrubDropReason; message: string } | undefined {
    const { type, value } = indicator;
    if (this.allowlist.has(value)) return { reason: "ALLOWLISTED", message: `${value} is on the allowlist of benign values` };
    const address = type === "ipv4" || type === "ipv6" ? value : type === "url" ? hostOf(indicator) : undefined;
    const range = type === "cidr" ? parseCidr(value) : undefined;
    const check = (subnets: Subnets): string | undefined =>
      address ? subnets.holding(address) : range ? subnets.overlapping(range) : undefined;
    if (this.policy.dropNonRoutable) {
      const hit = check(this.nonRoutable);
      if (hit) return { reason: "NON_ROUTABLE_ADDRESS", message: `${value} is in ${hit} space` };
    }
    const internalHit = check(this.internal);
    if (internalHit) return { reason: "INTERNAL_ADDRESS", message: `${value} is in this partner's own range ${internalHit}` };
    const host = hostOf(indicator);
    if (host && !isIPv4(host) && !isIPv6(host)) {
      const own = this.policy.internalDomains.find((d) => underSuffix(host, d));
      if (own) return { reason: "INTERNAL_DOMAIN", message: `${host} is under this partner's own domain ${own}` };
      const reserved = RESERVED_SUFFIXES.find((s) => underSuffix(host, s));
      if (reserved) return { reason: "RESERVED_DOMAIN", message: `${host} is under .${reserved}, which never resolves on the Internet` };
      if (type === "domain" && this.policy.allowlistDomains.some((entry) => domainMatches(host, entry))) {
        return { reason: "ALLOWLISTED", message: `${host} is on the allowlist of benign domains` };
      }
    }
    return undefined;
  }

  /** Replaces personal data in free text, counting each rule's replacements into `changes`. */
  redact(text: string, changes: ScrubChange[], field: ScrubChange["field"] = "description"): string {
    if (text === "") return text;
    let out = text;
    /** Replaces each match of `pattern` by what `replace` returns; undefined keeps the match. */
    const apply = (rule: RedactionRule, pattern: RegExp, replace: (match: string, ...groups: string[]) => string | undefined) => {
      let count = 0;
      out = out.replace(pattern, (match: string, ...groups: string[]) => {
        const replacement = replace(match, ...groups);
        if (replacement === undefined) return match;
        count++;
        return replacement;
      });
      if (count === 0) return;
      const same = changes.find((c) => c.field === field && c.rule === rule);
      if (same) same.count += count;
      else changes.push({ field, rule, count });
    };
    const fixed = (placeholder: string) => () => placeholder;
    apply("EMAIL", /[\p{L}\p{N}._%+-]+@[\p{L}\p{N}-]+(?:\.[\p{L}\p{N}-]+)+/gu, fixed("[email]"));
    apply(
      "PHONE",
      /(?:\+|\b00)\d{1,3}[\s./-]?(?:\(\d{1,4}\)[\s./-]?)?\d{1,4}(?:[\s./-]?\d{2,4}){2,4}\b|\(\d{3}\)\s?\d{3}[\s.-]\d{4}\b|\b\d{3}[\s.-]\d{3}[\s.-]\d{4}\b/g,
      fixed("[phone]"),
    );
    apply("USER_NAME", /\b(user(?:name)?|login|account|uid)(\s*[:=]\s*)(?!\[)[\p{L}\p{N}._$-]+/giu, (_m, key, sep) => `${key}${sep}[user]`);
    apply("USER_NAME", /(\b[A-Za-z]:\\Users\\|\/home\/|\/Users\/)(?!\[)[^\\/\s]+/g, (_m, prefix) => `${prefix}[user]`);
    apply("USER_NAME", /\b[A-Z][A-Z0-9-]{1,14}\\(?!\[)[\p{L}\p{N}._$-]+/gu, fixed("[user]"));
    for (const pattern of this.hostNames) apply("INTERNAL_HOST", pattern, fixed("[internal-host]"));
    for (const pattern of this.hostPatterns) apply("INTERNAL_HOST", pattern, fixed("[internal-host]"));
    apply("INTERNAL_ADDRESS", /\b(?:\d{1,3}\.){3}\d{1,3}\b/g, (ip) => (this.isInternalAddress(ip) ? "[internal-address]" : undefined));
    return out;
  }

  private isInternalAddress(ip: string): boolean {
    return Boolean(this.nonRoutable.holding(ip) ?? this.internal.holding(ip));
  }

  /** Labels cannot hold placeholders, so a label carrying personal data is dropped whole. */
  private filterLabels(labels: string[], field: ScrubChange["field"], changes: ScrubChange[]): string[] {
    const kept: string[] = [];
    const removed = new Map<RedactionRule, number>();
    for (const label of labels) {
      const found: ScrubChange[] = [];
      this.redact(label, found, field);
      if (found.length === 0) kept.push(label);
      else removed.set(found[0]!.rule, (removed.get(found[0]!.rule) ?? 0) + 1);
    }
    for (const [rule, count] of removed) changes.push({ field, rule, count });
    return kept;
  }
}
