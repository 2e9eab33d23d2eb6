/**
 * config/ owns the node's settings: one zod schema that every source (config file, CLI flags,
 * deployment file) goes through, so a bad setting is refused at start with the field named.
 */
import { readFile } from "node:fs/promises";
import { availableParallelism } from "node:os";
import { z } from "zod";
import { CATEGORISER_SETTINGS } from "../categorise/categoriser-settings.js";
import { DEFAULT_FAN_OUT } from "../store/correlation-repository.js";
import { DEFAULT_BATCH_LIMITS } from "../gossip/validation.js";
import { DEFAULT_MAX_PENDING } from "../gossip/batch-publisher.js";
import { DEFAULT_SCRUB_POLICY } from "../privacy/scrubber.js";
import { INDICATOR_TYPES, TLP_LEVELS } from "../model/indicator.js";
import { FEED_KINDS, FEED_NAME } from "../feeds/feed-kinds.js";
import { DEFAULT_SCORING_POLICY } from "../trust/scoring.js";
import { DETECTOR_FORMATS } from "../detect/exporter.js";
import { LOG_FORMATS } from "../detect/log-formats.js";
import { EXPORT_AUDIENCES } from "../privacy/audience.js";
import { DEFAULT_UNMARKED_PAP } from "../privacy/pap.js";
import { PAP_LEVELS } from "../model/tags.js";
import { ResponseConfigSchema } from "./response-config.js";
import { FileModeSchema } from "./file-mode.js";

/** Addresses only this machine can reach: an API bound to one of them needs no token. */
export const DEFAULT_VALIDATION_WORKERS = availableParallelism() > 1 ? 1 : 0;

export const LOOPBACK_HOSTS = new Set(["127.0.0.1", "::1", "localhost"]);

const address = z.string().regex(/^0x[0-9a-fA-F]{40}$/, "must be a 0x-prefixed 20-byte address");
const cidr = z.string().regex(/^[0-9a-fA-F.:]+\/\d{1,3}$/, "must be a CIDR such as 192.0.2.0/24 or 2001:db8::/32");
const domain = z.string().regex(/^\.?[a-z0-9.-]+$/, "must be a lowercase domain, with a leading dot to include subdomains");

/** What the node removes before anything leaves it; see privacy/scrubber.ts and docs/privacy.md. */
const ScrubPolicySchema = z.object({
  dropNonRoutable: z.boolean().default(DEFAULT_SCRUB_POLICY.dropNonRoutable),
  internalCidrs: z.array(cidr).default(DEFAULT_SCRUB_POLICY.internalCidrs),
  internalDomains: z.array(domain).default(DEFAULT_SCRUB_POLICY.internalDomains),
  allowlistValues: z.array(z.string().min(1)).default(DEFAULT_SCRUB_POLICY.allowlistValues),
  allowlistDomains: z.array(domain).default(DEFAULT_SCRUB_POLICY.allowlistDomains),
  redactFreeText: z.boolean().default(DEFAULT_SCRUB_POLICY.redactFreeText),
  internalHostPatterns: z
    .array(
      z.string().refine((p) => {
        try {
          new RegExp(p);
          return true;
        } catch {
          return false;
        }
      }, "must be a valid regular expression"),
    )
    .default(DEFAULT_SCRUB_POLICY.internalHostPatterns),
});

