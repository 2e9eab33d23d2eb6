import { expect } from "chai";
import fc from "fast-check";
import { network } from "hardhat";
import { WAD } from "../../node/src/trust/beta-reputation.js";
import type { AuditTrail, ConsortiumRegistry, Reputation, SharingGroups } from "../../types/ethers-contracts/index.js";
import { contractHelpers, DAY, deployConsortium, Kind, Status, type Signer } from "./fixtures.js";

const { ethers, networkHelpers } = await network.create();
const { org, key, peer } = contractHelpers(ethers);

/**
 * Invariants of the contracts over random sequences of actions, each a real transaction on a
 * fresh chain: what must hold whatever admins and members do.
 */
describe("contract invariants", function () {
  this.timeout(300_000);

  /** Five admins (threshold 3) and no member. */
  async function governanceFixture() {
    const signers = await ethers.getSigners();
    const admins = signers.slice(0, 5) as Signer[];
    const registry = (await ethers.deployContract("ConsortiumRegistry", [admins.map((a) => a.address), 3, 7 * DAY])) as unknown as ConsortiumRegistry;
    return { registry, admins, spare: signers.slice(5, 8) as Signer[] };
  }

  it("no proposal ever executes with fewer approvals of current admins than the threshold", async function () {
    const action = fc.oneof(
      fc.record({ kind: fc.constant("propose-threshold" as const), by: fc.nat(4), value: fc.integer({ min: 1, max: 5 }) }),
      fc.record({ kind: fc.constant("propose-remove-admin" as const), by: fc.nat(4), admin: fc.nat(4), threshold: fc.integer({ min: 1, max: 5 }) }),
      fc.record({ kind: fc.constant("propose-add-admin" as const), by: fc.nat(4), spare: fc.nat(2), threshold: fc.integer({ min: 1, max: 5 }) }),
      fc.record({ kind: fc.constant("revoke" as const), by: fc.nat(4), proposal: fc.nat(5) }),
      fc.record({ kind: fc.constant("cancel" as const), by: fc.nat(4), proposal: fc.nat(5) }),
      // Approvals and executions weigh more: 3 approvals of one proposal must happen for an execution to be tried at all.
      { weight: 4, arbitrary: fc.record({ kind: fc.constant("approve" as const), by: fc.nat(4), proposal: fc.nat(5) }) },
      { weight: 2, arbitrary: fc.record({ kind: fc.constant("execute" as const), by: fc.nat(4), proposal: fc.nat(5) }) },
    );
    let executions = 0;
    await fc.assert(
      fc.asyncProperty(fc.array(action, { minLength: 5, maxLength: 25 }), async (actions) => {
        const { registry, admins, spare } = await networkHelpers.loadFixture(governanceFixture);
        for (const a of actions) {
          const signer = admins[a.by]!;
          const count = Number(await registry.proposalCount());
          const attempt = async (tx: () => Promise<unknown>) => {
            try {
              await tx();
              return true;
            } catch {
              return false;
            }
          };
          if (a.kind === "propose-threshold") await attempt(() => registry.connect(signer).proposeThreshold(a.value));
          if (a.kind === "propose-remove-admin") await attempt(() => registry.connect(signer).proposeAdminChange(Kind.RemoveAdmin, admins[a.admin]!.address, a.threshold));
          if (a.kind === "propose-add-admin") await attempt(() => registry.connect(signer).proposeAdminChange(Kind.AddAdmin, spare[a.spare]!.address, a.threshold));
          if (a.kind === "revoke" && count > 0) await attempt(() => registry.connect(signer).revokeApproval(a.proposal % count));
          if (a.kind === "cancel" && count > 0) await attempt(() => registry.connect(signer).cancel(a.proposal % count));
          if (a.kind === "approve" && count > 0) await attempt(() => registry.connect(signer).approve(a.proposal % count));
          if (a.kind === "execute" && count > 0) {
            const id = a.proposal % count;
            const threshold = await registry.threshold();
            const approvals = await registry.approvalCount(id);
            const executed = await attempt(() => registry.connect(signer).execute(id));
            if (executed) executions++;
            if (executed) expect(approvals >= threshold, `proposal ${id} executed with ${approvals} of ${threshold}`).to.equal(true);
            if (executed) expect((await registry.getProposal(id)).cancelled, `cancelled proposal ${id} executed`).to.equal(false);
            else if ((await registry.isAdmin(signer.address)) && !(await registry.getProposal(id)).executed && approvals < threshold) {
              await expect(registry.connect(signer).execute(id)).to.be.revertedWithCustomError(registry, "ConsortiumRegistryThresholdNotMet");
            }
          }
          // Always: the threshold is reachable by the admins there are.
          expect(await registry.threshold()).to.be.at.most(BigInt((await registry.admins()).length));
          expect(await registry.threshold()).to.be.at.least(1n);
          // ...and one lost key never bricks governance once there are three admins or more.
          const adminCount = BigInt((await registry.admins()).length);
          if (adminCount >= 3n) expect(await registry.threshold()).to.be.lessThan(adminCount);
        }
      }),
      // A fixed seed: the same 60 sequences every run, so that a failure replays (and CI cannot be unlucky).
      { numRuns: 60, seed: 20261122 },
    );
    // The sequences did reach executions: the invariant was put to the test.
    expect(executions).to.be.greaterThan(0);
  });

  it("a removed member never regains access, whatever it or anyone but governance does", async function () {
    const c = await deployConsortium(ethers, ["gone", "other"]);
    const registryAddress = await c.registry.getAddress();
    const groups = (await ethers.deployContract("SharingGroups", [registryAddress])) as unknown as SharingGroups;
    const audit = (await ethers.deployContract("AuditTrail", [registryAddress])) as unknown as AuditTrail;
    const reputation = (await ethers.deployContract("Reputation", [registryAddress, await audit.getAddress(), { epochLength: 3600, priorPositive: WAD, priorNegative: WAD, forgetting: WAD, maxReportEvidence: 4n * WAD, halfEvidenceCount: 10 }])) as unknown as Reputation;
    const gone = c.wallets.gone!;
    await c.setStatus(Kind.RemoveMember, "gone");
    const attempts: Array<[string, () => Promise<unknown>]> = [
      ["rotateKeys", () => c.registry.connect(gone).rotateKeys(key("new"), key("new-enc"))],
      ["updateNode", () => c.registry.connect(gone).updateNode(peer("new"), ["/ip4/127.0.0.1/tcp/1"])],
      ["createGroup", () => groups.connect(gone).createGroup("mine", [])],
      ["submitReports", () => reputation.connect(gone).submitReports([{ producer: org("other"), confirmations: 0, falsePositives: 9 }])],
      ["anchor", () => audit.connect(gone).anchor(ethers.zeroPadValue("0x01", 32), 1, 1, 1, 0)],
      ["approve (not an admin)", () => c.registry.connect(gone).approve(0)],
      ["proposeMemberStatus (not an admin)", () => c.registry.connect(gone).proposeMemberStatus(Kind.ReinstateMember, org("gone"))],
    ];
    for (const [what, attempt] of attempts) {
      let refused = false;
      await attempt().catch(() => (refused = true));
      expect(refused, what).to.equal(true);
    }
    // Not even governance can reinstate a removed member: removal is final.
    await expect(c.registry.connect(c.a1).proposeMemberStatus(Kind.ReinstateMember, org("gone")))
      .to.be.revertedWithCustomError(c.registry, "ConsortiumRegistryInvalidStatus")
      .withArgs(org("gone"), Status.Removed);
    expect((await c.registry.getMember(org("gone"))).status).to.equal(BigInt(Status.Removed));
    expect(await c.registry.isActive(org("gone"))).to.equal(false);
  });

  it("reputation stays strictly between 0 and 1 under extreme reports over many epochs", async function () {
    const names = ["p", "r1", "r2", "r3"];
    const c = await deployConsortium(ethers, names);
    const registryAddress = await c.registry.getAddress();
    const audit = (await ethers.deployContract("AuditTrail", [registryAddress])) as unknown as AuditTrail;
    const reputation = (await ethers.deployContract("Reputation", [
      registryAddress,
      await audit.getAddress(),
      { epochLength: 60, priorPositive: 1n, priorNegative: 1n, forgetting: WAD, maxReportEvidence: 100n * WAD, halfEvidenceCount: 1 },
    ])) as unknown as Reputation;
    const sequence = new Map<string, number>();
    const anchor = async (name: string, indicators: number, sightings: number) => {
      const first = sequence.get(name) ?? 1;
      const batches = Math.ceil((indicators + sightings) / 1000);
      sequence.set(name, first + batches);
      await audit.connect(c.wallets[name]!).anchor(ethers.zeroPadValue("0x01", 32), first, first + batches - 1, indicators, sightings);
    };
    await anchor("p", 1_000_000, 0);
    for (let epoch = 0; epoch < 12; epoch++) {
      for (const reporter of ["r1", "r2", "r3"]) {
        await anchor(reporter, 0, 1_000_000);
        const positive = epoch % 2 === 0;
        await reputation.connect(c.wallets[reporter]!).submitReports([{ producer: org("p"), confirmations: positive ? 1_000_000 : 0, falsePositives: positive ? 0 : 1_000_000 }]);
      }
      await networkHelpers.time.increase(60);
      const [value] = await reputation.reputationOf(org("p"));
      expect(value > 0n && value < WAD, `epoch ${epoch}: ${value}`).to.equal(true);
    }
  });
});
