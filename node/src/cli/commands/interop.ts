/** Commands that speak the standards: export (detector feeds, STIX, MISP) and import (STIX, MISP, CSV). */
import { readFile } from "node:fs/promises";
import { basename } from "node:path";
import { InvalidArgumentError, type Command } from "commander";
import { ConfigError } from "../../config/config.js";
import { EXPORT_FORMATS } from "../../interop/exports.js";
import { DEFAULT_EXPORT_MODE, writeFilesAtomically, writeStreamAtomically } from "../../detect/export-writer.js";
import { apiWithProgress, DEFAULT_API, fileMode, integer, watchEvery, positive, print, query, readInput, readJsonInput, send } from "../shared.js";
import type { MispImportReport, StixImportReport } from "../../interop/importer.js";

export function registerInteropCommands(program: Command): void {
  program
    .command("export")
    .description("write a feed (zeek, suricata, csv, lists, stix, misp-feed) or the partners' detection rules (rules: .yar, Sigma .yml, .rules, each checked first) to a directory, atomically; --watch keeps it current")
    .argument("<format>", EXPORT_FORMATS.join(", "))
    .requiredOption("-o, --out <dir>", "directory to write the files to")
    .option("--audience <audience>", "internal (your detectors), clients, community or public", "internal")
    .option("--watch", "keep running and rewrite the files whenever the feed changes")
    .option("--interval <seconds>", "with --watch: how often to check (at least 1)", positive, 10)
    .option("--mode <octal>", "file mode of what is written (owner and group only)", fileMode, DEFAULT_EXPORT_MODE)
    .option("--api <url>", "the node's HTTP API", DEFAULT_API)
    .action(async (format: string, options) => {
      if (!(EXPORT_FORMATS as readonly string[]).includes(format)) throw new ConfigError(`unknown format "${format}"; use one of ${EXPORT_FORMATS.join(", ")}`);
      const once = async () => {
        let written: string[];
        if (format === "stix") {
          // Streamed from the node to the file: a whole-feed bundle is never held in memory.
          const response = await send(options.api, `/exports/stix/bundle?${query({ audience: options.audience })}`);
          if (!response.ok || !response.body) {
            process.exitCode = 1;
            print(await response.json().catch(() => ({ error: `HTTP ${response.status}` })));
            return;
          }
          const changed = await writeStreamAtomically(options.out, "cti-stix-bundle.json", response.body as unknown as AsyncIterable<Uint8Array>, { mode: options.mode });
          written = changed ? ["cti-stix-bundle.json"] : [];
        } else {
          const answer = await apiWithProgress<{ files: Record<string, string>; report?: { written: Record<string, number>; refused: Array<{ id: string; patternType: string; line?: number; message: string }> } }>(
            options.api,
            `/exports/${format}?${query({ audience: options.audience })}`,
            `export ${format}`,
          );
          if (!answer) return;
          for (const r of answer.report?.refused ?? []) process.stderr.write(`left out ${r.patternType} rule ${r.id}${r.line !== undefined ? ` (line ${r.line})` : ""}: ${r.message}\n`);
          written = await writeFilesAtomically(options.out, answer.files, { mode: options.mode });
        }
        if (written.length > 0) process.stderr.write(`${new Date().toISOString()} wrote ${written.join(", ")} to ${options.out}\n`);
      };
      await once();
      if (options.watch) await watchEvery(options.interval, once);
    });

  program
    .command("import")
    .description("import a STIX 2.1 bundle (every object, .json or .json.gz), MISP event JSON or CSV (header with at least type and value); everything left out is listed with the reason")
    .argument("<format>", "stix, misp, csv, or report (a threat report in prose: PDF, HTML, Markdown or text, a file or an http(s) URL, read into a draft that is never published on its own)")
    .argument("<file>", "the file to import, or - for standard input")
    .option("--title <title>", "report: the draft's title (default: the document's own, or the file's name)")
    .option("--tlp <tlp>", "TLP for what carries no TLP marking", "GREEN")
    .option("-g, --group <id>", "sharing group for AMBER and AMBER+STRICT items", integer)
    .option("--include-non-ids", "MISP: read attributes whose to_ids is false as indicators too (by default they are kept as observed data, never fed to detectors)")
    .option("--api <url>", "the node's HTTP API", DEFAULT_API)
    .action(async (format: string, file: string, options) => {
      if (format === "report") return importReport(file, options);
      if (format !== "stix" && format !== "misp" && format !== "csv") throw new ConfigError(`unknown import format "${format}"; use stix, misp, csv or report`);
      let body: string;
      if (format === "csv") {
        try {
          body = await readInput(file);
        } catch (err) {
          throw new ConfigError(`cannot read ${file}: ${(err as Error).message}`);
        }
      } else body = JSON.stringify(await readJsonInput(file, format === "stix" ? "a STIX 2.1 bundle" : "a MISP event"));
      const path = `/import/${format}?${query({ tlp: options.tlp, group: options.group, includeNonIds: options.includeNonIds ? "true" : undefined })}`;
      const init = { method: "POST", body, contentType: format === "csv" ? "text/csv" : "application/json" };
      if (format === "misp") {
        const report = await apiWithProgress<MispImportReport>(options.api, path, "import misp", init);
        if (!report) return;
        print(report);
        const leftOut = report.events.reduce((n, e) => n + e.leftOut.length, 0);
        process.stderr.write(`${report.events.length} events: published ${report.objects} objects and ${report.indicators.published} indicators, ${report.sightings} sightings; refused ${report.refused.length}, left out ${leftOut}\n`);
        if (report.objects === 0 && report.refused.length > 0) process.exitCode = 1;
        return;
      }
      if (format === "stix") {
        const report = await apiWithProgress<StixImportReport>(options.api, path, "import stix", init);
        if (!report) return;
        print(report);
        process.stderr.write(`published ${report.objects} objects and ${report.indicators.published} indicators; refused ${report.refused.length}, left out ${report.skipped.length}\n`);
        if (report.objects === 0 && report.refused.length > 0) process.exitCode = 1;
        return;
      }
      const report = await apiWithProgress<{ published: number; refused: unknown[]; skipped: unknown[] }>(options.api, path, `import ${format}`, init);
      if (!report) return;
      print(report);
      process.stderr.write(`published ${report.published}, refused ${report.refused.length}, left out ${report.skipped.length}\n`);
      if (report.published === 0 && report.refused.length > 0) process.exitCode = 1;
    });
}

