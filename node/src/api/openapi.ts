import { z } from "zod";
import { MatchRequestSchema, PublishRequestSchema, SightingRequestSchema } from "./indicator-routes.js";

/**
 * The OpenAPI 3.1 description of the HTTP API, served at GET /openapi.json. One entry per
 * operation; request bodies that the routes parse with zod are described from those very
 * schemas, so the description cannot drift from what the API accepts. A test compares the
 * operations here with the routes the server registers, both ways.
 */
interface Operation {
  summary: string;
  tag: "node" | "indicators" | "objects" | "detectors" | "groups" | "network" | "trust" | "standards" | "intelligence" | "response" | "taxii" | "dashboard";
  body?: z.ZodType;
  /** Query parameters, by name: what each means. */
  query?: Record<string, string>;
}

const audience = "Required. Whose view: internal (this org's own, TLP:RED included), clients (no AMBER+STRICT, no RED), community (CLEAR and GREEN), public (CLEAR).";

export const OPERATIONS: Record<string, Operation> = {
  "GET /status": { summary: "Peer id, addresses, peers, members, chain health, store counts, gossip and sync counters.", tag: "node" },
  "GET /metrics": { summary: "Prometheus text exposition of the node's metrics.", tag: "node" },
  "GET /openapi.json": { summary: "This description.", tag: "node" },
  "GET /check": { summary: "The store's consistency check: every index agrees with the records (recomputed at most every 30 s; checkedAt says when).", tag: "node" },
  "POST /sync": { summary: "Catch up with every connected peer now.", tag: "node" },
  "GET /indicators/lookup": { summary: "Records matching a raw value (normalized first; blinded entries match when the value does).", tag: "indicators", query: { value: "The observed value.", type: "An indicator type, to look up only that one.", audience } },
  "GET /indicators": {
    summary: "Records updated since a time, oldest first; `next` continues. Filters apply to the page read.",
    tag: "indicators",
    query: { since: "Unix ms or ISO 8601.", limit: "Most records read (1-10,000).", audience, type: "Only this indicator type.", tlp: "Only this TLP level.", producer: "Only records this org vouched for.", minScore: "Only records scoring at least this (0-100).", tag: "Only records with this tag (case-insensitive; a trailing * matches any tag it begins).", order: "oldest (default; `next` continues) or newest first." },
  },
  "GET /indicators/{id}": { summary: "One record by id.", tag: "indicators", query: { audience } },
  "GET /indicators/{id}/detail": { summary: "One record with its sightings, its decay curve and the provenance of each statement (batch, signature, on-chain anchor).", tag: "indicators", query: { audience } },
  "GET /indicators/{id}/sightings": { summary: "Who saw the indicator, reported it false or expired, and when.", tag: "indicators", query: { audience } },
  "POST /indicators": { summary: "Publish indicators: each input gets its own result (200 all published, 207 some refused, 400 none).", tag: "indicators", body: PublishRequestSchema },
  "GET /objects": {
    summary: "STIX objects in id order, as the audience may see them (revoked ones left out unless asked); `next` continues. At most 5,000 are read per request.",
    tag: "objects",
    query: { audience, type: "Only this STIX type.", q: "Only those whose name (or id) holds this text.", tag: "Only those with this tag (case-insensitive; a trailing * matches any tag it begins).", after: "The page after this id.", limit: "Most objects (1-1000).", revoked: "true: include revoked objects." },
  },
  "GET /objects/{id}": { summary: "One STIX object: the version the audience may see, the owner's versions, other orgs' statements of it, and the indicator records its pattern names.", tag: "objects", query: { audience } },
  "GET /objects/{id}/graph": {
    summary: "The objects around one, over relationships and references, as the audience may see them; paged by distance then id (`next`).",
    tag: "objects",
    query: { audience, depth: "Hops, 1 to 3.", limit: "Most objects in a page (1-2000).", next: "The cursor of the next page." },
  },
  "POST /objects": {
    summary: "Publish a STIX 2.1 bundle (or a list of objects, or one): every object through the privacy rules and the publish path; the report gives every object's fate.",
    tag: "objects",
    query: { tlp: "TLP for objects without a TLP marking (GREEN).", group: "Sharing group for AMBER objects.", atoms: "false: do not also publish the values of patterns and observables as indicators.", progress: "true: NDJSON progress lines, then the result." },
  },
  "POST /objects/{id}/revoke": { summary: "Revoke an object this org owns (a new version with revoked: true); its indicators made of the pattern are withdrawn.", tag: "objects" },
  "POST /sightings": { summary: "This org's detectors saw a value (or found it false, or expired); or many at once: {sightings: [...]}, each that matches nothing named while the rest go.", tag: "indicators", body: SightingRequestSchema },
  "GET /feed": {
    summary: "What detectors may use: unexpired, unquarantined records with their scores, made of the statements the use may act on (PAP: docs/privacy.md).",
    tag: "detectors",
    query: { since: "Unix ms or ISO 8601.", limit: "Most records.", audience, use: "detect (default), query or block.", format: "json (default) or csv.", order: "time (default), or forecast: likeliest to reach this org first (early warning), the rest after." },
  },
  "POST /match": { summary: "Which indicators each value matches, and why.", tag: "detectors", body: MatchRequestSchema },
  "GET /alerts": { summary: "Matches the log matcher found in detector logs.", tag: "detectors", query: { since: "Unix ms or ISO 8601.", limit: "Most alerts." } },
  "GET /exports/stix/bundle": { summary: "The whole feed and every STIX object the audience may see, as one STIX 2.1 bundle, streamed as it is read (application/stix+json).", tag: "detectors", query: { audience } },
  "GET /exports/{format}": { summary: "The files of a feed: zeek, suricata, csv, lists, stix, misp-feed; or rules: the partners' detection rules (YARA compiled by yara, Sigma against its schema, Snort and Suricata parsed) as .yar, Sigma .yml and .rules files, with a report of those left out and why.", tag: "detectors", query: { audience, progress: "true: NDJSON progress lines, then the result." } },
  "GET /groups": { summary: "Sharing groups on chain.", tag: "groups" },
  "POST /groups": { summary: "Create a sharing group owned by this org.", tag: "groups" },
  "POST /groups/{id}/members": { summary: "Add an org to a group this org owns.", tag: "groups" },
  "DELETE /groups/{id}/members/{org}": { summary: "Remove an org from a group this org owns.", tag: "groups" },
  "GET /members": { summary: "The consortium's members as the ledger has them, and whether this node is connected to each.", tag: "network", query: { format: "json (default) or csv." } },
  "GET /governance/proposals": { summary: "Governance proposals, newest first, with approvals against the threshold; the admin this node acts for, if any.", tag: "network", query: { limit: "Most proposals." } },
  "POST /governance/proposals/{id}/approve": { summary: "Approve a proposal with this node's admin key (governance.adminKeyFile); 409 NO_ADMIN_KEY without one.", tag: "network" },
  "POST /governance/proposals/{id}/execute": { summary: "Execute a proposal that has enough approvals, with this node's admin key.", tag: "network" },
  "GET /reputation": { summary: "Every org's reputation now.", tag: "trust", query: { format: "json (default) or csv." } },
  "GET /reputation/history": { summary: "Reputation per epoch, rebuilt from chain events.", tag: "trust", query: { format: "json (default) or csv.", epochs: "How many epochs back.", org: "One org only." } },
  "GET /stats/incidents": { summary: "Sightings (reports, indicators, reporters, last seen) and this node's own alerts per incident class (RSIT, from each indicator's tags, techniques and malware); recomputed at most every 60 s.", tag: "trust", query: { format: "json (default) or csv.", audience, days: "Only sightings and alerts of the last this many days." } },
  "GET /stats/producers": { summary: "Per producer: volume, false-positive rate, median time to first sighting (recomputed at most every 60 s; X-Computed-At says when).", tag: "trust", query: { format: "json (default) or csv." } },
  "GET /stats/top-confirmed": { summary: "The most confirmed indicators (recomputed at most every 60 s).", tag: "trust", query: { format: "json (default) or csv.", limit: "How many.", audience } },
  "GET /equivocations": { summary: "Evidence that a producer signed two batches with one sequence number (both signed headers), and whether it checks against the producer's keys on chain.", tag: "trust", query: { producer: "One producer only.", limit: "Most entries (1-1000)." } },
  "GET /proofs": { summary: "An audit proof that an org published an indicator before a time.", tag: "trust", query: { value: "The indicator's value.", producer: "The org." } },
  "POST /proofs/verify": { summary: "Check an audit proof against the chain.", tag: "trust" },
  "POST /reputation/report": { summary: "Send this epoch's reputation report now.", tag: "trust" },
  "POST /audit/anchor": { summary: "Anchor this org's unanchored batches now.", tag: "trust" },
  "POST /import/stix": { summary: "Import a STIX 2.1 bundle, every object (as POST /objects); the report lists everything left out or refused.", tag: "standards", query: { tlp: "TLP for what carries no marking.", group: "Sharing group for AMBER items.", progress: "true: NDJSON progress lines, then the result." } },
  "POST /import/csv": { summary: "Import a CSV (header with at least type and value; Content-Type: text/csv); the report lists every line left out or refused.", tag: "standards", query: { tlp: "TLP for lines without one.", group: "Sharing group for AMBER lines.", progress: "true: NDJSON progress lines, then the result." } },
  "POST /import/misp": { summary: "Import a MISP event; the report lists everything left out or refused.", tag: "standards", query: { tlp: "TLP for what carries no tlp tag.", group: "Sharing group for AMBER items.", includeNonIds: "true: also attributes whose to_ids is false.", progress: "true: NDJSON progress lines, then the result." } },
  "GET /feeds": { summary: "The external feeds this node ingests (MISP feeds, text lists, CSV): settings without their headers, next run, last run's report.", tag: "standards" },
  "GET /feeds/{name}": { summary: "One feed, with the reports of its last runs (newest first).", tag: "standards" },
  "POST /feeds/{name}/run": { summary: "Run a feed now (a run under way is joined): reads what changed since the last run, publishes it, answers the run's report.", tag: "standards", query: { progress: "true: NDJSON progress lines, then the report." } },
  "POST /drafts": { summary: "Read a report into a draft (never published on its own): a file as the body (PDF, HTML, Markdown, text), or JSON {text, title, format} or {url, title}; answers the draft: every observable, ATT&CK name and technique id found, each with its sentence, and what was passed over and why.", tag: "intelligence", query: { name: "The file's name (its format is read from it).", title: "The draft's title.", format: "text, markdown, html or pdf, when the name does not say." } },
  "GET /drafts": { summary: "Every draft, newest first, with counts of items, accepted items and values passed over.", tag: "intelligence" },
  "GET /drafts/{id}": { summary: "One draft with its items and their decisions.", tag: "intelligence" },
  "PATCH /drafts/{id}": { summary: "An analyst's decisions: {decisions: {itemKey: accepted|rejected|pending}, title}.", tag: "intelligence" },
  "POST /drafts/{id}/publish": { summary: "Publish the accepted items as a STIX report of this org's, through the object path.", tag: "intelligence", query: { tlp: "TLP of the report and its objects (GREEN by default).", group: "Sharing group for AMBER." } },
  "DELETE /drafts/{id}": { summary: "Discard a draft.", tag: "intelligence" },
  "GET /related": { summary: "What an indicator (by value, record id) or STIX object is linked to, each link with its reasons (same value, same object, malware, actor, technique set, infrastructure, co-sighting); this org's own view.", tag: "intelligence", query: { value: "An observed value (normalized first).", type: "Its indicator type, to look up only that one.", id: "An indicator record id.", object: "A STIX object id.", member: "A member id: i:<record id> or o:<STIX id>." } },
  "GET /correlation/cluster": { summary: "The members reachable from one through links, breadth first.", tag: "intelligence", query: { member: "i:<record id> or o:<STIX id>.", limit: "Most members (200)." } },
  "GET /correlation/clusters": { summary: "Every cluster of two or more, largest first: members, indicators, objects, links by reason, names (recomputed at most every 60 s).", tag: "intelligence", query: { limit: "Most clusters (20)." } },
  "GET /forecast/watch": { summary: "This org's early-warning watch list: indicators, malware families and techniques partners sighted, ranked by the probability of a sighting here within 24 hours (and 7 days), each with its reasons; or insufficient-history.", tag: "intelligence", query: { limit: "Most items (50).", kind: "Only indicator, malware or technique." } },
  "GET /forecast/warnings": { summary: "Early-warning alerts raised when a subject's 24-hour probability reached forecast.alertAt, newest first.", tag: "intelligence" },
  "GET /forecast/volume": { summary: "Sightings a day per category, history and forecast with an 80% interval (Holt-Winters with a weekly season, or seasonal Poisson for sparse series); or insufficient-history.", tag: "intelligence", query: { by: "malware (default), technique, rsit or sector.", days: "Days ahead (14).", top: "Busiest categories (8)." } },
  "GET /forecast/backtest": { summary: "Rolling-origin backtests on the node's own history: early warning (ROC AUC, Brier, reliability) against the base rate and the seen-by-more-partners heuristic; volume (MAE, MASE, 80% coverage) against seasonal-naive (recomputed at most every 10 min).", tag: "intelligence" },
  "POST /categorise": { summary: "ATT&CK techniques each sentence describes, by the node's categoriser: {text} or {objectId} (a published object's name, description and other prose), with limit (techniques per sentence, 3) and minProbability (0.2).", tag: "intelligence" },
  "GET /categorise/model": { summary: "What the categoriser's model was trained on and its evaluation on held-out documents against its baselines.", tag: "intelligence" },
  "GET /response/feeds": { summary: "The enforcement feeds (RPZ, nftables, EDL, Suricata drop): version, serial, entries, policy, whether pinned by a rollback, the last reload.", tag: "response" },
  "GET /response/feeds/{name}": { summary: "One enforcement feed's status and the names of its files.", tag: "response" },
  "GET /response/feeds/{name}/files": { summary: "Every file of a feed as the device should hold it now (what `cti response export` writes).", tag: "response" },
  "GET /response/feeds/{name}/files/{file}": { summary: "One file of a feed as plain text, for devices that pull (EDLs, an RPZ fetched by a script); ETag is the feed's version.", tag: "response" },
  "GET /response/feeds/{name}/plan": { summary: "The dry run: what the next update would add and remove, and how many values each rule of the policy keeps out (with examples of own assets and warning lists).", tag: "response" },
  "GET /response/feeds/{name}/changes": { summary: "The feed's journal, newest first: each change with what came in and went out, why (indicator, producers, score, or request), when and by whom.", tag: "response", query: { limit: "Most changes (50).", before: "Changes before this version." } },
  "POST /response/feeds/{name}/rollback": { summary: "Restores the entries of an earlier version as a new version ({version}), and pins the feed there until resumed.", tag: "response" },
  "POST /response/feeds/{name}/resume": { summary: "Lets a pinned feed follow its policy again.", tag: "response" },
  "GET /response/requests": { summary: "Coordinated response requests, received and made: who asked, the action, the values, the expiry, this org's decision and every partner's signed acknowledgement.", tag: "response" },
  "GET /response/requests/{id}": { summary: "One response request.", tag: "response" },
  "POST /response/requests": { summary: "Asks a group's members to act ({action: block|sinkhole|monitor, targets: [{type, value}], expiresAt or expiresInHours, group, name, description}): published as a signed STIX course-of-action.", tag: "response" },
  "POST /response/requests/{id}/approve": { summary: "An analyst applies a queued request; the decision travels back as a signed acknowledgement.", tag: "response" },
  "POST /response/requests/{id}/decline": { summary: "An analyst declines a queued request (or withdraws an applied one), with an optional {reason}.", tag: "response" },
  "GET /response/hooks": { summary: "The playbook hooks: deliveries made, failed, retried and queued.", tag: "response" },
  "GET /response/audit": { summary: "Response's audit log, newest first: feed changes and rollbacks, requests made and received, decisions, acknowledgements, hook deliveries.", tag: "response", query: { limit: "Most entries (100).", kind: "Only this kind of entry." } },
  "GET /": { summary: "Redirects to the dashboard.", tag: "dashboard" },
  "GET /dashboard/*": { summary: "The dashboard's page and assets (HTML, JavaScript, CSS); no token needed, they hold no data.", tag: "dashboard" },
  "GET /taxii2/": { summary: "TAXII 2.1 discovery (when credentials are configured).", tag: "taxii" },
  "GET /taxii2/api/": { summary: "TAXII 2.1 API root.", tag: "taxii" },
  "GET /taxii2/api/collections/": { summary: "TAXII 2.1 collections: one per audience the caller is entitled to.", tag: "taxii" },
  "GET /taxii2/api/collections/{id}/": { summary: "One TAXII collection.", tag: "taxii" },
  "GET /taxii2/api/collections/{id}/objects/": { summary: "Objects, with added_after, limit (a larger one gets a full page and more), next, match[type], match[id], match[version] (first, last, all, a time) and match[spec_version].", tag: "taxii" },
  "POST /taxii2/api/collections/{id}/objects/": { summary: "Add objects (an envelope) through the publish path, with a credential that canWrite; answers a status resource.", tag: "taxii" },
  "GET /taxii2/api/collections/{id}/manifest/": { summary: "The collection's manifest, with the objects' filters.", tag: "taxii" },
  "GET /taxii2/api/collections/{id}/objects/{objectId}/": { summary: "One object, in the versions match[version] asks for (the last by default).", tag: "taxii" },
  "GET /taxii2/api/collections/{id}/objects/{objectId}/versions/": { summary: "The versions of one object.", tag: "taxii" },
  "GET /taxii2/api/status/{statusId}/": { summary: "The status of objects this credential added.", tag: "taxii" },
};

