/**
 * The STIX a coordinated response request and its acknowledgements travel as, both ways. Pure.
 *
 * A request is a course-of-action carrying the action and the expiry as custom properties, an
 * indicator per target (its pattern compares the target's value, valid until the expiry), and a
 * `mitigates` relationship from the course-of-action to each indicator (the relationship STIX 2.1
 * defines between the two). An acknowledgement is an opinion on the course-of-action: `agree` for
 * applied, `neutral` for queued, `disagree` for declined, with the decision itself in a custom
 * property. Its id is derived from the request and the org, so a later decision (an analyst's
 * approval after a queue) is a new version of the same opinion, never a second opinion.
 */
import { randomUUID } from "node:crypto";
import { v5 as uuidv5 } from "uuid";
import { isIndicatorType, MAX_TIME_MS } from "../model/indicator.js";
import { normalizeValue } from "../model/normalize.js";
import {
  ACK_PROPERTY,
  OPINION_OF_DECISION,
  REQUEST_PROPERTIES,
  RESPONSE_ACTIONS,
  RESPONSE_DECISIONS,
  type Acknowledgement,
  type ResponseAction,
  type ResponseDecision,
  type ResponseTarget,
} from "../model/response.js";
import { orgIdentityId, type StixJson } from "../model/stix-object.js";
import { stixPatternOf } from "../model/stix-pattern.js";

const NAMESPACE = "0b7c3d1e-5f2a-5e69-9a41-2c8d7e6f5a30";

/** Most values one request may name, and the longest it may run: a request is a response, not a standing blocklist. */
export const MAX_REQUEST_TARGETS = 1_000;
export const MAX_REQUEST_DAYS = 90;

export class ResponseRequestError extends Error {
  override readonly name = "ResponseRequestError";
  constructor(
    readonly code: "BAD_ACTION" | "BAD_EXPIRY" | "BAD_TARGET" | "NO_TARGETS" | "TOO_MANY_TARGETS" | "NOT_A_REQUEST",
    message: string,
  ) {
    super(message);
  }
}

export interface RequestInput {
  action: ResponseAction;
  targets: Array<{ type: string; value: string }>;
  expiresAt: number;
  name?: string;
  description?: string;
}

/** Checks a request before it is made: each target normalized, duplicates dropped. Throws ResponseRequestError. */
export function checkRequestInput(input: RequestInput, now: number): { action: ResponseAction; targets: ResponseTarget[]; expiresAt: number } {
  if (!(RESPONSE_ACTIONS as readonly string[]).includes(input.action)) throw new ResponseRequestError("BAD_ACTION", `action must be one of ${RESPONSE_ACTIONS.join(", ")}`);
  if (!Number.isFinite(input.expiresAt) || input.expiresAt <= now) throw new ResponseRequestError("BAD_EXPIRY", "the request must expire in the future");
  if (input.expiresAt > now + MAX_REQUEST_DAYS * 86_400_000) throw new ResponseRequestError("BAD_EXPIRY", `a request runs at most ${MAX_REQUEST_DAYS} days`);
  if (input.targets.length === 0) throw new ResponseRequestError("NO_TARGETS", "a request names at least one value");
  if (input.targets.length > MAX_REQUEST_TARGETS) throw new ResponseRequestError("TOO_MANY_TARGETS", `a request names at most ${MAX_REQUEST_TARGETS} values`);
  const seen = new Map<string, ResponseTarget>();
  input.targets.forEach((t, i) => {
    if (!isIndicatorType(t.type) || t.type === "cve") throw new ResponseRequestError("BAD_TARGET", `target ${i}: "${String(t.type)}" is not an indicator type a device can act on`);
    let value: string;
    try {
      value = normalizeValue(t.type, String(t.value));
    } catch (err) {
      throw new ResponseRequestError("BAD_TARGET", `target ${i}: ${(err as Error).message}`);
    }
    seen.set(`${t.type}\u0000${value}`, { type: t.type, value });
  });
  return { action: input.action, targets: [...seen.values()], expiresAt: input.expiresAt };
}

