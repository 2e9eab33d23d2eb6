import { Readable } from "node:stream";
import { finished } from "node:stream/promises";
import type { FastifyInstance } from "fastify";
import { z } from "zod";
import { TLP_LEVELS } from "../model/indicator.js";
import type { CtiNode } from "../node.js";
import { EXPORT_FORMATS, exportUse, renderExport } from "../interop/exports.js";
import { runImport, runMispImport, runStixImport } from "../interop/importer.js";
import { readStixObjects } from "../interop/stix-objects.js";
import { answer, progressField } from "./progress.js";
import { mispToStix } from "../interop/misp-stix.js";
import { renderRuleFiles } from "../rules/rule-files.js";
import { YaraCompiler } from "../rules/yara-compiler.js";
import { bundledTaxonomies } from "../config/reference-data.js";
import { stixBundleText } from "../interop/stix.js";
import { importCsv } from "../interop/csv.js";
import { BadRequestError, audienceField, parse } from "./http.js";
import type { HeavyWork } from "./heavy-work.js";

const STIX_MEDIA_TYPE = "application/stix+json;version=2.1";
const importQuery = z.object({
  progress: progressField,
  /** TLP for what carries no marking. */
  tlp: z.enum(TLP_LEVELS).default("GREEN"),
  group: z.coerce.number().int().positive().optional(),
  includeNonIds: z.enum(["true", "false"]).default("false").transform((v) => v === "true"),
});

/** Why the consortium's taxonomies refuse a tag on its own, if they do. */
function taxonomyProblem(tag: string): string | undefined {
  const checked = bundledTaxonomies().check([tag]);
  return checked.ok ? undefined : checked.message;
}

/** Imports from STIX 2.1 and MISP, and every export format, as files. */
export function interopRoutes(node: CtiNode, heavy: HeavyWork, init: { importBodyLimitBytes: number }) {
  return async (app: FastifyInstance) => {
    const yara = new YaraCompiler();
    const components = {
      publish: (inputs: Parameters<CtiNode["publish"]>[0]) => node.publish(inputs),
      sightMany: (items: Parameters<CtiNode["sightMany"]>[0]) => node.sightMany(items),
    };

    // CSV arrives as text/csv; everything else the API takes is JSON (text/plain, a type any web
    // page may send cross-site without asking, is refused: api/request-guard.ts).
    app.addContentTypeParser("text/csv", { parseAs: "string" }, (_request, body, done) => done(null, body));

    // Every object of the bundle, through the object path (intel/): the same as POST /objects.
    app.post("/import/stix", { bodyLimit: init.importBodyLimitBytes }, async (request, reply) => {
      const query = parse(importQuery, request.query);
      const read = readStixObjects(request.body);
      return answer(reply, query.progress, (progress) =>
        runStixImport(read, { orgId: node.identity.orgId, publishObjects: (objects, onProgress) => node.intel.publish(objects, { defaultTlp: query.tlp, group: query.group }, onProgress) }, progress),
      );
    });

    app.post("/import/misp", { bodyLimit: init.importBodyLimitBytes }, async (request, reply) => {
      const query = parse(importQuery, request.query);
      const read = mispToStix(request.body, { defaultTlp: query.tlp, now: node.now(), includeNonIds: query.includeNonIds, checkTag: taxonomyProblem });
      return answer(reply, query.progress, (progress) =>
        runMispImport(
          read,
          { orgId: node.identity.orgId, sightMany: components.sightMany, publishObjects: (objects, onProgress) => node.intel.publish(objects, { defaultTlp: query.tlp, group: query.group }, onProgress) },
          progress,
        ),
      );
    });

    app.post("/import/csv", { bodyLimit: init.importBodyLimitBytes }, async (request, reply) => {
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
        const stream = Readable.from(stixBundleText(pages(), node.intel.visibleObjects(audience)));
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
      // Detection rules: checked one by one (YARA by the real yara) as their files are written.
      if (format === "rules") return heavy.run(() => answer(reply, progress, async () => ({ format, ...(await renderRuleFiles(node.intel.visibleObjects(audience, 1000, "indicator"), yara)) })));
      return heavy.run(() =>
        answer(reply, progress, async (onProgress) => {
          const records = await node.trust.feedAll(audience, 5000, onProgress, exportUse(format));
          // The sightings this audience may know of only: a CLEAR record's export must not name who was hit in a group.
          const sightings = await node.trust.sightingsMapFor(records, audience);
          const objects: Array<Record<string, unknown>> = [];
          if (format === "stix" || format === "misp-feed") for await (const page of node.intel.visibleObjects(audience)) objects.push(...page);
          return { format, files: renderExport(format, records, sightings, node.now(), objects) };
        }),
      );
    });
  };
}
