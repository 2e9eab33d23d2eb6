/**
 * feeds/ owns the external feeds a node ingests on a schedule: MISP feeds (a MISP instance's or a
 * vendor's `manifest.json`, `hashes.csv` and one file per event), plain-text lists of values and
 * CSV files. Each run reads only what changed since the last (http validators, a digest of the
 * text, MISP's event timestamps), publishes it through the node's own paths as this org's
 * statements (so validation, warning lists, scrubbing and sealing apply as to anything else), and
 * ends with a report: what was read, published, refused and why, and what the feed dropped.
 *
 * What the node remembers between runs lives in store/feed-state-repository.ts; saved event by
 * event, so a crash costs at most the event being imported.
 */
import { createHash } from "node:crypto";
import type { FeedConfig } from "../config/config.js";
import type { ObjectPublishReport } from "../intel/intel-service.js";
import { runMispImport, type ImportComponents } from "../interop/importer.js";
import { importCsv } from "../interop/csv.js";
import { mispToStix } from "../interop/misp-stix.js";
import { DEFAULT_LIFETIME_MS, isIndicatorType, type IndicatorType, type Tlp } from "../model/indicator.js";
import { indicatorId } from "../model/indicator-id.js";
import { normalizeValue } from "../model/normalize.js";
import type { PublishInput, PublishOutcome } from "../node.js";
import type { FeedState, FeedStateRepository, PublishedValue } from "../store/feed-state-repository.js";
import { eventsToImport, readHashes, readManifest, readTextFeed, FeedFormatError } from "./feed-files.js";
import type { FeedKind } from "./feed-kinds.js";
import { describeLocation, feedLocation, fetchFeedFile, FeedFetchError, within, type FeedLocation } from "./feed-source.js";

export class UnknownFeedError extends Error {
  override readonly name = "UnknownFeedError";
}

export interface FeedRunReport {
  feed: string;
  kind: FeedKind;
  source: string;
  startedAt: string;
  finishedAt: string;
  /** imported: read and published; unchanged: nothing new since the last run; partial: some events failed; failed: nothing read. */
  outcome: "imported" | "unchanged" | "partial" | "failed";
  error?: string;
  published: { indicators: number; objects: number; sightings: number };
  /** Statements the publish path refused, by reason (WARNING_LIST, BAD_VALUE, ...). */
  refused: Record<string, number>;
  /** Examples of refusals, with the value and the message (the first 50). */
  refusedExamples: Array<{ source: string; reason: string; message: string }>;
  /** MISP: attributes left out with a stated reason (deleted, files), by reason. */
  leftOut: Record<string, number>;
  events?: { listed: number; changed: number; unchanged: number; imported: number; removed: number; failed: Array<{ uuid: string; error: string }> };
  values?: { listed: number; new: number; restated: number; removed: number; problems: Array<{ line: number; reason: string }> };
  /** MISP: values hashes.csv lists for an imported event that the event does not hold (a stale or tampered cache). */
  hashes?: { events: number; notInEvent: number };
  warnings: string[];
}

export interface FeedServiceInit {
  feeds: FeedConfig[];
  /** Delay before each feed's first run after start (spread so that feeds do not all start at once). */
  firstRunDelayMs?: number;
  fetchTimeoutMs?: number;
}

export interface FeedServiceComponents {
  state: FeedStateRepository;
  publish(inputs: PublishInput[]): Promise<PublishOutcome[]>;
  publishObjects(objects: unknown[], options: { defaultTlp: Tlp; group?: number }, onProgress?: (done: number, total: number) => void): Promise<ObjectPublishReport>;
  sightMany: ImportComponents["sightMany"];
  checkTag?: (tag: string) => string | undefined;
  orgId: string;
  now(): number;
  log?: (message: string, fields?: Record<string, unknown>) => void;
}

const PUBLISH_CHUNK = 1000;
const EXAMPLES_KEPT = 50;
const PROBLEMS_KEPT = 100;

/** A feed as the API shows it: its settings without its headers (which may hold a key), and what the node remembers. */
export interface FeedView {
  name: string;
  kind: FeedKind;
  source: string;
  intervalMinutes: number;
  tlp: Tlp;
  group?: number;
  type?: IndicatorType;
  enabled: boolean;
  running: boolean;
  nextRunAt?: string;
  lastRun?: FeedRunReport;
}

