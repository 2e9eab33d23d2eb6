/**
 * api/ owns the node's local HTTP API (fastify, 127.0.0.1 by default): status, indicators
 * (publish, lookups, listings, the detectors' feed, sightings), sharing groups, and trust
 * (reputation, statistics, audit proofs). Every request is parsed with zod at the boundary; a
 * bad request gets a 400 naming the field, never a crash. Every response that carries
 * indicators goes through privacy/audience.ts for the audience the caller names (this org's
 * own view by default), so a feed for clients can never hold AMBER+STRICT or RED.
 */
import { draftRoutes } from "./draft-routes.js";
import { DraftError } from "../extract/draft-service.js";
import { CategoriserError } from "../categorise/categoriser-service.js";
import { categoriseRoutes } from "./categorise-routes.js";
import { correlationRoutes } from "./correlation-routes.js";
import { forecastRoutes } from "./forecast-routes.js";
import { ReportTextError } from "../extract/report-text.js";
import { feedRoutes } from "./feed-routes.js";
import { UnknownFeedError } from "../feeds/feed-service.js";
import { createHash, timingSafeEqual } from "node:crypto";
import Fastify, { type FastifyInstance } from "fastify";
import { ChainRefusedError } from "../chain/chain-errors.js";
import { InvalidIndicatorError } from "../model/errors.js";
import { NoGroupsContractError, type CtiNode } from "../node.js";
import { PublisherBusyError } from "../gossip/batch-publisher.js";
import { TrustError, type TrustErrorCode } from "../trust/trust-service.js";
import { groupRoutes } from "./group-routes.js";
import { NoAdminKeyError } from "../chain/admin-desk.js";
import { CsvFormatError } from "../interop/csv.js";
import { dashboardRoutes, isDashboardAsset } from "./dashboard-routes.js";
import { networkRoutes } from "./network-routes.js";
import { BadRequestError, setCaller } from "./http.js";
import { indicatorRoutes } from "./indicator-routes.js";
import { interopRoutes } from "./interop-routes.js";
import { taxiiRoutes } from "./taxii-routes.js";
import { trustRoutes } from "./trust-routes.js";
import { objectRoutes } from "./object-routes.js";
import { IntelError } from "../intel/intel-service.js";
import { openApiDocument, openApiPath } from "./openapi.js";
import { allowedHostsOf, refuseRequest } from "./request-guard.js";
import { HeavyWork, HeavyWorkBusyError } from "./heavy-work.js";
import { responseRoutes } from "./response-routes.js";
import { AnonymousSightingError } from "../anon/anonymous-statements.js";
import { UnknownResponseFeedError } from "../response/response-service.js";
import { FeedRollbackError } from "../response/enforcement-feed.js";
import { ResponseRequestError } from "../response/request-objects.js";
import { RequestDecisionError } from "../response/request-coordinator.js";
import packageJson from "../../../package.json" with { type: "json" };

const operationsOf = new WeakMap<FastifyInstance, string[]>();

/** Every operation the server registered, as "METHOD /openapi/{path}" (for the OpenAPI check). */
export function apiOperations(app: FastifyInstance): string[] {
  return operationsOf.get(app) ?? [];
}


export interface ApiServerInit {
  host: string;
  port: number;
  bodyLimitBytes: number;
  /** Bearer tokens that may call the API; none: no authentication (loopback only, see config). */
  tokens?: ReadonlyArray<{ name: string; token: string }>;
  /** Host names (with port) the API answers to beside its own address, e.g. behind a reverse proxy. */
  allowedHosts?: readonly string[];
  /** Largest body of an import or a published bundle (ATT&CK is 29 MB); DEFAULT_IMPORT_BODY_LIMIT when not given. */
  importBodyLimitBytes?: number;
}

export const DEFAULT_IMPORT_BODY_LIMIT = 64 * 1024 * 1024;

const digest = (text: string) => createHash("sha256").update(text).digest();

/** The name of the token `Authorization: Bearer <token>` names, if it is one of them (compared in constant time). */
function bearerName(header: string | undefined, tokens: ReadonlyArray<{ name: string; token: string }>): string | undefined {
  const match = /^Bearer (.+)$/.exec(header ?? "");
  if (!match) return undefined;
  const offered = digest(match[1]!);
  return tokens.find((t) => timingSafeEqual(digest(t.token), offered))?.name;
}

