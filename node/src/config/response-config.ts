/**
 * The `response` section of the node's config (node/src/response/, docs/response.md): the
 * enforcement feeds and their policies, the org's own assets, what to do with partners'
 * response requests, and the playbook hooks.
 */
import { z } from "zod";
import { INDICATOR_TYPES, TLP_LEVELS } from "../model/indicator.js";
import { ENFORCEABLE_TYPES, ENFORCEMENT_FEED_NAME, ENFORCEMENT_KINDS, RESPONSE_ACTIONS, type EnforcementKind } from "../model/response.js";
import { HOOK_EVENTS } from "../response/playbook-hooks.js";
import { DEFAULT_NFT_TABLE } from "../response/formats/nftables.js";
import type { EnforcementFeedInit } from "../response/enforcement-feed.js";
import { FileModeSchema } from "./file-mode.js";

export const EnforcementFeedSchema = z
  .object({
    /** Names the feed in the API (`/response/feeds/<name>`), the CLI and the journal. */
    name: z.string().regex(ENFORCEMENT_FEED_NAME, "a lowercase name of letters, digits, dashes and underscores"),
    kind: z.enum(ENFORCEMENT_KINDS),
    /** Where the node keeps the files current (none: served over the API only, for devices that pull). */
    dir: z.string().min(1).optional(),
    mode: FileModeSchema,
    /** Run after the files changed: the device's reload, e.g. ["nft", "-f", "/etc/cti/cti-response.nft"]. */
    reloadCommand: z.array(z.string().min(1)).min(1).optional(),
    minScore: z.number().min(0).max(100).default(60),
    /** The types acted on; every type the kind can act on when not given. */
    types: z.array(z.enum(INDICATOR_TYPES)).min(1).optional(),
    /** The most restrictive TLP the device may hold: a device run by an outsourcer may hold GREEN only. */
    maxTlp: z.enum(TLP_LEVELS).default("RED"),
    maxEntries: z.number().int().min(1).max(50_000_000).default(500_000),
    /** Whether values of partners' requests this org applied are enforced here. */
    includeRequests: z.boolean().default(true),
    rpz: z
      .object({
        blockWith: z.enum(["nxdomain", "walled-garden"]).default("nxdomain"),
        /** Host name of a page telling users why (blocked names with `walled-garden`, and every sinkhole). */
        walledGarden: z.string().regex(/^[a-z0-9][a-z0-9.-]*[a-z0-9]\.?$/, "a host name").optional(),
        subdomains: z.boolean().default(true),
        ttl: z.number().int().min(1).max(86_400).default(60),
      })
      .prefault({}),
    nftTable: z.string().regex(/^[a-z][a-z0-9_]{0,30}$/, "an nftables table name").default(DEFAULT_NFT_TABLE),
  })
  .refine((f) => (f.types ?? []).every((t) => (ENFORCEABLE_TYPES[f.kind] as readonly string[]).includes(t)), {
    message: "a type this kind of device cannot act on",
    path: ["types"],
  })
  .refine((f) => f.rpz.blockWith !== "walled-garden" || f.rpz.walledGarden !== undefined, { message: "walled-garden needs rpz.walledGarden", path: ["rpz", "walledGarden"] });

const RequestRuleSchema = z.object({
  name: z.string().min(1).max(64).optional(),
  from: z.array(z.string().min(1)).min(1).optional(),
  groups: z.array(z.number().int().min(0)).min(1).optional(),
  actions: z.array(z.enum(RESPONSE_ACTIONS)).min(1).optional(),
  maxTargets: z.number().int().min(1).optional(),
  decision: z.enum(["apply", "queue", "decline"]),
});

const HookSchema = z.object({
  name: z.string().min(1).max(64),
  url: z.url({ protocol: /^https?$/ }),
  events: z.array(z.enum(HOOK_EVENTS)).min(1),
  /** Shared with the receiver, which checks the signature with it (x-cti-signature). */
  secret: z.string().min(16, "a secret of at least 16 characters"),
  minScore: z.number().min(0).max(100).default(80),
  maxAttempts: z.number().int().min(1).max(20).default(5),
  timeoutMs: z.number().int().min(100).max(120_000).default(10_000),
  retryBaseMs: z.number().int().min(10).max(3_600_000).default(1_000),
});

export const ResponseConfigSchema = z
  .object({
    /** The enforcement feeds; one of each kind, named after it and served over the API only, when not given. */
    feeds: z
      .array(EnforcementFeedSchema)
      .optional()
      .refine((feeds) => feeds === undefined || new Set(feeds.map((f) => f.name)).size === feeds.length, "feed names must be unique"),
    /** Never blocked by any feed, whatever a partner asks: the org's own ranges and domains (subdomains included). */
    ownAssets: z.object({ cidrs: z.array(z.string().min(1)).default([]), domains: z.array(z.string().min(1)).default([]) }).prefault({}),
    requests: z
      .object({
        /** Read in order; the first that matches decides. */
        rules: z.array(RequestRuleSchema).default([]),
        /** What happens to a request no rule matches. */
        default: z.enum(["apply", "queue", "decline"]).default("queue"),
      })
      .prefault({}),
    hooks: z.array(HookSchema).default([]),
    /** Feeds are brought up to date at least this often (indicators expire without any write). */
    refreshSeconds: z.number().int().min(1).default(60),
  })
  .prefault({});

export type ResponseConfig = z.output<typeof ResponseConfigSchema>;
export type EnforcementFeedConfig = z.output<typeof EnforcementFeedSchema>;

/** The feeds a config asks for, as the response service takes them. */
export function enforcementFeedsOf(config: ResponseConfig): EnforcementFeedInit[] {
  const feeds = config.feeds ?? ENFORCEMENT_KINDS.map((kind) => EnforcementFeedSchema.parse({ name: kind, kind }));
  return feeds.map((f) => ({
    name: f.name,
    kind: f.kind,
    ...(f.dir ? { dir: f.dir } : {}),
    mode: f.mode,
    ...(f.reloadCommand ? { reloadCommand: f.reloadCommand } : {}),
    policy: { minScore: f.minScore, types: f.types ?? ENFORCEABLE_TYPES[f.kind as EnforcementKind], maxTlp: f.maxTlp, maxEntries: f.maxEntries, includeRequests: f.includeRequests },
    render: { rpz: { blockWith: f.rpz.blockWith, ...(f.rpz.walledGarden ? { walledGarden: f.rpz.walledGarden } : {}), subdomains: f.rpz.subdomains, ttl: f.rpz.ttl }, nftTable: f.nftTable },
  }));
}
