/**
 * Commands that talk to the ledger directly, with an admin's key where they change something:
 * members, and M-of-N governance proposals (admit, suspend, admins, threshold, wallets, governed
 * calls on Reputation and SharingGroups; approve, execute, revoke, cancel).
 */
import { readFile } from "node:fs/promises";
import { InvalidArgumentError, type Command } from "commander";
import { Wallet, formatUnits, getAddress, isAddress, parseUnits } from "ethers";
import { ConfigError, readDeployment, readJsonFile } from "../../config/config.js";
import { credibilityCall, reputationContract, reputationParametersCall, voidReportsCall } from "../../chain/reputation.js";
import { ChainRefusedError } from "../../chain/chain-errors.js";
import { registryContract } from "../../chain/governance.js";
import { bytes32ToOrgId, decodeMember, orgIdToBytes32 } from "../../chain/member.js";
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
} from "../../chain/proposals.js";
import { sectorGroupCall, sectorMemberCall } from "../../chain/sharing-groups.js";
import { createProvider } from "../../chain/provider.js";
import type { PublicIdentity } from "../../identity/identity.js";
import { collect, integer, print } from "../shared.js";

export function registerLedgerCommands(program: Command): void {

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
}
