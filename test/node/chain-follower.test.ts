import { expect } from "chai";
import { JsonRpcProvider } from "ethers";
import { ChainFollower } from "../../node/src/chain/chain-follower.js";
import { registryContract } from "../../node/src/chain/governance.js";
import { peerIdToBytes } from "../../node/src/chain/member.js";
import { Membership } from "../../node/src/chain/membership.js";
import { NodeIdentity } from "../../node/src/identity/identity.js";
import { startDevnet, type Devnet } from "../../scripts/lib/devnet.js";

/** A provider that notes the block every state read (eth_call) asked for. */
class RecordingProvider extends JsonRpcProvider {
  readonly callBlocks: string[] = [];
  override async send(method: string, params: unknown[] | Record<string, unknown>): Promise<unknown> {
    if (method === "eth_call") this.callBlocks.push(String((params as unknown[])[1]));
    return super.send(method, params);
  }
}

/**
 * The chain follower against a real Hardhat chain: after a gap of many blocks it reads what the
 * logs changed at the head, not at the end of each range (a Besu node with Bonsai storage keeps
 * state for about 512 blocks only), reads everything again now and then, and follows a peer id
 * that moves from one org to another within one poll.
 */
describe("chain follower (a real ledger)", function () {
  this.timeout(120_000);
  let devnet: Devnet;
  const ids: Record<string, NodeIdentity> = {};

  before(async function () {
    devnet = await startDevnet();
    for (const org of ["first-org", "second-org"]) {
      ids[org] = await NodeIdentity.generate(org);
      await devnet.admit(ids[org]!.public(), { displayName: org, country: "FR", sector: "energy" });
    }
  });
  after(async function () {
    await devnet?.close();
  });

  const updateNode = async (org: string, peerId: string) => {
    const registry = registryContract(devnet.deployment.registryAddress, ids[org]!.wallet().connect(devnet.provider));
    await (await registry.updateNode(peerIdToBytes(peerId), [])).wait();
  };
  const mine = async (blocks: number) => {
    for (let i = 0; i < blocks; i++) await devnet.provider.send("evm_mine", []);
  };

  it("reads what many blocks of logs changed at the head only, and a peer id moved between orgs in one poll lands with its new holder", async function () {
    const provider = new RecordingProvider(devnet.deployment.rpcUrl, devnet.deployment.chainId, { staticNetwork: true });
    const membership = new Membership({ registryAddress: devnet.deployment.registryAddress }, { provider });
    let now = 0;
    const follower = new ChainFollower({ pollIntervalMs: 3_600_000, maxBlockRange: 4, fullReloadMs: 60_000, now: () => now }, { provider, views: [membership] });
    const peers = await Promise.all([1, 2].map(async (i) => (await NodeIdentity.generate(`peer-${i}`)).peerId.toString()));
    await updateNode("first-org", peers[0]!);
    await follower.start();
    expect(membership.byPeerId(peers[0]!)?.orgId).to.equal("first-org");

    // Between two polls, over many ranges: first-org moves to another peer id, second-org takes its old one.
    await mine(9);
    await updateNode("first-org", peers[1]!);
    await mine(9);
    await updateNode("second-org", peers[0]!);
    await mine(9);
    provider.callBlocks.length = 0;
    await follower.refresh();
    const head = await devnet.provider.getBlockNumber();
    expect(follower.head).to.equal(head);
    expect(provider.callBlocks.length).to.be.greaterThan(0);
    expect(new Set(provider.callBlocks)).to.deep.equal(new Set([`0x${head.toString(16)}`]));
    expect(membership.byPeerId(peers[0]!)?.orgId).to.equal("second-org");
    expect(membership.byPeerId(peers[1]!)?.orgId).to.equal("first-org");

    // A view wrong for any reason is read whole again once the reload period has passed.
    (membership as unknown as { orgByPeer: Map<string, string> }).orgByPeer.clear();
    await follower.refresh();
    expect(follower.fullReloads).to.equal(0);
    expect(membership.byPeerId(peers[0]!)).to.equal(undefined);
    now += 60_000;
    await follower.refresh();
    expect(follower.fullReloads).to.equal(1);
    expect(membership.byPeerId(peers[0]!)?.orgId).to.equal("second-org");
    await follower.stop();
  });
});
