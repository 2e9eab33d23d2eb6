import type { FastifyInstance } from "fastify";
import { z } from "zod";
import { INDICATOR_TYPES } from "../model/indicator.js";
import type { CtiNode } from "../node.js";
import { TrustError } from "../trust/trust-service.js";
import { provesEquivocation } from "../trust/equivocation.js";
import { incidentStatistics } from "../trust/incident-statistics.js";
import { audienceField, formatField, orgIdField, parse, table } from "./http.js";
import type { HeavyWork } from "./heavy-work.js";

/** Statistics over the whole store are recomputed at most this often (the answer says when). */
const STATISTICS_TTL_MS = 60_000;

/**
 * For researchers and auditors: reputation now and over time, producer statistics, the most
 * confirmed indicators, and audit proofs. For operators: sending the epoch's report or anchor now.
 */
export function trustRoutes(node: CtiNode, heavy: HeavyWork) {
  return async (app: FastifyInstance) => {
    app.get("/reputation", async (request, reply) => {
      const { format } = parse(z.object({ format: formatField }), request.query);
      const view = node.reputation;
      const rows = (view?.all() ?? []).map((r) => ({ ...r, epoch: view!.epoch }));
      return table(reply, format, "reputation", rows);
    });

    app.get("/reputation/history", async (request, reply) => {
      const query = parse(z.object({ format: formatField, epochs: z.coerce.number().int().min(1).max(10_000).default(100), org: orgIdField.optional() }), request.query);
      const orgs = query.org ? [query.org] : node.membership.all().map((m) => m.orgId).sort();
      return table(reply, query.format, "history", await node.trust.reputationHistory(orgs, query.epochs));
    });

    app.get("/stats/producers", async (request, reply) => {
      const { format } = parse(z.object({ format: formatField }), request.query);
      const { value, computedAt } = await heavy.cached("producers", STATISTICS_TTL_MS, () => node.trust.producerStatistics());
      void reply.header("x-computed-at", new Date(computedAt).toISOString());
      return table(reply, format, "producers", value as unknown as Array<Record<string, unknown>>);
    });

    // Sightings and this node's alerts per incident class (RSIT), over the last `days` (all, if not given).
    app.get("/stats/incidents", async (request, reply) => {
      const query = parse(z.object({ format: formatField, audience: audienceField, days: z.coerce.number().min(1).max(3650).optional() }), request.query);
      const sinceMs = query.days === undefined ? 0 : node.now() - query.days * 86_400_000;
      const key = `incidents:${JSON.stringify(query.audience)}:${query.days ?? "all"}`;
      const { value, computedAt } = await heavy.cached(key, STATISTICS_TTL_MS, () => incidentStatistics(node.incidentSources, query.audience, { sinceMs }));
      void reply.header("x-computed-at", new Date(computedAt).toISOString());
      return table(reply, query.format, "incidents", value as unknown as Array<Record<string, unknown>>);
    });

    app.get("/stats/top-confirmed", async (request, reply) => {
      const query = parse(z.object({ format: formatField, audience: audienceField, limit: z.coerce.number().int().min(1).max(1000).default(20) }), request.query);
      const { value: top, computedAt } = await heavy.cached(`top-confirmed:${JSON.stringify(query.audience)}:${query.limit}`, STATISTICS_TTL_MS, () =>
        node.trust.topConfirmed(query.limit, query.audience),
      );
      void reply.header("x-computed-at", new Date(computedAt).toISOString());
      const rows = top.map((r) => ({ id: r.id, type: r.type, value: r.value, tlp: r.tlp, confirmations: r.confirmations, score: r.score.score, producers: r.attestations.map((a) => a.producer) }));
      return table(reply, query.format, "indicators", rows);
    });

    // Evidence that a producer signed two batches with one sequence number: both signed headers,
    // checked here against the keys the chain gave that producer (its key now and its last ones).
    app.get("/equivocations", async (request) => {
      const query = parse(z.object({ producer: orgIdField.optional(), limit: z.coerce.number().int().min(1).max(1000).default(100) }), request.query);
      const all = await node.store.equivocations.all(query.producer ? 100_000 : query.limit);
      const evidence = all.filter((e) => !query.producer || e.producer === query.producer).slice(0, query.limit);
      return {
        equivocations: evidence.map((e) => {
          const view = node.membership.producerView(e.producer);
          const keys = view ? [view.signingKey, ...(view.previousSigningKeys ?? [])] : [];
          const provenBy = keys.find((key) => provesEquivocation(e, key));
          return { ...e, detectedAt: new Date(e.detectedAt).toISOString(), proven: provenBy !== undefined, keyIsCurrent: provenBy !== undefined && provenBy === view?.signingKey };
        }),
      };
    });

    app.get("/proofs", async (request) => {
      const query = parse(z.object({ value: z.string().min(1), type: z.enum(INDICATOR_TYPES).optional(), producer: orgIdField }), request.query);
      const [record] = await node.lookup(query.value, query.type);
      if (!record) throw new TrustError("NOT_FOUND", `no indicator matches ${JSON.stringify(query.value)}`);
      return node.trust.proof(record, query.producer);
    });

    app.post("/proofs/verify", async (request) => node.trust.verifyProof(request.body));

    app.post("/reputation/report", async () => node.trust.submitReports());

    app.post("/audit/anchor", async () => ({ anchored: (await node.trust.anchor()) ?? null }));
  };
}
