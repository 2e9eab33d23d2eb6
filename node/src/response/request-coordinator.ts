/**
 * response/request-coordinator.ts owns coordinated response: making a request (published as
 * STIX to a group, request-objects.ts), deciding on a partner's by this org's policy
 * (request-policy.ts), acknowledging every decision with a signed opinion, following the
 * acknowledgements of the others, and an analyst's approve or decline of a queued request.
 * The targets of the requests this org applied, until they expire, are what the enforcement
 * feeds add to their own selection (response-service.ts).
 */
import type { IntelService } from "../intel/intel-service.js";
import { isIndicatorType } from "../model/indicator.js";
import { currentStatement, type ObjectRecord } from "../model/object-record.js";
import { isExpired, withAcknowledgement, type ResponseDecision, type ResponseRequest, type ResponseTarget } from "../model/response.js";
import type { StixJson } from "../model/stix-object.js";
import { patternAtoms } from "../model/stix-pattern.js";
import type { IndicatorStore } from "../store/indicator-store.js";
import type { RequestedTarget } from "./enforcement-policy.js";
import type { HookEvent } from "./playbook-hooks.js";
import {
  acknowledgementObject,
  checkRequestInput,
  isAcknowledgementObject,
  isRequestObject,
  MAX_REQUEST_TARGETS,
  parseAcknowledgement,
  parseRequestObject,
  requestObjects,
  ResponseRequestError,
  type RequestInput,
} from "./request-objects.js";
import { decideRequest, type RequestRule, type RuleDecision } from "./request-policy.js";

export interface RequestCoordinatorInit {
  rules: readonly RequestRule[];
  fallback: RuleDecision;
  /** A request whose targets are not all held yet is retried on later arrivals for this long, then decided on what arrived. */
  resolveWaitMs?: number;
}

export interface RequestCoordinatorComponents {
  orgId: string;
  store: IndicatorStore;
  intel(): IntelService;
  now(): number;
  /** The applied requests changed: the enforcement feeds update. */
  onApplied(): void;
  fire(event: HookEvent, payload: Record<string, unknown>): void;
  log?: (message: string, fields?: Record<string, unknown>) => void;
}

export class RequestDecisionError extends Error {
  override readonly name = "RequestDecisionError";
  constructor(
    readonly code: "UNKNOWN_REQUEST" | "OWN_REQUEST" | "EXPIRED" | "ALREADY_DECIDED",
    message: string,
  ) {
    super(message);
  }
}

/** Edges read around a request: its relationships to the indicators, and a few beside. */
const MAX_EDGES = MAX_REQUEST_TARGETS + 10;

export class RequestCoordinator {
  private readonly onObjects = (records: ObjectRecord[]) => {
    const relevant = records.filter((r) => r.type === "course-of-action" || r.type === "opinion" || r.type === "relationship");
    if (relevant.length === 0 && this.pending.size === 0) return;
    this.chain = this.chain.then(() => this.receive(relevant)).catch((err: Error) => this.components.log?.("could not read a response request", { error: err.message }));
  };
  private chain: Promise<void> = Promise.resolve();
  /** Requests waiting for their indicators, by id, since when. */
  private readonly pending = new Map<string, number>();
  private applied: RequestedTarget[] = [];
  private running = false;

  constructor(
    private readonly init: RequestCoordinatorInit,
    private readonly components: RequestCoordinatorComponents,
  ) {}

  async start(): Promise<void> {
    if (this.running) return;
    this.running = true;
    await this.recomputeApplied();
    this.components.store.on("objects", this.onObjects);
  }

  async stop(): Promise<void> {
    if (!this.running) return;
    this.running = false;
    this.components.store.off("objects", this.onObjects);
    await this.chain;
  }

  /** Waits for what has arrived to be read (tests, and an API answer right after a publish). */
  settled(): Promise<void> {
    return this.chain;
  }

  /** The values of the requests this org applied, not expired, that a device can act on. */
  appliedTargets(now: number): RequestedTarget[] {
    return this.applied.filter((t) => t.expiresAt > now);
  }

  list(): Promise<ResponseRequest[]> {
    return this.components.store.responseRequests.all();
  }

  get(id: string): Promise<ResponseRequest | undefined> {
    return this.components.store.responseRequests.get(id);
  }

