import { expect } from "chai";
import { randomBytes } from "node:crypto";
import { ed25519, x25519 } from "@noble/curves/ed25519.js";
import { GossipAction, IndicatorBatchError, IndicatorBatchErrorCode as Code } from "../../node/src/gossip/errors.js";
import { checkOwnBatch, DEFAULT_BATCH_LIMITS, OwnBatchInvalidError, validateIndicatorBatch, verifyOpenContent, type BatchValidationContext } from "../../node/src/gossip/validation.js";
import type { Indicator } from "../../node/src/model/indicator.js";
import type { Sighting } from "../../node/src/model/sighting.js";
import { buildIndicator } from "../../node/src/model/validate.js";
import { leafHashes, signBatch, type IndicatorBatch } from "../../node/src/wire/batch.js";
import { encodeBatchSigningPayload } from "../../node/src/wire/canonical.js";
import { encodeBatch, encodeSealedContent } from "../../node/src/wire/codec.js";
import { merkleRootOfLeaves } from "../../node/src/wire/merkle.js";
import { seal, sealedDigest } from "../../node/src/wire/sealed.js";
import { signEd25519 } from "../../node/src/wire/signature.js";
import { TEST_DEPLOYMENT } from "../helpers/deployment.js";

const now = Date.parse("2026-11-21T12:00:00Z");
const secretKey = randomBytes(32);
const signingKey = ed25519.getPublicKey(secretKey);
const GROUP = 7;
const readerSecret = x25519.utils.randomSecretKey();
const reader = { org: "north-cert", encryptionSecretKey: readerSecret };
const readerKey = { org: "north-cert", encryptionKey: x25519.getPublicKey(readerSecret) };
const producerKey = { org: "acme-bank", encryptionKey: x25519.getPublicKey(x25519.utils.randomSecretKey()) };

const good = (value = "evil.example", extra: object = {}): Indicator => buildIndicator({ type: "domain", value, ...extra }, { producer: "acme-bank", now });
const inGroup = (value = "evil.example", extra: object = {}): Indicator => good(value, { tlp: "AMBER", group: GROUP, ...extra });
const sighting = (extra: Partial<Sighting> = {}): Sighting => ({ indicatorId: "ab".repeat(32), kind: "sighting", observedAt: now - 1000, count: 3, reporter: "acme-bank", ...extra });

