import type { IndicatorType } from "../model/indicator.js";
import type { PublishInput, PublishOutcome } from "../node.js";
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
