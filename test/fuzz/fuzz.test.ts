import { TEST_DEPLOYMENT } from "../helpers/deployment.js";
import { expect } from "chai";
import { randomBytes } from "node:crypto";
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import fc from "fast-check";
import { ed25519 } from "@noble/curves/ed25519.js";
import type { FastifyInstance } from "fastify";
import { buildApiServer } from "../../node/src/api/server.js";
import { IndicatorBatchError } from "../../node/src/gossip/errors.js";
import { DEFAULT_BATCH_LIMITS, validateIndicatorBatch } from "../../node/src/gossip/validation.js";
import { mispToStix } from "../../node/src/interop/misp-stix.js";
import { importStix } from "../../node/src/interop/stix.js";
import { parseStixPattern, stixPatternOf } from "../../node/src/model/stix-pattern.js";
import { INDICATOR_TYPES } from "../../node/src/model/indicator.js";
import { buildIndicator } from "../../node/src/model/validate.js";
import { signBatch } from "../../node/src/wire/batch.js";
import { decodeBatch, encodeBatch, WireDecodeError } from "../../node/src/wire/codec.js";
import { SHARED_DATA } from "../helpers/shared-data.js";
import { canonicalJson } from "../../node/src/wire/canonical-json.js";
import { malwareObject } from "../helpers/stix-fixtures.js";
import { schemaProblem } from "../../node/src/intel/stix-schema.js";
import { checkObjects } from "../../node/src/intel/object-checks.js";
import { prepareObject, type ObjectPreparationContext } from "../../node/src/privacy/object-preparation.js";
import { Scrubber } from "../../node/src/privacy/scrubber.js";
import { bundledTaxonomies } from "../../node/src/config/reference-data.js";
import { readStixObjects } from "../../node/src/interop/stix-objects.js";
import { mutated, validBatchBytes as validBatchBytesSigned } from "../helpers/fuzz-inputs.js";
import { startSoloNode } from "../helpers/nodes.js";

/**
 * Fuzzing: at least 100,000 generated or mutated inputs per target (FUZZ_RUNS to change it),
 * with fixed seeds so a failure replays. A crash is any exception other than the target's own
 * typed refusal, an HTTP 500, or an unhandled rejection. Crashes found become the regression
 * cases at the end of this file.
 */
const RUNS = Number(process.env.FUZZ_RUNS ?? 100_000);
const now = Date.parse("2026-11-21T12:00:00Z");
const secretKey = randomBytes(32);
const signingKey = ed25519.getPublicKey(secretKey);
const validBatchBytes = () => validBatchBytesSigned(secretKey, now);
/** The pipeline's context for batches signed with the fuzz's key, by an active producer, none stored yet. */
const pipelineContext = () => ({
  now,
  deployment: TEST_DEPLOYMENT,
  limits: DEFAULT_BATCH_LIMITS,
  producer: (orgId: string) => ({ orgId, active: true, signingKey }),
  knownRoot: async () => undefined,
});

