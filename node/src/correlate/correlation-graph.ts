import type { CorrelationLink, LinkReasonKind, MemberId } from "../model/correlation.js";
import { implicitMember, type CorrelationRepository } from "../store/correlation-repository.js";
import { linkReasons } from "./link-rules.js";

/**
 * Reading the correlation index (store/correlation-repository.ts): a member's links with their
 * reasons, the cluster around a member, and every cluster's statistics. Links are not stored:
 * they are decided when read, from the two members' keys (link-rules.ts), so a link can never
 * outlive its evidence, and a member removed is linked to nothing.
 */

export interface ClusterSummary {
  /** The cluster's smallest member id: stable while the cluster is. */
  id: MemberId;
  size: number;
  indicators: number;
  objects: number;
  /** Links by reason. */
  reasons: Partial<Record<LinkReasonKind, number>>;
  /** Malware families and actors its members name, most named first (at most 10). */
  names: string[];
}

const NAMED = /^(mal|act):/;

export class CorrelationGraph {
  constructor(private readonly repository: CorrelationRepository) {}

  /** Every member linked to `member`, with the reasons, strongest (most reasons) first. */
  async related(member: MemberId): Promise<CorrelationLink[]> {
    const keys = await this.repository.keysOf(member);
    if (!keys) return [];
    const postings = await this.repository.postings(keys);
    const dead = new Set(keys.filter((_, i) => postings[i]!.saturated));
    const candidates = new Set<MemberId>();
    keys.forEach((key, i) => {
      const posting = postings[i]!;
      if (posting.saturated) return;
      for (const m of posting.members) candidates.add(m);
      const implied = implicitMember(key);
      if (implied) candidates.add(implied);
    });
    candidates.delete(member);
    const ids = [...candidates];
    const theirs = await this.repository.keysOfMany(ids);
    const links: CorrelationLink[] = [];
    ids.forEach((id, i) => {
      const other = theirs[i];
      if (!other) return;
      const reasons = linkReasons(keys, other, (k) => dead.has(k));
      if (reasons.length > 0) links.push({ member: id, reasons });
    });
    return links.sort((a, b) => b.reasons.length - a.reasons.length || a.member.localeCompare(b.member));
  }

  /** The members reachable from `member` through links, breadth first, at most `limit`. */
  async cluster(member: MemberId, limit: number): Promise<{ members: MemberId[]; complete: boolean }> {
    const seen = new Set<MemberId>([member]);
    let frontier = [member];
    while (frontier.length > 0) {
      const next: MemberId[] = [];
      for (const m of frontier) {
        for (const link of await this.related(m)) {
          if (seen.has(link.member)) continue;
          if (seen.size >= limit) return { members: [...seen], complete: false };
          seen.add(link.member);
          next.push(link.member);
        }
      }
      frontier = next;
    }
    return { members: [...seen], complete: true };
  }

  /**
   * Every cluster of two or more members, largest first (at most `limit`). One pass over the
   * members' keys in memory: for the statistics page, cached by the API.
   */
  async clusters(limit: number): Promise<{ clusters: ClusterSummary[]; total: number; members: number }> {
    const keysOf = new Map<MemberId, string[]>();
    for await (const [member, keys] of this.repository.allMembers()) keysOf.set(member, keys);
    const dead = new Set<string>();
    for await (const [key, posting] of this.repository.allPostings()) if (posting.saturated) dead.add(key);
    const holders = new Map<string, MemberId[]>();
    for (const [member, keys] of keysOf) for (const key of keys) if (!dead.has(key)) holders.set(key, [...(holders.get(key) ?? []), member]);

    const parent = new Map<MemberId, MemberId>();
    const find = (m: MemberId): MemberId => {
      let root = m;
      while (parent.get(root) !== undefined && parent.get(root) !== root) root = parent.get(root)!;
      parent.set(m, root);
      return root;
    };
    const union = (a: MemberId, b: MemberId) => {
      const ra = find(a);
      const rb = find(b);
      if (ra !== rb) parent.set(ra < rb ? rb : ra, ra < rb ? ra : rb);
    };
    const reasonCount = new Map<string, Partial<Record<LinkReasonKind, number>>>();
    const links: Array<[MemberId, MemberId, LinkReasonKind[]]> = [];
    const pairsDone = new Set<string>();
    for (const [, members] of holders) {
      if (members.length < 2) continue;
      for (let i = 0; i < members.length; i++) {
        for (let j = i + 1; j < members.length; j++) {
          const [a, b] = members[i]! < members[j]! ? [members[i]!, members[j]!] : [members[j]!, members[i]!];
          const pair = `${a} ${b}`;
          if (pairsDone.has(pair)) continue;
          pairsDone.add(pair);
          const reasons = linkReasons(keysOf.get(a)!, keysOf.get(b)!, (k) => dead.has(k));
          if (reasons.length === 0) continue;
          union(a, b);
          links.push([a, b, reasons.map((r) => r.kind)]);
        }
      }
    }
    const groups = new Map<MemberId, MemberId[]>();
    for (const member of keysOf.keys()) {
      if (!parent.has(member)) continue;
      const root = find(member);
      groups.set(root, [...(groups.get(root) ?? []), member]);
    }
    for (const [a, , kinds] of links) {
      const counts = reasonCount.get(find(a)) ?? {};
      for (const kind of kinds) counts[kind] = (counts[kind] ?? 0) + 1;
      reasonCount.set(find(a), counts);
    }
    const clusters = [...groups.entries()]
      .filter(([, members]) => members.length >= 2)
      .map(([root, members]): ClusterSummary => {
        const named = new Map<string, number>();
        for (const m of members) for (const k of keysOf.get(m)!) if (NAMED.test(k)) named.set(k.slice(4), (named.get(k.slice(4)) ?? 0) + 1);
        return {
          id: [...members].sort()[0]!,
          size: members.length,
          indicators: members.filter((m) => m.startsWith("i:")).length,
          objects: members.filter((m) => m.startsWith("o:")).length,
          reasons: reasonCount.get(root) ?? {},
          names: [...named].sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0])).slice(0, 10).map(([n]) => n),
        };
      })
      .sort((a, b) => b.size - a.size || a.id.localeCompare(b.id));
    return { clusters: clusters.slice(0, limit), total: clusters.length, members: keysOf.size };
  }
}
