/**
 * response/enforcement-feed.ts owns one enforcement feed's state: the entries the device holds
 * (as last written), its version and serial, its journal of changes, and its files. It applies
 * a selection made by the policy (enforcement-policy.ts) as one recorded change, writes the
 * files atomically and runs the device's reload command; it restores an earlier version on
 * request (rollback) and then holds it until an operator resumes automatic updates.
 */
import { execFile } from "node:child_process";
import { promisify } from "node:util";
import { writeFilesAtomically } from "../detect/export-writer.js";
import { diffEntries, type EnforcementEntry, type EnforcementKind, type FeedChange, type FeedDiff } from "../model/response.js";
import { entryKey } from "../model/response.js";
import type { FeedMeta, ResponseFeedRepository } from "../store/response-repository.js";
import type { ResponseAuditRepository } from "../store/response-audit-repository.js";
import type { EnforcementPolicy } from "./enforcement-policy.js";
import { renderFeedFiles, type RenderOptions } from "./feed-files.js";

const run = promisify(execFile);

export interface EnforcementFeedInit {
  name: string;
  kind: EnforcementKind;
  policy: EnforcementPolicy;
  /** Where the files are written (none: served over the API only). */
  dir?: string;
  mode?: number;
  /** Run after the files changed, e.g. ["unbound-control", "auth_zone_reload", "rpz.cti"] or ["nft", "-f", "<dir>/cti-response.nft"]. */
  reloadCommand?: string[];
  render: Omit<RenderOptions, "serial" | "now">;
}

export interface EnforcementFeedComponents {
  repository: ResponseFeedRepository;
  audit: ResponseAuditRepository;
  now(): number;
  log?: (message: string, fields?: Record<string, unknown>) => void;
}

export class FeedRollbackError extends Error {
  override readonly name = "FeedRollbackError";
}

export interface FeedStatus {
  name: string;
  kind: EnforcementKind;
  version: number;
  serial: number;
  entries: number;
  updatedAt: number;
  pinned: FeedMeta["pinned"];
  dir: string | undefined;
  policy: EnforcementPolicy;
  /** The last reload command's outcome, if one is set. */
  reload: { ok: boolean; at: number; message: string } | undefined;
}

export class EnforcementFeed {
  private entries = new Map<string, EnforcementEntry>();
  private meta: FeedMeta;
  private rendered: { version: number; files: Record<string, string> } | undefined;
  private lastReload: FeedStatus["reload"];

  constructor(
    readonly init: EnforcementFeedInit,
    private readonly components: EnforcementFeedComponents,
  ) {
    this.meta = { feed: init.name, version: 0, serial: 0, updatedAt: 0 };
  }

  /** Reads the feed's state; with a directory, writes its files (a device restarted with the node finds them). */
  async load(): Promise<void> {
    this.meta = (await this.components.repository.meta(this.init.name)) ?? this.meta;
    this.entries = await this.components.repository.entries(this.init.name);
    if (this.init.dir && this.meta.version > 0) await this.writeFiles();
  }

  get pinned(): boolean {
    return this.meta.pinned !== undefined;
  }

  status(): FeedStatus {
    return {
      name: this.init.name,
      kind: this.init.kind,
      version: this.meta.version,
      serial: this.meta.serial,
      entries: this.entries.size,
      updatedAt: this.meta.updatedAt,
      pinned: this.meta.pinned,
      dir: this.init.dir,
      policy: this.init.policy,
      reload: this.lastReload,
    };
  }

  /** What applying `next` would change, without changing anything (the dry run). */
  diff(next: ReadonlyMap<string, EnforcementEntry>): FeedDiff {
    return diffEntries(this.entries, next);
  }

  /** The files as the device should hold them now. */
  files(): Record<string, string> {
    if (this.rendered?.version !== this.meta.version || this.init.kind === "nftables") {
      // nftables timeouts count from the moment the file is loaded: render them from now.
      this.rendered = { version: this.meta.version, files: renderFeedFiles(this.init.kind, this.entries.values(), { ...this.init.render, serial: this.meta.serial, now: this.components.now() }) };
    }
    return this.rendered.files;
  }

  /** Applies the policy's selection: one recorded change if anything differs. Nothing while pinned. */
  async update(next: Map<string, EnforcementEntry>): Promise<FeedChange | undefined> {
    if (this.pinned) return undefined;
    const diff = this.diff(next);
    if (diff.added.length === 0 && diff.removed.length === 0 && diff.updated === 0) return undefined;
    const updated = diff.updated > 0 ? [...next.values()].filter((e) => this.entries.has(entryKey(e))) : [];
    return this.commit(next, diff, updated, { cause: "update", by: "policy" });
  }