describe(`fuzzing (${RUNS.toLocaleString("en-US")} inputs per target)`, function () {
  this.timeout(600_000);
  const unhandled: unknown[] = [];
  const onUnhandled = (reason: unknown) => unhandled.push(reason);
  before(() => process.on("unhandledRejection", onUnhandled));
  after(() => process.off("unhandledRejection", onUnhandled));
  afterEach(() => expect(unhandled, "unhandled rejections").to.deep.equal([]));

  it("protobuf decoder: random and mutated bytes decode or fail with WireDecodeError, and what decodes re-encodes to itself", function () {
    const seed = validBatchBytes();
    // The producer's encoding is deterministic: the seed is its own re-encoding, byte for byte.
    expect(Buffer.from(encodeBatch(decodeBatch(seed))).equals(Buffer.from(seed))).to.equal(true);
    let decoded = 0;
    fc.assert(
      fc.property(fc.oneof(fc.uint8Array({ maxLength: 512 }), mutated(seed)), (bytes) => {
        let batch;
        try {
          batch = decodeBatch(bytes);
        } catch (err) {
          if (!(err instanceof WireDecodeError)) throw err;
          return;
        }
        decoded++;
        // Round trip: whatever decodes, encoded again, decodes to the same batch and re-encodes to the same bytes.
        const again = encodeBatch(batch);
        expect(decodeBatch(again)).to.deep.equal(batch);
        expect(Buffer.from(encodeBatch(decodeBatch(again))).equals(Buffer.from(again))).to.equal(true);
      }),
      { numRuns: RUNS, seed: 1 },
    );
    expect(decoded, "mutants that still decode: the round trip was exercised").to.be.greaterThan(RUNS / 100);
  });

  it("validation pipeline: every input ends in ACCEPT or a typed REJECT / IGNORE", async function () {
    const seed = validBatchBytes();
    const context = pipelineContext();
    let accepted = 0;
    await fc.assert(
      fc.asyncProperty(fc.oneof({ weight: 1, arbitrary: fc.uint8Array({ maxLength: 512 }) }, { weight: 4, arbitrary: mutated(seed) }), async (bytes) => {
        try {
          await validateIndicatorBatch(bytes, context);
        } catch (err) {
          if (!(err instanceof IndicatorBatchError)) throw err;
          return;
        }
        accepted++;
        // Only the producer's own bytes pass: a mutant that is accepted is the seed itself (no
        // padding, no re-ordered or repeated field, nothing the signature does not cover).
        expect(Buffer.from(bytes).equals(Buffer.from(seed)), "an accepted mutant differs from its seed").to.equal(true);
      }),
      { numRuns: RUNS, seed: 2 },
    );
    // The seed itself is among the inputs now and then (a mutation that changes nothing).
    expect(accepted).to.be.lessThan(RUNS / 10);
  });

  it("STIX importer and pattern reader: any JSON, any pattern, reported and never thrown", async function () {
    const examples = await Promise.all(
      ["indicators-for-C2-with-COA.json", "infrastructure.json", "malicious-email-indicator-with-attachment.json"].map(async (n) => JSON.parse(await readFile(join(SHARED_DATA, "stix2/examples", n), "utf8"))),
    );
    const stixish = fc.record(
      {
        type: fc.constantFrom("bundle", "indicator", "ipv4-addr", "file", "marking-definition", "relationship", "x"),
        id: fc.string(),
        pattern: fc.oneof(fc.string(), fc.constantFrom("[ipv4-addr:value = '1.2.3.4']", "[file:hashes.'SHA-256' = 'x'] OR [url:value = 'y'", "[(((")),
        object_marking_refs: fc.array(fc.string(), { maxLength: 2 }),
        objects: fc.array(fc.jsonValue(), { maxLength: 3 }),
        value: fc.jsonValue(),
        hashes: fc.dictionary(fc.string(), fc.jsonValue(), { maxKeys: 3 }),
        labels: fc.jsonValue(),
        confidence: fc.jsonValue(),
        revoked: fc.jsonValue(),
        pattern_type: fc.constantFrom(undefined, "stix", "sigma"),
      },
      { requiredKeys: [] },
    );
    fc.assert(
      fc.property(fc.oneof(fc.jsonValue(), stixish, fc.constantFrom(...examples), fc.array(stixish, { maxLength: 4 })), fc.string(), (document, pattern) => {
        const result = importStix(document, { defaultTlp: "GREEN" });
        // Everything taken is an indicator of a known type with a text value and a source; everything left out says why.
        for (const input of result.inputs) {
          expect(INDICATOR_TYPES).to.include(input.type);
          expect(input.value).to.be.a("string");
          expect(input.source).to.be.a("string");
        }
        for (const skipped of result.skipped) expect(skipped.reason).to.be.a("string").and.not.equal("");
        const parsed = parseStixPattern(pattern);
        if (parsed.ok) for (const c of parsed.comparisons) expect(INDICATOR_TYPES).to.include(c.type);
        else expect(parsed.reason).to.be.a("string").and.not.equal("");
      }),
      { numRuns: RUNS, seed: 3 },
    );
  });

  it("validation pipeline, STIX objects: mutated object text re-signed by the producer ends in ACCEPT or a typed code, and what passes is canonical", async function () {
    const object = malwareObject({ description: "Loader, then ransomware.", external_references: [{ source_name: "x", url: "https://x.example/a" }] });
    const seedText = canonicalJson(object);
    const context = pipelineContext();
    const codes = new Set<string>();
    let accepted = 0;
    // Text mutations (a character changed, removed or added, a value replaced) that the producer
    // then signs: the signature holds, so everything rests on the object checks.
    const text = fc.oneof(
      fc.record({ at: fc.nat(seedText.length - 1), char: fc.string({ minLength: 0, maxLength: 2 }), drop: fc.nat(2) }).map(({ at, char, drop }) => seedText.slice(0, at) + char + seedText.slice(at + drop)),
      fc.record({ key: fc.constantFrom(...Object.keys(object)), value: fc.jsonValue() }).map(({ key, value }) => canonicalJson({ ...object, [key]: value })),
      fc.jsonValue().map((v) => JSON.stringify(v) ?? "null"),
    );
    await fc.assert(
      fc.asyncProperty(text, async (json) => {
        const bytes = encodeBatch(signBatch({ deployment: TEST_DEPLOYMENT, producer: "acme-bank", sequence: 1, createdAt: now, group: 0, indicators: [], objects: [json] }, secretKey).batch);
        try {
          await validateIndicatorBatch(bytes, context);
        } catch (err) {
          if (!(err instanceof IndicatorBatchError)) throw err;
          codes.add(err.code);
          return;
        }
        accepted++;
        expect(canonicalJson(JSON.parse(json)), "what passes is canonical").to.equal(json);
        expect(schemaProblem(JSON.parse(json) as Record<string, unknown>)).to.equal(undefined);
      }),
      // Each input is a batch the producer signs and the pipeline verifies (about half a millisecond): a fifth of the runs.
      { numRuns: Math.ceil(RUNS / 5), seed: 11 },
    );
    expect(accepted, "some mutants are still valid objects").to.be.greaterThan(0);
    for (const code of ["OBJECT_NOT_CANONICAL", "INVALID_OBJECT", "OBJECT_UNMARKED"]) expect([...codes], code).to.include(`INDICATOR_BATCH_ERROR_${code}`);
  });

  it("object preparation: any JSON is published in a form every receiver accepts, or refused with a reason", function () {
    // One reference its audience may not follow (cut), one to an object not held (kept).
    const base = { type: "report", spec_version: "2.1", id: "report--2f6bd58c-3d2e-4b0a-9c52-6f1e0ad4a001", created: "2026-11-01T00:00:00.000Z", modified: "2026-11-01T00:00:00.000Z", name: "wave", published: "2026-11-01T00:00:00.000Z", object_refs: ["malware--31b940d4-6f7f-459a-80ea-9c1f17b5891b", "tool--31b940d4-6f7f-459a-80ea-9c1f17b5891b"] };
    const context: ObjectPreparationContext = {
      orgId: "acme-bank",
      defaultGroup: 3,
      scrubber: new Scrubber(),
      groups: { get: () => ({}), isListed: () => true },
      now,
      defaultTlp: "GREEN",
      audienceOf: (id) => (id.startsWith("malware--") ? { tlp: "AMBER", group: 3 } : undefined),
      identityOwner: () => undefined,
      taxonomies: bundledTaxonomies(),
    };
    let prepared = 0;
    fc.assert(
      fc.property(
        fc.oneof(fc.jsonValue(), fc.record({ key: fc.constantFrom(...Object.keys(base), "object_marking_refs", "granular_markings", "x_custom", "created_by_ref"), value: fc.jsonValue() }).map(({ key, value }) => ({ ...base, [key]: value }))),
        (input) => {
          const result = prepareObject(input, {}, context);
          if ("reason" in result) {
            expect(result.reason).to.be.a("string").and.not.equal("");
            return;
          }
          prepared++;
          // The oracle: a receiver's own checks, on the batch the object would travel in.
          expect(() => checkObjects([result.json], { sealed: result.group > 0 }, now + 60_000)).to.not.throw();
        },
      ),
      { numRuns: RUNS, seed: 12 },
    );
    expect(prepared).to.be.greaterThan(RUNS / 100);
  });

  it("STIX bundle reader: any JSON is read into objects and reasons, never thrown", function () {
    fc.assert(
      fc.property(fc.oneof(fc.jsonValue(), fc.record({ type: fc.constant("bundle"), objects: fc.array(fc.oneof(fc.jsonValue(), fc.record({ type: fc.constantFrom("malware", "marking-definition", "x-a", "indicator"), id: fc.string(), object_marking_refs: fc.jsonValue(), definition_type: fc.jsonValue(), definition: fc.jsonValue(), name: fc.jsonValue() }, { requiredKeys: ["type"] })), { maxLength: 5 }) })), (document) => {
        const read = readStixObjects(document);
        for (const object of read.objects) expect(object).to.be.an("object");
        for (const skipped of read.skipped) expect(skipped.reason).to.be.a("string").and.not.equal("");
      }),
      { numRuns: RUNS, seed: 13 },
    );
  });

  it("STIX patterns: what the exporter writes, the reader reads back to the same type and value, whatever the value holds", function () {
    const value = fc.oneof(
      fc.ipV4().map((v) => ["ipv4", v] as const),
      fc.domain().map((v) => ["domain", v] as const),
      fc.webUrl({ withQueryParameters: true, withFragments: true }).map((v) => ["url", v] as const),
      fc.emailAddress().map((v) => ["email", v] as const),
      fc.stringMatching(/^[0-9a-f]{64}$/).map((v) => ["sha256", v] as const),
      // Quotes and backslashes, which the writer escapes.
      fc.string({ maxLength: 40 }).map((v) => ["url", `http://x.example/${v}`] as const),
    );
    fc.assert(
      fc.property(value, ([type, v]) => {
        const parsed = parseStixPattern(stixPatternOf(type, v));
        expect(parsed).to.deep.equal({ ok: true, comparisons: [{ path: parsed.ok ? parsed.comparisons[0]!.path : "", type, value: v }] });
      }),
      { numRuns: Math.min(RUNS, 20_000), seed: 6 },
    );
  });

  it("MISP importer: any JSON, reported and never thrown", async function () {
    const fixture = JSON.parse(await readFile(join(SHARED_DATA, "misp/sighting_1.json"), "utf8"));
    const attribute = fc.record(
      {
        type: fc.constantFrom("ip-dst", "ip-src|port", "domain|ip", "filename|sha256", "url", "md5", "text", "x"),
        value: fc.oneof(fc.string(), fc.jsonValue()),
        to_ids: fc.jsonValue(),
        deleted: fc.jsonValue(),
        uuid: fc.jsonValue(),
        Tag: fc.oneof(fc.jsonValue(), fc.array(fc.record({ name: fc.oneof(fc.string(), fc.constantFrom("tlp:amber", "misp-galaxy:banker=\"x\"")) }))),
        Sighting: fc.oneof(fc.jsonValue(), fc.array(fc.record({ type: fc.jsonValue(), date_sighting: fc.jsonValue() }))),
      },
      { requiredKeys: [] },
    );
    const event = fc.record({ Event: fc.record({ Attribute: fc.oneof(fc.jsonValue(), fc.array(attribute, { maxLength: 4 })), Object: fc.jsonValue(), Tag: fc.jsonValue() }, { requiredKeys: [] }) }, { requiredKeys: [] });
    fc.assert(
      fc.property(fc.oneof(fc.jsonValue(), event, fc.constant(fixture), fc.array(event, { maxLength: 3 })), (document) => {
        // Never throws, and every object it makes is STIX 2.1 the exchange's own checks take.
        for (const object of mispToStix(document, { defaultTlp: "GREEN", now: Date.parse("2026-12-01T00:00:00Z") }).objects) expect(schemaProblem(object), JSON.stringify(object).slice(0, 300)).to.equal(undefined);
      }),
      { numRuns: RUNS, seed: 4 },
    );
  });

  describe("HTTP API of a real node", function () {
    let solo: Awaited<ReturnType<typeof startSoloNode>>;
    let app: FastifyInstance;
    /**
     * Seeded secrets: per TLP level, a value and a marker in its description and tags, which no
     * request ever contains. `forbidden[audience]` lists what that audience must never be shown.
     */
    const SECRETS = {
      RED: { value: "red-secret.fuzz.example", marker: "REDMARK" },
      "AMBER+STRICT": { value: "strict-secret.fuzz.example", marker: "STRICTMARK" },
      AMBER: { value: "amber-secret.fuzz.example", marker: "AMBERMARK" },
      GREEN: { value: "green-open.fuzz.example", marker: "GREENMARK" },
    } as const;
    const HIDDEN_FROM: Record<string, Array<keyof typeof SECRETS>> = {
      clients: ["RED", "AMBER+STRICT"],
      community: ["RED", "AMBER+STRICT", "AMBER"],
      public: ["RED", "AMBER+STRICT", "AMBER", "GREEN"],
      // A TAXII credential of the clients audience, whichever of its collections it reads.
      taxii: ["RED", "AMBER+STRICT"],
    };
    const ids: Record<string, string> = {};
    let forbiddenOf: (audience: string) => string[] = () => [];
    /** Fails if the answer to a request shows `audience` something hidden from it (that the request did not itself name). */
    const noLeak = (audience: string | undefined, request: string, body: string) => {
      if (!audience || !Object.hasOwn(HIDDEN_FROM, audience)) return;
      for (const secret of forbiddenOf(audience)) {
        if (request.includes(secret)) continue;
        expect(body.includes(secret), `${request} shows ${audience} "${secret}": ${body.slice(0, 300)}`).to.equal(false);
      }
    };
    before(async function () {
      solo = await startSoloNode("fuzz-org", { taxii: { credentials: [{ name: "t", audience: "clients", token: "fuzz-token-0123456789" }] } });
      app = await buildApiServer(solo.node, { bodyLimitBytes: 1 << 20 });
      const group = await solo.node.createGroup("fuzz-group", []);
      const outcomes = await solo.node.publish(
        (Object.entries(SECRETS) as Array<[keyof typeof SECRETS, { value: string; marker: string }]>).map(([tlp, s]) => ({
          type: "domain" as const,
          value: s.value,
          tlp,
          confidence: 90,
          description: `${s.marker} analyst note`,
          tags: [s.marker.toLowerCase()],
          ...(tlp.startsWith("AMBER") ? { group } : {}),
        })),
      );
      expect(outcomes.every((o) => o.ok)).to.equal(true);
      // Sightings too: who was hit is as private as the indicator's audience.
      for (const s of Object.values(SECRETS)) await solo.node.sight(s.value, "sighting");
      for (const [tlp, s] of Object.entries(SECRETS)) ids[tlp] = (await solo.node.lookup(s.value))[0]!.id;
      forbiddenOf = (audience) => HIDDEN_FROM[audience]!.flatMap((tlp) => [SECRETS[tlp].value, SECRETS[tlp].marker, SECRETS[tlp].marker.toLowerCase(), ids[tlp]!]);
    });

    it("shows no audience anything it may not see, on any route that answers for an audience, TAXII included", async function () {
      const { collectionId } = await import("../../node/src/api/taxii-routes.js");
      const perRecord = (id: string) => [`/indicators/${id}`, `/indicators/${id}/detail`, `/indicators/${id}/sightings`];
      const routes = [
        "/indicators?since=0&limit=1000",
        "/indicators?since=0&limit=1000&order=newest",
        "/feed",
        "/feed?format=csv",
        "/stats/top-confirmed?limit=100",
        "/stats/top-confirmed?limit=100&format=csv",
        ...["zeek", "suricata", "csv", "lists", "stix", "misp-feed"].map((f) => `/exports/${f}`),
        "/exports/stix/bundle",
        ...Object.values(SECRETS).map((s) => `/indicators/lookup?value=${s.value}`),
      ];
      let checked = 0;
      for (const audience of ["clients", "community", "public"]) {
        for (const route of [...routes, ...Object.values(ids).flatMap(perRecord)]) {
          const url = `${route}${route.includes("?") ? "&" : "?"}audience=${audience}`;
          const response = await app.inject({ method: "GET", url });
          expect(response.statusCode, url).to.be.oneOf([200, 404]);
          noLeak(audience, url, response.body);
          checked++;
        }
      }
      // TAXII, with the clients credential: every collection it may read, objects and manifest.
      const taxii = { authorization: "Bearer fuzz-token-0123456789", accept: "application/taxii+json;version=2.1" };
      for (const audience of ["clients", "community", "public"]) {
        for (const what of ["objects/", "manifest/"]) {
          const url = `/taxii2/api/collections/${collectionId(audience as "clients")}/${what}`;
          const response = await app.inject({ method: "GET", url, headers: taxii });
          expect(response.statusCode, url).to.equal(200);
          noLeak("taxii", url, response.body);
          noLeak(audience, url, response.body);
          checked++;
        }
      }
      // The check itself sees what it looks for: the internal view shows every secret.
      const internal = await app.inject({ method: "GET", url: "/exports/csv?audience=internal" });
      for (const s of Object.values(SECRETS)) expect(internal.body, s.value).to.include(s.value);
      expect(() => noLeak("public", "/the-check-itself", internal.body), "the oracle catches a leak").to.throw(/shows public/);
      const community = await app.inject({ method: "GET", url: "/feed?audience=community" });
      expect(community.body).to.include(SECRETS.GREEN.value);
      expect(checked).to.be.greaterThan(90);
    });
    after(async function () {
      await app?.close();
      await solo?.stop();
    });

    it("answers every request without a 500", async function () {
      const paths = [
        ...Object.values(ids).flatMap((id) => [`/indicators/${id}`, `/indicators/${id}/detail`, `/indicators/${id}/sightings`]),
        "/exports/stix/bundle", "/exports/csv", "/exports/misp-feed",
        "/status", "/indicators", "/indicators/lookup", "/indicators/0000", `/indicators/${"a".repeat(64)}`, `/indicators/${"a".repeat(64)}/sightings`,
        "/feed", "/match", "/sightings", "/groups", "/groups/1/members", "/groups/x/members/y", "/reputation", "/reputation/history",
        "/stats/producers", "/stats/top-confirmed", "/proofs", "/proofs/verify", "/exports/zeek", "/exports/nope", "/import/stix", "/import/misp",
        "/alerts", "/check", "/taxii2/", "/taxii2/api/collections/", "/taxii2/api/collections/x/objects/", "/nowhere",
      ];
      // What must not be sent at random: side effects on chain and whole-store work (covered elsewhere).
      const skip = new Set(["POST /groups", "POST /groups/1/members", "DELETE /groups/x/members/y", "POST /reputation/report", "POST /audit/anchor", "POST /sync", "GET /check"]);
      const query = fc.dictionary(
        fc.constantFrom("value", "type", "audience", "since", "limit", "format", "producer", "epochs", "org", "next", "added_after", "match[type]", "tlp", "group"),
        fc.oneof(
          fc.string({ maxLength: 20 }),
          fc.constantFrom("1", "-1", "clients", "community", "public", "internal", "csv", "domain", "2026-01-01T00:00:00Z", "9".repeat(30), ...Object.values(SECRETS).map((s) => s.value)),
        ),
        { maxKeys: 3 },
      );
      const body = fc.oneof(
        fc.constant(undefined),
        fc.jsonValue().map((v) => JSON.stringify(v)),
        fc.string({ maxLength: 200 }),
        fc.record({ indicators: fc.array(fc.record({ type: fc.constantFrom("domain", "ipv4", "x"), value: fc.string({ maxLength: 30 }), tlp: fc.constantFrom(undefined, "RED", "AMBER", "bogus") }, { requiredKeys: ["type", "value"] }), { maxLength: 3 }) }).map((v) => JSON.stringify(v)),
        fc.record({ values: fc.array(fc.string({ maxLength: 30 }), { maxLength: 5 }) }).map((v) => JSON.stringify(v)),
      );
      let requests = 0;
      await fc.assert(
        fc.asyncProperty(fc.constantFrom("GET", "POST", "DELETE", "PUT"), fc.constantFrom(...paths), query, body, fc.boolean(), async (method, path, q, payload, taxiiAuth) => {
          if (skip.has(`${method} ${path}`)) return;
          requests++;
          const response = await app.inject({
            method,
            url: `${path}?${new URLSearchParams(q)}`,
            headers: { ...(payload !== undefined ? { "content-type": "application/json" } : {}), ...(taxiiAuth ? { authorization: "Bearer fuzz-token-0123456789" } : {}) },
            ...(payload !== undefined && method !== "GET" ? { payload } : {}),
          });
          expect(response.statusCode, `${method} ${path}?${new URLSearchParams(q)} ${payload ?? ""}: ${response.body.slice(0, 300)}`).to.be.below(500);
          // Whatever was asked, an audience named is shown nothing hidden from it.
          const audience = path.startsWith("/taxii2/") && taxiiAuth ? "taxii" : q.audience;
          noLeak(audience, `${method} ${path}?${new URLSearchParams(q)} ${payload ?? ""}`, response.body);
        }),
        { numRuns: RUNS, seed: 5 },
      );
      expect(requests).to.be.greaterThan(RUNS * 0.8);
    });
  });
});

