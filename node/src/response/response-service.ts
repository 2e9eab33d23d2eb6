/**
 * response/ owns turning intelligence into enforcement and responding together: enforcement
 * feeds (DNS RPZ, nftables, pull lists, Suricata drop rules) kept current under a policy with a
 * journal and rollback, coordinated response requests with signed acknowledgements, and playbook
 * hooks for the org's SOAR. docs/response.md says how each works and how to point a device at it.
 *
 * response-service.ts composes them: one read of what this org may act on (PAP applied) per
 * refresh, selected for every feed by its policy, with the targets of applied requests; a
 * refresh after the store changes (debounced, and kept to a share of the time as the detector
 * exports are) and at least every `refreshMs`, since indicators expire without any write.
 *
 * Only active feeds follow the store: those written to a directory, and those a device or an
 * operator pulled within `activeForMs`. A feed nobody reads costs nothing while the node ingests
 * (every node has the four default feeds); its first pull brings it up to date before it is
 * answered, and a request applied or withdrawn updates every feed.
 */
import type { IntelService } from "../intel/intel-service.js";
import type { IndicatorType } from "../model/indicator.js";
import type { EnforcementEntry, ExclusionReason, FeedChange } from "../model/response.js";
import type { WarningLists } from "../privacy/warning-lists.js";
import type { IndicatorStore } from "../store/indicator-store.js";
import type { FeedChangeSummary } from "../store/response-repository.js";
import type { ResponseAuditEntry } from "../store/response-audit-repository.js";
import type { TrustService } from "../trust/trust-service.js";
import { selectEntries, type Selection, type Verdict } from "./enforcement-policy.js";
import { EnforcementFeed, type EnforcementFeedInit, type FeedStatus } from "./enforcement-feed.js";
import { OwnAssets } from "./own-assets.js";
import { busyShareWait } from "../detect/busy-share.js";
import { PlaybookHooks, type HookInit } from "./playbook-hooks.js";
import { RequestCoordinator, type RequestCoordinatorInit } from "./request-coordinator.js";

export interface ResponseInit {
  feeds: EnforcementFeedInit[];
  ownAssets: { cidrs: readonly string[]; domains: readonly string[] };
  requests: RequestCoordinatorInit;
  hooks: readonly HookInit[];
  refreshMs: number;
  debounceMs?: number;
  /** Refreshes take at most this share of the time (see detect/busy-share.ts). */
  maxBusyShare?: number;
  /** A feed without a directory follows the store for this long after it was last pulled (15 min). */
  activeForMs?: number;
}

export interface ResponseComponents {
  orgId: string;
  store: IndicatorStore;
  trust: TrustService;
  intel(): IntelService;
  warningLists: WarningLists;
  now(): number;
  log?: (message: string, fields?: Record<string, unknown>) => void;
}

export class UnknownResponseFeedError extends Error {
  override readonly name = "UnknownResponseFeedError";
}

export interface FeedPlan {
  feed: string;
  /** What the next update would add and remove (the first 200 of each), and how many in all. */
  added: EnforcementEntry[];
  removed: EnforcementEntry[];
  addedCount: number;
  removedCount: number;
  entries: number;
  excluded: Record<ExclusionReason, number>;
  examples: Selection["examples"];
  pinned: boolean;
}

const SHOWN = 200;

export class ResponseService {
  readonly feeds = new Map<string, EnforcementFeed>();
  readonly requests: RequestCoordinator;
  readonly hooks: PlaybookHooks;
  private readonly ownAssets: OwnAssets;
  private running = false;
  private timer: NodeJS.Timeout | undefined;
  private interval: NodeJS.Timeout | undefined;
  private work: Promise<unknown> = Promise.resolve();
  private lastEnded = 0;
  private lastTook = 0;
  /** Refreshes done, and the exclusions of the last, per feed (for operators and tests). */
  readonly stats = { refreshes: 0, lastExcluded: {} as Record<string, Record<ExclusionReason, number>> };
  private readonly onChange = () => {
    if (this.activeFeeds().length > 0) this.schedule();
  };
  /** When each feed was last pulled over the API (its files, its plan). */
  private readonly pulledAt = new Map<string, number>();
  /** Whether the refresh scheduled must update every feed (a request applied or withdrawn), not only the active ones. */
  private refreshAll = false;
  private readonly onSightings = (ids: string[]) => void this.sightingHooks(ids).catch(() => undefined);

