import { expect } from "chai";
import { network } from "hardhat";
import type { SharingGroups } from "../../types/ethers-contracts/index.js";
import { contractHelpers, deployConsortium, Kind, type Signer } from "./fixtures.js";

const { ethers, networkHelpers } = await network.create();
const { org, passProposal } = contractHelpers(ethers);

enum GroupKind {
  Member,
  Sector,
}

describe("SharingGroups", function () {
  /**
   * A registry (admins a1..a3, threshold 2) with three active members: acme (wallet w1), bank
   * (w2), grid (w3); `outsider` is no member. The groups contract is governed by the registry.
   */
  async function groupsFixture() {
    const c = await deployConsortium(ethers, ["acme", "bank", "grid"]);
    const groups = (await ethers.deployContract("SharingGroups", [await c.registry.getAddress()])) as unknown as SharingGroups;
    const governance = async (call: string) => c.governance(await groups.getAddress(), call);
    const { acme: w1, bank: w2, grid: w3 } = c.wallets as Record<string, Signer>;
    return { ...c, groups, governance, w1: w1!, w2: w2!, w3: w3! };
  }

  describe("member groups", function () {
    it("creates a group owned by the caller's org, with the caller first, and emits every change", async function () {
      const { groups, w1 } = await networkHelpers.loadFixture(groupsFixture);
      const tx = groups.connect(w1).createGroup("acme-partners", [org("bank")]);
      await expect(tx).to.emit(groups, "GroupCreated").withArgs(1, GroupKind.Member, org("acme"), "acme-partners");
      await expect(tx).to.emit(groups, "GroupMemberAdded").withArgs(1, org("acme"));
      await expect(tx).to.emit(groups, "GroupMemberAdded").withArgs(1, org("bank"));
      expect(await groups.groupCount()).to.equal(1n);
      expect(await groups.groupMembers(1)).to.deep.equal([org("acme"), org("bank")]);
      const group = await groups.getGroup(1);
      expect(group.owner).to.equal(org("acme"));
      expect(group.memberCount).to.equal(2n);
      expect(await groups.isGroupMember(1, org("grid"))).to.equal(false);
    });

    it("lets only the owner add and remove orgs", async function () {
      const { groups, w1, w2, outsider } = await networkHelpers.loadFixture(groupsFixture);
      await groups.connect(w1).createGroup("g", []);
      await expect(groups.connect(w1).addGroupMember(1, org("grid"))).to.emit(groups, "GroupMemberAdded").withArgs(1, org("grid"));
      await expect(groups.connect(w1).removeGroupMember(1, org("grid"))).to.emit(groups, "GroupMemberRemoved").withArgs(1, org("grid"));
      for (const stranger of [w2, outsider]) {
        await expect(groups.connect(stranger).addGroupMember(1, org("grid")))
          .to.be.revertedWithCustomError(groups, "SharingGroupsNotOwner")
          .withArgs(1, stranger.address);
        await expect(groups.connect(stranger).removeGroupMember(1, org("acme")))
          .to.be.revertedWithCustomError(groups, "SharingGroupsNotOwner")
          .withArgs(1, stranger.address);
      }
    });

    it("admits only active members, once, and keeps the owner in its group", async function () {
      const { registry, groups, a1, a2, w1 } = await networkHelpers.loadFixture(groupsFixture);
      await expect(groups.connect(w1).createGroup("g", [org("nobody")]))
        .to.be.revertedWithCustomError(groups, "SharingGroupsMemberNotActive")
        .withArgs(org("nobody"));
      await expect(groups.connect(w1).createGroup("g", [org("acme")]))
        .to.be.revertedWithCustomError(groups, "SharingGroupsAlreadyInGroup")
        .withArgs(1, org("acme"));
      await groups.connect(w1).createGroup("g", [org("bank")]);
      await expect(groups.connect(w1).addGroupMember(1, org("bank")))
        .to.be.revertedWithCustomError(groups, "SharingGroupsAlreadyInGroup")
        .withArgs(1, org("bank"));
      await expect(groups.connect(w1).removeGroupMember(1, org("grid")))
        .to.be.revertedWithCustomError(groups, "SharingGroupsNotInGroup")
        .withArgs(1, org("grid"));
      await expect(groups.connect(w1).removeGroupMember(1, org("acme")))
        .to.be.revertedWithCustomError(groups, "SharingGroupsOwnerMustStay")
        .withArgs(1, org("acme"));
      await passProposal(registry, { a1, a2 }, () => registry.connect(a1).proposeMemberStatus(Kind.SuspendMember, org("grid")));
      await expect(groups.connect(w1).addGroupMember(1, org("grid")))
        .to.be.revertedWithCustomError(groups, "SharingGroupsMemberNotActive")
        .withArgs(org("grid"));
    });

    it("refuses callers that are not active members, and bad names", async function () {
      const { registry, groups, a1, a2, w1, outsider } = await networkHelpers.loadFixture(groupsFixture);
      await expect(groups.connect(outsider).createGroup("g", []))
        .to.be.revertedWithCustomError(groups, "SharingGroupsNotActiveMember")
        .withArgs(outsider.address);
      await expect(groups.connect(w1).createGroup("", [])).to.be.revertedWithCustomError(groups, "SharingGroupsInvalidName").withArgs("");
      await expect(groups.connect(w1).createGroup("x".repeat(65), [])).to.be.revertedWithCustomError(groups, "SharingGroupsInvalidName");
      await groups.connect(w1).createGroup("g", []);
      await passProposal(registry, { a1, a2 }, () => registry.connect(a1).proposeMemberStatus(Kind.SuspendMember, org("acme")));
      // A suspended owner manages nothing until reinstated.
      await expect(groups.connect(w1).addGroupMember(1, org("bank")))
        .to.be.revertedWithCustomError(groups, "SharingGroupsNotOwner")
        .withArgs(1, w1.address);
      await expect(groups.connect(w1).createGroup("h", []))
        .to.be.revertedWithCustomError(groups, "SharingGroupsNotActiveMember")
        .withArgs(w1.address);
    });

    it("hands ownership to an active org of the group only", async function () {
      const { groups, w1, w2 } = await networkHelpers.loadFixture(groupsFixture);
      await groups.connect(w1).createGroup("g", [org("bank")]);
      await expect(groups.connect(w1).transferGroupOwnership(1, org("grid")))
        .to.be.revertedWithCustomError(groups, "SharingGroupsNotInGroup")
        .withArgs(1, org("grid"));
      await expect(groups.connect(w2).transferGroupOwnership(1, org("bank")))
        .to.be.revertedWithCustomError(groups, "SharingGroupsNotOwner")
        .withArgs(1, w2.address);
      await expect(groups.connect(w1).transferGroupOwnership(1, org("bank")))
        .to.emit(groups, "GroupOwnershipTransferred")
        .withArgs(1, org("acme"), org("bank"));
      await expect(groups.connect(w2).removeGroupMember(1, org("acme"))).to.emit(groups, "GroupMemberRemoved");
      await expect(groups.connect(w1).addGroupMember(1, org("grid"))).to.be.revertedWithCustomError(groups, "SharingGroupsNotOwner");
    });

    it("reports unknown groups, including id 0 which means no group", async function () {
      const { groups, w1 } = await networkHelpers.loadFixture(groupsFixture);
      for (const id of [0, 1]) {
        await expect(groups.getGroup(id)).to.be.revertedWithCustomError(groups, "SharingGroupsUnknownGroup").withArgs(id);
        await expect(groups.connect(w1).addGroupMember(id, org("bank")))
          .to.be.revertedWithCustomError(groups, "SharingGroupsUnknownGroup")
          .withArgs(id);
      }
    });
  });

  describe("sector groups", function () {
    it("are created and changed by governance through M-of-N Call proposals only", async function () {
      const { registry, groups, governance, w1 } = await networkHelpers.loadFixture(groupsFixture);
      const iface = groups.interface;
      await governance(iface.encodeFunctionData("createSectorGroup", ["finance", [org("acme"), org("bank")]]));
      const group = await groups.getGroup(1);
      expect(group.kind).to.equal(BigInt(GroupKind.Sector));
      expect(group.owner).to.equal(ethers.ZeroHash);
      expect(await groups.governance()).to.equal(await registry.getAddress());
      await governance(iface.encodeFunctionData("addGroupMember", [1, org("grid")]));
      await governance(iface.encodeFunctionData("removeGroupMember", [1, org("acme")]));
      const removed = await groups.queryFilter(groups.filters.GroupMemberRemoved());
      expect(removed.map((e) => [e.args.groupId, e.args.orgId])).to.deep.equal([[1n, org("acme")]]);
      expect(await groups.groupMembers(1)).to.have.members([org("bank"), org("grid")]);
      // A member, even one in the group, cannot change a sector group, nor create one.
      await expect(groups.connect(w1).addGroupMember(1, org("acme")))
        .to.be.revertedWithCustomError(groups, "SharingGroupsNotOwner")
        .withArgs(1, w1.address);
      await expect(groups.connect(w1).createSectorGroup("energy", []))
        .to.be.revertedWithCustomError(groups, "SharingGroupsNotGovernance")
        .withArgs(w1.address);
      await expect(groups.connect(w1).transferGroupOwnership(1, org("bank"))).to.be.revertedWithCustomError(groups, "SharingGroupsNotOwner");
    });

    it("surfaces a failing governed call as ConsortiumRegistryCallFailed with the target's error", async function () {
      const { registry, groups, a1, a2 } = await networkHelpers.loadFixture(groupsFixture);
      const call = groups.interface.encodeFunctionData("addGroupMember", [7, org("acme")]);
      await registry.connect(a1).proposeCall(await groups.getAddress(), call);
      const id = (await registry.proposalCount()) - 1n;
      await registry.connect(a2).approve(id);
      const reason = groups.interface.encodeErrorResult("SharingGroupsUnknownGroup", [7]);
      await expect(registry.connect(a1).execute(id))
        .to.be.revertedWithCustomError(registry, "ConsortiumRegistryCallFailed")
        .withArgs(await groups.getAddress(), reason);
      // The proposal stays pending: a failed call executes nothing.
      expect((await registry.getProposal(id)).executed).to.equal(false);
    });

    it("refuses Call proposals to the registry itself or to an account without code", async function () {
      const { registry, a1, outsider } = await networkHelpers.loadFixture(groupsFixture);
      const self = await registry.getAddress();
      await expect(registry.connect(a1).proposeCall(self, "0x"))
        .to.be.revertedWithCustomError(registry, "ConsortiumRegistryInvalidCallTarget")
        .withArgs(self);
      await expect(registry.connect(a1).proposeCall(outsider.address, "0x"))
        .to.be.revertedWithCustomError(registry, "ConsortiumRegistryInvalidCallTarget")
        .withArgs(outsider.address);
      await expect(registry.connect(outsider).proposeCall(self, "0x"))
        .to.be.revertedWithCustomError(registry, "ConsortiumRegistryNotAdmin")
        .withArgs(outsider.address);
    });
  });
});
