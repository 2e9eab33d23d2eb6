/**
 * What the CLI prints for a person at a terminal: lists of records as aligned tables, records as
 * "key: value" lines, nested values compactly. Scripts get JSON (`--json`, or any output that is
 * not a terminal), which is what every command answers underneath.
 */
const MAX_CELL = 60;

function cell(value: unknown): string {
  if (value === null || value === undefined) return "-";
  if (Array.isArray(value)) return value.length === 0 ? "-" : value.map((v) => (typeof v === "object" ? JSON.stringify(v) : String(v))).join(", ");
  if (typeof value === "object") return JSON.stringify(value);
  return String(value);
}

const clip = (text: string) => (text.length > MAX_CELL ? `${text.slice(0, MAX_CELL - 1)}…` : text);

function isRecordList(value: unknown): value is Array<Record<string, unknown>> {
  return Array.isArray(value) && value.length > 0 && value.every((v) => v !== null && typeof v === "object" && !Array.isArray(v));
}

export function table(rows: Array<Record<string, unknown>>): string {
  const columns = [...new Set(rows.flatMap((r) => Object.keys(r)))];
  const cells = rows.map((r) => columns.map((c) => clip(cell(r[c]))));
  const widths = columns.map((c, i) => Math.max(c.length, ...cells.map((row) => row[i]!.length)));
  const line = (values: string[]) => values.map((v, i) => v.padEnd(widths[i]!)).join("  ").trimEnd();
  return [line(columns), line(widths.map((w) => "-".repeat(w))), ...cells.map(line)].join("\n");
}

/** Human-readable text for a command's answer. */
export function humanize(value: unknown, indent = ""): string {
  if (isRecordList(value)) return table(value);
  if (Array.isArray(value)) return value.length === 0 ? "(none)" : value.map((v) => `${indent}- ${cell(v)}`).join("\n");
  if (value === null || typeof value !== "object") return `${indent}${cell(value)}`;
  const lines: string[] = [];
  for (const [key, v] of Object.entries(value)) {
    if (isRecordList(v)) lines.push(`${indent}${key}:`, ...table(v).split("\n").map((l) => `${indent}  ${l}`));
    else if (v !== null && typeof v === "object" && !Array.isArray(v) && Object.keys(v).length > 0 && Object.keys(v).length <= 12) lines.push(`${indent}${key}:`, humanize(v, `${indent}  `));
    else lines.push(`${indent}${key}: ${clip(cell(v))}`);
  }
  return lines.join("\n");
}
