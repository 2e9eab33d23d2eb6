import { TEST_DEPLOYMENT } from "../helpers/deployment.js";
import { expect } from "chai";
import { randomBytes } from "node:crypto";
import fc from "fast-check";
import { ed25519 } from "@noble/curves/ed25519.js";
import { IndicatorBatchError } from "../../node/src/gossip/errors.js";
import { ValidationPool } from "../../node/src/gossip/validation-pool.js";
import { DEFAULT_BATCH_LIMITS, validateIndicatorBatch, type BatchValidationContext } from "../../node/src/gossip/validation.js";
import { buildIndicator } from "../../node/src/model/validate.js";
import { signBatch } from "../../node/src/wire/batch.js";
import { encodeBatch } from "../../node/src/wire/codec.js";
import { mutated, validBatchBytes } from "../helpers/fuzz-inputs.js";

const now = Date.parse("2026-11-21T12:00:00Z");
const secretKey = randomBytes(32);
const signingKey = ed25519.getPublicKey(secretKey);

/** The outcome of the pipeline, comparable: ACCEPT with what it found, or the error's code and action. */
async function outcome(bytes: Uint8Array, context: BatchValidationContext): Promise<string> {
  try {
    const v = await validateIndicatorBatch(bytes, context);
    return `ACCEPT ${v.ids.join(",")} live ${v.liveIndexes.join(",")}`;
  } catch (err) {
    if (!(err instanceof IndicatorBatchError)) throw err;
    return `${err.action} ${err.code} ${err.message}`;
  }
}

/** Validation on worker threads decides exactly as on the main thread, and never loses a batch. */
describe("validation pool (worker threads)", function () {
  this.timeout(120_000);
  let pool: ValidationPool;
  const base = { now, deployment: TEST_DEPLOYMENT, limits: DEFAULT_BATCH_LIMITS, producer: (orgId: string) => ({ orgId, active: true, signingKey }), knownRoot: async () => undefined };

  before(async function () {
    pool = new ValidationPool({ workers: 2 });
    pool.start();
    await pool.ready();
    expect(pool.workersReady).to.equal(2);
  });
  after(async function () {
    await pool?.stop();
  });

  it("gives the same outcome as the main thread for valid, mutated and random batches, code and message alike", async function () {
    const seed = validBatchBytes(secretKey, now);
    expect(await outcome(seed, { ...base, verifyContent: pool.verify })).to.match(/^ACCEPT [0-9a-f]{64},[0-9a-f]{64} live 0,1$/);
    let differentFromSeed = 0;
    let decidedByContent = 0;
    await fc.assert(
      fc.asyncProperty(fc.oneof({ weight: 1, arbitrary: fc.uint8Array({ maxLength: 512 }) }, { weight: 4, arbitrary: mutated(seed) }), async (bytes) => {
        const here = await outcome(bytes, base);
        const there = await outcome(bytes, { ...base, verifyContent: pool.verify });
        expect(there).to.equal(here);
        if (!here.startsWith("ACCEPT")) differentFromSeed++;
        if (/BAD_MERKLE_ROOT|BAD_SIGNATURE|INVALID_INDICATOR|NOT_NORMALIZED|NON_CANONICAL/.test(here)) decidedByContent++;
      }),
      { numRuns: 3000, seed: 7 },
    );
    expect(differentFromSeed).to.be.greaterThan(2000);
    // Enough of them reach the checks the workers make, not only the decoder.
    expect(decidedByContent).to.be.greaterThan(100);
  });

  it("reports the checks in the pipeline's order: a bad root before a bad signature, equivocation (ignored) before bad content", async function () {
    const indicators = [buildIndicator({ type: "domain", value: "order.example" }, { producer: "acme-bank", now })];
    const { batch } = signBatch({ deployment: TEST_DEPLOYMENT, producer: "acme-bank", sequence: 3, createdAt: now, group: 0, indicators, sightings: [] }, secretKey);
    const tampered = encodeBatch({ ...batch, indicators: [{ ...indicators[0]!, value: "other.example" }], signature: new Uint8Array(64) });
    const context = { ...base, verifyContent: pool.verify };
    expect(await outcome(tampered, context)).to.match(/^reject INDICATOR_BATCH_ERROR_BAD_MERKLE_ROOT/);
    expect(await outcome(tampered, context)).to.equal(await outcome(tampered, base));
    const known = { ...context, knownRoot: async () => new Uint8Array(32).fill(9) };
    expect(await outcome(encodeBatch(batch), known)).to.match(/^ignore INDICATOR_BATCH_ERROR_EQUIVOCATION/);
    const bad = signBatch({ deployment: TEST_DEPLOYMENT, producer: "acme-bank", sequence: 3, createdAt: now, group: 0, indicators: [{ ...indicators[0]!, confidence: 150 }] }, secretKey).batch;
    expect(await outcome(encodeBatch(bad), known)).to.match(/^ignore INDICATOR_BATCH_ERROR_EQUIVOCATION/);
    expect(await outcome(encodeBatch(bad), context)).to.match(/^reject INDICATOR_BATCH_ERROR_INVALID_INDICATOR/);
  });

  it("decides on the main thread when its workers are gone, and with none", async function () {
    const seed = validBatchBytes(secretKey, now);
    const none = new ValidationPool({ workers: 0 });
    none.start();
    expect(await outcome(seed, { ...base, verifyContent: none.verify })).to.match(/^ACCEPT/);
    await none.stop();

    const dying = new ValidationPool({ workers: 1 });
    dying.start();
    await dying.ready();
    const pending = Array.from({ length: 50 }, () => outcome(seed, { ...base, verifyContent: dying.verify }));
    await dying.stop();
    for (const result of await Promise.all(pending)) expect(result).to.match(/^ACCEPT/);
    expect(await outcome(seed, { ...base, verifyContent: dying.verify })).to.match(/^ACCEPT/);
  });
});
