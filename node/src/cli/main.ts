/**
 * cli/ is the operator's face: `cti init`, `cti start`, and commands that talk to a running
 * node's local HTTP API (publish, lookup, status, groups, sightings, feed, reputation, statistics,
 * proofs). Errors are printed as one clear line and a
 * non-zero exit code, never as a stack trace.
 */
import { chmod, mkdir, readFile, stat, writeFile } from "node:fs/promises";
import { setTimeout as sleep } from "node:timers/promises";
import { join, resolve } from "node:path";
import { Command, InvalidArgumentError } from "commander";
import { humanize } from "./render.js";
import { followProgress, ProgressFailedError } from "./progress.js";
import { ApiListenError, startApiServer } from "../api/server.js";
import { ConfigError, parseConfig, readDeployment, readJsonFile, type NodeConfigInput } from "../config/config.js";
import { IdentityError, NodeIdentity, PUBLIC_IDENTITY_FILE } from "../identity/identity.js";
import { EXPORT_AUDIENCES } from "../privacy/audience.js";
import { EXPORT_FORMATS } from "../interop/exports.js";
import { DEFAULT_EXPORT_MODE, writeFilesAtomically, writeStreamAtomically } from "../detect/export-writer.js";
import { INDICATOR_TYPES, TLP_LEVELS } from "../model/indicator.js";
import { CtiNode } from "../node.js";
import { checkConsistency } from "../store/consistency.js";
import { IndicatorStore } from "../store/indicator-store.js";
import { Wallet, formatUnits, getAddress, isAddress, parseUnits } from "ethers";
import { credibilityCall, reputationContract, reputationParametersCall, voidReportsCall } from "../chain/reputation.js";
import { ChainRefusedError } from "../chain/chain-errors.js";
import { registryContract } from "../chain/governance.js";
import { bytes32ToOrgId, decodeMember, orgIdToBytes32 } from "../chain/member.js";
import {
  approveProposal,
  cancelProposal,
  executeProposal,
  listProposals,
  proposeAdminChange,
  proposeAdmission,
  proposeCall,
  proposeReplaceWallet,
  proposeStatusChange,
  proposeThreshold,
  revokeApproval,
  STATUS_CHANGES,
} from "../chain/proposals.js";
import { sectorGroupCall, sectorMemberCall } from "../chain/sharing-groups.js";
import { createProvider } from "../chain/provider.js";
import type { PublicIdentity } from "../identity/identity.js";

const CONFIG_FILE = "config.json";
const DEFAULT_API = process.env.CTI_API ?? "http://127.0.0.1:8700";

function integer(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n)) throw new InvalidArgumentError("not an integer");
  return n;
}

function collect(value: string, previous: string[] = []): string[] {
  return [...previous, value];
}

/** One request to the node's API, with the operator's token; a node that does not answer is named. */
async function send(base: string, path: string, init: { method?: string; body?: string; contentType?: string } = {}): Promise<Response> {
  const token = process.env.CTI_API_TOKEN;
  try {
    return await fetch(new URL(path, base), {
      method: init.method ?? "GET",
      body: init.body,
      headers: { ...(init.body !== undefined ? { "content-type": init.contentType ?? "application/json" } : {}), ...(token ? { authorization: `Bearer ${token}` } : {}) },
    });
  } catch {
    throw new ConfigError(`no node answers at ${base}; is "cti start" running, and is --api right?`);
  }
}

async function api(base: string, path: string, init?: { method?: string; body?: string }): Promise<unknown> {
  const response = await send(base, path, init);
  if (response.status >= 400 && response.status !== 207) {
    process.exitCode = 1;
  }
  if (response.headers.get("content-type")?.startsWith("text/csv")) return new CsvText(await response.text());
  return response.json().catch(() => ({}));
}

/**
 * Long work with a progress bar: the node answers NDJSON progress lines, then the result. An
 * error answered before the work began (a bad file, a bad option) is printed as any other.
 */
async function apiWithProgress<T>(base: string, path: string, label: string, init: { method?: string; body?: string; contentType?: string } = {}): Promise<T | undefined> {
  const response = await send(base, `${path}${path.includes("?") ? "&" : "?"}progress=true`, init);
  if (!response.ok) {
    process.exitCode = 1;
    print(await response.json().catch(() => ({ error: `HTTP ${response.status}` })));
    return undefined;
  }
  try {
    return await followProgress<T>(response, label);
  } catch (err) {
    if (!(err instanceof ProgressFailedError)) throw err;
    throw new ConfigError(`${label} failed: ${err.message}`);
  }
}

/** A file's text, or standard input's for "-". */
async function readInput(file: string): Promise<string> {
  if (file !== "-") return readFile(file, "utf8");
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString("utf8");
}

/** A CSV answer, printed as it came. */
class CsvText {
  constructor(readonly text: string) {}
}

