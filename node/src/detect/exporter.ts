import type { Audience } from "../privacy/audience.js";
import type { IndicatorStore } from "../store/indicator-store.js";
import type { IndicatorRecord } from "../model/record.js";
import type { ScoredRecord, TrustService } from "../trust/trust-service.js";
import { writeFilesAtomically } from "./export-writer.js";
import { busyShareWait } from "./busy-share.js";
import { csvFeed, plainLists } from "./formats/lists.js";
import { suricataFiles } from "./formats/suricata.js";
import { zeekIntel } from "./formats/zeek.js";
import type { FeedUse } from "../privacy/pap.js";

export const DETECTOR_FORMATS = ["zeek", "suricata", "csv", "lists"] as const;
export type DetectorFormat = (typeof DETECTOR_FORMATS)[number];

/**
 * What each format's reader does with it (privacy/pap.ts): Zeek's Intel framework and Suricata's
 * alert rules only watch, a CSV goes to a SIEM that watches; the plain lists are blocklists.
 */
export const FORMAT_USE: Record<DetectorFormat, FeedUse> = { zeek: "detect", suricata: "detect", csv: "detect", lists: "block" };

/** The files of one export format, by name, from the feed. Pure. */
export function renderDetectorFiles(format: DetectorFormat, records: ScoredRecord[]): Record<string, string> {
  switch (format) {
    case "zeek":
      return { "cti-intel.dat": zeekIntel(records) };
    case "suricata":
      return suricataFiles(records);
    case "csv":
      return { "cti-feed.csv": csvFeed(records) };
    case "lists":
      return plainLists(records);
  }
}

export interface ExportWatchInit {
  format: DetectorFormat;
  dir: string;
  audience: Audience;
  /** Rescore the whole feed at least this often: scores decay and indicators expire without any write. */
  refreshMs: number;
  /** Wait this long after a change for more before rewriting. */
  debounceMs?: number;
  /** File mode of the files (detect/export-writer.ts DEFAULT_EXPORT_MODE unless given). */
  mode?: number;
  /**
   * Rewrites take at most this share of the time (0.2 by default): after a rewrite that took
   * t ms the next waits at least t / share - t. A feed of 100,000 records takes seconds to render;
   * without this, a node receiving all the time would render it back to back.
   */
  maxBusyShare?: number;
}

export interface ExportWatchComponents {
  store: IndicatorStore;
  trust: TrustService;
  log?: (message: string, fields?: Record<string, unknown>) => void;
  now?: () => number;
}

/**
 * Keeps a detector's files current: writes them at start, then again (atomically, unchanged
 * files untouched) after the store changes and at least every `refreshMs`.
 *
 * Incremental: the feed is read and scored whole at start and every `refreshMs`; in between,
 * only the records a write touched (or a prune removed) are rescored into the feed held in
 * memory, and the files are rendered from it. Bounded: rewrites keep to `maxBusyShare` of the time.
 */
export class ExportWatch {
  private timer: NodeJS.Timeout | undefined;
  private refresh: NodeJS.Timeout | undefined;
  private writing: Promise<void> = Promise.resolve();
  private running = false;
  /** The feed as last scored, in the store's write order (a record rescored moves to the end). */
  private feed: Map<string, ScoredRecord> | undefined;
  private touched = new Map<string, IndicatorRecord | undefined>();
  private lastWriteEnded = 0;
  private lastWriteTook = 0;
  /** Times the files were rewritten (for operators and tests). */
  writes = 0;
  /** Whole-feed reads (at start and every refreshMs) and incremental updates, for operators and tests. */
  readonly stats = { fullReads: 0, incrementalUpdates: 0, recordsRescored: 0 };
  private readonly onRecords = (records: IndicatorRecord[]) => {
    for (const r of records) this.touched.set(r.id, r);
    this.schedule();
  };
  private readonly onPruned = (records: IndicatorRecord[]) => {
    for (const r of records) this.touched.set(r.id, undefined);
    this.schedule();
  };
  private readonly onRefresh = () => {
    this.feed = undefined;
    this.schedule();
  };

  constructor(
    readonly init: ExportWatchInit,
    private readonly components: ExportWatchComponents,
  ) {}

  private now(): number {
    return (this.components.now ?? Date.now)();
  }

  async start(): Promise<void> {
    if (this.running) return;
    this.running = true;
    this.components.store.on("records", this.onRecords);
    this.components.store.on("pruned", this.onPruned);
    this.refresh = setInterval(this.onRefresh, this.init.refreshMs);
    await this.exportNow();
  }

  async stop(): Promise<void> {
    if (!this.running) return;
    this.running = false;
    this.components.store.off("records", this.onRecords);
    this.components.store.off("pruned", this.onPruned);
    clearInterval(this.refresh);
    clearTimeout(this.timer);
    await this.writing;
  }

  /** Writes the files now (after any write in progress), from the whole feed read again. */
  exportNow(): Promise<void> {
    this.feed = undefined;
    return this.rewrite();
  }

  private rewrite(): Promise<void> {
    this.writing = this.writing.then(async () => {
      const started = this.now();
      try {
        await this.update();
        const written = await writeFilesAtomically(this.init.dir, renderDetectorFiles(this.init.format, [...this.feed!.values()]), { mode: this.init.mode });
        if (written.length > 0) this.writes++;
      } catch (err) {
        this.feed = undefined;
        this.components.log?.("export failed; will retry on the next change", { format: this.init.format, dir: this.init.dir, error: (err as Error).message });
      } finally {
        this.lastWriteEnded = this.now();
        this.lastWriteTook = this.lastWriteEnded - started;
      }
    });
    return this.writing;
  }

  /** Brings the feed held up to date: whole when there is none, else the records touched since. */
  private async update(): Promise<void> {
    const touched = this.touched;
    this.touched = new Map();
    if (!this.feed) {
      this.stats.fullReads++;
      const records = await this.components.trust.feedAll(this.init.audience, 5000, undefined, FORMAT_USE[this.init.format]);
      this.feed = new Map(records.map((r) => [r.id, r]));
      return;
    }
    if (touched.size === 0) return;
    this.stats.incrementalUpdates++;
    this.stats.recordsRescored += touched.size;
    const live = [...touched.values()].filter((r): r is IndicatorRecord => r !== undefined);
    const scored = new Map((await this.components.trust.scored(live, this.init.audience, FORMAT_USE[this.init.format])).map((r) => [r.id, r]));
    for (const id of touched.keys()) {
      this.feed.delete(id);
      const record = scored.get(id);
      if (record && !record.score.quarantined) this.feed.set(id, record);
    }
  }

  private schedule(): void {
    if (!this.running || this.timer) return;
    const wait = busyShareWait({ endedAt: this.lastWriteEnded, tookMs: this.lastWriteTook }, this.now(), this.init.debounceMs ?? 500, this.init.maxBusyShare);
    this.timer = setTimeout(() => {
      this.timer = undefined;
      void this.rewrite();
    }, wait);
  }
}
