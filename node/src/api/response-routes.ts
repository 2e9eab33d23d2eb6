import type { FastifyInstance } from "fastify";
import { z } from "zod";
import type { CtiNode } from "../node.js";
import { ENFORCEMENT_FEED_NAME, RESPONSE_ACTIONS } from "../model/response.js";
import { callerOf, parse } from "./http.js";

/**
 * Response (response/): enforcement feeds (their files for devices that pull, the dry run, the
 * journal, rollback and resume), coordinated response requests (make, list, approve, decline),
 * playbook hooks and the audit log of it all.
 */
const feedName = z.object({ name: z.string().regex(ENFORCEMENT_FEED_NAME, "a feed name") });
const requestId = z.object({ id: z.string().regex(/^course-of-action--[0-9a-f-]{36}$/, "a course-of-action id") });
const AUDIT_KINDS = ["feed-change", "feed-rollback", "feed-resume", "request-made", "request-received", "decision", "acknowledgement", "hook"] as const;

export function responseRoutes(node: CtiNode) {
  return async (app: FastifyInstance) => {
    app.get("/response/feeds", async () => ({ feeds: node.response.status() }));

    app.get("/response/feeds/:name", async (request) => {
      const { name } = parse(feedName, request.params);
      const feed = node.response.feed(name);
      return { ...feed.status(), files: Object.keys(feed.files()) };
    });

    app.get("/response/feeds/:name/files", async (request) => {
      const { name } = parse(feedName, request.params);
      const feed = await node.response.pull(name);
      return { ...feed.status(), files: feed.files() };
    });

    // For devices that pull (EDLs, an RPZ fetched by a script): the file itself, as plain text.
    app.get("/response/feeds/:name/files/:file", async (request, reply) => {
      const { name, file } = parse(feedName.extend({ file: z.string().regex(/^[a-z0-9][a-z0-9._-]{0,80}$/, "a file name") }), request.params);
      const feed = await node.response.pull(name);
      const content = feed.files()[file];
      if (content === undefined) return reply.code(404).send({ error: "UNKNOWN_FILE", message: `feed ${name} has ${Object.keys(feed.files()).join(", ")}` });
      const etag = `"${feed.status().version}"`;
      if (request.headers["if-none-match"] === etag && feed.init.kind !== "nftables") return reply.code(304).send();
      return reply.header("content-type", "text/plain; charset=utf-8").header("etag", etag).header("cache-control", "no-cache").send(content);
    });

    app.get("/response/feeds/:name/plan", async (request) => {
      const { name } = parse(feedName, request.params);
      return node.response.plan(name);
    });

    app.get("/response/feeds/:name/changes", async (request) => {
      const { name } = parse(feedName, request.params);
      const query = parse(z.object({ limit: z.coerce.number().int().min(1).max(500).default(50), before: z.coerce.number().int().min(1).optional() }), request.query);
      return { changes: await node.response.changes(name, query) };
    });

    app.post("/response/feeds/:name/rollback", async (request) => {
      const { name } = parse(feedName, request.params);
      const { version } = parse(z.object({ version: z.number().int().min(0) }).strict(), request.body);
      const change = await node.response.rollback(name, version, callerOf(request));
      return { version: change.version, serial: change.serial, restored: change.restored, added: change.added.length, removed: change.removed.length, pinned: true };
    });

    app.post("/response/feeds/:name/resume", async (request) => {
      const { name } = parse(feedName, request.params);
      return { resumed: await node.response.resume(name, callerOf(request)), ...node.response.feed(name).status() };
    });

    app.get("/response/requests", async () => ({ requests: await node.response.requests.list() }));

    app.get("/response/requests/:id", async (request, reply) => {
      const { id } = parse(requestId, request.params);
      const found = await node.response.requests.get(id);
      return found ?? reply.code(404).send({ error: "UNKNOWN_REQUEST", message: `no response request ${id}` });
    });

    app.post("/response/requests", async (request, reply) => {
      const body = parse(
        z
          .object({
            action: z.enum(RESPONSE_ACTIONS),
            targets: z.array(z.object({ type: z.string().min(1), value: z.string().min(1).max(2048) }).strict()).min(1).max(1000),
            /** When it ends: an ISO time, or hours from now. */
            expiresAt: z.iso.datetime({ offset: true }).optional(),
            expiresInHours: z.number().positive().max(90 * 24).optional(),
            group: z.number().int().min(0).default(0),
            name: z.string().max(256).optional(),
            description: z.string().max(4096).optional(),
          })
          .strict()
          .refine((b) => (b.expiresAt === undefined) !== (b.expiresInHours === undefined), "give expiresAt or expiresInHours"),
        request.body,
      );
      const expiresAt = body.expiresAt !== undefined ? Date.parse(body.expiresAt) : node.now() + body.expiresInHours! * 3_600_000;
      const made = await node.response.requests.make({ action: body.action, targets: body.targets, expiresAt, group: body.group, name: body.name, description: body.description }, callerOf(request));
      return reply.code(201).send(made);
    });

    app.post("/response/requests/:id/approve", async (request) => {
      const { id } = parse(requestId, request.params);
      return node.response.requests.approve(id, callerOf(request));
    });

    app.post("/response/requests/:id/decline", async (request) => {
      const { id } = parse(requestId, request.params);
      const { reason } = parse(z.object({ reason: z.string().max(500).optional() }).strict().default({}), request.body ?? {});
      return node.response.requests.decline(id, callerOf(request), reason);
    });

    app.get("/response/hooks", async () => ({ hooks: node.response.hooks.stats }));

    app.get("/response/audit", async (request) => {
      const query = parse(z.object({ limit: z.coerce.number().int().min(1).max(1000).default(100), kind: z.enum(AUDIT_KINDS).optional() }), request.query);
      return { entries: await node.response.audit(query) };
    });
  };
}
