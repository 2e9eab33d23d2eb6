import { parse } from "csv-parse/sync";
import type { Tlp } from "../model/indicator.js";
import type { PublishInput } from "../node.js";

/**
 * CSV in: one indicator per line under a header, as spreadsheets, SIEM exports and our own CSV
 * feed (`cti export csv`) write them. Columns are found by name, whatever their case or
 * separators (`valid_until`, `validUntil`, `Valid Until`); `type` and `value` are required, the
 * rest optional: tlp, confidence, valid_from, valid_until, malware_families, attack_techniques,
 * tags (lists split on spaces, commas, semicolons or pipes), description. Columns it does not know
 * (score, producers, id...) are ignored; a blinded row is left out (its value is a keyed hash,
 * not an observable). Values are checked by the publish path, like any other input.
 */

/**
 * A cell a spreadsheet shows as text: one that starts with =, +, -, @, a tab or a carriage return
 * is taken by Excel, LibreOffice and Google Sheets as a formula, which a value or description
 * written by another org could use (=HYPERLINK(...), DDE). Such a cell gets a leading
 * apostrophe, the spreadsheets' own "this is text" mark; readCell takes it off again. Pure.
 */
export function spreadsheetSafe(cell: string): string {
  return /^[=+\-@\t\r]/.test(cell) ? `'${cell}` : cell;
}

/** The cell as written before spreadsheetSafe. Pure. */
export function readCell(cell: string): string {
  return /^'[=+\-@\t\r]/.test(cell) ? cell.slice(1) : cell;
}

export class CsvFormatError extends Error {
  override readonly name = "CsvFormatError";
}

export interface CsvImport {
  inputs: Array<PublishInput & { source: string }>;
  skipped: Array<{ source: string; type: string; reason: string }>;
  warnings: string[];
}

const key = (name: string) => name.toLowerCase().replace(/[^a-z]/g, "");
const COLUMNS = {
  type: ["type", "indicatortype"],
  value: ["value", "indicator", "observable"],
  tlp: ["tlp"],
  confidence: ["confidence"],
  validFrom: ["validfrom"],
  validUntil: ["validuntil", "expires"],
  malwareFamilies: ["malwarefamilies", "malware"],
  attackTechniques: ["attacktechniques", "attack"],
  tags: ["tags", "labels"],
  description: ["description", "comment"],
  blinded: ["blinded"],
} as const;

const list = (cell: string | undefined) => (cell ? cell.split(/[\s,;|]+/).filter((s) => s.length > 0) : undefined);

export function importCsv(text: string, options: { defaultTlp: Tlp; group?: number }): CsvImport {
  let rows: string[][];
  try {
    rows = parse(text, { bom: true, skip_empty_lines: true, trim: true, relax_column_count: true, comment: "#" }) as string[][];
  } catch (err) {
    throw new CsvFormatError(`not CSV: ${(err as Error).message}`);
  }
  const [header, ...lines] = rows;
  if (!header) throw new CsvFormatError("the CSV is empty: it needs a header line with at least the columns type and value");
  const names = header.map(key);
  const column = Object.fromEntries(Object.entries(COLUMNS).map(([field, aliases]) => [field, names.findIndex((n) => (aliases as readonly string[]).includes(n))])) as Record<keyof typeof COLUMNS, number>;
  if (column.type < 0 || column.value < 0) {
    throw new CsvFormatError(`the header line (${header.join(",")}) names no ${column.type < 0 ? "type" : "value"} column: give a header with at least type and value`);
  }
  const known = new Set(Object.values(column).filter((i) => i >= 0));
  const ignored = header.filter((_, i) => !known.has(i));
  const result: CsvImport = { inputs: [], skipped: [], warnings: ignored.length > 0 ? [`columns ignored: ${ignored.join(", ")}`] : [] };
  lines.forEach((cells, i) => {
    const cell = (field: keyof typeof COLUMNS) => (column[field] >= 0 ? (cells[column[field]] ? readCell(cells[column[field]]!) : undefined) : undefined);
    const source = `line ${i + 2}`;
    const type = cell("type") ?? "";
    if (!cell("value")) return result.skipped.push({ source, type, reason: "no value" });
    if (cell("blinded")?.toLowerCase() === "true") return result.skipped.push({ source, type, reason: "blinded: the value is a keyed hash, not an observable" });
    const confidence = cell("confidence");
    result.inputs.push({
      source,
      type,
      value: cell("value")!,
      tlp: (cell("tlp")?.toUpperCase().replace(/^TLP:/, "") as Tlp | undefined) ?? options.defaultTlp,
      ...(confidence !== undefined ? { confidence: Number(confidence) } : {}),
      ...(cell("validFrom") ? { validFrom: cell("validFrom") } : {}),
      ...(cell("validUntil") ? { validUntil: cell("validUntil") } : {}),
      labels: { malwareFamilies: list(cell("malwareFamilies")), attackTechniques: list(cell("attackTechniques")), tags: list(cell("tags")) },
      ...(cell("description") ? { description: cell("description") } : {}),
      ...(options.group !== undefined ? { group: options.group } : {}),
    });
    return undefined;
  });
  return result;
}
