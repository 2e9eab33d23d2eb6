/**
 * api/ owns the node's local HTTP API (fastify, 127.0.0.1 by default): status, lookups,
 * listings, publishing and sharing groups. Every request is parsed with zod at the boundary; a
 * bad request gets a 400 naming the field, never a crash. Every response that carries
 * indicators goes through privacy/audience.ts for the audience the caller names (this org's
 * own view by default), so a feed for clients can never hold AMBER+STRICT or RED.
 */
import Fastify, { type FastifyInstance } from "fastify";
import { z } from "zod";
import { InvalidIndicatorError } from "../model/errors.js";
import { INDICATOR_TYPES } from "../model/indicator.js";
import { EXPORT_AUDIENCES, exportAudience, viewFor, viewsFor } from "../privacy/audience.js";
import { isOrgId } from "../model/indicator.js";
import { ChainRefusedError } from "../chain/chain-errors.js";
import { NoGroupsContractError, type CtiNode } from "../node.js";

const IndicatorInputSchema = z.object({
  type: z.string(),
  value: z.string(),
  tlp: z.string().optional(),
  confidence: z.number().optional(),
  validFrom: z.union([z.number(), z.string()]).optional(),
  validUntil: z.union([z.number(), z.string()]).optional(),
  labels: z
    .object({
      malwareFamilies: z.array(z.string()).optional(),
      attackTechniques: z.array(z.string()).optional(),
      tags: z.array(z.string()).optional(),
    })
    .optional(),
  description: z.string().optional(),
  group: z.number().int().positive().optional(),
  blind: z.boolean().optional(),
});

export const PublishRequestSchema = z.object({
  indicators: z.array(IndicatorInputSchema).min(1).max(100_000),
});

const audienceQuery = z.enum(EXPORT_AUDIENCES).default("internal");

const LookupQuerySchema = z.object({
  value: z.string().min(1),
  type: z.enum(INDICATOR_TYPES).optional(),
  audience: audienceQuery,
});

const AudienceQuerySchema = z.object({ audience: audienceQuery });

const orgId = z.string().refine(isOrgId, "must be an org id");
const CreateGroupSchema = z.object({
  name: z.string().min(1).max(64),
  members: z.array(orgId).max(255).default([]),
});
const GroupMemberSchema = z.object({ org: orgId });
const GroupParamsSchema = z.object({ id: z.coerce.number().int().positive() });

const ListQuerySchema = z.object({
  audience: audienceQuery,
  since: z.union([z.coerce.number().int().min(0), z.iso.datetime().transform((s) => Date.parse(s))]).default(0),
  limit: z.coerce.number().int().min(1).max(10_000).default(1000),
});

function badRequest(error: z.ZodError) {
  return {
    error: "BAD_REQUEST",
    issues: error.issues.map((issue) => ({ path: issue.path.join("."), message: issue.message })),
  };
}

export interface ApiServerInit {
  host: string;
  port: number;
  bodyLimitBytes: number;
}

export async function startApiServer(node: CtiNode, init: ApiServerInit): Promise<{ app: FastifyInstance; url: string }> {
  const app = Fastify({ logger: false, bodyLimit: init.bodyLimitBytes });

  app.get("/status", async () => node.status());

  app.get("/indicators/lookup", async (request, reply) => {
    const query = LookupQuerySchema.safeParse(request.query);
    if (!query.success) return reply.code(400).send(badRequest(query.error));
    try {
      const records = await node.lookup(query.data.value, query.data.type, exportAudience(query.data.audience));
      return { value: query.data.value, matches: records };
    } catch (err) {
      if (err instanceof InvalidIndicatorError) return reply.code(400).send({ error: err.reason, message: err.message });
      throw err;
    }
  });

  app.get("/indicators", async (request, reply) => {
    const query = ListQuerySchema.safeParse(request.query);
    if (!query.success) return reply.code(400).send(badRequest(query.error));
    const records = await node.store.listSince(query.data.since, query.data.limit);
    const last = records.at(-1);
    // `next` resumes after the last record read (shown or not); records updated later come again, by design.
    return { indicators: viewsFor(records, exportAudience(query.data.audience), node.entitlements), next: last ? last.updatedAt : undefined };
  });

  app.get<{ Params: { id: string } }>("/indicators/:id", async (request, reply) => {
    if (!/^[0-9a-f]{64}$/.test(request.params.id)) return reply.code(400).send({ error: "BAD_REQUEST", message: "id is 64 hex characters" });
    const query = AudienceQuerySchema.safeParse(request.query);
    if (!query.success) return reply.code(400).send(badRequest(query.error));
    const stored = await node.store.indicators.get(request.params.id);
    // Not found and not visible answer alike: the caller learns nothing about what it may not see.
    const record = stored && viewFor(stored, exportAudience(query.data.audience), node.entitlements);
    if (!record) return reply.code(404).send({ error: "NOT_FOUND" });
    return record;
  });

  app.get("/groups", async () => ({ groups: node.groups?.all() ?? [], available: node.groups !== undefined }));

  app.post("/groups", async (request, reply) => {
    const body = CreateGroupSchema.safeParse(request.body);
    if (!body.success) return reply.code(400).send(badRequest(body.error));
    const id = await node.createGroup(body.data.name, body.data.members);
    return reply.code(201).send(node.groups?.get(id));
  });

  app.post<{ Params: { id: string } }>("/groups/:id/members", async (request, reply) => {
    const params = GroupParamsSchema.safeParse(request.params);
    const body = GroupMemberSchema.safeParse(request.body);
    if (!params.success) return reply.code(400).send(badRequest(params.error));
    if (!body.success) return reply.code(400).send(badRequest(body.error));
    await node.changeGroupMember(params.data.id, body.data.org, "add");
    return node.groups?.get(params.data.id);
  });

  app.delete<{ Params: { id: string; org: string } }>("/groups/:id/members/:org", async (request, reply) => {
    const params = GroupParamsSchema.extend({ org: orgId }).safeParse(request.params);
    if (!params.success) return reply.code(400).send(badRequest(params.error));
    await node.changeGroupMember(params.data.id, params.data.org, "remove");
    return node.groups?.get(params.data.id);
  });

  app.post("/indicators", async (request, reply) => {
    const body = PublishRequestSchema.safeParse(request.body);
    if (!body.success) return reply.code(400).send(badRequest(body.error));
    const outcomes = await node.publish(body.data.indicators);
    const rejected = outcomes.filter((o) => !o.ok).length;
    // 200 when everything was published; 207 when some inputs were refused (each says why).
    return reply.code(rejected === 0 ? 200 : rejected === outcomes.length ? 400 : 207).send({
      published: outcomes.length - rejected,
      rejected,
      results: outcomes,
    });
  });

  app.setErrorHandler((error: Error & { statusCode?: number }, _request, reply) => {
    // A contract refusing a change (not the owner, org not active...) is the caller's problem: name the contract's error.
    if (error instanceof ChainRefusedError) return reply.code(409).send({ error: error.reason, message: error.message });
    if (error instanceof NoGroupsContractError) return reply.code(409).send({ error: "NO_GROUPS_CONTRACT", message: error.message });
    const status = error.statusCode && error.statusCode < 500 ? error.statusCode : 500;
    reply.code(status).send({ error: status === 500 ? "INTERNAL" : "BAD_REQUEST", message: error.message });
  });

  const url = await app.listen({ host: init.host, port: init.port });
  return { app, url };
}
