import type { IndicatorType } from "./indicator.js";

/**
 * A draft: what the node read in a report (prose: text, Markdown, HTML, PDF), waiting for an
 * analyst. Nothing in it is shared until the analyst publishes it, and then only the items they
 * accepted. Shared by extract/ (which builds drafts), store/ (which keeps them) and the faces.
 */

export type DraftDecision = "pending" | "accepted" | "rejected";
export type DraftStatus = "open" | "published" | "discarded";
export const REPORT_FORMATS = ["text", "markdown", "html", "pdf"] as const;
export type ReportFormat = (typeof REPORT_FORMATS)[number];

interface ItemCommon {
  /** Stable within the draft: what an analyst's decision names. */
  key: string;
  /** The sentence the item came from, as written. */
  sentence: string;
  decision: DraftDecision;
}

export type DraftItem =
  | (ItemCommon & { kind: "observable"; type: IndicatorType; value: string; defanged: boolean; warnings: string[] })
  | (ItemCommon & { kind: "entity"; type: "intrusion-set" | "malware" | "tool" | "campaign"; name: string; attackId?: string; matched: string })
  | (ItemCommon & {
      kind: "technique";
      attackId: string;
      name: string;
      tactics: string[];
      /** "cited": the report gives the id (T1566.001); "categorised": the ATT&CK categoriser read it in the sentence, with this probability. */
      found?: "cited" | "categorised";
      probability?: number;
    });

export interface Draft {
  id: string;
  title: string;
  /** Where the text came from: a file name or a URL. */
  source: string;
  format: ReportFormat;
  createdAt: number;
  updatedAt: number;
  status: DraftStatus;
  items: DraftItem[];
  /** What the extractor passed over, and why (for the analyst to see it was considered). */
  passedOver: Array<{ type: string; value: string; reason: string }>;
  /** Characters of text read. */
  textLength: number;
  /** Once published: the STIX report it became. */
  reportId?: string;
}

/** A draft's id: `draft-` and 16 hex characters. */
export const DRAFT_ID = /^draft-[0-9a-f]{16}$/;
