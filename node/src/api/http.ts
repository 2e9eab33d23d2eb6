import type { FastifyReply } from "fastify";
import { stringify } from "csv-stringify/sync";
import { z } from "zod";
import { isOrgId } from "../model/indicator.js";
import { EXPORT_AUDIENCES, exportAudience } from "../privacy/audience.js";
import { spreadsheetSafe } from "../interop/csv.js";

/** What every route shares: parsing at the boundary, audiences, and JSON or CSV answers. */

export class BadRequestError extends Error {
  override readonly name = "BadRequestError";
  constructor(readonly issues: Array<{ path: string; message: string }>) {
    super(issues.map((i) => `${i.path || "(body)"}: ${i.message}`).join("; "));
  }
}

/** The parsed value, or a BadRequestError naming every bad field (answered 400 by the server). */
export function parse<T extends z.ZodType>(schema: T, value: unknown): z.output<T> {
  const result = schema.safeParse(value);
  if (!result.success) throw new BadRequestError(result.error.issues.map((i) => ({ path: i.path.join("."), message: i.message })));
  return result.data;
}

/**
 * Whose view a caller asks for. Required, with no default: a caller that forgets it must not get
 * this org's own view, TLP:RED included (the node's own CLI and dashboard ask for internal).
 */
export const audienceField = z
  .enum(EXPORT_AUDIENCES, { error: "give audience: internal (this org's own view, TLP:RED included), clients, community or public" })
  .transform(exportAudience);
export const orgIdField = z.string().refine(isOrgId, "must be an org id");
export const formatField = z.enum(["json", "csv"]).default("json");
export const sinceField = z.union([z.coerce.number().int().min(0), z.iso.datetime().transform((s) => Date.parse(s))]).default(0);
export const idField = z.string().regex(/^[0-9a-f]{64}$/, "is 64 lowercase hex characters");

/** Sends rows as JSON (`{ [key]: rows }`) or as CSV with a header line. */
export function table(reply: FastifyReply, format: "json" | "csv", key: string, rows: Array<Record<string, unknown>>) {
  if (format === "json") return reply.send({ [key]: rows });
  const flat = rows.map((row) =>
    Object.fromEntries(Object.entries(row).map(([k, v]) => [k, Array.isArray(v) ? v.join(" ") : v !== null && typeof v === "object" ? JSON.stringify(v) : v])),
  );
  return reply.type("text/csv; charset=utf-8").send(stringify(flat, { header: true, cast: { boolean: (v) => String(v), string: spreadsheetSafe }, columns: flat.length > 0 ? Object.keys(flat[0]!) : undefined }));
}

const callers = new WeakMap<object, string>();

/** Who made a request, for the audit log: the name of its token, or the local operator when the API needs none. */
export function callerOf(request: object): string {
  return callers.get(request) ?? "local operator";
}

export function setCaller(request: object, caller: string): void {
  callers.set(request, caller);
}
