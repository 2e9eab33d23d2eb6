import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";
import fastifyStatic from "@fastify/static";
import type { FastifyInstance } from "fastify";

/**
 * The dashboard: static assets built from node/dashboard/ (`npm run build:dashboard`, run by
 * `npm install`), served from this node with nothing fetched from anywhere else, so it works
 * offline. The assets hold no data and are served without a token; every figure they show comes
 * from the API, which asks for one when the node is bound beyond loopback.
 */
export const DASHBOARD_DIR = fileURLToPath(new URL("../../dashboard/dist/", import.meta.url));

export function dashboardRoutes() {
  return async (app: FastifyInstance) => {
    app.get("/", async (_request, reply) => reply.redirect("/dashboard/"));
    if (!existsSync(DASHBOARD_DIR)) {
      app.get("/dashboard/*", async (_request, reply) =>
        reply.code(503).type("text/plain; charset=utf-8").send("The dashboard is not built: run `npm run build:dashboard` (npm install does it), then reload.\n"),
      );
      return;
    }
    await app.register(fastifyStatic, { root: DASHBOARD_DIR, prefix: "/dashboard/", index: "index.html", cacheControl: false });
  };
}

/** Whether a request is for the dashboard's public assets (no token needed). */
export function isDashboardAsset(url: string): boolean {
  return url === "/" || url.startsWith("/dashboard/") || url === "/dashboard";
}
