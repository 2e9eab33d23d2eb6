import type { StixJson } from "../model/stix-object.js";
import { checkNetworkRules, sidsOf } from "./network-rule-check.js";
import { RULE_FILES, RULE_PATTERN_TYPES, isRulePatternType, type RulePatternType, type RuleProblem } from "./rule-kinds.js";
import { checkSigma } from "./sigma-check.js";
import type { YaraCompiler } from "./yara-compiler.js";

/**
 * The rule files of the detection rules an audience may see: every STIX indicator (not revoked)
 * whose pattern type is yara, sigma, snort or suricata, each checked before it is written
 * (rules/rule-kinds.ts), each kind in its file: `cti-rules.yar`, `cti-sigma.yml` (one YAML
 * document per rule), `cti-snort.rules`, `cti-suricata.rules`. A rule that fails its check, or
 * that would clash with one already in its file (a YARA rule name, a sid), is left out and
 * reported with its line. The YARA file is compiled whole once more before it is given.
 */

export interface RuleRefusal {
  id: string;
  name: string;
  patternType: RulePatternType;
  line?: number;
  message: string;
}

export interface RuleFilesReport {
  written: Record<RulePatternType, number>;
  refused: RuleRefusal[];
}

const yaraNames = (source: string) => [...source.matchAll(/^\s*(?:(?:private|global)\s+)*rule\s+([A-Za-z_][A-Za-z0-9_]*)/gm)].map((m) => m[1]!);

/** A comment line naming the rule's object, safe in every rule language (no newline from outside). */
function provenance(object: StixJson, comment: string): string {
  const name = typeof object.name === "string" ? object.name.replace(/[\r\n]+/g, " ").slice(0, 200) : "";
  return `${comment} ${String(object.id)}${name ? ` ${name}` : ""}`;
}

export async function renderRuleFiles(pages: AsyncIterable<StixJson[]>, yara: YaraCompiler): Promise<{ files: Record<string, string>; report: RuleFilesReport }> {
  const report: RuleFilesReport = { written: { yara: 0, sigma: 0, snort: 0, suricata: 0 }, refused: [] };
  const parts: Record<RulePatternType, string[]> = { yara: [], sigma: [], snort: [], suricata: [] };
  const names = new Set<string>();
  const sids: Record<"snort" | "suricata", Set<string>> = { snort: new Set(), suricata: new Set() };
  for await (const page of pages) {
    for (const object of page) {
      if (object.type !== "indicator" || !isRulePatternType(object.pattern_type) || typeof object.pattern !== "string") continue;
      const patternType = object.pattern_type;
      const text = object.pattern;
      const refuse = (problems: RuleProblem[]) => {
        for (const p of problems) report.refused.push({ id: String(object.id), name: typeof object.name === "string" ? object.name : "", patternType, ...(p.line !== undefined ? { line: p.line } : {}), message: p.message });
      };
      if (patternType === "yara") {
        // An include would make every partner's yara read a file of its own machine.
        const include = /^\s*include\s+"/m.exec(text);
        if (include) {
          refuse([{ line: text.slice(0, include.index).split("\n").length + (text[include.index] === "\n" ? 1 : 0), message: "include is not allowed: a shared rule carries all its text" }]);
          continue;
        }
        const problems = await yara.check(text);
        if (problems.length > 0) {
          refuse(problems);
          continue;
        }
        const clash = yaraNames(text).find((n) => names.has(n));
        if (clash) {
          refuse([{ message: `a rule named ${clash} is already in the file` }]);
          continue;
        }
        for (const n of yaraNames(text)) names.add(n);
        parts.yara.push(`${provenance(object, "//")}\n${text.trimEnd()}\n`);
      } else if (patternType === "sigma") {
        const problems = checkSigma(text);
        if (problems.length > 0) {
          refuse(problems);
          continue;
        }
        parts.sigma.push(`${provenance(object, "#")}\n${text.replace(/^---\s*\n/, "").trimEnd()}\n`);
      } else {
        const problems = checkNetworkRules(text, patternType);
        if (problems.length > 0) {
          refuse(problems);
          continue;
        }
        const clash = sidsOf(text).find((sid) => sids[patternType].has(sid));
        if (clash) {
          refuse([{ message: `sid ${clash} is already the sid of a rule in the file` }]);
          continue;
        }
        for (const sid of sidsOf(text)) sids[patternType].add(sid);
        parts[patternType].push(`${provenance(object, "#")}\n${text.trimEnd()}\n`);
      }
      report.written[patternType]++;
    }
  }
  const header = (comment: string) => `${comment} Written by the CTI exchange node from its partners' detection rules; each was checked before it was written. Do not edit.\n`;
  const files: Record<string, string> = {
    [RULE_FILES.yara]: header("//") + parts.yara.join("\n"),
    [RULE_FILES.sigma]: parts.sigma.length > 0 ? parts.sigma.map((p) => `---\n${p}`).join("") : "",
    [RULE_FILES.snort]: header("#") + parts.snort.join(""),
    [RULE_FILES.suricata]: header("#") + parts.suricata.join(""),
  };
  // Each YARA rule compiled on its own; the file, once more, whole (imports and all).
  if (parts.yara.length > 0) {
    const whole = await yara.check(files[RULE_FILES.yara]!);
    if (whole.length > 0) throw new Error(`the YARA rule file does not compile although each rule did: ${whole.map((p) => `line ${p.line}: ${p.message}`).join("; ")}`);
  }
  return { files: { ...files, "cti-rules-report.json": `${JSON.stringify(report, null, 2)}\n` }, report };
}

export { RULE_PATTERN_TYPES };
