import { expect } from "chai";
import { orgIdToBytes32 } from "../../node/src/chain/member.js";
import { passProposal } from "../../node/src/chain/governance.js";
import { reputationContract, voidReportsCall } from "../../node/src/chain/reputation.js";
import { ProposalKind } from "../../node/src/chain/registry-abi.js";
import { changeMemberStatus } from "../../node/src/chain/governance.js";
import { NodeIdentity } from "../../node/src/identity/identity.js";
import type { CtiNode } from "../../node/src/node.js";
import { startDevnet, type Devnet } from "../../scripts/lib/devnet.js";
import { newIdentity, removeDir, startNode, waitFor } from "../helpers/nodes.js";

/**
 * A node's epoch report against a real ledger: split into transactions under the gas limit it
 * is given, a producer the contract refuses named and left out without holding up the others or
 * the anchoring, and the reports of a member suspended mid-epoch discounted by the nodes that see it.
 */
describe("a node's reputation reports (real ledger)", function () {
  this.timeout(180_000);
  const PRODUCERS = Array.from({ length: 24 }, (_, i) => `producer-${String(i).padStart(2, "0")}`);
  let devnet: Devnet;
  let dir: string;
  let node: CtiNode;

  before(async function () {
    devnet = await startDevnet({ admins: 3, threshold: 2, epochLength: 3600 });
    for (const org of PRODUCERS) await devnet.admit((await NodeIdentity.generate(org)).public(), { displayName: org, country: "DE", sector: "energy" });
    const reporter = await newIdentity("reporter-org");
    dir = reporter.dataDir;
    await devnet.admit(reporter.identity.public(), { displayName: "reporter", country: "DE", sector: "energy" });
    // A low gas limit per transaction: the report must be split.
    node = await startNode(dir, devnet.deployment, { trust: { maxTransactionGas: 1_200_000, tickMs: 60_000 } });
    // Evidence about every producer, as the node's detectors would have recorded it.
    await node.store.recordEvidence(
      PRODUCERS.map((producer, i) => ({ producer, kind: i % 2 ? "false-positive" : "sighting", indicatorId: `${"ab".repeat(31)}${String(i).padStart(2, "0")}`, observedAt: Date.now(), reportedEpoch: undefined })),
    );
  });

  after(async function () {
    await node?.stop();
    await devnet?.close();
    await removeDir(dir);
  });

  const reputation = () => reputationContract(devnet.deployment.reputationAddress, devnet.provider);
  const submitted = (producer: string, epoch: number) => reputation().submittedReport(orgIdToBytes32("reporter-org"), orgIdToBytes32(producer), epoch);

  it("sends a report about many producers in several transactions, each below the gas limit, and every producer's report arrives", async function () {
    const result = await node.trust.submitReports();
    expect(result.refused).to.deep.equal([]);
    expect(result.reports).to.have.length(PRODUCERS.length);
    expect(result.transactions).to.be.greaterThan(1);
    for (const producer of PRODUCERS) expect((await submitted(producer, result.epoch)).exists, producer).to.equal(true);
    const logs = await devnet.provider.getLogs({ address: devnet.deployment.reputationAddress, fromBlock: 0 });
    const hashes = new Set(logs.filter((l) => reputation().interface.parseLog(l)?.name === "ReportSubmitted").map((l) => l.transactionHash));
    for (const hash of hashes) expect((await devnet.provider.getTransactionReceipt(hash))!.gasUsed).to.be.at.most(1_200_000n);
  });

  it("names a producer the contract refuses and sends the others, anchoring all the same", async function () {
    const epoch = Number(await reputation().currentEpoch());
    // Governance voids the reporter's report about one producer: amending it is now refused.
    await passProposal(devnet.deployment.registryAddress, devnet.admins, (r) => r.proposeCall(devnet.deployment.reputationAddress, voidReportsCall("reporter-org", epoch, ["producer-05"])));
    await node.publish([{ type: "domain", value: "reporter-own.example.org" }]);
    const result = await node.trust.submitReports();
    expect(result.refused).to.deep.equal([{ producer: "producer-05", reason: "ReputationReportVoided" }]);
    expect(result.reports.map((r) => r.producer)).to.not.include("producer-05");
    expect(result.reports).to.have.length(PRODUCERS.length - 1);
    // Its own batch was anchored before the report, whatever became of the report.
    const audit = (await import("../../node/src/chain/audit-trail.js")).auditTrailContract(devnet.deployment.auditAddress, devnet.provider);
    expect(await audit.nextSequence(orgIdToBytes32("reporter-org"))).to.equal(2n);
  });

  it("discounts the reports of a member suspended in the epoch it made them, on its own", async function () {
    const epoch = Number(await reputation().currentEpoch());
    expect((await submitted("producer-01", epoch)).voided).to.equal(false);
    // Another node sees the reporter suspended: the reporter's node here plays the other's part,
    // so a second node is started for the watching member.
    const watcher = await newIdentity("watcher-org");
    await devnet.admit(watcher.identity.public(), { displayName: "watcher", country: "DE", sector: "energy" });
    const other = await startNode(watcher.dataDir, devnet.deployment);
    try {
      await changeMemberStatus(devnet.deployment.registryAddress, devnet.admins, ProposalKind.SuspendMember, "reporter-org");
      await waitFor("the reporter's reports of this epoch to be discounted", async () => (await submitted("producer-01", epoch)).voided, 30_000);
      for (const producer of PRODUCERS.filter((p) => p !== "producer-05")) expect((await submitted(producer, epoch)).voided, producer).to.equal(true);
    } finally {
      await other.stop();
      await removeDir(watcher.dataDir);
    }
  });
});
