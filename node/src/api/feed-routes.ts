import { FEED_NAME } from "../feeds/feed-kinds.js";
import type { FastifyInstance } from "fastify";
import { z } from "zod";
import type { CtiNode } from "../node.js";
import { answer, progressField } from "./progress.js";
import { parse } from "./http.js";

const feedName = z.object({ name: z.string().regex(FEED_NAME, "a feed name") });

/** The external feeds the node ingests (feeds/): what they are, their last runs, and a run now. */
export function feedRoutes(node: CtiNode) {
  return async (app: FastifyInstance) => {
    app.get("/feeds", async () => ({ feeds: await node.feeds.list() }));

    app.get("/feeds/:name", async (request) => {
      const { name } = parse(feedName, request.params);
      return node.feeds.get(name);
    });

    app.post("/feeds/:name/run", async (request, reply) => {
      const { name } = parse(feedName, request.params);
      const { progress } = parse(z.object({ progress: progressField }), request.query);
      // Looked up before answering: an unknown feed is a 404, not a stream that fails.
      await node.feeds.get(name);
      return answer(reply, progress, (onProgress) => node.feeds.run(name, onProgress));
    });
  };
}