const REPORT_TYPES: ReadonlyArray<[RegExp, string]> = [
  [/\.pdf$/i, "application/pdf"],
  [/\.x?html?$/i, "text/html"],
  [/\.(md|markdown)$/i, "text/markdown"],
];

/** `cti import report FILE|URL`: a draft of the report, summarised; the analyst reviews it with `cti drafts`. */
async function importReport(file: string, options: { api: string; title?: string }): Promise<void> {
  let response: Response;
  if (/^https?:\/\//i.test(file)) {
    response = await send(options.api, "/drafts", { method: "POST", body: JSON.stringify({ url: file, ...(options.title ? { title: options.title } : {}) }) });
  } else {
    let bytes: Uint8Array;
    try {
      bytes = file === "-" ? Buffer.from(await readInput("-"), "utf8") : await readFile(file);
    } catch (err) {
      throw new ConfigError(`cannot read ${file}: ${(err as Error).message}`);
    }
    const contentType = REPORT_TYPES.find(([pattern]) => pattern.test(file))?.[1] ?? "application/octet-stream";
    response = await send(options.api, `/drafts?${query({ name: basename(file), title: options.title })}`, { method: "POST", body: bytes, contentType });
  }
  const answer = (await response.json().catch(() => ({ error: `HTTP ${response.status}` }))) as { id?: string; items?: Array<{ kind: string; found?: string }>; passedOver?: unknown[] };
  print(answer);
  if (!response.ok || !answer.id) {
    process.exitCode = 1;
    return;
  }
  const count = (kind: string, found?: string) => (answer.items ?? []).filter((i) => i.kind === kind && (found === undefined || i.found === found)).length;
  process.stderr.write(
    `draft ${answer.id}: ${count("observable")} observables, ${count("entity")} ATT&CK names, ${count("technique", "cited")} techniques cited and ${count("technique", "categorised")} categorised; ${answer.passedOver?.length ?? 0} values passed over. Review it: cti drafts show ${answer.id}\n`,
  );
}
