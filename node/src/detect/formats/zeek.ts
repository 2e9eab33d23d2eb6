import type { IndicatorType } from "../../model/indicator.js";
import type { ScoredRecord } from "../../trust/trust-service.js";

/**
 * Zeek's Intel framework file: a `#fields` header, then one indicator per line, fields separated
 * by exactly one tab, `-` for an empty field. URLs are written without their scheme, as the
 * framework matches them (Intel::URL). Blinded indicators have no place here: Zeek cannot test
 * an HMAC.
 */
/**
 * Zeek's Intel types, where Zeek sees the value: a SHA-512 only where a site has Zeek compute it,
 * user agents as Intel::SOFTWARE (Zeek's seen scripts report the User-Agent header so), file
 * names as Intel::FILE_NAME, certificates by their SHA-1 (Intel::CERT_HASH). Zeek has no Intel
 * type for the others (fuzzy hashes, TLS fingerprints, AS numbers, host artefacts, CVEs): they
 * are left out of this file; the CSV and JSON feeds carry them.
 */
export const ZEEK_TYPES: Partial<Record<IndicatorType, string>> = {
  ipv4: "Intel::ADDR",
  ipv6: "Intel::ADDR",
  cidr: "Intel::SUBNET",
  domain: "Intel::DOMAIN",
  url: "Intel::URL",
  email: "Intel::EMAIL",
  md5: "Intel::FILE_HASH",
  sha1: "Intel::FILE_HASH",
  sha256: "Intel::FILE_HASH",
  sha512: "Intel::FILE_HASH",
  "user-agent": "Intel::SOFTWARE",
  filename: "Intel::FILE_NAME",
  "x509-sha1": "Intel::CERT_HASH",
};

const HEADER = ["indicator", "indicator_type", "meta.source", "meta.desc", "meta.url"];

/**
 * A field value Zeek reads back as written: no tabs or line breaks, `-` when empty. Zeek's ASCII
 * reader undoes \xNN escapes in string fields, so a backslash is written \x5c (a value holding
 * "\x41" would otherwise read back as "A"), and a leading "#" as \x23: Zeek skips a line that
 * starts with "#" as a comment, which silently dropped an indicator such as "#admin@example.org".
 */
export function zeekField(text: string): string {
  const clean = text.replace(/[\t\r\n]+/g, " ").trim().replace(/\\/g, "\\x5c");
  if (clean === "" || clean === "-") return clean === "" ? "-" : "\\x2d";
  return clean.startsWith("#") ? `\\x23${clean.slice(1)}` : clean;
}

function describe(record: ScoredRecord): string {
  const parts = [
    `score ${record.score.score}`,
    `TLP:${record.tlp}`,
    ...record.labels.malwareFamilies,
    ...record.labels.attackTechniques,
    ...record.attestations.map((a) => a.description).filter((d) => d !== ""),
  ];
  return parts.join("; ");
}

export interface ZeekOptions {
  /** Base of `meta.url`: the record's id is appended (e.g. a dashboard's indicator page); `-` without. */
  urlBase?: string;
}

export function zeekIntel(records: ScoredRecord[], options: ZeekOptions = {}): string {
  const lines = [`#fields\t${HEADER.join("\t")}`];
  for (const record of records) {
    const zeekType = ZEEK_TYPES[record.type];
    if (record.blinded || zeekType === undefined) continue;
    const indicator = record.type === "url" ? record.value.replace(/^[a-z][a-z0-9+.-]*:\/\//i, "") : record.value;
    lines.push(
      [
        zeekField(indicator),
        zeekType,
        zeekField(`cti-exchange:${[...new Set(record.attestations.map((a) => a.producer))].join(",")}`),
        zeekField(describe(record)),
        zeekField(options.urlBase ? `${options.urlBase}${record.id}` : ""),
      ].join("\t"),
    );
  }
  return `${lines.join("\n")}\n`;
}
