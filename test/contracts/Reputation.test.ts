import { expect } from "chai";
import fc from "fast-check";
import { network } from "hardhat";
import { moveBound, ReputationModel, reportEvidence, toFraction, WAD, type ReputationParameters } from "../../node/src/trust/beta-reputation.js";
import type { AuditTrail, Reputation } from "../../types/ethers-contracts/index.js";
import { contractHelpers, deployConsortium, Kind } from "./fixtures.js";

const { ethers, networkHelpers } = await network.create();
const { org } = contractHelpers(ethers);

const HOUR = 3600n;
const PARAMETERS: ReputationParameters = {
  epochLength: HOUR,
  priorPositive: WAD,
  priorNegative: WAD,
  forgetting: (9n * WAD) / 10n,
  maxReportEvidence: 4n * WAD,
  halfEvidenceCount: 10n,
};
const ORGS = ["acme", "bank", "grid", "health", "isp", "jury"] as const;
type Org = (typeof ORGS)[number];

describe("Reputation", function () {
  /** Six active members, the AuditTrail, and the Reputation contract governed by the registry. */
  async function reputationFixture() {
    const c = await deployConsortium(ethers, [...ORGS]);
    const registryAddress = await c.registry.getAddress();
    const audit = (await ethers.deployContract("AuditTrail", [registryAddress])) as unknown as AuditTrail;
    const reputation = (await ethers.deployContract("Reputation", [registryAddress, await audit.getAddress(), PARAMETERS])) as unknown as Reputation;
    const as = (name: Org) => reputation.connect(c.wallets[name]!);
    const nextEpoch = async () => networkHelpers.time.increaseTo((await reputation.epochEndsAt()) + 1n);
    /** `name` anchors a batch range holding `indicators` and `sightings` (one batch per 1,000 statements). */
    const anchor = async (name: Org, indicators: number, sightings: number) => {
      const batches = Math.max(1, Math.ceil((indicators + sightings) / 1000));
      // Read from the chain: loadFixture reverts the chain between tests, not this closure.
      const first = Number(await audit.nextSequence(org(name)));
      await audit.connect(c.wallets[name]!).anchor(ethers.zeroPadValue("0x01", 32), first, first + batches - 1, indicators, sightings);
    };
    /** Every org anchors plenty of indicators and sightings, so that no cap cuts the reports of a test. */
    const anchorPlenty = async () => {
      for (const name of ORGS) await anchor(name, 5_000_000, 5_000_000);
    };
    return { ...c, audit, reputation, as, nextEpoch, anchor, anchorPlenty };
  }

  /** Reports sorted by producer, as the contract requires. */
  const reports = (entries: Array<[string, number, number]>) =>
    entries.map(([producer, confirmations, falsePositives]) => ({ producer: org(producer), confirmations, falsePositives })).sort((a, b) => (a.producer < b.producer ? -1 : 1));
  const value = async (reputation: Reputation, name: string) => (await reputation.reputationOf(org(name))).reputation;
  const evidence = (c: bigint, f: bigint, credibility = WAD) => reportEvidence(c, f, credibility, PARAMETERS);

  it("starts every org at the prior's expectation, 0.5 for a prior of (1, 1), with credibility 1", async function () {
    const { reputation } = await networkHelpers.loadFixture(reputationFixture);
    expect(await value(reputation, "acme")).to.equal(WAD / 2n);
    expect(await reputation.currentEpoch()).to.equal(0n);
    expect(await reputation.credibilityOf(org("acme"))).to.equal(WAD);
    const p = await reputation.parameters();
    expect([p.forgetting, p.maxReportEvidence, p.halfEvidenceCount]).to.deep.equal([PARAMETERS.forgetting, PARAMETERS.maxReportEvidence, PARAMETERS.halfEvidenceCount]);
  });

  it("counts an epoch's reports once it closes, each carrying at most maxReportEvidence scaled by n / (n + halfEvidenceCount)", async function () {
    const { reputation, as, nextEpoch, anchorPlenty } = await networkHelpers.loadFixture(reputationFixture);
    await anchorPlenty();
    const added = evidence(8n, 0n);
    // 4 * 8 / 18 of a confirmation.
    expect(added.positive).to.equal((4n * WAD * 8n) / 18n);
    await expect(as("bank").submitReports(reports([["acme", 8, 0]])))
      .to.emit(reputation, "ReportSubmitted")
      .withArgs(0, org("bank"), org("acme"), 8, 0, added.positive, 0, false);
    expect(await value(reputation, "acme")).to.equal(WAD / 2n);
    await nextEpoch();
    const r = added.positive;
    expect(await value(reputation, "acme")).to.equal(((r + WAD) * WAD) / (r + 2n * WAD));
    await expect(as("grid").submitReports(reports([["acme", 0, 1]])))
      .to.emit(reputation, "EvidenceSettled")
      .withArgs(org("acme"), 1, r, 0, ((r + WAD) * WAD) / (r + 2n * WAD));
  });

  it("lets a reporter amend its report within the epoch, replacing it", async function () {
    const { reputation, as, nextEpoch, anchorPlenty } = await networkHelpers.loadFixture(reputationFixture);
    await anchorPlenty();
    await as("bank").submitReports(reports([["acme", 0, 10]]));
    const amended = evidence(2n, 0n);
    await expect(as("bank").submitReports(reports([["acme", 2, 0]])))
      .to.emit(reputation, "ReportSubmitted")
      .withArgs(0, org("bank"), org("acme"), 2, 0, amended.positive, 0, true);
    const stored = await reputation.submittedReport(org("bank"), org("acme"), 0);
    expect([stored.confirmations, stored.positive, stored.negative, stored.credibility]).to.deep.equal([2n, amended.positive, 0n, WAD]);
    await nextEpoch();
    const { positive, negative } = await reputation.reputationOf(org("acme"));
    expect([positive, negative]).to.deep.equal([amended.positive, 0n]);
  });

  it("forgets old evidence by the forgetting factor once per epoch", async function () {
    const { reputation, as, nextEpoch, anchorPlenty } = await networkHelpers.loadFixture(reputationFixture);
    await anchorPlenty();
    await as("bank").submitReports(reports([["acme", 0, 20]]));
    await nextEpoch();
    const fresh = await reputation.reputationOf(org("acme"));
    expect(fresh.negative).to.equal(evidence(0n, 20n).negative);
    await nextEpoch();
    await nextEpoch();
    const later = await reputation.reputationOf(org("acme"));
    expect(later.negative).to.equal((fresh.negative * ((PARAMETERS.forgetting * PARAMETERS.forgetting) / WAD)) / WAD);
    expect(later.reputation).to.be.greaterThan(fresh.reputation);
  });

  describe("bounded by evidence", function () {
    it("caps a report's counts by what the producer anchored and what the reporter sighted, keeping their ratio", async function () {
      const { reputation, as, anchor } = await networkHelpers.loadFixture(reputationFixture);
      await anchor("acme", 30, 0); // acme published 30 indicators
      await anchor("bank", 0, 1000); // bank sighted 1,000 times
      await expect(as("bank").submitReports(reports([["acme", 50, 150]])))
        .to.emit(reputation, "ReportCapped")
        .withArgs(0, org("bank"), org("acme"), 50, 150, 30);
      const stored = await reputation.submittedReport(org("bank"), org("acme"), 0);
      expect([stored.confirmations, stored.falsePositives]).to.deep.equal([7n, 22n]);
      await anchor("grid", 0, 5); // grid sighted 5 times only
      await as("grid").submitReports(reports([["acme", 0, 1_000_000]]));
      expect((await reputation.submittedReport(org("grid"), org("acme"), 0)).falsePositives).to.equal(5n);
    });

    it("gives no weight at all to a reporter that anchored no sightings, or to reports about a producer that anchored nothing", async function () {
      const { reputation, as, anchor, nextEpoch } = await networkHelpers.loadFixture(reputationFixture);
      await anchor("acme", 100, 0);
      await as("bank").submitReports(reports([["acme", 0, 1_000_000]]));
      await anchor("grid", 0, 100);
      await as("grid").submitReports(reports([["health", 0, 1_000_000]]));
      await nextEpoch();
      expect(await value(reputation, "acme")).to.equal(WAD / 2n);
      expect(await value(reputation, "health")).to.equal(WAD / 2n);
    });

    it("counts only sightings anchored since the previous epoch began", async function () {
      const { reputation, as, anchor, anchorPlenty, nextEpoch } = await networkHelpers.loadFixture(reputationFixture);
      await anchorPlenty(); // epoch 0: bank's 5,000,000 sightings
      await nextEpoch();
      await nextEpoch(); // epoch 2: those are too old now
      await anchor("bank", 0, 3);
      await as("bank").submitReports(reports([["acme", 100, 0]]));
      expect((await reputation.submittedReport(org("bank"), org("acme"), 2)).confirmations).to.equal(3n);
    });

    it("weighs a report of a million false positives no more than maxReportEvidence: one member can no longer sink a producer", async function () {
      const { reputation, as, nextEpoch, anchorPlenty } = await networkHelpers.loadFixture(reputationFixture);
      await anchorPlenty();
      // Five epochs of honest confirmations of acme by three members.
      for (let e = 0; e < 5; e++) {
        // Sightings count for the epoch they were anchored in and the next: every epoch, new ones.
        await anchorPlenty();
        for (const reporter of ["bank", "grid", "health"] as const) await as(reporter).submitReports(reports([["acme", 200, 0]]));
        await nextEpoch();
      }
      const before = await reputation.reputationOf(org("acme"));
      expect(toFraction(before.reputation)).to.be.greaterThan(0.95);
      await anchorPlenty();
      await as("isp").submitReports(reports([["acme", 0, 1_000_000]]));
      for (const reporter of ["bank", "grid", "health"] as const) await as(reporter).submitReports(reports([["acme", 200, 0]]));
      await nextEpoch();
      const after = await reputation.reputationOf(org("acme"));
      // The attacker's evidence is below 4; the honest evidence keeps the producer where it was.
      const attack = (await reputation.submittedReport(org("isp"), org("acme"), 5)).negative;
      expect(attack).to.be.lessThan(PARAMETERS.maxReportEvidence);
      const honest = after.positive + after.negative - attack;
      expect(toFraction(before.reputation) - toFraction(after.reputation)).to.be.at.most(moveBound(PARAMETERS.maxReportEvidence, honest, PARAMETERS) + 0.02);
      expect(toFraction(after.reputation)).to.be.greaterThan(0.85);
    });

    it("lets two colluders pump each other to no more than what maxReportEvidence allows in one epoch", async function () {
      const { reputation, as, nextEpoch, anchorPlenty } = await networkHelpers.loadFixture(reputationFixture);
      await anchorPlenty();
      await as("isp").submitReports(reports([["jury", 1_000_000, 0]]));
      await as("jury").submitReports(reports([["isp", 1_000_000, 0]]));
      await nextEpoch();
      const bound = toFraction(((PARAMETERS.maxReportEvidence + WAD) * WAD) / (PARAMETERS.maxReportEvidence + 2n * WAD));
      for (const name of ["isp", "jury"]) expect(toFraction(await value(reputation, name))).to.be.at.most(bound);
      expect(bound).to.be.lessThan(0.84);
    });

    it("weighs reports by the reporter's credibility, which governance sets, not by its reputation as a producer", async function () {
      const { reputation, registry, as, governance, nextEpoch, anchorPlenty } = await networkHelpers.loadFixture(reputationFixture);
      await anchorPlenty();
      // bank's own reputation as a producer falls...
      for (const reporter of ["grid", "health", "isp"] as const) await as(reporter).submitReports(reports([["bank", 0, 100]]));
      await nextEpoch();
      expect(toFraction(await value(reputation, "bank"))).to.be.lessThan(0.2);
      // ...but its reports still weigh by its credibility, 1.
      await as("bank").submitReports(reports([["acme", 10, 0]]));
      expect((await reputation.submittedReport(org("bank"), org("acme"), 1)).positive).to.equal(evidence(10n, 0n).positive);
      const target = await reputation.getAddress();
      await governance(target, reputation.interface.encodeFunctionData("setCredibility", [org("bank"), WAD / 4n]));
      const [changed] = await reputation.queryFilter(reputation.filters.CredibilityChanged(org("bank")));
      expect(changed!.args.credibility).to.equal(WAD / 4n);
      expect(await reputation.credibilityOf(org("bank"))).to.equal(WAD / 4n);
      await as("bank").submitReports(reports([["acme", 10, 0]]));
      expect((await reputation.submittedReport(org("bank"), org("acme"), 1)).positive).to.equal(evidence(10n, 0n, WAD / 4n).positive);
      await governance(target, reputation.interface.encodeFunctionData("setCredibility", [org("grid"), 0n]));
      await as("grid").submitReports(reports([["acme", 0, 1_000_000]]));
      expect((await reputation.submittedReport(org("grid"), org("acme"), 1)).negative).to.equal(0n);
      await expect(as("acme").setCredibility(org("bank"), WAD)).to.be.revertedWithCustomError(reputation, "ReputationNotGovernance");
      const inner = reputation.interface.encodeErrorResult("ReputationInvalidCredibility", [WAD + 1n]);
      await expect(governance(target, reputation.interface.encodeFunctionData("setCredibility", [org("bank"), WAD + 1n])))
        .to.be.revertedWithCustomError(registry, "ConsortiumRegistryCallFailed")
        .withArgs(target, inner);
    });
  });

  describe("voiding reports", function () {
    it("lets governance void a member's reports of an epoch, before or after it closes, as if they had never been", async function () {
      const { reputation, as, governance, nextEpoch, anchorPlenty } = await networkHelpers.loadFixture(reputationFixture);
      await anchorPlenty();
      await as("bank").submitReports(reports([["acme", 30, 0], ["grid", 30, 0]]));
      await as("isp").submitReports(reports([["acme", 0, 500], ["grid", 0, 500]]));
      const target = await reputation.getAddress();
      // acme: voided while the epoch is still open.
      const removed = (await reputation.submittedReport(org("isp"), org("acme"), 0)).negative;
      await governance(target, reputation.interface.encodeFunctionData("voidReports", [org("isp"), 0, [org("acme")]]));
      const [voided] = await reputation.queryFilter(reputation.filters.ReportVoided(0, org("isp"), org("acme")));
      expect([voided!.args.positive, voided!.args.negative, voided!.args.byGovernance]).to.deep.equal([0n, removed, true]);
      await nextEpoch();
      await nextEpoch();
      // grid: voided two epochs after its report was folded in.
      await governance(target, reputation.interface.encodeFunctionData("voidReports", [org("isp"), 0, [org("grid"), org("health")]]));
      const honestOnly = evidence(30n, 0n).positive;
      const forgotten = (honestOnly * PARAMETERS.forgetting) / WAD;
      for (const name of ["acme", "grid"]) {
        const { positive, negative } = await reputation.reputationOf(org(name));
        expect(positive).to.equal(forgotten);
        expect(negative <= 1n, `${name}: ${negative}`).to.equal(true);
      }
      expect((await reputation.submittedReport(org("isp"), org("grid"), 0)).voided).to.equal(true);
      await expect(as("isp").voidReports(org("bank"), 0, [org("acme")])).to.be.revertedWithCustomError(reputation, "ReputationNotGovernance");
    });

    it("refuses to amend a voided report", async function () {
      const { reputation, as, governance, anchorPlenty } = await networkHelpers.loadFixture(reputationFixture);
      await anchorPlenty();
      await as("isp").submitReports(reports([["acme", 0, 500]]));
      await governance(await reputation.getAddress(), reputation.interface.encodeFunctionData("voidReports", [org("isp"), 0, [org("acme")]]));
      await expect(as("isp").submitReports(reports([["acme", 0, 10]])))
        .to.be.revertedWithCustomError(reputation, "ReputationReportVoided")
        .withArgs(org("isp"), org("acme"), 0);
    });

    it("lets anyone discount the reports a member made in the epoch it was suspended in, and only those", async function () {
      const { reputation, as, setStatus, nextEpoch, anchorPlenty, outsider } = await networkHelpers.loadFixture(reputationFixture);
      await anchorPlenty();
      await as("isp").submitReports(reports([["acme", 0, 500]]));
      await expect(reputation.connect(outsider).discountReports(org("isp"), 0, [org("acme")]))
        .to.be.revertedWithCustomError(reputation, "ReputationReporterStillActive")
        .withArgs(org("isp"));
      await nextEpoch();
      await as("isp").submitReports(reports([["acme", 0, 500]]));
      await setStatus(Kind.SuspendMember, "isp");
      await expect(reputation.connect(outsider).discountReports(org("isp"), 0, [org("acme")]))
        .to.be.revertedWithCustomError(reputation, "ReputationNotSuspendedInEpoch")
        .withArgs(org("isp"), 0);
      await expect(reputation.connect(outsider).discountReports(org("isp"), 1, [org("acme")]))
        .to.emit(reputation, "ReportVoided")
        .withArgs(1, org("isp"), org("acme"), 0, (await reputation.submittedReport(org("isp"), org("acme"), 1)).negative, false);
      // A second call finds nothing left to take.
      await expect(reputation.connect(outsider).discountReports(org("isp"), 1, [org("acme")])).not.to.emit(reputation, "ReportVoided");
    });
  });

  describe("parameters", function () {
    it("never applies a new forgetting factor to closed epochs, so a record evolves alike whether or not it was touched", async function () {
      const { reputation, as, governance, nextEpoch, anchorPlenty } = await networkHelpers.loadFixture(reputationFixture);
      await anchorPlenty();
      // Epoch 0: acme and grid get the same evidence.
      await as("bank").submitReports(reports([["acme", 0, 40], ["grid", 0, 40]]));
      await nextEpoch();
      await nextEpoch();
      // Epoch 2: acme is touched (a report of nothing settles it), grid is not.
      await as("bank").submitReports(reports([["acme", 0, 0]]));
      await nextEpoch();
      // Epoch 3: forgetting drops to 0.5, from the close of epoch 3 on.
      const target = await reputation.getAddress();
      await governance(target, reputation.interface.encodeFunctionData("setParameters", [{ ...PARAMETERS, forgetting: WAD / 2n }]));
      expect(await reputation.forgettingAt(2)).to.equal(PARAMETERS.forgetting);
      expect(await reputation.forgettingAt(3)).to.equal(WAD / 2n);
      await nextEpoch();
      await nextEpoch();
      const touched = await reputation.reputationOf(org("acme"));
      const untouched = await reputation.reputationOf(org("grid"));
      expect(touched.negative - untouched.negative <= 2n && untouched.negative - touched.negative <= 2n, `${touched.negative} vs ${untouched.negative}`).to.equal(true);
      // Epoch 0's evidence counts from its close; epochs 1 and 2 closed at 0.9, epochs 3 and 4 at 0.5.
      const expected = (((evidence(0n, 40n).negative * 81n) / 100n) * 25n) / 100n;
      expect(untouched.negative - expected <= 2n && expected - untouched.negative <= 2n).to.equal(true);
    });

    it("refuses parameter changes from anyone but governance, and invalid parameters", async function () {
      const { reputation, registry, as, governance, audit } = await networkHelpers.loadFixture(reputationFixture);
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
        ["maxReportEvidence", { ...PARAMETERS, maxReportEvidence: 0n }],
        ["maxReportEvidence", { ...PARAMETERS, maxReportEvidence: 101n * WAD }],
        ["halfEvidenceCount", { ...PARAMETERS, halfEvidenceCount: 0n }],
        ["halfEvidenceCount", { ...PARAMETERS, halfEvidenceCount: 1_000_001n }],
      ] as const) {
        const inner = reputation.interface.encodeErrorResult("ReputationInvalidParameters", [field]);
        await expect(governance(target, reputation.interface.encodeFunctionData("setParameters", [bad])))
          .to.be.revertedWithCustomError(registry, "ConsortiumRegistryCallFailed")
          .withArgs(target, inner);
      }
      const factory = await ethers.getContractFactory("Reputation");
      await expect(factory.deploy(await registry.getAddress(), await audit.getAddress(), { ...PARAMETERS, epochLength: 10n }))
        .to.be.revertedWithCustomError(factory, "ReputationInvalidParameters")
        .withArgs("epochLength");
      await expect(factory.deploy(await registry.getAddress(), ethers.ZeroAddress, PARAMETERS)).to.be.revertedWithCustomError(factory, "ReputationZeroAddress").withArgs("audit");
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
  });

  describe("refuses", function () {
    it("reports from non-members, suspended members, about oneself or unknown orgs, twice in one call, out of order, too large or too many", async function () {
      const { reputation, as, outsider, setStatus } = await networkHelpers.loadFixture(reputationFixture);
      await expect(reputation.connect(outsider).submitReports(reports([["acme", 1, 0]])))
        .to.be.revertedWithCustomError(reputation, "ReputationNotActiveMember")
        .withArgs(outsider.address);
      await expect(as("acme").submitReports(reports([["acme", 1, 0]])))
        .to.be.revertedWithCustomError(reputation, "ReputationSelfReport")
        .withArgs(org("acme"));
      await expect(as("acme").submitReports(reports([["nobody", 1, 0]])))
        .to.be.revertedWithCustomError(reputation, "ReputationUnknownMember")
        .withArgs(org("nobody"));
      await expect(as("acme").submitReports(reports([["bank", 1, 0], ["bank", 2, 0]])))
        .to.be.revertedWithCustomError(reputation, "ReputationDuplicateReport")
        .withArgs(org("bank"));
      const sorted = reports([["bank", 1, 0], ["grid", 1, 0]]);
      await expect(as("acme").submitReports([sorted[1]!, sorted[0]!]))
        .to.be.revertedWithCustomError(reputation, "ReputationUnsortedReports")
        .withArgs(1);
      await expect(as("acme").submitReports(reports([["bank", 1_000_001, 0]])))
        .to.be.revertedWithCustomError(reputation, "ReputationCountTooLarge")
        .withArgs(org("bank"), 1_000_001, 1_000_000);
      await expect(as("acme").submitReports([])).to.be.revertedWithCustomError(reputation, "ReputationInvalidReportCount").withArgs(0, 256);
      const many = Array.from({ length: 257 }, () => reports([["bank", 1, 0]])[0]!);
      await expect(as("acme").submitReports(many)).to.be.revertedWithCustomError(reputation, "ReputationInvalidReportCount").withArgs(257, 256);
      await setStatus(Kind.SuspendMember, "grid");
      await expect(as("grid").submitReports(reports([["acme", 1, 0]]))).to.be.revertedWithCustomError(reputation, "ReputationNotActiveMember");
      // Reports about a suspended producer are still taken: its past indicators are still out there.
      await expect(as("acme").submitReports(reports([["grid", 0, 1]]))).to.emit(reputation, "ReportSubmitted");
    });
  });

  it("matches the TypeScript reference on random reports, caps, credibilities, voids and parameter changes, and stays within (0, 1)", async function () {
    this.timeout(180_000);
    const name = fc.constantFrom(...ORGS);
    const step = fc.oneof(
      fc.record({ kind: fc.constant("advance" as const), epochs: fc.integer({ min: 1, max: 3 }) }),
      fc.record({ kind: fc.constant("anchor" as const), org: name, indicators: fc.nat(300), sightings: fc.nat(300) }),
      { weight: 3, arbitrary: fc.record({
        kind: fc.constant("report" as const),
        reporter: name,
        reports: fc.uniqueArray(fc.record({ producer: name, confirmations: fc.nat(400), falsePositives: fc.nat(400) }), { minLength: 1, maxLength: 3, selector: (r) => r.producer }),
      }) },
      fc.record({ kind: fc.constant("credibility" as const), org: name, value: fc.bigInt({ min: 0n, max: WAD }) }),
      fc.record({ kind: fc.constant("void" as const), reporter: name, producer: name, back: fc.nat(2) }),
      fc.record({ kind: fc.constant("forgetting" as const), value: fc.bigInt({ min: WAD / 4n, max: WAD }) }),
    );
    await fc.assert(
      fc.asyncProperty(fc.array(step, { minLength: 1, maxLength: 12 }), async (steps) => {
        const { reputation, audit, as, nextEpoch, anchor, governance } = await networkHelpers.loadFixture(reputationFixture);
        const target = await reputation.getAddress();
        const model = new ReputationModel(PARAMETERS);
        const credibility = new Map<string, bigint>();
        for (const s of steps) {
          if (s.kind === "advance") {
            for (let i = 0; i < s.epochs; i++) await nextEpoch();
          } else if (s.kind === "anchor") {
            if (s.indicators + s.sightings > 0) await anchor(s.org, s.indicators, s.sightings);
          } else if (s.kind === "credibility") {
            await governance(target, reputation.interface.encodeFunctionData("setCredibility", [org(s.org), s.value]));
            credibility.set(s.org, s.value);
          } else if (s.kind === "forgetting") {
            const epoch = await reputation.currentEpoch();
            const next = { ...PARAMETERS, forgetting: s.value };
            await governance(target, reputation.interface.encodeFunctionData("setParameters", [next]));
            model.setParameters(next, epoch);
          } else if (s.kind === "void") {
            const epoch = await reputation.currentEpoch();
            const at = epoch >= BigInt(s.back) ? epoch - BigInt(s.back) : 0n;
            await governance(target, reputation.interface.encodeFunctionData("voidReports", [org(s.reporter), at, [org(s.producer)]]));
            model.void(at, s.reporter, s.producer);
          } else {
            const wanted = s.reports.filter((r) => r.producer !== s.reporter);
            const epoch = await reputation.currentEpoch();
            // A voided report cannot be amended: leave those out, as the node would.
            const open = [];
            for (const r of wanted) if (!(await reputation.submittedReport(org(s.reporter), org(r.producer), epoch)).voided) open.push(r);
            if (open.length === 0) continue;
            const start = (await reputation.epochEndsAt()) - PARAMETERS.epochLength;
            const sighted = await audit.sightingsAnchoredSince(org(s.reporter), start > PARAMETERS.epochLength ? start - PARAMETERS.epochLength : 0n);
            const receipt = await (await as(s.reporter).submitReports(reports(open.map((r) => [r.producer, r.confirmations, r.falsePositives])))).wait();
            const submitted = receipt!.logs.map((l) => reputation.interface.parseLog(l)).filter((e) => e?.name === "ReportSubmitted");
            for (const r of open) {
              const [anchored] = await audit.anchoredVolume(org(r.producer));
              const weighed = model.weigh(BigInt(r.confirmations), BigInt(r.falsePositives), { anchored, sighted }, credibility.get(s.reporter) ?? WAD);
              const event = submitted.find((e) => e!.args.producer === org(r.producer))!;
              expect([event.args.confirmations, event.args.falsePositives, event.args.positive, event.args.negative]).to.deep.equal([
                weighed.confirmations,
                weighed.falsePositives,
                weighed.positive,
                weighed.negative,
              ]);
              model.report(epoch, s.reporter, r.producer, weighed);
            }
          }
        }
        const epoch = await reputation.currentEpoch();
        for (const o of ORGS) {
          const onChain = await reputation.reputationOf(org(o));
          const expected = model.reputationOf(o, epoch);
          expect([onChain.reputation, onChain.positive, onChain.negative]).to.deep.equal([expected.reputation, expected.positive, expected.negative]);
          expect(onChain.reputation > 0n && onChain.reputation < WAD).to.equal(true);
        }
      }),
      { numRuns: 40, seed: 20261201 },
    );
  });

  it("invariant: one reporter, and k colluders, move a producer's reputation at most by the stated bound per epoch", async function () {
    this.timeout(240_000);
    const honest = ["bank", "grid", "health"] as const;
    const attackers = ["isp", "jury", "bank"] as const;
    let tried = 0;
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.array(fc.record({ confirmations: fc.nat(500), falsePositives: fc.nat(500) }), { minLength: 3, maxLength: 3 }), { minLength: 0, maxLength: 4 }),
        fc.integer({ min: 1, max: 3 }),
        fc.array(fc.record({ confirmations: fc.nat(1_000_000), falsePositives: fc.nat(1_000_000) }), { minLength: 3, maxLength: 3 }),
        fc.array(fc.record({ confirmations: fc.nat(500), falsePositives: fc.nat(500) }), { minLength: 3, maxLength: 3 }),
        async (history, k, attack, lastHonest) => {
          const { reputation, as, nextEpoch, anchorPlenty } = await networkHelpers.loadFixture(reputationFixture);
          await anchorPlenty();
          const model = new ReputationModel(PARAMETERS);
          const submit = async (reporter: Org, counts: { confirmations: number; falsePositives: number }) => {
            const epoch = await reputation.currentEpoch();
            await as(reporter).submitReports(reports([["acme", counts.confirmations, counts.falsePositives]]));
            const stored = await reputation.submittedReport(org(reporter), org("acme"), epoch);
            return { epoch, positive: stored.positive, negative: stored.negative };
          };
          for (const epochReports of history) {
            await anchorPlenty();
            for (const [i, reporter] of honest.entries()) {
              const r = await submit(reporter, epochReports[i]!);
              model.report(r.epoch, reporter, "acme", { positive: r.positive, negative: r.negative });
            }
            await nextEpoch();
          }
          // The epoch under attack: the honest members report as before, and k others say what they like.
          await anchorPlenty();
          const colluders = attackers.slice(0, k);
          for (const [i, reporter] of honest.entries()) {
            if ((colluders as readonly string[]).includes(reporter)) continue;
            const r = await submit(reporter, lastHonest[i]!);
            model.report(r.epoch, reporter, "acme", { positive: r.positive, negative: r.negative });
          }
          for (const [i, reporter] of colluders.entries()) await submit(reporter, attack[i]!);
          await nextEpoch();
          const epoch = await reputation.currentEpoch();
          const withAttack = await reputation.reputationOf(org("acme"));
          const without = model.reputationOf("acme", epoch);
          const bound = moveBound(BigInt(k) * PARAMETERS.maxReportEvidence, without.positive + without.negative, PARAMETERS);
          const moved = Math.abs(toFraction(withAttack.reputation) - toFraction(without.reputation));
          tried++;
          expect(moved, `k=${k}: moved ${moved}, bound ${bound}`).to.be.at.most(bound + 1e-12);
        },
      ),
      { numRuns: 30, seed: 20261202 },
    );
    expect(tried).to.equal(30);
  });
});
