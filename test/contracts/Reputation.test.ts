import { expect } from "chai";
import fc from "fast-check";
import { network } from "hardhat";
import { ReputationModel, WAD, type ReputationParameters } from "../../node/src/trust/beta-reputation.js";
import type { Reputation } from "../../types/ethers-contracts/index.js";
import { contractHelpers, deployConsortium, Kind } from "./fixtures.js";

const { ethers, networkHelpers } = await network.create();
const { org } = contractHelpers(ethers);

const HOUR = 3600n;
const PARAMETERS: ReputationParameters = { epochLength: HOUR, priorPositive: WAD, priorNegative: WAD, forgetting: (9n * WAD) / 10n };
const ORGS = ["acme", "bank", "grid", "health"] as const;

describe("Reputation", function () {
  /** Four active members and the Reputation contract governed by the registry. */
  async function reputationFixture() {
    const c = await deployConsortium(ethers, [...ORGS]);
    const reputation = (await ethers.deployContract("Reputation", [await c.registry.getAddress(), PARAMETERS])) as unknown as Reputation;
    const as = (name: (typeof ORGS)[number]) => reputation.connect(c.wallets[name]!);
    const nextEpoch = async () => networkHelpers.time.increaseTo((await reputation.epochEndsAt()) + 1n);
    return { ...c, reputation, as, nextEpoch };
  }

  const report = (producer: string, confirmations: number, falsePositives: number) => ({ producer: org(producer), confirmations, falsePositives });
  const value = async (reputation: Reputation, name: string) => (await reputation.reputationOf(org(name))).reputation;

  it("starts every org at the prior's expectation, 0.5 for a prior of (1, 1)", async function () {
    const { reputation } = await networkHelpers.loadFixture(reputationFixture);
    expect(await value(reputation, "acme")).to.equal(WAD / 2n);
    expect(await reputation.currentEpoch()).to.equal(0n);
    expect((await reputation.parameters()).forgetting).to.equal(PARAMETERS.forgetting);
  });

  it("counts an epoch's reports once the epoch closes, weighted by the reporter's reputation", async function () {
    const { reputation, as, nextEpoch } = await networkHelpers.loadFixture(reputationFixture);
    await expect(as("bank").submitReports([report("acme", 8, 0)]))
      .to.emit(reputation, "ReportSubmitted")
      .withArgs(0, org("bank"), org("acme"), 8, 0, WAD / 2n, false);
    expect(await value(reputation, "acme")).to.equal(WAD / 2n);
    await nextEpoch();
    // r = 8 * 0.5 = 4, s = 0: (4 + 1) / (4 + 0 + 2) = 5/6.
    expect(await value(reputation, "acme")).to.equal((5n * WAD) / 6n);
    // A later touch settles the evidence and says so.
    await expect(as("grid").submitReports([report("acme", 0, 1)]))
      .to.emit(reputation, "EvidenceSettled")
      .withArgs(org("acme"), 1, 4n * WAD, 0, (5n * WAD) / 6n);
  });

  it("lets a reporter amend its report within the epoch, replacing it", async function () {
    const { reputation, as, nextEpoch } = await networkHelpers.loadFixture(reputationFixture);
    await as("bank").submitReports([report("acme", 0, 10)]);
    await expect(as("bank").submitReports([report("acme", 2, 0)]))
      .to.emit(reputation, "ReportSubmitted")
      .withArgs(0, org("bank"), org("acme"), 2, 0, WAD / 2n, true);
    expect((await reputation.submittedReport(org("bank"), org("acme"), 0)).confirmations).to.equal(2n);
    await nextEpoch();
    // Only the amended report counts: r = 1, s = 0 -> 2/3.
    expect(await value(reputation, "acme")).to.equal((2n * WAD) / 3n);
  });

  it("forgets old evidence by the forgetting factor once per epoch", async function () {
    const { reputation, as, nextEpoch } = await networkHelpers.loadFixture(reputationFixture);
    await as("bank").submitReports([report("acme", 0, 20)]);
    await nextEpoch();
    const fresh = await reputation.reputationOf(org("acme"));
    expect(fresh.negative).to.equal(10n * WAD);
    await nextEpoch();
    await nextEpoch();
    const later = await reputation.reputationOf(org("acme"));
    expect(later.negative).to.equal((10n * WAD * 81n) / 100n);
    expect(later.reputation).to.be.greaterThan(fresh.reputation);
  });

  describe("refuses", function () {
    it("reports from non-members, suspended members, about oneself or unknown orgs, twice in one call, too large or too many", async function () {
      const { reputation, as, outsider, setStatus } = await networkHelpers.loadFixture(reputationFixture);
      await expect(reputation.connect(outsider).submitReports([report("acme", 1, 0)]))
        .to.be.revertedWithCustomError(reputation, "ReputationNotActiveMember")
        .withArgs(outsider.address);
      await expect(as("acme").submitReports([report("acme", 1, 0)]))
        .to.be.revertedWithCustomError(reputation, "ReputationSelfReport")
        .withArgs(org("acme"));
      await expect(as("acme").submitReports([report("nobody", 1, 0)]))
        .to.be.revertedWithCustomError(reputation, "ReputationUnknownMember")
        .withArgs(org("nobody"));
      await expect(as("acme").submitReports([report("bank", 1, 0), report("bank", 2, 0)]))
        .to.be.revertedWithCustomError(reputation, "ReputationDuplicateReport")
        .withArgs(org("bank"));
      await expect(as("acme").submitReports([report("bank", 1_000_001, 0)]))
        .to.be.revertedWithCustomError(reputation, "ReputationCountTooLarge")
        .withArgs(org("bank"), 1_000_001, 1_000_000);
      await expect(as("acme").submitReports([])).to.be.revertedWithCustomError(reputation, "ReputationInvalidReportCount").withArgs(0, 256);
      const many = Array.from({ length: 257 }, () => report("bank", 1, 0));
      await expect(as("acme").submitReports(many)).to.be.revertedWithCustomError(reputation, "ReputationInvalidReportCount").withArgs(257, 256);
      await setStatus(Kind.SuspendMember, "grid");
      await expect(as("grid").submitReports([report("acme", 1, 0)])).to.be.revertedWithCustomError(reputation, "ReputationNotActiveMember");
      // Reports about a suspended producer are still taken: its past indicators are still out there.
      await expect(as("acme").submitReports([report("grid", 0, 1)])).to.emit(reputation, "ReportSubmitted");
    });

    it("parameter changes from anyone but governance, and invalid parameters", async function () {
      const { reputation, registry, as, governance } = await networkHelpers.loadFixture(reputationFixture);
      await expect(as("acme").setParameters(PARAMETERS))
        .to.be.revertedWithCustomError(reputation, "ReputationNotGovernance")
        .withArgs((await ethers.getSigners())[3]!.address);
      const target = await reputation.getAddress();
      for (const [field, bad] of [
        ["epochLength", { ...PARAMETERS, epochLength: 59n }],
        ["priorPositive", { ...PARAMETERS, priorPositive: 0n }],
        ["priorNegative", { ...PARAMETERS, priorNegative: 1001n * WAD }],
        ["forgetting", { ...PARAMETERS, forgetting: 0n }],
        ["forgetting", { ...PARAMETERS, forgetting: WAD + 1n }],
      ] as const) {
        const inner = reputation.interface.encodeErrorResult("ReputationInvalidParameters", [field]);
        await expect(governance(target, reputation.interface.encodeFunctionData("setParameters", [bad])))
          .to.be.revertedWithCustomError(registry, "ConsortiumRegistryCallFailed")
          .withArgs(target, inner);
      }
      const factory = await ethers.getContractFactory("Reputation");
      await expect(factory.deploy(ethers.ZeroAddress, { ...PARAMETERS, epochLength: 10n }))
        .to.be.revertedWithCustomError(factory, "ReputationInvalidParameters")
        .withArgs("epochLength");
    });
  });

  it("takes new parameters from governance (M-of-N Call); a new epoch length counts on from the current epoch", async function () {
    const { reputation, governance, nextEpoch } = await networkHelpers.loadFixture(reputationFixture);
    await nextEpoch();
    await nextEpoch();
    expect(await reputation.currentEpoch()).to.equal(2n);
    const next = { ...PARAMETERS, epochLength: 2n * HOUR, priorPositive: 2n * WAD };
    await governance(await reputation.getAddress(), reputation.interface.encodeFunctionData("setParameters", [next]));
    expect((await reputation.parameters()).epochLength).to.equal(2n * HOUR);
    expect(await reputation.currentEpoch()).to.equal(2n);
    const events = await reputation.queryFilter(reputation.filters.ParametersChanged());
    expect(events.at(-1)!.args.fromEpoch).to.equal(2n);
    // Prior (2, 1): 2/3 for an org without evidence.
    expect(await value(reputation, "health")).to.equal((2n * WAD) / 3n);
    await networkHelpers.time.increase(Number(HOUR));
    expect(await reputation.currentEpoch()).to.equal(2n);
    await networkHelpers.time.increase(Number(HOUR));
    expect(await reputation.currentEpoch()).to.equal(3n);
  });

  it("matches the TypeScript reference on random reports, and stays within (0, 1)", async function () {
    this.timeout(120_000);
    const name = fc.constantFrom(...ORGS);
    const step = fc.oneof(
      fc.record({ kind: fc.constant("advance" as const), epochs: fc.integer({ min: 1, max: 3 }) }),
      fc.record({
        kind: fc.constant("report" as const),
        reporter: name,
        reports: fc.uniqueArray(fc.record({ producer: name, confirmations: fc.nat(50), falsePositives: fc.nat(50) }), {
          minLength: 1,
          maxLength: 3,
          selector: (r) => r.producer,
        }),
      }),
    );
    await fc.assert(
      fc.asyncProperty(fc.array(step, { minLength: 1, maxLength: 10 }), async (steps) => {
        const { reputation, as, nextEpoch } = await networkHelpers.loadFixture(reputationFixture);
        const model = new ReputationModel(PARAMETERS);
        for (const s of steps) {
          if (s.kind === "advance") {
            for (let i = 0; i < s.epochs; i++) await nextEpoch();
            continue;
          }
          const reports = s.reports.filter((r) => r.producer !== s.reporter);
          if (reports.length === 0) continue;
          const epoch = await reputation.currentEpoch();
          // The contract's weight is the reporter's reputation as the reference computes it.
          const weight = model.weightOf(s.reporter, epoch);
          const tx = await as(s.reporter).submitReports(reports.map((r) => report(r.producer, r.confirmations, r.falsePositives)));
          const receipt = await tx.wait();
          const submitted = receipt!.logs.map((l) => reputation.interface.parseLog(l)).filter((e) => e?.name === "ReportSubmitted");
          for (const event of submitted) expect(event!.args.weight).to.equal(weight);
          for (const r of reports) model.report(epoch, s.reporter, r.producer, BigInt(r.confirmations), BigInt(r.falsePositives), weight);
        }
        const epoch = await reputation.currentEpoch();
        for (const o of ORGS) {
          const onChain = await reputation.reputationOf(org(o));
          const expected = model.reputationOf(o, epoch);
          expect([onChain.reputation, onChain.positive, onChain.negative]).to.deep.equal([expected.reputation, expected.positive, expected.negative]);
          expect(onChain.reputation > 0n && onChain.reputation < WAD).to.equal(true);
        }
      }),
      { numRuns: 60 },
    );
  });
});
