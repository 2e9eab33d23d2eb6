/**
 * What a browser can make a node's API do on an attacker's behalf, refused before any route
 * runs. With no token on loopback (the default), the API trusts whatever reaches 127.0.0.1: a web
 * page an analyst has open could otherwise
 * - send state-changing requests (a governance approval, an import) cross-site: a form or a
 *   fetch without preflight carries no token but reaches the port;
 * - read every answer through DNS rebinding: its own name resolving to 127.0.0.1 makes the node
 *   same-origin to it, with its own name in the Host header.
 * Non-browser clients (the CLI, curl, a SIEM) send no Origin and no Sec-Fetch-Site and are not
 * affected. Pure: the server calls it with the request's headers.
 */

export interface GuardedRequest {
  method: string;
  url: string;
  host: string | undefined;
  origin: string | undefined;
  secFetchSite: string | undefined;
  contentType: string | undefined;
  hasBody: boolean;
}

export interface Refusal {
  status: number;
  error: "MISDIRECTED_HOST" | "CROSS_SITE" | "UNSUPPORTED_MEDIA_TYPE";
  message: string;
}

const SAFE_METHODS = new Set(["GET", "HEAD", "OPTIONS"]);
/** Media types a route reads; everything else is refused (a form's or text/plain body is the cross-site kind). */
const BODY_TYPES: Array<{ route: RegExp; types: string[] }> = [
  { route: /^\/import\/csv(\?|$)/, types: ["text/csv"] },
  // A report as a file: none of these is a type a form or a simple cross-site request may send.
  { route: /^\/drafts(\?|$)/, types: ["application/json", "application/pdf", "text/html", "text/markdown", "application/octet-stream"] },
  // TAXII clients send envelopes as TAXII's JSON media type (a non-simple type: browsers ask first).
  { route: /^\/taxii2\//, types: ["application/taxii+json", "application/json"] },
  { route: /./, types: ["application/json"] },
];

/**
 * `allowedHosts`: the Host values this API answers to ("127.0.0.1:8700", "localhost:8700", ...);
 * undefined when any host is taken (a wildcard bind, where tokens are required anyway).
 */
export function refuseRequest(request: GuardedRequest, allowedHosts: ReadonlySet<string> | undefined): Refusal | undefined {
  const host = request.host?.toLowerCase();
  if (allowedHosts && (!host || !allowedHosts.has(host))) {
    return {
      status: 421,
      error: "MISDIRECTED_HOST",
      message: `this API answers to ${[...allowedHosts].join(", ")}, not to "${request.host ?? ""}" (add the name you use to api.allowedHosts)`,
    };
  }
  if (SAFE_METHODS.has(request.method)) return undefined;
  const site = request.secFetchSite?.toLowerCase();
  if (site !== undefined && site !== "same-origin" && site !== "none") {
    return { status: 403, error: "CROSS_SITE", message: `a ${site} request may not change anything here: use the node's own dashboard, the CLI or a client without a browser` };
  }
  if (request.origin !== undefined && request.origin !== "null") {
    let originHost: string | undefined;
    try {
      originHost = new URL(request.origin).host.toLowerCase();
    } catch {
      originHost = undefined;
    }
    if (originHost !== host) return { status: 403, error: "CROSS_SITE", message: `a request from ${request.origin} may not change anything here` };
  } else if (request.origin === "null") {
    return { status: 403, error: "CROSS_SITE", message: "a request from an opaque origin may not change anything here" };
  }
  if (request.hasBody) {
    const type = request.contentType?.split(";")[0]!.trim().toLowerCase() ?? "";
    const allowed = BODY_TYPES.find((b) => b.route.test(request.url))!.types;
    if (!allowed.includes(type)) {
      return { status: 415, error: "UNSUPPORTED_MEDIA_TYPE", message: `send the body as ${allowed.join(" or ")}, not "${type || "no type"}"` };
    }
  }
  return undefined;
}

/** The Host values a server bound to `host`:`port` answers to, or undefined for a wildcard bind without a list. */
export function allowedHostsOf(host: string, port: number, extra: readonly string[]): ReadonlySet<string> | undefined {
  const wildcard = host === "0.0.0.0" || host === "::";
  if (wildcard && extra.length === 0) return undefined;
  const names = new Set(extra.map((h) => h.toLowerCase()));
  const loopback = host === "127.0.0.1" || host === "::1" || host === "localhost";
  for (const name of loopback ? ["127.0.0.1", "localhost", "[::1]"] : wildcard ? [] : [host.includes(":") ? `[${host}]` : host]) names.add(`${name}:${port}`);
  return names;
}
