import { expect } from "chai";
import { network } from "hardhat";
import type { ConsortiumRegistry } from "../../types/ethers-contracts/index.js";
import { NodeIdentity } from "../../node/src/identity/identity.js";
import { isUsableEncryptionKey, isUsableSigningKey } from "../../node/src/wire/key-checks.js";
import { contractHelpers, DAY, Kind, SMALL_ORDER_ED25519_ENCODINGS, SMALL_ORDER_X25519_ENCODINGS, Status, type Signer } from "./fixtures.js";

const { ethers, networkHelpers } = await network.create();

const { signers, org, key, peer, admission, passProposal } = contractHelpers(ethers);
const SMALL_ORDER_ED25519 = SMALL_ORDER_ED25519_ENCODINGS[2]!;

describe("ConsortiumRegistry", function () {
  /** Three admins with threshold 2, and two signers that will become member wallets. */
  async function deployFixture() {
    const [a1, a2, a3, w1, w2, outsider] = await signers();
    const registry = (await ethers.deployContract("ConsortiumRegistry", [
      [a1.address, a2.address, a3.address],
      2,
      7 * DAY,
    ])) as unknown as ConsortiumRegistry;
    return { registry, a1, a2, a3, w1, w2, outsider };
  }

  /** The deployment plus one admitted member ("acme") whose wallet is w1. */
  async function withMemberFixture() {
    const f = await deployFixture();
    const { registry, a1, a2, w1 } = f;
    await registry.connect(a1).proposeAdmitMember(admission("acme", w1.address));
    await registry.connect(a2).approve(0);
    await registry.connect(a2).execute(0);
    return f;
  }

  describe("deployment", function () {
    it("records admins, threshold and lifetime and emits their events", async function () {
      const { registry, a1, a2, a3 } = await networkHelpers.loadFixture(deployFixture);
      expect(await registry.admins()).to.deep.equal([a1.address, a2.address, a3.address]);
      expect(await registry.threshold()).to.equal(2n);
      expect(await registry.proposalLifetime()).to.equal(BigInt(7 * DAY));
      expect(await registry.isAdmin(a3.address)).to.equal(true);
      const tx = registry.deploymentTransaction();
      await expect(tx).to.emit(registry, "AdminAdded").withArgs(a1.address);
      await expect(tx).to.emit(registry, "ThresholdChanged").withArgs(0, 2);
    });

    it("rejects a zero admin, a duplicate admin, a bad threshold and a short lifetime", async function () {
      const [a1, a2] = await signers();
      const factory = await ethers.getContractFactory("ConsortiumRegistry");
      await expect(factory.deploy([ethers.ZeroAddress], 1, DAY))
        .to.be.revertedWithCustomError(factory, "ConsortiumRegistryInvalidField")
        .withArgs("admin");
      await expect(factory.deploy([a1.address, a1.address], 1, DAY))
        .to.be.revertedWithCustomError(factory, "ConsortiumRegistryAdminExists")
        .withArgs(a1.address);
      await expect(factory.deploy([a1.address, a2.address], 3, DAY))
        .to.be.revertedWithCustomError(factory, "ConsortiumRegistryInvalidThreshold")
        .withArgs(3, 2);
      await expect(factory.deploy([a1.address], 0, DAY))
        .to.be.revertedWithCustomError(factory, "ConsortiumRegistryInvalidThreshold")
        .withArgs(0, 1);
      await expect(factory.deploy([a1.address], 1, 60))
        .to.be.revertedWithCustomError(factory, "ConsortiumRegistryInvalidLifetime")
        .withArgs(60);
    });
  });

  describe("proposals", function () {
    it("counts the proposer's approval and needs M approvals before execution", async function () {
      const { registry, a1, a2, w1 } = await networkHelpers.loadFixture(deployFixture);
      await expect(registry.connect(a1).proposeAdmitMember(admission("acme", w1.address)))
        .to.emit(registry, "ProposalCreated")
        .and.to.emit(registry, "ProposalApproved")
        .withArgs(0, a1.address);
      expect(await registry.approvalCount(0)).to.equal(1n);
      expect(await registry.hasApproved(0, a1.address)).to.equal(true);
      await expect(registry.connect(a1).execute(0))
        .to.be.revertedWithCustomError(registry, "ConsortiumRegistryThresholdNotMet")
        .withArgs(0, 1, 2);
      await expect(registry.connect(a2).approve(0)).to.emit(registry, "ProposalApproved").withArgs(0, a2.address);
      await expect(registry.connect(a2).execute(0))
        .to.emit(registry, "ProposalExecuted")
        .withArgs(0, Kind.AdmitMember)
        .and.to.emit(registry, "MemberAdmitted");
      const proposal = await registry.getProposal(0);
      expect(proposal.executed).to.equal(true);
      expect(proposal.proposer).to.equal(a1.address);
    });

    it("refuses non-admins on every governance entry point", async function () {
      const { registry, outsider, w1 } = await networkHelpers.loadFixture(deployFixture);
      const calls = [
        () => registry.connect(outsider).proposeAdmitMember(admission("x", w1.address)),
        () => registry.connect(outsider).proposeMemberStatus(Kind.SuspendMember, org("x")),
        () => registry.connect(outsider).proposeAdminChange(Kind.AddAdmin, outsider.address, 2),
        () => registry.connect(outsider).proposeThreshold(1),
        () => registry.connect(outsider).approve(0),
        () => registry.connect(outsider).execute(0),
      ];
      for (const call of calls) {
        await expect(call())
          .to.be.revertedWithCustomError(registry, "ConsortiumRegistryNotAdmin")
          .withArgs(outsider.address);
      }
    });

    it("lets nobody approve twice", async function () {
      const { registry, a1, w1 } = await networkHelpers.loadFixture(deployFixture);
      await registry.connect(a1).proposeAdmitMember(admission("acme", w1.address));
      await expect(registry.connect(a1).approve(0))
        .to.be.revertedWithCustomError(registry, "ConsortiumRegistryAlreadyApproved")
        .withArgs(0, a1.address);
    });

    it("rejects unknown, executed and expired proposals", async function () {
      const { registry, a1, a2, a3, w1, w2 } = await networkHelpers.loadFixture(deployFixture);
      await expect(registry.connect(a1).approve(9))
        .to.be.revertedWithCustomError(registry, "ConsortiumRegistryUnknownProposal")
        .withArgs(9);
      await expect(registry.getProposal(9)).to.be.revertedWithCustomError(registry, "ConsortiumRegistryUnknownProposal");
      await expect(registry.approvalCount(9)).to.be.revertedWithCustomError(registry, "ConsortiumRegistryUnknownProposal");
      await expect(registry.hasApproved(9, a1.address)).to.be.revertedWithCustomError(
        registry,
        "ConsortiumRegistryUnknownProposal",
      );

      await registry.connect(a1).proposeAdmitMember(admission("acme", w1.address));
      await registry.connect(a2).approve(0);
      await registry.connect(a1).execute(0);
      await expect(registry.connect(a3).approve(0))
        .to.be.revertedWithCustomError(registry, "ConsortiumRegistryProposalAlreadyExecuted")
        .withArgs(0);
      await expect(registry.connect(a3).execute(0))
        .to.be.revertedWithCustomError(registry, "ConsortiumRegistryProposalAlreadyExecuted")
        .withArgs(0);

      await registry.connect(a1).proposeAdmitMember(admission("beta", w2.address));
      const { expiresAt } = await registry.getProposal(1);
      await networkHelpers.time.increaseTo(expiresAt + 1n);
      await expect(registry.connect(a2).approve(1))
        .to.be.revertedWithCustomError(registry, "ConsortiumRegistryProposalExpired")
        .withArgs(1, expiresAt);
      await expect(registry.connect(a1).execute(1))
        .to.be.revertedWithCustomError(registry, "ConsortiumRegistryProposalExpired")
        .withArgs(1, expiresAt);
    });

    it("executes at the last second before expiry", async function () {
      const { registry, a1, a2, w1 } = await networkHelpers.loadFixture(deployFixture);
      await registry.connect(a1).proposeAdmitMember(admission("acme", w1.address));
      await registry.connect(a2).approve(0);
      const { expiresAt } = await registry.getProposal(0);
      await networkHelpers.time.setNextBlockTimestamp(expiresAt);
      await expect(registry.connect(a1).execute(0)).to.emit(registry, "ProposalExecuted");
    });

    it("stops counting the approval of an admin removed while the proposal is pending", async function () {
      const { registry, a1, a2, a3, w1 } = await networkHelpers.loadFixture(deployFixture);
      // a3 approves an admission, then a3 is removed before it executes.
      await registry.connect(a3).proposeAdmitMember(admission("acme", w1.address));
      await passProposal(registry, { a1, a2 }, () => registry.connect(a1).proposeThreshold(1));
      await passProposal(registry, { a1, a2 }, () => registry.connect(a1).proposeThreshold(2));
      await registry.connect(a1).proposeAdminChange(Kind.RemoveAdmin, a3.address, 2);
      await registry.connect(a2).approve(3);
      // Removing a3 would leave 2 admins with threshold 2: allowed.
      await expect(registry.connect(a1).execute(3)).to.emit(registry, "AdminRemoved").withArgs(a3.address);
      expect(await registry.approvalCount(0)).to.equal(0n);
      await registry.connect(a1).approve(0);
      await expect(registry.connect(a1).execute(0))
        .to.be.revertedWithCustomError(registry, "ConsortiumRegistryThresholdNotMet")
        .withArgs(0, 1, 2);
      await registry.connect(a2).approve(0);
      await expect(registry.connect(a2).execute(0)).to.emit(registry, "MemberAdmitted");
    });

    it("with M = 1 a single admin acts alone", async function () {
      const [a1, w1] = await signers();
      const registry = (await ethers.deployContract("ConsortiumRegistry", [
        [a1.address],
        1,
        DAY,
      ])) as unknown as ConsortiumRegistry;
      await registry.proposeAdmitMember(admission("solo", w1.address));
      await expect(registry.execute(0)).to.emit(registry, "MemberAdmitted");
      expect(await registry.isActive(org("solo"))).to.equal(true);
    });

    it("with M = N for two admins both must approve; from three admins on M = N is refused (one lost key would brick governance)", async function () {
      const [a1, a2, w1] = await signers();
      const pair = (await ethers.deployContract("ConsortiumRegistry", [[a1.address, a2.address], 2, DAY])) as unknown as ConsortiumRegistry;
      await pair.connect(a1).proposeAdmitMember(admission("acme", w1.address));
      await expect(pair.connect(a1).execute(0)).to.be.revertedWithCustomError(pair, "ConsortiumRegistryThresholdNotMet").withArgs(0, 1, 2);
      await pair.connect(a2).approve(0);
      await expect(pair.connect(a1).execute(0)).to.emit(pair, "MemberAdmitted");

      const { registry } = await networkHelpers.loadFixture(deployFixture);
      await expect(registry.connect(a1).proposeThreshold(3)).to.be.revertedWithCustomError(registry, "ConsortiumRegistryInvalidThreshold").withArgs(3, 3);
      const factory = await ethers.getContractFactory("ConsortiumRegistry");
      const [, , a3] = await signers();
      await expect(factory.deploy([a1.address, a2.address, a3.address], 3, DAY)).to.be.revertedWithCustomError(factory, "ConsortiumRegistryInvalidThreshold").withArgs(3, 3);
    });
  });

  describe("cancelling, revoking, duplicates and stale proposals", function () {
    it("lets the proposer cancel a proposal even once it has enough approvals, and nobody else while the proposer is an admin", async function () {
      const { registry, a1, a2, a3, w1 } = await networkHelpers.loadFixture(deployFixture);
      await registry.connect(a1).proposeAdmitMember(admission("acme", w1.address));
      await registry.connect(a2).approve(0);
      await expect(registry.connect(a2).cancel(0)).to.be.revertedWithCustomError(registry, "ConsortiumRegistryNotProposer").withArgs(0, a2.address);
      await expect(registry.connect(a1).cancel(0)).to.emit(registry, "ProposalCancelled").withArgs(0, a1.address);
      expect((await registry.getProposal(0)).cancelled).to.equal(true);
      expect(await registry.isPending(0)).to.equal(false);
      await expect(registry.connect(a3).approve(0)).to.be.revertedWithCustomError(registry, "ConsortiumRegistryProposalCancelled").withArgs(0);
      await expect(registry.connect(a2).execute(0)).to.be.revertedWithCustomError(registry, "ConsortiumRegistryProposalCancelled").withArgs(0);
      await expect(registry.connect(a1).cancel(0)).to.be.revertedWithCustomError(registry, "ConsortiumRegistryProposalCancelled").withArgs(0);
    });

    it("lets any admin cancel a proposal whose proposer is no longer an admin, and nothing executed can be cancelled", async function () {
      const { registry, a1, a2, a3, w1 } = await networkHelpers.loadFixture(deployFixture);
      await registry.connect(a3).proposeAdmitMember(admission("acme", w1.address)); // 0, by a3
      await passProposal(registry, { a1, a2 }, () => registry.connect(a1).proposeAdminChange(Kind.RemoveAdmin, a3.address, 2)); // 1
      await expect(registry.connect(a2).cancel(0)).to.emit(registry, "ProposalCancelled").withArgs(0, a2.address);
      await expect(registry.connect(a1).cancel(1)).to.be.revertedWithCustomError(registry, "ConsortiumRegistryProposalAlreadyExecuted").withArgs(1);
    });

    it("lets an admin withdraw its approval, which then no longer counts", async function () {
      const { registry, a1, a2, a3, w1 } = await networkHelpers.loadFixture(deployFixture);
      await registry.connect(a1).proposeAdmitMember(admission("acme", w1.address));
      await registry.connect(a2).approve(0);
      await expect(registry.connect(a2).revokeApproval(0)).to.emit(registry, "ApprovalRevoked").withArgs(0, a2.address);
      expect(await registry.approvalCount(0)).to.equal(1n);
      expect(await registry.hasApproved(0, a2.address)).to.equal(false);
      await expect(registry.connect(a1).execute(0)).to.be.revertedWithCustomError(registry, "ConsortiumRegistryThresholdNotMet").withArgs(0, 1, 2);
      await expect(registry.connect(a3).revokeApproval(0)).to.be.revertedWithCustomError(registry, "ConsortiumRegistryNotApproved").withArgs(0, a3.address);
      // Approving again after withdrawing is a fresh approval.
      await registry.connect(a2).approve(0);
      await expect(registry.connect(a1).execute(0)).to.emit(registry, "MemberAdmitted");
    });

    it("refuses a second pending proposal of the same action, and allows it once the first is cancelled, executed or expired", async function () {
      const { registry, a1, a2, a3 } = await networkHelpers.loadFixture(withMemberFixture);
      const acme = org("acme");
      await registry.connect(a1).proposeMemberStatus(Kind.SuspendMember, acme); // 1
      await expect(registry.connect(a3).proposeMemberStatus(Kind.SuspendMember, acme))
        .to.be.revertedWithCustomError(registry, "ConsortiumRegistryDuplicateProposal")
        .withArgs(1);
      await registry.connect(a1).cancel(1);
      await registry.connect(a3).proposeMemberStatus(Kind.SuspendMember, acme); // 2
      const { expiresAt } = await registry.getProposal(2);
      await networkHelpers.time.increaseTo(expiresAt + 1n);
      await registry.connect(a2).proposeMemberStatus(Kind.SuspendMember, acme); // 3
      await registry.connect(a1).approve(3);
      await registry.connect(a1).execute(3);
      await registry.connect(a1).proposeMemberStatus(Kind.ReinstateMember, acme); // 4
      expect(await registry.proposalCount()).to.equal(5n);
    });

    it("refuses to execute a proposal made against a state that has changed since (a leftover approval cannot act later)", async function () {
      const { registry, a1, a2, a3, w2 } = await networkHelpers.loadFixture(withMemberFixture);
      const acme = org("acme");
      await passProposal(registry, { a1, a2 }, () => registry.connect(a1).proposeMemberStatus(Kind.SuspendMember, acme)); // 1
      await registry.connect(a1).proposeMemberStatus(Kind.ReinstateMember, acme); // 2, approved but left waiting
      await registry.connect(a2).approve(2);
      // Meanwhile governance recovers the member's wallet: its state moves on.
      await passProposal(registry, { a1, a2 }, () => registry.connect(a1).proposeReplaceWallet(acme, w2.address, key("sign-new"), key("enc-new"))); // 3
      await expect(registry.connect(a3).execute(2)).to.be.revertedWithCustomError(registry, "ConsortiumRegistryProposalStale").withArgs(2);
      expect(await registry.isActive(acme)).to.equal(false);
      // A fresh decision, made against the state of now, runs.
      await passProposal(registry, { a1, a2 }, () => registry.connect(a1).proposeMemberStatus(Kind.ReinstateMember, acme));
      expect(await registry.isActive(acme)).to.equal(true);
    });

    it("binds admin and threshold changes to the admin set they were proposed for", async function () {
      const { registry, a1, a2, outsider } = await networkHelpers.loadFixture(deployFixture);
      await registry.connect(a1).proposeThreshold(1); // 0
      await registry.connect(a2).approve(0);
      await passProposal(registry, { a1, a2 }, () => registry.connect(a1).proposeAdminChange(Kind.AddAdmin, outsider.address, 2)); // 1
      await expect(registry.connect(a1).execute(0)).to.be.revertedWithCustomError(registry, "ConsortiumRegistryProposalStale").withArgs(0);
      expect(await registry.adminNonce()).to.equal(1n);
    });

    it("does not count the old approval of an admin removed and added again", async function () {
      const { registry, a1, a2, a3, w1 } = await networkHelpers.loadFixture(deployFixture);
      await registry.connect(a3).proposeAdmitMember(admission("acme", w1.address)); // 0: a3's approval
      await passProposal(registry, { a1, a2 }, () => registry.connect(a1).proposeAdminChange(Kind.RemoveAdmin, a3.address, 2)); // 1
      await passProposal(registry, { a1, a2 }, () => registry.connect(a1).proposeAdminChange(Kind.AddAdmin, a3.address, 2)); // 2
      expect(await registry.isAdmin(a3.address)).to.equal(true);
      expect(await registry.approvalCount(0)).to.equal(0n);
      expect(await registry.hasApproved(0, a3.address)).to.equal(false);
      await registry.connect(a1).approve(0);
      await expect(registry.connect(a1).execute(0)).to.be.revertedWithCustomError(registry, "ConsortiumRegistryThresholdNotMet").withArgs(0, 1, 2);
      // As the admin it is now, a3 may approve again.
      await expect(registry.connect(a3).approve(0)).to.emit(registry, "ProposalApproved").withArgs(0, a3.address);
      await expect(registry.connect(a1).execute(0)).to.emit(registry, "MemberAdmitted");
    });
  });

  describe("reservations", function () {
    it("reserves a pending admission's org id, wallet, signing key and peer id, so that no member can claim them first", async function () {
      const { registry, a1, a2, w1, w2 } = await networkHelpers.loadFixture(withMemberFixture);
      const beta = admission("beta", w2.address);
      await registry.connect(a1).proposeAdmitMember(beta); // 1
      await expect(registry.connect(w1).rotateKeys(beta.signingKey, key("enc-x")))
        .to.be.revertedWithCustomError(registry, "ConsortiumRegistryReserved")
        .withArgs("signingKey", 1);
      await expect(registry.connect(w1).updateNode(beta.peerId, [])).to.be.revertedWithCustomError(registry, "ConsortiumRegistryReserved").withArgs("peerId", 1);
      await expect(registry.connect(a2).proposeAdmitMember({ ...admission("beta", w1.address), wallet: ethers.Wallet.createRandom().address, signingKey: key("s2"), peerId: peer("p2") }))
        .to.be.revertedWithCustomError(registry, "ConsortiumRegistryReserved")
        .withArgs("orgId", 1);
      await expect(registry.connect(a2).proposeAdmitMember({ ...admission("gamma", w2.address), signingKey: key("s3"), peerId: peer("p3") }))
        .to.be.revertedWithCustomError(registry, "ConsortiumRegistryReserved")
        .withArgs("wallet", 1);
      await registry.connect(a2).approve(1);
      await expect(registry.connect(a1).execute(1)).to.emit(registry, "MemberAdmitted");
    });

    it("releases the reservations of a cancelled or expired admission", async function () {
      const { registry, a1, w1, w2 } = await networkHelpers.loadFixture(withMemberFixture);
      const beta = admission("beta", w2.address);
      await registry.connect(a1).proposeAdmitMember(beta);
      await registry.connect(a1).cancel(1);
      await expect(registry.connect(w1).rotateKeys(beta.signingKey, key("enc-x"))).to.emit(registry, "MemberKeysRotated");
    });
  });

  describe("wallet replacement", function () {
    it("replaces a suspended member's wallet and keys through governance; the old wallet can do nothing more", async function () {
      const { registry, a1, a2, w1, w2 } = await networkHelpers.loadFixture(withMemberFixture);
      const acme = org("acme");
      await passProposal(registry, { a1, a2 }, () => registry.connect(a1).proposeMemberStatus(Kind.SuspendMember, acme));
      await registry.connect(a1).proposeReplaceWallet(acme, w2.address, key("sign-new"), key("enc-new")); // 2
      await registry.connect(a2).approve(2);
      await expect(registry.connect(a1).execute(2))
        .to.emit(registry, "MemberWalletReplaced")
        .withArgs(acme, w1.address, w2.address)
        .and.to.emit(registry, "MemberKeysRotated")
        .withArgs(acme, key("sign-acme"), key("sign-new"), key("enc-new"));
      const [oldOrg] = await registry.orgOf(w1.address);
      expect(oldOrg).to.equal(ethers.ZeroHash);
      expect((await registry.orgOf(w2.address))[0]).to.equal(acme);
      expect((await registry.getMember(acme)).wallet).to.equal(w2.address);
      expect((await registry.memberBySigningKey(key("sign-new"))).orgId).to.equal(acme);
      await expect(registry.memberBySigningKey(key("sign-acme"))).to.be.revertedWithCustomError(registry, "ConsortiumRegistryUnknownMember");
      await expect(registry.connect(w1).rotateKeys(key("a"), key("b"))).to.be.revertedWithCustomError(registry, "ConsortiumRegistryNotMember").withArgs(w1.address);
      // Reinstated, the member acts with its new wallet.
      await passProposal(registry, { a1, a2 }, () => registry.connect(a1).proposeMemberStatus(Kind.ReinstateMember, acme));
      await expect(registry.connect(w2).updateNode(peer("acme-new"), [])).to.emit(registry, "MemberNodeUpdated");
    });

    it("keeps the keys when the replacement names none, and refuses bad replacements", async function () {
      const { registry, a1, a2, w1, w2, outsider } = await networkHelpers.loadFixture(withMemberFixture);
      const acme = org("acme");
      await expect(registry.connect(a1).proposeReplaceWallet(org("ghost"), w2.address, ethers.ZeroHash, ethers.ZeroHash))
        .to.be.revertedWithCustomError(registry, "ConsortiumRegistryUnknownMember")
        .withArgs(org("ghost"));
      await expect(registry.connect(a1).proposeReplaceWallet(acme, ethers.ZeroAddress, ethers.ZeroHash, ethers.ZeroHash))
        .to.be.revertedWithCustomError(registry, "ConsortiumRegistryInvalidField")
        .withArgs("wallet");
      await expect(registry.connect(a1).proposeReplaceWallet(acme, w1.address, ethers.ZeroHash, ethers.ZeroHash))
        .to.be.revertedWithCustomError(registry, "ConsortiumRegistryWalletInUse")
        .withArgs(w1.address);
      await expect(registry.connect(a1).proposeReplaceWallet(acme, w2.address, SMALL_ORDER_ED25519, ethers.ZeroHash))
        .to.be.revertedWithCustomError(registry, "ConsortiumRegistryUnusableKey")
        .withArgs("signingKey");
      await expect(registry.connect(outsider).proposeReplaceWallet(acme, w2.address, ethers.ZeroHash, ethers.ZeroHash)).to.be.revertedWithCustomError(registry, "ConsortiumRegistryNotAdmin");
      await passProposal(registry, { a1, a2 }, () => registry.connect(a1).proposeReplaceWallet(acme, w2.address, ethers.ZeroHash, ethers.ZeroHash));
      const member = await registry.getMember(acme);
      expect([member.wallet, member.signingKey, member.encryptionKey]).to.deep.equal([w2.address, key("sign-acme"), key("enc-acme")]);
      await passProposal(registry, { a1, a2 }, () => registry.connect(a1).proposeMemberStatus(Kind.RemoveMember, acme));
      await expect(registry.connect(a1).proposeReplaceWallet(acme, outsider.address, ethers.ZeroHash, ethers.ZeroHash))
        .to.be.revertedWithCustomError(registry, "ConsortiumRegistryInvalidStatus")
        .withArgs(acme, Status.Removed);
    });
  });

  describe("keys of small order", function () {
    it("refuses every small-order ed25519 and X25519 encoding, at admission, rotation and replacement", async function () {
      const { registry, a1, w1, w2 } = await networkHelpers.loadFixture(withMemberFixture);
      for (const bad of SMALL_ORDER_ED25519_ENCODINGS) {
        await expect(registry.connect(a1).proposeAdmitMember({ ...admission("beta", w2.address), signingKey: bad }))
          .to.be.revertedWithCustomError(registry, bad === ethers.ZeroHash ? "ConsortiumRegistryInvalidField" : "ConsortiumRegistryUnusableKey")
          .withArgs("signingKey");
        await expect(registry.connect(w1).rotateKeys(bad, key("enc")))
          .to.be.revertedWithCustomError(registry, bad === ethers.ZeroHash ? "ConsortiumRegistryInvalidField" : "ConsortiumRegistryUnusableKey")
          .withArgs("signingKey");
      }
      for (const bad of SMALL_ORDER_X25519_ENCODINGS) {
        await expect(registry.connect(a1).proposeAdmitMember({ ...admission("beta", w2.address), encryptionKey: bad }))
          .to.be.revertedWithCustomError(registry, bad === ethers.ZeroHash ? "ConsortiumRegistryInvalidField" : "ConsortiumRegistryUnusableKey")
          .withArgs("encryptionKey");
        await expect(registry.connect(w1).rotateKeys(key("s"), bad))
          .to.be.revertedWithCustomError(registry, bad === ethers.ZeroHash ? "ConsortiumRegistryInvalidField" : "ConsortiumRegistryUnusableKey")
          .withArgs("encryptionKey");
        if (bad !== ethers.ZeroHash) {
          await expect(registry.connect(a1).proposeReplaceWallet(org("acme"), w2.address, ethers.ZeroHash, bad))
            .to.be.revertedWithCustomError(registry, "ConsortiumRegistryUnusableKey")
            .withArgs("encryptionKey");
        }
      }
    });

    it("matches the node's own small-order check on every blocked encoding, and accepts real keys", async function () {
      for (const bad of SMALL_ORDER_ED25519_ENCODINGS) expect(isUsableSigningKey(ethers.getBytes(bad)), bad).to.equal(false);
      for (const bad of SMALL_ORDER_X25519_ENCODINGS) expect(isUsableEncryptionKey(ethers.getBytes(bad)), bad).to.equal(false);
      const { registry, a1, w2 } = await networkHelpers.loadFixture(withMemberFixture);
      const identity = await NodeIdentity.generate("real");
      expect(isUsableSigningKey(identity.signingKey)).to.equal(true);
      expect(isUsableEncryptionKey(identity.encryptionKey)).to.equal(true);
      await expect(registry.connect(a1).proposeAdmitMember({ ...admission("real", w2.address), signingKey: ethers.hexlify(identity.signingKey), encryptionKey: ethers.hexlify(identity.encryptionKey) })).to.emit(
        registry,
        "ProposalCreated",
      );
    });
  });

  describe("admins and threshold", function () {
    it("adds and removes admins through proposals, each stating the threshold that applies after it", async function () {
      const { registry, a1, a2, outsider } = await networkHelpers.loadFixture(deployFixture);
      await registry.connect(a1).proposeAdminChange(Kind.AddAdmin, outsider.address, 3);
      await registry.connect(a2).approve(0);
      await expect(registry.connect(a1).execute(0)).to.emit(registry, "AdminAdded").withArgs(outsider.address).and.to.emit(registry, "ThresholdChanged").withArgs(2, 3);
      expect(await registry.isAdmin(outsider.address)).to.equal(true);
      expect(await registry.threshold()).to.equal(3n);

      await registry.connect(a1).proposeAdminChange(Kind.RemoveAdmin, outsider.address, 2);
      await registry.connect(outsider).approve(1);
      await expect(registry.connect(a1).execute(1)).to.be.revertedWithCustomError(registry, "ConsortiumRegistryThresholdNotMet").withArgs(1, 2, 3);
      await registry.connect(a2).approve(1);
      await expect(registry.connect(a1).execute(1)).to.emit(registry, "AdminRemoved").withArgs(outsider.address).and.to.emit(registry, "ThresholdChanged").withArgs(3, 2);
      expect(await registry.isAdmin(outsider.address)).to.equal(false);
    });

    it("keeps the threshold an admin change names, even when it leaves it unchanged (the dilution is the approvers' choice)", async function () {
      const { registry, a1, a2, outsider } = await networkHelpers.loadFixture(deployFixture);
      await passProposal(registry, { a1, a2 }, () => registry.connect(a1).proposeAdminChange(Kind.AddAdmin, outsider.address, 2));
      expect([await registry.threshold(), BigInt((await registry.admins()).length)]).to.deep.equal([2n, 4n]);
      const [proposal] = await registry.queryFilter(registry.filters.ProposalCreated(0));
      expect(ethers.AbiCoder.defaultAbiCoder().decode(["address", "uint256"], proposal!.args.data)).to.deep.equal([outsider.address, 2n]);
    });

    it("rejects invalid admin changes", async function () {
      const { registry, a1, a2, outsider } = await networkHelpers.loadFixture(deployFixture);
      await expect(registry.connect(a1).proposeAdminChange(Kind.AddAdmin, a2.address, 2))
        .to.be.revertedWithCustomError(registry, "ConsortiumRegistryAdminExists")
        .withArgs(a2.address);
      await expect(registry.connect(a1).proposeAdminChange(Kind.AddAdmin, ethers.ZeroAddress, 2))
        .to.be.revertedWithCustomError(registry, "ConsortiumRegistryInvalidField")
        .withArgs("admin");
      await expect(registry.connect(a1).proposeAdminChange(Kind.RemoveAdmin, outsider.address, 2))
        .to.be.revertedWithCustomError(registry, "ConsortiumRegistryUnknownAdmin")
        .withArgs(outsider.address);
      await expect(registry.connect(a1).proposeAdminChange(Kind.ChangeThreshold, outsider.address, 2))
        .to.be.revertedWithCustomError(registry, "ConsortiumRegistryInvalidField")
        .withArgs("kind");
      await expect(registry.connect(a1).proposeAdminChange(Kind.AddAdmin, outsider.address, 4))
        .to.be.revertedWithCustomError(registry, "ConsortiumRegistryInvalidThreshold")
        .withArgs(4, 4);
      await expect(registry.connect(a1).proposeAdminChange(Kind.RemoveAdmin, a2.address, 3))
        .to.be.revertedWithCustomError(registry, "ConsortiumRegistryInvalidThreshold")
        .withArgs(3, 2);
    });

    it("never lets the threshold exceed the number of admins, nor equal it from three admins on", async function () {
      const { registry, a1 } = await networkHelpers.loadFixture(deployFixture);
      await expect(registry.connect(a1).proposeThreshold(4))
        .to.be.revertedWithCustomError(registry, "ConsortiumRegistryInvalidThreshold")
        .withArgs(4, 3);
      await expect(registry.connect(a1).proposeThreshold(3))
        .to.be.revertedWithCustomError(registry, "ConsortiumRegistryInvalidThreshold")
        .withArgs(3, 3);
      await expect(registry.connect(a1).proposeThreshold(0))
        .to.be.revertedWithCustomError(registry, "ConsortiumRegistryInvalidThreshold")
        .withArgs(0, 3);
    });

    it("changes the threshold and emits ThresholdChanged", async function () {
      const { registry, a1, a2 } = await networkHelpers.loadFixture(deployFixture);
      await registry.connect(a1).proposeThreshold(1);
      await registry.connect(a2).approve(0);
      await expect(registry.connect(a1).execute(0)).to.emit(registry, "ThresholdChanged").withArgs(2, 1);
    });
  });

  describe("members", function () {
    it("stores the full member record and the lookups", async function () {
      const { registry, w1 } = await networkHelpers.loadFixture(withMemberFixture);
      const expected = admission("acme", w1.address);
      const m = await registry.getMember(expected.orgId);
      expect(m.orgId).to.equal(expected.orgId);
      expect(m.displayName).to.equal("acme CERT");
      expect(m.country).to.equal("FR");
      expect(m.sector).to.equal("finance");
      expect(m.status).to.equal(BigInt(Status.Active));
      expect(m.wallet).to.equal(w1.address);
      expect(m.signingKey).to.equal(expected.signingKey);
      expect(m.encryptionKey).to.equal(expected.encryptionKey);
      expect(m.peerId).to.equal(expected.peerId);
      expect(m.joinedAt).to.be.greaterThan(0n);
      expect((await registry.memberBySigningKey(expected.signingKey)).orgId).to.equal(expected.orgId);
      expect((await registry.memberByPeerId(expected.peerId)).orgId).to.equal(expected.orgId);
      expect((await registry.memberByWallet(w1.address)).orgId).to.equal(expected.orgId);
      expect(await registry.isActive(expected.orgId)).to.equal(true);
      expect(await registry.isActive(org("nobody"))).to.equal(false);
      expect(await registry.memberCount()).to.equal(1n);
    });

    it("reverts lookups of unknown members", async function () {
      const { registry, outsider } = await networkHelpers.loadFixture(withMemberFixture);
      await expect(registry.getMember(org("nobody")))
        .to.be.revertedWithCustomError(registry, "ConsortiumRegistryUnknownMember")
        .withArgs(org("nobody"));
      await expect(registry.memberBySigningKey(key("nope"))).to.be.revertedWithCustomError(
        registry,
        "ConsortiumRegistryUnknownMember",
      );
      await expect(registry.memberByPeerId(peer("nope"))).to.be.revertedWithCustomError(
        registry,
        "ConsortiumRegistryUnknownMember",
      );
      await expect(registry.memberByWallet(outsider.address)).to.be.revertedWithCustomError(
        registry,
        "ConsortiumRegistryUnknownMember",
      );
    });

    it("validates every admission field and refuses reuse of ids, wallets, keys and peers", async function () {
      const { registry, a1, w1, w2 } = await networkHelpers.loadFixture(withMemberFixture);
      const good = admission("beta", w2.address);
      const cases: Array<[Partial<ReturnType<typeof admission>>, string, unknown[]]> = [
        [{ orgId: ethers.ZeroHash }, "ConsortiumRegistryInvalidField", ["orgId"]],
        [{ orgId: org("acme") }, "ConsortiumRegistryMemberExists", [org("acme")]],
        [{ displayName: "" }, "ConsortiumRegistryInvalidField", ["displayName"]],
        [{ displayName: "x".repeat(129) }, "ConsortiumRegistryInvalidField", ["displayName"]],
        [{ country: "FRA" }, "ConsortiumRegistryInvalidField", ["country"]],
        [{ sector: "" }, "ConsortiumRegistryInvalidField", ["sector"]],
        [{ sector: "s".repeat(65) }, "ConsortiumRegistryInvalidField", ["sector"]],
        [{ wallet: ethers.ZeroAddress }, "ConsortiumRegistryInvalidField", ["wallet"]],
        [{ wallet: w1.address }, "ConsortiumRegistryWalletInUse", [w1.address]],
        [{ signingKey: ethers.ZeroHash }, "ConsortiumRegistryInvalidField", ["signingKey"]],
        [{ signingKey: key("sign-acme") }, "ConsortiumRegistrySigningKeyInUse", [key("sign-acme")]],
        [{ encryptionKey: ethers.ZeroHash }, "ConsortiumRegistryInvalidField", ["encryptionKey"]],
        [{ peerId: "0x" }, "ConsortiumRegistryInvalidField", ["peerId"]],
        [{ peerId: ethers.hexlify(new Uint8Array(65)) }, "ConsortiumRegistryInvalidField", ["peerId"]],
        [{ peerId: peer("acme") }, "ConsortiumRegistryPeerIdInUse", [peer("acme")]],
      ];
      for (const [change, error, args] of cases) {
        await expect(registry.connect(a1).proposeAdmitMember({ ...good, ...change }))
          .to.be.revertedWithCustomError(registry, error)
          .withArgs(...args);
      }
    });

    it("suspends, reinstates and removes through proposals with status events", async function () {
      const { registry, a1, a2 } = await networkHelpers.loadFixture(withMemberFixture);
      const acme = org("acme");
      await registry.connect(a1).proposeMemberStatus(Kind.SuspendMember, acme);
      await registry.connect(a2).approve(1);
      await expect(registry.connect(a1).execute(1))
        .to.emit(registry, "MemberStatusChanged")
        .withArgs(acme, Status.Active, Status.Suspended);
      expect(await registry.isActive(acme)).to.equal(false);

      await registry.connect(a1).proposeMemberStatus(Kind.ReinstateMember, acme);
      await registry.connect(a2).approve(2);
      await expect(registry.connect(a1).execute(2))
        .to.emit(registry, "MemberStatusChanged")
        .withArgs(acme, Status.Suspended, Status.Active);

      await registry.connect(a1).proposeMemberStatus(Kind.RemoveMember, acme);
      await registry.connect(a2).approve(3);
      await expect(registry.connect(a1).execute(3))
        .to.emit(registry, "MemberStatusChanged")
        .withArgs(acme, Status.Active, Status.Removed);
      expect((await registry.getMember(acme)).status).to.equal(BigInt(Status.Removed));
    });

    it("rejects status moves that do not fit the member's status", async function () {
      const { registry, a1, a2 } = await networkHelpers.loadFixture(withMemberFixture);
      const acme = org("acme");
      await expect(registry.connect(a1).proposeMemberStatus(Kind.ReinstateMember, acme))
        .to.be.revertedWithCustomError(registry, "ConsortiumRegistryInvalidStatus")
        .withArgs(acme, Status.Active);
      await expect(registry.connect(a1).proposeMemberStatus(Kind.SuspendMember, org("ghost")))
        .to.be.revertedWithCustomError(registry, "ConsortiumRegistryUnknownMember")
        .withArgs(org("ghost"));
      await expect(registry.connect(a1).proposeMemberStatus(Kind.AddAdmin, acme))
        .to.be.revertedWithCustomError(registry, "ConsortiumRegistryInvalidField")
        .withArgs("kind");
      await passProposal(registry, { a1, a2 }, () => registry.connect(a1).proposeMemberStatus(Kind.RemoveMember, acme));
      for (const kind of [Kind.SuspendMember, Kind.ReinstateMember, Kind.RemoveMember]) {
        await expect(registry.connect(a1).proposeMemberStatus(kind, acme))
          .to.be.revertedWithCustomError(registry, "ConsortiumRegistryInvalidStatus")
          .withArgs(acme, Status.Removed);
      }
    });

    it("pages through the member list", async function () {
      const [a1, , , ...wallets] = (await ethers.getSigners()) as [Signer, ...Signer[]];
      const registry = (await ethers.deployContract("ConsortiumRegistry", [
        [a1.address],
        1,
        DAY,
      ])) as unknown as ConsortiumRegistry;
      for (let i = 0; i < 5; i++) {
        await registry.proposeAdmitMember(admission(`org${i}`, wallets[i]!.address));
        await registry.execute(i);
      }
      const first = await registry.listMembers(0, 2);
      const second = await registry.listMembers(2, 2);
      const last = await registry.listMembers(4, 2);
      expect(first.map((m) => ethers.decodeBytes32String(m.orgId))).to.deep.equal(["org0", "org1"]);
      expect(second.map((m) => ethers.decodeBytes32String(m.orgId))).to.deep.equal(["org2", "org3"]);
      expect(last.map((m) => ethers.decodeBytes32String(m.orgId))).to.deep.equal(["org4"]);
      expect(await registry.listMembers(5, 2)).to.have.length(0);
      expect(await registry.listMembers(0, 1000)).to.have.length(5);
    });
  });

  describe("member self-service", function () {
    it("rotates keys: the old signing key stops resolving, the new one resolves", async function () {
      const { registry, w1 } = await networkHelpers.loadFixture(withMemberFixture);
      const acme = org("acme");
      await expect(registry.connect(w1).rotateKeys(key("sign-2"), key("enc-2")))
        .to.emit(registry, "MemberKeysRotated")
        .withArgs(acme, key("sign-acme"), key("sign-2"), key("enc-2"));
      expect((await registry.memberBySigningKey(key("sign-2"))).orgId).to.equal(acme);
      await expect(registry.memberBySigningKey(key("sign-acme"))).to.be.revertedWithCustomError(
        registry,
        "ConsortiumRegistryUnknownMember",
      );
      expect((await registry.getMember(acme)).encryptionKey).to.equal(key("enc-2"));
    });

    it("rejects rotation by strangers, removed members, zero keys and keys in use", async function () {
      const { registry, a1, a2, w1, w2, outsider } = await networkHelpers.loadFixture(withMemberFixture);
      await expect(registry.connect(outsider).rotateKeys(key("a"), key("b")))
        .to.be.revertedWithCustomError(registry, "ConsortiumRegistryNotMember")
        .withArgs(outsider.address);
      await expect(registry.connect(w1).rotateKeys(ethers.ZeroHash, key("b")))
        .to.be.revertedWithCustomError(registry, "ConsortiumRegistryInvalidField")
        .withArgs("signingKey");
      await expect(registry.connect(w1).rotateKeys(key("a"), ethers.ZeroHash))
        .to.be.revertedWithCustomError(registry, "ConsortiumRegistryInvalidField")
        .withArgs("encryptionKey");
      await passProposal(registry, { a1, a2 }, () => registry.connect(a1).proposeAdmitMember(admission("beta", w2.address)));
      await expect(registry.connect(w1).rotateKeys(key("sign-beta"), key("b")))
        .to.be.revertedWithCustomError(registry, "ConsortiumRegistrySigningKeyInUse")
        .withArgs(key("sign-beta"));
      await passProposal(registry, { a1, a2 }, () => registry.connect(a1).proposeMemberStatus(Kind.RemoveMember, org("acme")));
      await expect(registry.connect(w1).rotateKeys(key("a"), key("b")))
        .to.be.revertedWithCustomError(registry, "ConsortiumRegistryInvalidStatus")
        .withArgs(org("acme"), Status.Removed);
    });

    it("lets a suspended member claim no new keys or peer id: its wallet may be what was stolen", async function () {
      const { registry, a1, a2, w1 } = await networkHelpers.loadFixture(withMemberFixture);
      await passProposal(registry, { a1, a2 }, () => registry.connect(a1).proposeMemberStatus(Kind.SuspendMember, org("acme")));
      await expect(registry.connect(w1).rotateKeys(key("new"), key("enc")))
        .to.be.revertedWithCustomError(registry, "ConsortiumRegistryInvalidStatus")
        .withArgs(org("acme"), Status.Suspended);
      await expect(registry.connect(w1).updateNode(peer("new"), []))
        .to.be.revertedWithCustomError(registry, "ConsortiumRegistryInvalidStatus")
        .withArgs(org("acme"), Status.Suspended);
    });

    it("answers the cheap status views other contracts read", async function () {
      const { registry, a1, a2, w1, outsider } = await networkHelpers.loadFixture(withMemberFixture);
      const acme = org("acme");
      expect(await registry.statusOf(acme)).to.equal(BigInt(Status.Active));
      expect(await registry.statusOf(org("ghost"))).to.equal(BigInt(Status.None));
      expect(await registry.orgOf(w1.address)).to.deep.equal([acme, BigInt(Status.Active)]);
      expect(await registry.orgOf(outsider.address)).to.deep.equal([ethers.ZeroHash, BigInt(Status.None)]);
      const admitted = await registry.statusSince(acme);
      expect(await registry.memberNonce(acme)).to.equal(1n);
      await passProposal(registry, { a1, a2 }, () => registry.connect(a1).proposeMemberStatus(Kind.SuspendMember, acme));
      expect(await registry.statusSince(acme)).to.be.greaterThan(admitted);
      expect(await registry.memberNonce(acme)).to.equal(2n);
    });

    it("publishes node peer id and multiaddrs", async function () {
      const { registry, w1 } = await networkHelpers.loadFixture(withMemberFixture);
      const addrs = ["/ip4/127.0.0.1/tcp/4001", "/ip6/::1/tcp/4001"];
      await expect(registry.connect(w1).updateNode(peer("acme-2"), addrs))
        .to.emit(registry, "MemberNodeUpdated")
        .withArgs(org("acme"), peer("acme-2"), addrs);
      const m = await registry.getMember(org("acme"));
      expect(m.multiaddrs).to.deep.equal(addrs);
      expect((await registry.memberByPeerId(peer("acme-2"))).orgId).to.equal(org("acme"));
      await expect(registry.memberByPeerId(peer("acme"))).to.be.revertedWithCustomError(
        registry,
        "ConsortiumRegistryUnknownMember",
      );
      // Re-publishing the same peer id with new addresses is fine.
      await expect(registry.connect(w1).updateNode(peer("acme-2"), [addrs[0]!])).to.emit(registry, "MemberNodeUpdated");
    });

    it("rejects bad node updates", async function () {
      const { registry, a1, a2, w1, w2, outsider } = await networkHelpers.loadFixture(withMemberFixture);
      await expect(registry.connect(outsider).updateNode(peer("x"), []))
        .to.be.revertedWithCustomError(registry, "ConsortiumRegistryNotMember")
        .withArgs(outsider.address);
      await expect(registry.connect(w1).updateNode("0x", []))
        .to.be.revertedWithCustomError(registry, "ConsortiumRegistryInvalidField")
        .withArgs("peerId");
      await expect(registry.connect(w1).updateNode(peer("acme"), Array(9).fill("/ip4/127.0.0.1/tcp/1")))
        .to.be.revertedWithCustomError(registry, "ConsortiumRegistryInvalidField")
        .withArgs("multiaddrs");
      await expect(registry.connect(w1).updateNode(peer("acme"), [""]))
        .to.be.revertedWithCustomError(registry, "ConsortiumRegistryInvalidField")
        .withArgs("multiaddrs");
      await expect(registry.connect(w1).updateNode(peer("acme"), ["x".repeat(257)]))
        .to.be.revertedWithCustomError(registry, "ConsortiumRegistryInvalidField")
        .withArgs("multiaddrs");
      await passProposal(registry, { a1, a2 }, () => registry.connect(a1).proposeAdmitMember(admission("beta", w2.address)));
      await expect(registry.connect(w1).updateNode(peer("beta"), []))
        .to.be.revertedWithCustomError(registry, "ConsortiumRegistryPeerIdInUse")
        .withArgs(peer("beta"));
    });
  });
});