export class FeedService {
  private readonly feeds: Map<string, FeedConfig>;
  private readonly running = new Map<string, Promise<FeedRunReport>>();
  private readonly timers = new Map<string, NodeJS.Timeout>();
  private readonly nextRunAt = new Map<string, number>();
  private abort = new AbortController();
  private started = false;

  constructor(
    private readonly init: FeedServiceInit,
    private readonly components: FeedServiceComponents,
  ) {
    this.feeds = new Map(init.feeds.map((feed) => [feed.name, feed]));
  }

  start(): void {
    if (this.started) return;
    this.started = true;
    this.abort = new AbortController();
    let i = 0;
    for (const feed of this.feeds.values()) {
      if (!feed.enabled) continue;
      this.schedule(feed, (this.init.firstRunDelayMs ?? 10_000) + 2_000 * i++);
    }
  }

  async stop(): Promise<void> {
    if (!this.started) return;
    this.started = false;
    for (const timer of this.timers.values()) clearTimeout(timer);
    this.timers.clear();
    this.nextRunAt.clear();
    this.abort.abort();
    await Promise.allSettled([...this.running.values()]);
  }

  async list(): Promise<FeedView[]> {
    return Promise.all([...this.feeds.values()].map((feed) => this.view(feed)));
  }

  async get(name: string): Promise<FeedView & { runs: FeedRunReport[] }> {
    const feed = this.feedNamed(name);
    const state = await this.components.state.get(name);
    return { ...(await this.view(feed, state)), runs: state.runs as FeedRunReport[] };
  }

  /** Runs a feed now; while it runs, a second call gets the same run. */
  run(name: string, onProgress?: (done: number, total: number) => void): Promise<FeedRunReport> {
    const feed = this.feedNamed(name);
    const current = this.running.get(name);
    if (current) return current;
    const run = this.runOnce(feed, onProgress).finally(() => this.running.delete(name));
    this.running.set(name, run);
    return run;
  }

  private feedNamed(name: string): FeedConfig {
    const feed = this.feeds.get(name);
    if (!feed) throw new UnknownFeedError(`no feed named "${name}" is configured`);
    return feed;
  }

  private async view(feed: FeedConfig, known?: FeedState): Promise<FeedView> {
    const state = known ?? (await this.components.state.get(feed.name));
    const next = this.nextRunAt.get(feed.name);
    return {
      name: feed.name,
      kind: feed.kind,
      source: safeSource(feed.url),
      intervalMinutes: feed.intervalMinutes,
      tlp: feed.tlp,
      ...(feed.group !== undefined ? { group: feed.group } : {}),
      ...(feed.type !== undefined ? { type: feed.type } : {}),
      enabled: feed.enabled,
      running: this.running.has(feed.name),
      ...(next !== undefined ? { nextRunAt: new Date(next).toISOString() } : {}),
      ...(state.runs[0] ? { lastRun: state.runs[0] as FeedRunReport } : {}),
    };
  }

  private schedule(feed: FeedConfig, delayMs: number): void {
    if (!this.started) return;
    this.nextRunAt.set(feed.name, this.components.now() + delayMs);
    const timer = setTimeout(() => {
      this.timers.delete(feed.name);
      void this.run(feed.name)
        .catch((err: Error) => this.components.log?.("feed run failed", { feed: feed.name, error: err.message }))
        .finally(() => this.schedule(feed, feed.intervalMinutes * 60_000));
    }, delayMs);
    timer.unref();
    this.timers.set(feed.name, timer);
  }

  private async runOnce(feed: FeedConfig, onProgress?: (done: number, total: number) => void): Promise<FeedRunReport> {
    const startedAt = this.components.now();
    const report: FeedRunReport = {
      feed: feed.name,
      kind: feed.kind,
      source: safeSource(feed.url),
      startedAt: new Date(startedAt).toISOString(),
      finishedAt: "",
      outcome: "imported",
      published: { indicators: 0, objects: 0, sightings: 0 },
      refused: {},
      refusedExamples: [],
      leftOut: {},
      warnings: [],
    };
    const state = await this.components.state.get(feed.name);
    try {
      const location = feedLocation(feed.url);
      if (feed.kind === "misp") await this.runMisp(feed, location, state, report, onProgress);
      else await this.runList(feed, location, state, report, onProgress);
    } catch (err) {
      if (!(err instanceof FeedFetchError || err instanceof FeedFormatError) && !this.abort.signal.aborted) this.components.log?.("feed run failed unexpectedly", { feed: feed.name, error: (err as Error).stack });
      report.outcome = "failed";
      report.error = this.abort.signal.aborted ? "the node stopped during the run" : (err as Error).message;
    }
    report.finishedAt = new Date(this.components.now()).toISOString();
    state.runs = [report, ...state.runs];
    await this.components.state.put(state);
    this.components.log?.("feed run", { feed: feed.name, outcome: report.outcome, indicators: report.published.indicators, objects: report.published.objects, refused: sum(report.refused) });
    return report;
  }

