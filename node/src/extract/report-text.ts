import { convert } from "html-to-text";
import type { ReportFormat } from "../model/draft.js";

/**
 * The text of a report as it arrives: plain text and Markdown as they are, HTML through the
 * maintained `html-to-text` (scripts, styles and images left out, links kept with their address,
 * since a report's indicators are often links), PDF through the maintained `unpdf` (pdf.js, pages
 * joined). Each file is refused with a clear reason when it is not what it says.
 */

export class ReportTextError extends Error {
  override readonly name = "ReportTextError";
}

/** Largest report read: a long vendor PDF is a few MB. */
export const MAX_REPORT_BYTES = 32 * 1024 * 1024;

/** The format of a file, from its name or its content type, else from its first bytes. */
export function formatOf(name: string, contentType: string | undefined, bytes: Uint8Array): ReportFormat {
  const type = (contentType ?? "").toLowerCase();
  if (type.includes("pdf") || /\.pdf$/i.test(name) || startsWith(bytes, "%PDF-")) return "pdf";
  if (type.includes("html") || /\.x?html?$/i.test(name)) return "html";
  if (type.includes("markdown") || /\.(md|markdown)$/i.test(name)) return "markdown";
  const head = Buffer.from(bytes.subarray(0, 512)).toString("utf8").trimStart().toLowerCase();
  if (head.startsWith("<!doctype html") || head.startsWith("<html")) return "html";
  return "text";
}

function startsWith(bytes: Uint8Array, text: string): boolean {
  return Buffer.from(bytes.subarray(0, text.length)).toString("latin1") === text;
}

export async function reportText(bytes: Uint8Array, format: ReportFormat): Promise<{ text: string; title?: string }> {
  if (bytes.length > MAX_REPORT_BYTES) throw new ReportTextError(`the report is ${bytes.length} bytes; at most ${MAX_REPORT_BYTES} are read`);
  switch (format) {
    case "pdf":
      return pdfText(bytes);
    case "html": {
      const html = utf8(bytes);
      const title = /<title[^>]*>([^<]{1,300})<\/title>/i.exec(html)?.[1]?.trim();
      const text = convert(html, {
        wordwrap: false,
        selectors: [
          { selector: "img", format: "skip" },
          { selector: "script", format: "skip" },
          { selector: "style", format: "skip" },
          { selector: "noscript", format: "skip" },
          { selector: "a", options: { ignoreHref: false, hideLinkHrefIfSameAsText: true } },
          { selector: "h1", options: { uppercase: false } },
          { selector: "h2", options: { uppercase: false } },
          { selector: "h3", options: { uppercase: false } },
          { selector: "table", format: "dataTable", options: { uppercaseHeaderCells: false } },
        ],
      });
      return { text, ...(title ? { title: decodeEntities(title) } : {}) };
    }
    case "markdown": {
      const text = utf8(bytes);
      const title = /^#\s+(.{1,300})$/m.exec(text)?.[1]?.trim();
      return { text, ...(title ? { title } : {}) };
    }
    case "text":
      return { text: utf8(bytes) };
  }
}

function utf8(bytes: Uint8Array): string {
  const text = new TextDecoder("utf-8", { fatal: false }).decode(bytes);
  if (text.includes("\u0000")) throw new ReportTextError("the file holds NUL characters: it is not text (a PDF? give it a .pdf name)");
  return text;
}

async function pdfText(bytes: Uint8Array): Promise<{ text: string; title?: string }> {
  if (!startsWith(bytes, "%PDF-")) throw new ReportTextError("not a PDF: it does not begin with %PDF-");
  const { extractText, getDocumentProxy, getMeta } = await import("unpdf");
  try {
    const document = await getDocumentProxy(new Uint8Array(bytes));
    const { text } = await extractText(document, { mergePages: true });
    const meta = await getMeta(document).catch(() => undefined);
    const title = typeof meta?.info?.Title === "string" && meta.info.Title.trim() !== "" ? meta.info.Title.trim() : undefined;
    return { text, ...(title ? { title } : {}) };
  } catch (err) {
    throw new ReportTextError(`the PDF could not be read: ${(err as Error).message}`);
  }
}

function decodeEntities(text: string): string {
  return convert(text, { wordwrap: false });
}
