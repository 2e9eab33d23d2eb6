import type { FastifyInstance } from "fastify";
import { z } from "zod";
import type { CtiNode } from "../node.js";
import { formatField, parse, table } from "./http.js";

const proposalParams = z.object({ id: z.coerce.number().int().min(0) });

/**
 * The consortium as this node sees it: members (from the ledger, with whether this node is
 * connected to them now) and governance proposals, which an admin's node may approve and execute.
 */
export function networkRoutes(node: CtiNode) {
  return async (app: FastifyInstance) => {
    app.get("/members", async (request, reply) => {
      const { format } = parse(z.object({ format: formatField }), request.query);
      const connected = new Set(node.libp2p.getPeers().map((p) => p.toString()));
      const rows = node.membership.all().map((m) => ({
        orgId: m.orgId,
        displayName: m.displayName,
        country: m.country,
        sector: m.sector,
        status: m.status,
        wallet: m.wallet,
        peerId: m.peerId ?? null,
        multiaddrs: m.multiaddrs,
        joinedAt: m.joinedAt,
        self: m.orgId === node.identity.orgId,
        connected: m.peerId !== undefined && connected.has(m.peerId),
      }));
      return table(reply, format, "members", rows);
    });

    app.get("/governance/proposals", async (request) => {
      const { limit } = parse(z.object({ limit: z.coerce.number().int().min(1).max(1000).default(100) }), request.query);
      return node.governance.overview(limit);
    });

    app.post("/governance/proposals/:id/approve", async (request) => {
      const { id } = parse(proposalParams, request.params);
      await node.governance.approve(id);
      return { proposal: id, approved: true };
    });

    app.post("/governance/proposals/:id/execute", async (request) => {
      const { id } = parse(proposalParams, request.params);
      await node.governance.execute(id);
      await node.refreshChain();
      return { proposal: id, executed: true };
    });
  };
}