  private fetchOptions(feed: FeedConfig, validators: { etag?: string; lastModified?: string } = {}) {
    return { maxBytes: feed.maxBytes, timeoutMs: this.init.fetchTimeoutMs ?? 60_000, headers: feed.headers, signal: this.abort.signal, ...validators };
  }

  // ------------------------------------------------------------------ MISP feeds

  private async runMisp(feed: FeedConfig, base: FeedLocation, state: FeedState, report: FeedRunReport, onProgress?: (done: number, total: number) => void): Promise<void> {
    const manifest = await fetchFeedFile(within(base, "manifest.json"), this.fetchOptions(feed, { etag: state.etag, lastModified: state.lastModified }));
    if (manifest.status === "missing") throw new FeedFetchError(`${describeLocation(base)} has no manifest.json: is it a MISP feed?`);
    if (manifest.status === "unchanged" || manifest.digest === state.digest) {
      report.outcome = "unchanged";
      return;
    }
    const { events, problems } = readManifest(manifest.text);
    report.warnings.push(...problems.slice(0, PROBLEMS_KEPT));
    const { changed, unchanged } = eventsToImport(events, state.events);
    const listed = new Set(events.map((e) => e.uuid));
    const removed = Object.keys(state.events).filter((uuid) => !listed.has(uuid));
    for (const uuid of removed) delete state.events[uuid];
    report.events = { listed: events.length, changed: changed.length, unchanged, imported: 0, removed: removed.length, failed: [] };

    let hashes: Map<string, Set<string>> | undefined;
    if (changed.length > 0) {
      const file = await fetchFeedFile(within(base, "hashes.csv"), this.fetchOptions(feed));
      if (file.status === "ok") {
        const read = readHashes(file.text);
        hashes = read.byEvent;
        if (read.malformed > 0) report.warnings.push(`hashes.csv has ${read.malformed} lines that are not "md5,event uuid"`);
        report.hashes = { events: 0, notInEvent: 0 };
      }
    }

    const options = { defaultTlp: feed.tlp, now: this.components.now(), includeNonIds: feed.includeNonIds, ...(this.components.checkTag ? { checkTag: this.components.checkTag } : {}) };
    for (const [i, event] of changed.entries()) {
      if (this.abort.signal.aborted) throw new Error("stopped");
      try {
        const file = await fetchFeedFile(within(base, `${event.uuid}.json`), this.fetchOptions(feed));
        if (file.status !== "ok") throw new FeedFetchError(`the manifest lists ${event.uuid}, but the feed has no ${event.uuid}.json`);
        let document: unknown;
        try {
          document = JSON.parse(file.text);
        } catch (err) {
          throw new FeedFormatError(`${event.uuid}.json is not JSON: ${(err as Error).message}`);
        }
        const read = mispToStix(document, options);
        if (read.events.length === 0) throw new FeedFormatError(`${event.uuid}.json holds no MISP event${read.skipped[0] ? ` (${read.skipped[0].reason})` : ""}`);
        const imported = await runMispImport(read, {
          orgId: this.components.orgId,
          sightMany: this.components.sightMany,
          publishObjects: (objects, progress) => this.components.publishObjects(objects, { defaultTlp: feed.tlp, ...(feed.group !== undefined ? { group: feed.group } : {}) }, progress),
        });
        report.published.objects += imported.objects;
        report.published.indicators += imported.indicators.published;
        report.published.sightings += imported.sightings;
        for (const [reason, n] of Object.entries(imported.indicators.reasons)) report.refused[reason] = (report.refused[reason] ?? 0) + n;
        for (const refused of imported.refused) {
          report.refused[refused.reason] = (report.refused[refused.reason] ?? 0) + 1;
          if (report.refusedExamples.length < EXAMPLES_KEPT) report.refusedExamples.push({ source: refused.source, reason: refused.reason, message: refused.message });
        }
        for (const read of imported.events) for (const left of read.leftOut) report.leftOut[left.reason] = (report.leftOut[left.reason] ?? 0) + 1;
        report.warnings.push(...imported.warnings.slice(0, Math.max(0, PROBLEMS_KEPT - report.warnings.length)));
        const listedHashes = hashes?.get(event.uuid);
        if (listedHashes && report.hashes) {
          const held = valueHashes(document);
          const missing = [...listedHashes].filter((h) => !held.has(h)).length;
          report.hashes.events++;
          report.hashes.notInEvent += missing;
          if (missing > 0) report.warnings.push(`hashes.csv lists ${missing} values that event ${event.uuid} does not hold`);
        }
        state.events[event.uuid] = event.timestamp;
        report.events.imported++;
        // Event by event: a crash now re-reads this event only if it was not saved.
        await this.components.state.put({ ...state, runs: state.runs });
      } catch (err) {
        if (this.abort.signal.aborted) throw err;
        report.events.failed.push({ uuid: event.uuid, error: (err as Error).message });
      }
      onProgress?.(i + 1, changed.length);
    }
    if (report.events.failed.length > 0) {
      // The manifest's validators are kept only when every event came: otherwise the next run
      // would be told "unchanged" and never retry the ones that failed.
      report.outcome = report.events.imported > 0 ? "partial" : "failed";
      return;
    }
    if (changed.length === 0 && removed.length === 0) report.outcome = "unchanged";
    state.etag = manifest.etag;
    state.lastModified = manifest.lastModified;
    state.digest = manifest.digest;
  }

