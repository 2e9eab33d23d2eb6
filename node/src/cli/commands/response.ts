/**
 * `cti response`: enforcement feeds (export them to a device's directory, the dry run, the
 * journal, rollback and resume), coordinated response requests (make, list, approve, decline),
 * playbook hooks and the audit log (response/, docs/response.md).
 */
import { execFile } from "node:child_process";
import { promisify } from "node:util";
import { InvalidArgumentError, type Command } from "commander";
import { DEFAULT_EXPORT_MODE, writeFilesAtomically } from "../../detect/export-writer.js";
import { RESPONSE_ACTIONS } from "../../model/response.js";
import { api, DEFAULT_API, fileMode, watchEvery, integer, positive, print, query } from "../shared.js";

const run = promisify(execFile);

/** "48h", "7d", "90m": a duration in hours. */
function hours(value: string): number {
  const match = /^(\d+(?:\.\d+)?)([mhd])$/.exec(value);
  if (!match) throw new InvalidArgumentError("a duration such as 90m, 48h or 7d");
  const n = Number(match[1]);
  return match[2] === "m" ? n / 60 : match[2] === "d" ? n * 24 : n;
}

/** type:value, e.g. domain:c2.example or ipv4:192.0.2.1. */
function target(value: string, previous: Array<{ type: string; value: string }> = []): Array<{ type: string; value: string }> {
  const colon = value.indexOf(":");
  if (colon < 1) throw new InvalidArgumentError("a target is type:value, e.g. domain:c2.example");
  return [...previous, { type: value.slice(0, colon), value: value.slice(colon + 1) }];
}

