import { expect } from "chai";
import { randomBytes } from "node:crypto";
import { ed25519 } from "@noble/curves/ed25519.js";
import { ACTION_OF, GossipAction, IndicatorBatchError, IndicatorBatchErrorCode as Code } from "../../node/src/gossip/errors.js";
import { DEFAULT_BATCH_LIMITS, validateIndicatorBatch, type BatchValidationContext } from "../../node/src/gossip/validation.js";
import type { Indicator } from "../../node/src/model/indicator.js";
import type { Sighting } from "../../node/src/model/sighting.js";
import { buildIndicator } from "../../node/src/model/validate.js";
import { x25519 } from "@noble/curves/ed25519.js";
import { signBatch, type IndicatorBatch } from "../../node/src/wire/batch.js";
import { encodeBatch } from "../../node/src/wire/codec.js";

const now = Date.parse("2026-11-21T12:00:00Z");
const secretKey = randomBytes(32);
const signingKey = ed25519.getPublicKey(secretKey);

const good = (value = "evil.example", extra: object = {}): Indicator =>
  buildIndicator({ type: "domain", value, ...extra }, { producer: "acme-bank", now });

function batchOf(indicators: Indicator[], header: Partial<IndicatorBatch> = {}): IndicatorBatch {
  return { ...signBatch({ producer: "acme-bank", sequence: 1, createdAt: now, group: 0, indicators }, secretKey).batch, ...header };
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
  return signBatch({ producer: "acme-bank", sequence: 1, createdAt: now, group: 0, indicators, sightings }, secretKey).batch;
}

function sealedOf(indicators: Indicator[], recipients = [producerKey, readerKey], header: Partial<IndicatorBatch> = {}): IndicatorBatch {
  return { ...signBatch({ producer: "acme-bank", sequence: 1, createdAt: now, group: GROUP, indicators }, secretKey, recipients).batch, ...header };
}

function context(overrides: Partial<BatchValidationContext> = {}): BatchValidationContext {
  return {
    now,
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
    [Code.FUTURE_VERSION, () => encodeBatch(batchOf([good()], { version: 2 }))],
    [Code.MALFORMED, () => encodeBatch(batchOf([good()], { signature: new Uint8Array(10) }))],
    [Code.MALFORMED, () => encodeBatch(batchOf([good()], { signingKey: new Uint8Array(31) }))],
    [Code.MALFORMED, () => encodeBatch(batchOf([good()], { sequence: 0 }))],
    [Code.BAD_INDICATOR_COUNT, () => encodeBatch({ ...batchOf([good()]), indicators: [] })],
    [Code.BAD_INDICATOR_COUNT, () => encodeBatch(batchOf([good("a.example"), good("b.example")])), { limits: { ...DEFAULT_BATCH_LIMITS, maxIndicators: 1 } }],
    [Code.UNKNOWN_PRODUCER, () => encodeBatch(batchOf([good()])), { producer: () => undefined }],
    [Code.PRODUCER_NOT_ACTIVE, () => encodeBatch(batchOf([good()])), { producer: (orgId) => ({ orgId, active: false, signingKey }) }],
    [Code.WRONG_SIGNING_KEY, () => encodeBatch(batchOf([good()])), { producer: (orgId) => ({ orgId, active: true, signingKey: new Uint8Array(32).fill(7) }) }],
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

  it("REJECTs only what is provably invalid; lag, staleness and duplicates are IGNOREd", function () {
    const ignored = Object.values(Code).filter((code) => ACTION_OF[code] === GossipAction.IGNORE);
    expect(ignored.sort()).to.deep.equal(
      [Code.FUTURE_VERSION, Code.UNKNOWN_PRODUCER, Code.FUTURE_BATCH, Code.ALREADY_KNOWN, Code.ALL_EXPIRED, Code.UNDECRYPTABLE, Code.RATE_LIMITED, Code.QUEUE_FULL].sort(),
    );
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