/** JSON for scripts (--json, or output that is not a terminal); readable text for a person. */
function print(value: unknown): void {
  if (value instanceof CsvText) process.stdout.write(value.text);
  else if (program.opts().json || !process.stdout.isTTY) process.stdout.write(`${JSON.stringify(value, null, 2)}\n`);
  else process.stdout.write(`${humanize(value)}\n`);
}

const query = (params: Record<string, string | number | boolean | undefined>) =>
  new URLSearchParams(Object.entries(params).flatMap(([k, v]): Array<[string, string]> => (v === undefined || v === false ? [] : [[k, String(v)]]))).toString();

const program = new Command()
  .name("cti")
  .description("Partner node of the CTI exchange: share signed threat indicators with your consortium")
  .option("--json", "print JSON (the default when the output is not a terminal)")
  .showHelpAfterError();

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
  .command("publish")
  .description("publish indicators through a running node")
  .option("--api <url>", "the node's HTTP API", DEFAULT_API)
  .option("-t, --type <type>", `indicator type (${INDICATOR_TYPES.join(", ")})`)
  .option("-v, --value <value>", "indicator value (defanged values are accepted)")
  .option("--tlp <tlp>", `TLP level (${TLP_LEVELS.join(", ")})`, "GREEN")
  .option("-c, --confidence <0-100>", "confidence", integer)
  .option("--valid-until <time>", "ISO 8601 time after which the indicator is no longer valid")
  .option("--malware <family>", "malware family (repeatable)", collect)
  .option("--attack <technique>", "MITRE ATT&CK technique id (repeatable)", collect)
  .option("--tag <tag>", "free tag (repeatable)", collect)
  .option("--description <text>", "analyst text (personal data is scrubbed before it leaves)")
  .option("-g, --group <id>", "sharing group id (required for AMBER and AMBER+STRICT unless a default group is configured)", integer)
  .option("--blind", "share a keyed hash of the value instead of the value (needs a group)")
  .option("-f, --file <json>", "a JSON file (- for standard input): a list of indicators, or {\"indicators\": [...]}")
  .action(async (options) => {
    let indicators: unknown[];
    if (options.file) {
      let content: unknown;
      try {
        content = options.file === "-" ? JSON.parse(await readInput("-")) : await readJsonFile(options.file);
      } catch (err) {
        if (err instanceof ConfigError) throw err;
        throw new ConfigError(`standard input is not JSON: ${(err as Error).message}`);
      }
      indicators = Array.isArray(content) ? content : ((content as { indicators?: unknown[] }).indicators ?? []);
    } else {
      if (!options.type || !options.value) throw new ConfigError("give --type and --value, or --file");
      indicators = [
        {
          type: options.type,
          value: options.value,
          tlp: options.tlp,
          confidence: options.confidence,
          validUntil: options.validUntil,
          labels: { malwareFamilies: options.malware, attackTechniques: options.attack, tags: options.tag },
          description: options.description,
          group: options.group,
          blind: options.blind,
        },
      ];
    }
    print(await api(options.api, "/indicators", { method: "POST", body: JSON.stringify({ indicators }) }));
  });

program
  .command("lookup")
  .description("look a value up in a running node's cache")
  .argument("<value>", "the value (IP, domain, URL, e-mail, hash, CIDR)")
  .option("--api <url>", "the node's HTTP API", DEFAULT_API)
  .option("-t, --type <type>", "only this indicator type")
  .option("--audience <audience>", `show what this audience may see (${EXPORT_AUDIENCES.join(", ")})`, "internal")
  .action(async (value: string, options) => {
    const query = new URLSearchParams({ value, audience: options.audience, ...(options.type ? { type: options.type } : {}) });
    print(await api(options.api, `/indicators/lookup?${query}`));
  });

program
  .command("status")
  .description("peers, members, chain head and counts of a running node")
  .option("--api <url>", "the node's HTTP API", DEFAULT_API)
  .action(async (options) => {
    print(await api(options.api, "/status"));
  });

program
  .command("sight")
  .description("report that your detectors saw a value (or found it a false positive, or expired)")
  .argument("<value>", "the value seen (normalized like a lookup; blinded indicators match too)")
  .option("-t, --type <type>", "only this indicator type")
  .option("-k, --kind <kind>", `sighting, false-positive or expired`, "sighting")
  .option("-n, --count <n>", "how many times it was seen", integer)
  .option("--observed-at <time>", "ISO 8601 time it was seen (default now)")
  .option("--api <url>", "the node's HTTP API", DEFAULT_API)
  .action(async (value: string, options) =>
    print(
      await api(options.api, "/sightings", {
        method: "POST",
        body: JSON.stringify({ value, type: options.type, kind: options.kind, count: options.count, observedAt: options.observedAt }),
      }),
    ),
  );

