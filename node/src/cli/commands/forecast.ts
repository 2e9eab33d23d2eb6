/** `cti forecast`: this org's early-warning watch list, volume forecasts, and their backtests (forecast/). */
import { InvalidArgumentError, type Command } from "commander";
import { VOLUME_CATEGORIES } from "../../forecast/volume.js";
import { api, DEFAULT_API, positive, print, query } from "../shared.js";

export function registerForecastCommands(program: Command): void {
  const forecast = program.command("forecast").description("early warning and volume forecasts from the consortium's sightings, and how well they did");

  forecast
    .command("watch", { isDefault: true })
    .description("what partners sighted that is likeliest to reach this org within 24 hours (and 7 days), with the reasons")
    .option("-n, --limit <n>", "most items", positive, 20)
    .option("--kind <kind>", "only indicator, malware, technique or actor")
    .option("--api <url>", "the node's HTTP API", DEFAULT_API)
    .action(async (options) => {
      if (options.kind && !["indicator", "malware", "technique", "actor"].includes(options.kind)) throw new InvalidArgumentError("--kind is indicator, malware, technique or actor");
      print(await api(options.api, `/forecast/watch?${query({ limit: options.limit, kind: options.kind })}`));
    });

  forecast
    .command("volume")
    .description("sightings a day per category: the last weeks and the next days, with an 80% interval")
    .option("--by <category>", `${VOLUME_CATEGORIES.join(", ")}`, "malware")
    .option("-d, --days <n>", "days ahead", positive, 14)
    .option("--api <url>", "the node's HTTP API", DEFAULT_API)
    .action(async (options) => {
      if (!(VOLUME_CATEGORIES as readonly string[]).includes(options.by)) throw new InvalidArgumentError(`--by is one of ${VOLUME_CATEGORIES.join(", ")}`);
      print(await api(options.api, `/forecast/volume?${query({ by: options.by, days: options.days })}`));
    });

  forecast
    .command("backtest")
    .description("a rolling-origin evaluation on this node's history: AUC, Brier and reliability for early warning, MAE, MASE and coverage for volume, beside their baselines")
    .option("--api <url>", "the node's HTTP API", DEFAULT_API)
    .action(async (options) => print(await api(options.api, "/forecast/backtest")));
}
