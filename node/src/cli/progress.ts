import { SingleBar, Presets } from "cli-progress";

/**
 * Long work on the node (imports, exports) answered as NDJSON progress lines, then the result
 * (api/interop-routes.ts). A bar on stderr when it is a terminal; nothing when it is not, so
 * that scripts get only the result.
 */
export class ProgressFailedError extends Error {
  override readonly name = "ProgressFailedError";
}

export async function followProgress<T>(response: Response, label: string): Promise<T> {
  if (!response.body) throw new ProgressFailedError("the node sent no answer");
  const bar = process.stderr.isTTY ? new SingleBar({ format: `${label} [{bar}] {percentage}% | {value}/{total} | {duration_formatted}`, stream: process.stderr, hideCursor: true }, Presets.shades_classic) : undefined;
  let started = false;
  let result: T | undefined;
  let buffered = "";
  const decoder = new TextDecoder();
  const handle = (line: string) => {
    if (!line.trim()) return;
    const message = JSON.parse(line) as { progress?: { done: number; total: number }; result?: T; error?: { message: string } };
    if (message.progress) {
      if (!started) bar?.start(message.progress.total, message.progress.done);
      else bar?.setTotal(message.progress.total);
      bar?.update(message.progress.done);
      started = true;
    } else if (message.error) {
      throw new ProgressFailedError(message.error.message);
    } else if ("result" in message) {
      result = message.result;
    }
  };
  try {
    for await (const chunk of response.body) {
      buffered += decoder.decode(chunk as Uint8Array, { stream: true });
      const lines = buffered.split("\n");
      buffered = lines.pop() ?? "";
      for (const line of lines) handle(line);
    }
    handle(buffered);
  } finally {
    bar?.stop();
  }
  if (result === undefined) throw new ProgressFailedError("the node's answer ended before its result (did the node stop?)");
  return result;
}
