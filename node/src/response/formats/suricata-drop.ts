import type { EnforcementEntry } from "../../model/response.js";
import { SURICATA_SID_BASE, base64, lines, rule } from "../../detect/formats/suricata.js";

/**
 * Suricata drop rules for IPS mode (Suricata 7 or later, inline: NFQUEUE or AF_PACKET IPS),
 * in files of their own beside the detection rules (detect/formats/suricata.ts), with sids from
 * 9,910,001 on so that the two sets never collide:
 *
 * - `cti-drop-ipv4.lst` (dataset type ipv4) and `cti-drop-ip.lst` (type ip, IPv6 addresses):
 *   traffic to or from one is dropped;
 * - `cti-drop-domains.lst` (type string, base64): DNS queries for, HTTP requests to and TLS
 *   sessions named (SNI) after one are dropped;
 * - networks go into the address lists of plain rules, 500 per rule, from sid 9,911,001 on.
 *
 * A sinkhole cannot be done by dropping; it is dropped as a block here (RPZ sinkholes).
 */
export const DROP_SID_BASE = SURICATA_SID_BASE + 10_000;
const DROP_CIDR_SID_BASE = DROP_SID_BASE + 1000;

export function suricataDropFiles(entries: Iterable<EnforcementEntry>): Record<string, string> {
  const of: Record<"ipv4" | "ipv6" | "cidr" | "domain", Set<string>> = { ipv4: new Set(), ipv6: new Set(), cidr: new Set(), domain: new Set() };
  for (const entry of entries) if (entry.type in of) of[entry.type as keyof typeof of].add(entry.value);
  const sorted = (set: Set<string>) => [...set].sort();
  const dataset = (name: string, type: string) => `dataset:isset,${name},type ${type},load ${name}.lst`;
  let sid = DROP_SID_BASE;
  const rules = [
    "# Written by the CTI exchange node (response feed); rewritten atomically whenever it changes. Do not edit.",
    rule("drop", "dns any any -> any any", "DNS query for a blocked domain", `dns.query; ${dataset("cti-drop-domains", "string")}`, ++sid),
    rule("drop", "http any any -> any any", "HTTP request to a blocked domain", `http.host; ${dataset("cti-drop-domains", "string")}`, ++sid),
    rule("drop", "tls any any -> any any", "TLS to a blocked domain (SNI)", `tls.sni; ${dataset("cti-drop-domains", "string")}`, ++sid),
    rule("drop", "ip any any -> any any", "traffic to a blocked IPv4 address", `ip.dst; ${dataset("cti-drop-ipv4", "ipv4")}`, ++sid),
    rule("drop", "ip any any -> any any", "traffic from a blocked IPv4 address", `ip.src; ${dataset("cti-drop-ipv4", "ipv4")}`, ++sid),
    rule("drop", "ip any any -> any any", "traffic to a blocked IPv6 address", `ip.dst; ${dataset("cti-drop-ip", "ip")}`, ++sid),
    rule("drop", "ip any any -> any any", "traffic from a blocked IPv6 address", `ip.src; ${dataset("cti-drop-ip", "ip")}`, ++sid),
  ];
  const cidrs = sorted(of.cidr);
  sid = DROP_CIDR_SID_BASE;
  for (let i = 0; i < cidrs.length; i += 500) {
    const list = `[${cidrs.slice(i, i + 500).join(",")}]`;
    rules.push(rule("drop", `ip any any -> ${list} any`, "traffic to a blocked network", undefined, ++sid));
    rules.push(rule("drop", `ip ${list} any -> any any`, "traffic from a blocked network", undefined, ++sid));
  }
  return {
    "cti-drop-ipv4.lst": lines(sorted(of.ipv4)),
    "cti-drop-ip.lst": lines(sorted(of.ipv6)),
    "cti-drop-domains.lst": lines(sorted(of.domain).map(base64)),
    "cti-drop.rules": `${rules.join("\n")}\n`,
  };
}
