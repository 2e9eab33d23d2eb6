import { DETECTOR_FORMATS, FORMAT_USE, renderDetectorFiles, type DetectorFormat } from "../detect/exporter.js";
import type { FeedUse } from "../privacy/pap.js";
import type { SightingSummary } from "../model/sighting.js";
import type { ScoredRecord } from "../trust/trust-service.js";
import { mispFeed } from "./misp-feed.js";
import { stixBundle } from "./stix.js";

/** Every export format: detector feeds, a STIX 2.1 bundle, and a MISP feed directory. */
export const EXPORT_FORMATS = [...DETECTOR_FORMATS, "stix", "misp-feed", "rules"] as const;
export type ExportFormat = (typeof EXPORT_FORMATS)[number];

/**
 * What an export's reader may do with it: a detector format's own use; a STIX bundle and a MISP
 * feed go to tools that read the PAP tags they carry, so they hold what detection may use.
 */
export function exportUse(format: ExportFormat): FeedUse {
  return format === "stix" || format === "misp-feed" || format === "rules" ? "detect" : FORMAT_USE[format as DetectorFormat];
}

/** The files of an export, by name. Pure. */
export function renderExport(
  format: ExportFormat,
  records: ScoredRecord[],
  sightings: Map<string, SightingSummary | undefined>,
  now: number,
  /** The STIX objects the audience may see (intel/), for the STIX bundle and the MISP feed's events. */
  objects: Array<Record<string, unknown>> = [],
): Record<string, string> {
  if (format === "stix") return { "cti-stix-bundle.json": `${JSON.stringify(stixBundle(records, sightings, objects), null, 2)}\n` };
  if (format === "misp-feed") return mispFeed(records, sightings, now, objects);
  if (format === "rules") throw new RangeError("rule files are checked by yara as they are rendered: rules/rule-files.ts renderRuleFiles");
  return renderDetectorFiles(format as DetectorFormat, records);
}
