import { expect } from "chai";
import { changeMemberStatus } from "../../node/src/chain/governance.js";
import { ProposalKind } from "../../node/src/chain/registry-abi.js";
import type { CtiNode } from "../../node/src/node.js";
import { startDevnet, type Devnet } from "../../scripts/lib/devnet.js";
import { newIdentity, removeDir, startNode, waitFor } from "../helpers/nodes.js";
import { startRpcProxy } from "../helpers/rpc-proxy.js";

/**
 * The JSON-RPC endpoint goes down under two running nodes: they keep gossiping and answering
 * from their last view, back off, stop admitting new peers once the view is stale, and catch up
 * on what changed on chain meanwhile when it returns.
 */
describe("a chain outage under real nodes", function () {
  this.timeout(120_000);
  let devnet: Devnet;
  let proxy: Awaited<ReturnType<typeof startRpcProxy>>;
  const dirs: Record<string, string> = {};
  const nodes: Record<string, CtiNode> = {};

  before(async function () {
    devnet = await startDevnet();
    proxy = await startRpcProxy(devnet.deployment.rpcUrl);
    for (const org of ["ops-a", "ops-b", "ops-c"]) {
      const { dataDir, identity } = await newIdentity(org);
      dirs[org] = dataDir;
      await devnet.admit(identity.public(), { displayName: org, country: "FI", sector: "energy" });
    }
    const viaProxy = { ...devnet.deployment, rpcUrl: proxy.url };
    for (const org of ["ops-a", "ops-b", "ops-c"]) {
      nodes[org] = await startNode(dirs[org]!, viaProxy, { chain: { rpcUrl: proxy.url, chainId: viaProxy.chainId, registryAddress: viaProxy.registryAddress, groupsAddress: viaProxy.groupsAddress, pollIntervalMs: 100, maxBackoffMs: 1600, maxStalenessMs: 1500 } });
    }
    await Promise.all(Object.values(nodes).map((n) => n.refreshChain()));
    await waitFor("a full mesh", () => Object.values(nodes).every((n) => n.gossip.topicPeers() === 2), 30_000);
  });

  after(async function () {
    for (const node of Object.values(nodes)) await node.stop();
    await proxy?.close();
    await devnet?.close();
    for (const dir of Object.values(dirs)) await removeDir(dir);
  });

  it("keeps gossiping and answering, backs off, admits no new peer once stale, and catches up when the chain returns", async function () {
    const [a, b, c] = [nodes["ops-a"]!, nodes["ops-b"]!, nodes["ops-c"]!];
    proxy.setDown(true);
    const downAt = Date.now();
    // The chain changes while the nodes cannot see it: ops-c is suspended.
    await changeMemberStatus(devnet.deployment.registryAddress, devnet.admins, ProposalKind.SuspendMember, "ops-c");

    await a.publish([{ type: "domain", value: "during-outage.example" }]);
    await waitFor("ops-b to receive it over gossip", async () => (await b.lookup("during-outage.example")).length === 1);
    await waitFor("the views to go stale", async () => (await a.status()).chain.stale && (await b.status()).chain.stale, 10_000);
    const status = await a.status();
    expect(status.chain.consecutiveFailures).to.be.greaterThan(0);
    // Backing off: with a 100 ms poll, three nodes would send about 30 requests a second each.
    const seconds = (Date.now() - downAt) / 1000;
    expect(proxy.requests.down / 3 / seconds).to.be.below(8);

    // Stale: peers already connected stay, but one that drops cannot come back in: the gater says so.
    await b.libp2p.hangUp(a.libp2p.peerId);
    await waitFor("ops-a and ops-b to be apart", () => a.libp2p.getConnections(b.libp2p.peerId).length === 0);
    const refused = a.gater.stats.staleChain + b.gater.stats.staleChain;
    const dialled = await b.libp2p.dial(a.libp2p.getMultiaddrs()[0]!).then(() => true, () => false);
    expect(dialled).to.equal(false);
    expect(a.gater.stats.staleChain + b.gater.stats.staleChain).to.be.greaterThan(refused);
    expect(a.libp2p.getConnections(b.libp2p.peerId)).to.have.length(0);
    expect(a.libp2p.getConnections(c.libp2p.peerId).length).to.be.greaterThan(0);

    proxy.setDown(false);
    await waitFor("ops-a to see the suspension it missed", () => a.membership.get("ops-c")?.status === "suspended", 20_000);
    expect((await a.status()).chain.stale).to.equal(false);
    await waitFor("ops-c to be cut off and ops-b back in", () => a.libp2p.getConnections(c.libp2p.peerId).length === 0 && b.libp2p.getPeers().some((p) => p.equals(a.libp2p.peerId)), 20_000);
  });
});