/** An OpenAPI path (`/groups/{id}`) from a fastify route (`/groups/:id`). */
export function openApiPath(fastifyUrl: string): string {
  return fastifyUrl.replace(/:([A-Za-z0-9_]+)/g, "{$1}");
}

export function openApiDocument(version: string): Record<string, unknown> {
  const paths: Record<string, Record<string, unknown>> = {};
  for (const [key, op] of Object.entries(OPERATIONS)) {
    const [method, path] = key.split(" ") as [string, string];
    const pathParams = [...path.matchAll(/\{([A-Za-z0-9_]+)\}/g)].map((m) => ({ name: m[1], in: "path", required: true, schema: { type: "string" } }));
    const queryParams = Object.entries(op.query ?? {}).map(([name, description]) => ({ name, in: "query", required: false, description, schema: { type: "string" } }));
    paths[path] ??= {};
    paths[path][method.toLowerCase()] = {
      summary: op.summary,
      tags: [op.tag],
      ...(pathParams.length + queryParams.length > 0 ? { parameters: [...pathParams, ...queryParams] } : {}),
      ...(op.body ? { requestBody: { required: true, content: { "application/json": { schema: z.toJSONSchema(op.body, { io: "input", unrepresentable: "any" }) } } } } : {}),
      responses: {
        "200": { description: "Done; JSON unless the operation says otherwise." },
        "400": { description: "A bad request: `error` names the problem and `issues` the fields." },
      },
    };
  }
  return {
    openapi: "3.1.0",
    info: { title: "CTI exchange node API", version, description: "The local HTTP API of a partner node (127.0.0.1 by default)." },
    paths,
  };
}
