import { randomBytes } from "node:crypto";
import { bucket, decodeJson, encodeJson, type Database, type Sublevel } from "./db.js";

/** The log of what response did (feed changes, decisions, playbook deliveries), oldest first, in `response-audit`. */
export interface ResponseAuditEntry {
  at: number;
  kind: "feed-change" | "feed-rollback" | "feed-resume" | "request-made" | "request-received" | "decision" | "acknowledgement" | "hook";
  /** Who did it: an API caller, `policy`, or a partner's org. */
  by: string;
  summary: string;
  details?: Record<string, unknown>;
}

const SEP = "\u0000";
const pad = (n: number, width: number) => String(n).padStart(width, "0");

export class ResponseAuditRepository {
  private readonly sublevel: Sublevel;

  constructor(db: Database) {
    this.sublevel = bucket(db, "response-audit");
  }

  async append(entry: ResponseAuditEntry): Promise<void> {
    // Time first, so the log reads in order; a random tail keeps two entries of one millisecond apart.
    await this.sublevel.put(`${pad(entry.at, 15)}${SEP}${randomBytes(4).toString("hex")}`, encodeJson(entry));
  }

  /** The newest entries first. */
  async list(options: { limit: number; kind?: ResponseAuditEntry["kind"] }): Promise<ResponseAuditEntry[]> {
    const out: ResponseAuditEntry[] = [];
    for await (const value of this.sublevel.values({ reverse: true })) {
      const entry = decodeJson<ResponseAuditEntry>(value);
      if (options.kind && entry.kind !== options.kind) continue;
      out.push(entry);
      if (out.length >= options.limit) break;
    }
    return out;
  }
}
