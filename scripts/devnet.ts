/**
 * Starts a development ledger on 127.0.0.1, deploys the ConsortiumRegistry (3 admins, 2 of 3
 * must approve), admits the partners whose data dirs are given, and writes the deployment file
 * nodes read. Runs until Ctrl-C.
 *
 *   npm run devnet -- --port 8545 --out .devnet/deployment.json --partner .demo/acme-bank
 */
import { mkdir, readFile, writeFile } from "node:fs/promises";
import { dirname, join } from "node:path";
import { parseArgs } from "node:util";
import type { PublicIdentity } from "../node/src/identity/identity.js";
import { PUBLIC_IDENTITY_FILE } from "../node/src/identity/identity.js";
import { startDevnet } from "./lib/devnet.js";

const { values } = parseArgs({
  options: {
    port: { type: "string", default: "8545" },
    out: { type: "string", default: ".devnet/deployment.json" },
    partner: { type: "string", multiple: true, default: [] },
  },
});

const devnet = await startDevnet({ port: Number(values.port), admins: 3, threshold: 2 });
for (const dir of values.partner) {
  const identity = JSON.parse(await readFile(join(dir, PUBLIC_IDENTITY_FILE), "utf8")) as PublicIdentity;
  await devnet.admit(identity, { displayName: identity.orgId, country: "FR", sector: "finance" });
  console.log(`admitted ${identity.orgId} (2 of 3 admins approved)`);
}
await mkdir(dirname(values.out), { recursive: true });
await writeFile(values.out, JSON.stringify(devnet.deployment, null, 2) + "\n");
console.log(`ledger at ${devnet.deployment.rpcUrl}, registry ${devnet.deployment.registryAddress}; deployment in ${values.out}`);
console.log("Ctrl-C stops it");
process.on("SIGINT", () => void devnet.close().then(() => process.exit(0)));
process.on("SIGTERM", () => void devnet.close().then(() => process.exit(0)));