  // ------------------------------------------------------------------ text and CSV feeds

  private async runList(feed: FeedConfig, location: FeedLocation, state: FeedState, report: FeedRunReport, onProgress?: (done: number, total: number) => void): Promise<void> {
    const now = this.components.now();
    const file = await fetchFeedFile(location, this.fetchOptions(feed, { etag: state.etag, lastModified: state.lastModified }));
    if (file.status === "missing") throw new FeedFetchError(`${describeLocation(location)} does not exist`);
    const published = await this.components.state.publishedValues(feed.name);
    const dueAgain = (value: PublishedValue) => isIndicatorType(value.type) && value.at + DEFAULT_LIFETIME_MS[value.type] / 2 <= now;
    let toPublish: Array<PublishInput & { id: string; source: string }>;
    let removed: string[] = [];
    if (file.status === "unchanged" || file.digest === state.digest) {
      // Nothing new; what is still listed is stated again before its statement runs out.
      toPublish = [...published.entries()].filter(([, v]) => dueAgain(v)).map(([id, v]) => ({ ...this.inputFor(feed, v.type as IndicatorType, v.value), id, source: v.value }));
      report.values = { listed: published.size, new: 0, restated: toPublish.length, removed: 0, problems: [] };
      if (toPublish.length === 0) {
        report.outcome = "unchanged";
        return;
      }
    } else {
      const inputs = feed.kind === "csv" ? this.csvInputs(feed, file.text, report) : this.textInputs(feed, file.text, report);
      const listed = new Set(inputs.map((i) => i.id));
      removed = [...published.keys()].filter((id) => !listed.has(id));
      const fresh = inputs.filter((i) => !published.has(i.id));
      const again = inputs.filter((i) => published.has(i.id) && dueAgain(published.get(i.id)!));
      toPublish = [...fresh, ...again];
      report.values = { ...report.values!, listed: inputs.length, new: fresh.length, restated: again.length, removed: removed.length };
    }
    for (let i = 0; i < toPublish.length; i += PUBLISH_CHUNK) {
      if (this.abort.signal.aborted) throw new Error("stopped");
      const chunk = toPublish.slice(i, i + PUBLISH_CHUNK);
      const outcomes = await this.components.publish(chunk.map(({ id: _id, source: _source, ...input }) => input));
      const done: Array<{ id: string } & PublishedValue> = [];
      outcomes.forEach((outcome, j) => {
        const input = chunk[j]!;
        if (outcome.ok) {
          report.published.indicators++;
          done.push({ id: input.id, type: String(input.type), value: String(input.value), at: now });
        } else {
          report.refused[outcome.reason] = (report.refused[outcome.reason] ?? 0) + 1;
          if (report.refusedExamples.length < EXAMPLES_KEPT) report.refusedExamples.push({ source: input.source, reason: outcome.reason, message: outcome.message });
        }
      });
      // Saved chunk by chunk: a crash re-publishes at most one chunk.
      await this.components.state.markPublished(feed.name, done);
      onProgress?.(Math.min(i + PUBLISH_CHUNK, toPublish.length), toPublish.length);
    }
    await this.components.state.forget(feed.name, removed);
    if (file.status === "ok") {
      state.etag = file.etag;
      state.lastModified = file.lastModified;
      state.digest = file.digest;
    }
  }

