import type { LinkReason, LinkReasonKind } from "../model/correlation.js";
import { ipv6Groups } from "./evidence-keys.js";

/**
 * Whether two members are linked, and why, from their keys alone (evidence-keys.ts). Pure and
 * symmetric: linkReasons(a, b) and linkReasons(b, a) give the same reasons. Most shared keys are a
 * reason by themselves; two keys only open a question: a shared /24 (/48) links an address and a
 * CIDR only when the CIDR holds the address, and shared sighting hours link only when at least two
 * partners saw both.
 */

const DIRECT: Record<string, LinkReasonKind> = {
  rec: "same-value",
  obj: "same-object",
  mal: "malware",
  act: "actor",
  tset: "techniques",
  host: "infrastructure",
  ip: "infrastructure",
};

/** Partners that must have seen both, within the window, for a co-sighting. */
export const CO_SIGHTING_PARTNERS = 2;

const kindOf = (key: string) => key.slice(0, key.indexOf(":"));

/** Keys both sorted lists hold. */
export function sharedKeys(a: readonly string[], b: readonly string[]): string[] {
  const shared: string[] = [];
  let i = 0;
  let j = 0;
  while (i < a.length && j < b.length) {
    if (a[i] === b[j]) {
      shared.push(a[i]!);
      i++;
      j++;
    } else if (a[i]! < b[j]!) i++;
    else j++;
  }
  return shared;
}

function v4ToNumber(ip: string): number | undefined {
  const parts = ip.split(".").map(Number);
  if (parts.length !== 4 || !parts.every((p) => Number.isInteger(p) && p >= 0 && p <= 255)) return undefined;
  return ((parts[0]! << 24) >>> 0) + (parts[1]! << 16) + (parts[2]! << 8) + parts[3]!;
}

/** Whether `cidr` holds `ip` (both IPv4 or both IPv6). */
export function cidrHolds(cidr: string, ip: string): boolean {
  const [net, bits] = cidr.split("/");
  const prefix = Number(bits);
  if (!net || !Number.isInteger(prefix)) return false;
  const n4 = v4ToNumber(net);
  const a4 = v4ToNumber(ip);
  if (n4 !== undefined && a4 !== undefined) {
    if (prefix === 0) return true;
    const mask = prefix >= 32 ? 0xffffffff : (~0 << (32 - prefix)) >>> 0;
    return ((n4 & mask) >>> 0) === ((a4 & mask) >>> 0);
  }
  const n6 = ipv6Groups(net);
  const a6 = ipv6Groups(ip);
  if (!n6 || !a6) return false;
  for (let bit = 0; bit < prefix; bit += 16) {
    const take = Math.min(16, prefix - bit);
    const mask = (0xffff << (16 - take)) & 0xffff;
    if ((n6[bit / 16]! & mask) !== (a6[bit / 16]! & mask)) return false;
  }
  return true;
}

function held(a: readonly string[], b: readonly string[]): string[] {
  const details: string[] = [];
  const addresses = a.filter((k) => k.startsWith("ip:")).map((k) => k.slice(3));
  for (const cidr of b.filter((k) => k.startsWith("cidr:")).map((k) => k.slice(5))) {
    for (const ip of addresses) if (cidrHolds(cidr, ip)) details.push(`${ip} in ${cidr}`);
  }
  return details;
}

/**
 * The reasons two members are linked (none: they are not). Keys `dead` says are saturated (the
 * fan-out bound: shared by too many to mean anything) are no reason.
 */
export function linkReasons(a: readonly string[], b: readonly string[], dead: (key: string) => boolean = () => false): LinkReason[] {
  const reasons: LinkReason[] = [];
  const shared = sharedKeys(a, b).filter((k) => !dead(k));
  const seenBy = new Map<string, string[]>();
  let sharesNetwork = false;
  for (const key of shared) {
    const kind = kindOf(key);
    const direct = DIRECT[kind];
    if (direct) reasons.push({ kind: direct, detail: key.slice(kind.length + 1) });
    else if (kind === "n4" || kind === "n6") sharesNetwork = true;
    else if (kind === "seen") {
      const [, org, hour] = key.split(":");
      seenBy.set(org!, [...(seenBy.get(org!) ?? []), hour!]);
    }
  }
  if (sharesNetwork) {
    for (const detail of [...new Set([...held(a, b), ...held(b, a)])].sort()) reasons.push({ kind: "infrastructure", detail });
  }
  if (seenBy.size >= CO_SIGHTING_PARTNERS) reasons.push({ kind: "co-sighting", detail: [...seenBy.keys()].sort().join(", ") });
  return reasons;
}
