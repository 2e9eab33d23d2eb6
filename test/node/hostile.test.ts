import { expect } from "chai";
import { randomBytes } from "node:crypto";
import { INDICATOR_TOPIC } from "../../node/src/gossip/topics.js";
import type { NodeIdentity } from "../../node/src/identity/identity.js";
import { buildIndicator } from "../../node/src/model/validate.js";
import type { CtiNode } from "../../node/src/node.js";
import { signBatch } from "../../node/src/wire/batch.js";
import { encodeBatch } from "../../node/src/wire/codec.js";
import { startDevnet, type Devnet } from "../../scripts/lib/devnet.js";
import { newIdentity, removeDir, startNode, waitFor } from "../helpers/nodes.js";

const HONEST = ["honest-1", "honest-2", "honest-3", "honest-4"] as const;

/**
 * A member turns hostile: it floods the topic with batches under a wrong key, tampered
 * signatures, oversized messages, replays and its own junk at a high rate. The honest nodes score
 * it down, rate-limit it, disconnect and ban it, and keep delivering to each other.
 */
describe("a hostile member among real nodes", function () {
  this.timeout(180_000);
  let devnet: Devnet;
  const dirs: Record<string, string> = {};
  const identities: Record<string, NodeIdentity> = {};
  const nodes: Record<string, CtiNode> = {};
  /** Per receiver: producer#sequence -> latency (ms). */
  const received: Record<string, Map<string, number>> = {};

  before(async function () {
    devnet = await startDevnet();
    for (const org of [...HONEST, "attacker"]) {
      const { dataDir, identity } = await newIdentity(org);
      dirs[org] = dataDir;
      identities[org] = identity;
      await devnet.admit(identity.public(), { displayName: org, country: "SE", sector: "finance" });
    }
    for (const org of [...HONEST, "attacker"]) {
      nodes[org] = await startNode(dirs[org]!, devnet.deployment, { batch: { maxSize: 10, maxDelayMs: 5 }, limits: { producerBatchesPerSecond: 20 } });
    }
    await Promise.all(Object.values(nodes).map((n) => n.refreshChain()));
    await waitFor("a full mesh of five", () => Object.values(nodes).every((n) => n.gossip.topicPeers() === 4), 30_000);
    for (const org of HONEST) {
      received[org] = new Map();
      nodes[org]!.gossip.on("batch", ({ batch }) => received[org]!.set(`${batch.producer}#${batch.sequence}`, Date.now() - batch.createdAt));
    }
  });

  after(async function () {
    for (const node of Object.values(nodes)) await node.stop();
    await devnet?.close();
    for (const dir of Object.values(dirs)) await removeDir(dir);
  });

  /** Every honest node publishes a batch every 100 ms for `ms`; returns what they published. */
  async function honestTraffic(ms: number, tag: string): Promise<Array<{ producer: string; sequence: number }>> {
    const published: Array<{ producer: string; sequence: number }> = [];
    const end = Date.now() + ms;
    let round = 0;
    while (Date.now() < end) {
      await Promise.all(
        HONEST.map(async (org) => {
          const outcomes = await nodes[org]!.publish(Array.from({ length: 10 }, (_, i) => ({ type: "domain", value: `${tag}-${org}-${round}-${i}.honest.example` })));
          const first = outcomes[0]!;
          if (first.ok) published.push({ producer: org, sequence: first.sequence });
        }),
      );
      round++;
      await new Promise((r) => setTimeout(r, 100));
    }
    return published;
  }

  async function measure(published: Array<{ producer: string; sequence: number }>) {
    const keys = [...new Set(published.map((p) => `${p.producer}#${p.sequence}`))];
    await waitFor("every honest batch at every other honest node", () =>
      HONEST.every((org) => keys.filter((k) => !k.startsWith(`${org}#`)).every((k) => received[org]!.has(k))),
    30_000).catch(() => undefined);
    let expected = 0;
    let got = 0;
    const latencies: number[] = [];
    for (const org of HONEST) {
      for (const key of keys.filter((k) => !k.startsWith(`${org}#`))) {
        expected++;
        const latency = received[org]!.get(key);
        if (latency !== undefined) {
          got++;
          latencies.push(latency);
        }
      }
    }
    latencies.sort((a, b) => a - b);
    return { ratio: got / expected, p50: latencies[Math.floor(latencies.length * 0.5)]!, p95: latencies[Math.floor(latencies.length * 0.95)]! };
  }

  it("keeps delivering among honest nodes, and cuts the attacker off", async function () {
    const quiet = await measure(await honestTraffic(3000, "quiet"));
    expect(quiet.ratio).to.equal(1);

    const attacker = nodes["attacker"]!;
    const pubsub = attacker.libp2p.services.pubsub;
    const ownKey = identities["attacker"]!.signingSecretKey;
    let sent = 0;
    let flooding = true;
    // Prepared before the clock runs: the attacker shares this test's process, and its signing
    // must not be what slows the honest nodes down (in reality it runs on its own machine).
    const honestBatch = (await nodes["honest-1"]!.store.batches.getBytes("honest-1", 1))!;
    const oversized = randomBytes(1_100_000);
    const prepared: Array<() => Uint8Array> = [];
    for (let i = 0; i < 400; i++) {
      const indicator = buildIndicator({ type: "domain", value: `junk-${i}.attack.example` }, { producer: "attacker", now: Date.now() });
      const wrongKey = encodeBatch(signBatch({ deployment: attacker.deployment, producer: "attacker", sequence: 100_000 + i, createdAt: Date.now() + 2000, group: 0, indicators: [indicator] }, randomBytes(32)).batch);
      const junk = encodeBatch(signBatch({ deployment: attacker.deployment, producer: "attacker", sequence: i + 1, createdAt: Date.now() + 2000, group: 0, indicators: [indicator] }, ownKey).batch);
      prepared.push(
        () => wrongKey,
        () => junk,
        // A replay, changed by one trailing unknown field so that gossipsub's seen-cache does not catch it.
        () => new Uint8Array([...honestBatch, 0x7a, 0x02, i >> 7, i & 0x7f]),
      );
      // A handful of oversized ones: gossipsub drops a peer's stream at the first, so more would only burn the attacker's CPU.
      if (i % 100 === 99) {
        prepared.push(() => {
          const copy = Buffer.from(oversized);
          copy.writeUInt32BE(i, 0);
          return copy;
        });
      }
    }
    const floodStart = Date.now();
    let cutAfter = -1;
    nodes["honest-1"]!.libp2p.addEventListener("peer:disconnect", (e) => {
      if (e.detail.equals(attacker.libp2p.peerId) && cutAfter < 0) cutAfter = Date.now() - floodStart;
    });
    let sentWhenCut = -1;
    const flood = (async () => {
      for (let i = 0; flooding && i < prepared.length; i++) {
        await pubsub.publish(INDICATOR_TOPIC, prepared[i]!()).catch(() => undefined);
        sent++;
        if (cutAfter >= 0 && sentWhenCut < 0) sentWhenCut = sent;
        if (i % 5 === 0) await new Promise((r) => setImmediate(r));
      }
    })();
    const attacked = await measure(await honestTraffic(3000, "attacked"));
    flooding = false;
    await flood;

    console.log(
      `      quiet: delivery ${quiet.ratio * 100}% p50 ${quiet.p50} ms p95 ${quiet.p95} ms; under attack (${sent} hostile messages): delivery ${attacked.ratio * 100}% p50 ${attacked.p50} ms p95 ${attacked.p95} ms; cut after ${cutAfter} ms and ${sentWhenCut} messages, rejects ${HONEST.map((o) => nodes[o]!.gossip.stats.rejected.INDICATOR_BATCH_ERROR_WRONG_SIGNING_KEY ?? 0).join("/")} rejects`,
    );
    // The attacker was cut off within moments, after a handful of messages.
    expect(cutAfter).to.be.within(0, 2000);
    // Honest delivery is intact and barely slower.
    expect(attacked.ratio).to.equal(1);
    expect(attacked.p95).to.be.below(Math.max(4 * quiet.p95, 500));
    expect(sent).to.be.greaterThan(200);
    // Every honest node rejected the attacker's invalid batches, dropped its flood above the rate limit, and cut it off.
    for (const org of HONEST) {
      const stats = nodes[org]!.gossip.stats;
      expect(Object.values(stats.rejected).reduce((a, b) => a + (b ?? 0), 0), org).to.be.greaterThan(0);
      await waitFor(`${org} to disconnect the attacker`, () => nodes[org]!.libp2p.getConnections(attacker.libp2p.peerId).length === 0, 10_000);
    }
    const junkStored = (await nodes["honest-2"]!.store.producers.get("attacker"))?.batches ?? 0;
    expect(junkStored, "junk batches stored at honest-2").to.be.below(sent / 4);
  });
});
