/** Sharing groups through a running node: list, create, add and remove members. */
import type { Command } from "commander";
import { api, collect, DEFAULT_API, integer, print } from "../shared.js";

export function registerGroupCommands(program: Command): void {
  const groups = program.command("groups").description("sharing groups: the audiences of TLP:AMBER and AMBER+STRICT");

  groups
    .command("list")
    .description("every sharing group on chain, with its owner and members")
    .option("--api <url>", "the node's HTTP API", DEFAULT_API)
    .action(async (options) => print(await api(options.api, "/groups")));

  groups
    .command("create")
    .description("create a group owned by your org (a transaction from your node's wallet)")
    .argument("<name>", "group name, 1-64 bytes")
    .option("-m, --member <org>", "org to add besides yours (repeatable)", collect)
    .option("--api <url>", "the node's HTTP API", DEFAULT_API)
    .action(async (name: string, options) =>
      print(await api(options.api, "/groups", { method: "POST", body: JSON.stringify({ name, members: options.member ?? [] }) })),
    );

  for (const [change, description] of [
    ["add", "add an active member org to a group your org owns"],
    ["remove", "remove an org from a group your org owns; it cannot read batches sealed after this"],
  ] as const) {
    groups
      .command(change)
      .description(description)
      .argument("<group>", "group id", integer)
      .argument("<org>", "org id")
      .option("--api <url>", "the node's HTTP API", DEFAULT_API)
      .action(async (group: number, org: string, options) =>
        print(
          change === "add"
            ? await api(options.api, `/groups/${group}/members`, { method: "POST", body: JSON.stringify({ org }) })
            : await api(options.api, `/groups/${group}/members/${encodeURIComponent(org)}`, { method: "DELETE" }),
        ),
      );
  }
}
