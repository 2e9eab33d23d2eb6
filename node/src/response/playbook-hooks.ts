/**
 * response/playbook-hooks.ts hands chosen events to the org's SOAR: each hook is a URL that
 * receives a JSON POST per event it subscribed to (a high-score sighting, a request received or
 * decided, an enforcement feed changed), signed so the SOAR can tell it came from this node and
 * was not replayed, retried with backoff while the SOAR is down, and written to the audit log
 * with its outcome.
 *
 * The signature is the one webhook senders commonly use (an HMAC-SHA256 with a secret shared with
 * the receiver, over the timestamp and the body): `x-cti-signature: sha256=<hex>` of
 * `<x-cti-timestamp>.<body>`. A receiver checks it in constant time and refuses a timestamp more
 * than a few minutes old. Deliveries wait in a bounded queue per hook; when it is full the oldest
 * is dropped and counted, so a SOAR that is down for a day cannot fill the node's memory.
 */
import { createHmac, randomUUID } from "node:crypto";
import type { ResponseAuditRepository } from "../store/response-audit-repository.js";

export const HOOK_EVENTS = ["sighting", "request-received", "request-decided", "request-acknowledged", "feed-changed"] as const;
export type HookEvent = (typeof HOOK_EVENTS)[number];

export interface HookInit {
  name: string;
  url: string;
  events: readonly HookEvent[];
  secret: string;
  /** `sighting` events only for indicators scoring at least this (0-100). */
  minScore: number;
  /** Attempts per delivery, the first included. */
  maxAttempts: number;
  timeoutMs: number;
  /** Wait before the second attempt; doubled for each one after. */
  retryBaseMs: number;
}

export interface PlaybookHooksComponents {
  audit: ResponseAuditRepository;
  orgId: string;
  now(): number;
  log?: (message: string, fields?: Record<string, unknown>) => void;
}

const QUEUE_LIMIT = 1_000;

interface Delivery {
  id: string;
  event: HookEvent;
  body: string;
}

/** The headers a delivery carries, signed with the hook's secret. Pure (given the time). */
export function signedHeaders(secret: string, delivery: Delivery, timestamp: number): Record<string, string> {
  const signature = createHmac("sha256", secret).update(`${timestamp}.${delivery.body}`).digest("hex");
  return {
    "content-type": "application/json",
    "x-cti-event": delivery.event,
    "x-cti-delivery": delivery.id,
    "x-cti-timestamp": String(timestamp),
    "x-cti-signature": `sha256=${signature}`,
  };
}

class HookQueue {
  readonly queue: Delivery[] = [];
  running = false;
  stats = { delivered: 0, failed: 0, dropped: 0, attempts: 0 };
  constructor(readonly init: HookInit) {}
}

export class PlaybookHooks {
  private readonly queues: HookQueue[];
  private readonly stop$ = new AbortController();
  private readonly idle = new Set<Promise<void>>();

  constructor(
    hooks: readonly HookInit[],
    private readonly components: PlaybookHooksComponents,
  ) {
    this.queues = hooks.map((h) => new HookQueue(h));
  }

  get stats(): Array<{ name: string; url: string; queued: number } & HookQueue["stats"]> {
    return this.queues.map((q) => ({ name: q.init.name, url: q.init.url, queued: q.queue.length, ...q.stats }));
  }

  /** Whether some hook wants this event (the caller then builds its payload). */
  wants(event: HookEvent, score?: number): boolean {
    return this.queues.some((q) => q.init.events.includes(event) && (event !== "sighting" || (score ?? 0) >= q.init.minScore));
  }

  fire(event: HookEvent, payload: Record<string, unknown>, score?: number): void {
    if (this.stop$.signal.aborted) return;
    const body = JSON.stringify({ event, org: this.components.orgId, at: new Date(this.components.now()).toISOString(), ...payload });
    for (const q of this.queues) {
      if (!q.init.events.includes(event) || (event === "sighting" && (score ?? 0) < q.init.minScore)) continue;
      if (q.queue.length >= QUEUE_LIMIT) {
        q.queue.shift();
        q.stats.dropped++;
      }
      q.queue.push({ id: randomUUID(), event, body });
      this.drain(q);
    }
  }

  async stop(): Promise<void> {
    this.stop$.abort();
    await Promise.all([...this.idle]);
  }

  private drain(q: HookQueue): void {
    if (q.running) return;
    q.running = true;
    const done = (async () => {
      while (q.queue.length > 0 && !this.stop$.signal.aborted) await this.deliver(q, q.queue.shift()!);
      q.running = false;
    })();
    this.idle.add(done);
    void done.finally(() => this.idle.delete(done));
  }

  private async deliver(q: HookQueue, delivery: Delivery): Promise<void> {
    let outcome = "";
    for (let attempt = 1; attempt <= q.init.maxAttempts; attempt++) {
      q.stats.attempts++;
      try {
        const response = await fetch(q.init.url, {
          method: "POST",
          body: delivery.body,
          headers: signedHeaders(q.init.secret, delivery, Math.floor(this.components.now() / 1000)),
          signal: AbortSignal.any([this.stop$.signal, AbortSignal.timeout(q.init.timeoutMs)]),
          redirect: "error",
        });
        await response.body?.cancel();
        if (response.ok) {
          q.stats.delivered++;
          await this.audit(q, delivery, `delivered on attempt ${attempt} (HTTP ${response.status})`, true, attempt);
          return;
        }
        outcome = `HTTP ${response.status}`;
      } catch (err) {
        outcome = (err as Error).message;
      }
      if (this.stop$.signal.aborted) return;
      if (attempt < q.init.maxAttempts) {
        await new Promise<void>((resolve) => {
          const timer = setTimeout(resolve, q.init.retryBaseMs * 2 ** (attempt - 1));
          this.stop$.signal.addEventListener("abort", () => (clearTimeout(timer), resolve()), { once: true });
        });
      }
    }
    q.stats.failed++;
    this.components.log?.("a playbook hook could not be delivered", { hook: q.init.name, event: delivery.event, error: outcome });
    await this.audit(q, delivery, `failed after ${q.init.maxAttempts} attempts: ${outcome}`, false, q.init.maxAttempts);
  }

  private async audit(q: HookQueue, delivery: Delivery, summary: string, ok: boolean, attempts: number): Promise<void> {
    await this.components.audit
      .append({ at: this.components.now(), kind: "hook", by: "policy", summary: `hook ${q.init.name} (${delivery.event}): ${summary}`, details: { hook: q.init.name, url: q.init.url, event: delivery.event, delivery: delivery.id, ok, attempts } })
      .catch(() => undefined);
  }
}
