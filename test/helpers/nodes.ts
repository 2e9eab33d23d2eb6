import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pino } from "pino";
import { parseConfig, type Deployment, type NodeConfigInput } from "../../node/src/config/config.js";
import { NodeIdentity } from "../../node/src/identity/identity.js";
import { startApiServer } from "../../node/src/api/server.js";
import { CtiNode } from "../../node/src/node.js";
import { startDevnet } from "../../scripts/lib/devnet.js";

export async function tempDir(prefix: string): Promise<string> {
  return mkdtemp(join(tmpdir(), `cti-${prefix}-`));
}

export async function removeDir(dir: string): Promise<void> {
  await rm(dir, { recursive: true, force: true });
}

/** A data dir holding a fresh identity for `orgId`. */
export async function newIdentity(orgId: string): Promise<{ dataDir: string; identity: NodeIdentity }> {
  const dataDir = await tempDir(orgId);
  const identity = await NodeIdentity.generate(orgId);
  await identity.save(dataDir);
  return { dataDir, identity };
}

export function nodeConfig(dataDir: string, deployment: Deployment, extra: Partial<NodeConfigInput> = {}) {
  return parseConfig(
    {
      dataDir,
      listen: ["/ip4/127.0.0.1/tcp/0"],
      chain: { rpcUrl: deployment.rpcUrl, chainId: deployment.chainId, registryAddress: deployment.registryAddress, groupsAddress: deployment.groupsAddress, reputationAddress: deployment.reputationAddress, auditAddress: deployment.auditAddress, ringKeysAddress: deployment.ringKeysAddress, pollIntervalMs: 100 },
      api: false,
      batch: { maxSize: 1000, maxDelayMs: 20 },
      ...extra,
    },
    "test",
  );
}

export function startNode(dataDir: string, deployment: Deployment, extra: Partial<NodeConfigInput> = {}): Promise<CtiNode> {
  const node = new CtiNode(nodeConfig(dataDir, deployment, extra), {
    logger: pino({ level: process.env.CTI_TEST_LOG_LEVEL ?? "silent" }),
  });
  return node.start().then(() => node);
}

/** Polls `condition` until it holds or `timeoutMs` passes; the failure names what was awaited. */
export async function waitFor(what: string, condition: () => Promise<boolean> | boolean, timeoutMs = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await condition()) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
}

/**
 * One admitted member's node on its own chain, with its HTTP API on a free loopback port: the
 * setup of the tests that exercise one node's faces.
 */
export async function startSoloNode(orgId: string, extra: Partial<NodeConfigInput> = {}) {
  const devnet = await startDevnet();
  const { dataDir, identity } = await newIdentity(orgId);
  await devnet.admit(identity.public(), { displayName: orgId, country: "LU", sector: "finance" });
  const node = await startNode(dataDir, devnet.deployment, extra);
  const server = await startApiServer(node, { host: "127.0.0.1", port: 0, bodyLimitBytes: 8 << 20 });
  return {
    devnet,
    node,
    url: server.url,
    async stop() {
      await server.app.close();
      await node.stop();
      await devnet.close();
      await removeDir(dataDir);
    },
  };
}
