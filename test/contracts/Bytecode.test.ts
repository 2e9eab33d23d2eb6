import { expect } from "chai";
import { readFile } from "node:fs/promises";
import hre from "hardhat";
import { EVM_VERSION } from "../../hardhat.config.js";

/**
 * The EVM the contracts are built for, the fork the consortium's Besu genesis enables, and the
 * fork the tests run on must be one and the same: bytecode built for a later fork than the
 * ledger's would deploy and then fail at the first opcode the ledger does not know.
 */

/** Forks in order, with the genesis key that turns each on (block forks, then time forks). */
const FORKS = [
  ["homestead", "homesteadBlock"],
  ["tangerineWhistle", "eip150Block"],
  ["spuriousDragon", "eip158Block"],
  ["byzantium", "byzantiumBlock"],
  ["constantinople", "constantinopleBlock"],
  ["petersburg", "petersburgBlock"],
  ["istanbul", "istanbulBlock"],
  ["berlin", "berlinBlock"],
  ["london", "londonBlock"],
  ["shanghai", "shanghaiTime"],
  ["cancun", "cancunTime"],
  ["prague", "pragueTime"],
  ["osaka", "osakaTime"],
] as const;
type Fork = (typeof FORKS)[number][0] | "frontier";
const forkIndex = (fork: Fork) => (fork === "frontier" ? -1 : FORKS.findIndex(([name]) => name === fork));

/** The opcodes added after Frontier, by the fork that added them. */
const ADDED_BY: Record<number, Fork> = {
  0xf4: "homestead", // DELEGATECALL
  0x3d: "byzantium", // RETURNDATASIZE
  0x3e: "byzantium", // RETURNDATACOPY
  0xfa: "byzantium", // STATICCALL
  0xfd: "byzantium", // REVERT
  0x1b: "constantinople", // SHL
  0x1c: "constantinople", // SHR
  0x1d: "constantinople", // SAR
  0x3f: "constantinople", // EXTCODEHASH
  0xf5: "constantinople", // CREATE2
  0x46: "istanbul", // CHAINID
  0x47: "istanbul", // SELFBALANCE
  0x48: "london", // BASEFEE
  0x5f: "shanghai", // PUSH0
  0x49: "cancun", // BLOBHASH
  0x4a: "cancun", // BLOBBASEFEE
  0x5c: "cancun", // TLOAD
  0x5d: "cancun", // TSTORE
  0x5e: "cancun", // MCOPY
  0x1e: "osaka", // CLZ
};

/** The opcodes of runtime bytecode, skipping PUSH data and the trailing CBOR metadata. */
function opcodes(hex: string): number[] {
  const code = Buffer.from(hex.replace(/^0x/, ""), "hex");
  const metadata = code.length >= 2 ? code.readUInt16BE(code.length - 2) + 2 : 0;
  const end = code.length - metadata;
  const found: number[] = [];
  for (let i = 0; i < end; i++) {
    const op = code[i]!;
    found.push(op);
    if (op >= 0x60 && op <= 0x7f) i += op - 0x5f;
  }
  return found;
}

function latestFork(ops: number[]): Fork {
  let latest: Fork = "frontier";
  for (const op of ops) {
    const fork = ADDED_BY[op];
    if (fork && forkIndex(fork) > forkIndex(latest)) latest = fork;
  }
  return latest;
}

describe("contracts' EVM target", function () {
  it("is the latest fork the Besu genesis enables, every earlier fork on from genesis and no later one", async function () {
    const file = JSON.parse(await readFile(new URL("../../deploy/besu/qbftConfigFile.json", import.meta.url), "utf8")) as { genesis: { config: Record<string, unknown> } };
    const config = file.genesis.config;
    const enabled = FORKS.filter(([, key]) => key in config);
    expect(enabled.at(-1)![0]).to.equal(EVM_VERSION);
    for (const [name, key] of FORKS.slice(0, forkIndex(EVM_VERSION as Fork) + 1)) expect(config[key], `${name} (${key})`).to.equal(0);
    for (const [name, key] of FORKS.slice(forkIndex(EVM_VERSION as Fork) + 1)) expect(key in config, `${name} must stay off`).to.equal(false);
  });

  it("is what the compiler targets and what the test network runs", async function () {
    expect(hre.config.solidity.profiles.default?.compilers[0]?.settings.evmVersion).to.equal(EVM_VERSION);
    const defaultNetwork = hre.config.networks.default as { hardfork?: string };
    expect(defaultNetwork.hardfork).to.equal(EVM_VERSION);
  });

  for (const name of ["ConsortiumRegistry", "SharingGroups", "Reputation", "AuditTrail"]) {
    it(`${name}'s deployed bytecode uses no opcode newer than ${EVM_VERSION}`, async function () {
      const artifact = await hre.artifacts.readArtifact(name);
      const ops = opcodes(artifact.deployedBytecode);
      expect(ops.length).to.be.greaterThan(100);
      const latest = latestFork(ops);
      expect(forkIndex(latest), `${name} needs ${latest}`).to.be.at.most(forkIndex(EVM_VERSION as Fork));
    });
  }

  it("finds an opcode newer than the target when there is one (the check can fail)", function () {
    // PUSH1 0 CLZ STOP, then an empty metadata length.
    expect(latestFork(opcodes("0x60001e000000"))).to.equal("osaka");
    // PUSH2 0x1e1e: data, not an opcode.
    expect(latestFork(opcodes("0x611e1e000000"))).to.equal("frontier");
  });
});
