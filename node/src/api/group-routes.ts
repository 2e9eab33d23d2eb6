import type { FastifyInstance } from "fastify";
import { z } from "zod";
import type { CtiNode } from "../node.js";
import { orgIdField, parse } from "./http.js";

const groupParams = z.object({ id: z.coerce.number().int().positive() });

/** Sharing groups on chain: list, create (owned by this org), add and remove orgs. */
export function groupRoutes(node: CtiNode) {
  return async (app: FastifyInstance) => {
    app.get("/groups", async () => ({ groups: node.groups?.all() ?? [], available: node.groups !== undefined }));

    app.post("/groups", async (request, reply) => {
      const body = parse(z.object({ name: z.string().min(1).max(64), members: z.array(orgIdField).max(255).default([]) }), request.body);
      const id = await node.createGroup(body.name, body.members);
      return reply.code(201).send(node.groups?.get(id));
    });

    app.post("/groups/:id/members", async (request) => {
      const { id } = parse(groupParams, request.params);
      const { org } = parse(z.object({ org: orgIdField }), request.body);
      await node.changeGroupMember(id, org, "add");
      return node.groups?.get(id);
    });

    app.delete("/groups/:id/members/:org", async (request) => {
      const { id, org } = parse(groupParams.extend({ org: orgIdField }), request.params);
      await node.changeGroupMember(id, org, "remove");
      return node.groups?.get(id);
    });
  };
}
