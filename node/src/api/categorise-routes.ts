import type { FastifyInstance } from "fastify";
import { z } from "zod";
import type { CtiNode } from "../node.js";
import { parse } from "./http.js";
import { stixIdField } from "./object-routes.js";

/** ATT&CK categorisation of free text, or of a published object's prose (categorise/). */
export function categoriseRoutes(node: CtiNode) {
  return async (app: FastifyInstance) => {
    app.post("/categorise", async (request, reply) => {
      const categoriser = node.categoriser;
      if (!categoriser) return reply.code(503).send({ error: "CATEGORISER_OFF", message: "the ATT&CK categoriser is turned off in this node's config (categoriser.enabled)" });
      const options = { limit: z.number().int().min(1).max(10).default(3), minProbability: z.number().min(0).max(1).default(0.2) };
      const body = parse(z.union([z.object({ text: z.string().min(1), ...options }).strict(), z.object({ objectId: stixIdField, ...options }).strict()]), request.body);
      if ("objectId" in body) return categoriser.categoriseObject(body.objectId, body);
      return categoriser.categorise(body.text, body);
    });

    app.get("/categorise/model", async (_request, reply) => {
      const categoriser = node.categoriser;
      if (!categoriser) return reply.code(503).send({ error: "CATEGORISER_OFF", message: "the ATT&CK categoriser is turned off in this node's config (categoriser.enabled)" });
      return categoriser.provenance;
    });
  };
}
