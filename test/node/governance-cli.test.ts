import { expect } from "chai";
import { readFile, writeFile } from "node:fs/promises";
import { join, resolve } from "node:path";
import { Contract } from "ethers";
import { DeploymentSchema } from "../../node/src/config/config.js";
import { GROUP_KINDS, SHARING_GROUPS_ABI } from "../../node/src/chain/groups-abi.js";
import { orgIdToBytes32 } from "../../node/src/chain/member.js";
import { REPUTATION_ABI } from "../../node/src/chain/trust-abi.js";
import { hardhatAccount, startDevnet, type Devnet } from "../../scripts/lib/devnet.js";
import { newIdentity, removeDir, tempDir } from "../helpers/nodes.js";
import { cti, run } from "../helpers/cli.js";

const parseDeployment = (value: unknown) => DeploymentSchema.parse(value);

/** Governance admins at their terminals: each proposes, approves or executes with their own key. */
describe("cti governance and cti members (the real CLI, a real ledger)", function () {
  this.timeout(120_000);
  let devnet: Devnet;
  let dir: string;
  const keys: string[] = [];
  let ledger: string[];

  before(async function () {
    devnet = await startDevnet({ admins: 3, threshold: 2 });
    dir = await tempDir("governance-cli");
    const deployment = join(dir, "deployment.json");
    await writeFile(deployment, JSON.stringify(devnet.deployment));
    ledger = ["--deployment", deployment];
    // Hardhat's development accounts come from its well-known mnemonic; admins are the first three.
    for (let i = 0; i < 3; i++) {
      const wallet = hardhatAccount(i);
      expect(wallet.address).to.equal(await devnet.admins[i]!.getAddress());
      const file = join(dir, `admin-${i}.key`);
      await writeFile(file, wallet.privateKey, { mode: 0o600 });
      keys.push(file);
    }
  });
  after(async function () {
    await devnet?.close();
    if (dir) await removeDir(dir);
  });

  it("admits an org by propose, approve and execute from two admins, refusing an early execute by name", async function () {
    const { dataDir, identity } = await newIdentity("gov-org");
    const identityFile = join(dir, "gov-org.json");
    await writeFile(identityFile, JSON.stringify(identity.public()));

    const proposed = await cti(["governance", "propose-admit", identityFile, "--name", "Gov Org", "--country", "LU", "--sector", "finance", "--key-file", keys[0]!, ...ledger]);
    expect(proposed.code, proposed.stderr).to.equal(0);
    const { proposal } = JSON.parse(proposed.stdout) as { proposal: number };

    const open = JSON.parse((await cti(["governance", "list", ...ledger])).stdout) as Array<{ id: number; kind: string; subject: string; approvals: number; threshold: number; state: string }>;
    expect(open[0]).to.include({ id: proposal, kind: "admit-member", subject: "gov-org", approvals: 1, threshold: 2, state: "open" });

    const early = await cti(["governance", "execute", String(proposal), "--key-file", keys[0]!, ...ledger]);
    expect(early.code).to.equal(1);
    expect(early.stderr).to.include("ConsortiumRegistryThresholdNotMet");

    expect((await cti(["governance", "approve", String(proposal), "--key-file", keys[1]!, ...ledger])).code).to.equal(0);
    const ready = JSON.parse((await cti(["governance", "list", ...ledger])).stdout) as Array<{ state: string; approvals: number }>;
    expect(ready[0]).to.include({ state: "ready", approvals: 2 });
    const executed = await cti(["governance", "execute", String(proposal), "--key-file", keys[1]!, ...ledger]);
    expect(executed.code, executed.stderr).to.equal(0);

    const members = JSON.parse((await cti(["members", ...ledger])).stdout) as Array<{ orgId: string; status: string }>;
    expect(members.find((m) => m.orgId === "gov-org")).to.include({ status: "active" });
    await removeDir(dataDir);
  });

  it("creates a sector group owned by governance through a governed call, 2 of 3", async function () {
    const proposed = await cti(["governance", "propose-sector-group", "health", "--member", "gov-org", "--key-file", keys[2]!, ...ledger]);
    expect(proposed.code, proposed.stderr).to.equal(0);
    const { proposal } = JSON.parse(proposed.stdout) as { proposal: number };
    expect(JSON.parse((await cti(["governance", "list", ...ledger])).stdout)[0]).to.include({ id: proposal, kind: "call", subject: devnet.deployment.groupsAddress, state: "open" });
    expect((await cti(["governance", "approve", String(proposal), "--key-file", keys[0]!, ...ledger])).code).to.equal(0);
    expect((await cti(["governance", "execute", String(proposal), "--key-file", keys[0]!, ...ledger])).code).to.equal(0);
    const groups = new Contract(devnet.deployment.groupsAddress!, SHARING_GROUPS_ABI, devnet.provider);
    const id = (await groups.groupCount!()) as bigint;
    const group = await groups.getGroup!(id);
    expect(group.name).to.equal("health");
    expect(GROUP_KINDS[Number(group.kind)]).to.equal("sector");
    expect(await groups.isGroupMember!(id, orgIdToBytes32("gov-org"))).to.equal(true);
  });

  it("changes the reputation parameters through a governed call, keeping what is not given", async function () {
    const proposed = await cti(["governance", "propose-reputation-parameters", "--forgetting", "0.8", "--prior-positive", "2", "--key-file", keys[0]!, ...ledger]);
    expect(proposed.code, proposed.stderr).to.equal(0);
    const answer = JSON.parse(proposed.stdout) as { proposal: number; forgetting: string; priorPositive: string; priorNegative: string; epochSeconds: number };
    expect(answer).to.include({ forgetting: "0.8", priorPositive: "2.0", priorNegative: "1.0", epochSeconds: 3600 });
    expect((await cti(["governance", "approve", String(answer.proposal), "--key-file", keys[1]!, ...ledger])).code).to.equal(0);
    expect((await cti(["governance", "execute", String(answer.proposal), "--key-file", keys[1]!, ...ledger])).code).to.equal(0);
    const reputation = new Contract(devnet.deployment.reputationAddress, REPUTATION_ABI, devnet.provider);
    const parameters = await reputation.parameters!();
    expect([parameters.epochLength, parameters.priorPositive, parameters.priorNegative, parameters.forgetting]).to.deep.equal([3600n, 2n * 10n ** 18n, 10n ** 18n, 8n * 10n ** 17n]);
    const bad = await cti(["governance", "propose-reputation-parameters", "--forgetting", "-1", "--key-file", keys[0]!, ...ledger]);
    expect(bad.code).to.not.equal(0);
    expect(bad.stderr).to.include("non-negative decimal");
  });

  it("adds an admin, then raises the threshold to 3 of 4, each 2 of 3 first; refuses a threshold above the admins by name", async function () {
    const newcomer = hardhatAccount(8);
    const pass = async (args: string[]) => {
      const proposed = await cti([...args, "--key-file", keys[0]!, ...ledger]);
      expect(proposed.code, proposed.stderr).to.equal(0);
      const { proposal } = JSON.parse(proposed.stdout) as { proposal: number };
      expect((await cti(["governance", "approve", String(proposal), "--key-file", keys[1]!, ...ledger])).code).to.equal(0);
      const executed = await cti(["governance", "execute", String(proposal), "--key-file", keys[1]!, ...ledger]);
      expect(executed.code, executed.stderr).to.equal(0);
      return proposal;
    };
    const badAddress = await cti(["governance", "propose-admin", "add", "0x1234", "--key-file", keys[0]!, ...ledger]);
    expect(badAddress.code).to.not.equal(0);
    expect(badAddress.stderr).to.include("not a 0x-prefixed 20-byte address");

    const added = await pass(["governance", "propose-admin", "add", newcomer.address.toLowerCase()]);
    const list = JSON.parse((await cti(["governance", "list", ...ledger])).stdout) as Array<{ id: number; kind: string; subject: string }>;
    expect(list.find((p) => p.id === added)).to.include({ kind: "add-admin", subject: newcomer.address });
    const registry = new Contract(devnet.deployment.registryAddress, ["function isAdmin(address) view returns (bool)", "function threshold() view returns (uint256)"], devnet.provider);
    expect(await registry.isAdmin!(newcomer.address)).to.equal(true);

    const tooHigh = await cti(["governance", "propose-threshold", "5", "--key-file", keys[0]!, ...ledger]);
    expect(tooHigh.code).to.equal(1);
    expect(tooHigh.stderr).to.include("ConsortiumRegistryInvalidThreshold");
    await pass(["governance", "propose-threshold", "3"]);
    expect(await registry.threshold!()).to.equal(3n);
  });

  it("names what is missing: no ledger, no admin key, a key of someone who is not an admin", async function () {
    const noLedger = await cti(["governance", "list"]);
    expect(noLedger.code).to.equal(2);
    expect(noLedger.stderr).to.include("--deployment");
    const noKey = await cti(["governance", "approve", "0", ...ledger], { env: { CTI_ADMIN_KEY: "" } });
    expect(noKey.code).to.equal(2);
    expect(noKey.stderr).to.include("--key-file");
    const stranger = hardhatAccount(9);
    const notAdmin = await cti(["governance", "propose-status", "suspend", "gov-org", ...ledger], { env: { CTI_ADMIN_KEY: stranger.privateKey } });
    expect(notAdmin.code).to.equal(1);
    expect(notAdmin.stderr).to.include("ConsortiumRegistryNotAdmin");
  });
});

