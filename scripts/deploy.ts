/**
 * Deploys the consortium's contracts to a permissioned chain (Hyperledger Besu QBFT or any EVM
 * ledger reachable by JSON-RPC) and writes the deployment file that nodes and `cti` read. The
 * deployer only pays for the deployment: from then on, only the admins named here govern.
 *
 *   npm run deploy -- --rpc-url https://besu.consortium.example:8545 --key-file deployer.key \
 *     --admin 0xAdmin1 --admin 0xAdmin2 --admin 0xAdmin3 --threshold 2 --out deployment.json
 */
import { readFile, writeFile } from "node:fs/promises";
import { parseArgs } from "node:util";
import { getAddress, Wallet } from "ethers";
import { createProvider } from "../node/src/chain/provider.js";
import { deployConsortium } from "./lib/deploy.js";

function fail(message: string): never {
  process.stderr.write(`deploy: ${message}\n`);
  process.exit(2);
}

const { values } = parseArgs({
  options: {
    "rpc-url": { type: "string" },
    "chain-id": { type: "string" },
    "key-file": { type: "string" },
    admin: { type: "string", multiple: true, default: [] },
    threshold: { type: "string" },
    "proposal-lifetime-days": { type: "string", default: "7" },
    "epoch-seconds": { type: "string", default: "86400" },
    out: { type: "string", default: "deployment.json" },
  },
});

const rpcUrl = values["rpc-url"] ?? fail("--rpc-url <url> is required (the ledger's JSON-RPC endpoint)");
const keyFile = values["key-file"] ?? fail("--key-file <file> is required (the deployer's hex private key)");
let admins: string[];
try {
  admins = values.admin.map((a) => getAddress(a));
} catch {
  fail("every --admin must be an EVM address (0x followed by 40 hex digits)");
}
if (admins.length === 0) fail("name the governance admins: --admin <address>, once per admin");
if (new Set(admins).size !== admins.length) fail("an admin is named twice");
const threshold = Number(values.threshold ?? fail(`--threshold <m> is required (approvals needed, 1 to ${admins.length})`));
if (!Number.isInteger(threshold) || threshold < 1 || threshold > admins.length) fail(`--threshold must be 1 to ${admins.length}`);
const lifetimeDays = Number(values["proposal-lifetime-days"]);
const epochSeconds = Number(values["epoch-seconds"]);
if (!(lifetimeDays > 0) || !Number.isInteger(epochSeconds) || epochSeconds < 60) fail("--proposal-lifetime-days must be positive and --epoch-seconds at least 60");

const provider = createProvider(rpcUrl, values["chain-id"] === undefined ? undefined : Number(values["chain-id"]));
try {
  let deployer: Wallet;
  try {
    deployer = new Wallet((await readFile(keyFile, "utf8")).trim(), provider);
  } catch (err) {
    fail(`cannot use ${keyFile} as the deployer key: ${(err as Error).message}`);
  }
  process.stderr.write(`deploying from ${deployer.address} to ${rpcUrl}: ${admins.length} admins, ${threshold} must approve\n`);
  const deployment = await deployConsortium(deployer, rpcUrl, {
    admins,
    threshold,
    proposalLifetime: Math.round(lifetimeDays * 24 * 3600),
    epochLength: epochSeconds,
  });
  await writeFile(values.out, JSON.stringify(deployment, null, 2) + "\n");
  process.stdout.write(`${JSON.stringify(deployment, null, 2)}\n`);
  process.stderr.write(`deployment written to ${values.out}: give it to every partner (cti init --deployment ${values.out})\n`);
} finally {
  provider.destroy();
}
