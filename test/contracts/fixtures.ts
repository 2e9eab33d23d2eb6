import type { HardhatEthers } from "@nomicfoundation/hardhat-ethers/types";
import type { ConsortiumRegistry } from "../../types/ethers-contracts/index.js";

/** Helpers shared by the contract tests: one place that knows how to fake an org's admission. */

import { ProposalKind } from "../../node/src/chain/registry-abi.js";

// The node's own mirror of the contract's enum (checked against the ABI by its use here).
export { ProposalKind as Kind };

export enum Status {
  None,
  Active,
  Suspended,
  Removed,
}

export const DAY = 24 * 60 * 60;

/** The small-order encodings the registry refuses (contracts/utils/CurveKeys.sol), each value with its top bit clear and set. */
const withTopBit = (hex: string) => [hex, `${hex.slice(0, 64)}${(parseInt(hex.slice(64), 16) | 0x80).toString(16).padStart(2, "0")}`];
export const SMALL_ORDER_ED25519_ENCODINGS = [
  "0x0000000000000000000000000000000000000000000000000000000000000000",
  "0x0100000000000000000000000000000000000000000000000000000000000000",
  "0x26e8958fc2b227b045c3f489f2ef98f0d5dfac05d3c63339b13802886d53fc05",
  "0xc7176a703d4dd84fba3c0b760d10670f2a2053fa2c39ccc64ec7fd7792ac037a",
  "0xecffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f",
  "0xedffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f",
  "0xeeffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f",
].flatMap(withTopBit);
export const SMALL_ORDER_X25519_ENCODINGS = [
  "0x0000000000000000000000000000000000000000000000000000000000000000",
  "0x0100000000000000000000000000000000000000000000000000000000000000",
  "0xe0eb7a7c3b41b8ae1656e3faf19fc46ada098deb9c32b1fd866205165f49b800",
  "0x5f9c95bca3508c24b1d0b1559c83ef5b04445cc4581c8e86d8224eddd09f1157",
  "0xecffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f",
  "0xedffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f",
  "0xeeffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f",
].flatMap(withTopBit);

export type Signer = Awaited<ReturnType<HardhatEthers["getSigners"]>>[number];

export function contractHelpers(ethers: HardhatEthers) {
  const org = (name: string) => ethers.encodeBytes32String(name);
  const key = (seed: string) => ethers.keccak256(ethers.toUtf8Bytes(seed));
  const peer = (seed: string) => ethers.hexlify(ethers.toUtf8Bytes(`peer-${seed}`));
  return {
    org,
    key,
    peer,
    /** The first eight accounts of the Hardhat network, typed as present. */
    async signers() {
      return (await ethers.getSigners()).slice(0, 8) as [Signer, Signer, Signer, Signer, Signer, Signer, Signer, Signer];
    },
    admission(name: string, wallet: string) {
      return {
        orgId: org(name),
        displayName: `${name} CERT`,
        country: "FR",
        sector: "finance",
        wallet,
        signingKey: key(`sign-${name}`),
        encryptionKey: key(`enc-${name}`),
        peerId: peer(name),
      };
    },
    /** Proposes with `a1` (which approves), approves with `a2`, executes with `a1`. */
    async passProposal(registry: ConsortiumRegistry, admins: { a1: Signer; a2: Signer }, propose: () => Promise<unknown>) {
      await propose();
      const id = (await registry.proposalCount()) - 1n;
      await registry.connect(admins.a2).approve(id);
      await registry.connect(admins.a1).execute(id);
      return id;
    },
  };
}

/**
 * A registry (admins a1..a3 = accounts 0..2, threshold 2, 7-day proposals) with one active
 * member per name, whose wallets are the next accounts in order; `outsider` is no member.
 * `governance(target, callData)` passes a Call proposal through the real M-of-N flow.
 */
export async function deployConsortium(ethers: HardhatEthers, names: string[]) {
  const helpers = contractHelpers(ethers);
  const accounts = await ethers.getSigners();
  const [a1, a2, a3] = accounts as [Signer, Signer, Signer];
  const registry = (await ethers.deployContract("ConsortiumRegistry", [[a1.address, a2.address, a3.address], 2, 7 * DAY])) as unknown as ConsortiumRegistry;
  const wallets: Record<string, Signer> = {};
  for (const [i, name] of names.entries()) {
    const wallet = accounts[3 + i]!;
    wallets[name] = wallet;
    await helpers.passProposal(registry, { a1, a2 }, () => registry.connect(a1).proposeAdmitMember(helpers.admission(name, wallet.address)));
  }
  const outsider = accounts[3 + names.length]!;
  const governance = (target: string, callData: string) =>
    helpers.passProposal(registry, { a1, a2 }, () => registry.connect(a1).proposeCall(target, callData));
  const setStatus = (kind: ProposalKind, name: string) =>
    helpers.passProposal(registry, { a1, a2 }, () => registry.connect(a1).proposeMemberStatus(kind, helpers.org(name)));
  return { registry, a1, a2, a3, wallets, outsider, governance, setStatus };
}