  /** The entries the feed held at `version`: the current ones with every later change undone. */
  async entriesAt(version: number): Promise<Map<string, EnforcementEntry>> {
    if (!Number.isInteger(version) || version < 0 || version > this.meta.version) throw new FeedRollbackError(`feed ${this.init.name} has versions 0 to ${this.meta.version}; there is no version ${version}`);
    const entries = new Map(this.entries);
    for (let v = this.meta.version; v > version; v--) {
      const change = await this.components.repository.change(this.init.name, v);
      if (!change) throw new FeedRollbackError(`the journal of feed ${this.init.name} lacks version ${v}: cannot go back past it`);
      for (const e of change.added) entries.delete(entryKey(e));
      for (const e of change.removed) entries.set(entryKey(e), e);
    }
    return entries;
  }

  /** Restores the entries of `version` as a new version, and pins the feed there until resumed. */
  async rollback(version: number, by: string): Promise<FeedChange> {
    const target = await this.entriesAt(version);
    const now = this.components.now();
    // An entry whose time ran out stays out: a rollback restores decisions, not expired values.
    for (const [key, entry] of target) if (entry.expiresAt <= now) target.delete(key);
    const diff = this.diff(target);
    return this.commit(target, diff, [], { cause: "rollback", by, restored: version }, { version, at: now, by });
  }

  /** Lets the policy update the feed again (after a rollback). */
  async resume(by: string): Promise<boolean> {
    if (!this.meta.pinned) return false;
    const { pinned: _pinned, ...meta } = this.meta;
    this.meta = meta;
    await this.components.repository.putMeta(meta);
    await this.components.audit.append({ at: this.components.now(), kind: "feed-resume", by, summary: `feed ${this.init.name} follows its policy again` });
    return true;
  }

  private async commit(next: Map<string, EnforcementEntry>, diff: FeedDiff, updated: EnforcementEntry[], how: { cause: FeedChange["cause"]; by: string; restored?: number }, pinned?: FeedMeta["pinned"]): Promise<FeedChange> {
    const now = this.components.now();
    const version = this.meta.version + 1;
    // Unix seconds, and always more than the last: a resolver compares serials, and a feed
    // rebuilt from an empty journal must still look newer than what the resolver holds.
    const serial = Math.max(this.meta.serial + 1, Math.floor(now / 1000));
    const change: FeedChange = { feed: this.init.name, version, serial, at: now, cause: how.cause, by: how.by, ...(how.restored !== undefined ? { restored: how.restored } : {}), added: diff.added, removed: diff.removed };
    const meta: FeedMeta = { feed: this.init.name, version, serial, updatedAt: now, ...(pinned ? { pinned } : this.meta.pinned ? { pinned: this.meta.pinned } : {}) };
    await this.components.repository.recordChange(meta, change, updated);
    this.meta = meta;
    this.entries = next;
    await this.components.audit.append({
      at: now,
      kind: how.cause === "rollback" ? "feed-rollback" : "feed-change",
      by: how.by,
      summary: `feed ${this.init.name} version ${version}: ${diff.added.length} added, ${diff.removed.length} removed${how.restored !== undefined ? ` (back to version ${how.restored})` : ""}`,
      details: { feed: this.init.name, version, serial, added: diff.added.slice(0, 20).map(reasonOf), removed: diff.removed.slice(0, 20).map(reasonOf) },
    });
    if (this.init.dir) await this.writeFiles();
    return change;
  }

  private async writeFiles(): Promise<void> {
    const dir = this.init.dir!;
    try {
      const written = await writeFilesAtomically(dir, this.files(), { mode: this.init.mode });
      if (written.length > 0 && this.init.reloadCommand?.length) await this.reload();
    } catch (err) {
      this.components.log?.("could not write an enforcement feed; will retry on its next change", { feed: this.init.name, dir, error: (err as Error).message });
    }
  }

  private async reload(): Promise<void> {
    const [command, ...args] = this.init.reloadCommand!;
    const at = this.components.now();
    try {
      const { stdout, stderr } = await run(command!, args, { timeout: 60_000, maxBuffer: 1 << 20 });
      this.lastReload = { ok: true, at, message: `${stdout}${stderr}`.trim().slice(0, 500) };
    } catch (err) {
      const e = err as Error & { stderr?: string };
      this.lastReload = { ok: false, at, message: `${e.message} ${e.stderr ?? ""}`.trim().slice(0, 500) };
      this.components.log?.("the device's reload command failed", { feed: this.init.name, command: this.init.reloadCommand, error: this.lastReload.message });
      await this.components.audit.append({ at, kind: "feed-change", by: "policy", summary: `feed ${this.init.name}: reload command failed: ${this.lastReload.message}` });
    }
  }
}

function reasonOf(entry: EnforcementEntry): Record<string, unknown> {
  return { type: entry.type, value: entry.value, action: entry.action, expiresAt: entry.expiresAt, score: entry.score, because: entry.because };
}