/** The objects of a new request, the course-of-action last (a receiver then holds the rest when it arrives). */
export function requestObjects(org: string, input: { action: ResponseAction; targets: ResponseTarget[]; expiresAt: number; name?: string; description?: string }, now: number): { id: string; objects: StixJson[] } {
  const at = new Date(now).toISOString();
  const expires = new Date(input.expiresAt).toISOString();
  const common = { spec_version: "2.1", created: at, modified: at, created_by_ref: orgIdentityId(org) };
  const id = `course-of-action--${randomUUID()}`;
  const name = (input.name?.trim() || `${input.action} ${input.targets.length} value${input.targets.length === 1 ? "" : "s"}`).slice(0, 256);
  const objects: StixJson[] = [];
  for (const target of input.targets) {
    const indicator = `indicator--${uuidv5(`${id}:${target.type}:${target.value}`, NAMESPACE)}`;
    objects.push({
      type: "indicator",
      id: indicator,
      ...common,
      name: `${target.type} ${target.value}`,
      indicator_types: ["malicious-activity"],
      pattern: stixPatternOf(target.type as Exclude<typeof target.type, "cve">, target.value),
      pattern_type: "stix",
      valid_from: at,
      valid_until: expires,
    });
    objects.push({ type: "relationship", id: `relationship--${uuidv5(`${indicator}:mitigates`, NAMESPACE)}`, ...common, relationship_type: "mitigates", source_ref: id, target_ref: indicator });
  }
  objects.push({
    type: "course-of-action",
    id,
    ...common,
    name,
    description: (input.description ?? `${org} asks partners to ${input.action} these values until ${expires}.`).slice(0, 4096),
    [REQUEST_PROPERTIES.action]: input.action,
    [REQUEST_PROPERTIES.expires]: expires,
  });
  return { id, objects };
}

/** Whether an object is a response request (a course-of-action with the request's properties). */
export function isRequestObject(object: StixJson): boolean {
  return object.type === "course-of-action" && typeof object[REQUEST_PROPERTIES.action] === "string";
}

export function isAcknowledgementObject(object: StixJson): boolean {
  return object.type === "opinion" && typeof object[ACK_PROPERTY] === "string";
}

/** A received request's own fields, checked: what a partner's course-of-action says. Throws ResponseRequestError. */
export function parseRequestObject(object: StixJson): { action: ResponseAction; expiresAt: number; name: string; description: string } {
  const action = object[REQUEST_PROPERTIES.action];
  if (typeof action !== "string" || !(RESPONSE_ACTIONS as readonly string[]).includes(action)) throw new ResponseRequestError("BAD_ACTION", `unknown action "${String(action).slice(0, 40)}"`);
  const expiresAt = Date.parse(String(object[REQUEST_PROPERTIES.expires]));
  if (!Number.isFinite(expiresAt) || expiresAt > MAX_TIME_MS) throw new ResponseRequestError("BAD_EXPIRY", "the request's expiry is not a time");
  const text = (v: unknown, max: number) => (typeof v === "string" ? v.slice(0, max) : "");
  return { action: action as ResponseAction, expiresAt, name: text(object.name, 256), description: text(object.description, 4096) };
}

export function acknowledgementObject(org: string, request: string, decision: ResponseDecision, reason: string, now: number): StixJson {
  const at = new Date(now).toISOString();
  return {
    type: "opinion",
    id: `opinion--${uuidv5(`${request}:${org}`, NAMESPACE)}`,
    spec_version: "2.1",
    created: at,
    modified: at,
    created_by_ref: orgIdentityId(org),
    opinion: OPINION_OF_DECISION[decision],
    explanation: reason.slice(0, 1024),
    object_refs: [request],
    [ACK_PROPERTY]: decision,
  };
}

/** A received acknowledgement: which request, and the decision. Throws ResponseRequestError when it is none. */
export function parseAcknowledgement(object: StixJson, producer: string, signedAt: number): { request: string; ack: Acknowledgement } {
  const decision = object[ACK_PROPERTY];
  const refs = object.object_refs;
  if (typeof decision !== "string" || !(RESPONSE_DECISIONS as readonly string[]).includes(decision) || !Array.isArray(refs) || typeof refs[0] !== "string" || !refs[0].startsWith("course-of-action--")) {
    throw new ResponseRequestError("NOT_A_REQUEST", "not an acknowledgement of a response request");
  }
  return {
    request: refs[0],
    ack: { org: producer, decision: decision as ResponseDecision, at: signedAt, object: String(object.id), reason: typeof object.explanation === "string" ? object.explanation.slice(0, 1024) : "" },
  };
}
