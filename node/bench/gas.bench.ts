/**
 * Gas of the ledger's actions, measured on Hardhat's simulated network with the real contracts:
 * governance (an admission by 2-of-3 proposals, a suspension, a governed Call), sharing groups,
 * a reputation report (per epoch, for 1, 10, 100 and 256 producers, beside the per-transaction
 * cap it must fit) and an audit anchor.
 *
 *   npm run bench
 */
import hre from "hardhat";
import { ContractFactory, type ContractTransactionResponse } from "ethers";
import { admissionOf } from "../src/chain/governance.js";
import { orgIdToBytes32 } from "../src/chain/member.js";
import { sectorGroupCall } from "../src/chain/sharing-groups.js";
import { NodeIdentity } from "../src/identity/identity.js";
import { DEFAULT_REPUTATION_PARAMETERS } from "../src/trust/beta-reputation.js";

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
const MEMBERS = 262;
for (let i = 0; i < MEMBERS; i++) {
  const identity = await NodeIdentity.generate(`org-${i}`);
  const wallet = accounts[3 + (i % 10)]!;
  const admission = admissionOf({ ...identity.public(), wallet: i < 10 ? wallet.address : identity.public().wallet }, { displayName: `Org ${i}`, country: "FR", sector: "finance" });
  const propose = await gasOf(r(a1).proposeAdmitMember!(admission));
  const approve = await gasOf(r(a2).approve!(proposal));
  const execute = await gasOf(r(a1).execute!(proposal++));
  if (i === 0) rows.push(["admit a member: propose", propose], ["admit a member: approve", approve], ["admit a member: execute", execute]);
  members.push(`org-${i}`);
}
const suspended = `org-${MEMBERS - 1}`;
const suspend = await gasOf(r(a1).proposeMemberStatus!(1, orgIdToBytes32(suspended)));
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

const audit = await deploy("AuditTrail", [registryAddress]);
const au = (s: unknown) => (audit.contract as unknown as { connect(s: unknown): Record<string, (...a: unknown[]) => Promise<ContractTransactionResponse>> }).connect(s);
rows.push(["anchor an epoch's batches (any number)", await gasOf(au(member0).anchor!(ethers.zeroPadValue("0x01", 32), 1, 1000, 50_000, 2_000))]);
const reputation = await deploy("Reputation", [registryAddress, await audit.contract.getAddress(), { epochLength: 3600, ...DEFAULT_REPUTATION_PARAMETERS }]);
const rep = (s: unknown) => (reputation.contract as unknown as { connect(s: unknown): Record<string, (...a: unknown[]) => Promise<ContractTransactionResponse>> }).connect(s);
// Reporters are four distinct members (no row is an amendment), with anchored sightings so that no cap cuts their reports.
for (const reporter of [1, 2, 3, 4]) await gasOf(au(accounts[3 + reporter]).anchor!(ethers.zeroPadValue("0x01", 32), 1, 10, 0, 10_000));
const reportRows: Array<[number, bigint]> = [];
for (const [reporter, count] of [[1, 1], [2, 10], [3, 100], [4, 256]] as const) {
  const producers = members.filter((m) => m !== `org-${reporter}` && m !== suspended).slice(0, count);
  const reports = producers
    .map((m, i) => ({ producer: orgIdToBytes32(m), confirmations: 3 + i, falsePositives: i % 2 }))
    .sort((a, b) => (a.producer < b.producer ? -1 : 1));
  const gas = await gasOf(rep(accounts[3 + reporter]).submitReports!(reports));
  reportRows.push([count, gas]);
  rows.push([`epoch reputation report, ${count} producer(s)`, gas]);
}

console.log("gas of ledger actions (Hardhat simulated network, solc 0.8.28, optimizer on)");
for (const [name, gas] of rows) console.log(`  ${name.padEnd(48)} ${gas.toLocaleString("en-US").padStart(10)} gas`);
const CAP = 16_777_216n;
const perProducer = (reportRows.at(-1)![1] - reportRows[0]![1]) / BigInt(reportRows.at(-1)![0] - reportRows[0]![0]);
console.log(`  a report costs about ${perProducer.toLocaleString("en-US")} gas per producer; limits: Hardhat's per-transaction cap ${CAP.toLocaleString("en-US")} (fits ${(CAP / perProducer).toString()} producers), the node's trust.maxTransactionGas 12,000,000 (a node splits its report below it)`);
