import type { FastifyInstance } from "fastify";
import { z } from "zod";
import { rsitClassOf } from "../model/rsit.js";
import { bundledAttackNames } from "../config/reference-data.js";
import { INDICATOR_TYPES, TLP_LEVELS } from "../model/indicator.js";
import { SIGHTING_KINDS } from "../model/sighting.js";
import type { CtiNode } from "../node.js";
import type { ScoredRecord } from "../trust/trust-service.js";
import { checkConsistency } from "../store/consistency.js";
import { FEED_USES } from "../privacy/pap.js";
import { hasTag } from "../model/tags.js";
import type { HeavyWork } from "./heavy-work.js";
import { audienceField, formatField, idField, orgIdField, parse, sinceField, table } from "./http.js";

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
  /** As "an anonymous member": signed by the ring (anon/), at most 100 at once (each is a ring signature). */
  anonymous: z.boolean().optional(),
});

export const SightingRequestSchema = z.object({
  value: z.string().min(1),
  type: z.enum(INDICATOR_TYPES).optional(),
  kind: z.enum(SIGHTING_KINDS).default("sighting"),
  observedAt: z.union([z.number().int().min(0), z.iso.datetime().transform((s) => Date.parse(s))]).optional(),
  count: z.number().int().min(1).max(1_000_000).optional(),
});

/** A value alone is classified by its shape; `{ value, type }` says what it is (a user agent, a file name, a mutex have no shape of their own). */
const MatchValue = z.union([z.string().max(4096), z.object({ value: z.string().max(4096), type: z.enum(INDICATOR_TYPES) }).strict()]);
export const MatchRequestSchema = z.object({ values: z.array(MatchValue).min(1).max(100_000), includeQuarantined: z.boolean().default(false) });

const IndicatorListQuery = z.object({
  audience: audienceField,
  since: sinceField,
  limit: z.coerce.number().int().min(1).max(10_000).default(1000),
  type: z.enum(INDICATOR_TYPES).optional(),
  tlp: z.enum(TLP_LEVELS).optional(),
  producer: orgIdField.optional(),
  minScore: z.coerce.number().min(0).max(100).default(0),
  /** A tag the record carries (case-insensitive; a trailing * matches any tag it begins). */
  tag: z.string().min(1).max(256).optional(),
  /** oldest first (default: what a reader following `next` needs) or newest first (a live view). */
  order: z.enum(["oldest", "newest"]).default("oldest"),
});

const limitField = (max: number, fallback: number) => z.coerce.number().int().min(1).max(max).default(fallback);

/** One CSV line per record: what a detector or a spreadsheet needs. */
function csvRow(r: ScoredRecord) {
  return {
    id: r.id,
    type: r.type,
    value: r.value,
    blinded: r.blinded,
    tlp: r.tlp,
    confidence: r.confidence,
    score: r.score.score,
    quarantined: r.score.quarantined,
    validFrom: new Date(r.validFrom).toISOString(),
    validUntil: new Date(r.validUntil).toISOString(),
    producers: r.attestations.map((a) => a.producer),
    malwareFamilies: r.labels.malwareFamilies,
    attackTechniques: r.labels.attackTechniques,
    tags: r.labels.tags,
  };
}

/**
 * Indicators: publish, look up, list, feed (what detectors may use) and sightings. Every record
 * answered is the view of the audience asked for (privacy/audience.ts), with its score.
 */