const TRUST_STATUS: Record<TrustErrorCode, number> = {
  NOT_FOUND: 404,
  LOCAL_ONLY: 409,
  NOT_ANCHORED: 409,
  MISSING_BATCHES: 409,
  NO_TRUST_CONTRACTS: 409,
  BAD_PROOF: 400,
};

const INTEL_STATUS: Record<IntelError["code"], number> = {
  NOT_FOUND: 404,
  NOT_OWNER: 403,
  ALREADY_REVOKED: 409,
  BAD_QUERY: 400,
};

/** The node's HTTP API, ready to listen (or to be driven in-process with `inject`). */
export async function buildApiServer(node: CtiNode, init: Pick<ApiServerInit, "bodyLimitBytes" | "tokens" | "allowedHosts" | "importBodyLimitBytes">): Promise<FastifyInstance> {
  const importBodyLimitBytes = Math.max(init.importBodyLimitBytes ?? DEFAULT_IMPORT_BODY_LIMIT, init.bodyLimitBytes);
  const app = Fastify({ logger: false, bodyLimit: init.bodyLimitBytes });
  const tokens = init.tokens ?? [];
  // First of all: a browser's cross-site or rebound request never reaches a route (api/request-guard.ts).
  let allowedHosts: ReadonlySet<string> | undefined | null = null;
  app.addHook("onRequest", async (request, reply) => {
    if (allowedHosts === null && app.server.listening) {
      const address = app.server.address();
      if (address && typeof address === "object") allowedHosts = allowedHostsOf(address.address, address.port, init.allowedHosts ?? []);
    }
    const header = (name: string) => {
      const value = request.headers[name];
      return Array.isArray(value) ? value[0] : value;
    };
    const refusal = refuseRequest(
      {
        method: request.method,
        url: request.url,
        host: header("host"),
        origin: header("origin"),
        secFetchSite: header("sec-fetch-site"),
        contentType: header("content-type"),
        hasBody: Number(header("content-length") ?? 0) > 0 || header("transfer-encoding") !== undefined,
      },
      // Driven in-process (inject, no socket): nothing to rebind.
      allowedHosts ?? undefined,
    );
    if (refusal) return reply.code(refusal.status).send({ error: refusal.error, message: refusal.message });
  });
  // Bodies are JSON, or CSV for the CSV import (interop-routes.ts): fastify's text/plain parser goes.
  app.removeContentTypeParser("text/plain");
  if (tokens.length > 0) {
    app.addHook("onRequest", async (request, reply) => {
      // TAXII clients authenticate with the TAXII credentials (api/taxii-routes.ts).
      if (request.url.startsWith("/taxii2/")) return;
      // The dashboard's assets hold no data; the API calls they make carry the token.
      if (request.method === "GET" && isDashboardAsset(request.url)) return;
      const caller = bearerName(request.headers.authorization, tokens);
      if (caller !== undefined) {
        setCaller(request, `token ${caller}`);
        return;
      }
      return reply.code(401).header("www-authenticate", 'Bearer realm="cti-node"').send({ error: "UNAUTHORIZED", message: "send Authorization: Bearer <token> with a token from api.tokens (CTI_API_TOKEN for the cti CLI)" });
    });
  }
  const operations: string[] = [];
  operationsOf.set(app, operations);
  app.addHook("onRoute", (route) => {
    for (const method of [route.method].flat()) if (method !== "HEAD") operations.push(`${method} ${openApiPath(route.url)}`);
  });


  app.setErrorHandler((error: Error & { statusCode?: number }, request, reply) => {
    if (error instanceof BadRequestError) return reply.code(400).send({ error: "BAD_REQUEST", message: error.message, issues: error.issues });
    if (error instanceof InvalidIndicatorError) return reply.code(400).send({ error: error.reason, field: error.field, message: error.message });
    if (error instanceof TrustError) return reply.code(TRUST_STATUS[error.code]).send({ error: error.code, message: error.message });
    // A contract refusing a change (not the owner, org not active...) is the caller's problem: name the contract's error.
    if (error instanceof ChainRefusedError) return reply.code(409).send({ error: error.reason, message: error.message });
    if (error instanceof CsvFormatError) return reply.code(400).send({ error: "BAD_CSV", message: error.message });
    if (error instanceof UnknownFeedError) return reply.code(404).send({ error: "UNKNOWN_FEED", message: error.message });
    if (error instanceof DraftError) return reply.code(error.code === "UNKNOWN_DRAFT" ? 404 : error.code === "DRAFT_CLOSED" ? 409 : 400).send({ error: error.code, message: error.message });
    if (error instanceof CategoriserError) return reply.code(error.code === "UNKNOWN_OBJECT" ? 404 : 400).send({ error: error.code, message: error.message });
    if (error instanceof ReportTextError) return reply.code(400).send({ error: "BAD_REPORT", message: error.message });
    if (error instanceof NoAdminKeyError) return reply.code(409).send({ error: "NO_ADMIN_KEY", message: error.message });
    if (error instanceof NoGroupsContractError) return reply.code(409).send({ error: "NO_GROUPS_CONTRACT", message: error.message });
    if (error instanceof AnonymousSightingError) return reply.code(error.code === "NO_EPOCH" ? 503 : 409).send({ error: error.code, message: error.message });
    if (error instanceof UnknownResponseFeedError) return reply.code(404).send({ error: "UNKNOWN_FEED", message: error.message });
    if (error instanceof FeedRollbackError) return reply.code(409).send({ error: "BAD_VERSION", message: error.message });
    if (error instanceof ResponseRequestError) return reply.code(400).send({ error: error.code, message: error.message });
    if (error instanceof RequestDecisionError) return reply.code(error.code === "UNKNOWN_REQUEST" ? 404 : 409).send({ error: error.code, message: error.message });
    if (error instanceof IntelError) return reply.code(INTEL_STATUS[error.code]).send({ error: error.code, message: error.message });
    // Back-pressure, not a fault: the caller retries after a moment.
    if (error instanceof PublisherBusyError) return reply.code(503).header("retry-after", "1").send({ error: "BUSY", message: error.message });
    if (error instanceof HeavyWorkBusyError) return reply.code(503).header("retry-after", String(error.retryAfterSeconds)).send({ error: "BUSY", message: error.message });
    const status = error.statusCode && error.statusCode < 500 ? error.statusCode : 500;
    if (status < 500) return reply.code(status).send({ error: "BAD_REQUEST", message: error.message });
    // The node's own failure: its details go to the log, the caller gets an id to quote, not a stack's message.
    node.logger.error({ requestId: request.id, method: request.method, url: request.url.split("?")[0], error: error.message }, "API request failed");
    return reply.code(500).send({ error: "INTERNAL", message: `the node failed to answer (request ${request.id}); its log says why`, requestId: request.id });
  });

  // Registered after the error handler: plugins inherit the handler set when they are registered.
  app.get("/status", async () => node.status());
  const description = openApiDocument(packageJson.version);
  app.get("/openapi.json", async () => description);
  // Whole-store reads share a few slots, and answers that are the same for all are computed once a period.
  const heavy = new HeavyWork({ now: () => node.now() });
  await app.register(indicatorRoutes(node, heavy));
  await app.register(groupRoutes(node));
  await app.register(trustRoutes(node, heavy));
  await app.register(correlationRoutes(node, heavy));
  await app.register(forecastRoutes(node, heavy));
  await app.register(interopRoutes(node, heavy, { importBodyLimitBytes }));
  await app.register(objectRoutes(node, { importBodyLimitBytes }));
  await app.register(networkRoutes(node));
  await app.register(feedRoutes(node));
  await app.register(draftRoutes(node, { importBodyLimitBytes }));
  await app.register(categoriseRoutes(node));
  await app.register(responseRoutes(node));
  await app.register(dashboardRoutes());
  if (node.config.taxii.credentials.length > 0) await app.register(taxiiRoutes(node, node.config.taxii.credentials));
  return app;
}

/** The HTTP API could not listen where the config says (the port taken, not allowed, or the address not this machine's). */
export class ApiListenError extends Error {
  override readonly name = "ApiListenError";
}

const LISTEN_PROBLEMS: Record<string, string> = {
  EADDRINUSE: "the port is already in use",
  EACCES: "this user may not listen on that port",
  EADDRNOTAVAIL: "the address is not one of this machine's",
};

export async function startApiServer(node: CtiNode, init: ApiServerInit): Promise<{ app: FastifyInstance; url: string }> {
  const app = await buildApiServer(node, init);
  try {
    const url = await app.listen({ host: init.host, port: init.port });
    return { app, url };
  } catch (err) {
    await app.close();
    const problem = LISTEN_PROBLEMS[(err as NodeJS.ErrnoException).code ?? ""];
    if (!problem) throw err;
    throw new ApiListenError(`cannot serve the HTTP API on ${init.host}:${init.port}: ${problem} (change api.host or api.port in config.json, or pass --api-port)`);
  }
}