  /** Publishes a request to a group (0: to every member, TLP:GREEN). Throws ResponseRequestError for bad input. */
  async make(input: RequestInput & { group: number }, by: string): Promise<ResponseRequest> {
    const now = this.components.now();
    const checked = checkRequestInput(input, now);
    const { id, objects } = requestObjects(this.components.orgId, { ...checked, name: input.name, description: input.description }, now);
    const report = await this.components.intel().publish(objects, { defaultTlp: input.group > 0 ? "AMBER" : "GREEN", ...(input.group > 0 ? { group: input.group } : {}) });
    const refused = report.outcomes.filter((o) => !o.ok);
    if (refused.length > 0) {
      const first = refused[0] as { reason: string; message: string };
      throw new ResponseRequestError("BAD_TARGET", `the request could not be published: ${first.reason}: ${first.message}`);
    }
    const request: ResponseRequest = {
      id,
      from: this.components.orgId,
      group: input.group,
      action: checked.action,
      expiresAt: checked.expiresAt,
      name: String(objects.at(-1)!.name),
      description: String(objects.at(-1)!.description),
      targets: checked.targets,
      receivedAt: now,
      acknowledgements: [],
    };
    await this.components.store.responseRequests.put(request);
    await this.components.store.responseAudit.append({ at: now, kind: "request-made", by, summary: `asked group ${input.group} to ${checked.action} ${checked.targets.length} values until ${new Date(checked.expiresAt).toISOString()}`, details: { request: id } });
    return request;
  }

  /** An analyst applies a queued (or declined) request. */
  approve(id: string, by: string): Promise<ResponseRequest> {
    return this.decideByAnalyst(id, "applied", by, `applied by an analyst (${by})`);
  }

  /** An analyst declines a queued request, or withdraws an applied one. */
  decline(id: string, by: string, reason?: string): Promise<ResponseRequest> {
    return this.decideByAnalyst(id, "declined", by, reason?.trim() ? reason.trim().slice(0, 500) : `declined by an analyst (${by})`);
  }

  private async decideByAnalyst(id: string, decision: ResponseDecision, by: string, reason: string): Promise<ResponseRequest> {
    await this.chain;
    const request = await this.get(id);
    if (!request) throw new RequestDecisionError("UNKNOWN_REQUEST", `no response request ${id}`);
    if (request.from === this.components.orgId) throw new RequestDecisionError("OWN_REQUEST", "this org made the request: there is nothing to decide");
    if (isExpired(request, this.components.now())) throw new RequestDecisionError("EXPIRED", `the request expired at ${new Date(request.expiresAt).toISOString()}`);
    if (request.decision?.decision === decision) throw new RequestDecisionError("ALREADY_DECIDED", `the request is already ${decision}`);
    return this.record(request, { decision, by, rule: "analyst", reason });
  }

  private async record(request: ResponseRequest, d: { decision: ResponseDecision; by: string; rule: string; reason: string }): Promise<ResponseRequest> {
    const now = this.components.now();
    const decided: ResponseRequest = { ...request, decision: { decision: d.decision, by: d.by, at: now, rule: d.rule } };
    await this.components.store.responseRequests.put(decided);
    await this.components.store.responseAudit.append({ at: now, kind: "decision", by: d.by, summary: `${d.decision} ${request.from}'s request to ${request.action} ${request.targets.length} values: ${d.reason}`, details: { request: request.id, rule: d.rule } });
    // The acknowledgement travels as the request did: to its group, signed in this org's batch.
    const ack = acknowledgementObject(this.components.orgId, request.id, d.decision, d.reason, now);
    const published = await this.components.intel().publish([ack], { defaultTlp: request.group > 0 ? "AMBER" : "GREEN", ...(request.group > 0 ? { group: request.group } : {}) });
    const outcome = published.outcomes[0];
    if (outcome && !outcome.ok) this.components.log?.("could not publish an acknowledgement", { request: request.id, reason: outcome.reason, message: outcome.message });
    this.components.fire("request-decided", { request: summaryOf(decided), decision: d.decision, reason: d.reason });
    await this.recomputeApplied();
    this.components.onApplied();
    return decided;
  }

