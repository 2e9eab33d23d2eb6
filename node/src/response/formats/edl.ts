import type { EnforcementEntry } from "../../model/response.js";

/**
 * External dynamic lists: one plain list per kind of value, one value per line, no comments,
 * for firewalls that pull a list over HTTP(S) (Palo Alto EDLs, Fortinet threat feeds, Check
 * Point, OPNsense aliases). IPv4 addresses and networks share one list and IPv6 another, as
 * firewalls type lists by address family. URLs are written without their scheme, as these
 * devices match them (host and path); the list of domains holds names, not URLs' hosts.
 */
export function edlFiles(entries: Iterable<EnforcementEntry>): Record<string, string> {
  const lists: Record<string, string[]> = { "ipv4.txt": [], "ipv6.txt": [], "domains.txt": [], "urls.txt": [] };
  for (const entry of entries) {
    switch (entry.type) {
      case "ipv4":
        lists["ipv4.txt"]!.push(entry.value);
        break;
      case "ipv6":
        lists["ipv6.txt"]!.push(entry.value);
        break;
      case "cidr":
        lists[entry.value.includes(":") ? "ipv6.txt" : "ipv4.txt"]!.push(entry.value);
        break;
      case "domain":
        lists["domains.txt"]!.push(entry.value);
        break;
      case "url":
        lists["urls.txt"]!.push(entry.value.replace(/^[a-z][a-z0-9+.-]*:\/\//i, ""));
        break;
      default:
        break;
    }
  }
  return Object.fromEntries(Object.entries(lists).map(([name, values]) => [name, values.length > 0 ? `${[...new Set(values)].sort().join("\n")}\n` : ""]));
}
