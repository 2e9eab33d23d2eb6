/**
 * The local consortium: a development ledger, three partner nodes as separate processes, and a
 * demonstration of one partner publishing indicators that arrive, verified, at the others.
 *
 *   npm start                 runs until Ctrl-C
 *   npm start -- --exit-after-demo
 */
import { rm, mkdir, writeFile } from "node:fs/promises";
import { join, resolve } from "node:path";
import { parseArgs } from "node:util";
import type { ChildProcess } from "node:child_process";
import type { PublicIdentity } from "../node/src/identity/identity.js";
import { startDevnet } from "./lib/devnet.js";
import { freePort, run, startLogged, terminate } from "./lib/processes.js";

const { values } = parseArgs({ options: { "exit-after-demo": { type: "boolean", default: false }, dir: { type: "string", default: ".demo" } } });
const DEMO_DIR = resolve(values.dir);
const CLI = resolve("node/bin/cti.js");
const PARTNERS = [
  { orgId: "acme-bank", displayName: "ACME Bank SOC", country: "FR", sector: "finance" },
  { orgId: "north-cert", displayName: "North CERT", country: "NO", sector: "public-sector" },
  { orgId: "city-hospital", displayName: "City Hospital CSIRT", country: "DE", sector: "health" },
];
const say = (line: string) => process.stdout.write(`${line}\n`);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function api<T>(port: number, path: string, init?: RequestInit): Promise<T> {
  const response = await fetch(`http://127.0.0.1:${port}${path}`, { ...init, headers: { "content-type": "application/json" } });
  return (await response.json()) as T;
}

async function waitUntil(what: string, check: () => Promise<boolean>, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await check().catch(() => false)) return;
    await sleep(200);
  }
  throw new Error(`timed out waiting for ${what}`);
}

await rm(DEMO_DIR, { recursive: true, force: true });
await mkdir(DEMO_DIR, { recursive: true });
say("1. starting the development ledger (Hardhat JSON-RPC on 127.0.0.1) and deploying ConsortiumRegistry");
const devnet = await startDevnet({ admins: 3, threshold: 2 });
const deploymentFile = join(DEMO_DIR, "deployment.json");
await writeFile(deploymentFile, JSON.stringify(devnet.deployment, null, 2) + "\n");
say(`   ledger ${devnet.deployment.rpcUrl}, registry ${devnet.deployment.registryAddress}`);

const children: ChildProcess[] = [];
let stopping = false;
async function stopAll(code: number): Promise<never> {
  if (!stopping) {
    stopping = true;
    say("stopping partner nodes and the ledger...");
    await Promise.all(children.map((child) => terminate(child)));
    await devnet.close();
  }
  process.exit(code);
}
process.on("SIGINT", () => void stopAll(0));
process.on("SIGTERM", () => void stopAll(0));

try {
  const ports: number[] = [];
  for (const partner of PARTNERS) {
    const dataDir = join(DEMO_DIR, partner.orgId);
    const apiPort = await freePort();
    ports.push(apiPort);
    const identity = JSON.parse(
      await run(process.execPath, [CLI, "init", "--data-dir", dataDir, "--org", partner.orgId, "--deployment", deploymentFile, "--api-port", String(apiPort)]),
    ) as PublicIdentity;
    say(`2. ${partner.orgId}: identity created (peer ${identity.peerId.slice(0, 16)}..., wallet ${identity.wallet})`);
    await devnet.admit(identity, partner);
    say(`   admitted on chain: proposal by admin 1, approved by admin 2 (threshold 2 of 3), executed`);
  }

  PARTNERS.forEach((partner, i) => {
    const dataDir = join(DEMO_DIR, partner.orgId);
    children.push(startLogged(process.execPath, [CLI, "start", "--data-dir", dataDir], join(dataDir, "node.log")));
    say(`3. ${partner.orgId}: node started, API http://127.0.0.1:${ports[i]} (log ${join(values.dir, partner.orgId, "node.log")})`);
  });
  for (const [i, partner] of PARTNERS.entries()) {
    await waitUntil(`${partner.orgId} to peer with the others`, async () => {
      const status = await api<{ peers: unknown[] }>(ports[i]!, "/status");
      return status.peers.length === PARTNERS.length - 1;
    });
  }
  say("4. every node found its partners from the chain alone and connected (libp2p, noise, yamux, gossipsub)");

  const indicators = [
    { type: "ipv4", value: "203.0.113.66", tlp: "GREEN", confidence: 85, labels: { malwareFamilies: ["QakBot"], attackTechniques: ["T1071.001"] } },
    { type: "domain", value: "login-micros0ft[.]example", tlp: "GREEN", confidence: 70, labels: { tags: ["phishing"] } },
    { type: "url", value: "hxxps://cdn.bad-updates.example/payload.exe", tlp: "AMBER", confidence: 90 },
    { type: "sha256", value: "9F86D081884C7D659A2FEAA0C55AD015A3BF4F1B2B0B822CD15D6C15B0F00A08", tlp: "GREEN", confidence: 95 },
    { type: "ipv6", value: "2001:DB8:0:0:0:0:0:BAD", tlp: "GREEN", confidence: 60 },
  ];
  say(`5. ${PARTNERS[0]!.orgId} publishes ${indicators.length} indicators (normalized, batched, signed once over their Merkle root)`);
  const published = await api<{ published: number; results: Array<{ id: string; sequence: number }> }>(ports[0]!, "/indicators", {
    method: "POST",
    body: JSON.stringify({ indicators }),
  });
  say(`   published ${published.published}, batch #${published.results[0]?.sequence}`);

  for (const [i, partner] of PARTNERS.entries()) {
    if (i === 0) continue;
    await waitUntil(`${partner.orgId} to receive the batch`, async () => {
      const list = await api<{ indicators: unknown[] }>(ports[i]!, "/indicators?since=0");
      return list.indicators.length >= indicators.length;
    });
    const list = await api<{ indicators: Array<{ type: string; value: string; tlp: string; confidence: number; attestations: Array<{ producer: string }> }> }>(
      ports[i]!,
      "/indicators?since=0",
    );
    say(`6. arrived at ${partner.orgId}, verified against acme-bank's key on chain and stored in LevelDB:`);
    for (const record of list.indicators) {
      say(`     ${record.type.padEnd(7)} ${record.value.padEnd(48)} TLP:${record.tlp.padEnd(6)} confidence ${record.confidence}  from ${record.attestations.map((a) => a.producer).join(",")}`);
    }
  }
  say("the consortium works. Try it yourself:");
  say(`   npm run cti -- lookup 203.0.113.66 --api http://127.0.0.1:${ports[2]}`);
  say(`   npm run cti -- publish --api http://127.0.0.1:${ports[1]} --type domain --value evil.example --tlp GREEN`);
  if (values["exit-after-demo"]) await stopAll(0);
  say("running until Ctrl-C");
} catch (err) {
  process.stderr.write(`consortium demo failed: ${(err as Error).message}\n(see the node logs in ${values.dir}/)\n`);
  await stopAll(1);
}
