import type { IndicatorType } from "../model/indicator.js";
import type { PublishInput, PublishOutcome } from "../node.js";
import type { ObjectPublishReport } from "../intel/intel-service.js";
import type { StixRead } from "./stix-objects.js";
import type { MispEventRead, MispStixRead } from "./misp-stix.js";
import type { SightingKind } from "../model/sighting.js";

/** What an import did: every input's fate, and every object the standard's reader left out. */
export interface ImportReport {
  published: number;
  refused: Array<{ source: string; type: unknown; value: unknown; reason: string; message: string }>;
  skipped: Array<{ source: string; type: string; reason: string }>;
  warnings: string[];
  sightings: number;
}

export interface ImportComponents {
  publish(inputs: PublishInput[]): Promise<PublishOutcome[]>;
  /** Records many sightings together; names those it could not record. */
  sightMany(items: Array<{ value: string; type: IndicatorType; kind: SightingKind; observedAt: number }>): Promise<{ recorded: number; problems: Array<{ index: number; value: string; message: string }> }>;
}

/**
 * Publishes what a reader (STIX, MISP, CSV) produced, through the node's own publish path (so
 * validation, privacy scrubbing and sealing apply as to anything else), in chunks with progress,
 * then records the sightings the source carried.
 */
export async function runImport(
  read: { inputs: Array<PublishInput & { source: string }>; skipped: ImportReport["skipped"]; warnings: string[]; sightings?: Array<{ value: string; type: IndicatorType; kind: SightingKind; observedAt: number }> },
  components: ImportComponents,
  onProgress?: (done: number, total: number) => void,
): Promise<ImportReport> {
  const report: ImportReport = { published: 0, refused: [], skipped: read.skipped, warnings: [...read.warnings], sightings: 0 };
  const chunk = 1000;
  for (let i = 0; i < read.inputs.length; i += chunk) {
    const slice = read.inputs.slice(i, i + chunk);
    const outcomes = await components.publish(slice.map(({ source: _source, ...input }) => input));
    outcomes.forEach((outcome, j) => {
      const input = slice[j]!;
      if (outcome.ok) report.published++;
      else report.refused.push({ source: input.source, type: input.type, value: input.value, reason: outcome.reason, message: outcome.message });
    });
    onProgress?.(Math.min(i + chunk, read.inputs.length), read.inputs.length);
  }
  const sightings = read.sightings ?? [];
  // Together, in chunks: each chunk's sightings share batches rather than waiting one by one.
  for (let i = 0; i < sightings.length; i += chunk) {
    const outcome = await components.sightMany(sightings.slice(i, i + chunk));
    report.sightings += outcome.recorded;
    for (const problem of outcome.problems) report.warnings.push(`sighting of ${problem.value} not recorded: ${problem.message}`);
  }
  return report;
}

/** What a STIX import did: objects published by type, refused and left out with reasons, indicators made of their values. */
export interface StixImportReport {
  objects: number;
  byType: Record<string, number>;
  refused: Array<{ source: string; type: string; reason: string; message: string }>;
  skipped: Array<{ source: string; type: string; reason: string }>;
  /** What was changed to make the objects STIX 2.1 with TLP 2.0 markings, with counts. */
  changes: string[];
  /** How publishing changed objects (TLP markings added, text redacted, references cut), by kind. */
  prepared: Record<string, number>;
  /** Statements of objects another org owns: kept as this org's own, not as the object's version. */
  ownedElsewhere: number;
  indicators: { published: number; refused: number; reasons: Record<string, number> };
}

export interface StixImportComponents {
  publishObjects(objects: unknown[], onProgress?: (done: number, total: number) => void): Promise<ObjectPublishReport>;
  orgId: string;
}

/** Publishes what the STIX reader kept, through the object path, and reports every object's fate. */
export async function runStixImport(read: StixRead, components: StixImportComponents, onProgress?: (done: number, total: number) => void): Promise<StixImportReport> {
  const report = await components.publishObjects(read.objects, onProgress);
  const result: StixImportReport = {
    objects: 0,
    byType: {},
    refused: [],
    skipped: read.skipped,
    changes: read.changes,
    prepared: {},
    ownedElsewhere: 0,
    indicators: { published: report.atoms.published, refused: report.atoms.refused.length, reasons: {} },
  };
  for (const outcome of report.outcomes) {
    const object = read.objects[outcome.input] as { type?: unknown; id?: unknown };
    const type = typeof object.type === "string" ? object.type : "?";
    if (!outcome.ok) {
      result.refused.push({ source: outcome.id ?? "?", type, reason: outcome.reason, message: outcome.message });
      continue;
    }
    result.objects++;
    result.byType[type] = (result.byType[type] ?? 0) + 1;
    if (outcome.owner !== components.orgId) result.ownedElsewhere++;
    for (const change of outcome.changes) result.prepared[change.what] = (result.prepared[change.what] ?? 0) + change.count;
  }
  for (const refused of report.atoms.refused) result.indicators.reasons[refused.reason] = (result.indicators.reasons[refused.reason] ?? 0) + 1;
  return result;
}

/** What a MISP import did: per event, what each attribute became and what was left out; then the objects' fates. */
export interface MispImportReport extends StixImportReport {
  events: Array<MispEventRead & { refused: Array<{ source: string; type: string; reason: string; message: string }> }>;
  warnings: string[];
  sightings: number;
}

/**
 * Publishes MISP events read as STIX (interop/misp-stix.ts) through the object path, then records
 * the sightings they carried; the report gives each event its own account, objects the publish
 * path refused included.
 */
export async function runMispImport(read: MispStixRead, components: StixImportComponents & Pick<ImportComponents, "sightMany">, onProgress?: (done: number, total: number) => void): Promise<MispImportReport> {
  const stix = await runStixImport({ objects: read.objects, skipped: read.skipped, changes: [] }, components, onProgress);
  const eventOf = new Map<string, number>();
  read.events.forEach((event, i) => {
    eventOf.set(event.reportId, i);
    const report = read.objects.find((o) => o.id === event.reportId);
    for (const ref of Array.isArray(report?.object_refs) ? report.object_refs : []) if (typeof ref === "string") eventOf.set(ref, i);
  });
  const events: MispImportReport["events"] = read.events.map((event) => ({ ...event, refused: [] }));
  for (const refused of stix.refused) {
    const i = eventOf.get(refused.source);
    if (i !== undefined) events[i]!.refused.push(refused);
  }
  const report: MispImportReport = { ...stix, events, warnings: [...read.warnings], sightings: 0 };
  for (let i = 0; i < read.sightings.length; i += 1000) {
    const outcome = await components.sightMany(read.sightings.slice(i, i + 1000));
    report.sightings += outcome.recorded;
    for (const problem of outcome.problems) report.warnings.push(`sighting of ${problem.value} not recorded: ${problem.message}`);
  }
  return report;
}
