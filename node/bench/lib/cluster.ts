/**
 * A local consortium for benchmarks: the development ledger in this process, and partner nodes
 * as separate processes (`cti start`), each with its own data dir, API port and log, set up
 * exactly as an operator would (`cti init`, admission by M-of-N proposals on chain).
 */
import type { ChildProcess } from "node:child_process";
import { mkdir, readFile, rm, writeFile } from "node:fs/promises";
import { join, resolve } from "node:path";
import type { PublicIdentity } from "../../src/identity/identity.js";
import { startDevnet, type Devnet } from "../../../scripts/lib/devnet.js";
import { freePort, run, startLogged, terminate } from "../../../scripts/lib/processes.js";

const CLI = resolve("node/bin/cti.js");

export interface ClusterPartner {
  orgId: string;
  dataDir: string;
  apiPort: number;
  identity: PublicIdentity;
  child?: ChildProcess;
}

export interface ClusterInit {
  dir: string;
  partners: number;
  /** Changes each partner's config.json after `cti init` (batching, chain polling, sync pages). */
  configure?(config: Record<string, unknown>, index: number): void;
}

export interface Cluster {
  devnet: Devnet;
  partners: ClusterPartner[];
  start(index: number): void;
  api<T>(index: number, path: string, body?: unknown): Promise<T>;
  waitUntil(what: string, check: () => Promise<boolean>, timeoutMs?: number): Promise<void>;
  stop(): Promise<void>;
}

/** Runs `work` over `items` with at most `limit` at once (process starts are CPU-heavy). */
async function inParallel<T, R>(items: T[], limit: number, work: (item: T, index: number) => Promise<R>): Promise<R[]> {
  const out: R[] = new Array(items.length);
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(limit, items.length) }, async () => {
      while (next < items.length) {
        const i = next++;
        out[i] = await work(items[i]!, i);
      }
    }),
  );
  return out;
}

export async function createCluster(init: ClusterInit): Promise<Cluster> {
  await rm(init.dir, { recursive: true, force: true });
  await mkdir(init.dir, { recursive: true });
  const devnet = await startDevnet({ admins: 3, threshold: 2 });
  const deploymentFile = join(init.dir, "deployment.json");
  await writeFile(deploymentFile, JSON.stringify(devnet.deployment, null, 2) + "\n");
  const orgIds = Array.from({ length: init.partners }, (_, i) => `partner-${String(i).padStart(2, "0")}`);
  const partners = await inParallel(orgIds, 2, async (orgId, i): Promise<ClusterPartner> => {
    const dataDir = join(init.dir, orgId);
    const apiPort = await freePort();
    const identity = JSON.parse(
      await run(process.execPath, [CLI, "init", "--data-dir", dataDir, "--org", orgId, "--deployment", deploymentFile, "--api-port", String(apiPort)]),
    ) as PublicIdentity;
    if (init.configure) {
      const file = join(dataDir, "config.json");
      const config = JSON.parse(await readFile(file, "utf8")) as Record<string, unknown>;
      init.configure(config, i);
      await writeFile(file, JSON.stringify(config, null, 2) + "\n");
    }
    return { orgId, dataDir, apiPort, identity };
  });
  for (const partner of partners) await devnet.admit(partner.identity, { displayName: partner.orgId, country: "LU", sector: "finance" });

  const cluster: Cluster = {
    devnet,
    partners,
    start(index) {
      const partner = partners[index]!;
      // BENCH_NODE_ARGS passes flags to the nodes' Node.js (e.g. --cpu-prof to see where time goes).
      const nodeArgs = index < Number(process.env.BENCH_NODE_ARGS_NODES ?? Infinity) ? (process.env.BENCH_NODE_ARGS?.split(" ").filter(Boolean) ?? []) : [];
      partner.child = startLogged(process.execPath, [...nodeArgs, CLI, "start", "--data-dir", partner.dataDir], join(partner.dataDir, "node.log"));
    },
    async api<T>(index: number, path: string, body?: unknown): Promise<T> {
      const response = await fetch(`http://127.0.0.1:${partners[index]!.apiPort}${path}`, {
        method: body === undefined ? "GET" : "POST",
        headers: body === undefined ? {} : { "content-type": "application/json" },
        body: body === undefined ? undefined : JSON.stringify(body),
      });
      if (!response.ok) throw new Error(`${path} at ${partners[index]!.orgId}: HTTP ${response.status} ${await response.text()}`);
      return (await response.json()) as T;
    },
    async waitUntil(what, check, timeoutMs = 120_000) {
      const deadline = Date.now() + timeoutMs;
      while (Date.now() < deadline) {
        if (await check().catch(() => false)) return;
        await new Promise((r) => setTimeout(r, 100));
      }
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    },
    async stop() {
      await Promise.all(partners.map((p) => (p.child ? terminate(p.child) : undefined)));
      await devnet.close();
    },
  };
  return cluster;
}