describe("crashes found by fuzzing (regressions)", function () {
  it("STIX: an indicator whose labels are not a list", function () {
    const result = importStix([{ type: "indicator", id: "indicator--x", pattern: "[ipv4-addr:value = '198.51.100.1']", labels: false }], { defaultTlp: "GREEN" });
    expect(result.inputs.map((i) => i.value)).to.deep.equal(["198.51.100.1"]);
  });

  it("STIX: a bundle whose objects are not a list, and markings of the wrong shape", function () {
    expect(importStix({ type: "bundle", objects: "nope" }, { defaultTlp: "GREEN" }).inputs).to.deep.equal([]);
    const odd = importStix([{ type: "marking-definition", id: "marking-definition--m", extensions: 3, definition: null }, { type: "file", id: "file--f", hashes: "x" }], { defaultTlp: "GREEN" });
    expect(odd.skipped.map((s) => s.source)).to.deep.equal(["marking-definition--m", "file--f"]);
  });

  it("MISP: null entries in an event's objects, attributes and sightings", function () {
    const result = mispToStix({ Event: { Object: [null, { Attribute: [null] }], Attribute: [null, { type: "domain", value: "ok.example", to_ids: true, Sighting: [null] }] } }, { defaultTlp: "GREEN", now: Date.parse("2026-12-01T00:00:00Z") });
    expect(result.objects.filter((o) => o.type === "indicator").map((o) => o.pattern)).to.deep.equal(["[domain-name:value = 'ok.example']"]);
  });

  it("protobuf: an indicator with a TLP enum value this version does not know", function () {
    // Field 3 (tlp) of the first indicator set to 9, an unknown enum value.
    const bytes = validBatchBytes();
    const at = bytes.findIndex((b, i) => b === 0x18 && bytes[i + 1] === 2 && i > 10);
    const changed = new Uint8Array(bytes);
    changed[at + 1] = 9;
    expect(() => decodeBatch(changed)).to.throw(WireDecodeError, /unknown TLP/);
  });
});
