import { createHash, randomUUID, timingSafeEqual } from "node:crypto";
import type { FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import { v5 as uuidv5 } from "uuid";
import { z } from "zod";
import { isoMicros } from "../interop/stix.js";
import { CollectionReader, MAX_PAGE, parseVersionMatch, type CollectionItem, type CollectionQuery, type VersionMatch } from "./taxii-collection.js";
import type { CtiNode } from "../node.js";
import type { ExportAudience } from "../privacy/audience.js";
import type { OrderedEntry } from "../store/ordered-index.js";

/**
 * TAXII 2.1: discovery, one API root, and one collection per audience the caller is entitled to
 * (a credential's audience and every narrower one: internal > clients > community > public).
 * Collections hold what that audience may see (api/taxii-collection.ts): the node's feed as STIX
 * indicators, one per observable, whose version is the record's last update, and every STIX
 * object partners shared, in every version, with match[type], match[id], match[version] and
 * match[spec_version]. A credential with `canWrite` adds objects through the publish path, and
 * polls the status of what it added.
 *
 * Paging follows the store's write order with a cursor on (revision, id), carried in `next`: an
 * object written while a client pages comes after the cursor, so nothing is skipped, and each
 * version is served once. Dates added and versions carry microseconds (every write of the node
 * has its own), so `added_after`, exclusive as TAXII says, loses nothing either.
 */

export const TAXII_MEDIA_TYPE = "application/taxii+json;version=2.1";
const STIX_MEDIA_TYPE = "application/stix+json;version=2.1";
const NAMESPACE = "3f5c8a44-2f1e-5d2a-9a8b-1c6e7d9f0b3a";
const WIDER_FIRST: ExportAudience[] = ["internal", "clients", "community", "public"];

export interface TaxiiCredential {
  name: string;
  audience: ExportAudience;
  token?: string | undefined;
  user?: string | undefined;
  password?: string | undefined;
  canWrite?: boolean | undefined;
}

const digest = (s: string) => createHash("sha256").update(s).digest();
const same = (a: string, b: string) => timingSafeEqual(digest(a), digest(b));

/** The credential a request presents (Bearer token or Basic), if it is one of ours. */
export function authenticate(header: string | undefined, credentials: TaxiiCredential[]): TaxiiCredential | undefined {
  if (!header) return undefined;
  const [scheme, value] = header.split(" ", 2);
  if (!value) return undefined;
  if (scheme?.toLowerCase() === "bearer") return credentials.find((c) => c.token !== undefined && same(c.token, value));
  if (scheme?.toLowerCase() === "basic") {
    const decoded = Buffer.from(value, "base64").toString("utf8");
    const colon = decoded.indexOf(":");
    if (colon < 0) return undefined;
    const [user, password] = [decoded.slice(0, colon), decoded.slice(colon + 1)];
    return credentials.find((c) => {
      if (c.user === undefined || c.password === undefined) return false;
      // Both compared every time: the time taken tells nothing about which one was wrong.
      const userMatches = same(c.user, user);
      const passwordMatches = same(c.password, password);
      return userMatches && passwordMatches;
    });
  }
  return undefined;
}

export const collectionId = (audience: ExportAudience) => uuidv5(`collection:${audience}`, NAMESPACE);

/** An RFC 3339 time to microseconds, keeping sub-millisecond digits (dates added carry them). */
function parseMicros(text: string): number {
  const ms = Date.parse(text);
  const fraction = /\.(\d+)/.exec(text)?.[1] ?? "";
  return ms * 1000 + Number(fraction.slice(3, 6).padEnd(3, "0"));
}

function encodeCursor(entry: OrderedEntry): string {
  return Buffer.from(`${entry.at}:${entry.id}`).toString("base64url");
}

function decodeCursor(next: string): OrderedEntry | undefined {
  const text = Buffer.from(next, "base64url").toString("utf8");
  const colon = text.indexOf(":");
  const [at, id] = [text.slice(0, colon), text.slice(colon + 1)];
  // The id is a record's (hex) or a STIX object's; "~" sorts after both (added_after).
  return colon > 0 && /^\d{1,16}$/.test(at) && /^([0-9a-f]{64}|[a-z0-9-]{1,250}--[0-9a-fA-F-]{36}|~)$/.test(id) ? { at: Number(at), id } : undefined;
}

const listField = (pattern: RegExp, what: string) =>
  z
    .string()
    .max(10_000)
    .transform((v) => v.split(","))
    .refine((list) => list.every((x) => pattern.test(x)), `is a comma-separated list of ${what}`)
    .optional();

const objectsQuery = z.object({
  added_after: z.iso.datetime({ offset: true }).optional(),
  // A limit beyond the server's page is answered with a full page and `more`, as TAXII clients expect.
  limit: z.coerce.number().int().min(1).default(MAX_PAGE).transform((n) => Math.min(n, MAX_PAGE)),
  next: z.string().max(400).optional(),
  "match[type]": listField(/^[a-z0-9-]{1,250}$/, "STIX types"),
  "match[id]": listField(/^[a-z0-9-]{1,250}--[0-9a-fA-F-]{36}$/, "STIX ids"),
  "match[version]": z.string().max(2000).optional(),
  "match[spec_version]": listField(/^\d\.\d$/, "STIX versions"),
});

/** The status of an envelope of objects a client added (TAXII 2.1 section 4.3). */
interface TaxiiStatus {
  id: string;
  status: "pending" | "complete";
  request_timestamp: string;
  total_count: number;
  success_count: number;
  successes: Array<{ id: string; version?: string; message?: string }>;
  failure_count: number;
  failures: Array<{ id: string; version?: string; message?: string }>;
  pending_count: number;
  pendings: Array<{ id: string; version?: string }>;
}

/** Statuses kept for clients to poll: the newest ones, for an hour. */
const STATUS_KEPT = 1000;
const STATUS_TTL_MS = 60 * 60 * 1000;

export function taxiiRoutes(node: CtiNode, credentials: TaxiiCredential[]) {
  return async (app: FastifyInstance) => {
    app.addContentTypeParser("application/taxii+json", { parseAs: "string" }, (_request, body, done) => {
      try {
        done(null, JSON.parse(body as string));
      } catch (err) {
        (err as Error & { statusCode?: number }).statusCode = 400;
        done(err as Error, undefined);
      }
    });
    const reader = new CollectionReader(node);
    const statuses = new Map<string, { status: TaxiiStatus; credential: string; at: number }>();
    // Sent as bytes: for a string, fastify would rewrite the media type's parameters (quoting the version).
    const send = (reply: FastifyReply, status: number, body: unknown) =>
      reply.code(status).header("content-type", TAXII_MEDIA_TYPE).send(Buffer.from(JSON.stringify(body)));
    const error = (reply: FastifyReply, status: number, title: string, description?: string) => send(reply, status, { title, ...(description ? { description } : {}), http_status: String(status) });

    /** The caller's credential and entitled audiences, or an error already sent. */
    const guard = (request: FastifyRequest, reply: FastifyReply): { credential: TaxiiCredential; entitled: ExportAudience[] } | undefined => {
      const credential = authenticate(request.headers.authorization, credentials);
      if (!credential) {
        void reply.header("WWW-Authenticate", 'Basic realm="cti-exchange TAXII", Bearer');
        void error(reply, 401, "Unauthorized", "give a Bearer token or Basic credentials");
        return undefined;
      }
      const accept = request.headers.accept ?? "*/*";
      if (!/application\/taxii\+json(;\s*version=2\.1)?|\*\/\*|application\/\*/.test(accept)) {
        void error(reply, 406, "Not Acceptable", `this server speaks ${TAXII_MEDIA_TYPE}`);
        return undefined;
      }
      return { credential, entitled: WIDER_FIRST.slice(WIDER_FIRST.indexOf(credential.audience)) };
    };
    const collection = (audience: ExportAudience, credential: TaxiiCredential) => ({
      id: collectionId(audience),
      title: `CTI exchange: ${audience}`,
      description: `Indicators above this node's quarantine threshold and the STIX objects partners shared, as the ${audience} audience may see them.`,
      can_read: true,
      can_write: credential.canWrite === true,
      media_types: [STIX_MEDIA_TYPE],
    });
    const audienceOf = (request: FastifyRequest, reply: FastifyReply, entitled: ExportAudience[]) => {
      const { id } = request.params as { id: string };
      const audience = entitled.find((a) => collectionId(a) === id);
      if (!audience) void error(reply, 404, "Not Found", "no such collection for these credentials");
      return audience;
    };
    /** The parsed query, or a 400 already sent. */
    const queryOf = (request: FastifyRequest, reply: FastifyReply): CollectionQuery | undefined => {
      const parsed = objectsQuery.safeParse(request.query);
      if (!parsed.success) {
        void error(reply, 400, "Bad Request", parsed.error.issues.map((i) => `${i.path.join(".")}: ${i.message}`).join("; "));
        return undefined;
      }
      const q = parsed.data;
      const versions = parseVersionMatch(q["match[version]"]);
      if (!versions) {
        void error(reply, 400, "Bad Request", "match[version] is first, last, all or RFC 3339 times, comma-separated");
        return undefined;
      }
      let cursor: OrderedEntry | undefined;
      if (q.next) cursor = decodeCursor(q.next);
      else if (q.added_after) cursor = { at: parseMicros(q.added_after), id: "~" };
      if (q.next && !cursor) {
        void error(reply, 400, "Bad Request", "next is a cursor this server gave");
        return undefined;
      }
      return { cursor, limit: q.limit, types: q["match[type]"], ids: q["match[id]"], versions, specVersions: q["match[spec_version]"] };
    };
    const dateHeaders = (reply: FastifyReply, out: Array<{ added: number }>) => {
      if (out.length === 0) return;
      const added = out.map((o) => o.added);
      void reply.header("X-TAXII-Date-Added-First", isoMicros(Math.min(...added)));
      void reply.header("X-TAXII-Date-Added-Last", isoMicros(Math.max(...added)));
    };

    app.get("/taxii2/", async (request, reply) => {
      if (!guard(request, reply)) return reply;
      return send(reply, 200, { title: "CTI exchange node", description: "TAXII 2.1 server of a CTI exchange partner node", default: "/taxii2/api/", api_roots: ["/taxii2/api/"] });
    });

    app.get("/taxii2/api/", async (request, reply) => {
      if (!guard(request, reply)) return reply;
      return send(reply, 200, { title: "CTI exchange", versions: [TAXII_MEDIA_TYPE], max_content_length: node.config.api === false ? 64 * 1024 * 1024 : node.config.api.importBodyLimitBytes });
    });

    app.get("/taxii2/api/collections/", async (request, reply) => {
      const caller = guard(request, reply);
      if (!caller) return reply;
      return send(reply, 200, { collections: caller.entitled.map((a) => collection(a, caller.credential)) });
    });

    app.get("/taxii2/api/collections/:id/", async (request, reply) => {
      const caller = guard(request, reply);
      const audience = caller && audienceOf(request, reply, caller.entitled);
      if (!caller || !audience) return reply;
      return send(reply, 200, collection(audience, caller.credential));
    });

    /** A page of the collection the request names, each item as `shape` writes it (objects or manifest entries). */
    const collectionPage = (shape: (item: CollectionItem) => unknown) => async (request: FastifyRequest, reply: FastifyReply) => {
      const caller = guard(request, reply);
      const audience = caller && audienceOf(request, reply, caller.entitled);
      const query = audience && queryOf(request, reply);
      if (!audience || !query) return reply;
      const { items, next, more } = await reader.page(audience, query);
      dateHeaders(reply, items);
      return send(reply, 200, { more, ...(more && next ? { next: encodeCursor(next) } : {}), objects: items.map(shape) });
    };

    app.get("/taxii2/api/collections/:id/objects/", collectionPage((item) => item.object));
    app.get("/taxii2/api/collections/:id/manifest/", collectionPage((item) => ({ id: item.object.id, date_added: isoMicros(item.added), version: item.version, media_type: STIX_MEDIA_TYPE })));

    /** An object's versions asked for, or a 404 already sent. */
    const oneObject = async (request: FastifyRequest, reply: FastifyReply, versions?: VersionMatch[]) => {
      const caller = guard(request, reply);
      const audience = caller && audienceOf(request, reply, caller.entitled);
      const query = audience && queryOf(request, reply);
      if (!audience || !query) return undefined;
      const { objectId } = request.params as { objectId: string };
      const items = await reader.one(audience, objectId, versions ?? query.versions);
      if (items.length === 0) {
        void error(reply, 404, "Not Found", "no such object in this collection");
        return undefined;
      }
      return items;
    };

    app.get("/taxii2/api/collections/:id/objects/:objectId/", async (request, reply) => {
      const items = await oneObject(request, reply);
      if (!items) return reply;
      dateHeaders(reply, items);
      return send(reply, 200, { more: false, objects: items.map((o) => o.object) });
    });

    app.get("/taxii2/api/collections/:id/objects/:objectId/versions/", async (request, reply) => {
      const items = await oneObject(request, reply, [{ kind: "all" }]);
      if (!items) return reply;
      dateHeaders(reply, items);
      return send(reply, 200, { more: false, versions: items.map((o) => o.version) });
    });

    // Adding objects: a credential with canWrite, through the publish path (the objects become this org's statements).
    app.post("/taxii2/api/collections/:id/objects/", async (request, reply) => {
      const caller = guard(request, reply);
      const audience = caller && audienceOf(request, reply, caller.entitled);
      if (!caller || !audience) return reply;
      if (!caller.credential.canWrite) return error(reply, 403, "Forbidden", "this credential may read, not write (taxii.credentials[].canWrite)");
      const body = request.body as { objects?: unknown } | undefined;
      if (!body || typeof body !== "object" || !Array.isArray(body.objects)) return error(reply, 400, "Bad Request", "send an envelope: { \"objects\": [ ... ] }");
      const report = await node.intel.publish(body.objects, {});
      const successes: TaxiiStatus["successes"] = [];
      const failures: TaxiiStatus["failures"] = [];
      for (const outcome of report.outcomes) {
        if (outcome.ok) successes.push({ id: outcome.id, version: outcome.version });
        else failures.push({ id: outcome.id ?? "?", message: `${outcome.reason}: ${outcome.message}` });
      }
      const status: TaxiiStatus = {
        id: randomUUID(),
        status: "complete",
        request_timestamp: new Date(node.now()).toISOString(),
        total_count: report.outcomes.length,
        success_count: successes.length,
        successes,
        failure_count: failures.length,
        failures,
        pending_count: 0,
        pendings: [],
      };
      statuses.set(status.id, { status, credential: caller.credential.name, at: node.now() });
      for (const [id, kept] of statuses) if (statuses.size > STATUS_KEPT || node.now() - kept.at > STATUS_TTL_MS) statuses.delete(id);
      return send(reply, 202, status);
    });

    app.get("/taxii2/api/status/:statusId/", async (request, reply) => {
      const caller = guard(request, reply);
      if (!caller) return reply;
      const { statusId } = request.params as { statusId: string };
      const kept = statuses.get(statusId);
      // A status is its writer's: another credential learns nothing of it, not even that it exists.
      if (!kept || kept.credential !== caller.credential.name) return error(reply, 404, "Not Found", "no such status");
      return send(reply, 200, kept.status);
    });
  };
}
