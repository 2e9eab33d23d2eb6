import { addressBits, cidrBits, maskBits } from "../../model/normalize.js";
import type { EnforcementEntry } from "../../model/response.js";

/**
 * An nftables ruleset of the feed's addresses and networks, for `nft -f`: one table of the
 * node's own (`inet cti_exchange`), replaced as a whole in one transaction (the file creates the
 * table, deletes it and defines it again, which nft applies atomically: no moment without the
 * rules, never half a set). Two sets, IPv4 and IPv6, typed as intervals with timeouts: each
 * element expires in the kernel when the indicator's validity (or the request's expiry) runs out,
 * even if the file is not loaded again. Chains drop traffic from a listed address (input,
 * forward) and to one (forward, output), before the host's own filter chains (priority -10).
 *
 * The kernel refuses overlapping intervals, so an address or network inside another listed
 * network is left out (the outer one drops it already), keeping the later of their expiries.
 */
export interface NftablesOptions {
  now: number;
  table: string;
}

export const DEFAULT_NFT_TABLE = "cti_exchange";

interface Interval {
  first: bigint;
  last: bigint;
  text: string;
  expiresAt: number;
}

function intervalOf(entry: EnforcementEntry): (Interval & { version: 4 | 6 }) | undefined {
  if (entry.type === "cidr") {
    const bits = cidrBits(entry.value);
    if (!bits) return undefined;
    const width = bits.version === 4 ? 32 : 128;
    const first = maskBits(bits, bits.prefix);
    return { version: bits.version, first, last: first | ((1n << BigInt(width - bits.prefix)) - 1n), text: entry.value, expiresAt: entry.expiresAt };
  }
  const bits = addressBits(entry.value);
  return bits ? { version: bits.version, first: bits.bits, last: bits.bits, text: entry.value, expiresAt: entry.expiresAt } : undefined;
}

/** Networks nest or are apart: after sorting by start (widest first), each one inside the last kept is dropped. */
function outermost(intervals: Interval[]): Interval[] {
  intervals.sort((a, b) => (a.first < b.first ? -1 : a.first > b.first ? 1 : a.last > b.last ? -1 : a.last < b.last ? 1 : 0));
  const kept: Interval[] = [];
  for (const interval of intervals) {
    const last = kept.at(-1);
    if (last && interval.last <= last.last) {
      if (interval.expiresAt > last.expiresAt) last.expiresAt = interval.expiresAt;
      continue;
    }
    kept.push({ ...interval });
  }
  return kept;
}

function setBlock(name: string, type: string, intervals: Interval[], now: number): string {
  const head = `  set ${name} {\n    type ${type}\n    flags interval, timeout\n`;
  if (intervals.length === 0) return `${head}  }\n`;
  const elements = intervals.map((i) => `${i.text} timeout ${Math.max(1, Math.ceil((i.expiresAt - now) / 1000))}s`);
  return `${head}    elements = {\n      ${elements.join(",\n      ")}\n    }\n  }\n`;
}

export function nftablesRuleset(entries: Iterable<EnforcementEntry>, options: NftablesOptions): { ruleset: string; elements: number } {
  const v4: Interval[] = [];
  const v6: Interval[] = [];
  for (const entry of entries) {
    if (entry.expiresAt <= options.now) continue;
    const interval = intervalOf(entry);
    if (interval) (interval.version === 4 ? v4 : v6).push(interval);
  }
  const ipv4 = outermost(v4);
  const ipv6 = outermost(v6);
  const table = `inet ${options.table}`;
  const chain = (name: string, hook: string, rules: string[]) => `  chain ${name} {\n    type filter hook ${hook} priority -10; policy accept;\n${rules.map((r) => `    ${r}\n`).join("")}  }\n`;
  const ruleset = [
    "#!/usr/sbin/nft -f",
    "# Written by the CTI exchange node; rewritten atomically whenever its response feed changes. Do not edit.",
    "# Load with: nft -f <this file> (replaces the table in one transaction).",
    `table ${table}`,
    `delete table ${table}`,
    `table ${table} {`,
    setBlock("blocked_ipv4", "ipv4_addr", ipv4, options.now) +
      setBlock("blocked_ipv6", "ipv6_addr", ipv6, options.now) +
      chain("input", "input", ["ip saddr @blocked_ipv4 counter drop", "ip6 saddr @blocked_ipv6 counter drop"]) +
      chain("forward", "forward", ["ip saddr @blocked_ipv4 counter drop", "ip daddr @blocked_ipv4 counter drop", "ip6 saddr @blocked_ipv6 counter drop", "ip6 daddr @blocked_ipv6 counter drop"]) +
      chain("output", "output", ["ip daddr @blocked_ipv4 counter drop", "ip6 daddr @blocked_ipv6 counter drop"]) +
      "}",
    "",
  ].join("\n");
  return { ruleset, elements: ipv4.length + ipv6.length };
}
