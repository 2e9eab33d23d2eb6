import { randomBytes } from "node:crypto";
import type { ObjectPublishReport } from "../intel/intel-service.js";
import type { Tlp } from "../model/indicator.js";
import { DRAFT_ID, type Draft, type DraftDecision, type ReportFormat } from "../model/draft.js";
import type { WarningLists } from "../privacy/warning-lists.js";
import type { DraftRepository } from "../store/draft-repository.js";
import type { AttackNameRecogniser } from "./attack-names.js";
import type { TechniqueModel } from "../categorise/technique-model.js";
import { buildDraft } from "./draft-builder.js";
import { draftObjects } from "./draft-publication.js";
import { formatOf, MAX_REPORT_BYTES, reportText, ReportTextError } from "./report-text.js";
import { fetchBounded } from "../feeds/feed-source.js";

/**
 * Reports in, drafts out, and a reviewed draft published: the analyst's side of extract/. A draft
 * is never published on its own; publishing takes the accepted items only, through the object path
 * (intel/), so the consortium's checks, scrubbing and sealing apply.
 */

export class DraftError extends Error {
  override readonly name = "DraftError";
  constructor(
    readonly code: "UNKNOWN_DRAFT" | "DRAFT_CLOSED" | "UNKNOWN_ITEM" | "NOTHING_ACCEPTED",
    message: string,
  ) {
    super(message);
  }
}

export interface DraftServiceComponents {
  drafts: DraftRepository;
  publishObjects(objects: unknown[], options: { defaultTlp: Tlp; group?: number }): Promise<ObjectPublishReport>;
  orgId: string;
  now(): number;
  warningLists?: WarningLists;
  names: AttackNameRecogniser;
  /** The ATT&CK categoriser and the probability from which a draft proposes what it reads. */
  categoriser?: { model: TechniqueModel; threshold: number };
}

export interface DraftPublication {
  draft: Draft;
  reportId: string;
  published: number;
  refused: Array<{ id: string; reason: string; message: string }>;
}

export class DraftService {
  constructor(private readonly components: DraftServiceComponents) {}

  /** A draft of a report file's text. */
  async fromFile(input: { bytes: Uint8Array; name: string; contentType?: string; title?: string; format?: ReportFormat }): Promise<Draft> {
    const format = input.format ?? formatOf(input.name, input.contentType, input.bytes);
    const { text, title } = await reportText(input.bytes, format);
    if (text.trim() === "") throw new ReportTextError(`${input.name} holds no text${format === "pdf" ? " (a scanned PDF without a text layer?)" : ""}`);
    const now = this.components.now();
    const draft = buildDraft(
      text,
      { id: `draft-${randomBytes(8).toString("hex")}`, title: (input.title ?? title ?? input.name).slice(0, 300), source: input.name, format, now },
      { warningLists: this.components.warningLists, names: this.components.names, ...(this.components.categoriser ? { categoriser: this.components.categoriser } : {}) },
    );
    await this.components.drafts.put(draft);
    return draft;
  }

  /** A draft of the report at an http(s) URL, read within the size and time a report may take. */
  async fromUrl(url: string, title?: string): Promise<Draft> {
    if (!/^https?:\/\//i.test(url)) throw new ReportTextError("a report is fetched over http or https");
    let fetched;
    try {
      fetched = await fetchBounded(new URL(url), { maxBytes: MAX_REPORT_BYTES, timeoutMs: 60_000, accept: "text/html, application/pdf, text/markdown, text/plain;q=0.9, */*;q=0.1" });
    } catch (err) {
      throw new ReportTextError((err as Error).message);
    }
    if (fetched.status !== "ok") throw new ReportTextError(`${url} answered ${fetched.status === "missing" ? "that it has no such report (404)" : "nothing new"}`);
    return this.fromFile({ bytes: fetched.bytes, name: url, ...(fetched.contentType ? { contentType: fetched.contentType } : {}), ...(title ? { title } : {}) });
  }

  list(): Promise<Draft[]> {
    return this.components.drafts.list();
  }

  async get(id: string): Promise<Draft> {
    const draft = DRAFT_ID.test(id) ? await this.components.drafts.get(id) : undefined;
    if (!draft) throw new DraftError("UNKNOWN_DRAFT", `no draft ${id}`);
    return draft;
  }

  /** Records the analyst's decisions (item key -> accepted, rejected or pending again), and a new title if given. */
  async decide(id: string, decisions: Record<string, DraftDecision>, title?: string): Promise<Draft> {
    const draft = await this.open(id);
    const keys = new Set(draft.items.map((i) => i.key));
    const unknown = Object.keys(decisions).filter((k) => !keys.has(k));
    if (unknown.length > 0) throw new DraftError("UNKNOWN_ITEM", `draft ${id} has no item ${unknown.slice(0, 5).join(", ")}`);
    const updated: Draft = {
      ...draft,
      ...(title !== undefined ? { title: title.slice(0, 300) } : {}),
      items: draft.items.map((item) => (Object.hasOwn(decisions, item.key) ? { ...item, decision: decisions[item.key]! } : item)),
      updatedAt: this.components.now(),
    };
    await this.components.drafts.put(updated);
    return updated;
  }

  /** Publishes the accepted items as a report of this org's; the draft stays, marked published. */
  async publish(id: string, options: { tlp: Tlp; group?: number }): Promise<DraftPublication> {
    const draft = await this.open(id);
    if (!draft.items.some((i) => i.decision === "accepted")) throw new DraftError("NOTHING_ACCEPTED", `draft ${id} has no accepted item: accept what should be shared first`);
    const objects = draftObjects(draft, this.components.orgId, this.components.now());
    const report = await this.components.publishObjects(objects, { defaultTlp: options.tlp, ...(options.group !== undefined ? { group: options.group } : {}) });
    const refused = report.outcomes.flatMap((o) => (o.ok ? [] : [{ id: o.id ?? "?", reason: o.reason, message: o.message }]));
    const reportId = String(objects[0]!.id);
    const reportPublished = report.outcomes.some((o) => o.ok && o.id === reportId);
    const published: Draft = reportPublished ? { ...draft, status: "published", reportId, updatedAt: this.components.now() } : draft;
    await this.components.drafts.put(published);
    return { draft: published, reportId, published: report.outcomes.filter((o) => o.ok).length, refused };
  }

  /** Forgets a draft. */
  async discard(id: string): Promise<void> {
    await this.get(id);
    await this.components.drafts.delete(id);
  }

  private async open(id: string): Promise<Draft> {
    const draft = await this.get(id);
    if (draft.status !== "open") throw new DraftError("DRAFT_CLOSED", `draft ${id} is ${draft.status}`);
    return draft;
  }
}
