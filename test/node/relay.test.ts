import { expect } from "chai";
import type { CtiNode } from "../../node/src/node.js";
import { startDevnet, type Devnet } from "../../scripts/lib/devnet.js";
import { newIdentity, removeDir, startNode, waitFor } from "../helpers/nodes.js";

/**
 * Relaying between members that are not linked directly, with real nodes on a real chain:
 * edge-a and edge-b dial nobody, hub dials both, so every batch between the edges passes through
 * hub. Producers send to whom they are linked with; what relays do is set by gossip.relayDegree
 * (gossip/mesh.ts). With a degree of 0 nothing is pushed on: hub announces what it holds once a
 * heartbeat, and the edge asks for what it lacks.
 */
describe("relaying between members not linked directly", function () {
  this.timeout(120_000);

  const EDGES = ["edge-a", "edge-b"] as const;
  let devnet: Devnet;
  const dirs: Record<string, string> = {};
  const nodes: Record<string, CtiNode> = {};

  async function startLine(relayDegree: number): Promise<void> {
    for (const org of EDGES) nodes[org] = await startNode(dirs[org]!, devnet.deployment, { dialMembers: false, gossip: { relayDegree } });
    nodes.hub = await startNode(dirs.hub!, devnet.deployment, { gossip: { relayDegree } });
    await waitFor("hub linked to both edges, and the edges to nothing else", () =>
      nodes.hub!.gossip.topicPeers() === 2 && EDGES.every((org) => nodes[org]!.libp2p.getPeers().length === 1 && nodes[org]!.gossip.topicPeers() === 1),
    30_000);
  }

  async function stopAll(): Promise<void> {
    for (const org of Object.keys(nodes)) {
      await nodes[org]!.stop();
      delete nodes[org];
    }
  }

  before(async function () {
    devnet = await startDevnet();
    for (const org of [...EDGES, "hub"]) {
      const { dataDir, identity } = await newIdentity(org);
      dirs[org] = dataDir;
      await devnet.admit(identity.public(), { displayName: org, country: "NL", sector: "energy" });
    }
  });

  afterEach(stopAll);

  after(async function () {
    await devnet?.close();
    for (const dir of Object.values(dirs)) await removeDir(dir);
  });

  for (const relayDegree of [0, 1]) {
    it(`delivers across a relay with a relay degree of ${relayDegree}${relayDegree === 0 ? " (announcements only)" : " (pushed on)"}`, async function () {
      await startLine(relayDegree);
      const value = `relayed-${relayDegree}.example.org`;
      const [outcome] = await nodes["edge-a"]!.publish([{ type: "domain", value, tlp: "GREEN" }]);
      expect(outcome).to.include({ ok: true });
      await waitFor(`${value} at edge-b`, async () => (await nodes["edge-b"]!.lookup(value)).length === 1, 20_000);
      expect(await nodes.hub!.lookup(value)).to.have.length(1);
      // The hub relayed it as a member: edge-b holds edge-a's signed statement, not hub's.
      const [record] = await nodes["edge-b"]!.lookup(value);
      expect(record!.attestations.map((a) => a.producer)).to.deep.equal(["edge-a"]);
    });
  }
});
