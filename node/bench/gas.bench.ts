/**
 * Gas of the ledger's actions, measured on Hardhat's simulated network with the real contracts:
 * governance (an admission by 2-of-3 proposals, a suspension, a governed Call), sharing groups,
 * a reputation report (per epoch, for 1, 10 and 100 producers) and an audit anchor.
 *
 *   npm run bench
 */
import hre from "hardhat";
import { ContractFactory, type ContractTransactionResponse } from "ethers";
import { admissionOf } from "../src/chain/governance.js";
import { orgIdToBytes32 } from "../src/chain/member.js";
import { sectorGroupCall } from "../src/chain/sharing-groups.js";
import { NodeIdentity } from "../src/identity/identity.js";
import { WAD } from "../src/trust/beta-reputation.js";

const { ethers } = await hre.network.create();
const accounts = await ethers.getSigners();
const [a1, a2, a3] = accounts as [(typeof accounts)[number], (typeof accounts)[number], (typeof accounts)[number]];
const deploy = async (name: string, args: unknown[]) => {
  const artifact = await hre.artifacts.readArtifact(name);
  const contract = await new ContractFactory(artifact.abi, artifact.bytecode, a1).deploy(...args);
  const receipt = await contract.deploymentTransaction()!.wait();
  return { contract: contract as unknown as Record<string, (...a: unknown[]) => Promise<ContractTransactionResponse>> & { getAddress(): Promise<string>; connect(s: unknown): never }, gas: receipt!.gasUsed };
};
const gasOf = async (tx: Promise<ContractTransactionResponse>) => (await (await tx).wait())!.gasUsed;
const rows: Array<[string, bigint]> = [];

const registry = await deploy("ConsortiumRegistry", [[a1.address, a2.address, a3.address], 2, 7 * 24 * 3600]);
rows.push(["deploy ConsortiumRegistry", registry.gas]);
const r = (s: unknown) => (registry.contract as unknown as { connect(s: unknown): Record<string, (...a: unknown[]) => Promise<ContractTransactionResponse>> }).connect(s);

const members: string[] = [];
let proposal = 0;
for (let i = 0; i < 102; i++) {
  const identity = await NodeIdentity.generate(`org-${i}`);
  const wallet = accounts[3 + (i % 10)]!;
  const admission = admissionOf({ ...identity.public(), wallet: i < 10 ? wallet.address : identity.public().wallet }, { displayName: `Org ${i}`, country: "FR", sector: "finance" });
  const propose = await gasOf(r(a1).proposeAdmitMember!(admission));
  const approve = await gasOf(r(a2).approve!(proposal));
  const execute = await gasOf(r(a1).execute!(proposal++));
  if (i === 0) rows.push(["admit a member: propose", propose], ["admit a member: approve", approve], ["admit a member: execute", execute]);
  members.push(`org-${i}`);
}
const suspend = await gasOf(r(a1).proposeMemberStatus!(1, orgIdToBytes32("org-101")));
await gasOf(r(a2).approve!(proposal));
rows.push(["suspend a member: propose", suspend], ["suspend a member: execute", await gasOf(r(a1).execute!(proposal++))]);

const registryAddress = await registry.contract.getAddress();
const groups = await deploy("SharingGroups", [registryAddress]);
const g = (s: unknown) => (groups.contract as unknown as { connect(s: unknown): Record<string, (...a: unknown[]) => Promise<ContractTransactionResponse>> }).connect(s);
const member0 = accounts[3]!;
rows.push(["create a group with 5 members", await gasOf(g(member0).createGroup!("g", members.slice(1, 6).map(orgIdToBytes32)))]);
rows.push(["add an org to a group", await gasOf(g(member0).addGroupMember!(1, orgIdToBytes32("org-7")))]);
rows.push(["remove an org from a group", await gasOf(g(member0).removeGroupMember!(1, orgIdToBytes32("org-7")))]);
await gasOf(r(a1).proposeCall!(await groups.contract.getAddress(), sectorGroupCall("health", members.slice(0, 3))));
await gasOf(r(a2).approve!(proposal));
rows.push(["create a sector group (governed Call: execute)", await gasOf(r(a1).execute!(proposal++))]);

const reputation = await deploy("Reputation", [registryAddress, { epochLength: 3600, priorPositive: WAD, priorNegative: WAD, forgetting: (9n * WAD) / 10n }]);
const rep = (s: unknown) => (reputation.contract as unknown as { connect(s: unknown): Record<string, (...a: unknown[]) => Promise<ContractTransactionResponse>> }).connect(s);
// Three distinct reporters so that no row is an amendment; nobody reports itself or the suspended org-101.
for (const [reporter, count] of [[0, 1], [1, 10], [2, 100]] as const) {
  const producers = members.filter((m) => m !== `org-${reporter}` && m !== "org-101").slice(0, count);
  const reports = producers.map((m, i) => ({ producer: orgIdToBytes32(m), confirmations: 3 + i, falsePositives: i % 2 }));
  rows.push([`epoch reputation report, ${count} producer(s)`, await gasOf(rep(accounts[3 + reporter]).submitReports!(reports))]);
}
const audit = await deploy("AuditTrail", [registryAddress]);
const au = (s: unknown) => (audit.contract as unknown as { connect(s: unknown): Record<string, (...a: unknown[]) => Promise<ContractTransactionResponse>> }).connect(s);
rows.push(["anchor an epoch's batches (any number)", await gasOf(au(member0).anchor!(ethers.zeroPadValue("0x01", 32), 1, 1000))]);

console.log("gas of ledger actions (Hardhat simulated network, solc 0.8.28, optimizer on)");
for (const [name, gas] of rows) console.log(`  ${name.padEnd(48)} ${gas.toLocaleString("en-US").padStart(10)} gas`);
