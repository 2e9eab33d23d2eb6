/** Commands about drafts of reports read from prose (`cti import report`): list, show, decide, publish, discard. */
import { DRAFT_ID } from "../../model/draft.js";
import { InvalidArgumentError, type Command } from "commander";
import { TLP_LEVELS } from "../../model/indicator.js";
import { api, collect, DEFAULT_API, integer, print, query } from "../shared.js";

function draftId(value: string): string {
  if (!DRAFT_ID.test(value)) throw new InvalidArgumentError("a draft id (draft- and 16 hex digits), as `cti drafts list` shows");
  return value;
}

interface DraftJson {
  items: Array<{ key: string; kind: string; decision: string }>;
}

export function registerDraftCommands(program: Command): void {
  const drafts = program.command("drafts").description("drafts of reports read from prose (cti import report): review each item, then publish what you accept");

  drafts
    .command("list", { isDefault: true })
    .description("every draft, newest first, with its counts of items and of accepted items")
    .option("--api <url>", "the node's HTTP API", DEFAULT_API)
    .action(async (options) => print(await api(options.api, "/drafts")));

  drafts
    .command("show")
    .description("one draft: every observable, ATT&CK name and technique with its sentence and decision, and what was passed over and why")
    .argument("<id>", "the draft's id", draftId)
    .option("--api <url>", "the node's HTTP API", DEFAULT_API)
    .action(async (id: string, options) => print(await api(options.api, `/drafts/${id}`)));

  drafts
    .command("edit")
    .description("record decisions on a draft's items (by key, as `cti drafts show` lists them), or retitle it")
    .argument("<id>", "the draft's id", draftId)
    .option("-a, --accept <key>", "accept an item (repeatable)", collect, [])
    .option("-r, --reject <key>", "reject an item (repeatable)", collect, [])
    .option("--accept-all", "accept every item still pending")
    .option("--title <title>", "a new title")
    .option("--api <url>", "the node's HTTP API", DEFAULT_API)
    .action(async (id: string, options) => {
      const decisions: Record<string, string> = {};
      if (options.acceptAll) {
        const draft = (await api(options.api, `/drafts/${id}`)) as DraftJson;
        for (const item of draft.items) if (item.decision === "pending") decisions[item.key] = "accepted";
      }
      for (const key of options.accept as string[]) decisions[key] = "accepted";
      for (const key of options.reject as string[]) decisions[key] = "rejected";
      print(await api(options.api, `/drafts/${id}`, { method: "PATCH", body: JSON.stringify({ decisions, ...(options.title ? { title: options.title } : {}) }) }));
    });

  drafts
    .command("publish")
    .description("publish the accepted items as a STIX report of this org's (pending and rejected items stay out)")
    .argument("<id>", "the draft's id", draftId)
    .option("--tlp <tlp>", `TLP of the report and its objects (${TLP_LEVELS.join(", ")})`, "GREEN")
    .option("-g, --group <id>", "sharing group for AMBER and AMBER+STRICT", integer)
    .option("--api <url>", "the node's HTTP API", DEFAULT_API)
    .action(async (id: string, options) => print(await api(options.api, `/drafts/${id}/publish?${query({ tlp: options.tlp, group: options.group })}`, { method: "POST" })));

  drafts
    .command("discard")
    .description("forget a draft")
    .argument("<id>", "the draft's id", draftId)
    .option("--api <url>", "the node's HTTP API", DEFAULT_API)
    .action(async (id: string, options) => {
      await api(options.api, `/drafts/${id}`, { method: "DELETE" });
      process.stderr.write(`draft ${id} discarded\n`);
    });
}