  constructor(
    private readonly init: ResponseInit,
    private readonly components: ResponseComponents,
  ) {
    this.ownAssets = new OwnAssets(init.ownAssets);
    const log = components.log;
    const { store, now } = components;
    for (const feed of init.feeds) this.feeds.set(feed.name, new EnforcementFeed(feed, { repository: store.responseFeeds, audit: store.responseAudit, now, log }));
    this.hooks = new PlaybookHooks(init.hooks, { audit: store.responseAudit, orgId: components.orgId, now, log });
    this.requests = new RequestCoordinator(init.requests, {
      orgId: components.orgId,
      store,
      intel: components.intel,
      now,
      onApplied: () => {
        this.refreshAll = true;
        this.schedule(0);
      },
      fire: (event, payload) => this.hooks.fire(event, payload),
      log,
    });
  }

  async start(): Promise<void> {
    if (this.running) return;
    this.running = true;
    for (const feed of this.feeds.values()) await feed.load();
    await this.requests.start();
    this.components.store.on("records", this.onChange);
    this.components.store.on("pruned", this.onChange);
    this.components.store.on("sightings", this.onSightings);
    this.interval = setInterval(() => this.schedule(0), this.init.refreshMs);
    // In the background, and only the feeds that follow the store: a node holding a million
    // records starts without reading them all for feeds nobody reads (a pull updates those).
    void this.refresh("active");
  }

  async stop(): Promise<void> {
    if (!this.running) return;
    this.running = false;
    this.components.store.off("records", this.onChange);
    this.components.store.off("pruned", this.onChange);
    this.components.store.off("sightings", this.onSightings);
    clearInterval(this.interval);
    clearTimeout(this.timer);
    await this.requests.stop();
    await this.work.catch(() => undefined);
    await this.hooks.stop();
  }

  feed(name: string): EnforcementFeed {
    const feed = this.feeds.get(name);
    if (!feed) throw new UnknownResponseFeedError(`no enforcement feed "${name}"; this node has ${[...this.feeds.keys()].join(", ") || "none"}`);
    return feed;
  }

  status(): Array<FeedStatus & { active: boolean }> {
    const active = new Set(this.activeFeeds());
    return [...this.feeds.values()].map((f) => ({ ...f.status(), active: active.has(f.init.name) }));
  }

  private activeFeeds(): string[] {
    const since = this.components.now() - (this.init.activeForMs ?? 15 * 60_000);
    return [...this.feeds.values()].filter((f) => f.init.dir !== undefined || (this.pulledAt.get(f.init.name) ?? -Infinity) >= since).map((f) => f.init.name);
  }

  /** A feed a device or an operator reads now: brought up to date first if it was not following the store. */
  async pull(name: string): Promise<EnforcementFeed> {
    const feed = this.feed(name);
    const wasActive = this.activeFeeds().includes(name);
    this.pulledAt.set(name, this.components.now());
    if (!wasActive) await this.refresh([name]);
    return feed;
  }

  /** Brings the feeds up to date now (after any refresh in progress): the active ones, every one, or those named. */
  refresh(which: "active" | "all" | string[] = "all"): Promise<void> {
    const next = this.work.then(async () => {
      const started = this.components.now();
      try {
        const names = which === "all" ? undefined : which === "active" ? this.activeFeeds() : which;
        if (names?.length === 0) return;
        const selections = await this.select(names);
        for (const [name, selection] of selections) {
          const change = await this.feed(name).update(selection.entries);
          if (change) this.announce(change);
        }
        this.stats.refreshes++;
      } catch (err) {
        this.components.log?.("could not update the enforcement feeds; will retry", { error: (err as Error).message });
      } finally {
        this.lastEnded = this.components.now();
        this.lastTook = this.lastEnded - started;
      }
    });
    this.work = next;
    return next;
  }

