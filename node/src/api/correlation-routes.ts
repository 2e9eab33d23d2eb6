import type { FastifyInstance, FastifyReply } from "fastify";
import { z } from "zod";
import { indicatorMember, MEMBER_ID, objectMember, type CorrelationLink, type MemberId } from "../model/correlation.js";
import { INDICATOR_TYPES } from "../model/indicator.js";
import type { CtiNode } from "../node.js";
import type { HeavyWork } from "./heavy-work.js";
import { idField, parse } from "./http.js";
import { stixIdField } from "./object-routes.js";

/** Cluster statistics read every member: recomputed at most this often. */
const CLUSTERS_TTL_MS = 60_000;

export interface MemberLabel {
  member: MemberId;
  kind: "indicator" | "object";
  /** An indicator's type, an object's STIX type. */
  type: string;
  /** An indicator's value (or that it is blinded), an object's name. */
  label: string;
}

/**
 * Correlation (correlate/): what an indicator, a value or an object is linked to and why, the
 * cluster around it, and statistics per cluster. This org's own view: the API's operators.
 */
export function correlationRoutes(node: CtiNode, heavy: HeavyWork) {
  const off = (reply: FastifyReply) => reply.code(503).send({ error: "CORRELATION_OFF", message: "correlation is turned off in this node's config (correlation.enabled)" });

  const describe = async (members: MemberId[]): Promise<MemberLabel[]> => {
    const records = await node.store.indicators.getMany(members.filter((m) => m.startsWith("i:")).map((m) => m.slice(2)));
    const byId = new Map(records.filter((r) => r !== undefined).map((r) => [r!.id, r!]));
    const out: MemberLabel[] = [];
    for (const member of members) {
      if (member.startsWith("i:")) {
        const record = byId.get(member.slice(2));
        out.push({ member, kind: "indicator", type: record?.type ?? "?", label: record ? (record.blinded ? `blinded ${record.value.slice(0, 12)}…` : record.value) : member.slice(2) });
      } else {
        const detail = await node.intel.get(member.slice(2), { kind: "internal" });
        out.push({ member, kind: "object", type: detail?.summary.type ?? member.slice(2).split("--")[0]!, label: detail?.summary.name ?? member.slice(2) });
      }
    }
    return out;
  };

  const withLabels = async (links: CorrelationLink[]) => {
    const labels = await describe(links.map((l) => l.member));
    return links.map((link, i) => ({ ...labels[i]!, reasons: link.reasons }));
  };

  const membersOf = async (query: { value?: string; type?: (typeof INDICATOR_TYPES)[number]; id?: string; object?: string; member?: string }): Promise<MemberId[]> => {
    if (query.member) return [query.member];
    if (query.id) return [indicatorMember(query.id)];
    if (query.object) return [objectMember(query.object)];
    return (await node.lookup(query.value!, query.type)).map((r) => indicatorMember(r.id));
  };

  const which = z
    .object({
      value: z.string().min(1).max(4096).optional(),
      type: z.enum(INDICATOR_TYPES).optional(),
      id: idField.optional(),
      object: stixIdField.optional(),
      member: z.string().regex(MEMBER_ID, "a member id: i:<record id> or o:<STIX id>").optional(),
    })
    .refine((q) => [q.value, q.id, q.object, q.member].filter((x) => x !== undefined).length === 1, "give exactly one of value, id, object or member");

  return async (app: FastifyInstance) => {
    app.get("/related", async (request, reply) => {
      const correlation = node.correlation;
      if (!correlation) return off(reply);
      const query = parse(which, request.query);
      await correlation.settle();
      const members = await membersOf(query);
      const answer = [];
      for (const member of members) answer.push({ ...(await describe([member]))[0]!, links: await withLabels(await correlation.graph.related(member)) });
      return { members: answer };
    });

    app.get("/correlation/cluster", async (request, reply) => {
      const correlation = node.correlation;
      if (!correlation) return off(reply);
      const query = parse(z.object({ member: z.string().regex(MEMBER_ID, "a member id: i:<record id> or o:<STIX id>"), limit: z.coerce.number().int().min(1).max(1000).default(200) }), request.query);
      await correlation.settle();
      const cluster = await correlation.graph.cluster(query.member, query.limit);
      return { complete: cluster.complete, members: await describe(cluster.members) };
    });

    app.get("/correlation/clusters", async (request, reply) => {
      const correlation = node.correlation;
      if (!correlation) return off(reply);
      const query = parse(z.object({ limit: z.coerce.number().int().min(1).max(1000).default(20) }), request.query);
      const { value, computedAt } = await heavy.cached(`clusters:${query.limit}`, CLUSTERS_TTL_MS, async () => {
        const result = await correlation.graph.clusters(query.limit);
        const labels = await describe(result.clusters.map((c) => c.id));
        return { ...result, clusters: result.clusters.map((c, i) => ({ ...c, first: labels[i] })), stats: correlation.stats };
      });
      void reply.header("x-computed-at", new Date(computedAt).toISOString());
      return value;
    });
  };
}
