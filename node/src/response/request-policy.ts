/**
 * What this org does with a partner's response request, by its own policy: rules read in order,
 * the first that matches decides (apply at once, queue for an analyst, or decline), else the
 * default. A request already expired when it arrives is declined whatever the rules say. Pure.
 */
import type { ResponseAction, ResponseRequest } from "../model/response.js";

export type RuleDecision = "apply" | "queue" | "decline";

export interface RequestRule {
  /** A name for the audit log and the acknowledgement (the rule's index if not given). */
  name?: string;
  /** Requesting orgs this rule is for (any if not given). */
  from?: readonly string[];
  /** Sharing groups the request must have come in (any if not given; 0 is an open request). */
  groups?: readonly number[];
  actions?: readonly ResponseAction[];
  /** The rule matches requests naming at most this many values. */
  maxTargets?: number;
  decision: RuleDecision;
}

export interface RequestDecision {
  decision: "applied" | "queued" | "declined";
  rule: string;
  reason: string;
}

const OUTCOME = { apply: "applied", queue: "queued", decline: "declined" } as const;

export function decideRequest(request: Pick<ResponseRequest, "from" | "group" | "action" | "targets" | "expiresAt">, rules: readonly RequestRule[], fallback: RuleDecision, now: number): RequestDecision {
  if (request.expiresAt <= now) return { decision: "declined", rule: "expired", reason: "the request had expired when it arrived" };
  if (request.targets.length === 0) return { decision: "declined", rule: "no-targets", reason: "the request names no value this node holds" };
  for (const [index, rule] of rules.entries()) {
    if (rule.from && !rule.from.includes(request.from)) continue;
    if (rule.groups && !rule.groups.includes(request.group)) continue;
    if (rule.actions && !rule.actions.includes(request.action)) continue;
    if (rule.maxTargets !== undefined && request.targets.length > rule.maxTargets) continue;
    const name = rule.name ?? `rule ${index + 1}`;
    return { decision: OUTCOME[rule.decision], rule: name, reason: `${OUTCOME[rule.decision]} by policy (${name})` };
  }
  return { decision: OUTCOME[fallback], rule: "default", reason: `${OUTCOME[fallback]} by policy (default)` };
}
