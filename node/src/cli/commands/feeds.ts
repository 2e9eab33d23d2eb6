/** Commands about the external feeds a running node ingests: list them, show one's last runs, run one now. */
import { FEED_NAME } from "../../feeds/feed-kinds.js";
import { InvalidArgumentError, type Command } from "commander";
import { api, apiWithProgress, DEFAULT_API, print } from "../shared.js";

function feedName(value: string): string {
  if (!FEED_NAME.test(value)) throw new InvalidArgumentError("a feed's name, as in the node's configuration");
  return value;
}

export function registerFeedCommands(program: Command): void {
  const feeds = program.command("feeds").description("external feeds the node ingests on a schedule (MISP feeds, text lists, CSV); configured under `feeds` in the node's config");

  feeds
    .command("list", { isDefault: true })
    .description("every feed: where it is read from, how often, when next, and its last run's outcome")
    .option("--api <url>", "the node's HTTP API", DEFAULT_API)
    .action(async (options) => print(await api(options.api, "/feeds")));

  feeds
    .command("show")
    .description("one feed with the reports of its last runs, newest first")
    .argument("<name>", "the feed's name", feedName)
    .option("--api <url>", "the node's HTTP API", DEFAULT_API)
    .action(async (name: string, options) => print(await api(options.api, `/feeds/${name}`)));

  feeds
    .command("run")
    .description("run a feed now: read what changed since its last run, publish it, print the run's report (exit status 1 if the run failed)")
    .argument("<name>", "the feed's name", feedName)
    .option("--api <url>", "the node's HTTP API", DEFAULT_API)
    .action(async (name: string, options) => {
      const report = await apiWithProgress<{ outcome: string; error?: string }>(options.api, `/feeds/${name}/run`, `feed ${name}`, { method: "POST" });
      if (report === undefined) return;
      print(report);
      if (report.outcome === "failed") process.exitCode = 1;
    });
}
