import type { EnforcementEntry } from "../../model/response.js";

/**
 * A DNS response policy zone (RPZ, draft-vixie-dnsop-dns-rpz) of the feed's domains, read by
 * BIND 9, Unbound (1.10 and later) and PowerDNS Recursor. Owner names are relative, so the file
 * loads under whatever zone name the resolver gives it. A blocked name answers NXDOMAIN
 * (`CNAME .`), or the walled garden's name when the policy says so; a sinkholed one (a request's
 * action) the walled garden when one is set. With `subdomains`, `*.name` is listed too: a C2
 * domain's subdomains are the adversary's as well.
 *
 * Names with a character a zone file would have to escape are left out and counted: a domain the
 * exchange holds is already a checked host name, so this only guards the file's syntax.
 */
export interface RpzOptions {
  /** The SOA serial: it must grow with every change, or secondaries and resolvers keep the old zone. */
  serial: number;
  /** What a blocked name answers: NXDOMAIN, or a CNAME to the walled garden. */
  blockWith: "nxdomain" | "walled-garden";
  /** The walled garden's host name (a page telling users why), for `walled-garden` and sinkholes. */
  walledGarden?: string;
  subdomains: boolean;
  /** TTL of the policy records: how long a resolver may cache an answer after the zone changed. */
  ttl: number;
}

const SAFE_NAME = /^[a-z0-9_](?:[a-z0-9_-]*[a-z0-9_])?(?:\.[a-z0-9_](?:[a-z0-9_-]*[a-z0-9_])?)*$/;

export function rpzZone(entries: Iterable<EnforcementEntry>, options: RpzOptions): { zone: string; skipped: number } {
  const garden = options.walledGarden ? `${options.walledGarden.replace(/\.$/, "")}.` : undefined;
  const blockTarget = options.blockWith === "walled-garden" && garden ? garden : ".";
  const sinkholeTarget = garden ?? ".";
  const lines = [
    "; Written by the CTI exchange node; rewritten atomically whenever its response feed changes. Do not edit.",
    `$TTL ${options.ttl}`,
    `@ IN SOA localhost. hostmaster.localhost. ${options.serial} 3600 600 86400 ${options.ttl}`,
    "@ IN NS localhost.",
  ];
  let skipped = 0;
  // Names sorted as plain strings (a diff of two zones reads well), blocked and sinkholed apart.
  const blocked: string[] = [];
  const sinkholed: string[] = [];
  for (const entry of entries) {
    if (entry.type !== "domain") continue;
    if (entry.value.length > 253 || !SAFE_NAME.test(entry.value)) {
      skipped++;
      continue;
    }
    (entry.action === "sinkhole" ? sinkholed : blocked).push(entry.value);
  }
  for (const [names, target] of [
    [blocked.sort(), blockTarget],
    [sinkholed.sort(), sinkholeTarget],
  ] as const) {
    const rdata = ` CNAME ${target}`;
    for (const name of names) {
      lines.push(name + rdata);
      if (options.subdomains) lines.push(`*.${name}${rdata}`);
    }
  }
  return { zone: `${lines.join("\n")}\n`, skipped };
}
