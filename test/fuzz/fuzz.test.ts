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
import { importMisp } from "../../node/src/interop/misp.js";
import { importStix } from "../../node/src/interop/stix.js";
import { parseStixPattern } from "../../node/src/interop/stix-pattern.js";
import { buildIndicator } from "../../node/src/model/validate.js";
import { signBatch } from "../../node/src/wire/batch.js";
import { decodeBatch, encodeBatch, WireDecodeError } from "../../node/src/wire/codec.js";
import { SHARED_DATA } from "../helpers/shared-data.js";
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

describe(`fuzzing (${RUNS.toLocaleString("en-US")} inputs per target)`, function () {
  this.timeout(600_000);
  const unhandled: unknown[] = [];
  const onUnhandled = (reason: unknown) => unhandled.push(reason);
  before(() => process.on("unhandledRejection", onUnhandled));
  after(() => process.off("unhandledRejection", onUnhandled));
  afterEach(() => expect(unhandled, "unhandled rejections").to.deep.equal([]));

  it("protobuf decoder: random and mutated bytes decode or fail with WireDecodeError", function () {
    const seed = validBatchBytes();
    fc.assert(
      fc.property(fc.oneof(fc.uint8Array({ maxLength: 512 }), mutated(seed)), (bytes) => {
        try {
          decodeBatch(bytes);
        } catch (err) {
          if (!(err instanceof WireDecodeError)) throw err;
        }
      }),
      { numRuns: RUNS, seed: 1 },
    );
  });

  it("validation pipeline: every input ends in ACCEPT or a typed REJECT / IGNORE", async function () {
    const seed = validBatchBytes();
    const context = {
      now,
      deployment: TEST_DEPLOYMENT,
      limits: DEFAULT_BATCH_LIMITS,
      producer: (orgId: string) => ({ orgId, active: true, signingKey }),
      knownRoot: async () => undefined,
    };
    let accepted = 0;
    await fc.assert(
      fc.asyncProperty(fc.oneof({ weight: 1, arbitrary: fc.uint8Array({ maxLength: 512 }) }, { weight: 4, arbitrary: mutated(seed) }), async (bytes) => {
        try {
          await validateIndicatorBatch(bytes, context);
          accepted++;
        } catch (err) {
          if (!(err instanceof IndicatorBatchError)) throw err;
        }
      }),
      { numRuns: RUNS, seed: 2 },
    );
    // Mutations that keep a batch valid exist (unknown protobuf fields are skipped), but are rare.
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
        expect(result.inputs.length + result.skipped.length).to.be.at.least(0);
        parseStixPattern(pattern);
      }),
      { numRuns: RUNS, seed: 3 },
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
        importMisp(document, { defaultTlp: "GREEN", group: 2 });
      }),
      { numRuns: RUNS, seed: 4 },
    );
  });

  describe("HTTP API of a real node", function () {
    let solo: Awaited<ReturnType<typeof startSoloNode>>;
    let app: FastifyInstance;
    before(async function () {
      solo = await startSoloNode("fuzz-org", { taxii: { credentials: [{ name: "t", audience: "clients", token: "fuzz-token-0123456789" }] } });
      app = await buildApiServer(solo.node, { bodyLimitBytes: 1 << 20 });
    });
    after(async function () {
      await app?.close();
      await solo?.stop();
    });

    it("answers every request without a 500", async function () {
      const paths = [
        "/status", "/indicators", "/indicators/lookup", "/indicators/0000", `/indicators/${"a".repeat(64)}`, `/indicators/${"a".repeat(64)}/sightings`,
        "/feed", "/match", "/sightings", "/groups", "/groups/1/members", "/groups/x/members/y", "/reputation", "/reputation/history",
        "/stats/producers", "/stats/top-confirmed", "/proofs", "/proofs/verify", "/exports/zeek", "/exports/nope", "/import/stix", "/import/misp",
        "/alerts", "/check", "/taxii2/", "/taxii2/api/collections/", "/taxii2/api/collections/x/objects/", "/nowhere",
      ];
      // What must not be sent at random: side effects on chain and whole-store work (covered elsewhere).
      const skip = new Set(["POST /groups", "POST /groups/1/members", "DELETE /groups/x/members/y", "POST /reputation/report", "POST /audit/anchor", "POST /sync", "GET /check"]);
      const query = fc.dictionary(
        fc.constantFrom("value", "type", "audience", "since", "limit", "format", "producer", "epochs", "org", "next", "added_after", "match[type]", "tlp", "group"),
        fc.oneof(fc.string({ maxLength: 20 }), fc.constantFrom("1", "-1", "clients", "csv", "domain", "2026-01-01T00:00:00Z", "9".repeat(30))),
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
    const result = importMisp({ Event: { Object: [null, { Attribute: [null] }], Attribute: [null, { type: "domain", value: "ok.example", to_ids: true, Sighting: [null] }] } }, { defaultTlp: "GREEN" });
    expect(result.inputs.map((i) => i.value)).to.deep.equal(["ok.example"]);
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