function open(indicators: Indicator[], header: Partial<IndicatorBatch> = {}, sightings: Sighting[] = []): IndicatorBatch {
  return { ...signBatch({ deployment: TEST_DEPLOYMENT, producer: "acme-bank", sequence: 1, createdAt: now, group: 0, indicators, sightings }, secretKey).batch, ...header };
}
function sealed(indicators: Indicator[], options: { recipients?: typeof readerKey[]; blindingKey?: Uint8Array; sightings?: Sighting[] } = {}): IndicatorBatch {
  return signBatch({ deployment: TEST_DEPLOYMENT, producer: "acme-bank", sequence: 1, createdAt: now, group: GROUP, indicators, sightings: options.sightings, blindingKey: options.blindingKey }, secretKey, options.recipients ?? [producerKey, readerKey]).batch;
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
/** "ACCEPT", or the refusal's full message (code and reason) and action. */
async function verdict(bytes: Uint8Array, ctx = context()): Promise<string> {
  try {
    await validateIndicatorBatch(bytes, ctx);
    return "ACCEPT";
  } catch (err) {
    if (!(err instanceof IndicatorBatchError)) throw err;
    return `${err.action} ${err.message}`;
  }
}
const E = (code: Code, reason: string, action: GossipAction = GossipAction.REJECT) => `${action} ${code}: ${reason}`;

/**
 * The validation pipeline's reasons as a peer's operator reads them in the logs, each exact, and
 * every limit on both sides: the last accepted value and the first refused one.
 */
describe("validation: exact reasons and limits", function () {
  it("names each refusal of the header exactly", async function () {
    const cases: Array<[Uint8Array, string, Partial<BatchValidationContext>?]> = [
      [encodeBatch(open([good()], { version: 0 })), E(Code.UNSUPPORTED_VERSION, "version 0 does not exist")],
      [encodeBatch(open([good()], { version: 1 })), E(Code.OBSOLETE_VERSION, "version 1 is older than 2 (it names no deployment)", GossipAction.IGNORE)],
      [encodeBatch(open([good()], { version: 5 })), E(Code.FUTURE_VERSION, "version 5 is newer than 4", GossipAction.IGNORE)],
      [Uint8Array.from([...encodeBatch(open([good()])), 0x98, 0x06, 0x01]), E(Code.NON_CANONICAL, "fields 99 are not in version 2")],
      [encodeBatch(open([good()], { deployment: new Uint8Array(16) })), E(Code.MALFORMED, "deployment must be 32 bytes")],
      [encodeBatch(open([good()], { signingKey: new Uint8Array(31) })), E(Code.MALFORMED, "signing key must be 32 bytes")],
      [encodeBatch(open([good()], { signature: new Uint8Array(10) })), E(Code.MALFORMED, "signature must be 64 bytes")],
      [encodeBatch(open([good()], { merkleRoot: new Uint8Array(31) })), E(Code.MALFORMED, "Merkle root must be 32 bytes")],
      [encodeBatch(open([good()], { producer: "Not An Org" })), E(Code.MALFORMED, "producer must be an org id")],
      [encodeBatch(open([good()], { sequence: 0 })), E(Code.MALFORMED, "sequence must be a positive integer")],
      [encodeBatch({ ...open([good()]), indicators: [], indicatorCount: 0 }), E(Code.BAD_INDICATOR_COUNT, "0 indicators, sightings and objects; a batch holds 1 to 1000")],
      [encodeBatch(open([good()], { indicatorCount: 2 })), E(Code.BAD_INDICATOR_COUNT, "states 2 indicators, 0 sightings and 0 objects but holds 1, 0 and 0")],
      [encodeBatch(open([good()], { sightingCount: 1 })), E(Code.BAD_INDICATOR_COUNT, "states 1 indicators, 1 sightings and 0 objects but holds 1, 0 and 0")],
      [encodeBatch(open([inGroup()], { group: GROUP })), E(Code.NOT_SEALED, "a batch for group 7 travels sealed only")],
      [encodeBatch(open([good()])), E(Code.UNKNOWN_PRODUCER, '"acme-bank" is not a member known to this node', GossipAction.IGNORE), { producer: () => undefined }],
      [encodeBatch(open([good()])), E(Code.PRODUCER_NOT_ACTIVE, '"acme-bank" is not an active member', GossipAction.IGNORE), { producer: (orgId) => ({ orgId, active: false, signingKey }) }],
      [encodeBatch(open([good()])), E(Code.WRONG_SIGNING_KEY, 'batch is signed with a key that is not "acme-bank"\'s key on chain'), { producer: (orgId) => ({ orgId, active: true, signingKey: new Uint8Array(32).fill(7), previousSigningKeys: [new Uint8Array(32).fill(8)] }) }],
      [encodeBatch(open([good()])), E(Code.STALE_SIGNING_KEY, 'batch is signed with a key "acme-bank" has rotated away from', GossipAction.IGNORE), { producer: (orgId) => ({ orgId, active: true, signingKey: new Uint8Array(32).fill(7), previousSigningKeys: [new Uint8Array(32).fill(8), signingKey] }) }],
      [encodeBatch(open([good()])), E(Code.UNUSABLE_SIGNING_KEY, "\"acme-bank\"'s key on chain is of small order: its signatures prove nothing", GossipAction.IGNORE), { producer: (orgId) => ({ orgId, active: true, signingKey, usableKey: false }) }],
      [encodeBatch(open([good()], { createdAt: now + 60_001 })), E(Code.FUTURE_BATCH, "created more than 60000 ms in the future", GossipAction.IGNORE)],
      [encodeBatch(open([good()])), E(Code.ALREADY_KNOWN, "acme-bank#1 is already stored", GossipAction.IGNORE), { knownRoot: async () => open([good()]).merkleRoot }],
      [encodeBatch(open([good()])), E(Code.EQUIVOCATION, "acme-bank signed two different batches #1", GossipAction.IGNORE), { knownRoot: async () => new Uint8Array(32) }],
      [encodeBatch(open([good()])), E(Code.RATE_LIMITED, "acme-bank sends batches faster than its rate limit", GossipAction.IGNORE), { admit: () => false }],
      [encodeBatch(open([good()], { sequence: 5 })), E(Code.SEQUENCE_TOO_FAR, "#5 is 3 or more beyond #2, the first one missing here", GossipAction.IGNORE), { firstUnhandled: async () => 2, limits: { ...DEFAULT_BATCH_LIMITS, maxSequenceAhead: 3 } }],
      [encodeBatch(open([good()], { sequence: 2 })), E(Code.BAD_SIGNATURE, "signature does not verify under acme-bank's key")],
      [encodeBatch({ ...open([good("a.example")]), indicators: [good("b.example")] }), E(Code.BAD_MERKLE_ROOT, "indicators do not hash to the signed root")],
    ];
    for (const [bytes, expected, ctx] of cases) expect(await verdict(bytes, context(ctx)), expected).to.equal(expected);
  });

  it("names each refusal of the content exactly, with its position and never its value", async function () {
    const cases: Array<[IndicatorBatch, string]> = [
      [open([good(), { ...good("b.example"), producer: "north-cert" }]), E(Code.PRODUCER_MISMATCH, "indicator 1 names another producer than the batch's")],
      [open([{ ...good(), group: 3 }]), E(Code.GROUP_MISMATCH, "indicator 0 names another group than the batch's")],
      [open([good("evil.example", { tlp: "RED" })]), E(Code.TLP_RED, "indicator 0 is TLP:RED, which never leaves its node")],
      [open([{ ...good(), confidence: 150 }]), E(Code.INVALID_INDICATOR, "indicator 0: BAD_CONFIDENCE (confidence)")],
      [open([{ ...good(), value: "EVIL.example" }]), E(Code.NOT_NORMALIZED, "indicator 0 is not in canonical form")],
      [open([good("a.example"), good(), good("evil.example", { confidence: 99 })]), E(Code.DUPLICATE_INDICATOR, "indicator 2 repeats indicator 1")],
      [open([], {}, [sighting({ reporter: "north-cert" })]), E(Code.PRODUCER_MISMATCH, "sighting 0 names another reporter than the batch's producer")],
      [open([], {}, [sighting({ count: 0 })]), E(Code.INVALID_SIGHTING, "sighting 0: BAD_SIGHTING (count)")],
      [open([], {}, [sighting(), sighting({ kind: "expired" }), sighting({ count: 9 })]), E(Code.DUPLICATE_INDICATOR, "sighting 2 repeats sighting 0")],
      [open([good("evil.example", { validFrom: now - 10_000, validUntil: now })]), E(Code.ALL_EXPIRED, "every indicator of the batch has expired", GossipAction.IGNORE)],
      [open([{ ...good(), createdAt: now + 60_001 }]), E(Code.FUTURE_BATCH, "holds a statement created more than 60000 ms in the future", GossipAction.IGNORE)],
      [open([], {}, [sighting({ observedAt: now + 60_001 })]), E(Code.FUTURE_BATCH, "holds a statement created more than 60000 ms in the future", GossipAction.IGNORE)],
    ];
    for (const [batch, expected] of cases) expect(await verdict(encodeBatch(batch)), expected).to.equal(expected);
    // The same verdict off the main thread's pipeline: the worker's function gives code and reason alike.
    const bad = verifyOpenContent(encodeBatch(open([{ ...good(), value: "EVIL.example" }])), now);
    expect(bad).to.deep.equal({ signatureValid: true, failure: { code: Code.NOT_NORMALIZED, message: "indicator 0 is not in canonical form" }, ids: [], liveIndexes: [], objects: [] });
    const forged = verifyOpenContent(encodeBatch(open([good()], { sequence: 2 })), now);
    expect(forged).to.deep.include({ signatureValid: false, failure: { code: Code.BAD_SIGNATURE, message: "signature does not verify under acme-bank's key" } });
    expect(verifyOpenContent(Uint8Array.of(0xff, 0xff), now).failure?.code).to.equal(Code.DECODE_FAILED);
    const fine = verifyOpenContent(encodeBatch(open([good("a.example"), good("b.example", { validFrom: now - 10, validUntil: now })])), now);
    expect(fine).to.deep.include({ signatureValid: true, failure: undefined, liveIndexes: [0] });
    expect(fine.ids).to.have.length(2);
  });

  it("accepts each limit itself and refuses one beyond it", async function () {
    const bytes = encodeBatch(open([good()]));
    expect(await verdict(bytes, context({ limits: { ...DEFAULT_BATCH_LIMITS, maxBytes: bytes.length } }))).to.equal("ACCEPT");
    expect(await verdict(bytes, context({ limits: { ...DEFAULT_BATCH_LIMITS, maxBytes: bytes.length - 1 } }))).to.equal(E(Code.TOO_LARGE, `${bytes.length} bytes > ${bytes.length - 1}`));
    const two = encodeBatch(open([good("a.example"), good("b.example")]));
    expect(await verdict(two, context({ limits: { ...DEFAULT_BATCH_LIMITS, maxIndicators: 2 } }))).to.equal("ACCEPT");
    expect(await verdict(two, context({ limits: { ...DEFAULT_BATCH_LIMITS, maxIndicators: 1 } }))).to.equal(E(Code.BAD_INDICATOR_COUNT, "2 indicators, sightings and objects; a batch holds 1 to 1"));
    // A batch created exactly at the clock skew is accepted, and a statement inside it too.
    const atSkew = signBatch({ deployment: TEST_DEPLOYMENT, producer: "acme-bank", sequence: 1, createdAt: now + 60_000, group: 0, indicators: [{ ...good(), createdAt: now + 60_000 }] }, secretKey).batch;
    expect(await verdict(encodeBatch(atSkew))).to.equal("ACCEPT");
    expect(await verdict(encodeBatch(open([], {}, [sighting({ observedAt: now + 60_000 })])))).to.equal("ACCEPT");
    // An indicator valid until this very millisecond has expired; one valid a millisecond more has not.
    expect(await verdict(encodeBatch(open([good("a.example", { validFrom: now - 10, validUntil: now + 1 })])))).to.equal("ACCEPT");
    // The sequence window: the first one missing plus the window is the first refused.
    const second = signBatch({ deployment: TEST_DEPLOYMENT, producer: "acme-bank", sequence: 2, createdAt: now, group: 0, indicators: [good()] }, secretKey).batch;
    const window = (ahead: number) => context({ firstUnhandled: async () => 1, limits: { ...DEFAULT_BATCH_LIMITS, maxSequenceAhead: ahead } });
    expect(await verdict(encodeBatch(second), window(1))).to.equal(E(Code.SEQUENCE_TOO_FAR, "#2 is 1 or more beyond #1, the first one missing here", GossipAction.IGNORE));
    expect(await verdict(encodeBatch(second), window(2))).to.equal("ACCEPT");
    // Without a window limit, no window.
    expect(await verdict(encodeBatch(open([good()], {})), context({ firstUnhandled: async () => 1, limits: { ...DEFAULT_BATCH_LIMITS, maxSequenceAhead: undefined } }))).to.equal("ACCEPT");
  });

  describe("sealed batches", function () {
    const withSealed = (batch: IndicatorBatch, change: Partial<NonNullable<IndicatorBatch["sealed"]>>) => encodeBatch({ ...batch, sealed: { ...batch.sealed!, ...change } });

    it("names each malformed sealed body exactly, at its limits", async function () {
      const b = sealed([inGroup()]);
      const wrap = b.sealed!.recipients[0]!;
      const cases: Array<[Uint8Array, string, Partial<BatchValidationContext>?]> = [
        [encodeBatch({ ...b, group: 0 }), E(Code.BAD_SEALED, "a sealed batch names its group")],
        [withSealed(b, { ephemeralKey: new Uint8Array(31) }), E(Code.BAD_SEALED, "ephemeral key must be 32 bytes")],
        [withSealed(b, { nonce: new Uint8Array(8) }), E(Code.BAD_SEALED, "nonce must be 12 bytes")],
        [withSealed(b, { ciphertext: new Uint8Array() }), E(Code.BAD_SEALED, "empty ciphertext")],
        [withSealed(b, { recipients: [] }), E(Code.BAD_SEALED, "0 recipients; a sealed batch has 1 to 257")],
        [withSealed(b, { recipients: [wrap, { ...wrap, org: "third-org" }, { ...wrap, org: "fourth-org" }] }), E(Code.BAD_SEALED, "3 recipients; a sealed batch has 1 to 2"), { limits: { ...DEFAULT_BATCH_LIMITS, maxRecipients: 2 } }],
        [withSealed(b, { recipients: [wrap, wrap] }), E(Code.BAD_SEALED, "a recipient is not an org id or appears twice")],
        [withSealed(b, { recipients: [{ ...wrap, org: "Not An Org" }] }), E(Code.BAD_SEALED, "a recipient is not an org id or appears twice")],
        [withSealed(b, { recipients: [{ ...wrap, wrappedKey: new Uint8Array(47) }] }), E(Code.BAD_SEALED, "a key wrap must be 48 bytes")],
        [encodeBatch({ ...b, indicators: [inGroup()] }), E(Code.NOT_SEALED, "a sealed batch carries nothing in the clear")],
        [encodeBatch(b), E(Code.PRODUCER_NOT_IN_GROUP, "acme-bank is not in group 7, which it sealed the batch for", GossipAction.IGNORE), { producerInGroup: () => false }],
      ];
      for (const [bytes, expected, ctx] of cases) expect(await verdict(bytes, context(ctx)), expected).to.equal(expected);
      // Exactly the most recipients allowed is fine (checked up to its signature by a relay).
      expect(await verdict(encodeBatch(sealed([inGroup()], { recipients: [producerKey, readerKey] })), context({ reader: undefined, limits: { ...DEFAULT_BATCH_LIMITS, maxRecipients: 2 } }))).to.equal("ACCEPT");
    });

    it("says what was wrong inside, marked as inside and IGNOREd, for every check of the content", async function () {
      const inside = (code: Code, reason: string) => `${GossipAction.IGNORE} ${code}: inside a sealed batch: ${code}: ${reason}`;
      const cases: Array<[IndicatorBatch, string]> = [
        [sealed([{ ...inGroup(), producer: "north-cert" }]), inside(Code.PRODUCER_MISMATCH, "indicator 0 names another producer than the batch's")],
        [sealed([{ ...inGroup(), value: "ab".repeat(32), blinded: true }], { blindingKey: new Uint8Array(16) }), inside(Code.MALFORMED, "a blinding key is 32 bytes")],
        [sealed([{ ...inGroup(), value: "ab".repeat(32), blinded: true }]), inside(Code.MALFORMED, "indicator 0 is blinded but the batch carries no blinding key")],
        [sealed([{ ...inGroup(), createdAt: now + 60_001 }]), inside(Code.FUTURE_BATCH, "holds a statement created more than 60000 ms in the future")],
        [sealed([inGroup("a.example", { validFrom: now - 10, validUntil: now })]), inside(Code.ALL_EXPIRED, "every indicator of the batch has expired")],
        [sealed([inGroup()], { sightings: [sighting({ reporter: "north-cert" })] }), inside(Code.PRODUCER_MISMATCH, "sighting 0 names another reporter than the batch's producer")],
      ];
      for (const [batch, expected] of cases) expect(await verdict(encodeBatch(batch)), expected).to.equal(expected);
      // A wrap this node cannot open: not its fault, nor the relay's.
      expect(await verdict(encodeBatch(sealed([inGroup()], { recipients: [{ ...readerKey, encryptionKey: producerKey.encryptionKey }] })))).to.match(/^ignore INDICATOR_BATCH_ERROR_UNDECRYPTABLE: the content key wrapped for north-cert does not open/);
      // Not entitled, or no context saying who is: relayed without reading.
      const relayed = await validateIndicatorBatch(encodeBatch(sealed([inGroup()])), context({ entitled: undefined }));
      expect(relayed).to.deep.include({ relayOnly: "NOT_ENTITLED", content: undefined, liveIndexes: [], ids: [], objects: [] });
    });

    it("finds salts of the wrong length inside what it decrypted, though the root and signature hold", async function () {
      // A producer's bug crafted by hand: the content sealed with a 15-byte salt, root and signature made over it.
      const indicators = [inGroup()];
      const content = { indicators, sightings: [], objects: [], salts: [new Uint8Array(15)], blindingKey: undefined };
      const merkleRoot = merkleRootOfLeaves(leafHashes(content));
      const sealedBody = seal(encodeSealedContent(content), [producerKey, readerKey], { producer: "acme-bank", sequence: 1, group: GROUP });
      const header = { deployment: TEST_DEPLOYMENT, producer: "acme-bank", sequence: 1, createdAt: now, signingKey, indicatorCount: 1, sightingCount: 0, merkleRoot, group: GROUP, sealedDigest: sealedDigest(sealedBody) };
      const batch: IndicatorBatch = { version: 2, ...header, objectCount: 0, indicators: [], sightings: [], objects: [], sealed: sealedBody, signature: signEd25519(encodeBatchSigningPayload(header), secretKey) };
      expect(await verdict(encodeBatch(batch))).to.equal(`${GossipAction.IGNORE} ${Code.MALFORMED}: inside a sealed batch: ${Code.MALFORMED}: leaf salts must be 16 bytes`);
    });
  });

  describe("the publisher's own check", function () {
    const content = (batch: IndicatorBatch) => ({ indicators: batch.indicators, sightings: batch.sightings, objects: batch.objects, salts: [], blindingKey: undefined });

    it("passes what receivers take, and names the check a batch of its own would fail", function () {
      const batch = open([good()]);
      expect(() => checkOwnBatch(encodeBatch(batch), content(batch), TEST_DEPLOYMENT, DEFAULT_BATCH_LIMITS, now)).to.not.throw();
      const fails = (bytes: Uint8Array, c = content(batch), at = now, limits = DEFAULT_BATCH_LIMITS) => {
        try {
          checkOwnBatch(bytes, c, TEST_DEPLOYMENT, limits, at);
          return "ok";
        } catch (err) {
          expect(err).to.be.instanceOf(OwnBatchInvalidError);
          expect((err as Error).name).to.equal("OwnBatchInvalidError");
          return (err as Error).message;
        }
      };
      expect(fails(encodeBatch(batch), content(batch), now, { ...DEFAULT_BATCH_LIMITS, maxBytes: 5 })).to.match(/^this node's own batch fails INDICATOR_BATCH_ERROR_TOO_LARGE/);
      expect(fails(encodeBatch(open([good()], { version: 1 })))).to.match(/OBSOLETE_VERSION/);
      expect(fails(Uint8Array.from([0x08, 0x02, ...encodeBatch(batch)]))).to.equal("this node's own batch fails INDICATOR_BATCH_ERROR_NON_CANONICAL: the encoding does not decode back to itself");
      expect(fails(encodeBatch(open([good()], { sequence: 2 })))).to.equal("this node's own batch fails INDICATOR_BATCH_ERROR_BAD_SIGNATURE: the signature does not verify");
      expect(fails(encodeBatch(batch), { ...content(batch), indicators: [good("other.example")] })).to.equal("this node's own batch fails INDICATOR_BATCH_ERROR_BAD_MERKLE_ROOT: the content does not hash to the root");
      const dup = open([good(), good("evil.example", { confidence: 90 })]);
      expect(fails(encodeBatch(dup), content(dup))).to.match(/DUPLICATE_INDICATOR: indicator 1 repeats indicator 0$/);
      const future = open([{ ...good(), createdAt: now + 120_000 }], { createdAt: now });
      expect(fails(encodeBatch(future), content(future))).to.match(/FUTURE_BATCH/);
    });
  });
});