  /** The dry run: what the next update of a feed would change, and what its policy keeps out. */
  async plan(name: string): Promise<FeedPlan> {
    const feed = this.feed(name);
    await this.work.catch(() => undefined);
    const selection = (await this.select([name])).get(name)!;
    const diff = feed.diff(selection.entries);
    return {
      feed: name,
      added: diff.added.slice(0, SHOWN),
      removed: diff.removed.slice(0, SHOWN),
      addedCount: diff.added.length,
      removedCount: diff.removed.length,
      entries: selection.entries.size,
      excluded: selection.excluded,
      examples: selection.examples,
      pinned: feed.pinned,
    };
  }

  async rollback(name: string, version: number, by: string): Promise<FeedChange> {
    const feed = this.feed(name);
    const rolled = this.work.catch(() => undefined).then(() => feed.rollback(version, by));
    this.work = rolled.catch(() => undefined);
    const change = await rolled;
    this.announce(change);
    return change;
  }

  async resume(name: string, by: string): Promise<boolean> {
    const resumed = await this.feed(name).resume(by);
    if (resumed) await this.refresh([name]);
    return resumed;
  }

  changes(name: string, options: { limit: number; before?: number }): Promise<FeedChangeSummary[]> {
    this.feed(name);
    return this.components.store.responseFeeds.changes(name, options);
  }

  audit(options: { limit: number; kind?: ResponseAuditEntry["kind"] }): Promise<ResponseAuditEntry[]> {
    return this.components.store.responseAudit.list(options);
  }

  private async select(only?: string[]): Promise<Map<string, Selection>> {
    const { trust, warningLists, now: clock } = this.components;
    const now = clock();
    // One read for every feed: what this org may act on (PAP applied), as its own devices see it.
    const records = await trust.feedAll({ kind: "internal" }, 5000, undefined, "block");
    const requested = this.requests.appliedTargets(now);
    const context = {
      now,
      ownAssets: this.ownAssets,
      warningList: (type: IndicatorType, value: string, host?: string) => warningLists.check(type, value, host)[0]?.name,
      verdicts: new Map<string, Verdict>(),
    };
    const out = new Map<string, Selection>();
    for (const feed of this.feeds.values()) {
      if (only && !only.includes(feed.init.name)) continue;
      const selection = selectEntries(records, requested, feed.init.policy, context);
      this.stats.lastExcluded[feed.init.name] = selection.excluded;
      out.set(feed.init.name, selection);
    }
    return out;
  }

  private announce(change: FeedChange): void {
    this.hooks.fire("feed-changed", { feed: change.feed, version: change.version, serial: change.serial, cause: change.cause, added: change.added.length, removed: change.removed.length });
  }

  private schedule(delay?: number): void {
    if (!this.running || this.timer) return;
    const wait = busyShareWait({ endedAt: this.lastEnded, tookMs: this.lastTook }, this.components.now(), delay ?? this.init.debounceMs ?? 500, this.init.maxBusyShare);
    this.timer = setTimeout(() => {
      this.timer = undefined;
      const all = this.refreshAll;
      this.refreshAll = false;
      void this.refresh(all ? "all" : "active");
    }, wait);
  }

  /** `sighting` hooks: a sighting of an indicator that scores at least a hook's threshold. */
  private async sightingHooks(ids: string[]): Promise<void> {
    if (!this.hooks.wants("sighting", 100)) return;
    const records = (await this.components.store.indicators.getMany(ids.slice(0, 1000))).filter((r) => r !== undefined);
    for (const record of await this.components.trust.scored(records, { kind: "internal" })) {
      if (!this.hooks.wants("sighting", record.score.score)) continue;
      this.hooks.fire(
        "sighting",
        { indicator: { id: record.id, type: record.type, value: record.blinded ? undefined : record.value, score: record.score.score, tlp: record.tlp, confirmedBy: record.score.confirmedBy } },
        record.score.score,
      );
    }
  }
}
