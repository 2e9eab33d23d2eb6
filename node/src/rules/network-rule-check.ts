import type { RuleProblem } from "./rule-kinds.js";

/**
 * Snort and Suricata rules checked before they are written, with the line of each problem: the
 * header (action, protocol, addresses, ports, direction) and the options (`keyword;` or
 * `keyword:value;`, quoted strings, escaped semicolons), a `msg` and a numeric `sid` in every rule,
 * no sid twice. Lines ending in a backslash continue the rule; `#` starts a comment. Written here:
 * no parser of either grammar is published on the npm registry. It checks the form every rule
 * shares, not each of the engines' hundreds of keywords: a keyword the engine does not know still
 * fails when the engine loads the file, and says so in its own log. Pure.
 */

export type NetworkRuleDialect = "snort" | "suricata";

const ACTIONS: Record<NetworkRuleDialect, ReadonlySet<string>> = {
  snort: new Set(["alert", "log", "pass", "drop", "reject", "sdrop", "block", "activate", "dynamic", "rewrite"]),
  suricata: new Set(["alert", "pass", "drop", "reject", "rejectsrc", "rejectdst", "rejectboth", "config"]),
};
const DIRECTIONS = new Set(["->", "<>", "<-", "=>"]);
const PROTOCOL = /^[a-z][a-z0-9_.-]{0,31}$/;
/** An address or port expression: a variable, a value, a range, a list in brackets, negated. */
const ENDPOINT = /^!?(?:any|\$[A-Za-z_][A-Za-z0-9_]*|\[[^\]\s]*(?:\][^\]\s]*)*\]|[0-9A-Fa-f.:/]+|\d{1,5}:\d{0,5}|:\d{1,5}|\d{1,5})$/;
const KEYWORD = /^[a-z_][a-z0-9_.-]*$/i;

export const MAX_NETWORK_RULES_BYTES = 1024 * 1024;

interface RuleText {
  line: number;
  text: string;
}

/** The rules of a text, joined across continuation lines, each with the line it starts on. */
function rulesOf(text: string): RuleText[] {
  const out: RuleText[] = [];
  let current: RuleText | undefined;
  text.split(/\r?\n/).forEach((raw, i) => {
    const line = raw.trimEnd();
    if (!current && (line.trim() === "" || line.trimStart().startsWith("#"))) return;
    const continued = line.endsWith("\\");
    const part = continued ? line.slice(0, -1) : line;
    current = current ? { line: current.line, text: `${current.text} ${part.trim()}` } : { line: i + 1, text: part.trim() };
    if (!continued) {
      out.push(current);
      current = undefined;
    }
  });
  if (current) out.push(current);
  return out;
}

/** The options of a rule body (what is inside the parentheses), or the problem. */
function optionsOf(body: string): Array<{ keyword: string; value?: string }> | string {
  const options: Array<{ keyword: string; value?: string }> = [];
  let i = 0;
  while (i < body.length) {
    while (body[i] === " " || body[i] === "\t") i++;
    if (i >= body.length) break;
    let keyword = "";
    while (i < body.length && body[i] !== ":" && body[i] !== ";") keyword += body[i++];
    keyword = keyword.trim();
    if (!KEYWORD.test(keyword)) return `"${keyword.slice(0, 40)}" is not an option keyword`;
    if (body[i] === ";") {
      options.push({ keyword });
      i++;
      continue;
    }
    if (body[i] !== ":") return `option ${keyword} is not closed by ;`;
    i++;
    let value = "";
    let quoted = false;
    for (; i < body.length; i++) {
      const c = body[i]!;
      if (c === "\\" && i + 1 < body.length) {
        value += c + body[++i];
        continue;
      }
      if (c === '"') quoted = !quoted;
      if (c === ";" && !quoted) break;
      value += c;
    }
    if (quoted) return `option ${keyword} opens a quoted string it does not close`;
    if (body[i] !== ";") return `option ${keyword} is not closed by ;`;
    i++;
    options.push({ keyword, value: value.trim() });
  }
  return options;
}

/** Checks every rule of `text`; problems carry the line the rule starts on. */
export function checkNetworkRules(text: string, dialect: NetworkRuleDialect): RuleProblem[] {
  if (text.length > MAX_NETWORK_RULES_BYTES) return [{ message: `the rules are over ${MAX_NETWORK_RULES_BYTES} characters` }];
  const problems: RuleProblem[] = [];
  const sids = new Map<string, number>();
  const rules = rulesOf(text);
  if (rules.length === 0) return [{ message: "no rule in the text" }];
  for (const { line, text: rule } of rules) {
    const problem = (message: string) => problems.push({ line, message });
    const open = rule.indexOf("(");
    if (open < 0 || !rule.endsWith(")")) {
      problem("a rule is a header followed by options in parentheses: ( ... )");
      continue;
    }
    const header = rule.slice(0, open).trim().split(/\s+/);
    const [action, protocol, source, sourcePort, direction, destination, destinationPort] = header;
    if (!action || !ACTIONS[dialect].has(action)) {
      problem(`"${(action ?? "").slice(0, 20)}" is not a ${dialect} action (${[...ACTIONS[dialect]].join(", ")})`);
      continue;
    }
    // Suricata's application-layer rules may leave out addresses and ports ("alert http (…)").
    if (header.length === 2 && dialect === "suricata") {
      if (!PROTOCOL.test(protocol!)) problem(`"${protocol}" is not a protocol`);
    } else if (header.length !== 7) {
      problem(`the header has ${header.length} parts; it is: action protocol source port direction destination port`);
      continue;
    } else {
      if (!PROTOCOL.test(protocol!)) problem(`"${protocol}" is not a protocol`);
      for (const [what, endpoint] of [["source", source], ["source port", sourcePort], ["destination", destination], ["destination port", destinationPort]] as const) {
        if (!ENDPOINT.test(endpoint!)) problem(`the ${what} "${endpoint!.slice(0, 40)}" is neither an address or port, a list, a range, a variable nor any`);
      }
      if (!DIRECTIONS.has(direction!) || (dialect === "snort" && direction === "=>")) problem(`"${direction}" is not a direction (->, <> or <-)`);
    }
    const options = optionsOf(rule.slice(open + 1, -1));
    if (typeof options === "string") {
      problem(options);
      continue;
    }
    const msg = options.find((o) => o.keyword === "msg");
    const sid = options.find((o) => o.keyword === "sid");
    if (!msg?.value || !/^".*"$/.test(msg.value)) problem('every rule needs msg:"…";');
    if (!sid?.value || !/^\d{1,10}$/.test(sid.value)) problem("every rule needs a numeric sid");
    else if (sids.has(sid.value)) problem(`sid ${sid.value} is already the sid of the rule on line ${sids.get(sid.value)}`);
    else sids.set(sid.value, line);
    for (const o of options) if (o.keyword === "content" && o.value !== undefined && !/^!?\s*".*"$/.test(o.value)) problem(`content ${o.value.slice(0, 40)} is not a quoted string`);
  }
  return problems;
}

/** The sids of rules, for refusing a rule whose sid another rule in the same file has. */
export function sidsOf(text: string): string[] {
  return [...text.matchAll(/\bsid\s*:\s*(\d+)\s*;/g)].map((m) => m[1]!);
}