export function registerResponseCommands(program: Command): void {
  const response = program.command("response").description("enforcement feeds (RPZ, nftables, EDL, Suricata drop), coordinated response requests, playbook hooks and their audit log");

  response
    .command("feeds")
    .description("the enforcement feeds: version, serial, entries, policy, pinned or not, the last reload")
    .option("--api <url>", "the node's HTTP API", DEFAULT_API)
    .action(async (options) => print(await api(options.api, "/response/feeds")));

  response
    .command("export")
    .description("write an enforcement feed's files to a directory, atomically (e.g. for a device on another machine); --watch keeps them current")
    .argument("<feed>", "the feed's name (rpz, nftables, edl or suricata-drop unless the config names others)")
    .requiredOption("-o, --out <dir>", "directory to write the files to")
    .option("--watch", "keep running and rewrite the files whenever the feed changes")
    .option("--interval <seconds>", "with --watch: how often to check (at least 1)", positive, 10)
    .option("--exec <command>", "run this shell command after the files changed (the device's reload)")
    .option("--dry-run", "print what the next update would change and what the policy keeps out; write nothing")
    .option("--mode <octal>", "file mode of what is written (owner and group only)", fileMode, DEFAULT_EXPORT_MODE)
    .option("--api <url>", "the node's HTTP API", DEFAULT_API)
    .action(async (feed: string, options) => {
      if (options.dryRun) return print(await api(options.api, `/response/feeds/${encodeURIComponent(feed)}/plan`));
      const once = async () => {
        const answer = (await api(options.api, `/response/feeds/${encodeURIComponent(feed)}/files`)) as { files?: Record<string, string>; version?: number; serial?: number; message?: string };
        if (!answer.files) {
          print(answer);
          process.exitCode = 1;
          return false;
        }
        const written = await writeFilesAtomically(options.out, answer.files, { mode: options.mode });
        if (written.length === 0) return true;
        process.stderr.write(`${new Date().toISOString()} feed ${feed} version ${answer.version} (serial ${answer.serial}): wrote ${written.join(", ")} to ${options.out}\n`);
        if (options.exec) {
          const { stdout, stderr } = await run("sh", ["-c", options.exec], { timeout: 60_000 }).catch((err: Error & { stdout?: string; stderr?: string }) => {
            process.exitCode = 1;
            return { stdout: err.stdout ?? "", stderr: `${err.stderr ?? ""}${err.message}` };
          });
          process.stderr.write(`${stdout}${stderr}`);
        }
        return true;
      };
      if ((await once()) && options.watch) await watchEvery(options.interval, once);
    });

  response
    .command("plan")
    .description("the dry run: what a feed's next update would add and remove, and how many values each rule keeps out")
    .argument("<feed>", "the feed's name")
    .option("--api <url>", "the node's HTTP API", DEFAULT_API)
    .action(async (feed: string, options) => print(await api(options.api, `/response/feeds/${encodeURIComponent(feed)}/plan`)));

  response
    .command("changes")
    .description("a feed's journal, newest first: what came in and went out, why and when")
    .argument("<feed>", "the feed's name")
    .option("-n, --limit <n>", "most changes", positive, 20)
    .option("--before <version>", "changes before this version", positive)
    .option("--api <url>", "the node's HTTP API", DEFAULT_API)
    .action(async (feed: string, options) => print(await api(options.api, `/response/feeds/${encodeURIComponent(feed)}/changes?${query({ limit: options.limit, before: options.before })}`)));

  response
    .command("rollback")
    .description("restore a feed's entries of an earlier version (as a new version) and hold it there until `cti response resume`")
    .argument("<feed>", "the feed's name")
    .argument("<version>", "the version to restore (see `cti response changes`)", integer)
    .option("--api <url>", "the node's HTTP API", DEFAULT_API)
    .action(async (feed: string, version: number, options) =>
      print(await api(options.api, `/response/feeds/${encodeURIComponent(feed)}/rollback`, { method: "POST", body: JSON.stringify({ version }) })),
    );

  response
    .command("resume")
    .description("let a feed held by a rollback follow its policy again")
    .argument("<feed>", "the feed's name")
    .option("--api <url>", "the node's HTTP API", DEFAULT_API)
    .action(async (feed: string, options) => print(await api(options.api, `/response/feeds/${encodeURIComponent(feed)}/resume`, { method: "POST" })));

  response
    .command("requests")
    .description("response requests received and made: who asked, what, until when, this org's decision, every partner's acknowledgement")
    .option("--api <url>", "the node's HTTP API", DEFAULT_API)
    .action(async (options) => print(await api(options.api, "/response/requests")));

  response
    .command("request")
    .description("ask a sharing group's members to act on values until a time: each decides by its own policy and acknowledges, signed")
    .requiredOption("--action <action>", RESPONSE_ACTIONS.join(", "))
    .requiredOption("-t, --target <type:value>", "a value to act on, e.g. domain:c2.example (repeat for more)", target)
    .requiredOption("--expires <duration>", "how long it runs, e.g. 48h or 7d (at most 90d)", hours)
    .option("-g, --group <id>", "the sharing group to ask (0: every member, TLP:GREEN)", integer, 0)
    .option("--name <name>", "a short name partners see")
    .option("--description <text>", "why, in a sentence partners see")
    .option("--api <url>", "the node's HTTP API", DEFAULT_API)
    .action(async (options) => {
      if (!(RESPONSE_ACTIONS as readonly string[]).includes(options.action)) throw new InvalidArgumentError(`--action is one of ${RESPONSE_ACTIONS.join(", ")}`);
      print(
        await api(options.api, "/response/requests", {
          method: "POST",
          body: JSON.stringify({ action: options.action, targets: options.target, expiresInHours: options.expires, group: options.group, name: options.name, description: options.description }),
        }),
      );
    });

  response
    .command("approve")
    .description("apply a queued request (the decision goes back to the group, signed)")
    .argument("<id>", "the request's id (course-of-action--...)")
    .option("--api <url>", "the node's HTTP API", DEFAULT_API)
    .action(async (id: string, options) => print(await api(options.api, `/response/requests/${encodeURIComponent(id)}/approve`, { method: "POST" })));

  response
    .command("decline")
    .description("decline a queued request, or withdraw an applied one (the decision goes back to the group, signed)")
    .argument("<id>", "the request's id (course-of-action--...)")
    .option("--reason <text>", "why, as partners will read it")
    .option("--api <url>", "the node's HTTP API", DEFAULT_API)
    .action(async (id: string, options) =>
      print(await api(options.api, `/response/requests/${encodeURIComponent(id)}/decline`, { method: "POST", body: JSON.stringify(options.reason ? { reason: options.reason } : {}) })),
    );

  response
    .command("hooks")
    .description("playbook hooks: deliveries made, failed, retried and queued")
    .option("--api <url>", "the node's HTTP API", DEFAULT_API)
    .action(async (options) => print(await api(options.api, "/response/hooks")));

  response
    .command("audit")
    .description("response's audit log, newest first: feed changes and rollbacks, requests, decisions, acknowledgements, hook deliveries")
    .option("-n, --limit <n>", "most entries", positive, 50)
    .option("--kind <kind>", "only feed-change, feed-rollback, feed-resume, request-made, request-received, decision, acknowledgement or hook")
    .option("--api <url>", "the node's HTTP API", DEFAULT_API)
    .action(async (options) => print(await api(options.api, `/response/audit?${query({ limit: options.limit, kind: options.kind })}`)));
}


