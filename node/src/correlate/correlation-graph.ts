import type { CorrelationLink, LinkReasonKind, MemberId } from "../model/correlation.js";
import { refOf, type CorrelationRepository, type MemberRef } from "../store/correlation-repository.js";
import { implicitMembers } from "./evidence-keys.js";
import { linkReasons } from "./link-rules.js";

/**
 * Reading the correlation index (store/correlation-repository.ts): a member's links with their
 * reasons, the cluster around a member, and every cluster's statistics. Links are not stored:
 * they are decided when read, from both members' keys as their records give them now
 * (link-rules.ts), so a link can never outlive its evidence, and a member retracted or removed is
 * linked to nothing. Entries found stale on the way are dropped from the index.
 */

/** What the graph asks of the store (correlation-service.ts answers it; tests answer it in memory). */
export interface MemberResolver {
  /** Members' keys now (undefined: not held, or no longer standing). */
  keysOf(members: MemberId[]): Promise<Array<string[] | undefined>>;
  /** The members a listed reference stands for (an indicator's is a prefix of its id: usually one). */
  expand(refs: MemberRef[]): Promise<MemberId[][]>;
}

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
  constructor(
    private readonly repository: CorrelationRepository,
    private readonly resolver: MemberResolver,
  ) {}

  /** Every member linked to `member`, with the reasons, strongest (most reasons) first. */
  async related(member: MemberId): Promise<CorrelationLink[]> {
    const [keys] = await this.resolver.keysOf([member]);
    if (!keys || keys.length === 0) return [];
    const postings = await this.repository.postings(keys);
    const dead = new Set(keys.filter((_, i) => postings[i]!.saturated));
    const listed = new Map<string, MemberRef[]>();
    const candidates = new Set<MemberId>();
    keys.forEach((key, i) => {
      const posting = postings[i]!;
      if (posting.saturated) return;
      listed.set(key, posting.members);
      for (const implied of implicitMembers(key)) candidates.add(implied);
    });
    const refs = [...new Set([...listed.values()].flat())];
    const expanded = new Map<MemberRef, MemberId[]>();
    (await this.resolver.expand(refs)).forEach((members, i) => {
      expanded.set(refs[i]!, members);
      for (const m of members) candidates.add(m);
    });
    candidates.delete(member);
    const ids = [...candidates];
    const theirs = new Map<MemberId, string[] | undefined>();
    (await this.resolver.keysOf(ids)).forEach((k, i) => theirs.set(ids[i]!, k));
    theirs.set(member, keys);
    const links: CorrelationLink[] = [];
    for (const id of ids) {
      const other = theirs.get(id);
      if (!other) continue;
      const reasons = linkReasons(keys, other, (k) => dead.has(k));
      if (reasons.length > 0) links.push({ member: id, reasons });
    }
    // Entries under this member's keys whose members no longer hold the key: dropped now.
    const stale: Array<{ key: string; member: MemberId }> = [];
    for (const [key, members] of listed) {
      for (const ref of members) {
        const standsFor = expanded.get(ref) ?? [];
        if (!standsFor.some((m) => theirs.get(m)?.includes(key))) stale.push({ key, member: standsFor[0] ?? ref });
      }
    }
    if (stale.length > 0) await this.repository.change([], stale);
    return links.sort((a, b) => b.reasons.length - a.reasons.length || a.member.localeCompare(b.member));
  }

  /**
   * Takes members off keys (a retraction, a record pruned). An indicator is listed by a prefix of
   * its id: if another member with the same prefix still holds the key, the entry stays.
   */
  async unlist(pairs: Array<{ key: string; member: MemberId }>): Promise<void> {
    if (pairs.length === 0) return;
    const refs = [...new Set(pairs.map((p) => refOf(p.member)))];
    const sharing = new Map<MemberRef, MemberId[]>();
    (await this.resolver.expand(refs)).forEach((members, i) => sharing.set(refs[i]!, members));
    const others = [...new Set(pairs.flatMap((p) => (sharing.get(refOf(p.member)) ?? []).filter((m) => m !== p.member)))];
    const keysOfOthers = new Map<MemberId, string[] | undefined>();
    (await this.resolver.keysOf(others)).forEach((k, i) => keysOfOthers.set(others[i]!, k));
    const safe = pairs.filter((p) => !(sharing.get(refOf(p.member)) ?? []).some((m) => m !== p.member && keysOfOthers.get(m)?.includes(p.key)));
    await this.repository.change([], safe);
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
   * Every cluster of two or more members, largest first (at most `limit`): one pass over the
   * index, each listed member's keys read once. For the statistics page, cached by the API.
   */
  async clusters(limit: number): Promise<{ clusters: ClusterSummary[]; total: number; members: number }> {
    const keysCache = new Map<MemberId, string[] | undefined>();
    const keysOf = async (members: MemberId[]) => {
      const missing = members.filter((m) => !keysCache.has(m));
      (await this.resolver.keysOf(missing)).forEach((k, i) => keysCache.set(missing[i]!, k));
      return members.map((m) => keysCache.get(m));
    };
    const dead = new Set<string>();
    const live: Array<[string, MemberRef[]]> = [];
    for await (const [key, posting] of this.repository.allPostings()) {
      if (posting.saturated) dead.add(key);
      else live.push([key, posting.members]);
    }
    const parent = new Map<MemberId, MemberId>();
    const find = (m: MemberId): MemberId => {
      let root = m;
      while (parent.has(root) && parent.get(root) !== root) root = parent.get(root)!;
      parent.set(m, root);
      return root;
    };
    // Each link once, with its reasons' kinds; counted per cluster once every union is made.
    const links = new Map<string, { member: MemberId; kinds: LinkReasonKind[] }>();
    const link = (a: MemberId, b: MemberId, kinds: LinkReasonKind[]) => {
      const pair = a < b ? `${a} ${b}` : `${b} ${a}`;
      if (links.has(pair)) return;
      links.set(pair, { member: a, kinds });
      const ra = find(a);
      const rb = find(b);
      if (ra !== rb) parent.set(ra < rb ? rb : ra, ra < rb ? ra : rb);
    };
    for (const [key, refs] of live) {
      const expanded = (await this.resolver.expand(refs)).flat();
      let candidates = [...new Set([...expanded, ...implicitMembers(key)])];
      // An address's CIDRs list nothing: they are found from the addresses under a /24 (/48) key.
      if (key.startsWith("n4:") || key.startsWith("n6:")) {
        const addressKeys = (await keysOf(expanded)).flatMap((k) => (k ?? []).filter((x) => x.startsWith("ip:")));
        candidates = [...new Set([...candidates, ...addressKeys.flatMap((k) => implicitMembers(k).slice(1))])];
      }
      const keys = await keysOf(candidates);
      const holders = candidates.filter((_, i) => keys[i] !== undefined && (keys[i]!.includes(key) || key.startsWith("n4:") || key.startsWith("n6:")));
      for (let i = 0; i < holders.length; i++) {
        for (let j = i + 1; j < holders.length; j++) {
          const reasons = linkReasons(keysCache.get(holders[i]!)!, keysCache.get(holders[j]!)!, (k) => dead.has(k));
          if (reasons.length > 0) link(holders[i]!, holders[j]!, reasons.map((r) => r.kind));
        }
      }
    }
    const groups = new Map<MemberId, MemberId[]>();
    for (const member of parent.keys()) {
      const root = find(member);
      groups.set(root, [...(groups.get(root) ?? []), member]);
    }
    const counts = new Map<MemberId, Partial<Record<LinkReasonKind, number>>>();
    for (const { member, kinds } of links.values()) {
      const root = find(member);
      const into = counts.get(root) ?? {};
      for (const kind of kinds) into[kind] = (into[kind] ?? 0) + 1;
      counts.set(root, into);
    }
    const clusters = [...groups.entries()]
      .filter(([, members]) => members.length >= 2)
      .map(([root, members]): ClusterSummary => {
        const named = new Map<string, number>();
        for (const m of members) for (const k of keysCache.get(m) ?? []) if (NAMED.test(k)) named.set(k.slice(4), (named.get(k.slice(4)) ?? 0) + 1);
        return {
          id: [...members].sort()[0]!,
          size: members.length,
          indicators: members.filter((m) => m.startsWith("i:")).length,
          objects: members.filter((m) => m.startsWith("o:")).length,
          reasons: counts.get(root) ?? {},
          names: [...named].sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0])).slice(0, 10).map(([n]) => n),
        };
      })
      .sort((a, b) => b.size - a.size || a.id.localeCompare(b.id));
    return { clusters: clusters.slice(0, limit), total: clusters.length, members: parent.size };
  }
}
