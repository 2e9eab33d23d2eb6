/** Commands about indicators through a running node: publish (indicators, or a STIX bundle), lookup, sight, feed, match, alerts. */
import { readFile } from "node:fs/promises";
import type { Command } from "commander";
import { ConfigError, readJsonFile } from "../../config/config.js";
import { EXPORT_AUDIENCES } from "../../privacy/audience.js";
import { CONTEXTUAL_TYPES, INDICATOR_TYPES, isIndicatorType, TLP_LEVELS } from "../../model/indicator.js";
import { api, apiWithProgress, collect, DEFAULT_API, integer, print, query, readInput, readJsonInput } from "../shared.js";
import type { StixImportReport } from "../../interop/importer.js";

export function registerIndicatorCommands(program: Command): void {
  program
    .command("publish")
    .description("publish indicators, or the objects of a STIX bundle (--stix), through a running node")
    .option("--api <url>", "the node's HTTP API", DEFAULT_API)
    .option("-t, --type <type>", `indicator type (${INDICATOR_TYPES.join(", ")})`)
    .option("-v, --value <value>", "indicator value (defanged values are accepted)")
    .option("--tlp <tlp>", `TLP level (${TLP_LEVELS.join(", ")})`, "GREEN")
    .option("-c, --confidence <0-100>", "confidence", integer)
    .option("--valid-until <time>", "ISO 8601 time after which the indicator is no longer valid")
    .option("--malware <family>", "malware family (repeatable)", collect)
    .option("--attack <technique>", "MITRE ATT&CK technique id (repeatable)", collect)
    .option("--tag <tag>", "free tag (repeatable)", collect)
    .option("--description <text>", "analyst text (personal data is scrubbed before it leaves)")
    .option("-g, --group <id>", "sharing group id (required for AMBER and AMBER+STRICT unless a default group is configured)", integer)
    .option("--blind", "share a keyed hash of the value instead of the value (needs a group)")
    .option("-f, --file <json>", "a JSON file (- for standard input): a list of indicators, or {\"indicators\": [...]}")
    .option("--stix <file>", "publish every object of a STIX 2.1 bundle (a .json or .json.gz file, - for standard input): reports, actors, malware, relationships, ...")
    .option("--no-atoms", "with --stix: do not also publish the values of indicator patterns and observables as indicators")
    .option("--anonymous", "as \"an anonymous member\" (a ring signature): provably a member, not which one; TLP:CLEAR or GREEN only, scored low")
    .action(async (options) => {
      if (options.stix) {
        const bundle = await readJsonInput(options.stix, "a STIX 2.1 bundle");
        const path = `/objects?${query({ tlp: options.tlp, group: options.group, atoms: options.atoms === false ? "false" : undefined })}`;
        const report = await apiWithProgress<StixImportReport>(options.api, path, "publish STIX objects", { method: "POST", body: JSON.stringify(bundle) });
        if (!report) return;
        print(report);
        process.stderr.write(`published ${report.objects} objects and ${report.indicators.published} indicators; refused ${report.refused.length}, left out ${report.skipped.length}\n`);
        if (report.objects === 0 && report.refused.length > 0) process.exitCode = 1;
        return;
      }
      let indicators: unknown[];
      if (options.file) {
        let content: unknown;
        try {
          content = options.file === "-" ? JSON.parse(await readInput("-")) : await readJsonFile(options.file);
        } catch (err) {
          if (err instanceof ConfigError) throw err;
          throw new ConfigError(`standard input is not JSON: ${(err as Error).message}`);
        }
        indicators = Array.isArray(content) ? content : ((content as { indicators?: unknown[] }).indicators ?? []);
      } else {
        if (!options.type || !options.value) throw new ConfigError("give --type and --value, or --file");
        indicators = [
          {
            type: options.type,
            value: options.value,
            tlp: options.tlp,
            confidence: options.confidence,
            validUntil: options.validUntil,
            labels: { malwareFamilies: options.malware, attackTechniques: options.attack, tags: options.tag },
            description: options.description,
            group: options.group,
            blind: options.blind,
          },
        ];
      }
      print(await api(options.api, "/indicators", { method: "POST", body: JSON.stringify({ indicators, ...(options.anonymous ? { anonymous: true } : {}) }) }));
    });

  program
    .command("lookup")
    .description("look a value up in a running node's cache")
    .argument("<value>", "the value (IP, domain, URL, e-mail, hash, CIDR)")
    .option("--api <url>", "the node's HTTP API", DEFAULT_API)
    .option("-t, --type <type>", "only this indicator type")
    .option("--audience <audience>", `show what this audience may see (${EXPORT_AUDIENCES.join(", ")})`, "internal")
    .action(async (value: string, options) => {
      const query = new URLSearchParams({ value, audience: options.audience, ...(options.type ? { type: options.type } : {}) });
      print(await api(options.api, `/indicators/lookup?${query}`));
    });

  program
    .command("sight")
    .description("report that your detectors saw a value (or found it a false positive, or expired)")
    .argument("<value>", "the value seen (normalized like a lookup; blinded indicators match too)")
    .option("-t, --type <type>", "only this indicator type")
    .option("-k, --kind <kind>", `sighting, false-positive or expired`, "sighting")
    .option("-n, --count <n>", "how many times it was seen", integer)
    .option("--observed-at <time>", "ISO 8601 time it was seen (default now)")
    .option("--anonymous", "as \"an anonymous member\": provably one of the consortium's members, not which one, once per indicator and epoch")
    .option("--api <url>", "the node's HTTP API", DEFAULT_API)
    .action(async (value: string, options) =>
      print(
        await api(options.api, "/sightings", {
          method: "POST",
          body: JSON.stringify({ value, type: options.type, kind: options.kind, count: options.count, observedAt: options.observedAt, ...(options.anonymous ? { anonymous: true } : {}) }),
        }),
      ),
    );

  program
    .command("list")
    .description("indicators this node holds, with their scores, filtered by type, TLP, producer, tag or score")
    .option("-t, --type <type>", "only this indicator type")
    .option("--tlp <tlp>", "only this TLP level")
    .option("--producer <org>", "only those this org vouched for")
    .option("--tag <tag>", 'only those with this tag, e.g. PAP:RED or admiralty-scale:source-reliability="a"; a trailing * matches any tag it begins')
    .option("--min-score <n>", "only those scoring at least this (0-100)")
    .option("--newest", "newest first")
    .option("-l, --limit <n>", "how many records to read", integer, 100)
    .option("--audience <audience>", `what this audience may see (${EXPORT_AUDIENCES.join(", ")})`, "internal")
    .option("--api <url>", "the node's HTTP API", DEFAULT_API)
    .action(async (options) =>
      print(
        await api(
          options.api,
          `/indicators?${query({ audience: options.audience, type: options.type, tlp: options.tlp, producer: options.producer, tag: options.tag, minScore: options.minScore, order: options.newest ? "newest" : undefined, limit: options.limit })}`,
        ),
      ),
    );

  program
    .command("feed")
    .description("what your detectors may use: unexpired, unquarantined indicators with their scores")
    .option("--audience <audience>", `internal, clients, community or public`, "internal")
    .option("--use <use>", "detect (default: watching your own logs), query (cross-checks with outside services) or block (blocklists, firewalls): PAP decides which statements each may act on")
    .option("--since <time>", "only what changed since (ISO 8601 or Unix ms)")
    .option("--csv", "CSV instead of JSON")
    .option("--order <order>", "time (default), or forecast: what is likeliest to reach your org first (early warning)")
    .option("--api <url>", "the node's HTTP API", DEFAULT_API)
    .action(async (options) => print(await api(options.api, `/feed?${query({ audience: options.audience, use: options.use, since: options.since, order: options.order, format: options.csv ? "csv" : undefined })}`)));

  program
    .command("match")
    .description("match values (arguments, or a file of one per line) against every indicator: which matched and why")
    .argument("[values...]", "values seen: addresses, domains, URLs, e-mail addresses, hashes, fingerprints, AS numbers, CVEs, registry keys")
    .option("-f, --file <path>", "a file of values, one per line")
    .option("-t, --type <type>", `match every value as this type only (needed for ${[...CONTEXTUAL_TYPES].join(", ")}, which have no shape of their own)`)
    .option("--include-quarantined", "also report matches of quarantined or expired indicators")
    .option("--api <url>", "the node's HTTP API", DEFAULT_API)
    .action(async (values: string[], options) => {
      const fromFile = options.file ? (await readFile(options.file, "utf8")).split("\n").map((l) => l.trim()).filter((l) => l !== "") : [];
      const all = [...values, ...fromFile];
      if (all.length === 0) throw new ConfigError("give values to match, or --file");
      if (options.type !== undefined && !isIndicatorType(options.type)) throw new ConfigError(`--type must be one of ${INDICATOR_TYPES.join(", ")}`);
      const typed = options.type ? all.map((value) => ({ value, type: options.type })) : all;
      print(await api(options.api, "/match", { method: "POST", body: JSON.stringify({ values: typed, includeQuarantined: Boolean(options.includeQuarantined) }) }));
    });

  program
    .command("alerts")
    .description("matches the node's log matcher found in your detectors' logs")
    .option("--since <time>", "only alerts since (ISO 8601 or Unix ms)")
    .option("--api <url>", "the node's HTTP API", DEFAULT_API)
    .action(async (options) => print(await api(options.api, `/alerts?${query({ since: options.since })}`)));
}
