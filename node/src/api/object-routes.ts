import type { FastifyInstance } from "fastify";
import { z } from "zod";
import { TLP_LEVELS } from "../model/indicator.js";
import { isStixId } from "../model/stix-object.js";
import { readStixObjects } from "../interop/stix-objects.js";
import { runStixImport } from "../interop/importer.js";
import type { CtiNode } from "../node.js";
import { answer, progressField } from "./progress.js";
import { audienceField, parse } from "./http.js";

/**
 * STIX objects (intel/): list and search, one object with its versions and who stated it, the
 * graph around it, publishing a bundle, and revoking one of this org's. Every read names its
 * audience and shows only the versions it may see.
 */

export const stixIdField = z.string().refine(isStixId, "is a STIX id: <type>--<uuid>");
const booleanField = (fallback: boolean) => z.enum(["true", "false"]).default(fallback ? "true" : "false").transform((v) => v === "true");

const listQuery = z.object({
  audience: audienceField,
  type: z.string().regex(/^[a-z0-9-]{1,250}$/, "is a STIX type").optional(),
  q: z.string().max(200).optional(),
  tag: z.string().min(1).max(256).optional(),
  after: stixIdField.optional(),
  limit: z.coerce.number().int().min(1).max(1000).default(100),
  revoked: booleanField(false),
});

const graphQuery = z.object({
  audience: audienceField,
  depth: z.coerce.number().int().min(1).max(3).default(1),
  limit: z.coerce.number().int().min(1).max(2000).default(500),
  next: z.string().regex(/^\d{1,9}$/).optional(),
});

const publishQuery = z.object({
  progress: progressField,
  /** TLP for objects that carry no TLP marking. */
  tlp: z.enum(TLP_LEVELS).default("GREEN"),
  group: z.coerce.number().int().positive().optional(),
  /** Publish the values of patterns and observables as indicators too. */
  atoms: booleanField(true),
});

export function objectRoutes(node: CtiNode, init: { importBodyLimitBytes: number }) {
  return async (app: FastifyInstance) => {
    app.get("/objects", async (request) => {
      const query = parse(listQuery, request.query);
      return node.intel.list({ type: query.type, text: query.q, tag: query.tag, after: query.after, limit: query.limit, includeRevoked: query.revoked }, query.audience);
    });

    app.get("/objects/:id", async (request, reply) => {
      const { id } = parse(z.object({ id: stixIdField }), request.params);
      const { audience } = parse(z.object({ audience: audienceField }), request.query);
      const detail = await node.intel.get(id, audience);
      if (!detail) return reply.code(404).send({ error: "NOT_FOUND", message: `no object ${id} this audience may see` });
      return detail;
    });

    app.get("/objects/:id/graph", async (request, reply) => {
      const { id } = parse(z.object({ id: stixIdField }), request.params);
      const query = parse(graphQuery, request.query);
      const graph = await node.intel.graph(id, { depth: query.depth, limit: query.limit, next: query.next }, query.audience);
      if (!graph) return reply.code(404).send({ error: "NOT_FOUND", message: `no object ${id} this audience may see` });
      return graph;
    });

    // A bundle (or a list of objects, or one object), as `cti publish --stix` sends it.
    app.post("/objects", { bodyLimit: init.importBodyLimitBytes }, async (request, reply) => {
      const query = parse(publishQuery, request.query);
      const read = readStixObjects(request.body);
      return answer(reply, query.progress, (progress) =>
        runStixImport(read, { orgId: node.identity.orgId, publishObjects: (objects, onProgress) => node.intel.publish(objects, { defaultTlp: query.tlp, group: query.group, atoms: query.atoms }, onProgress) }, progress),
      );
    });

    app.post("/objects/:id/revoke", async (request) => {
      const { id } = parse(z.object({ id: stixIdField }), request.params);
      return node.intel.revoke(id);
    });
  };
}
