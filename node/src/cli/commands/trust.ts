/** Commands for trust and researchers: reputation, equivocations, statistics, audit proofs, the epoch's report and anchor. */
import { writeFile } from "node:fs/promises";
import type { Command } from "commander";
import { readJsonFile } from "../../config/config.js";
import { api, DEFAULT_API, integer, print, query } from "../shared.js";

export function registerTrustCommands(program: Command): void {
  program
    .command("reputation")
    .description("every member's reputation now, or over the last epochs (rebuilt from chain events)")
    .option("--history", "per epoch, replayed from the Reputation contract's events")
    .option("--org <org>", "with --history: one org only")
    .option("--epochs <n>", "with --history: how many epochs back", integer)
    .option("--csv", "CSV instead of JSON")
    .option("--api <url>", "the node's HTTP API", DEFAULT_API)
    .action(async (options) => {
      const format = options.csv ? "csv" : undefined;
      const path = options.history ? `/reputation/history?${query({ org: options.org, epochs: options.epochs, format })}` : `/reputation?${query({ format })}`;
      print(await api(options.api, path));
    });

  program
    .command("equivocations")
    .description("evidence this node holds that a producer signed two batches with one sequence number (both signed headers), for governance")
    .option("--producer <org>", "one producer only")
    .option("--api <url>", "the node's HTTP API", DEFAULT_API)
    .action(async (options) => print(await api(options.api, `/equivocations?${query({ producer: options.producer })}`)));

  const stats = program.command("stats").description("statistics for researchers");
  stats
    .command("producers")
    .description("per producer: volume, confirmations, false-positive rate, median time to first sighting, reputation")
    .option("--csv", "CSV instead of JSON")
    .option("--api <url>", "the node's HTTP API", DEFAULT_API)
    .action(async (options) => print(await api(options.api, `/stats/producers?${query({ format: options.csv ? "csv" : undefined })}`)));
  stats
    .command("top")
    .description("the indicators confirmed by the most orgs")
    .option("-l, --limit <n>", "how many", integer)
    .option("--audience <audience>", "internal, clients, community or public", "internal")
    .option("--csv", "CSV instead of JSON")
    .option("--api <url>", "the node's HTTP API", DEFAULT_API)
    .action(async (options) =>
      print(await api(options.api, `/stats/top-confirmed?${query({ limit: options.limit, audience: options.audience, format: options.csv ? "csv" : undefined })}`)),
    );

  const proof = program.command("proof").description("audit proofs: that an org published an indicator before a time");
  proof
    .command("create")
    .description("prove, from the batches and the chain, that <producer> published <value> before its anchor's time")
    .argument("<value>", "the indicator's value")
    .requiredOption("-p, --producer <org>", "the org whose statement to prove")
    .option("-t, --type <type>", "the indicator's type")
    .option("-o, --out <file>", "write the proof to a file instead of printing it")
    .option("--api <url>", "the node's HTTP API", DEFAULT_API)
    .action(async (value: string, options) => {
      const result = await api(options.api, `/proofs?${query({ value, type: options.type, producer: options.producer })}`);
      if (options.out && process.exitCode !== 1) {
        await writeFile(options.out, JSON.stringify(result, null, 2) + "\n");
        process.stderr.write(`proof written to ${options.out}\n`);
      } else print(result);
    });
  proof
    .command("verify")
    .description("check a proof file against the chain; exit code 1 if it does not hold")
    .argument("<file>", "a proof written by `cti proof create`")
    .option("--api <url>", "the node's HTTP API", DEFAULT_API)
    .action(async (file: string, options) => {
      const verdict = (await api(options.api, "/proofs/verify", { method: "POST", body: JSON.stringify(await readJsonFile(file)) })) as { valid?: boolean };
      print(verdict);
      if (verdict.valid !== true) process.exitCode = 1;
    });

  const epoch = program.command("epoch").description("this epoch's reputation report and audit anchor (sent automatically near the epoch's end)");
  epoch
    .command("report")
    .description("send (or amend) this org's reputation report for the current epoch now")
    .option("--api <url>", "the node's HTTP API", DEFAULT_API)
    .action(async (options) => print(await api(options.api, "/reputation/report", { method: "POST" })));
  epoch
    .command("anchor")
    .description("anchor this org's batches not anchored yet now")
    .option("--api <url>", "the node's HTTP API", DEFAULT_API)
    .action(async (options) => print(await api(options.api, "/audit/anchor", { method: "POST" })));
}
