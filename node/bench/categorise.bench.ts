/**
 * ATT&CK categorisation throughput: every sentence of the 151 TRAM reports through the shipped
 * model (data/attack/attack-categoriser.json.gz), beside, in the same run, the cost of reading the
 * same sentences into features alone (what the model adds on top), and the model's load time.
 *
 *   npm run bench      (CATEGORISE_RUNS=5)
 */
import { readdirSync, readFileSync } from "node:fs";
import { resolve } from "node:path";
import { rate } from "./lib/rate.js";
import { featuresOf } from "../src/categorise/sentence-features.js";
import { loadCategoriser } from "../src/config/reference-data.js";
import { sentencesOf } from "../src/extract/observable-extractor.js";

const RUNS = Number(process.env.CATEGORISE_RUNS ?? 5);
const dir = resolve(process.env.CTI_SHARED_DATA ?? "../shared/data", "tram/reports");
const sentences: string[] = [];
for (const name of readdirSync(dir).filter((n) => n.endsWith(".mjson"))) {
  try {
    sentences.push(...sentencesOf((JSON.parse(readFileSync(resolve(dir, name), "utf8")) as { signal: string }).signal));
  } catch {
    // dsstore.mjson: not a report.
  }
}
const loadStart = performance.now();
const model = loadCategoriser();
const loadMs = performance.now() - loadStart;


let sink = 0;
const categorised = rate(sentences.length, RUNS, () => {
  for (const s of sentences) sink += model.classify(s, { limit: 3 }).length;
});
const featuresOnly = rate(sentences.length, RUNS, () => {
  for (const s of sentences) sink += featuresOf(s).length;
});
const fmt = (n: number) => Math.round(n).toLocaleString("en");
console.log(`categorisation: ${sentences.length} sentences of 151 TRAM reports, ${model.classes.length} techniques, ${model.weightCount} weights; model loaded in ${loadMs.toFixed(0)} ms; one core (${process.version}), ${RUNS} runs after one of warm-up`);
console.log("| categorised, median sentences/s | slowest | features alone, sentences/s | of it |");
console.log("| ---: | ---: | ---: | ---: |");
console.log(`| ${fmt(categorised.median)} | ${fmt(categorised.min)} | ${fmt(featuresOnly.median)} | ${Math.round((categorised.median / featuresOnly.median) * 100)}% |${sink > 0 ? "" : " (nothing?)"}`);
