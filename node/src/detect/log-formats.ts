/**
 * What detectors write and what the node reads back from it: the values worth matching in each
 * line of a Zeek log (TSV with `#fields` headers: dns, conn, http, files and any other log with
 * the same field names), a Suricata `eve.json` event, or a plain list (one value per line).
 */

import type { IndicatorType } from "../model/indicator.js";

export const LOG_FORMATS = ["zeek", "eve", "plain"] as const;
export type LogFormat = (typeof LOG_FORMATS)[number];

/** A value seen in a log line, the field it came from, and what the field says it is (when it does). */
export interface Observation {
  value: string;
  field: string;
  types?: readonly IndicatorType[];
}

/**
 * Fields whose values have no shape of their own, or one shared with other types: matched as
 * what the field says only. Zeek's http.log user_agent, files.log filename, ssl.log ja3, ja3s
 * and ja4 (the JA3 and JA4 packages), x509.log fingerprint; Suricata's eve equivalents.
 */
const FIELD_TYPES: Readonly<Record<string, readonly IndicatorType[]>> = {
  user_agent: ["user-agent"],
  filename: ["filename"],
  ja3: ["ja3"],
  ja3s: ["ja3s"],
  ja4: ["ja4"],
  fingerprint: ["x509-sha256", "x509-sha1", "x509-md5"],
  "http.http_user_agent": ["user-agent"],
  "fileinfo.filename": ["filename"],
  "tls.ja3.hash": ["ja3"],
  "tls.ja3s.hash": ["ja3s"],
  "tls.ja4": ["ja4"],
  "tls.fingerprint": ["x509-sha1"],
};

export interface LineParser {
  /** Values worth matching in one line (none for headers, comments and malformed lines). */
  parse(line: string): Observation[];
}

// Zeek fields that carry addresses, names, URLs parts and hashes, by log.
const ZEEK_VALUE_FIELDS = new Set([
  "id.orig_h",
  "id.resp_h",
  "query",
  "answers",
  "host",
  "server_name",
  "md5",
  "sha1",
  "sha256",
  "mailfrom",
  "rcptto",
  "from",
  "to",
  "tx_hosts",
  "rx_hosts",
  ...Object.keys(FIELD_TYPES).filter((field) => !field.includes(".")),
]);

/** Zeek's TSV logs: a `#separator` and `#fields` header, `-` unset, `(empty)` empty, sets comma-separated. */
export class ZeekParser implements LineParser {
  private fields: string[] = [];
  private separator = "\t";
  private setSeparator = ",";

  parse(line: string): Observation[] {
    if (line.startsWith("#")) {
      this.header(line);
      return [];
    }
    if (this.fields.length === 0 || line.trim() === "") return [];
    const values = line.split(this.separator);
    const out: Observation[] = [];
    const get = (name: string) => {
      const v = values[this.fields.indexOf(name)];
      return v === undefined || v === "-" || v === "(empty)" ? undefined : v;
    };
    this.fields.forEach((field, i) => {
      const value = values[i];
      if (!ZEEK_VALUE_FIELDS.has(field) || value === undefined || value === "-" || value === "(empty)") return;
      const types = FIELD_TYPES[field];
      // A user agent or a file name may hold the set separator: it is one value.
      const items = types ? [value] : value.split(this.setSeparator);
      for (const item of items) if (item !== "") out.push({ value: item.replace(/^<|>$/g, ""), field, ...(types ? { types } : {}) });
    });
    // http.log: the URL the client asked for, rebuilt from host and uri.
    const host = get("host");
    const uri = get("uri");
    if (host && uri && uri.startsWith("/")) out.push({ value: `http://${host}${uri}`, field: "host+uri" });
    return out;
  }

  private header(line: string): void {
    if (line.startsWith("#separator ")) {
      const raw = line.slice("#separator ".length).trim();
      this.separator = raw.replace(/\\x([0-9a-f]{2})/gi, (_, hex: string) => String.fromCharCode(parseInt(hex, 16)));
    } else if (line.startsWith("#set_separator")) {
      this.setSeparator = line.split(this.separator)[1] ?? ",";
    } else if (line.startsWith("#fields")) {
      this.fields = line.split(this.separator).slice(1);
    }
  }
}

type Json = Record<string, unknown>;
const str = (v: unknown) => (typeof v === "string" && v !== "" ? v : undefined);

/** Suricata's eve.json: one JSON event per line; addresses of every event, plus DNS, HTTP, TLS and file details. */
export class EveParser implements LineParser {
  parse(line: string): Observation[] {
    let event: Json;
    try {
      const parsed: unknown = JSON.parse(line);
      if (parsed === null || typeof parsed !== "object" || Array.isArray(parsed)) return [];
      event = parsed as Json;
    } catch {
      return [];
    }
    const out: Observation[] = [];
    const add = (value: unknown, field: string) => {
      const v = str(value);
      const types = FIELD_TYPES[field];
      if (v) out.push({ value: v, field, ...(types ? { types } : {}) });
    };
    add(event.src_ip, "src_ip");
    add(event.dest_ip, "dest_ip");
    const dns = event.dns as Json | undefined;
    if (dns) {
      add(dns.rrname, "dns.rrname");
      for (const q of (Array.isArray(dns.queries) ? dns.queries : []) as Json[]) add(q?.rrname, "dns.queries.rrname");
      for (const a of (Array.isArray(dns.answers) ? dns.answers : []) as Json[]) add(a?.rdata, "dns.answers.rdata");
      if (dns.grouped && typeof dns.grouped === "object") {
        for (const [rtype, list] of Object.entries(dns.grouped as Json)) if (Array.isArray(list)) for (const v of list) add(v, `dns.grouped.${rtype}`);
      }
    }
    const http = event.http as Json | undefined;
    if (http) {
      add(http.hostname, "http.hostname");
      const host = str(http.hostname);
      const url = str(http.url);
      if (host && url?.startsWith("/")) add(`http://${host}${url}`, "http.hostname+url");
      add(http.http_user_agent, "http.http_user_agent");
    }
    const tls = event.tls as Json | undefined;
    if (tls) {
      add(tls.sni, "tls.sni");
      add(tls.fingerprint, "tls.fingerprint");
      add((tls.ja3 as Json | undefined)?.hash, "tls.ja3.hash");
      add((tls.ja3s as Json | undefined)?.hash, "tls.ja3s.hash");
      add(tls.ja4, "tls.ja4");
    }
    const file = event.fileinfo as Json | undefined;
    if (file) {
      for (const hash of ["md5", "sha1", "sha256"]) add(file[hash], `fileinfo.${hash}`);
      add(file.filename, "fileinfo.filename");
    }
    return out;
  }
}

export class PlainParser implements LineParser {
  parse(line: string): Observation[] {
    const value = line.trim();
    return value === "" || value.startsWith("#") ? [] : [{ value, field: "line" }];
  }
}

export function parserFor(format: LogFormat): LineParser {
  return format === "zeek" ? new ZeekParser() : format === "eve" ? new EveParser() : new PlainParser();
}
