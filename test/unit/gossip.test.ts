import { TEST_DEPLOYMENT } from "../helpers/deployment.js";
import { expect } from "chai";
import { randomBytes } from "node:crypto";
import { join } from "node:path";
import { TopicValidatorResult, type GossipSub } from "@libp2p/gossipsub";
import { peerIdFromPrivateKey } from "@libp2p/peer-id";
import { generateKeyPair } from "@libp2p/crypto/keys";
import { ed25519 } from "@noble/curves/ed25519.js";
import { LatencyHistogram, mergeLatency } from "../../node/src/gossip/delivery-latency.js";
import { IndicatorGossip } from "../../node/src/gossip/indicator-gossip.js";
import { DEFAULT_BATCH_LIMITS } from "../../node/src/gossip/validation.js";
import { INDICATOR_TOPIC } from "../../node/src/gossip/topics.js";
import { meshParams } from "../../node/src/gossip/mesh.js";
import { buildIndicator } from "../../node/src/model/validate.js";
import { IndicatorStore } from "../../node/src/store/indicator-store.js";
import { signBatch } from "../../node/src/wire/batch.js";
import { encodeBatch } from "../../node/src/wire/codec.js";
import { removeDir, tempDir } from "../helpers/nodes.js";

/**
 * The indicator topic's own guards, before and after the pipeline, with a real store: the bound
 * on batches validated at once, and the reporting of a peer that keeps sending invalid batches.
 * The pubsub side is the smallest stand-in that holds a topic validator.
 */
describe("indicator topic guards", function () {
  let dir: string;
  let store: IndicatorStore;
  const validators = new Map<string, (peer: unknown, message: { data: Uint8Array }) => Promise<TopicValidatorResult>>();
  const pubsub = { topicValidators: validators, subscribe() {}, unsubscribe() {}, getPeers: () => [] } as unknown as GossipSub;
  const secretKey = randomBytes(32);
  const now = Date.now();

  beforeEach(async function () {
    dir = await tempDir("gossip");
    store = await IndicatorStore.open(join(dir, "db"));
  });
  afterEach(async function () {
    await store.close();
    await removeDir(dir);
  });

  function topic(init: Partial<ConstructorParameters<typeof IndicatorGossip>[0]>) {
    const gossip = new IndicatorGossip(
      { ...DEFAULT_BATCH_LIMITS, ...init },
      {
        pubsub,
        store,
        deployment: TEST_DEPLOYMENT,
        producer: (orgId) => ({ orgId, active: true, signingKey: ed25519.getPublicKey(secretKey) }),
        reader: { org: "me-org", encryptionSecretKey: new Uint8Array(32) },
        entitled: () => false,
        now: () => now,
      },
    );
    gossip.start();
    return { gossip, validate: validators.get(INDICATOR_TOPIC)! };
  }

  const batch = (sequence: number, key = secretKey) =>
    encodeBatch(signBatch({ deployment: TEST_DEPLOYMENT, producer: "acme-bank", sequence, createdAt: now, group: 0, indicators: [buildIndicator({ type: "domain", value: `s${sequence}.example` }, { producer: "acme-bank", now })] }, key).batch);

  it("drops, and counts, what arrives while the validation queue is full", async function () {
    const { gossip, validate } = topic({ maxInFlight: 1 });
    const peer = peerIdFromPrivateKey(await generateKeyPair("Ed25519"));
    const [first, second] = await Promise.all([validate(peer, { data: batch(1) }), validate(peer, { data: batch(2) })]);
    expect([first, second]).to.deep.equal([TopicValidatorResult.Accept, TopicValidatorResult.Ignore]);
    expect(gossip.stats.ignored.INDICATOR_BATCH_ERROR_QUEUE_FULL).to.equal(1);
    gossip.stop();
  });

  it("reports a peer as misbehaving at its third invalid batch in the window, once", async function () {
    const { gossip, validate } = topic({ maxRejects: 3 });
    const peer = peerIdFromPrivateKey(await generateKeyPair("Ed25519"));
    const reports: number[] = [];
    gossip.on("misbehaving", (_p, rejects) => reports.push(rejects));
    for (let i = 1; i <= 5; i++) expect(await validate(peer, { data: batch(i, randomBytes(32)) })).to.equal(TopicValidatorResult.Reject);
    expect(reports).to.deep.equal([3]);
    gossip.stop();
  });
});

describe("delivery latency histogram", function () {
  it("gives percentiles to the millisecond below a second and merges nodes exactly", function () {
    const a = new LatencyHistogram();
    const b = new LatencyHistogram();
    for (let ms = 1; ms <= 100; ms++) a.observe(ms - 0.5);
    b.observe(2500, 10);
    b.observe(90_000);
    expect(a.snapshot()).to.include({ count: 100, p50: 50, p95: 95, p99: 99, max: 99.5 });
    const merged = mergeLatency([a.snapshot(), JSON.parse(JSON.stringify(b)) as ReturnType<LatencyHistogram["snapshot"]>]);
    expect(merged).to.include({ count: 111, p50: 56, max: 90_000 });
    // 10 ms buckets past one second; beyond a minute only the maximum is known.
    expect(merged.buckets["2500"]).to.equal(10);
    expect(merged.p99).to.equal(2500);
    expect(merged.buckets.Infinity).to.equal(1);
  });
});

describe("gossip mesh parameters from the relay degree", function () {
  it("keep gossipsub's constraints for every degree a config may give", function () {
    for (let degree = 0; degree <= 12; degree++) {
      const p = meshParams(degree);
      expect(p.D, `D for ${degree}`).to.equal(degree);
      expect(p.Dlo, `Dlo <= D <= Dhi for ${degree}`).to.be.at.most(p.D);
      expect(p.Dhi).to.be.at.least(p.D);
      expect(p.Dout, `Dout < Dlo for ${degree}`).to.satisfy((dout: number) => dout === 0 || dout < p.Dlo);
      expect(p.Dout, `Dout <= D/2 for ${degree}`).to.be.at.most(p.D / 2);
      expect(p.Dscore).to.be.at.most(p.D);
      expect(p.Dlazy, "announcements always go out").to.be.greaterThan(0);
    }
    expect(meshParams(0)).to.include({ D: 0, Dlo: 0, Dhi: 0, Dout: 0 });
    expect(meshParams(1)).to.include({ D: 1, Dlo: 1, Dhi: 2, Dout: 0 });
    expect(meshParams(3)).to.include({ D: 3, Dlo: 2, Dhi: 4, Dout: 1 });
  });

  it("refuses a degree that is not a whole number >= 0", function () {
    expect(() => meshParams(-1)).to.throw(RangeError, /relay degree/);
    expect(() => meshParams(1.5)).to.throw(RangeError, /relay degree/);
  });
});
