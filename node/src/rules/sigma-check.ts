import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { Ajv } from "ajv";
import type { ValidateFunction } from "ajv";
import { isMap, isSeq, LineCounter, parseDocument, type Node } from "yaml";
import type { RuleProblem } from "./rule-kinds.js";

/**
 * A Sigma rule checked before it is written: one YAML document, against the Sigma rule schema
 * (data/sigma/sigma-rule.schema.json), with every condition naming only selections the rule
 * defines. Problems name the line. Pure once the schema is compiled.
 */

const SCHEMA_FILE = fileURLToPath(new URL("../../../data/sigma/sigma-rule.schema.json", import.meta.url));
let validate: ValidateFunction | undefined;

function validator(): ValidateFunction {
  if (!validate) validate = new Ajv({ strict: false, allErrors: false }).compile(JSON.parse(readFileSync(SCHEMA_FILE, "utf8")) as object);
  return validate;
}

/** Words of a condition that are not selections (Sigma's operators and aggregations). */
const CONDITION_WORDS = new Set(["and", "or", "not", "of", "all", "them", "1", "any", "near", "by", "count", "min", "max", "avg", "sum", "|"]);

export const MAX_SIGMA_BYTES = 64 * 1024;

export function checkSigma(text: string): RuleProblem[] {
  if (text.length > MAX_SIGMA_BYTES) return [{ message: `the rule is over ${MAX_SIGMA_BYTES} characters` }];
  const lines = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lines, prettyErrors: false, uniqueKeys: true });
  const lineAt = (offset: number | undefined) => (offset === undefined ? undefined : lines.linePos(offset).line);
  if (doc.errors.length > 0) return doc.errors.map((e) => ({ line: lineAt(e.pos[0]), message: `YAML: ${e.message.split("\n")[0]}` }));
  const rule = doc.toJS({ maxAliasCount: 10 }) as unknown;
  const check = validator();
  if (!check(rule)) {
    const error = check.errors?.[0];
    const path = (error?.instancePath ?? "").split("/").slice(1).map((p) => p.replace(/~1/g, "/").replace(/~0/g, "~"));
    const node = doc.getIn(path, true) as Node | undefined;
    const where = path.length > 0 ? path.join(".") : "the rule";
    return [{ line: lineAt(node?.range?.[0]) ?? 1, message: `${where} ${error?.message ?? "does not match the Sigma schema"}` }];
  }
  // A condition that names a selection the rule does not define would fail in every converter.
  const detection = doc.get("detection", true);
  if (!isMap(detection)) return [];
  const defined = new Set(detection.items.map((item) => String((item.key as { value?: unknown })?.value ?? item.key)));
  const condition = detection.get("condition", true) as Node | undefined;
  const conditions = isSeq(condition) ? condition.items : [condition];
  for (const c of conditions) {
    // What follows a | is a (deprecated) aggregation: field names, not selections.
    const textOf = String((c as { value?: unknown } | undefined)?.value ?? "").split("|")[0]!;
    for (const word of textOf.replace(/[()]/g, " ").split(/\s+/).filter((w) => w !== "")) {
      const lower = word.toLowerCase();
      if (CONDITION_WORDS.has(lower) || /^\d+$/.test(word) || /^[<>=]+$/.test(word)) continue;
      const matches = word.includes("*") ? [...defined].some((d) => new RegExp(`^${word.replace(/[.+?^${}()|[\]\\]/g, "\\$&").replace(/\*/g, ".*")}$`).test(d)) : defined.has(word);
      if (!matches) return [{ line: lineAt((c as Node | undefined)?.range?.[0]), message: `the condition names ${word}, which the detection does not define` }];
    }
  }
  return [];
}
