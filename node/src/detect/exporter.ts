import type { Audience } from "../privacy/audience.js";
import type { IndicatorStore } from "../store/indicator-store.js";
import type { ScoredRecord, TrustService } from "../trust/trust-service.js";
import { writeFilesAtomically } from "./export-writer.js";
import { csvFeed, plainLists } from "./formats/lists.js";
import { suricataFiles } from "./formats/suricata.js";
import { zeekIntel } from "./formats/zeek.js";

export const DETECTOR_FORMATS = ["zeek", "suricata", "csv", "lists"] as const;
export type DetectorFormat = (typeof DETECTOR_FORMATS)[number];

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
  /** Rewrite at least this often: scores decay and indicators expire without any write. */
  refreshMs: number;
  /** Wait this long after a change for more before rewriting. */
  debounceMs?: number;
}

export interface ExportWatchComponents {
  store: IndicatorStore;
  trust: TrustService;
  log?: (message: string, fields?: Record<string, unknown>) => void;
}

/**
 * Keeps a detector's files current: writes them at start, then again (atomically, unchanged
 * files untouched) after the store changes and at least every `refreshMs`.
 */
export class ExportWatch {
  private timer: NodeJS.Timeout | undefined;
  private refresh: NodeJS.Timeout | undefined;
  private writing: Promise<void> = Promise.resolve();
  private running = false;
  /** Times the files were rewritten (for operators and tests). */
  writes = 0;
  private readonly onChange = () => this.schedule();

  constructor(
    readonly init: ExportWatchInit,
    private readonly components: ExportWatchComponents,
  ) {}

  async start(): Promise<void> {
    if (this.running) return;
    this.running = true;
    this.components.store.on("records", this.onChange);
    this.components.store.on("pruned", this.onChange);
    this.refresh = setInterval(this.onChange, this.init.refreshMs);
    await this.exportNow();
  }

  async stop(): Promise<void> {
    if (!this.running) return;
    this.running = false;
    this.components.store.off("records", this.onChange);
    this.components.store.off("pruned", this.onChange);
    clearInterval(this.refresh);
    clearTimeout(this.timer);
    await this.writing;
  }

  /** Writes the files now (after any write in progress). */
  exportNow(): Promise<void> {
    this.writing = this.writing.then(async () => {
      try {
        const records = await this.components.trust.feedAll(this.init.audience);
        const written = await writeFilesAtomically(this.init.dir, renderDetectorFiles(this.init.format, records));
        if (written.length > 0) this.writes++;
      } catch (err) {
        this.components.log?.("export failed; will retry on the next change", { format: this.init.format, dir: this.init.dir, error: (err as Error).message });
      }
    });
    return this.writing;
  }

  private schedule(): void {
    if (!this.running || this.timer) return;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      void this.exportNow();
    }, this.init.debounceMs ?? 500);
  }
}