export function indicatorRoutes(node: CtiNode, heavy: HeavyWork) {
  return async (app: FastifyInstance) => {
    app.get("/indicators/lookup", async (request) => {
      const query = parse(z.object({ value: z.string().min(1), type: z.enum(INDICATOR_TYPES).optional(), audience: audienceField }), request.query);
      const records = await node.lookup(query.value, query.type);
      return { value: query.value, matches: await node.trust.scored(records, query.audience) };
    });

    app.get("/indicators", async (request) => {
      const query = parse(IndicatorListQuery, request.query);
      const records = await node.store.listSince(query.since, query.limit, query.order);
      const scored = await node.trust.scored(records, query.audience);
      // Filters apply to the page read: a page may hold fewer than `limit`, and `next` still
      // resumes after the last record read (shown or not); records updated later come again, by design.
      const indicators = scored.filter(
        (r) =>
          (query.type === undefined || r.type === query.type) &&
          (query.tlp === undefined || r.tlp === query.tlp) &&
          (query.producer === undefined || r.attestations.some((a) => a.producer === query.producer)) &&
          (query.tag === undefined || hasTag(r.labels.tags, query.tag)) &&
          r.score.score >= query.minScore,
      );
      return { indicators, next: query.order === "oldest" ? records.at(-1)?.updatedAt : undefined };
    });

    /** The indicator the route names, scored for the audience asked; undefined if not held or not visible to it. */
    const visibleRecord = async (request: { params: unknown; query: unknown }) => {
      const { id } = parse(z.object({ id: idField }), request.params);
      const { audience } = parse(z.object({ audience: audienceField }), request.query);
      const stored = await node.store.indicators.get(id);
      const [record] = stored ? await node.trust.scored([stored], audience) : [];
      return { record, audience };
    };

    app.get("/indicators/:id/detail", async (request, reply) => {
      const { record, audience } = await visibleRecord(request);
      if (!record) return reply.code(404).send({ error: "NOT_FOUND" });
      // The view's statements and the audience's sightings only: provenance never names a statement the audience may not see.
      const [sightings, decay, provenance, objects] = await Promise.all([
        node.trust.sightingsOf(record.id, audience),
        node.trust.decayCurve(record, audience),
        node.trust.provenance(record),
        node.intel.objectsNaming(record.id, audience),
      ]);
      return { indicator: record, sightings, decay, provenance, objects };
    });

    app.get("/indicators/:id", async (request, reply) => {
      const { record } = await visibleRecord(request);
      // Not found and not visible answer alike: the caller learns nothing about what it may not see.
      if (!record) return reply.code(404).send({ error: "NOT_FOUND" });
      return record;
    });

    app.get("/indicators/:id/sightings", async (request, reply) => {
      const { id } = parse(z.object({ id: idField }), request.params);
      const { audience } = parse(z.object({ audience: audienceField }), request.query);
      const stored = await node.store.indicators.get(id);
      if (!stored || (await node.trust.scored([stored], audience)).length === 0) return reply.code(404).send({ error: "NOT_FOUND" });
      // The incident class a sighting of it is (model/rsit.ts), as alerts carry it.
      const { rsit } = rsitClassOf(stored.labels, (technique) => bundledAttackNames().tacticsOf(technique));
      return { ...(await node.trust.sightingsOf(id, audience)), rsit };
    });

    app.post("/indicators", async (request, reply) => {
      const body = parse(PublishRequestSchema, request.body);
      if (body.anonymous && body.indicators.length > 100) return reply.code(400).send({ error: "BAD_REQUEST", message: "at most 100 anonymous indicators at once: each is a ring signature" });
      const outcomes = body.anonymous ? await node.publishAnonymously(body.indicators) : await node.publish(body.indicators);
      const rejected = outcomes.filter((o) => !o.ok).length;
      // 200 when everything was published; 207 when some inputs were refused (each says why).
      return reply.code(rejected === 0 ? 200 : rejected === outcomes.length ? 400 : 207).send({
        published: outcomes.length - rejected,
        rejected,
        results: outcomes,
      });
    });

    // One sighting, or many at once ({sightings: [...]}, an import's: they share batches, and each
    // one that matches nothing is named while the others still go).
    app.post("/sightings", async (request) => {
      const body = parse(z.union([SightingRequestSchema.extend({ anonymous: z.boolean().optional() }), z.object({ sightings: z.array(SightingRequestSchema).min(1).max(100_000) }).strict()]), request.body);
      if ("sightings" in body) {
        const now = node.now();
        return node.sightMany(body.sightings.map((s) => ({ value: s.value, ...(s.type ? { type: s.type } : {}), kind: s.kind, observedAt: s.observedAt ?? now, ...(s.count ? { count: s.count } : {}) })));
      }
      // Anonymous: signed as one of the ring of members, sent through the stem phase (anon/).
      if (body.anonymous) return { anonymous: true, sightings: await node.sightAnonymously(body.value, body.kind, { type: body.type, observedAt: body.observedAt, count: body.count }) };
      return { sightings: await node.sight(body.value, body.kind, { type: body.type, observedAt: body.observedAt, count: body.count }) };
    });

    app.post("/match", async (request) => {
      const body = parse(MatchRequestSchema, request.body);
      const values = body.values.map((v) => (typeof v === "string" ? v : { value: v.value, types: [v.type] }));
      const results = await node.matcher.match(values, { includeQuarantined: body.includeQuarantined });
      return { matched: results.filter((r) => r.matches.length > 0).length, results };
    });

    app.get("/alerts", async (request) => {
      const query = parse(z.object({ since: sinceField, limit: limitField(10_000, 1000) }), request.query);
      const alerts = await node.store.alerts.since(query.since, query.limit);
      // The page's alerts by incident class (RSIT), matches folded into an alert counted.
      const byRsit: Record<string, number> = {};
      for (const alert of alerts) byRsit[alert.rsit ?? "other:undetermined"] = (byRsit[alert.rsit ?? "other:undetermined"] ?? 0) + (alert.count ?? 1);
      return { alerts, byRsit, stats: node.logMatcher.stats };
    });

    // Reads every record, batch and index entry: once per 30 s at most, for every caller meanwhile.
    app.get("/check", async () => {
      const { value, computedAt } = await heavy.cached("check", 30_000, () => checkConsistency(node.store));
      return { ...value, checkedAt: new Date(computedAt).toISOString() };
    });

    app.get("/metrics", async (_request, reply) => {
      const text = await node.metrics.render();
      return reply.type(node.metrics.contentType).send(text);
    });

    app.post("/sync", async () => {
      await node.sync.syncAll();
      return node.sync.stats;
    });

    app.get("/feed", async (request, reply) => {
      const query = parse(
        z.object({ audience: audienceField, since: sinceField, limit: limitField(100_000, 10_000), format: formatField, use: z.enum(FEED_USES).default("detect"), order: z.enum(["time", "forecast"]).default("time") }),
        request.query,
      );
      const feed = await node.trust.feed(query.audience, query.since, query.limit, query.use);
      if (query.order === "forecast" && node.forecast) {
        // What is likeliest to reach this org first (forecast/): those on no watch list keep their order, after.
        const probability = await node.forecast.indicatorProbabilities();
        const p = (id: string) => probability.get(id)?.["24h"] ?? -1;
        feed.indicators = feed.indicators.map((r, i) => ({ r, i })).sort((a, b) => p(b.r.id) - p(a.r.id) || a.i - b.i).map(({ r }) => r);
      }
      if (query.format === "csv") return table(reply, "csv", "indicators", feed.indicators.map(csvRow));
      return feed;
    });
  };
}
