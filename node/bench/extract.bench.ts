/**
 * Extraction of observables from prose (issue 17's goal: at least 5 MB/s of text): the 151 TRAM
 * reports (3 MB of threat-report text) through extractObservables with the bundled warning lists,
 * beside, in the same run, ioc-extractor alone over each whole report (no sentences, no refanging
 * of our own, no false-positive checks): what the finding itself costs.
 *
 *   npm run bench      (EXTRACT_RUNS=5)
 */
import { readdirSync, readFileSync } from "node:fs";
import { resolve } from "node:path";
import { rate } from "./lib/rate.js";
import { extractIOC } from "ioc-extractor";
import { warningListsFor } from "../src/config/reference-data.js";
import { extractObservables } from "../src/extract/observable-extractor.js";

const RUNS = Number(process.env.EXTRACT_RUNS ?? 5);
const dir = resolve(process.env.CTI_SHARED_DATA ?? "../shared/data", "tram/reports");
const texts: string[] = [];
for (const name of readdirSync(dir).filter((n) => n.endsWith(".mjson"))) {
  try {
    texts.push((JSON.parse(readFileSync(resolve(dir, name), "utf8")) as { signal: string }).signal);
  } catch {
    // dsstore.mjson: not a report.
  }
}
const bytes = texts.reduce((n, t) => n + Buffer.byteLength(t), 0);
const warningLists = warningListsFor({ bundled: true, disabled: [], actions: {}, files: [] });


let found = 0;
const ours = rate(bytes / 1e6, RUNS, () => {
  for (const text of texts) found += extractObservables(text, { warningLists }).observables.length;
});
const library = rate(bytes / 1e6, RUNS, () => {
  for (const text of texts) found += extractIOC(text, { refang: true, sort: false, strict: true }).domains.length;
});
const fmt = (n: number) => n.toFixed(2);
console.log(`extraction: ${texts.length} TRAM reports, ${fmt(bytes / 1e6)} MB of text, one core (${process.version}), ${RUNS} runs after one of warm-up`);
console.log("| ours, median MB/s | slowest MB/s | ioc-extractor alone, whole reports | of it | goal |");
console.log("| ---: | ---: | ---: | ---: | ---: |");
console.log(`| ${fmt(ours.median)} | ${fmt(ours.min)} | ${fmt(library.median)} | ${Math.round((ours.median / library.median) * 100)}% | 5.00 |${found > 0 ? "" : " (nothing found?)"}`);
