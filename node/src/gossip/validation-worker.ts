/**
 * A validation worker thread: decides `verifyOpenContent` for the batches the main thread sends
 * (gossip/validation-pool.ts). It holds no state of the node; a batch it cannot even decode is
 * answered as an error, and the main thread then decides on its own.
 */
import { parentPort } from "node:worker_threads";
import { verifyOpenContent } from "./validation.js";

export interface VerifyRequest {
  id: number;
  bytes: Uint8Array;
  now: number;
  maxClockSkewMs: number;
}

export type VerifyResponse = { id: number; verdict: ReturnType<typeof verifyOpenContent> } | { id: number; error: string };

if (!parentPort) throw new Error("validation-worker.ts runs as a worker thread (gossip/validation-pool.ts)");
const port = parentPort;
port.on("message", (request: VerifyRequest) => {
  let response: VerifyResponse;
  try {
    response = { id: request.id, verdict: verifyOpenContent(request.bytes, request.now, request.maxClockSkewMs) };
  } catch (err) {
    response = { id: request.id, error: (err as Error).message };
  }
  port.postMessage(response);
});
port.postMessage({ ready: true });
