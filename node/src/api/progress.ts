import { PassThrough } from "node:stream";
import type { FastifyReply } from "fastify";
import { z } from "zod";

/** `progress=true` asks a long request (imports, exports, publishing a bundle) to answer as it goes. */
export const progressField = z.enum(["true", "false"]).default("false").transform((v) => v === "true");

/**
 * The result of long work: as one JSON document, or, when the caller asks for progress, as
 * NDJSON: `{"progress":{"done":n,"total":m}}` lines while it runs (at most one per 100 ms), then
 * `{"result":...}`, or `{"error":...}` if it failed once the answer had begun.
 */
export async function answer<T>(reply: FastifyReply, progress: boolean, work: (onProgress: (done: number, total: number) => void) => Promise<T>) {
  if (!progress) return work(() => undefined);
  const stream = new PassThrough();
  reply.type("application/x-ndjson").send(stream);
  const line = (value: unknown) => stream.write(`${JSON.stringify(value)}\n`);
  let last = 0;
  try {
    const result = await work((done, total) => {
      const now = Date.now();
      if (done < total && now - last < 100) return;
      last = now;
      line({ progress: { done, total } });
    });
    line({ result });
  } catch (err) {
    line({ error: { name: (err as Error).name, message: (err as Error).message } });
  } finally {
    stream.end();
  }
  return reply;
}
