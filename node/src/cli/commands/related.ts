/** `cti related`: what an indicator, a value or a STIX object is linked to and why, and the clusters (correlate/). */
import { InvalidArgumentError, type Command } from "commander";
import { INDICATOR_TYPES, isIndicatorType } from "../../model/indicator.js";
import { api, DEFAULT_API, positive, print, query } from "../shared.js";

const STIX_ID = /^[a-z0-9-]+--[0-9a-f-]{36}$/;
const RECORD_ID = /^[0-9a-f]{64}$/;

export function registerRelatedCommands(program: Command): void {
  program
    .command("related")
    .description("what a value, an indicator record id or a STIX object id is linked to, each link with its reasons; or --clusters")
    .argument("[what]", "an observed value, a record id (64 hex) or a STIX id (type--uuid)")
    .option("-t, --type <type>", `the value's indicator type (${INDICATOR_TYPES.join(", ")})`)
    .option("--cluster", "every member reachable through links instead")
    .option("--clusters", "the largest clusters with their statistics instead")
    .option("-n, --limit <n>", "most clusters, or members of a cluster", positive)
    .option("--api <url>", "the node's HTTP API", DEFAULT_API)
    .action(async (what: string | undefined, options) => {
      if (options.clusters) return print(await api(options.api, `/correlation/clusters?${query({ limit: options.limit })}`));
      if (!what) throw new InvalidArgumentError("give a value, a record id or a STIX id, or --clusters");
      if (options.type !== undefined && !isIndicatorType(options.type)) throw new InvalidArgumentError(`--type must be one of ${INDICATOR_TYPES.join(", ")}`);
      const which = STIX_ID.test(what) ? { object: what } : RECORD_ID.test(what) && !options.type ? { id: what } : { value: what, type: options.type };
      if (options.cluster) {
        const member = "object" in which ? `o:${which.object}` : "id" in which ? `i:${which.id}` : undefined;
        if (member) return print(await api(options.api, `/correlation/cluster?${query({ member, limit: options.limit })}`));
        const found = (await api(options.api, `/related?${query(which)}`)) as { members: Array<{ member: string }> };
        return print({ clusters: await Promise.all(found.members.map(async (m) => api(options.api, `/correlation/cluster?${query({ member: m.member, limit: options.limit })}`))) });
      }
      print(await api(options.api, `/related?${query(which)}`));
    });
}
