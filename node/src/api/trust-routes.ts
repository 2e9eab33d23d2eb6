import type { FastifyInstance } from "fastify";
import { z } from "zod";
import { INDICATOR_TYPES } from "../model/indicator.js";
import type { CtiNode } from "../node.js";
import { TrustError } from "../trust/trust-service.js";
import { audienceField, formatField, orgIdField, parse, table } from "./http.js";

/**
 * For researchers and auditors: reputation now and over time, producer statistics, the most
 * confirmed indicators, and audit proofs. For operators: sending the epoch's report or anchor now.
 */
export function trustRoutes(node: CtiNode) {
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
      return table(reply, format, "producers", (await node.trust.producerStatistics()) as unknown as Array<Record<string, unknown>>);
    });

    app.get("/stats/top-confirmed", async (request, reply) => {
      const query = parse(z.object({ format: formatField, audience: audienceField, limit: z.coerce.number().int().min(1).max(1000).default(20) }), request.query);
      const top = await node.trust.topConfirmed(query.limit, query.audience);
      const rows = top.map((r) => ({ id: r.id, type: r.type, value: r.value, tlp: r.tlp, confirmations: r.confirmations, score: r.score.score, producers: r.attestations.map((a) => a.producer) }));
      return table(reply, query.format, "indicators", rows);
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
