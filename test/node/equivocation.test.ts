import { expect } from "chai";
import { startApiServer } from "../../node/src/api/server.js";
import { IndicatorBatchErrorCode } from "../../node/src/gossip/errors.js";
import { INDICATOR_TOPIC } from "../../node/src/gossip/topics.js";
import type { NodeIdentity } from "../../node/src/identity/identity.js";
import { buildIndicator } from "../../node/src/model/validate.js";
import type { CtiNode } from "../../node/src/node.js";
import { signBatch } from "../../node/src/wire/batch.js";
import { encodeBatch } from "../../node/src/wire/codec.js";
import { startDevnet, type Devnet } from "../../scripts/lib/devnet.js";
import { newIdentity, removeDir, startNode, waitFor } from "../helpers/nodes.js";

/**
 * A producer signs two different batches with one sequence number and hands them to a relay,
 * an honest member that forwards both (as gossip does before it can know). The watcher keeps
 * the first, IGNOREs the second without penalising the relay, holds both signed headers as
 * evidence anyone can check against the producer's key, and shows it through the API; the relay
 * stays connected and its next batches arrive.
 */
describe("equivocation among real nodes", function () {
  this.timeout(120_000);
  let devnet: Devnet;
  const dirs: Record<string, string> = {};
  const nodes: Record<string, CtiNode> = {};
  let twoFace: NodeIdentity;

  before(async function () {
    devnet = await startDevnet();
    for (const org of ["relay-org", "watcher-org", "two-face"]) {
      const { dataDir, identity } = await newIdentity(org);
      dirs[org] = dataDir;
      if (org === "two-face") twoFace = identity;
      await devnet.admit(identity.public(), { displayName: org, country: "NL", sector: "energy" });
    }
    // Only the relay and the watcher run nodes: two-face's batches reach the watcher through the relay.
    for (const org of ["relay-org", "watcher-org"]) nodes[org] = await startNode(dirs[org]!, devnet.deployment);
    await Promise.all(Object.values(nodes).map((n) => n.refreshChain()));
    await waitFor("the two nodes to mesh", () => nodes["relay-org"]!.gossip.topicPeers() === 1 && nodes["watcher-org"]!.gossip.topicPeers() === 1, 30_000);
  });

  after(async function () {
    for (const node of Object.values(nodes)) await node.stop();
    await devnet?.close();
    for (const dir of Object.values(dirs)) await removeDir(dir);
  });

  it("keeps the first, ignores the second without penalising the relay, and holds checkable evidence against the producer", async function () {
    const relay = nodes["relay-org"]!;
    const watcher = nodes["watcher-org"]!;
    const batchOf = (value: string, sequence: number) => {
      const indicator = buildIndicator({ type: "domain", value, confidence: 70 }, { producer: "two-face", now: Date.now() });
      return encodeBatch(signBatch({ deployment: relay.deployment, producer: "two-face", sequence, createdAt: Date.now(), group: 0, indicators: [indicator] }, twoFace.signingSecretKey).batch);
    };
    const pubsub = relay.libp2p.services.pubsub;
    await pubsub.publish(INDICATOR_TOPIC, batchOf("first-story.example", 1));
    await waitFor("the watcher to store the first batch", async () => (await watcher.lookup("first-story.example")).length === 1);
    await pubsub.publish(INDICATOR_TOPIC, batchOf("second-story.example", 1));
    await waitFor("the watcher to find the equivocation", () => watcher.gossip.stats.equivocations === 1);

    expect(await watcher.lookup("second-story.example")).to.deep.equal([]);
    expect(watcher.gossip.stats.ignored[IndicatorBatchErrorCode.EQUIVOCATION]).to.equal(1);
    expect(watcher.gossip.stats.rejected[IndicatorBatchErrorCode.EQUIVOCATION] ?? 0).to.equal(0);
    expect(watcher.gater.stats.banned).to.equal(0);

    const server = await startApiServer(watcher, { host: "127.0.0.1", port: 0, bodyLimitBytes: 1 << 20 });
    try {
      const body = (await (await fetch(`${server.url}/equivocations?producer=two-face`)).json()) as {
        equivocations: Array<{ producer: string; sequence: number; proven: boolean; keyIsCurrent: boolean; from: string; first: { merkleRoot: string }; second: { merkleRoot: string } }>;
      };
      expect(body.equivocations).to.have.length(1);
      const [evidence] = body.equivocations;
      expect(evidence).to.include({ producer: "two-face", sequence: 1, proven: true, keyIsCurrent: true, from: relay.libp2p.peerId.toString() });
      expect(evidence!.first.merkleRoot).to.not.equal(evidence!.second.merkleRoot);
      // Another producer has none.
      expect(((await (await fetch(`${server.url}/equivocations?producer=relay-org`)).json()) as { equivocations: unknown[] }).equivocations).to.deep.equal([]);
    } finally {
      await server.app.close();
    }

    // The relay did nothing wrong: still connected, and what it publishes next arrives.
    await relay.publish([{ type: "domain", value: "after-equivocation.example", confidence: 60 }]);
    await waitFor("the relay's next batch at the watcher", async () => (await watcher.lookup("after-equivocation.example")).length === 1);
    expect(watcher.gossip.topicPeers()).to.equal(1);
  });
});
