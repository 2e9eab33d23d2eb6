import { execFile } from "node:child_process";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { RuleProblem } from "./rule-kinds.js";

/**
 * YARA rules compiled by the real yara (`yarac`, Debian's package; `CTI_YARAC` or the config
 * names another), in a temporary directory, with a time limit: what a rule file holds is what
 * the partner's yara takes. Its errors come back with their line. A YARA grammar of our own would
 * drift from the engine's; the engine is the only judge a SOC trusts.
 */

export interface YaraCompilerInit {
  /** The yarac binary; `CTI_YARAC`, else `yarac` on the PATH. */
  yarac?: string;
  timeoutMs?: number;
}

export class YaraUnavailableError extends Error {
  override readonly name = "YaraUnavailableError";
}

export const MAX_YARA_BYTES = 256 * 1024;

export class YaraCompiler {
  private readonly yarac: string;

  constructor(init: YaraCompilerInit = {}) {
    this.yarac = init.yarac ?? process.env.CTI_YARAC ?? "yarac";
    this.timeoutMs = init.timeoutMs ?? 20_000;
  }

  private readonly timeoutMs: number;

  /** The problems of a YARA source (empty when it compiles). Throws YaraUnavailableError when yarac cannot run. */
  async check(source: string): Promise<RuleProblem[]> {
    if (source.length > MAX_YARA_BYTES) return [{ message: `the rule is over ${MAX_YARA_BYTES} characters` }];
    const dir = await mkdtemp(join(tmpdir(), "cti-yara-"));
    try {
      const file = join(dir, "rule.yar");
      await writeFile(file, source, { mode: 0o600 });
      const { code, stderr } = await new Promise<{ code: number; stderr: string }>((resolve, reject) => {
        execFile(this.yarac, ["--no-warnings", file, join(dir, "rule.compiled")], { timeout: this.timeoutMs, maxBuffer: 1 << 20 }, (err, _stdout, stderr) => {
          if (err && (err as NodeJS.ErrnoException).code === "ENOENT") reject(new YaraUnavailableError(`cannot run ${this.yarac}: install Debian's yara (scripts/ensure-yara.sh) or set CTI_YARAC`));
          else if (err && err.killed) resolve({ code: -1, stderr: `yarac took longer than ${this.timeoutMs} ms` });
          else resolve({ code: err ? Number((err as { code?: unknown }).code ?? 1) : 0, stderr: String(stderr) });
        });
      });
      if (code === 0) return [];
      const problems = stderr
        .split("\n")
        .filter((l) => l.startsWith("error"))
        .map((l) => {
          // "error: rule "x" in /tmp/…/rule.yar(6): undefined string "$b"" or "error: /tmp/…/rule.yar(2): …"
          const m = /\((\d+)\):\s*(.*)$/.exec(l);
          return m ? { line: Number(m[1]), message: m[2]! } : { message: l.replace(/^error:\s*/, "").replaceAll(file, "rule") };
        });
      return problems.length > 0 ? problems : [{ message: stderr.trim().replaceAll(file, "rule") || `yarac failed (${code})` }];
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  }
}