/** One external feed: where it is, what it is, how often to read it, and how to label what it holds. */
export const FeedConfigSchema = z
  .object({
    /** Names the feed in reports, the CLI and the API. */
    name: z.string().regex(FEED_NAME, "a lowercase name of letters, digits, dots, dashes and underscores"),
    /** misp: a MISP feed (manifest.json, hashes.csv, <uuid>.json); text: one value per line; csv: a header and one indicator per line. */
    kind: z.enum(FEED_KINDS),
    /** An http(s) URL, a file:// URL or a path: the feed's directory for MISP, the file itself otherwise. */
    url: z.string().min(1),
    intervalMinutes: z.number().min(1).max(7 * 24 * 60).default(60),
    /** TLP of what the feed does not mark itself (a text feed marks nothing). */
    tlp: z.enum(TLP_LEVELS).default("GREEN"),
    /** Sharing group for AMBER and AMBER+STRICT. */
    group: z.number().int().positive().optional(),
    /** Text feeds: the type of every value (needed for file names, user agents, mutexes); guessed per line without. */
    type: z.enum(INDICATOR_TYPES).optional(),
    /** Confidence of values from a text or CSV feed that states none. */
    confidence: z.number().int().min(0).max(100).default(50),
    /** Tags added to every value of a text feed (e.g. the feed's name as a source tag). */
    tags: z.array(z.string().min(1).max(128)).max(16).default([]),
    /** MISP feeds: read attributes not marked for detection (to_ids false) as indicators too. */
    includeNonIds: z.boolean().default(false),
    /** Request headers (an Authorization key for a MISP instance's feed); never shown by the API. */
    headers: z.record(z.string().regex(/^[A-Za-z0-9-]+$/), z.string()).default({}),
    /** Largest file read, in bytes. */
    maxBytes: z.number().int().min(1024).max(1 << 30).default(64 * 1024 * 1024),
    enabled: z.boolean().default(true),
  })
  .refine((feed) => !(feed.tlp === "AMBER" || feed.tlp === "AMBER+STRICT") || feed.group !== undefined, { message: "a feed read as TLP:AMBER needs the sharing group to share it with", path: ["group"] });
export type FeedConfig = z.output<typeof FeedConfigSchema>;

