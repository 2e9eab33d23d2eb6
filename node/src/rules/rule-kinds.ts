/**
 * rules/ owns detection rules as content: STIX indicators whose pattern is a YARA, Sigma, Snort
 * or Suricata rule, checked before they are written to a detector's rule file (YARA compiled by
 * the real yara, Sigma against its schema, Snort and Suricata by a parser that names the line of
 * an error), and the files themselves. This file: the kinds and what a problem is.
 */

export const RULE_PATTERN_TYPES = ["yara", "sigma", "snort", "suricata"] as const;
export type RulePatternType = (typeof RULE_PATTERN_TYPES)[number];

export function isRulePatternType(value: unknown): value is RulePatternType {
  return typeof value === "string" && (RULE_PATTERN_TYPES as readonly string[]).includes(value);
}

/** What is wrong with a rule, and where (1-based line of the rule's own text), when it is known. */
export interface RuleProblem {
  line?: number;
  message: string;
}

/** The file each kind of rule is written to. */
export const RULE_FILES: Record<RulePatternType, string> = {
  yara: "cti-rules.yar",
  sigma: "cti-sigma.yml",
  snort: "cti-snort.rules",
  suricata: "cti-suricata.rules",
};