program
  .command("feed")
  .description("what your detectors may use: unexpired, unquarantined indicators with their scores")
  .option("--audience <audience>", `internal, clients, community or public`, "internal")
  .option("--since <time>", "only what changed since (ISO 8601 or Unix ms)")
  .option("--csv", "CSV instead of JSON")
  .option("--api <url>", "the node's HTTP API", DEFAULT_API)
  .action(async (options) => print(await api(options.api, `/feed?${query({ audience: options.audience, since: options.since, format: options.csv ? "csv" : undefined })}`)));

program
  .command("reputation")
  .description("every member's reputation now, or over the last epochs (rebuilt from chain events)")
  .option("--history", "per epoch, replayed from the Reputation contract's events")
  .option("--org <org>", "with --history: one org only")
  .option("--epochs <n>", "with --history: how many epochs back", integer)
  .option("--csv", "CSV instead of JSON")
  .option("--api <url>", "the node's HTTP API", DEFAULT_API)
  .action(async (options) => {
    const format = options.csv ? "csv" : undefined;
    const path = options.history ? `/reputation/history?${query({ org: options.org, epochs: options.epochs, format })}` : `/reputation?${query({ format })}`;
    print(await api(options.api, path));
  });

program
  .command("match")
  .description("match values (arguments, or a file of one per line) against every indicator: which matched and why")
  .argument("[values...]", "values seen: addresses, domains, URLs, e-mail addresses, hashes")
  .option("-f, --file <path>", "a file of values, one per line")
  .option("--include-quarantined", "also report matches of quarantined or expired indicators")
  .option("--api <url>", "the node's HTTP API", DEFAULT_API)
  .action(async (values: string[], options) => {
    const fromFile = options.file ? (await readFile(options.file, "utf8")).split("\n").map((l) => l.trim()).filter((l) => l !== "") : [];
    const all = [...values, ...fromFile];
    if (all.length === 0) throw new ConfigError("give values to match, or --file");
    print(await api(options.api, "/match", { method: "POST", body: JSON.stringify({ values: all, includeQuarantined: Boolean(options.includeQuarantined) }) }));
  });

/** A config that holds secrets (API tokens, TAXII credentials) must not be readable by other users. */
async function refuseReadableSecrets(path: string, raw: NodeConfigInput): Promise<void> {
  const api = raw.api === false ? undefined : raw.api;
  const secrets = (api?.tokens?.length ?? 0) > 0 || (raw.taxii?.credentials?.length ?? 0) > 0;
  const mode = (await stat(path)).mode & 0o777;
  if (secrets && (mode & 0o077) !== 0) throw new ConfigError(`${path} holds API tokens or TAXII credentials and is readable by other users (mode ${mode.toString(8)}); run chmod 600 on it`);
}

function positive(value: string): number {
  const n = integer(value);
  if (n < 1) throw new InvalidArgumentError("must be at least 1");
  return n;
}

function fileMode(value: string): number {
  if (!/^0?[0-7]{3}$/.test(value)) throw new InvalidArgumentError("an octal file mode such as 0640");
  const mode = parseInt(value, 8);
  if ((mode & 0o007) !== 0) throw new InvalidArgumentError("must not let every user of the machine read the feed (TLP:RED for the internal audience)");
  return mode;
}

program
  .command("export")
  .description("write a feed (zeek, suricata, csv, lists, stix, misp-feed) to a directory, atomically; --watch keeps it current")
  .argument("<format>", EXPORT_FORMATS.join(", "))
  .requiredOption("-o, --out <dir>", "directory to write the files to")
  .option("--audience <audience>", "internal (your detectors), clients, community or public", "internal")
  .option("--watch", "keep running and rewrite the files whenever the feed changes")
  .option("--interval <seconds>", "with --watch: how often to check (at least 1)", positive, 10)
  .option("--mode <octal>", "file mode of what is written (owner and group only)", fileMode, DEFAULT_EXPORT_MODE)
  .option("--api <url>", "the node's HTTP API", DEFAULT_API)
  .action(async (format: string, options) => {
    if (!(EXPORT_FORMATS as readonly string[]).includes(format)) throw new ConfigError(`unknown format "${format}"; use one of ${EXPORT_FORMATS.join(", ")}`);
    const once = async () => {
      let written: string[];
      if (format === "stix") {
        // Streamed from the node to the file: a whole-feed bundle is never held in memory.
        const response = await send(options.api, `/exports/stix/bundle?${query({ audience: options.audience })}`);
        if (!response.ok || !response.body) {
          process.exitCode = 1;
          print(await response.json().catch(() => ({ error: `HTTP ${response.status}` })));
          return;
        }
        const changed = await writeStreamAtomically(options.out, "cti-stix-bundle.json", response.body as unknown as AsyncIterable<Uint8Array>, { mode: options.mode });
        written = changed ? ["cti-stix-bundle.json"] : [];
      } else {
        const answer = await apiWithProgress<{ files: Record<string, string> }>(options.api, `/exports/${format}?${query({ audience: options.audience })}`, `export ${format}`);
        if (!answer) return;
        written = await writeFilesAtomically(options.out, answer.files, { mode: options.mode });
      }
      if (written.length > 0) process.stderr.write(`${new Date().toISOString()} wrote ${written.join(", ")} to ${options.out}\n`);
    };
    await once();
    if (!options.watch) return;
    // One export at a time: a slow one delays the next instead of running beside it.
    const stop = new AbortController();
    process.once("SIGINT", () => stop.abort());
    process.once("SIGTERM", () => stop.abort());
    while (!stop.signal.aborted) {
      const waited = await sleep(options.interval * 1000, true, { signal: stop.signal }).catch(() => false);
      if (!waited) break;
      await once().catch((err: Error) => process.stderr.write(`cti: ${err.message}; retrying\n`));
    }
  });

