import { TEST_DEPLOYMENT } from "../helpers/deployment.js";
import { expect } from "chai";
import { randomBytes } from "node:crypto";
import { ed25519 } from "@noble/curves/ed25519.js";
import { ACTION_OF, GossipAction, IndicatorBatchError, IndicatorBatchErrorCode as Code } from "../../node/src/gossip/errors.js";
import { DEFAULT_BATCH_LIMITS, validateIndicatorBatch, type BatchValidationContext } from "../../node/src/gossip/validation.js";
import type { Indicator } from "../../node/src/model/indicator.js";
import type { Sighting } from "../../node/src/model/sighting.js";
import { buildIndicator } from "../../node/src/model/validate.js";
import { x25519 } from "@noble/curves/ed25519.js";
import { headerOf, signBatch, type IndicatorBatch } from "../../node/src/wire/batch.js";
import { encodeBatchSigningPayload } from "../../node/src/wire/canonical.js";
import { encodeBatch } from "../../node/src/wire/codec.js";
import { deploymentId } from "../../node/src/wire/deployment.js";
import { canonicalJson } from "../../node/src/wire/canonical-json.js";
import { orgIdentityId, TLP2_MARKINGS } from "../../node/src/model/stix-object.js";
import { malwareObject } from "../helpers/stix-fixtures.js";

const now = Date.parse("2026-11-21T12:00:00Z");
const secretKey = randomBytes(32);
const signingKey = ed25519.getPublicKey(secretKey);

const good = (value = "evil.example", extra: object = {}): Indicator =>
  buildIndicator({ type: "domain", value, ...extra }, { producer: "acme-bank", now });

function batchOf(indicators: Indicator[], header: Partial<IndicatorBatch> = {}): IndicatorBatch {
  return { ...signBatch({ deployment: TEST_DEPLOYMENT, producer: "acme-bank", sequence: 1, createdAt: now, group: 0, indicators }, secretKey).batch, ...header };
}

/** "north-cert" reads group 7's batches in these tests; acme-bank produces them. */
const GROUP = 7;
const readerSecret = x25519.utils.randomSecretKey();
const reader = { org: "north-cert", encryptionSecretKey: readerSecret };
const readerKey = { org: "north-cert", encryptionKey: x25519.getPublicKey(readerSecret) };
const producerKey = { org: "acme-bank", encryptionKey: x25519.getPublicKey(x25519.utils.randomSecretKey()) };

const inGroup = (value = "evil.example", extra: object = {}): Indicator => good(value, { tlp: "AMBER", group: GROUP, ...extra });

const sighting = (extra: Partial<Sighting> = {}): Sighting => ({
  indicatorId: "ab".repeat(32),
  kind: "sighting",
  observedAt: now - 1000,
  count: 3,
  reporter: "acme-bank",
  ...extra,
});

function sightingsOf(sightings: Sighting[], indicators: Indicator[] = []): IndicatorBatch {
  return signBatch({ deployment: TEST_DEPLOYMENT, producer: "acme-bank", sequence: 1, createdAt: now, group: 0, indicators, sightings }, secretKey).batch;
}

/** A batch relabelled with `header` and signed again, as a producer running other software would send it. */
function resigned(batch: IndicatorBatch, header: Partial<IndicatorBatch>): IndicatorBatch {
  const relabelled = { ...batch, ...header };
  return { ...relabelled, signature: ed25519.sign(encodeBatchSigningPayload(headerOf(relabelled)), secretKey) };
}

const stixObject = malwareObject;

/** A version 3 batch of objects, each given as its JSON text (canonical unless the test says otherwise). */
function objectsOf(objects: string[], header: Partial<IndicatorBatch> = {}): IndicatorBatch {
  return { ...signBatch({ deployment: TEST_DEPLOYMENT, producer: "acme-bank", sequence: 1, createdAt: now, group: 0, indicators: [], objects }, secretKey).batch, ...header };
}

