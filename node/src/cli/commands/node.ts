/** Commands that run a node or act on its data dir: init, identity, start, status, check. */
import { chmod, mkdir, readFile, stat, writeFile } from "node:fs/promises";
import { join, resolve } from "node:path";
import type { Command } from "commander";
import { startApiServer } from "../../api/server.js";
import { ConfigError, parseConfig, readDeployment, readJsonFile, type NodeConfigInput } from "../../config/config.js";
import { NodeIdentity, PUBLIC_IDENTITY_FILE } from "../../identity/identity.js";
import { CtiNode } from "../../node.js";
import { checkConsistency } from "../../store/consistency.js";
import { IndicatorStore } from "../../store/indicator-store.js";
import { api, collect, CONFIG_FILE, DEFAULT_API, integer, print } from "../shared.js";

export function registerNodeCommands(program: Command): void {
  program
    .command("init")
    .description("create a node identity (keys, peer id, wallet) and configuration in a data dir")
    .requiredOption("-d, --data-dir <dir>", "data directory of the node")
    .requiredOption("-o, --org <orgId>", "your org id as admitted on chain (2-31 of a-z 0-9 . _ -)")
    .option("--deployment <file>", "deployment file written by the devnet script (RPC URL and registry address)")
    .option("--rpc-url <url>", "JSON-RPC URL of the consortium's ledger")
    .option("--registry <address>", "address of the ConsortiumRegistry contract")
    .option("--groups <address>", "address of the SharingGroups contract")
    .option("--reputation <address>", "address of the Reputation contract")
    .option("--audit <address>", "address of the AuditTrail contract")
    .option("--chain-id <id>", "chain id of the ledger", integer)
    .option("--listen <multiaddr>", "libp2p listen address (repeatable)", collect)
    .option("--api-port <port>", "port of the local HTTP API", integer, 8700)
    .option("--bootstrap <multiaddr>", "fallback peer address (repeatable)", collect)
    .option("--admin-key-file <file>", "a governance admin's key file, so that this node's dashboard can approve and execute proposals")
    .action(async (options) => {
      await mkdir(options.dataDir, { recursive: true, mode: 0o700 });
      const deployment = options.deployment ? await readDeployment(options.deployment) : undefined;
      const config: NodeConfigInput = {
        dataDir: options.dataDir,
        listen: options.listen ?? ["/ip4/127.0.0.1/tcp/0"],
        bootstrap: options.bootstrap ?? [],
        chain: {
          rpcUrl: options.rpcUrl ?? deployment?.rpcUrl,
          chainId: options.chainId ?? deployment?.chainId,
          registryAddress: options.registry ?? deployment?.registryAddress,
          groupsAddress: options.groups ?? deployment?.groupsAddress,
          reputationAddress: options.reputation ?? deployment?.reputationAddress,
          auditAddress: options.audit ?? deployment?.auditAddress,
          ringKeysAddress: deployment?.ringKeysAddress,
        },
        api: { host: "127.0.0.1", port: options.apiPort },
        ...(options.adminKeyFile ? { governance: { adminKeyFile: resolve(options.adminKeyFile) } } : {}),
      };
      parseConfig(config, "the command line");
      const identity = await NodeIdentity.generate(options.org);
      await identity.save(options.dataDir);
      // It will hold API tokens and TAXII credentials: the owner's alone, like the identity.
      await writeFile(join(options.dataDir, CONFIG_FILE), JSON.stringify(config, null, 2) + "\n", { mode: 0o600 });
      await chmod(join(options.dataDir, CONFIG_FILE), 0o600);
      process.stderr.write(`identity and ${CONFIG_FILE} written to ${options.dataDir}; give ${PUBLIC_IDENTITY_FILE} to your consortium's admins:\n`);
      print(identity.public());
    });

  program
    .command("identity")
    .description("print the public identity of a node (what admins need to admit it)")
    .requiredOption("-d, --data-dir <dir>", "data directory of the node")
    .action(async (options) => {
      print(JSON.parse(await readFile(join(options.dataDir, PUBLIC_IDENTITY_FILE), "utf8")));
    });

  program
    .command("start")
    .description("run the node and its local HTTP API until Ctrl-C")
    .requiredOption("-d, --data-dir <dir>", "data directory of the node")
    .option("--api-port <port>", "override the API port", integer)
    .action(async (options) => {
      const raw = (await readJsonFile(join(options.dataDir, CONFIG_FILE))) as NodeConfigInput;
      await refuseReadableSecrets(join(options.dataDir, CONFIG_FILE), raw);
      const config = parseConfig(
        { ...raw, dataDir: options.dataDir, ...(options.apiPort !== undefined && raw.api !== false ? { api: { ...raw.api, port: options.apiPort } } : {}) },
        join(options.dataDir, CONFIG_FILE),
      );
      const node = new CtiNode(config);
      await node.start();
      // A node that cannot serve its API stops cleanly (its lookup index saved) before saying why.
      const server = config.api === false ? undefined : await startApiServer(node, config.api).catch(async (err: unknown) => {
        await node.stop();
        throw err;
      });
      if (server) node.logger.info({ url: server.url }, "HTTP API listening");
      let stopping = false;
      const shutdown = async (signal: string) => {
        if (stopping) return;
        stopping = true;
        node.logger.info({ signal }, "stopping");
        await server?.app.close();
        await node.stop();
        process.exit(0);
      };
      process.on("SIGINT", () => void shutdown("SIGINT"));
      process.on("SIGTERM", () => void shutdown("SIGTERM"));
    });

  program
    .command("status")
    .description("peers, members, chain head and counts of a running node")
    .option("--api <url>", "the node's HTTP API", DEFAULT_API)
    .action(async (options) => {
      print(await api(options.api, "/status"));
    });

  program
    .command("check")
    .description("prove that every index of a node's store agrees with its records and batches (run on a stopped node's data dir)")
    .requiredOption("-d, --data-dir <dir>", "data directory of the node")
    .action(async (options) => {
      let store: IndicatorStore;
      try {
        store = await IndicatorStore.open(join(options.dataDir, "db"));
      } catch (err) {
        throw new ConfigError(`cannot open the store in ${options.dataDir}: ${(err as Error).message} (is the node still running? stop it first)`);
      }
      try {
        const report = await checkConsistency(store);
        print(report);
        if (!report.ok) process.exitCode = 1;
      } finally {
        await store.close();
      }
    });
}

/** A config that holds secrets (API tokens, TAXII credentials, a feed's headers) must not be readable by other users. */
async function refuseReadableSecrets(path: string, raw: NodeConfigInput): Promise<void> {
  const api = raw.api === false ? undefined : raw.api;
  const feedHeaders = (raw.feeds ?? []).some((feed) => Object.keys(feed.headers ?? {}).length > 0);
  const secrets = (api?.tokens?.length ?? 0) > 0 || (raw.taxii?.credentials?.length ?? 0) > 0 || feedHeaders;
  const mode = (await stat(path)).mode & 0o777;
  if (secrets && (mode & 0o077) !== 0) throw new ConfigError(`${path} holds API tokens, TAXII credentials or a feed's headers and is readable by other users (mode ${mode.toString(8)}); run chmod 600 on it`);
}