program
  .command("import")
  .description("import indicators from a STIX 2.1 bundle, MISP event JSON or CSV (header with at least type and value); every object left out is listed with the reason")
  .argument("<format>", "stix, misp or csv")
  .argument("<file>", "the file to import, or - for standard input")
  .option("--tlp <tlp>", "TLP for what carries no TLP marking", "GREEN")
  .option("-g, --group <id>", "sharing group for AMBER and AMBER+STRICT items", integer)
  .option("--include-non-ids", "MISP: also import attributes whose to_ids is false")
  .option("--api <url>", "the node's HTTP API", DEFAULT_API)
  .action(async (format: string, file: string, options) => {
    if (format !== "stix" && format !== "misp" && format !== "csv") throw new ConfigError(`unknown import format "${format}"; use stix, misp or csv`);
    let body: string;
    try {
      body = await readInput(file);
    } catch (err) {
      throw new ConfigError(`cannot read ${file}: ${(err as Error).message}`);
    }
    if (format !== "csv") {
      try {
        body = JSON.stringify(JSON.parse(body));
      } catch (err) {
        throw new ConfigError(`${file} is not JSON (${(err as Error).message}); a ${format === "stix" ? "STIX 2.1 bundle" : "MISP event"} is JSON`);
      }
    }
    const path = `/import/${format}?${query({ tlp: options.tlp, group: options.group, includeNonIds: options.includeNonIds ? "true" : undefined })}`;
    const report = await apiWithProgress<{ published: number; refused: unknown[]; skipped: unknown[] }>(options.api, path, `import ${format}`, {
      method: "POST",
      body,
      contentType: format === "csv" ? "text/csv" : "application/json",
    });
    if (!report) return;
    print(report);
    process.stderr.write(`published ${report.published}, refused ${report.refused.length}, left out ${report.skipped.length}\n`);
    if (report.published === 0 && report.refused.length > 0) process.exitCode = 1;
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

program
  .command("equivocations")
  .description("evidence this node holds that a producer signed two batches with one sequence number (both signed headers), for governance")
  .option("--producer <org>", "one producer only")
  .option("--api <url>", "the node's HTTP API", DEFAULT_API)
  .action(async (options) => print(await api(options.api, `/equivocations?${query({ producer: options.producer })}`)));

program
  .command("alerts")
  .description("matches the node's log matcher found in your detectors' logs")
  .option("--since <time>", "only alerts since (ISO 8601 or Unix ms)")
  .option("--api <url>", "the node's HTTP API", DEFAULT_API)
  .action(async (options) => print(await api(options.api, `/alerts?${query({ since: options.since })}`)));

const stats = program.command("stats").description("statistics for researchers");
stats
  .command("producers")
  .description("per producer: volume, confirmations, false-positive rate, median time to first sighting, reputation")
  .option("--csv", "CSV instead of JSON")
  .option("--api <url>", "the node's HTTP API", DEFAULT_API)
  .action(async (options) => print(await api(options.api, `/stats/producers?${query({ format: options.csv ? "csv" : undefined })}`)));
stats
  .command("top")
  .description("the indicators confirmed by the most orgs")
  .option("-l, --limit <n>", "how many", integer)
  .option("--audience <audience>", "internal, clients, community or public", "internal")
  .option("--csv", "CSV instead of JSON")
  .option("--api <url>", "the node's HTTP API", DEFAULT_API)
  .action(async (options) =>
    print(await api(options.api, `/stats/top-confirmed?${query({ limit: options.limit, audience: options.audience, format: options.csv ? "csv" : undefined })}`)),
  );

const proof = program.command("proof").description("audit proofs: that an org published an indicator before a time");
proof
  .command("create")
  .description("prove, from the batches and the chain, that <producer> published <value> before its anchor's time")
  .argument("<value>", "the indicator's value")
  .requiredOption("-p, --producer <org>", "the org whose statement to prove")
  .option("-t, --type <type>", "the indicator's type")
  .option("-o, --out <file>", "write the proof to a file instead of printing it")
  .option("--api <url>", "the node's HTTP API", DEFAULT_API)
  .action(async (value: string, options) => {
    const result = await api(options.api, `/proofs?${query({ value, type: options.type, producer: options.producer })}`);
    if (options.out && process.exitCode !== 1) {
      await writeFile(options.out, JSON.stringify(result, null, 2) + "\n");
      process.stderr.write(`proof written to ${options.out}\n`);
    } else print(result);
  });
proof
  .command("verify")
  .description("check a proof file against the chain; exit code 1 if it does not hold")
  .argument("<file>", "a proof written by `cti proof create`")
  .option("--api <url>", "the node's HTTP API", DEFAULT_API)
  .action(async (file: string, options) => {
    const verdict = (await api(options.api, "/proofs/verify", { method: "POST", body: JSON.stringify(await readJsonFile(file)) })) as { valid?: boolean };
    print(verdict);
    if (verdict.valid !== true) process.exitCode = 1;
  });

const epoch = program.command("epoch").description("this epoch's reputation report and audit anchor (sent automatically near the epoch's end)");
epoch
  .command("report")
  .description("send (or amend) this org's reputation report for the current epoch now")
  .option("--api <url>", "the node's HTTP API", DEFAULT_API)
  .action(async (options) => print(await api(options.api, "/reputation/report", { method: "POST" })));
epoch
  .command("anchor")
  .description("anchor this org's batches not anchored yet now")
  .option("--api <url>", "the node's HTTP API", DEFAULT_API)
  .action(async (options) => print(await api(options.api, "/audit/anchor", { method: "POST" })));

const groups = program.command("groups").description("sharing groups: the audiences of TLP:AMBER and AMBER+STRICT");

groups
  .command("list")
  .description("every sharing group on chain, with its owner and members")
  .option("--api <url>", "the node's HTTP API", DEFAULT_API)
  .action(async (options) => print(await api(options.api, "/groups")));

groups
  .command("create")
  .description("create a group owned by your org (a transaction from your node's wallet)")
  .argument("<name>", "group name, 1-64 bytes")
  .option("-m, --member <org>", "org to add besides yours (repeatable)", collect)
  .option("--api <url>", "the node's HTTP API", DEFAULT_API)
  .action(async (name: string, options) =>
    print(await api(options.api, "/groups", { method: "POST", body: JSON.stringify({ name, members: options.member ?? [] }) })),
  );

for (const [change, description] of [
  ["add", "add an active member org to a group your org owns"],
  ["remove", "remove an org from a group your org owns; it cannot read batches sealed after this"],
] as const) {
  groups
    .command(change)
    .description(description)
    .argument("<group>", "group id", integer)
    .argument("<org>", "org id")
    .option("--api <url>", "the node's HTTP API", DEFAULT_API)
    .action(async (group: number, org: string, options) =>
      print(
        change === "add"
          ? await api(options.api, `/groups/${group}/members`, { method: "POST", body: JSON.stringify({ org }) })
          : await api(options.api, `/groups/${group}/members/${encodeURIComponent(org)}`, { method: "DELETE" }),
      ),
    );
}

// ---------------------------------------------------------------- the ledger, directly

/** The ledger and registry a command talks to: a deployment file, or --rpc-url and --registry. */
async function ledgerOf(options: { deployment?: string; rpcUrl?: string; registry?: string; chainId?: number }) {
  const deployment = options.deployment ? await readDeployment(options.deployment) : undefined;
  const rpcUrl = options.rpcUrl ?? deployment?.rpcUrl;
  const registry = options.registry ?? deployment?.registryAddress;
  if (!rpcUrl || !registry) throw new ConfigError("name the ledger: --deployment <file>, or --rpc-url <url> and --registry <address>");
  return { provider: createProvider(rpcUrl, options.chainId ?? deployment?.chainId), registry, deployment };
}

/** An admin's signer, from --key-file (a file holding the hex private key, mode 0600) or CTI_ADMIN_KEY. */
async function adminOf(options: { keyFile?: string }, provider: ReturnType<typeof createProvider>): Promise<Wallet> {
  const key = options.keyFile ? (await readFile(options.keyFile, "utf8")).trim() : process.env.CTI_ADMIN_KEY;
  if (!key) throw new ConfigError("an admin's key is needed: --key-file <file> (hex private key) or CTI_ADMIN_KEY");
  try {
    return new Wallet(key, provider);
  } catch {
    throw new ConfigError("the admin key is not a valid hex private key");
  }
}

const withLedger = (command: Command) =>
  command
    .option("--deployment <file>", "deployment file (RPC URL and contract addresses)")
    .option("--rpc-url <url>", "JSON-RPC URL of the consortium's ledger")
    .option("--registry <address>", "address of the ConsortiumRegistry contract")
    .option("--chain-id <id>", "chain id of the ledger", integer);

withLedger(program.command("members").description("list the consortium's members as the ledger has them")).action(async (options) => {
  const { provider, registry } = await ledgerOf(options);
  try {
    const contract = registryContract(registry, provider);
    const count = Number(await contract.memberCount());
    const members = [];
    for (let offset = 0; offset < count; offset += 100) members.push(...(await contract.listMembers(offset, 100)).map(decodeMember));
    print(members.map((m) => ({ orgId: m.orgId, displayName: m.displayName, country: m.country, sector: m.sector, status: m.status, wallet: m.wallet, peerId: m.peerId, multiaddrs: m.multiaddrs })));
  } finally {
    provider.destroy();
  }
});

const governance = program.command("governance").description("M-of-N proposals on the ConsortiumRegistry, one admin at a time (admins only, except list)");

withLedger(governance.command("list").description("proposals, newest first, with approvals against the threshold and their state"))
  .option("--limit <n>", "most proposals", integer, 100)
  .action(async (options) => {
    const { provider, registry, deployment } = await ledgerOf(options);
    try {
      print(await listProposals(registryContract(registry, provider), Date.now(), options.limit, { groupsAddress: deployment?.groupsAddress, reputationAddress: deployment?.reputationAddress }));
    } finally {
      provider.destroy();
    }
  });

/** Runs an admin's transaction; a contract refusal is named, with exit code 1. */
async function asAdmin(options: { deployment?: string; rpcUrl?: string; registry?: string; chainId?: number; keyFile?: string }, work: (registry: string, admin: Wallet) => Promise<unknown>) {
  const { provider, registry } = await ledgerOf(options);
  try {
    print(await work(registry, await adminOf(options, provider)));
  } catch (err) {
    if (!(err instanceof ChainRefusedError)) throw err;
    process.stderr.write(`cti: ${err.message}\n`);
    process.exitCode = 1;
  } finally {
    provider.destroy();
  }
}

withLedger(governance.command("propose-admit").description("propose to admit an org (counts as your approval)"))
  .argument("<identity>", "the org's public identity file (what `cti identity` prints)")
  .requiredOption("--name <displayName>", "the org's display name")
  .requiredOption("--country <code>", "ISO 3166 country code")
  .requiredOption("--sector <sector>", "e.g. finance, health, energy, public-sector")
  .option("--key-file <file>", "file holding your admin wallet's hex private key")
  .action(async (file: string, options) =>
    asAdmin(options, async (registry, admin) => {
      const identity = (await readJsonFile(file)) as PublicIdentity;
      const proposal = await proposeAdmission(registry, admin, identity, { displayName: options.name, country: options.country, sector: options.sector });
      return { proposal, kind: "admit-member", org: identity.orgId };
    }),
  );

withLedger(governance.command("propose-status").description("propose to suspend, reinstate or remove a member (counts as your approval)"))
  .argument("<change>", "suspend, reinstate or remove", (value: string) => {
    if (!(value in STATUS_CHANGES)) throw new InvalidArgumentError("one of: suspend, reinstate, remove");
    return value as keyof typeof STATUS_CHANGES;
  })
  .argument("<org>", "org id")
  .option("--key-file <file>", "file holding your admin wallet's hex private key")
  .action(async (change: keyof typeof STATUS_CHANGES, org: string, options) =>
    asAdmin(options, async (registry, admin) => ({ proposal: await proposeStatusChange(registry, admin, change, org), kind: `${change}-member`, org })),
  );

const address = (value: string) => {
  if (!isAddress(value)) throw new InvalidArgumentError("not a 0x-prefixed 20-byte address");
  return getAddress(value);
};

withLedger(governance.command("propose-admin").description("propose to add or remove a governance admin, and the threshold that applies after it (counts as your approval)"))
  .argument("<change>", "add or remove", (value: string) => {
    if (value !== "add" && value !== "remove") throw new InvalidArgumentError("add or remove");
    return value;
  })
  .argument("<account>", "the admin's 0x address", address)
  .option("--threshold <m>", "approvals needed once the change is done (default: as now); the proposal states it", integer)
  .option("--key-file <file>", "file holding your admin wallet's hex private key")
  .action(async (change: "add" | "remove", account: string, options) =>
    asAdmin(options, async (registry, admin) => {
      const thresholdAfter = options.threshold ?? Number(await registryContract(registry, admin).threshold());
      return { proposal: await proposeAdminChange(registry, admin, change, account, thresholdAfter), kind: `${change}-admin`, account, thresholdAfter };
    }),
  );

withLedger(governance.command("propose-replace-wallet").description("propose to replace a member's wallet (and keys), to recover it after a compromise (counts as your approval)"))
  .argument("<org>", "org id")
  .argument("<wallet>", "the new wallet's 0x address", address)
  .option("--signing-key <hex>", "a new ed25519 signing key (0x + 64 hex); default: keep")
  .option("--encryption-key <hex>", "a new X25519 encryption key (0x + 64 hex); default: keep")
  .option("--identity <file>", "take the new wallet's keys from this public identity file (what `cti identity` prints)")
  .option("--key-file <file>", "file holding your admin wallet's hex private key")
  .action(async (org: string, wallet: string, options) =>
    asAdmin(options, async (registry, admin) => {
      const identity = options.identity ? ((await readJsonFile(options.identity)) as PublicIdentity) : undefined;
      const keys = { signingKey: options.signingKey ?? identity?.signingKey, encryptionKey: options.encryptionKey ?? identity?.encryptionKey };
      for (const [name, key] of Object.entries(keys)) if (key !== undefined && !/^0x[0-9a-fA-F]{64}$/.test(key)) throw new ConfigError(`--${name === "signingKey" ? "signing" : "encryption"}-key is not 0x and 64 hex digits`);
      return { proposal: await proposeReplaceWallet(registry, admin, org, wallet, keys), kind: "replace-wallet", org, wallet };
    }),
  );

withLedger(governance.command("propose-threshold").description("propose a new number of approvals needed (M of the N admins)"))
  .argument("<threshold>", "approvals needed, 1 to the number of admins", integer)
  .option("--key-file <file>", "file holding your admin wallet's hex private key")
  .action(async (threshold: number, options) =>
    asAdmin(options, async (registry, admin) => ({ proposal: await proposeThreshold(registry, admin, threshold), kind: "change-threshold", threshold })),
  );

/** A decimal number of confirmations (the contract's 1e18 fixed point). */
function evidence(value: string): bigint {
  if (!/^\d+(\.\d{1,18})?$/.test(value)) throw new InvalidArgumentError("a non-negative decimal number, such as 1 or 0.5");
  return parseUnits(value, 18);
}

withLedger(governance.command("propose-reputation-parameters").description("propose new reputation parameters (a governed call on Reputation); what is not given stays as it is"))
  .option("--epoch-seconds <n>", "seconds per epoch", integer)
  .option("--prior-positive <x>", "prior confirmations a of the beta reputation (e.g. 1)", evidence)
  .option("--prior-negative <x>", "prior false positives b (e.g. 1)", evidence)
  .option("--forgetting <f>", "fraction of past evidence kept each epoch, in (0, 1] (e.g. 0.9)", evidence)
  .option("--max-report-evidence <x>", "most evidence one member's report about one producer adds per epoch, in confirmations (e.g. 4)", evidence)
  .option("--half-evidence-count <n>", "distinct indicators at which a report carries half of that", integer)
  .option("--reputation <address>", "address of the Reputation contract (else from --deployment)")
  .option("--key-file <file>", "file holding your admin wallet's hex private key")
  .action(async (options) =>
    asAdmin(options, async (registry, admin) => {
      const address = await reputationAddressOf(options);
      const current = await reputationContract(address, admin).parameters();
      const next = {
        epochLength: options.epochSeconds !== undefined ? BigInt(options.epochSeconds) : current.epochLength,
        priorPositive: options.priorPositive ?? current.priorPositive,
        priorNegative: options.priorNegative ?? current.priorNegative,
        forgetting: options.forgetting ?? current.forgetting,
        maxReportEvidence: options.maxReportEvidence ?? current.maxReportEvidence,
        halfEvidenceCount: options.halfEvidenceCount !== undefined ? BigInt(options.halfEvidenceCount) : current.halfEvidenceCount,
      };
      const proposal = await proposeCall(registry, admin, address, reputationParametersCall(next));
      return {
        proposal,
        kind: "call",
        changes: "reputation parameters",
        epochSeconds: Number(next.epochLength),
        priorPositive: formatUnits(next.priorPositive, 18),
        priorNegative: formatUnits(next.priorNegative, 18),
        forgetting: formatUnits(next.forgetting, 18),
        maxReportEvidence: formatUnits(next.maxReportEvidence, 18),
        halfEvidenceCount: Number(next.halfEvidenceCount),
      };
    }),
  );

async function reputationAddressOf(options: { reputation?: string; deployment?: string }): Promise<string> {
  const address = options.reputation ?? (options.deployment ? (await readDeployment(options.deployment)).reputationAddress : undefined);
  if (!address) throw new ConfigError("name the Reputation contract: --reputation <address>, or a --deployment that has it");
  return address;
}

withLedger(governance.command("propose-void-reports").description("propose to take back a member's reputation reports of an epoch (a governed call on Reputation)"))
  .argument("<reporter>", "the org whose reports to void")
  .requiredOption("--epoch <n>", "the epoch of the reports", integer)
  .option("--producer <org>", "only its reports about this producer (repeatable; default: every producer it reported on)", collect)
  .option("--reputation <address>", "address of the Reputation contract (else from --deployment)")
  .option("--key-file <file>", "file holding your admin wallet's hex private key")
  .action(async (reporter: string, options) =>
    asAdmin(options, async (registry, admin) => {
      const address = await reputationAddressOf(options);
      let producers: string[] = options.producer ?? [];
      if (producers.length === 0) {
        const contract = reputationContract(address, admin);
        const events = await contract.queryFilter(contract.filters.ReportSubmitted!(options.epoch, orgIdToBytes32(reporter)));
        producers = [...new Set(events.map((e) => bytes32ToOrgId((e as unknown as { args: { producer: string } }).args.producer)))];
      }
      if (producers.length === 0) throw new ConfigError(`${reporter} sent no report in epoch ${options.epoch}`);
      return { proposal: await proposeCall(registry, admin, address, voidReportsCall(reporter, options.epoch, producers)), kind: "call", voids: { reporter, epoch: options.epoch, producers } };
    }),
  );

withLedger(governance.command("propose-credibility").description("propose how much a member's reputation reports weigh, 0 to 1 (a governed call on Reputation)"))
  .argument("<org>", "the org")
  .argument("<credibility>", "0 to 1 (e.g. 0.5)", evidence)
  .option("--reputation <address>", "address of the Reputation contract (else from --deployment)")
  .option("--key-file <file>", "file holding your admin wallet's hex private key")
  .action(async (org: string, credibility: bigint, options) =>
    asAdmin(options, async (registry, admin) => {
      if (credibility > 10n ** 18n) throw new ConfigError("credibility is at most 1");
      return { proposal: await proposeCall(registry, admin, await reputationAddressOf(options), credibilityCall(org, credibility)), kind: "call", org, credibility: formatUnits(credibility, 18) };
    }),
  );

withLedger(governance.command("propose-sector-group").description("propose a sector group owned by governance (health, finance, energy, ...), with its first members"))
  .argument("<name>", "the group's name")
  .option("--member <org>", "a member org (repeatable)", collect)
  .option("--groups <address>", "address of the SharingGroups contract (else from --deployment)")
  .option("--key-file <file>", "file holding your admin wallet's hex private key")
  .action(async (name: string, options) =>
    asAdmin(options, async (registry, admin) => {
      const groups = await groupsAddressOf(options);
      return { proposal: await proposeCall(registry, admin, groups, sectorGroupCall(name, options.member ?? [])), kind: "call", creates: `sector group ${name}` };
    }),
  );

withLedger(governance.command("propose-sector-member").description("propose to add an org to a sector group, or remove it"))
  .argument("<change>", "add or remove", (value: string) => {
    if (value !== "add" && value !== "remove") throw new InvalidArgumentError("add or remove");
    return value;
  })
  .argument("<group>", "sector group id", integer)
  .argument("<org>", "org id")
  .option("--groups <address>", "address of the SharingGroups contract (else from --deployment)")
  .option("--key-file <file>", "file holding your admin wallet's hex private key")
  .action(async (change: "add" | "remove", group: number, org: string, options) =>
    asAdmin(options, async (registry, admin) => ({
      proposal: await proposeCall(registry, admin, await groupsAddressOf(options), sectorMemberCall(group, org, change)),
      kind: "call",
      changes: `${change} ${org} in sector group ${group}`,
    })),
  );

async function groupsAddressOf(options: { groups?: string; deployment?: string }): Promise<string> {
  const address = options.groups ?? (options.deployment ? (await readDeployment(options.deployment)).groupsAddress : undefined);
  if (!address) throw new ConfigError("name the SharingGroups contract: --groups <address>, or a --deployment that has it");
  return address;
}

const PROPOSAL_STEPS = {
  approve: { description: "approve a proposal (read its action with `governance list` first)", act: approveProposal, done: "approved" },
  execute: { description: "execute a proposal that has enough approvals (checked again by the contract)", act: executeProposal, done: "executed" },
  revoke: { description: "withdraw your approval of a pending proposal", act: revokeApproval, done: "revoked" },
  cancel: { description: "cancel a pending proposal you made (or one whose proposer is no longer an admin)", act: cancelProposal, done: "cancelled" },
} as const;

for (const [verb, step] of Object.entries(PROPOSAL_STEPS)) {
  withLedger(governance.command(verb).description(step.description))
    .argument("<proposal>", "proposal id", integer)
    .option("--key-file <file>", "file holding your admin wallet's hex private key")
    .action(async (proposal: number, options) =>
      asAdmin(options, async (registry, admin) => {
        await step.act(registry, admin, proposal);
        return { proposal, [step.done]: true };
      }),
    );
}

try {
  await program.parseAsync(process.argv);
} catch (err) {
  if (err instanceof ConfigError || err instanceof IdentityError || err instanceof ApiListenError) {
    process.stderr.write(`cti: ${err.message}\n`);
    process.exit(2);
  }
  throw err;
}
