import { expect } from "chai";
import { network } from "hardhat";
import type { RingKeys } from "../../types/ethers-contracts/index.js";
import { contractHelpers, deployConsortium, Kind } from "./fixtures.js";

const { ethers, networkHelpers } = await network.create();
const { org, key } = contractHelpers(ethers);

describe("RingKeys", function () {
  async function ringFixture() {
    const c = await deployConsortium(ethers, ["acme", "bank", "grid"]);
    const ringKeys = (await ethers.deployContract("RingKeys", [await c.registry.getAddress()])) as unknown as RingKeys;
    return { ...c, ringKeys, acme: ringKeys.connect(c.wallets.acme!), bank: ringKeys.connect(c.wallets.bank!), grid: ringKeys.connect(c.wallets.grid!) };
  }

  it("keeps each member's ring key, rotates it, and lists the ring in the order keys were first set", async function () {
    const { ringKeys, acme, bank } = await networkHelpers.loadFixture(ringFixture);
    await expect(bank.setRingKey(key("bank-1"))).to.emit(ringKeys, "RingKeySet").withArgs(org("bank"), key("bank-1"), ethers.ZeroHash);
    await acme.setRingKey(key("acme-1"));
    await expect(bank.setRingKey(key("bank-2"))).to.emit(ringKeys, "RingKeySet").withArgs(org("bank"), key("bank-2"), key("bank-1"));
    expect(await ringKeys.ringKeyOf(org("bank"))).to.equal(key("bank-2"));
    expect(await ringKeys.ringKeyOf(org("grid"))).to.equal(ethers.ZeroHash);
    expect(await ringKeys.ringKeyHolders()).to.equal(2n);
    const [orgIds, keys] = await ringKeys.ring(0, 10);
    expect(orgIds).to.deep.equal([org("bank"), org("acme")]);
    expect(keys).to.deep.equal([key("bank-2"), key("acme-1")]);
    const [page] = await ringKeys.ring(1, 1);
    expect(page).to.deep.equal([org("acme")]);
    expect((await ringKeys.ring(5, 10))[0]).to.deep.equal([]);
  });

  it("answers the ring of an earlier block: a verifier rebuilds the ring a signature names", async function () {
    const { ringKeys, acme, bank } = await networkHelpers.loadFixture(ringFixture);
    await acme.setRingKey(key("acme-1"));
    const block = await ethers.provider.getBlockNumber();
    await bank.setRingKey(key("bank-1"));
    expect((await ringKeys.ring(0, 10, { blockTag: block }))[0]).to.deep.equal([org("acme")]);
    expect((await ringKeys.ring(0, 10))[0]).to.deep.equal([org("acme"), org("bank")]);
  });

  it("leaves a suspended member out of the ring, and refuses its key changes", async function () {
    const { ringKeys, acme, bank, setStatus, wallets } = await networkHelpers.loadFixture(ringFixture);
    await acme.setRingKey(key("acme-1"));
    await bank.setRingKey(key("bank-1"));
    await setStatus(Kind.SuspendMember, "acme");
    expect((await ringKeys.ring(0, 10))[0]).to.deep.equal([org("bank")]);
    await expect(acme.setRingKey(key("acme-2"))).to.be.revertedWithCustomError(ringKeys, "RingKeysNotMember").withArgs(wallets.acme!.address);
  });

  it("refuses a non-member, a zero key, an unchanged key and another org's key, also a key it used before", async function () {
    const { ringKeys, acme, bank, outsider } = await networkHelpers.loadFixture(ringFixture);
    await expect(ringKeys.connect(outsider).setRingKey(key("x"))).to.be.revertedWithCustomError(ringKeys, "RingKeysNotMember").withArgs(outsider.address);
    await expect(acme.setRingKey(ethers.ZeroHash)).to.be.revertedWithCustomError(ringKeys, "RingKeysZeroKey");
    await acme.setRingKey(key("acme-1"));
    await expect(acme.setRingKey(key("acme-1"))).to.be.revertedWithCustomError(ringKeys, "RingKeysUnchanged").withArgs(org("acme"));
    await expect(bank.setRingKey(key("acme-1"))).to.be.revertedWithCustomError(ringKeys, "RingKeysKeyTaken").withArgs(key("acme-1"), org("acme"));
    await acme.setRingKey(key("acme-2"));
    await expect(bank.setRingKey(key("acme-1")), "a rotated-out key stays its org's").to.be.revertedWithCustomError(ringKeys, "RingKeysKeyTaken").withArgs(key("acme-1"), org("acme"));
  });
});
