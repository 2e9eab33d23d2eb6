import type { FastifyInstance } from "fastify";
import { z } from "zod";
import { TLP_LEVELS } from "../model/indicator.js";
import { DRAFT_ID, REPORT_FORMATS } from "../model/draft.js";
import type { CtiNode } from "../node.js";
import { parse } from "./http.js";

const draftId = z.object({ id: z.string().regex(DRAFT_ID, "a draft id (draft- and 16 hex digits)") });

/** Reports read from prose into drafts (extract/), the analyst's decisions, publishing and discarding. */
export function draftRoutes(node: CtiNode, init: { importBodyLimitBytes: number }) {
  return async (app: FastifyInstance) => {
    // A report file as the body, any type but the ones a web form may send (api/request-guard.ts refuses those).
    for (const type of ["application/pdf", "text/html", "text/markdown", "application/octet-stream"]) {
      app.addContentTypeParser(type, { parseAs: "buffer" }, (_request, body, done) => done(null, body));
    }

    app.post("/drafts", { bodyLimit: init.importBodyLimitBytes }, async (request, reply) => {
      const query = parse(z.object({ name: z.string().min(1).max(300).default("report"), title: z.string().min(1).max(300).optional(), format: z.enum(REPORT_FORMATS).optional() }), request.query);
      const body = request.body;
      let draft;
      if (Buffer.isBuffer(body)) {
        draft = await node.drafts.fromFile({ bytes: body, name: query.name, contentType: request.headers["content-type"], ...(query.title ? { title: query.title } : {}), ...(query.format ? { format: query.format } : {}) });
      } else {
        const json = parse(z.union([z.object({ text: z.string().min(1), title: z.string().max(300).optional(), format: z.enum(["text", "markdown", "html"]).default("text") }).strict(), z.object({ url: z.string().url(), title: z.string().max(300).optional() }).strict()]), body);
        draft = "url" in json ? await node.drafts.fromUrl(json.url, json.title) : await node.drafts.fromFile({ bytes: Buffer.from(json.text, "utf8"), name: json.title ?? query.name, format: json.format, ...(json.title ? { title: json.title } : {}) });
      }
      return reply.code(201).send(draft);
    });

    app.get("/drafts", async () => ({
      drafts: (await node.drafts.list()).map(({ items, passedOver, ...rest }) => ({ ...rest, items: items.length, accepted: items.filter((i) => i.decision === "accepted").length, passedOver: passedOver.length })),
    }));

    app.get("/drafts/:id", async (request) => node.drafts.get(parse(draftId, request.params).id));

    app.patch("/drafts/:id", async (request) => {
      const { id } = parse(draftId, request.params);
      const body = parse(z.object({ decisions: z.record(z.string().max(64), z.enum(["pending", "accepted", "rejected"])).default({}), title: z.string().min(1).max(300).optional() }).strict(), request.body);
      return node.drafts.decide(id, body.decisions, body.title);
    });

    app.post("/drafts/:id/publish", async (request) => {
      const { id } = parse(draftId, request.params);
      const query = parse(z.object({ tlp: z.enum(TLP_LEVELS).default("GREEN"), group: z.coerce.number().int().positive().optional() }), request.query);
      return node.drafts.publish(id, { tlp: query.tlp, ...(query.group !== undefined ? { group: query.group } : {}) });
    });

    app.delete("/drafts/:id", async (request, reply) => {
      await node.drafts.discard(parse(draftId, request.params).id);
      return reply.code(204).send();
    });
  };
}
