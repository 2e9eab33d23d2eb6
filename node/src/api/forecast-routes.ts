import type { FastifyInstance, FastifyReply } from "fastify";
import { z } from "zod";
import { VOLUME_CATEGORIES } from "../forecast/volume.js";
import type { CtiNode } from "../node.js";
import type { HeavyWork } from "./heavy-work.js";
import { parse } from "./http.js";

/**
 * Forecasts (forecast/): this org's early-warning watch list, volume forecasts per category, and
 * their backtests on the node's own history. A node without enough history answers
 * `insufficient-history` with what it lacks, never a made-up forecast.
 */
export function forecastRoutes(node: CtiNode, heavy: HeavyWork) {
  const off = (reply: FastifyReply) => reply.code(503).send({ error: "FORECAST_OFF", message: "forecasting is turned off in this node's config (forecast.enabled)" });
  return async (app: FastifyInstance) => {
    app.get("/forecast/watch", async (request, reply) => {
      const forecast = node.forecast;
      if (!forecast) return off(reply);
      const query = parse(z.object({ limit: z.coerce.number().int().min(1).max(1000).default(50), kind: z.enum(["indicator", "malware", "technique", "actor"]).optional() }), request.query);
      const answer = await forecast.watch(query.kind ? 1000 : query.limit);
      if (answer.status !== "ok" || !query.kind) return answer;
      return { ...answer, items: answer.items.filter((i) => i.kind === query.kind).slice(0, query.limit) };
    });

    app.get("/forecast/warnings", async (_request, reply) => {
      const forecast = node.forecast;
      if (!forecast) return off(reply);
      return { warnings: forecast.warnings() };
    });

    app.get("/forecast/volume", async (request, reply) => {
      const forecast = node.forecast;
      if (!forecast) return off(reply);
      const query = parse(z.object({ by: z.enum(VOLUME_CATEGORIES).default("malware"), days: z.coerce.number().int().min(1).max(56).default(14), top: z.coerce.number().int().min(1).max(50).default(8) }), request.query);
      return forecast.volume(query.by, query.days, { top: query.top });
    });

    // The service keeps its last backtest while the history is unchanged (10 minutes at most);
    // HeavyWork still runs one at a time for every caller meanwhile.
    app.get("/forecast/backtest", async (_request, reply) => {
      const forecast = node.forecast;
      if (!forecast) return off(reply);
      const { value } = await heavy.cached("forecast-backtest", 0, () => forecast.backtest());
      if (value.status === "ok") void reply.header("x-computed-at", new Date(value.computedAt).toISOString());
      return value;
    });
  };
}
