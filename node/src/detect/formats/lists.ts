import { stringify } from "csv-stringify/sync";
import { INDICATOR_TYPES } from "../../model/indicator.js";
import type { ScoredRecord } from "../../trust/trust-service.js";
import { spreadsheetSafe } from "../../interop/csv.js";

/** A CSV of the feed (one line per indicator) and a plain blocklist per type (one value per line). */

export function csvFeed(records: ScoredRecord[]): string {
  return stringify(
    records.map((r) => ({
      type: r.type,
      value: r.value,
      blinded: r.blinded,
      tlp: r.tlp,
      score: r.score.score,
      confidence: r.confidence,
      valid_from: new Date(r.validFrom).toISOString(),
      valid_until: new Date(r.validUntil).toISOString(),
      producers: [...new Set(r.attestations.map((a) => a.producer))].join(" "),
      malware_families: r.labels.malwareFamilies.join(" "),
      attack_techniques: r.labels.attackTechniques.join(" "),
      tags: r.labels.tags.join(" "),
      id: r.id,
    })),
    { header: true, cast: { boolean: (v) => String(v), string: spreadsheetSafe }, columns: ["type", "value", "blinded", "tlp", "score", "confidence", "valid_from", "valid_until", "producers", "malware_families", "attack_techniques", "tags", "id"] },
  );
}

export function plainLists(records: ScoredRecord[]): Record<string, string> {
  const files: Record<string, string> = {};
  for (const type of INDICATOR_TYPES) {
    const values = [...new Set(records.filter((r) => r.type === type && !r.blinded).map((r) => r.value))].sort();
    files[`${type}.txt`] = values.length > 0 ? `${values.join("\n")}\n` : "";
  }
  return files;
}
