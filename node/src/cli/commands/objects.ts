/** Commands about STIX objects through a running node: list and search, show one, its graph, revoke one of yours. */
import { InvalidArgumentError, type Command } from "commander";
import { isStixId } from "../../model/stix-object.js";
import { EXPORT_AUDIENCES } from "../../privacy/audience.js";
import { api, DEFAULT_API, integer, print, query } from "../shared.js";

function stixId(value: string): string {
  if (!isStixId(value)) throw new InvalidArgumentError("a STIX id: <type>--<uuid>");
  return value;
}

function depth(value: string): number {
  const n = integer(value);
  if (n < 1 || n > 3) throw new InvalidArgumentError("1, 2 or 3");
  return n;
}

export function registerObjectCommands(program: Command): void {
  program
    .command("objects")
    .description("STIX objects this node holds (reports, actors, malware, techniques, ...): list, filter by type, search by name")
    .option("--type <type>", "one STIX type, e.g. report, threat-actor, malware, attack-pattern")
    .option("-s, --search <text>", "only those whose name holds this text")
    .option("--tag <tag>", 'only those with this tag, e.g. PAP:RED or misp-galaxy:threat-actor="APT 29"; a trailing * matches any tag it begins')
    .option("--revoked", "include revoked objects")
    .option("-l, --limit <n>", "how many", integer, 100)
    .option("--after <id>", "the page after this id (the `next` of the last page)", stixId)
    .option("--audience <audience>", `what this audience may see (${EXPORT_AUDIENCES.join(", ")})`, "internal")
    .option("--api <url>", "the node's HTTP API", DEFAULT_API)
    .action(async (options) =>
      print(await api(options.api, `/objects?${query({ audience: options.audience, type: options.type, q: options.search, tag: options.tag, after: options.after, limit: options.limit, revoked: options.revoked ? "true" : undefined })}`)),
    );

  program
    .command("show")
    .description("one STIX object: the version this audience may see, its versions, and who else stated it")
    .argument("<id>", "its STIX id", stixId)
    .option("--audience <audience>", `what this audience may see (${EXPORT_AUDIENCES.join(", ")})`, "internal")
    .option("--api <url>", "the node's HTTP API", DEFAULT_API)
    .action(async (id: string, options) => print(await api(options.api, `/objects/${encodeURIComponent(id)}?${query({ audience: options.audience })}`)));

  program
    .command("graph")
    .description("the objects around a STIX object, over relationships and references, up to 3 hops")
    .argument("<id>", "its STIX id", stixId)
    .option("--depth <n>", "hops, 1 to 3", depth, 1)
    .option("-l, --limit <n>", "most objects in this page", integer, 500)
    .option("--next <cursor>", "the page after the last one (its `next`)")
    .option("--audience <audience>", `what this audience may see (${EXPORT_AUDIENCES.join(", ")})`, "internal")
    .option("--api <url>", "the node's HTTP API", DEFAULT_API)
    .action(async (id: string, options) =>
      print(await api(options.api, `/objects/${encodeURIComponent(id)}/graph?${query({ audience: options.audience, depth: options.depth, limit: options.limit, next: options.next })}`)),
    );

  program
    .command("revoke")
    .description("revoke a STIX object your org owns: every node drops it from feeds, exports and TAXII, and your indicators made of its pattern are withdrawn")
    .argument("<id>", "its STIX id", stixId)
    .option("--api <url>", "the node's HTTP API", DEFAULT_API)
    .action(async (id: string, options) => print(await api(options.api, `/objects/${encodeURIComponent(id)}/revoke`, { method: "POST" })));
}