  private async receive(records: ObjectRecord[]): Promise<void> {
    const { store, orgId } = this.components;
    const candidates = new Set(this.pending.keys());
    for (const record of records) {
      const statement = currentStatement(record);
      if (!statement) continue;
      if (record.type === "course-of-action" && statement.producer !== orgId) candidates.add(record.id);
      if (record.type !== "opinion") continue;
      const json = await store.objects.jsonOf(record.id, statement);
      const object = json ? (JSON.parse(json) as StixJson) : undefined;
      if (!object || !isAcknowledgementObject(object)) continue;
      try {
        const { request: requestId, ack } = parseAcknowledgement(object, statement.producer, statement.signedAt);
        const request = await this.get(requestId);
        if (!request) continue;
        const acknowledgements = withAcknowledgement(request.acknowledgements, ack);
        await store.responseRequests.put({ ...request, acknowledgements });
        if (statement.producer !== orgId) {
          await store.responseAudit.append({ at: this.components.now(), kind: "acknowledgement", by: statement.producer, summary: `${statement.producer} ${ack.decision} the request ${requestId}`, details: { request: requestId, object: ack.object } });
          this.components.fire("request-acknowledged", { request: requestId, from: statement.producer, decision: ack.decision, reason: ack.reason });
        }
      } catch (err) {
        if (!(err instanceof ResponseRequestError)) throw err;
      }
    }
    for (const id of candidates) await this.receiveRequest(id);
  }

  private async receiveRequest(id: string): Promise<void> {
    const { store } = this.components;
    if (await this.get(id)) {
      this.pending.delete(id);
      return;
    }
    const record = await store.objects.records.get(id);
    const statement = record ? currentStatement(record) : undefined;
    if (!record || !statement) return;
    const json = await store.objects.jsonOf(id, statement);
    const object = json ? (JSON.parse(json) as StixJson) : undefined;
    if (!object || !isRequestObject(object)) return;
    const now = this.components.now();
    let fields: ReturnType<typeof parseRequestObject>;
    try {
      fields = parseRequestObject(object);
    } catch (err) {
      this.pending.delete(id);
      this.components.log?.("a response request was not readable", { request: id, from: statement.producer, error: (err as Error).message });
      return;
    }
    const { targets, complete } = await this.targetsOf(id);
    const since = this.pending.get(id) ?? now;
    if (!complete && now - since < (this.init.resolveWaitMs ?? 60_000)) {
      this.pending.set(id, since);
      return;
    }
    this.pending.delete(id);
    const request: ResponseRequest = { id, from: statement.producer, group: statement.group, ...fields, targets, receivedAt: now, acknowledgements: [] };
    await store.responseAudit.append({ at: now, kind: "request-received", by: request.from, summary: `${request.from} asks to ${request.action} ${targets.length} values until ${new Date(request.expiresAt).toISOString()}`, details: { request: id, group: request.group } });
    this.components.fire("request-received", { request: summaryOf(request) });
    const decision = decideRequest(request, this.init.rules, this.init.fallback, now);
    await this.record(request, { decision: decision.decision, by: "policy", rule: decision.rule, reason: decision.reason });
  }

  /** The values of the indicators the request's `mitigates` relationships point at, and whether every one is held. */
  private async targetsOf(id: string): Promise<{ targets: ResponseTarget[]; complete: boolean }> {
    const { store } = this.components;
    const edges = (await store.objects.edges.around(id, MAX_EDGES)).filter((e) => e.from === id && e.label === "mitigates");
    const targets = new Map<string, ResponseTarget>();
    let complete = edges.length > 0;
    const records = await store.objects.records.getMany(edges.map((e) => e.to));
    for (const record of records) {
      const statement = record ? currentStatement(record) : undefined;
      const json = statement ? await store.objects.jsonOf(record!.id, statement) : undefined;
      if (!json) {
        complete = false;
        continue;
      }
      const object = JSON.parse(json) as StixJson;
      if (object.type !== "indicator" || typeof object.pattern !== "string") continue;
      const atoms = patternAtoms(object.pattern);
      if (!atoms.ok) continue;
      for (const atom of atoms.atoms) if (isIndicatorType(atom.type)) targets.set(`${atom.type}\u0000${atom.value}`, { type: atom.type, value: atom.value });
    }
    // A partner's request names at most what this node would let it make (patterns with long IN lists included).
    return { targets: [...targets.values()].slice(0, MAX_REQUEST_TARGETS), complete };
  }

  private async recomputeApplied(): Promise<void> {
    const now = this.components.now();
    const out: RequestedTarget[] = [];
    for (const request of await this.list()) {
      if (request.decision?.decision !== "applied" || request.action === "monitor" || isExpired(request, now)) continue;
      for (const t of request.targets) out.push({ ...t, action: request.action, expiresAt: request.expiresAt, request: request.id, from: request.from });
    }
    this.applied = out;
  }
}

export function summaryOf(request: ResponseRequest): Record<string, unknown> {
  return { id: request.id, from: request.from, group: request.group, action: request.action, expiresAt: new Date(request.expiresAt).toISOString(), targets: request.targets.slice(0, 100), name: request.name };
}
