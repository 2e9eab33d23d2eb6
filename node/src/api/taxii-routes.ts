import { createHash, timingSafeEqual } from "node:crypto";
import type { FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import { v5 as uuidv5 } from "uuid";
import { z } from "zod";
import { isoMicros, stixRecordIndicator } from "../interop/stix.js";
import type { CtiNode } from "../node.js";
import { exportAudience, type ExportAudience } from "../privacy/audience.js";
import type { OrderedEntry } from "../store/ordered-index.js";
import { parse } from "./http.js";

/**
 * TAXII 2.1 (read-only): discovery, one API root, and one collection per audience the caller is
 * entitled to (a credential's audience and every narrower one: internal > clients > community >
 * public). Collections hold the node's feed for that audience (entitled, above threshold) as
 * STIX indicators, one per observable, whose version is the record's last update.
 *
 * Paging follows the store's write order with a cursor on (revision, id), carried in `next`: an
 * object written while a client pages comes after the cursor, so nothing is skipped, and each
 * version is served once. Dates added and versions carry microseconds (every write of the node
 * has its own), so `added_after`, exclusive as TAXII says, loses nothing either.
 */

export const TAXII_MEDIA_TYPE = "application/taxii+json;version=2.1";
const STIX_MEDIA_TYPE = "application/stix+json;version=2.1";
const NAMESPACE = "3f5c8a44-2f1e-5d2a-9a8b-1c6e7d9f0b3a";
const WIDER_FIRST: ExportAudience[] = ["internal", "clients", "community", "public"];
const MAX_PAGE = 1000;
/** Records one request reads at most, whatever its filters. */
const MAX_READ = 5_000;

export interface TaxiiCredential {
  name: string;
  audience: ExportAudience;
  token?: string | undefined;
  user?: string | undefined;
  password?: string | undefined;
}

const digest = (s: string) => createHash("sha256").update(s).digest();
const same = (a: string, b: string) => timingSafeEqual(digest(a), digest(b));

/** The credential a request presents (Bearer token or Basic), if it is one of ours. */
export function authenticate(header: string | undefined, credentials: TaxiiCredential[]): TaxiiCredential | undefined {
  if (!header) return undefined;
  const [scheme, value] = header.split(" ", 2);
  if (!value) return undefined;
  if (scheme?.toLowerCase() === "bearer") return credentials.find((c) => c.token !== undefined && same(c.token, value));
  if (scheme?.toLowerCase() === "basic") {
    const decoded = Buffer.from(value, "base64").toString("utf8");
    const colon = decoded.indexOf(":");
    if (colon < 0) return undefined;
    const [user, password] = [decoded.slice(0, colon), decoded.slice(colon + 1)];
    return credentials.find((c) => {
      if (c.user === undefined || c.password === undefined) return false;
      // Both compared every time: the time taken tells nothing about which one was wrong.
      const userMatches = same(c.user, user);
      const passwordMatches = same(c.password, password);
      return userMatches && passwordMatches;
    });
  }
  return undefined;
}

export const collectionId = (audience: ExportAudience) => uuidv5(`collection:${audience}`, NAMESPACE);

/** An RFC 3339 time to microseconds, keeping sub-millisecond digits (dates added carry them). */
function parseMicros(text: string): number {
  const ms = Date.parse(text);
  const fraction = /\.(\d+)/.exec(text)?.[1] ?? "";
  return ms * 1000 + Number(fraction.slice(3, 6).padEnd(3, "0"));
}

function encodeCursor(entry: OrderedEntry): string {
  return Buffer.from(`${entry.at}:${entry.id}`).toString("base64url");
}

function decodeCursor(next: string): OrderedEntry | undefined {
  const [at, id] = Buffer.from(next, "base64url").toString("utf8").split(":");
  return at && id && /^\d+$/.test(at) && /^[0-9a-g]+$/.test(id) ? { at: Number(at), id } : undefined;
}

const objectsQuery = z.object({
  added_after: z.iso.datetime({ offset: true }).optional(),
  limit: z.coerce.number().int().min(1).max(MAX_PAGE).default(MAX_PAGE),
  next: z.string().max(200).optional(),
  "match[type]": z.string().optional(),
  "match[id]": z.string().optional(),
  "match[version]": z.string().optional(),
  "match[spec_version]": z.string().optional(),
});

export function taxiiRoutes(node: CtiNode, credentials: TaxiiCredential[]) {
  return async (app: FastifyInstance) => {
    // Sent as bytes: for a string, fastify would rewrite the media type's parameters (quoting the version).
    const send = (reply: FastifyReply, status: number, body: unknown) =>
      reply.code(status).header("content-type", TAXII_MEDIA_TYPE).send(Buffer.from(JSON.stringify(body)));
    const error = (reply: FastifyReply, status: number, title: string, description?: string) => send(reply, status, { title, ...(description ? { description } : {}), http_status: String(status) });

    /** The caller's entitled audiences, or an error already sent. */
    const guard = (request: FastifyRequest, reply: FastifyReply): ExportAudience[] | undefined => {
      const credential = authenticate(request.headers.authorization, credentials);
      if (!credential) {
        void reply.header("WWW-Authenticate", 'Basic realm="cti-exchange TAXII", Bearer');
        void error(reply, 401, "Unauthorized", "give a Bearer token or Basic credentials");
        return undefined;
      }
      const accept = request.headers.accept ?? "*/*";
      if (!/application\/taxii\+json(;\s*version=2\.1)?|\*\/\*|application\/\*/.test(accept)) {
        void error(reply, 406, "Not Acceptable", `this server speaks ${TAXII_MEDIA_TYPE}`);
        return undefined;
      }
      return WIDER_FIRST.slice(WIDER_FIRST.indexOf(credential.audience));
    };
    const collection = (audience: ExportAudience) => ({
      id: collectionId(audience),
      title: `CTI exchange: ${audience}`,
      description: `Indicators this node may share with the ${audience} audience, above its quarantine threshold.`,
      can_read: true,
      can_write: false,
      media_types: [STIX_MEDIA_TYPE],
    });
    const audienceOf = (request: FastifyRequest, reply: FastifyReply, entitled: ExportAudience[]) => {
      const { id } = request.params as { id: string };
      const audience = entitled.find((a) => collectionId(a) === id);
      if (!audience) void error(reply, 404, "Not Found", "no such collection for these credentials");
      return audience;
    };

    /** One page of a collection: STIX objects with their date added, and the cursor after them. */
    const page = async (audience: ExportAudience, query: z.output<typeof objectsQuery>) => {
      let cursor: OrderedEntry | undefined;
      if (query.next) cursor = decodeCursor(query.next);
      else if (query.added_after) cursor = { at: parseMicros(query.added_after), id: "g" };
      const types = query["match[type]"]?.split(",");
      const ids = query["match[id]"]?.split(",");
      const out: Array<{ object: Record<string, unknown>; added: number }> = [];
      // A record listed again because a statement this audience may not see changed keeps the
      // version the client already has: the write that made its view put it at (view's revision,
      // id), and if that place is not after the cursor the client has read it. Not served again,
      // so that a collection never tells its readers that something hidden happened.
      const unread = (view: { revision: number; id: string }) =>
        !cursor || view.revision > cursor.at || (view.revision === cursor.at && view.id > cursor.id);
      let last = cursor;
      let exhausted = false;
      // A filter that matches little (match[type]=malware) must not walk the whole store in one
      // request: past MAX_READ records the page ends short, with `more` and a cursor to go on.
      let read = 0;
      while (out.length < query.limit && !exhausted && read < MAX_READ) {
        const listed = await node.store.listAfter(last, Math.min(MAX_PAGE, query.limit * 2));
        read += listed.records.length;
        exhausted = listed.exhausted;
        const scored = await node.trust.scored(listed.records, exportAudience(audience));
        const byId = new Map(scored.filter((r) => !r.score.quarantined).map((r) => [r.id, r]));
        let full = false;
        for (const record of listed.records) {
          const view = byId.get(record.id);
          const object = view && unread(view) ? stixRecordIndicator(view) : undefined;
          const matches = object && (!types || types.includes(String(object.type))) && (!ids || ids.includes(String(object.id)));
          if (matches && out.length >= query.limit) {
            full = true;
            break;
          }
          last = { at: record.revision, id: record.id };
          if (matches) out.push({ object: object!, added: view!.revision });
        }
        if (full) exhausted = false;
        // Past everything read, including index entries whose record is gone.
        else last = listed.cursor;
      }
      return { out, next: last, more: !exhausted };
    };
    const dateHeaders = (reply: FastifyReply, out: Array<{ added: number }>) => {
      if (out.length === 0) return;
      void reply.header("X-TAXII-Date-Added-First", isoMicros(out[0]!.added));
      void reply.header("X-TAXII-Date-Added-Last", isoMicros(out.at(-1)!.added));
    };

    app.get("/taxii2/", async (request, reply) => {
      if (!guard(request, reply)) return reply;
      return send(reply, 200, { title: "CTI exchange node", description: "TAXII 2.1 server of a CTI exchange partner node", default: "/taxii2/api/", api_roots: ["/taxii2/api/"] });
    });

    app.get("/taxii2/api/", async (request, reply) => {
      if (!guard(request, reply)) return reply;
      return send(reply, 200, { title: "CTI exchange", versions: [TAXII_MEDIA_TYPE], max_content_length: 8 * 1024 * 1024 });
    });

    app.get("/taxii2/api/collections/", async (request, reply) => {
      const entitled = guard(request, reply);
      if (!entitled) return reply;
      return send(reply, 200, { collections: entitled.map(collection) });
    });

    app.get("/taxii2/api/collections/:id/", async (request, reply) => {
      const entitled = guard(request, reply);
      const audience = entitled && audienceOf(request, reply, entitled);
      if (!audience) return reply;
      return send(reply, 200, collection(audience));
    });

    app.get("/taxii2/api/collections/:id/objects/", async (request, reply) => {
      const entitled = guard(request, reply);
      const audience = entitled && audienceOf(request, reply, entitled);
      if (!audience) return reply;
      const query = parse(objectsQuery, request.query);
      const { out, next, more } = await page(audience, query);
      dateHeaders(reply, out);
      return send(reply, 200, { more, ...(more && next ? { next: encodeCursor(next) } : {}), objects: out.map((o) => o.object) });
    });

    app.get("/taxii2/api/collections/:id/manifest/", async (request, reply) => {
      const entitled = guard(request, reply);
      const audience = entitled && audienceOf(request, reply, entitled);
      if (!audience) return reply;
      const { out, next, more } = await page(audience, parse(objectsQuery, request.query));
      dateHeaders(reply, out);
      const objects = out.map((o) => ({ id: o.object.id, date_added: isoMicros(o.added), version: o.object.modified, media_type: STIX_MEDIA_TYPE }));
      return send(reply, 200, { more, ...(more && next ? { next: encodeCursor(next) } : {}), objects });
    });

    const oneObject = async (request: FastifyRequest, reply: FastifyReply) => {
      const entitled = guard(request, reply);
      const audience = entitled && audienceOf(request, reply, entitled);
      if (!audience) return undefined;
      const { objectId } = request.params as { objectId: string };
      // One index read, whether or not the object is there (a miss used to walk the collection).
      const uuid = /^indicator--([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})$/i.exec(objectId)?.[1];
      const record = uuid ? await node.store.byRecordUuid(uuid) : undefined;
      const [view] = record ? await node.trust.scored([record], exportAudience(audience)) : [];
      const object = view && !view.score.quarantined ? stixRecordIndicator(view) : undefined;
      if (!view || !object) {
        void error(reply, 404, "Not Found", "no such object in this collection");
        return undefined;
      }
      return { object, added: view.revision };
    };

    app.get("/taxii2/api/collections/:id/objects/:objectId/", async (request, reply) => {
      const found = await oneObject(request, reply);
      if (!found) return reply;
      dateHeaders(reply, [found]);
      return send(reply, 200, { more: false, objects: [found.object] });
    });

    app.get("/taxii2/api/collections/:id/objects/:objectId/versions/", async (request, reply) => {
      const found = await oneObject(request, reply);
      if (!found) return reply;
      dateHeaders(reply, [found]);
      // Only the latest version is kept: a merged record is one object whose versions replace each other.
      return send(reply, 200, { more: false, versions: [found.object.modified] });
    });
  };
}
