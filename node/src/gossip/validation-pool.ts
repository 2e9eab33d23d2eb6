import { Worker } from "node:worker_threads";
import { verifyOpenContent, type ContentVerdict } from "./validation.js";
import type { VerifyRequest, VerifyResponse } from "./validation-worker.js";

export interface ValidationPoolInit {
  /** Worker threads; 0 checks every batch on the calling thread. */
  workers: number;
}

export interface ValidationPoolComponents {
  log?: (message: string, fields?: Record<string, unknown>) => void;
}

interface WorkerSlot {
  worker: Worker;
  ready: boolean;
  pending: Map<number, PendingVerdict>;
}

interface PendingVerdict {
  resolve: (v: ContentVerdict) => void;
  reject: (err: Error) => void;
  bytes: Uint8Array;
  now: number;
  maxClockSkewMs: number;
}

/** Decides a request on this thread. */
function decideHere(request: PendingVerdict): void {
  try {
    request.resolve(verifyOpenContent(request.bytes, request.now, request.maxClockSkewMs));
  } catch (err) {
    request.reject(err as Error);
  }
}

/** Workers that die this many times in a row are not replaced: batches are then checked here. */
const MAX_RESPAWNS = 3;

/**
 * Runs the costly, stateless checks of open batches (Merkle root, signature, content) on worker
 * threads, so that the main thread, which owns the network and the store, spends its time there:
 * receive and store on one core, verify on another. Every verdict is the one `verifyOpenContent`
 * gives on the calling thread, which is also where a batch goes while the workers start, when
 * one fails, or when there are none.
 */
export class ValidationPool {
  private slots: WorkerSlot[] = [];
  private next = 0;
  private sequence = 0;
  private running = false;
  private respawns = 0;

  constructor(
    private readonly init: ValidationPoolInit,
    private readonly components: ValidationPoolComponents = {},
  ) {}

  start(): void {
    if (this.running) return;
    this.running = true;
    for (let i = 0; i < this.init.workers; i++) this.slots.push(this.spawn());
  }

  async stop(): Promise<void> {
    if (!this.running) return;
    this.running = false;
    const slots = this.slots;
    this.slots = [];
    await Promise.all(slots.map((slot) => this.retire(slot)));
  }

  /** Resolves once every worker has started (or at once without workers); for benchmarks and tests. */
  async ready(timeoutMs = 30_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (this.slots.some((s) => !s.ready)) {
      if (Date.now() > deadline) throw new Error("validation workers did not start");
      await new Promise((r) => setTimeout(r, 10));
    }
  }

  /** How many workers are ready now. */
  get workersReady(): number {
    return this.slots.filter((s) => s.ready).length;
  }

  /** Verdict on an open batch's content; on a worker when one is ready, else here. */
  verify = (bytes: Uint8Array, now: number, maxClockSkewMs: number): Promise<ContentVerdict> => {
    const ready = this.slots.filter((s) => s.ready);
    if (ready.length === 0) return Promise.resolve(verifyOpenContent(bytes, now, maxClockSkewMs));
    // The least loaded worker: batches differ in size, round-robin alone would queue behind a big one.
    let slot = ready[this.next++ % ready.length]!;
    for (const s of ready) if (s.pending.size < slot.pending.size) slot = s;
    const id = ++this.sequence;
    return new Promise<ContentVerdict>((resolve, reject) => {
      slot.pending.set(id, { resolve, reject, bytes, now, maxClockSkewMs });
      slot.worker.postMessage({ id, bytes, now, maxClockSkewMs } satisfies VerifyRequest);
    });
  };

  private spawn(): WorkerSlot {
    const worker = new Worker(new URL("./validation-worker.mjs", import.meta.url));
    const slot: WorkerSlot = { worker, ready: false, pending: new Map() };
    // The pool never keeps the process alive: a node that stops ends its workers, and one that
    // crashes takes them with it.
    worker.unref();
    worker.on("message", (message: VerifyResponse | { ready: true }) => {
      if ("ready" in message) {
        slot.ready = true;
        this.respawns = 0;
        return;
      }
      const request = slot.pending.get(message.id);
      if (!request) return;
      slot.pending.delete(message.id);
      // A batch the worker could not handle is decided here, where the same error has its usual path.
      if ("verdict" in message) request.resolve(message.verdict);
      else decideHere(request);
    });
    worker.on("error", (err) => {
      this.components.log?.("validation worker failed; its batches are checked on the main thread", { error: err.message });
      this.fail(slot);
    });
    worker.on("exit", () => this.fail(slot));
    return slot;
  }

  /** Takes a dead worker out and decides what it held here; a new one replaces it while running. */
  private fail(slot: WorkerSlot): void {
    const index = this.slots.indexOf(slot);
    if (index < 0) return;
    this.slots.splice(index, 1);
    slot.ready = false;
    for (const request of slot.pending.values()) decideHere(request);
    slot.pending.clear();
    if (!this.running) return;
    if (++this.respawns > MAX_RESPAWNS) {
      this.components.log?.("validation workers keep failing: batches are checked on the main thread from now on", { respawns: this.respawns - 1 });
      return;
    }
    this.slots.push(this.spawn());
  }

  private async retire(slot: WorkerSlot): Promise<void> {
    slot.ready = false;
    for (const request of slot.pending.values()) decideHere(request);
    slot.pending.clear();
    await slot.worker.terminate();
  }
}
