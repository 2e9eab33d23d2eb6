import { createRequire } from "node:module";
import hardhatToolboxMochaEthers from "@nomicfoundation/hardhat-toolbox-mocha-ethers";
import { defineConfig } from "hardhat/config";

const require = createRequire(import.meta.url);

/** The hardfork of the consortium's ledger: the contracts' EVM target and the test networks' fork. */
export const EVM_VERSION = "cancun";

export default defineConfig({
  plugins: [hardhatToolboxMochaEthers],
  solidity: {
    // No compiler can be downloaded on the consortium's build machines, so the
    // npm `solc` package (pinned in package.json to this exact version) is used.
    version: "0.8.28",
    path: require.resolve("solc/soljson.js"),
    settings: {
      // The consortium's Besu genesis (deploy/besu/qbftConfigFile.json) enables every fork up to
      // this one and no later: OpenZeppelin 5 needs Cancun's MCOPY. The test networks run the same
      // fork, and test/contracts/Bytecode.test.ts checks that the three agree.
      evmVersion: EVM_VERSION,
      optimizer: { enabled: true, runs: 200 },
    },
  },
  paths: {
    tests: { mocha: "test" },
  },
  test: {
    mocha: {
      // The node suites start real chains and real libp2p hosts.
      timeout: 120_000,
    },
  },
  networks: {
    default: {
      type: "edr-simulated",
      hardfork: EVM_VERSION,
    },
    localhost: {
      type: "http",
      url: "http://127.0.0.1:8545",
    },
  },
});
