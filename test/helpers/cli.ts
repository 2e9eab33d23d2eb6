import { spawn } from "node:child_process";
import { resolve } from "node:path";

export const CLI = resolve("node/bin/cti.js");

export interface Ran {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs a program to its end; resolves with its exit code and output. */
export function run(command: string, args: string[], options: { stdin?: string; env?: Record<string, string> } = {}): Promise<Ran> {
  return new Promise((done, fail) => {
    const child = spawn(command, args, { stdio: ["pipe", "pipe", "pipe"], env: { ...process.env, ...options.env } });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (d) => (stdout += d));
    child.stderr.on("data", (d) => (stderr += d));
    child.on("error", fail);
    child.on("close", (code) => done({ code: code ?? -1, stdout, stderr }));
    child.stdin.end(options.stdin ?? "");
  });
}

/**
 * Runs the real `cti` CLI, as an operator would: with `tty`, through a pseudo-terminal
 * (`script`), so that it draws what it draws at a terminal (both streams then come as stdout).
 */
export function cti(args: string[], options: { stdin?: string; env?: Record<string, string>; tty?: boolean } = {}): Promise<Ran> {
  if (!options.tty) return run(process.execPath, [CLI, ...args], options);
  const quoted = [process.execPath, CLI, ...args].map((a) => `'${a.replaceAll("'", "'\\''")}'`).join(" ");
  return run("script", ["-qec", quoted, "/dev/null"], { ...options, env: { COLUMNS: "120", ...options.env } });
}
