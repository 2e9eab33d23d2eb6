import { expect } from "chai";
import { changeMemberStatus } from "../../node/src/chain/governance.js";
import { ProposalKind } from "../../node/src/chain/registry-abi.js";
import { INDICATOR_TOPIC } from "../../node/src/gossip/topics.js";
import { IndicatorBatchErrorCode } from "../../node/src/gossip/errors.js";
import type { NodeIdentity } from "../../node/src/identity/identity.js";
import { buildIndicator } from "../../node/src/model/validate.js";
import type { CtiNode } from "../../node/src/node.js";
import { signBatch } from "../../node/src/wire/batch.js";
import { encodeBatch } from "../../node/src/wire/codec.js";
import { startDevnet, type Devnet } from "../../scripts/lib/devnet.js";
import { newIdentity, removeDir, startNode, waitFor } from "../helpers/nodes.js";

/**
 * Four partner nodes on 127.0.0.1 and a real Hardhat chain, wired only through the registry:
 * every node learns its partners' peer ids, keys and addresses from the chain.
 */
describe("consortium of real nodes on a real chain", function () {
  this.timeout(180_000);

  const ORGS = ["acme-bank", "north-cert", "city-hospital", "grid-ops"] as const;
  let devnet: Devnet;
  const dirs: Record<string, string> = {};
  const identities: Record<string, NodeIdentity> = {};
  const nodes: Record<string, CtiNode> = {};

  before(async function () {
    devnet = await startDevnet({ admins: 3, threshold: 2 });
    for (const org of ORGS) {
      const { dataDir, identity } = await newIdentity(org);
      dirs[org] = dataDir;
      identities[org] = identity;
      await devnet.admit(identity.public(), { displayName: org, country: "FR", sector: "finance" });
    }
    for (const org of ORGS) nodes[org] = await startNode(dirs[org]!, devnet.deployment);
    // Every node must see every other member's published addresses and connect to it.
    await Promise.all(ORGS.map((org) => nodes[org]!.refreshChain()));
    await waitFor("a full mesh of 4 nodes", () => ORGS.every((org) => nodes[org]!.libp2p.getPeers().length === ORGS.length - 1), 30_000);
    await waitFor("gossip subscriptions", () => ORGS.every((org) => nodes[org]!.gossip.topicPeers() === ORGS.length - 1), 30_000);
  });

  after(async function () {
    for (const node of Object.values(nodes)) await node.stop();
    await devnet?.close();
    for (const dir of Object.values(dirs)) await removeDir(dir);
  });

  it("delivers indicators published by one partner to all the others, verified and stored", async function () {
    const outcomes = await nodes["acme-bank"]!.publish([
      { type: "ipv4", value: "203.0.113.7", tlp: "GREEN", confidence: 80, labels: { malwareFamilies: ["Emotet"] } },
      { type: "domain", value: "Evil-Example[.]COM", tlp: "CLEAR" },
      { type: "sha256", value: "A".repeat(64) },
      { type: "ipv4", value: "999.1.1.1" },
    ]);
    expect(outcomes.slice(0, 3).every((o) => o.ok)).to.equal(true);
    expect(outcomes[3]).to.include({ ok: false, reason: "BAD_VALUE" });

    for (const org of ORGS.slice(1)) {
      await waitFor(`${org} to store the batch`, async () => (await nodes[org]!.lookup("evil-example.com")).length === 1);
      const [record] = await nodes[org]!.lookup("203.0.113.7");
      expect(record).to.include({ type: "ipv4", value: "203.0.113.7", confidence: 80, tlp: "GREEN" });
      expect(record!.labels.malwareFamilies).to.deep.equal(["emotet"]);
      expect(record!.attestations.map((a) => a.producer)).to.deep.equal(["acme-bank"]);
      expect(await nodes[org]!.lookup("a".repeat(64), "sha256")).to.have.length(1);
    }
  });

  it("merges the same indicator from two partners into one record", async function () {
    await nodes["acme-bank"]!.publish([{ type: "url", value: "hxxp://Bad.example/path?x=1#frag", confidence: 40, labels: { tags: ["phishing"] } }]);
    await nodes["north-cert"]!.publish([{ type: "url", value: "http://bad.example:80/path?x=1", confidence: 90, labels: { tags: ["credential-theft"] } }]);
    await waitFor("both statements at grid-ops", async () => {
      const [record] = await nodes["grid-ops"]!.lookup("http://bad.example/path?x=1", "url");
      return record?.attestations.length === 2;
    });
    const [record] = await nodes["grid-ops"]!.lookup("http://bad.example/path?x=1", "url");
    expect(record!.confidence).to.equal(90);
    expect(record!.labels.tags).to.deep.equal(["credential-theft", "phishing"]);
  });

  it("rejects a batch whose signature was tampered with, and stores nothing of it", async function () {
    const sender = nodes["north-cert"]!;
    const identity = identities["north-cert"]!;
    const now = Date.now();
    const indicator = buildIndicator({ type: "domain", value: "tampered.example" }, { producer: "north-cert", now });
    const { batch } = signBatch({ deployment: sender.deployment, producer: "north-cert", sequence: 10_000, createdAt: now, group: 0, indicators: [indicator] }, identity.signingSecretKey);
    batch.signature = new Uint8Array(batch.signature);
    batch.signature[0]! ^= 0xff;
    const before = nodes["acme-bank"]!.gossip.stats.rejected[IndicatorBatchErrorCode.BAD_SIGNATURE] ?? 0;
    await sender.libp2p.services.pubsub.publish(INDICATOR_TOPIC, encodeBatch(batch));
    await waitFor("acme-bank to reject the tampered batch", () => (nodes["acme-bank"]!.gossip.stats.rejected[IndicatorBatchErrorCode.BAD_SIGNATURE] ?? 0) > before);
    expect(await nodes["acme-bank"]!.lookup("tampered.example")).to.have.length(0);
  });

  it("refuses a non-member's node and stores nothing it sends", async function () {
    const { dataDir, identity } = await newIdentity("intruder");
    dirs.intruder = dataDir;
    // The intruder knows the registry and a member's address, but is not on chain.
    const refusedBefore = nodes["acme-bank"]!.gater.stats.notMember;
    const intruder = await startNode(dataDir, devnet.deployment, { bootstrap: nodes["acme-bank"]!.multiaddrs });
    nodes.intruder = intruder;
    // The refusal itself, not an absence after a wait: acme-bank's gater turned the intruder away.
    await waitFor("acme-bank's gater to refuse the intruder", () => nodes["acme-bank"]!.gater.stats.notMember > refusedBefore, 10_000);
    // A member closes a connection once the handshake proves who dials: on a loaded machine the
    // intruder may still list one for a moment, never for long.
    await waitFor("the intruder to hold no connection", () => intruder.libp2p.getPeers().length === 0, 5_000);
    const acmePeer = nodes["acme-bank"]!.libp2p.peerId;
    // Dial it explicitly: the member closes the connection once the handshake proves who dials.
    await intruder.libp2p.dial(nodes["acme-bank"]!.libp2p.getMultiaddrs()[0]!).catch(() => undefined);
    await waitFor("the member to close the intruder's connection", () =>
      nodes["acme-bank"]!.libp2p.getConnections(intruder.libp2p.peerId).length === 0 &&
      intruder.libp2p.getConnections(acmePeer).length === 0,
    5_000);

    const indicator = buildIndicator({ type: "domain", value: "intruder.example" }, { producer: identity.orgId, now: Date.now() });
    const { batch } = signBatch({ deployment: intruder.deployment, producer: identity.orgId, sequence: 1, createdAt: Date.now(), group: 0, indicators: [indicator] }, identity.signingSecretKey);
    // Nobody to send it to: gossipsub reports no recipient (it would throw without allowPublishToZeroTopicPeers).
    const sent = await intruder.libp2p.services.pubsub.publish(INDICATOR_TOPIC, encodeBatch(batch));
    expect(sent.recipients).to.have.length(0);
    for (const org of ORGS) expect(await nodes[org]!.lookup("intruder.example")).to.have.length(0);
    await intruder.stop();
    delete nodes.intruder;
  });

  it("cuts off a member suspended on chain within seconds", async function () {
    const suspended = nodes["grid-ops"]!;
    const suspendedPeer = suspended.libp2p.peerId;
    await changeMemberStatus(devnet.deployment.registryAddress, devnet.admins, ProposalKind.SuspendMember, "grid-ops");
    const started = Date.now();
    await waitFor("every partner to drop grid-ops", () =>
      ORGS.slice(0, 3).every((org) => nodes[org]!.libp2p.getConnections(suspendedPeer).length === 0),
    10_000);
    const elapsed = Date.now() - started;
    expect(elapsed).to.be.lessThan(10_000);

    // Whatever it still publishes reaches nobody: its node has no peer left to send it to.
    const [receipt] = await suspended.publish([{ type: "domain", value: "after-suspension.example" }]);
    expect(receipt).to.include({ ok: true, recipients: 0 });
    for (const org of ORGS.slice(0, 3)) expect(await nodes[org]!.lookup("after-suspension.example")).to.have.length(0);
    await suspended.stop();
    delete nodes["grid-ops"];
  });

  it("keeps its data across a restart on the same data dir", async function () {
    const org = "city-hospital";
    const before = await nodes[org]!.store.counts();
    expect(before.indicators).to.be.greaterThan(0);
    await nodes[org]!.stop();
    await nodes[org]!.stop(); // idempotent
    nodes[org] = await startNode(dirs[org]!, devnet.deployment);
    const after = await nodes[org]!.store.counts();
    expect(after.indicators).to.equal(before.indicators);
    expect(after.batches).to.equal(before.batches);
    expect(await nodes[org]!.lookup("203.0.113.7")).to.have.length(1);
  });
});