const multiaddrString = z.string().regex(/^\/(ip4|ip6|dns|dns4|dns6)\//, "must be a multiaddr such as /ip4/127.0.0.1/tcp/4001");

export const NodeConfigSchema = z.object({
  dataDir: z.string().min(1),
  /** Where libp2p listens. Loopback by default: exposing a node is a deliberate choice. */
  listen: z.array(multiaddrString).default(["/ip4/127.0.0.1/tcp/0"]),
  /** Addresses published on chain for partners to dial; default: the listening addresses. */
  announce: z.array(multiaddrString).optional(),
  /** Fallback peers when the chain gives none; they must still be active members. */
  bootstrap: z.array(z.string()).default([]),
  /** Dial every active member at its chain addresses; false for static peering (bootstrap only). */
  dialMembers: z.boolean().default(true),
  chain: z.object({
    rpcUrl: z.url(),
    chainId: z.number().int().positive().optional(),
    registryAddress: address,
    /** The SharingGroups contract; without it the node can share with the whole consortium only. */
    groupsAddress: address.optional(),
    /** The Reputation and AuditTrail contracts; without them the node scores with the prior and anchors nothing. */
    reputationAddress: address.optional(),
    auditAddress: address.optional(),
    /** The RingKeys contract: members' ring keys for anonymous sightings; without it the node neither sends nor accepts them. */
    ringKeysAddress: address.optional(),
    pollIntervalMs: z.number().int().min(50).default(1000),
    /** While the endpoint fails, retries back off up to this. */
    maxBackoffMs: z.number().int().min(100).default(30_000),
    /** After this long without reaching the chain, no new peer is admitted until it answers again. */
    maxStalenessMs: z.number().int().min(1000).default(10 * 60_000),
    /** Every contract view is read whole again this often, beside following the logs. */
    fullReloadMs: z.number().int().min(1000).default(10 * 60_000),
  }),
  api: z
    .object({
      host: z.string().default("127.0.0.1"),
      port: z.number().int().min(0).max(65535).default(8700),
      /** Largest request body accepted. */
      bodyLimitBytes: z.number().int().positive().default(8 * 1024 * 1024),
      /** Largest body of an import or a published STIX bundle (MITRE ATT&CK Enterprise is 29 MB). */
      importBodyLimitBytes: z.number().int().positive().default(64 * 1024 * 1024),
      /**
       * Bearer tokens that may call the API (`Authorization: Bearer <token>`; `CTI_API_TOKEN` for
       * the CLI). Required when the API listens beyond the loopback interface; TAXII keeps its own
       * credentials. Keep this file private (mode 0600).
       */
      tokens: z.array(z.object({ name: z.string().min(1), token: z.string().min(24, "a token of at least 24 characters") })).default([]),
      /**
       * Host names (with port) browsers may reach the API by beside its own address, e.g.
       * "cti.example.org:443" behind a reverse proxy. Any other Host is refused (DNS rebinding).
       */
      allowedHosts: z.array(z.string().regex(/^[a-z0-9.[\]:-]+:\d+$/i, "a host:port")).default([]),
    })
    .refine((api) => LOOPBACK_HOSTS.has(api.host) || api.tokens.length > 0, {
      message: "the API listens beyond 127.0.0.1: set api.tokens so that callers must authenticate",
      path: ["tokens"],
    })
    .or(z.literal(false))
    .default({ host: "127.0.0.1", port: 8700, bodyLimitBytes: 8 * 1024 * 1024, importBodyLimitBytes: 64 * 1024 * 1024, tokens: [], allowedHosts: [] }),
  /** The node's LevelDB cache (node/src/store/). */
  store: z
    .object({
      /**
       * Flush every acknowledged write of what only this node has (its own publishes, TLP:RED
       * records, evidence, alerts) to disk before acknowledging it, so that it survives a power
       * loss, not only a crash of the process. Batches received from peers are not flushed one by
       * one: their senders hold them, and catch-up refetches whatever a power loss took.
       */
      durableWrites: z.boolean().default(true),
    })
    .default({ durableWrites: true }),
  batch: z
    .object({
      maxSize: z.number().int().min(1).max(DEFAULT_BATCH_LIMITS.maxIndicators).default(1000),
      maxDelayMs: z.number().int().min(0).default(200),
      /** Indicators and sightings waiting to be batched at most; more are refused (HTTP 503) until it drains. */
      maxPending: z.number().int().min(1).default(DEFAULT_MAX_PENDING),
    })
    .default({ maxSize: 1000, maxDelayMs: 200, maxPending: DEFAULT_MAX_PENDING }),
  limits: z
    .object({
      maxBytes: z.number().int().positive().default(DEFAULT_BATCH_LIMITS.maxBytes),
      maxIndicators: z.number().int().positive().default(DEFAULT_BATCH_LIMITS.maxIndicators),
      maxClockSkewMs: z.number().int().min(0).default(DEFAULT_BATCH_LIMITS.maxClockSkewMs),
      maxRecipients: z.number().int().positive().default(DEFAULT_BATCH_LIMITS.maxRecipients),
      /** Batches one producer may publish per second, sustained; more are dropped (and fetched by catch-up later). */
      producerBatchesPerSecond: z.number().int().positive().default(100),
      /** Batches validated at once; beyond, gossip drops (counted) rather than queueing without bound. */
      maxInFlight: z.number().int().positive().default(256),
      /**
       * Worker threads that check open batches' Merkle roots, signatures and content, so that the
       * main thread keeps the network and the store: 0 checks on the main thread. Default: one
       * when the machine has more than one core.
       */
      validationWorkers: z.number().int().min(0).max(16).default(DEFAULT_VALIDATION_WORKERS),
      /** Provably invalid batches tolerated from one peer per `rejectWindowMs` before it is disconnected and banned. */
      maxRejects: z.number().int().positive().default(3),
      rejectWindowMs: z.number().int().positive().default(60_000),
      banMs: z.number().int().positive().default(10 * 60_000),
    })
    .default({ ...DEFAULT_BATCH_LIMITS, producerBatchesPerSecond: 100, maxInFlight: 256, validationWorkers: DEFAULT_VALIDATION_WORKERS, maxRejects: 3, rejectWindowMs: 60_000, banMs: 600_000 }),
  privacy: z
    .object({
      scrub: ScrubPolicySchema.default(DEFAULT_SCRUB_POLICY),
      /** Group used for TLP:AMBER and AMBER+STRICT indicators published without one. */
      defaultGroup: z.number().int().positive().optional(),
      /**
       * What a statement without a PAP tag allows (privacy/pap.ts): GREEN lets detectors and
       * blocklists use it; a consortium that wants blocking to be opted into sets AMBER.
       */
      unmarkedPap: z.enum(PAP_LEVELS).default(DEFAULT_UNMARKED_PAP),
      /**
       * Warning lists checked before anything is shared (privacy/warning-lists.ts): the bundled MISP
       * lists (all by default, or these by name, less `disabled`), what a hit on each does
       * (refuse or warn; the bundled policy otherwise), and the partner's own list.json files.
       */
      warningLists: z
        .object({
          bundled: z.union([z.boolean(), z.array(z.string().min(1))]).default(true),
          disabled: z.array(z.string()).default([]),
          actions: z.record(z.string(), z.enum(["refuse", "warn"])).default({}),
          files: z.array(z.string().min(1)).default([]),
        })
        .default({ bundled: true, disabled: [], actions: {}, files: [] }),
    })
    .default({ scrub: DEFAULT_SCRUB_POLICY, unmarkedPap: DEFAULT_UNMARKED_PAP, warningLists: { bundled: true, disabled: [], actions: {}, files: [] } }),
  trust: z
    .object({
      /** Indicators scoring below this (0-100) are quarantined: kept, shown, never fed to detectors. */
      quarantineBelow: z.number().min(0).max(100).default(DEFAULT_SCORING_POLICY.quarantineBelow),
      /** Per-type decay, overriding the defaults of trust/scoring.ts: lifetime in days and MISP speed. */
      decay: z
        .partialRecord(z.enum(INDICATOR_TYPES), z.object({ lifetimeDays: z.number().positive(), speed: z.number().positive() }))
        .default({}),
      /** Days an expired indicator stays in the cache before it is pruned. */
      retentionDays: z.number().min(0).default(30),
      pruneIntervalMs: z.number().int().min(1000).default(60 * 60 * 1000),
      /** How often to check whether the epoch's reputation report and audit anchor are due. */
      tickMs: z.number().int().min(100).default(10_000),
      /** Send them once this fraction of the epoch is left. */
      submitWhenLeft: z.number().gt(0).lt(1).default(0.1),
      /**
       * Most gas one reputation-report transaction may use: reports about many producers are split
       * into transactions below it (Hardhat caps a transaction at 16.7 M; a Besu block holds its gasLimit).
       */
      maxTransactionGas: z.number().int().min(500_000).default(12_000_000),
    })
    .default({ quarantineBelow: DEFAULT_SCORING_POLICY.quarantineBelow, decay: {}, retentionDays: 30, pruneIntervalMs: 3_600_000, tickMs: 10_000, submitWhenLeft: 0.1, maxTransactionGas: 12_000_000 }),
  /**
   * External feeds the node ingests on a schedule (feeds/): MISP feeds, plain-text lists and CSV.
   * Only what changed since the last run is read and published, as this org's statements.
   */
  feeds: z
    .array(FeedConfigSchema)
    .default([])
    .refine((feeds) => new Set(feeds.map((f) => f.name)).size === feeds.length, "feed names must be unique"),
  /** Detector feeds the node keeps current, and detector logs it follows. */
  detect: z
    .object({
      exports: z
        .array(
          z.object({
            format: z.enum(DETECTOR_FORMATS),
            dir: z.string().min(1),
            /** Detectors are the org's own (internal); an MSSP feeding clients says clients. */
            audience: z.enum(EXPORT_AUDIENCES).default("internal"),
            refreshSeconds: z.number().int().min(1).default(60),
            /** File mode, octal: owner and group (the detector's account) by default, never everyone. */
            mode: FileModeSchema,
          }),
        )
        .default([]),
      logs: z
        .array(
          z.object({
            path: z.string().min(1),
            format: z.enum(LOG_FORMATS),
            /** Read the file from its start (default: only what is appended after the node starts). */
            fromStart: z.boolean().default(false),
          }),
        )
        .default([]),
      /** One sighting per indicator per this interval, with the count of matches. */
      sightingIntervalMs: z.number().int().min(100).default(10_000),
      /** Log lines alike (same file, field, value, indicator) within this many seconds are one alert with a count. */
      alertWindowSeconds: z.number().int().min(1).default(60),
      /** Alerts are deleted this many days after they were first matched. */
      alertRetentionDays: z.number().min(1).default(30),
    })
    .default({ exports: [], logs: [], sightingIntervalMs: 10_000, alertWindowSeconds: 60, alertRetentionDays: 30 }),
  /** Correlation of indicators, objects and sightings into clusters (node/src/correlate/). */
  correlation: z
    .object({
      enabled: z.boolean().default(true),
      /** Members one piece of evidence may link before it is taken as common and links nothing. */
      fanOut: z.number().int().min(2).max(10_000).default(DEFAULT_FAN_OUT),
    })
    .default({ enabled: true, fanOut: DEFAULT_FAN_OUT }),
  /** Early warning and volume forecasts from the consortium's sightings (node/src/forecast/). */
  forecast: z
    .object({
      enabled: z.boolean().default(true),
      /** Hours between two origins: candidates scored and outcomes learnt this often. */
      stepHours: z.number().min(1).max(24).default(6),
      /** Outcomes learnt before a watch list is shown: fewer, and the node says it cannot forecast yet. */
      minExamples: z.number().int().min(10).default(500),
      /** An early-warning alert when a subject's 24-hour probability reaches this (none if not set). */
      alertAt: z.number().gt(0).max(1).optional(),
    })
    .default({ enabled: true, stepHours: 6, minExamples: 500 }),
  /** The ATT&CK categoriser (node/src/categorise/), applied to report drafts. */
  categoriser: z
    .object({
      enabled: z.boolean().default(true),
      /** A draft proposes a technique for a sentence from this probability. */
      threshold: z.number().gt(0).lt(1).default(CATEGORISER_SETTINGS.draftThreshold),
      /** A retrained model (`npm run train:attack` writes the bundled one). */
      model: z.string().min(1).optional(),
    })
    .default({ enabled: true, threshold: CATEGORISER_SETTINGS.draftThreshold }),
  gossip: z
    .object({
      /**
       * Peers each node pushes every batch it receives on to, on top of the producer sending it to
       * every member: 0 leaves repair to announcements (within a second) and catch-up sync. More
       * costs every node a duplicate of each batch per relay (gossip/mesh.ts).
       */
      relayDegree: z.number().int().min(0).max(12).default(1),
    })
    .default({ relayDegree: 1 }),
  /** Catch-up sync with peers (node/src/sync/). */
  sync: z
    .object({
      /** Most batches per page; a page also ends once it holds `maxPageBytes`. */
      pageSize: z.number().int().min(1).max(1024).default(256),
      /** Most bytes of batches per page: bounds what a client holds while it verifies (two pages at once). */
      maxPageBytes: z.number().int().min(1024).default(8 * 1024 * 1024),
      requestsPerSecond: z.number().int().min(1).default(20),
      /** A periodic round starts 0.5 to 1.5 times this after the last one ended, at random. */
      intervalMs: z.number().int().min(100).default(60_000),
      /** Peers each periodic round asks, at random (a new connection is always asked at once). */
      peersPerRound: z.number().int().min(1).default(3),
      timeoutMs: z.number().int().min(100).default(30_000),
    })
    .default({ pageSize: 256, maxPageBytes: 8 * 1024 * 1024, requestsPerSecond: 20, intervalMs: 60_000, peersPerRound: 3, timeoutMs: 30_000 }),
  /**
   * A governance admin who runs this node may let its dashboard approve and execute proposals
   * with their admin key: a file holding the hex private key (mode 0600). Without it the
   * dashboard shows proposals read-only.
   */
  governance: z.object({ adminKeyFile: z.string().min(1).optional() }).default({}),
  /**
   * The TAXII 2.1 server (under /taxii2/ on the API's address): who may read, and which audience
   * each credential is entitled to. No credential, no TAXII. Keep this file private (mode 0600).
   */
  /** Enforcement feeds, coordinated response and playbook hooks (node/src/response/, config/response-config.ts). */
  response: ResponseConfigSchema,
  taxii: z
    .object({
      credentials: z
        .array(
          z
            .object({
              name: z.string().min(1),
              audience: z.enum(EXPORT_AUDIENCES),
              token: z.string().min(16, "a token has at least 16 characters").optional(),
              user: z.string().min(1).optional(),
              password: z.string().min(12, "a password has at least 12 characters").optional(),
              /** Whether this credential may add objects (POST to a collection's objects): they go through the publish path, as this org's. */
              canWrite: z.boolean().default(false),
            })
            .refine((c) => c.token !== undefined || (c.user !== undefined && c.password !== undefined), "give a token, or a user and a password"),
        )
        .default([]),
    })
    .default({ credentials: [] }),
});

/** The scoring policy a config asks for: the defaults with its per-type decay overrides. */
export function scoringPolicyOf(config: NodeConfig) {
  const decay = { ...DEFAULT_SCORING_POLICY.decay };
  for (const [type, model] of Object.entries(config.trust.decay)) {
    if (model) decay[type as keyof typeof decay] = { lifetimeMs: model.lifetimeDays * DAY_MS, speed: model.speed };
  }
  return { quarantineBelow: config.trust.quarantineBelow, decay, assessment: DEFAULT_SCORING_POLICY.assessment };
}

export type NodeConfigInput = z.input<typeof NodeConfigSchema>;

const DAY_MS = 24 * 60 * 60 * 1000;
export type NodeConfig = z.output<typeof NodeConfigSchema>;

export class ConfigError extends Error {
  override readonly name = "ConfigError";
}

export function parseConfig(input: unknown, source: string): NodeConfig {
  const result = NodeConfigSchema.safeParse(input);
  if (!result.success) {
    const problems = result.error.issues.map((issue) => `  ${issue.path.join(".") || "(root)"}: ${issue.message}`);
    throw new ConfigError(`invalid configuration in ${source}:\n${problems.join("\n")}`);
  }
  return result.data;
}

/** What the devnet script writes and nodes read: where the registry lives. */
export const DeploymentSchema = z.object({
  rpcUrl: z.url(),
  chainId: z.number().int().positive(),
  registryAddress: address,
  groupsAddress: address,
  reputationAddress: address,
  auditAddress: address,
  /** Deployments made before anonymous sightings have none. */
  ringKeysAddress: address.optional(),
  deployedAtBlock: z.number().int().min(0),
});
export type Deployment = z.infer<typeof DeploymentSchema>;

export async function readJsonFile(path: string): Promise<unknown> {
  let text: string;
  try {
    text = await readFile(path, "utf8");
  } catch (err) {
    throw new ConfigError(`cannot read ${path}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
  }
  try {
    return JSON.parse(text);
  } catch (err) {
    throw new ConfigError(`${path} is not valid JSON: ${(err as Error).message}`);
  }
}

export async function readDeployment(path: string): Promise<Deployment> {
  const result = DeploymentSchema.safeParse(await readJsonFile(path));
  if (!result.success) throw new ConfigError(`${path} is not a deployment file: ${result.error.issues[0]?.message}`);
  return result.data;
}
