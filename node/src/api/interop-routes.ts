import type { FastifyInstance } from "fastify";
import { z } from "zod";
import { TLP_LEVELS } from "../model/indicator.js";
import type { CtiNode } from "../node.js";
import { EXPORT_FORMATS, renderExport } from "../interop/exports.js";
import { runImport } from "../interop/importer.js";
import { importMisp } from "../interop/misp.js";
import { importStix } from "../interop/stix.js";
import { audienceField, parse } from "./http.js";

const importQuery = z.object({
  /** TLP for what carries no marking. */
  tlp: z.enum(TLP_LEVELS).default("GREEN"),
  group: z.coerce.number().int().positive().optional(),
  includeNonIds: z.enum(["true", "false"]).default("false").transform((v) => v === "true"),
});

/** Imports from STIX 2.1 and MISP, and every export format, as files. */
export function interopRoutes(node: CtiNode) {
  return async (app: FastifyInstance) => {
    const components = {
      publish: (inputs: Parameters<CtiNode["publish"]>[0]) => node.publish(inputs),
      sight: (value: string, kind: Parameters<CtiNode["sight"]>[1], options: Parameters<CtiNode["sight"]>[2]) => node.sight(value, kind, options),
    };

    app.post("/import/stix", async (request) => {
      const query = parse(importQuery, request.query);
      return runImport(importStix(request.body, { defaultTlp: query.tlp, group: query.group }), components);
    });

    app.post("/import/misp", async (request) => {
      const query = parse(importQuery, request.query);
      return runImport(importMisp(request.body, { defaultTlp: query.tlp, group: query.group, includeNonIds: query.includeNonIds }), components);
    });

    app.get("/exports/:format", async (request) => {
      const { format } = parse(z.object({ format: z.enum(EXPORT_FORMATS) }), request.params);
      const { audience } = parse(z.object({ audience: audienceField }), request.query);
      const records = await node.trust.feedAll(audience);
      const summaries = await node.store.sightings.getMany(records.map((r) => r.id));
      const sightings = new Map(records.map((r, i) => [r.id, summaries[i]]));
      return { format, files: renderExport(format, records, sightings, node.now()) };
    });
  };
}
