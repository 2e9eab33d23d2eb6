import type { ScoredRecord } from "../../trust/trust-service.js";

/**
 * Suricata datasets and the rules that use them (Suricata 7 or later):
 *
 * - `cti-ipv4.lst` (dataset type ipv4) and `cti-ip.lst` (type ip, the IPv6 addresses): plain;
 * - `cti-domains.lst` (type string): base64 of each domain, matched against DNS queries, HTTP
 *   hosts and TLS SNI;
 * - `cti-md5.lst`, `cti-sha1.lst`, `cti-sha256.lst`: lowercase hex, read by the filemd5,
 *   filesha1 and filesha256 keywords (Suricata's datasets have no SHA-1 type);
 * - `cti-ja3.lst`, `cti-ja3s.lst` (type md5): TLS client and server fingerprints, read by the
 *   ja3.hash and ja3s.hash buffers; `cti-ja4.lst` (type string) by ja4.hash (Suricata 7.0.4 or
 *   later, built with JA4);
 * - `cti-user-agents.lst`, `cti-filenames.lst` (type string): base64, read by http.user_agent
 *   and file.name;
 * - `cti-certs.lst` (type string): certificates' SHA-1 as Suricata prints it (lowercase hex in
 *   colon-separated pairs), base64, read by tls.cert_fingerprint;
 * - the other types (SHA-512, fuzzy hashes, AS numbers, mutexes, registry keys, CVEs, certificate
 *   MD5 and SHA-256) have no buffer Suricata could match them against: not exported here;
 * - CIDRs have no dataset type: they go into address lists of plain rules, 500 per rule;
 * - URLs are not exported: a URL rule needs host and path in one condition, which datasets cannot
 *   express; their hosts are not exported either, which would flag every page of the host.
 *
 * Rules take sids from 9,900,001 on (the local range) and reference the files by name, relative
 * to Suricata's data directory. The rules of the CIDR lists start at 9,901,001, so that a rule
 * added for a new type never renumbers them.
 */

export const SURICATA_SID_BASE = 9_900_000;
const CIDR_SID_BASE = SURICATA_SID_BASE + 1000;

export const base64 = (text: string) => Buffer.from(text).toString("base64");

export function lines(values: string[]): string {
  return values.length > 0 ? `${values.join("\n")}\n` : "";
}

export function rule(action: string, header: string, msg: string, body: string | undefined, sid: number): string {
  return `${action} ${header} (msg:"CTI exchange: ${msg}"; ${body ? `${body}; ` : ""}classtype:trojan-activity; sid:${sid}; rev:1;)`;
}

export function suricataFiles(records: ScoredRecord[]): Record<string, string> {
  const plain = records.filter((r) => !r.blinded);
  const of = (type: string) => [...new Set(plain.filter((r) => r.type === type).map((r) => r.value))].sort();
  const domains = of("domain");
  const cidrs = of("cidr");
  const dataset = (name: string, type: string) => `dataset:isset,${name},type ${type},load ${name}.lst`;
  let sid = SURICATA_SID_BASE;
  const rules = [
    "# Written by the CTI exchange node; rewritten atomically whenever its feed changes. Do not edit.",
    rule("alert", "dns any any -> any any", "DNS query for a shared domain", `dns.query; ${dataset("cti-domains", "string")}`, ++sid),
    rule("alert", "http any any -> any any", "HTTP request to a shared domain", `http.host; ${dataset("cti-domains", "string")}`, ++sid),
    rule("alert", "tls any any -> any any", "TLS to a shared domain (SNI)", `tls.sni; ${dataset("cti-domains", "string")}`, ++sid),
    rule("alert", "ip any any -> any any", "traffic to a shared IPv4 address", `ip.dst; ${dataset("cti-ipv4", "ipv4")}`, ++sid),
    rule("alert", "ip any any -> any any", "traffic from a shared IPv4 address", `ip.src; ${dataset("cti-ipv4", "ipv4")}`, ++sid),
    rule("alert", "ip any any -> any any", "traffic to a shared IPv6 address", `ip.dst; ${dataset("cti-ip", "ip")}`, ++sid),
    rule("alert", "ip any any -> any any", "traffic from a shared IPv6 address", `ip.src; ${dataset("cti-ip", "ip")}`, ++sid),
    rule("alert", "http any any -> any any", "file with a shared MD5", "filemd5:cti-md5.lst", ++sid),
    rule("alert", "http any any -> any any", "file with a shared SHA-1", "filesha1:cti-sha1.lst", ++sid),
    rule("alert", "http any any -> any any", "file with a shared SHA-256", "filesha256:cti-sha256.lst", ++sid),
    rule("alert", "tls any any -> any any", "TLS client with a shared JA3 fingerprint", `ja3.hash; ${dataset("cti-ja3", "md5")}`, ++sid),
    rule("alert", "tls any any -> any any", "TLS server with a shared JA3S fingerprint", `ja3s.hash; ${dataset("cti-ja3s", "md5")}`, ++sid),
    rule("alert", "tls any any -> any any", "TLS client with a shared JA4 fingerprint", `ja4.hash; ${dataset("cti-ja4", "string")}`, ++sid),
    rule("alert", "http any any -> any any", "HTTP request with a shared user agent", `http.user_agent; ${dataset("cti-user-agents", "string")}`, ++sid),
    rule("alert", "http any any -> any any", "file with a shared name", `file.name; ${dataset("cti-filenames", "string")}`, ++sid),
    rule("alert", "tls any any -> any any", "TLS certificate with a shared SHA-1 fingerprint", `tls.cert_fingerprint; ${dataset("cti-certs", "string")}`, ++sid),
  ];
  sid = CIDR_SID_BASE;
  for (let i = 0; i < cidrs.length; i += 500) {
    const list = `[${cidrs.slice(i, i + 500).join(",")}]`;
    rules.push(rule("alert", `ip any any -> ${list} any`, "traffic to a shared network", undefined, ++sid));
  }
  return {
    "cti-ipv4.lst": lines(of("ipv4")),
    "cti-ip.lst": lines(of("ipv6")),
    "cti-domains.lst": lines(domains.map(base64)),
    "cti-md5.lst": lines(of("md5")),
    "cti-sha1.lst": lines(of("sha1")),
    "cti-sha256.lst": lines(of("sha256")),
    "cti-ja3.lst": lines(of("ja3")),
    "cti-ja3s.lst": lines(of("ja3s")),
    "cti-ja4.lst": lines(of("ja4").map(base64)),
    "cti-user-agents.lst": lines(of("user-agent").map(base64)),
    "cti-filenames.lst": lines(of("filename").map(base64)),
    "cti-certs.lst": lines(of("x509-sha1").map((hex) => base64(hex.match(/../g)!.join(":")))),
    "cti.rules": `${rules.join("\n")}\n`,
  };
}
