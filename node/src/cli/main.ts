/**
 * cli/ is the operator's face: `cti init`, `cti start`, and commands that talk to a running
 * node's local HTTP API (publish, lookup, objects and their graph, status, groups, sightings,
 * feed, reputation, statistics, proofs) or to the ledger directly (members, governance). One
 * module per group of commands (cli/commands/). Errors are printed as one clear line and a
 * non-zero exit code, never as a stack trace.
 */
import { Command } from "commander";
import { ApiListenError } from "../api/server.js";
import { ConfigError } from "../config/config.js";
import { IdentityError } from "../identity/identity.js";
import { registerDraftCommands } from "./commands/drafts.js";
import { registerCategoriseCommands } from "./commands/categorise.js";
import { registerRelatedCommands } from "./commands/related.js";
import { registerForecastCommands } from "./commands/forecast.js";
import { registerFeedCommands } from "./commands/feeds.js";
import { registerGroupCommands } from "./commands/groups.js";
import { registerIndicatorCommands } from "./commands/indicators.js";
import { registerInteropCommands } from "./commands/interop.js";
import { registerLedgerCommands } from "./commands/ledger.js";
import { registerNodeCommands } from "./commands/node.js";
import { registerObjectCommands } from "./commands/objects.js";
import { registerTrustCommands } from "./commands/trust.js";
import { registerResponseCommands } from "./commands/response.js";
import { setJsonOutput } from "./shared.js";

const program = new Command()
  .name("cti")
  .description("Partner node of the CTI exchange: share signed threat intelligence with your consortium")
  .option("--json", "print JSON (the default when the output is not a terminal)")
  .showHelpAfterError()
  .hook("preAction", () => setJsonOutput(Boolean(program.opts().json)));

registerNodeCommands(program);
registerIndicatorCommands(program);
registerObjectCommands(program);
registerInteropCommands(program);
registerFeedCommands(program);
registerDraftCommands(program);
registerCategoriseCommands(program);
registerRelatedCommands(program);
registerForecastCommands(program);
registerResponseCommands(program);
registerTrustCommands(program);
registerGroupCommands(program);
registerLedgerCommands(program);

try {
  await program.parseAsync(process.argv);
} catch (err) {
  if (err instanceof ConfigError || err instanceof IdentityError || err instanceof ApiListenError) {
    process.stderr.write(`cti: ${err.message}\n`);
    process.exit(2);
  }
  throw err;
}
