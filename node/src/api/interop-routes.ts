import { PassThrough, Readable } from "node:stream";
import { finished } from "node:stream/promises";
import type { FastifyInstance, FastifyReply } from "fastify";
import { z } from "zod";
import { TLP_LEVELS } from "../model/indicator.js";
import type { CtiNode } from "../node.js";
import { EXPORT_FORMATS, renderExport } from "../interop/exports.js";
import { runImport } from "../interop/importer.js";
import { importMisp } from "../interop/misp.js";
import { importStix, stixBundleText } from "../interop/stix.js";
import { importCsv } from "../interop/csv.js";
import { BadRequestError, audienceField, parse } from "./http.js";
import type { HeavyWork } from "./heavy-work.js";

const STIX_MEDIA_TYPE = "application/stix+json;version=2.1";
const progressField = z.enum(["true", "false"]).default("false").transform((v) => v === "true");

/**
 * The result of long work: as one JSON document, or, when the caller asks for progress, as
 * NDJSON: `{"progress":{"done":n,"total":m}}` lines while it runs (at most one per 100 ms), then
 * `{"result":...}`, or `{"error":...}` if it failed once the answer had begun.
 */
async function answer<T>(reply: FastifyReply, progress: boolean, work: (onProgress: (done: number, total: number) => void) => Promise<T>) {
  if (!progress) return work(() => undefined);
  const stream = new PassThrough();
  reply.type("application/x-ndjson").send(stream);
  const line = (value: unknown) => stream.write(`${JSON.stringify(value)}\n`);
  let last = 0;
  try {
    const result = await work((done, total) => {
      const now = Date.now();
      if (done < total && now - last < 100) return;
      last = now;
      line({ progress: { done, total } });
    });
    line({ result });
  } catch (err) {
    line({ error: { name: (err as Error).name, message: (err as Error).message } });
  } finally {
    stream.end();
  }
  return reply;
}

const importQuery = z.object({
  progress: progressField,
  /** TLP for what carries no marking. */
  tlp: z.enum(TLP_LEVELS).default("GREEN"),
  group: z.coerce.number().int().positive().optional(),
  includeNonIds: z.enum(["true", "false"]).default("false").transform((v) => v === "true"),
});

/** Imports from STIX 2.1 and MISP, and every export format, as files. */
export function interopRoutes(node: CtiNode, heavy: HeavyWork) {
  return async (app: FastifyInstance) => {
    const components = {
      publish: (inputs: Parameters<CtiNode["publish"]>[0]) => node.publish(inputs),
      sightMany: (items: Parameters<CtiNode["sightMany"]>[0]) => node.sightMany(items),
    };

    // CSV arrives as text/csv; everything else the API takes is JSON (text/plain, a type any web
    // page may send cross-site without asking, is refused: api/request-guard.ts).
    app.addContentTypeParser("text/csv", { parseAs: "string" }, (_request, body, done) => done(null, body));

    app.post("/import/stix", async (request, reply) => {
      const query = parse(importQuery, request.query);
      return answer(reply, query.progress, (progress) => runImport(importStix(request.body, { defaultTlp: query.tlp, group: query.group }), components, progress));
    });

    app.post("/import/misp", async (request, reply) => {
      const query = parse(importQuery, request.query);
      return answer(reply, query.progress, (progress) =>
        runImport(importMisp(request.body, { defaultTlp: query.tlp, group: query.group, includeNonIds: query.includeNonIds }), components, progress),
      );
    });

    app.post("/import/csv", async (request, reply) => {
      const query = parse(importQuery, request.query);
      if (typeof request.body !== "string") throw new BadRequestError([{ path: "", message: "send the CSV as the body, with Content-Type: text/csv" }]);
      // Parsed before answering: a file that is not CSV gets a 400, not a stream that fails.
      const read = importCsv(request.body, { defaultTlp: query.tlp, group: query.group });
      return answer(reply, query.progress, (progress) => runImport(read, components, progress));
    });

    // The whole feed as one STIX bundle, streamed page by page as it is read: a feed of 100,000
    // records is never held whole, as records or as text (GET /exports/stix answers it inside JSON).
    app.get("/exports/stix/bundle", async (request, reply) => {
      const { audience } = parse(z.object({ audience: audienceField }), request.query);
      return heavy.run(async () => {
        const pages = async function* () {
          for await (const page of node.trust.feedPages(audience)) yield { records: page.records, sightings: await node.trust.sightingsMapFor(page.records, audience) };
        };
        const stream = Readable.from(stixBundleText(pages()));
        // The slot stays taken until the last byte is out, or the caller went away.
        const ended = finished(stream).catch(() => undefined);
        void reply.type(STIX_MEDIA_TYPE).header("content-disposition", 'attachment; filename="cti-stix-bundle.json"').send(stream);
        await ended;
        return reply;
      });
    });

    app.get("/exports/:format", async (request, reply) => {
      const { format } = parse(z.object({ format: z.enum(EXPORT_FORMATS) }), request.params);
      const { audience, progress } = parse(z.object({ audience: audienceField, progress: progressField }), request.query);
      // Refused (503) before any answer begins when every whole-store slot is taken.
      return heavy.run(() =>
        answer(reply, progress, async (onProgress) => {
          const records = await node.trust.feedAll(audience, 5000, onProgress);
          // The sightings this audience may know of only: a CLEAR record's export must not name who was hit in a group.
          const sightings = await node.trust.sightingsMapFor(records, audience);
          return { format, files: renderExport(format, records, sightings, node.now()) };
        }),
      );
    });
  };
}