  private inputFor(feed: FeedConfig, type: IndicatorType, value: string): PublishInput {
    return {
      type,
      value,
      tlp: feed.tlp,
      ...(feed.group !== undefined ? { group: feed.group } : {}),
      confidence: feed.confidence,
      description: `Listed by the feed ${feed.name}.`,
      labels: { tags: feed.tags },
    };
  }

  private textInputs(feed: FeedConfig, text: string, report: FeedRunReport): Array<PublishInput & { id: string; source: string }> {
    const { values, problems } = readTextFeed(text, feed.type);
    report.values = { listed: values.length, new: 0, restated: 0, removed: 0, problems: problems.slice(0, PROBLEMS_KEPT) };
    if (problems.length > PROBLEMS_KEPT) report.warnings.push(`${problems.length - PROBLEMS_KEPT} more lines could not be read`);
    return values.map((v) => ({ ...this.inputFor(feed, v.type, v.value), id: indicatorId(v.type, v.value), source: `line ${v.line}` }));
  }

  private csvInputs(feed: FeedConfig, text: string, report: FeedRunReport): Array<PublishInput & { id: string; source: string }> {
    const read = importCsv(text, { defaultTlp: feed.tlp, ...(feed.group !== undefined ? { group: feed.group } : {}) });
    const problems: Array<{ line: number; reason: string }> = [];
    const out: Array<PublishInput & { id: string; source: string }> = [];
    const seen = new Set<string>();
    for (const input of read.inputs) {
      const line = Number(/\d+/.exec(input.source)?.[0] ?? 0);
      if (!isIndicatorType(input.type) || typeof input.value !== "string") {
        problems.push({ line, reason: `type "${String(input.type)}" is not one the exchange knows` });
        continue;
      }
      let value: string;
      try {
        value = normalizeValue(input.type, input.value);
      } catch (err) {
        problems.push({ line, reason: (err as Error).message });
        continue;
      }
      const id = indicatorId(input.type, value);
      if (seen.has(id)) continue;
      seen.add(id);
      const { source, ...rest } = input;
      out.push({ ...rest, confidence: rest.confidence ?? feed.confidence, ...(rest.description ? {} : { description: `Listed by the feed ${feed.name}.` }), id, source });
    }
    report.values = { listed: out.length, new: 0, restated: 0, removed: 0, problems: problems.slice(0, PROBLEMS_KEPT) };
    report.warnings.push(...read.warnings.slice(0, 20));
    return out;
  }
}

/** A feed's location as shown: without a query string, which may hold a key. */
function safeSource(url: string): string {
  return url.replace(/\?.*$/, "?…");
}

const sum = (counts: Record<string, number>) => Object.values(counts).reduce((a, b) => a + b, 0);

/** MD5 of every value an event's attributes hold (and of each part of a composite one), as hashes.csv lists them. */
function valueHashes(document: unknown): Set<string> {
  const out = new Set<string>();
  const event = (document as { Event?: Record<string, unknown> })?.Event ?? (document as Record<string, unknown>);
  const attributes = (holder: unknown): unknown[] => (Array.isArray((holder as { Attribute?: unknown })?.Attribute) ? ((holder as { Attribute: unknown[] }).Attribute) : []);
  const all = [...attributes(event), ...(Array.isArray(event?.Object) ? event.Object.flatMap(attributes) : [])];
  for (const attribute of all) {
    const value = (attribute as { value?: unknown })?.value;
    if (typeof value !== "string") continue;
    for (const part of [value, ...(value.includes("|") ? value.split("|") : [])]) out.add(createHash("md5").update(part).digest("hex"));
  }
  return out;
}