describe("npm run deploy (scripts/deploy.ts against a JSON-RPC ledger)", function () {
  this.timeout(120_000);
  let devnet: Devnet;
  let dir: string;
  const deploy = (args: string[]) => run(process.execPath, ["--import", "tsx", resolve("scripts/deploy.ts"), ...args]);

  before(async function () {
    devnet = await startDevnet();
    dir = await tempDir("deploy");
    await writeFile(join(dir, "deployer.key"), hardhatAccount(5).privateKey, { mode: 0o600 });
  });
  after(async function () {
    await devnet?.close();
    if (dir) await removeDir(dir);
  });

  it("deploys the four contracts governed by the admins named, and writes a deployment nodes accept", async function () {
    const out = join(dir, "deployment.json");
    const admins = [6, 7, 8].map((i) => hardhatAccount(i).address);
    const result = await deploy(["--rpc-url", devnet.deployment.rpcUrl, "--key-file", join(dir, "deployer.key"), ...admins.flatMap((a) => ["--admin", a]), "--threshold", "2", "--epoch-seconds", "3600", "--out", out]);
    expect(result.code, result.stderr).to.equal(0);
    const deployment = parseDeployment(JSON.parse(await readFile(out, "utf8")));
    const registry = new Contract(deployment.registryAddress, ["function threshold() view returns (uint256)", "function admins() view returns (address[])", "function memberCount() view returns (uint256)"], devnet.provider);
    expect(await registry.threshold!()).to.equal(2n);
    expect(await registry.admins!()).to.deep.equal(admins);
    expect(await registry.memberCount!()).to.equal(0n);
    for (const address of [deployment.groupsAddress, deployment.reputationAddress, deployment.auditAddress]) expect(await devnet.provider.getCode(address!)).to.not.equal("0x");
  });

  it("refuses bad parameters with a message naming the fix", async function () {
    const base = ["--rpc-url", devnet.deployment.rpcUrl, "--key-file", join(dir, "deployer.key"), "--admin", hardhatAccount(6).address];
    const tooHigh = await deploy([...base, "--threshold", "2"]);
    expect(tooHigh.code).to.equal(2);
    expect(tooHigh.stderr).to.include("--threshold must be 1 to 1");
    const badAdmin = await deploy([...base.slice(0, 4), "--admin", "0x1234", "--threshold", "1"]);
    expect(badAdmin.code).to.equal(2);
    expect(badAdmin.stderr).to.include("EVM address");
  });
});
