/** `cti categorise`: the ATT&CK techniques a text (a file, stdin, or a published object's prose) describes, sentence by sentence. */
import { InvalidArgumentError, type Command } from "commander";
import { api, DEFAULT_API, print, readInput } from "../shared.js";

function probability(value: string): number {
  const p = Number(value);
  if (!Number.isFinite(p) || p < 0 || p > 1) throw new InvalidArgumentError("a probability between 0 and 1");
  return p;
}

function limit(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1 || n > 10) throw new InvalidArgumentError("a whole number from 1 to 10");
  return n;
}

export function registerCategoriseCommands(program: Command): void {
  program
    .command("categorise")
    .description("the ATT&CK techniques each sentence of a text describes, by the node's categoriser (a file, - for stdin, or --object ID)")
    .argument("[file]", "a text file, or - for standard input")
    .option("--object <id>", "a published STIX object's prose instead (name, description, ...)")
    .option("-n, --limit <n>", "techniques per sentence, best first", limit, 3)
    .option("-p, --min-probability <p>", "leave out guesses below this probability", probability, 0.2)
    .option("--model", "show what the model was trained on and how it scored, instead")
    .option("--api <url>", "the node's HTTP API", DEFAULT_API)
    .action(async (file: string | undefined, options) => {
      if (options.model) return print(await api(options.api, "/categorise/model"));
      if (!file && !options.object) throw new InvalidArgumentError("give a file, - for standard input, or --object <id>");
      const body = options.object ? { objectId: options.object } : { text: await readInput(file!) };
      print(await api(options.api, "/categorise", { method: "POST", body: JSON.stringify({ ...body, limit: options.limit, minProbability: options.minProbability }) }));
    });
}