function sealedOf(indicators: Indicator[], recipients = [producerKey, readerKey], header: Partial<IndicatorBatch> = {}): IndicatorBatch {
  return { ...signBatch({ deployment: TEST_DEPLOYMENT, producer: "acme-bank", sequence: 1, createdAt: now, group: GROUP, indicators }, secretKey, recipients).batch, ...header };
}

function context(overrides: Partial<BatchValidationContext> = {}): BatchValidationContext {
  return {
    now,
    deployment: TEST_DEPLOYMENT,
    limits: DEFAULT_BATCH_LIMITS,
    producer: (orgId) => (orgId === "acme-bank" ? { orgId, active: true, signingKey } : undefined),
    knownRoot: async () => undefined,
    reader,
    entitled: (group, org) => group === GROUP && org === "north-cert",
    ...overrides,
  };
}

async function outcome(bytes: Uint8Array, ctx = context()): Promise<Code | "ACCEPT"> {
  try {
    await validateIndicatorBatch(bytes, ctx);
    return "ACCEPT";
  } catch (err) {
    if (err instanceof IndicatorBatchError) return err.code;
    throw err;
  }
}

describe("indicator batch validation pipeline", function () {
  it("accepts a well-formed batch signed by an active member's key on chain", async function () {
    const batch = batchOf([good("a.example"), good("b.example")]);
    const validated = await validateIndicatorBatch(encodeBatch(batch), context());
    expect(validated.liveIndexes).to.deep.equal([0, 1]);
    expect(validated.batch.producer).to.equal("acme-bank");
  });

  const cases: Array<[Code, () => Uint8Array, Partial<BatchValidationContext>?]> = [
    [Code.TOO_LARGE, () => encodeBatch(batchOf([good()])), { limits: { ...DEFAULT_BATCH_LIMITS, maxBytes: 10 } }],
    [Code.DECODE_FAILED, () => Uint8Array.of(0xff, 0xff, 0xff, 0xff, 0x0f)],
    [Code.UNSUPPORTED_VERSION, () => encodeBatch(batchOf([good()], { version: 0 }))],
    [Code.OBSOLETE_VERSION, () => encodeBatch(batchOf([good()], { version: 1 }))],
    [Code.FUTURE_VERSION, () => encodeBatch(batchOf([good()], { version: 5 }))],
    // A trailing field this version does not know: padding a relay added.
    [Code.NON_CANONICAL, () => Uint8Array.from([...encodeBatch(batchOf([good()])), 0x98, 0x06, 0x01])],
    // The same fields, one of them written twice (protobuf keeps the last): other bytes for one signature.
    [Code.NON_CANONICAL, () => { const bytes = encodeBatch(batchOf([good()])); return Uint8Array.from([0x08, 0x02, ...bytes]); }],
    [Code.WRONG_DEPLOYMENT, () => encodeBatch(batchOf([good()])), { deployment: deploymentId(1, "0x1111111111111111111111111111111111111111") }],
    [Code.MALFORMED, () => encodeBatch(batchOf([good()], { deployment: new Uint8Array(16) }))],
    [Code.MALFORMED, () => encodeBatch(batchOf([good()], { signature: new Uint8Array(10) }))],
    [Code.MALFORMED, () => encodeBatch(batchOf([good()], { signingKey: new Uint8Array(31) }))],
    [Code.MALFORMED, () => encodeBatch(batchOf([good()], { sequence: 0 }))],
    [Code.BAD_INDICATOR_COUNT, () => encodeBatch({ ...batchOf([good()]), indicators: [] })],
    [Code.BAD_INDICATOR_COUNT, () => encodeBatch(batchOf([good("a.example"), good("b.example")])), { limits: { ...DEFAULT_BATCH_LIMITS, maxIndicators: 1 } }],
    [Code.UNKNOWN_PRODUCER, () => encodeBatch(batchOf([good()])), { producer: () => undefined }],
    [Code.PRODUCER_NOT_ACTIVE, () => encodeBatch(batchOf([good()])), { producer: (orgId) => ({ orgId, active: false, signingKey }) }],
    [Code.WRONG_SIGNING_KEY, () => encodeBatch(batchOf([good()])), { producer: (orgId) => ({ orgId, active: true, signingKey: new Uint8Array(32).fill(7) }) }],
    [Code.STALE_SIGNING_KEY, () => encodeBatch(batchOf([good()])), { producer: (orgId) => ({ orgId, active: true, signingKey: new Uint8Array(32).fill(7), previousSigningKeys: [signingKey] }) }],
    [Code.UNUSABLE_SIGNING_KEY, () => encodeBatch(batchOf([good()])), { producer: (orgId) => ({ orgId, active: true, signingKey, usableKey: false }) }],
    [Code.PRODUCER_NOT_IN_GROUP, () => encodeBatch(sealedOf([inGroup()])), { producerInGroup: () => false }],
    [Code.SEQUENCE_TOO_FAR, () => encodeBatch(batchOf([good()], { sequence: 5 })), { firstUnhandled: async () => 2, limits: { ...DEFAULT_BATCH_LIMITS, maxSequenceAhead: 3 } }],
    [Code.FUTURE_BATCH, () => encodeBatch(batchOf([good()], { createdAt: now + 120_000 }))],
    [Code.ALREADY_KNOWN, () => encodeBatch(batchOf([good()])), { knownRoot: async () => batchOf([good()]).merkleRoot }],
    [Code.EQUIVOCATION, () => encodeBatch(batchOf([good()])), { knownRoot: async () => new Uint8Array(32).fill(1) }],
    [Code.BAD_MERKLE_ROOT, () => encodeBatch({ ...batchOf([good("a.example")]), indicators: [good("b.example")] })],
    [
      Code.BAD_SIGNATURE,
      () => {
        const batch = batchOf([good()]);
        const signature = new Uint8Array(batch.signature);
        signature[0]! ^= 1;
        return encodeBatch({ ...batch, signature });
      },
    ],
    [Code.BAD_SIGNATURE, () => encodeBatch(batchOf([good()], { sequence: 2 }))],
    [Code.PRODUCER_MISMATCH, () => encodeBatch(batchOf([{ ...good(), producer: "north-cert" }]))],
    [Code.INVALID_INDICATOR, () => encodeBatch(batchOf([{ ...good(), confidence: 150 }]))],
    [Code.INVALID_INDICATOR, () => encodeBatch(batchOf([{ ...good(), validUntil: now - 1, validFrom: now }]))],
    // AMBER shared with the whole consortium: only a group may receive it.
    [Code.INVALID_INDICATOR, () => encodeBatch(batchOf([{ ...good(), tlp: "AMBER" }]))],
    [Code.NOT_NORMALIZED, () => encodeBatch(batchOf([{ ...good(), value: "EVIL.example" }]))],
    [Code.NOT_NORMALIZED, () => encodeBatch(batchOf([{ ...good(), labels: { malwareFamilies: [], attackTechniques: [], tags: ["b", "a"] } }]))],
    [Code.DUPLICATE_INDICATOR, () => encodeBatch(batchOf([good(), good("evil.example", { confidence: 99 })]))],
    [Code.TLP_RED, () => encodeBatch(batchOf([good("evil.example", { tlp: "RED" })]))],
    [Code.ALL_EXPIRED, () => encodeBatch(batchOf([good("evil.example", { validFrom: now - 10_000, validUntil: now - 1 })]))],
    // An AMBER batch in the clear: a producer bug that would leak it to every relay.
    [Code.NOT_SEALED, () => encodeBatch(batchOf([inGroup()], { group: GROUP }))],
    [Code.NOT_SEALED, () => encodeBatch(sealedOf([inGroup()], undefined, { indicators: [inGroup()] }))],
    [Code.BAD_SEALED, () => encodeBatch({ ...sealedOf([inGroup()]), group: 0 })],
    [Code.BAD_SEALED, () => { const b = sealedOf([inGroup()]); return encodeBatch({ ...b, sealed: { ...b.sealed!, nonce: new Uint8Array(8) } }); }],
    [Code.BAD_SEALED, () => { const b = sealedOf([inGroup()]); return encodeBatch({ ...b, sealed: { ...b.sealed!, recipients: [...b.sealed!.recipients, b.sealed!.recipients[0]!] } }); }],
    [Code.GROUP_MISMATCH, () => encodeBatch(batchOf([{ ...good(), group: 3 }]))],
    [Code.INVALID_SIGHTING, () => encodeBatch(sightingsOf([sighting({ indicatorId: "not-an-id" })]))],
    [Code.INVALID_SIGHTING, () => encodeBatch(sightingsOf([sighting({ count: 0 })]))],
    [Code.PRODUCER_MISMATCH, () => encodeBatch(sightingsOf([sighting({ reporter: "north-cert" })]))],
    // STIX objects (version 3).
    [Code.OBJECT_NOT_CANONICAL, () => encodeBatch(objectsOf([JSON.stringify(stixObject(), null, 1)]))],
    [Code.OBJECT_NOT_CANONICAL, () => encodeBatch(objectsOf(["[1,2]"]))],
    [Code.OBJECT_TOO_LARGE, () => encodeBatch(objectsOf([canonicalJson(stixObject({ description: "x".repeat(300_000) }))]))],
    [Code.INVALID_OBJECT, () => encodeBatch(objectsOf([canonicalJson(stixObject({ is_family: undefined }))]))],
    [Code.INVALID_OBJECT, () => encodeBatch(objectsOf([canonicalJson(stixObject({ type: "tool" }))]))],
    [Code.OBJECT_UNMARKED, () => encodeBatch(objectsOf([canonicalJson(stixObject({ object_marking_refs: undefined }))]))],
    [Code.DUPLICATE_OBJECT, () => encodeBatch(objectsOf([canonicalJson(stixObject()), canonicalJson(stixObject({ name: "Emotet again" }))]))],
    [Code.OBJECT_AUTHOR_MISMATCH, () => encodeBatch(objectsOf([canonicalJson(stixObject({ created_by_ref: orgIdentityId("north-cert") }))])), { identityOwner: (id) => (id === orgIdentityId("north-cert") ? "north-cert" : undefined) }],
    [Code.TLP_RED, () => encodeBatch(objectsOf([canonicalJson(stixObject({ object_marking_refs: [TLP2_MARKINGS.RED] }))]))],
    [Code.NOT_SEALED, () => encodeBatch(objectsOf([canonicalJson(stixObject({ object_marking_refs: [TLP2_MARKINGS.AMBER] }))]))],
    [Code.FUTURE_BATCH, () => encodeBatch(objectsOf([canonicalJson(stixObject({ modified: "2027-01-01T00:00:00.000Z" }))]))],
    [Code.MALFORMED, () => encodeBatch(objectsOf([canonicalJson(stixObject())], { version: 2 }))],
    // A machine tag keeps its case: a version 2 node would refuse it, so it travels in version 3 only.
    [Code.NOT_NORMALIZED, () => encodeBatch(resigned(batchOf([good("evil.example", { labels: { tags: ["PAP:RED"] } })]), { version: 2 }))],
    // A JA3 fingerprint is a version 4 type: a version 3 node would not know its type code.
    [Code.NOT_NORMALIZED, () => encodeBatch(resigned(batchOf([buildIndicator({ type: "ja3", value: "e7d705a3286e19ea42f587b344ee6865" }, { producer: "acme-bank", now })]), { version: 3 }))],
    [Code.DUPLICATE_INDICATOR, () => encodeBatch(sightingsOf([sighting(), sighting({ count: 9 })]))],
    [Code.FUTURE_BATCH, () => encodeBatch(sightingsOf([sighting({ observedAt: now + 120_000 })]))],
    [Code.BAD_INDICATOR_COUNT, () => encodeBatch({ ...sightingsOf([sighting()]), sightings: [] })],
    [Code.RATE_LIMITED, () => encodeBatch(batchOf([good()])), { admit: () => false }],
    // A wrap the producer made with the wrong key for north-cert: relays cannot tell, north-cert cannot open it.
    [Code.UNDECRYPTABLE, () => encodeBatch(sealedOf([inGroup()], [{ ...readerKey, encryptionKey: producerKey.encryptionKey }]))],
  ];

  for (const [code, bytes, ctx] of cases) {
    it(`${code} -> ${ACTION_OF[code].toUpperCase()}`, async function () {
      expect(await outcome(bytes(), context(ctx))).to.equal(code);
    });
  }

  it("has a test case for every code", function () {
    const tested = new Set(cases.map(([code]) => code));
    // QUEUE_FULL is the gossip layer's, before the pipeline: tested in test/unit/gossip.test.ts.
    expect(Object.values(Code).filter((code) => !tested.has(code) && code !== Code.QUEUE_FULL)).to.deep.equal([]);
  });

  it("REJECTs only what the sending peer provably did; lag, staleness, duplicates and the producer's own faults are IGNOREd", function () {
    const ignored = Object.values(Code).filter((code) => ACTION_OF[code] === GossipAction.IGNORE);
    expect(ignored.sort()).to.deep.equal(
      [
        Code.OBSOLETE_VERSION,
        Code.FUTURE_VERSION,
        Code.UNKNOWN_PRODUCER,
        Code.PRODUCER_NOT_ACTIVE,
        Code.STALE_SIGNING_KEY,
        Code.UNUSABLE_SIGNING_KEY,
        Code.PRODUCER_NOT_IN_GROUP,
        Code.SEQUENCE_TOO_FAR,
        Code.FUTURE_BATCH,
        Code.ALREADY_KNOWN,
        Code.EQUIVOCATION,
        Code.ALL_EXPIRED,
        Code.UNDECRYPTABLE,
        Code.RATE_LIMITED,
        Code.QUEUE_FULL,
        Code.OBJECT_AUTHOR_MISMATCH,
      ].sort(),
    );
  });

  describe("the order of the checks", function () {
    it("charges a producer's rate budget only once the batch's signature holds: forgeries naming it spend none", async function () {
      let charged = 0;
      const admit = () => (charged++, true);
      const forged = batchOf([good()]);
      const signature = new Uint8Array(forged.signature);
      signature[5]! ^= 1;
      expect(await outcome(encodeBatch({ ...forged, signature }), context({ admit }))).to.equal(Code.BAD_SIGNATURE);
      expect(await outcome(encodeBatch({ ...forged, indicators: [good("other.example")] }), context({ admit }))).to.equal(Code.BAD_MERKLE_ROOT);
      expect(charged).to.equal(0);
      expect(await outcome(encodeBatch(forged), context({ admit }))).to.equal("ACCEPT");
      expect(charged).to.equal(1);
    });

    it("refuses a batch naming an unknown producer from its header alone, before decoding its content", async function () {
      // The batch's one indicator entry (field 6) holds bytes that are no Indicator at all.
      const header = encodeBatch({ ...batchOf([good()]), indicators: [] });
      const crafted = Uint8Array.from([...header, 0x32, 0x03, 0xff, 0xff, 0xff]);
      expect(await outcome(crafted, context({ producer: () => undefined }))).to.equal(Code.UNKNOWN_PRODUCER);
      // A known producer's: only then is it decoded, and found broken.
      expect(await outcome(crafted)).to.equal(Code.DECODE_FAILED);
    });

    it("asks for a fresh chain view before refusing a producer, a key or a status, and decides on it", async function () {
      const stale = (orgId: string) => ({ orgId, active: true, signingKey: new Uint8Array(32).fill(7) });
      let refreshed = 0;
      const fresh = async (orgId: string) => (refreshed++, { orgId, active: true, signingKey });
      expect(await outcome(encodeBatch(batchOf([good()])), context({ producer: stale, refreshProducer: fresh }))).to.equal("ACCEPT");
      expect(await outcome(encodeBatch(batchOf([good()])), context({ producer: () => undefined, refreshProducer: fresh }))).to.equal("ACCEPT");
      expect(refreshed).to.equal(2);
      expect(await outcome(encodeBatch(batchOf([good()])), context({ producer: stale, refreshProducer: async (orgId) => stale(orgId) }))).to.equal(Code.WRONG_SIGNING_KEY);
    });

    it("names positions and fields in its reasons, never a value: reasons reach the logs", async function () {
      const secret = "secret-value-7f3a.example";
      const attempts = [
        batchOf([good(secret), good(secret, { confidence: 99 })]),
        batchOf([{ ...good(secret), producer: "north-cert" }]),
        batchOf([{ ...good(secret), description: `${secret}\u0001` }]),
        sealedOf([inGroup(secret), inGroup(secret, { confidence: 99 })]),
        sealedOf([{ ...inGroup(secret), producer: `x-${secret}`.slice(0, 30) }]),
      ];
      for (const batch of attempts) {
        try {
          await validateIndicatorBatch(encodeBatch(batch), context());
          expect.fail("must not validate");
        } catch (err) {
          expect(err).to.be.instanceOf(IndicatorBatchError);
          expect((err as Error).message).to.not.include("secret-value");
        }
      }
    });
  });

  it("keeps only the still-valid indicators of a partly expired batch", async function () {
    const expired = good("old.example", { validFrom: now - 10_000, validUntil: now - 1 });
    const validated = await validateIndicatorBatch(encodeBatch(batchOf([expired, good("new.example")])), context());
    expect(validated.liveIndexes).to.deep.equal([1]);
  });

  it("accepts sightings alone, and sightings of an expired indicator, in the same Merkle tree as indicators", async function () {
    const alone = await validateIndicatorBatch(encodeBatch(sightingsOf([sighting(), sighting({ kind: "false-positive", count: 1 })])), context());
    expect(alone.content!.sightings).to.have.length(2);
    const expired = good("old.example", { validFrom: now - 10_000, validUntil: now - 1 });
    const mixed = await validateIndicatorBatch(encodeBatch(sightingsOf([sighting({ kind: "expired", count: 1 })], [expired])), context());
    expect(mixed.liveIndexes).to.deep.equal([]);
    expect(mixed.content!.sightings[0]!.kind).to.equal("expired");
  });

  describe("sealed batches", function () {
    it("opens a group batch for a recipient entitled to it and checks it against the signed root", async function () {
      const validated = await validateIndicatorBatch(encodeBatch(sealedOf([inGroup("a.example"), inGroup("b.example", { tlp: "AMBER+STRICT" })])), context());
      expect(validated.relayOnly).to.equal(undefined);
      expect(validated.content!.indicators.map((i) => i.value)).to.deep.equal(["a.example", "b.example"]);
      expect(validated.liveIndexes).to.deep.equal([0, 1]);
    });

    it("relays, without reading, a batch not sealed for this node", async function () {
      const validated = await validateIndicatorBatch(encodeBatch(sealedOf([inGroup()], [producerKey])), context());
      expect(validated).to.include({ relayOnly: "NOT_A_RECIPIENT", content: undefined });
      expect(validated.liveIndexes).to.deep.equal([]);
    });

    it("does not read a batch wrapped for it when the chain says it is not in the group", async function () {
      const validated = await validateIndicatorBatch(encodeBatch(sealedOf([inGroup()])), context({ entitled: () => false }));
      expect(validated).to.include({ relayOnly: "NOT_ENTITLED", content: undefined });
    });

    it("relays a sealed batch as a node without keys would: checked up to its signature", async function () {
      const tampered = sealedOf([inGroup()]);
      const ciphertext = new Uint8Array(tampered.sealed!.ciphertext);
      ciphertext[0]! ^= 1;
      const bytes = encodeBatch({ ...tampered, sealed: { ...tampered.sealed!, ciphertext } });
      expect(await outcome(bytes, context({ reader: undefined }))).to.equal(Code.BAD_SIGNATURE);
    });

    it("finds equivocation on the sealed path too, for relays and recipients alike, with the second batch as evidence", async function () {
      const first = sealedOf([inGroup("first.example")]);
      const second = encodeBatch(sealedOf([inGroup("second.example")]));
      for (const ctx of [context({ knownRoot: async () => first.merkleRoot }), context({ knownRoot: async () => first.merkleRoot, reader: undefined })]) {
        try {
          await validateIndicatorBatch(second, ctx);
          expect.fail("must not validate");
        } catch (err) {
          expect((err as IndicatorBatchError).code).to.equal(Code.EQUIVOCATION);
          expect((err as IndicatorBatchError).action).to.equal(GossipAction.IGNORE);
          expect((err as IndicatorBatchError).evidence?.batch.sequence).to.equal(1);
        }
      }
      // The same sealed batch again is a replay, not equivocation.
      expect(await outcome(encodeBatch(first), context({ knownRoot: async () => first.merkleRoot }))).to.equal(Code.ALREADY_KNOWN);
    });

    it("checks inside sealed content what it checks in the clear: times from the future, a blinded value without its key", async function () {
      const late = inGroup("late.example");
      const future = { ...late, createdAt: now + DEFAULT_BATCH_LIMITS.maxClockSkewMs + 1 };
      expect(await outcome(encodeBatch(sealedOf([future])))).to.equal(Code.FUTURE_BATCH);
      // Just inside the skew is fine.
      expect(await outcome(encodeBatch(sealedOf([{ ...late, createdAt: now + DEFAULT_BATCH_LIMITS.maxClockSkewMs }])))).to.equal("ACCEPT");
      const blinded = { ...inGroup("blind-me.example"), value: "ab".repeat(32), blinded: true };
      const noKey = signBatch({ deployment: TEST_DEPLOYMENT, producer: "acme-bank", sequence: 1, createdAt: now, group: GROUP, indicators: [blinded] }, secretKey, [producerKey, readerKey]).batch;
      expect(await outcome(encodeBatch(noKey))).to.equal(Code.MALFORMED);
      const withKey = signBatch({ deployment: TEST_DEPLOYMENT, producer: "acme-bank", sequence: 1, createdAt: now, group: GROUP, indicators: [blinded], blindingKey: new Uint8Array(32).fill(9) }, secretKey, [producerKey, readerKey]).batch;
      expect(await outcome(encodeBatch(withKey))).to.equal("ACCEPT");
    });

    it("ignores a sealed batch whose producer is not in the group it sealed it for", async function () {
      const bytes = encodeBatch(sealedOf([inGroup()]));
      expect(await outcome(bytes, context({ producerInGroup: () => false }))).to.equal(Code.PRODUCER_NOT_IN_GROUP);
      expect(await outcome(bytes, context({ producerInGroup: (group, producer) => group === GROUP && producer === "acme-bank" }))).to.equal("ACCEPT");
    });

    it("IGNOREs, not REJECTs, a fault found inside a sealed batch: the relay could not see it", async function () {
      for (const [indicator, code] of [
        [{ ...inGroup(), producer: "north-cert" }, Code.PRODUCER_MISMATCH],
        [{ ...inGroup(), group: 2 }, Code.GROUP_MISMATCH],
        [{ ...inGroup(), value: "EVIL.example" }, Code.NOT_NORMALIZED],
      ] as const) {
        try {
          await validateIndicatorBatch(encodeBatch(sealedOf([indicator])), context());
          expect.fail("must not validate");
        } catch (err) {
          expect(err).to.be.instanceOf(IndicatorBatchError);
          expect((err as IndicatorBatchError).code).to.equal(code);
          expect((err as IndicatorBatchError).action).to.equal(GossipAction.IGNORE);
        }
      }
    });
  });
});
