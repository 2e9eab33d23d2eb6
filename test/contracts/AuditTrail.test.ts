import { TEST_DEPLOYMENT } from "../helpers/deployment.js";
import { expect } from "chai";
import { randomBytes } from "node:crypto";
import { network } from "hardhat";
import { buildIndicator } from "../../node/src/model/validate.js";
import { anchorRoot, buildAuditProof, verifyAuditProof, type AnchorRecord } from "../../node/src/trust/audit-proof.js";
import { headerOf, inclusionProof, openContent, signBatch, type IndicatorBatch } from "../../node/src/wire/batch.js";
import { toHex } from "../../node/src/wire/bytes.js";
import type { AuditTrail } from "../../types/ethers-contracts/index.js";
import { contractHelpers, deployConsortium, Kind } from "./fixtures.js";

const { ethers, networkHelpers } = await network.create();
const { org } = contractHelpers(ethers);

describe("AuditTrail", function () {
  async function auditFixture() {
    const c = await deployConsortium(ethers, ["acme", "bank"]);
    const audit = (await ethers.deployContract("AuditTrail", [await c.registry.getAddress()])) as unknown as AuditTrail;
    return { ...c, audit, acme: audit.connect(c.wallets.acme!), bank: audit.connect(c.wallets.bank!) };
  }
  const root = (seed: number) => ethers.zeroPadValue(ethers.toBeHex(seed), 32);

  it("appends contiguous anchors per org and finds the anchor of any sequence", async function () {
    const { audit, acme, bank } = await networkHelpers.loadFixture(auditFixture);
    expect(await audit.nextSequence(org("acme"))).to.equal(1n);
    await expect(acme.anchor(root(1), 1, 3, 250, 7)).to.emit(audit, "BatchesAnchored").withArgs(org("acme"), 0, root(1), 1, 3, 250, 7);
    await acme.anchor(root(2), 4, 4, 1, 0);
    await acme.anchor(root(3), 5, 10, 6, 10);
    await bank.anchor(root(9), 1, 1, 0, 1);
    expect(await audit.anchorCount(org("acme"))).to.equal(3n);
    expect(await audit.nextSequence(org("acme"))).to.equal(11n);
    for (const [sequence, index] of [[1, 0], [3, 0], [4, 1], [5, 2], [10, 2]] as const) {
      const [found, anchor] = await audit.anchorOf(org("acme"), sequence);
      expect(found).to.equal(BigInt(index));
      expect(anchor.root).to.equal(root(index + 1));
    }
    const anchor = await audit.getAnchor(org("acme"), 2);
    expect([anchor.firstSequence, anchor.lastSequence, anchor.indicatorCount, anchor.sightingCount]).to.deep.equal([5n, 10n, 6n, 10n]);
    expect([anchor.cumulativeIndicators, anchor.cumulativeSightings]).to.deep.equal([257n, 17n]);
    expect(anchor.anchoredAt).to.equal(BigInt(await networkHelpers.time.latest()) - 1n);
    expect(await audit.anchoredVolume(org("acme"))).to.deep.equal([257n, 17n]);
    expect(await audit.anchoredVolume(org("bank"))).to.deep.equal([0n, 1n]);
    expect(await audit.anchoredVolume(org("nobody"))).to.deep.equal([0n, 0n]);
  });

  it("counts the sightings anchored since a time", async function () {
    const { audit, acme } = await networkHelpers.loadFixture(auditFixture);
    expect(await audit.sightingsAnchoredSince(org("acme"), 0)).to.equal(0n);
    await acme.anchor(root(1), 1, 1, 1, 5);
    const first = (await audit.getAnchor(org("acme"), 0)).anchoredAt;
    await networkHelpers.time.increase(100);
    await acme.anchor(root(2), 2, 2, 1, 7);
    const second = (await audit.getAnchor(org("acme"), 1)).anchoredAt;
    await networkHelpers.time.increase(100);
    await acme.anchor(root(3), 3, 3, 0, 11);
    expect(await audit.sightingsAnchoredSince(org("acme"), 0)).to.equal(23n);
    expect(await audit.sightingsAnchoredSince(org("acme"), first)).to.equal(23n);
    expect(await audit.sightingsAnchoredSince(org("acme"), first + 1n)).to.equal(18n);
    expect(await audit.sightingsAnchoredSince(org("acme"), second)).to.equal(18n);
    expect(await audit.sightingsAnchoredSince(org("acme"), second + 1n)).to.equal(11n);
    expect(await audit.sightingsAnchoredSince(org("acme"), second + 1000n)).to.equal(0n);
  });

  it("refuses gaps, bad ranges, impossible counts, empty roots, non-members, suspended and removed members, and unknown anchors", async function () {
    const { audit, acme, outsider, setStatus } = await networkHelpers.loadFixture(auditFixture);
    await expect(acme.anchor(root(1), 2, 3, 2, 0)).to.be.revertedWithCustomError(audit, "AuditTrailSequenceGap").withArgs(org("acme"), 1, 2);
    await expect(acme.anchor(root(1), 1, 0, 1, 0)).to.be.revertedWithCustomError(audit, "AuditTrailInvalidRange").withArgs(1, 0);
    await expect(acme.anchor(root(1), 1, 100_001, 100_001, 0)).to.be.revertedWithCustomError(audit, "AuditTrailInvalidRange").withArgs(1, 100_001);
    // Three batches hold 3 to 3,000 statements.
    await expect(acme.anchor(root(1), 1, 3, 1, 1)).to.be.revertedWithCustomError(audit, "AuditTrailInvalidCounts").withArgs(1, 1);
    await expect(acme.anchor(root(1), 1, 3, 3000, 1)).to.be.revertedWithCustomError(audit, "AuditTrailInvalidCounts").withArgs(3000, 1);
    await expect(acme.anchor(ethers.ZeroHash, 1, 1, 1, 0)).to.be.revertedWithCustomError(audit, "AuditTrailEmptyRoot");
    await expect(audit.connect(outsider).anchor(root(1), 1, 1, 1, 0)).to.be.revertedWithCustomError(audit, "AuditTrailNotMember").withArgs(outsider.address);
    await expect(audit.getAnchor(org("acme"), 0)).to.be.revertedWithCustomError(audit, "AuditTrailUnknownAnchor").withArgs(org("acme"), 0);
    await expect(audit.anchorOf(org("acme"), 1)).to.be.revertedWithCustomError(audit, "AuditTrailSequenceNotAnchored").withArgs(org("acme"), 1);
    await acme.anchor(root(1), 1, 2, 2, 0);
    await expect(audit.anchorOf(org("acme"), 3)).to.be.revertedWithCustomError(audit, "AuditTrailSequenceNotAnchored").withArgs(org("acme"), 3);
    // A suspended member's wallet may be the stolen part: it anchors nothing until reinstated.
    await setStatus(Kind.SuspendMember, "acme");
    await expect(acme.anchor(root(2), 3, 3, 1, 0)).to.be.revertedWithCustomError(audit, "AuditTrailNotMember");
    await setStatus(Kind.ReinstateMember, "acme");
    await expect(acme.anchor(root(2), 3, 3, 1, 0)).to.emit(audit, "BatchesAnchored");
    await setStatus(Kind.RemoveMember, "acme");
    await expect(acme.anchor(root(3), 4, 4, 1, 0)).to.be.revertedWithCustomError(audit, "AuditTrailNotMember");
  });

  it("proves that an org published an indicator before the anchor's block time; a forged proof fails", async function () {
    const { audit, acme } = await networkHelpers.loadFixture(auditFixture);
    const secret = randomBytes(32);
    const now = Date.now();
    const batches: IndicatorBatch[] = [];
    for (let sequence = 1; sequence <= 5; sequence++) {
      const indicators = [1, 2, 3].map((i) => buildIndicator({ type: "domain", value: `b${sequence}-i${i}.example` }, { producer: "acme", now }));
      batches.push(signBatch({ deployment: TEST_DEPLOYMENT, producer: "acme", sequence, createdAt: now, group: 0, indicators }, secret).batch);
    }
    const headers = batches.map(headerOf);
    await acme.anchor(`0x${toHex(anchorRoot(headers))}`, 1, 5, 15, 0);
    const raw = await audit.getAnchor(org("acme"), 0);
    const onChain: AnchorRecord = {
      index: 0,
      root: ethers.getBytes(raw.root),
      firstSequence: Number(raw.firstSequence),
      lastSequence: Number(raw.lastSequence),
      anchoredAt: Number(raw.anchoredAt) * 1000,
      blockNumber: Number(raw.blockNumber),
    };
    const batch = batches[3]!;
    const inclusion = inclusionProof(batch, openContent(batch), 2);
    const proof = buildAuditProof({
      indicator: inclusion.indicator,
      salt: inclusion.salt,
      indicatorProof: inclusion.proof,
      header: headerOf(batch),
      signature: batch.signature,
      anchor: onChain,
      anchoredHeaders: headers,
    });
    const verdict = verifyAuditProof(proof, onChain);
    expect(verdict).to.deep.equal({ valid: true, problems: [], publishedBefore: onChain.anchoredAt });

    const forgeries = [
      { ...proof, indicator: { ...proof.indicator, value: "b4-i9.example" } },
      { ...proof, indicator: { ...proof.indicator, confidence: 99 } },
      { ...proof, header: { ...proof.header, createdAt: proof.header.createdAt - 86_400_000 } },
      { ...proof, signature: new Uint8Array(64) },
      { ...proof, org: "bank", indicator: { ...proof.indicator, producer: "bank" }, header: { ...proof.header, producer: "bank" } },
      { ...proof, anchor: { ...proof.anchor, anchoredAt: proof.anchor.anchoredAt - 86_400_000 } },
      { ...proof, batchProof: { ...proof.batchProof, index: 2 } },
    ];
    for (const forged of forgeries) {
      const result = verifyAuditProof(forged, onChain);
      expect(result.valid, JSON.stringify(result.problems)).to.equal(false);
      expect(result.publishedBefore).to.equal(undefined);
    }
    expect(verifyAuditProof(proof, undefined).valid).to.equal(false);
  });
});
