import { createRequire } from "node:module";
import hardhatToolboxMochaEthers from "@nomicfoundation/hardhat-toolbox-mocha-ethers";
import { defineConfig } from "hardhat/config";

const require = createRequire(import.meta.url);

export default defineConfig({
  plugins: [hardhatToolboxMochaEthers],
  solidity: {
    // No compiler can be downloaded on the consortium's build machines, so the
    // npm `solc` package (pinned in package.json to this exact version) is used.
    version: "0.8.28",
    path: require.resolve("solc/soljson.js"),
    settings: {
      evmVersion: "cancun",
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
    localhost: {
      type: "http",
      url: "http://127.0.0.1:8545",
    },
  },
});
