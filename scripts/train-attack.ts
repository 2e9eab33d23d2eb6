/**
 * Trains the ATT&CK categoriser (node/src/categorise/) and writes its weights to
 * data/attack/attack-categoriser.json.gz: `npm run train:attack -- [reference-data-folder]`.
 *
 * First the evaluation: TRAM reports and ATT&CK groups/software held out by document, the
 * categoriser and its baselines (majority class, ATT&CK names, TF-IDF logistic regression) trained
 * on the rest in this run and scored on the held-out sets; the table is printed and kept in the
 * model file's provenance. Then the shipped model is trained on everything. A few minutes on one
 * core; Ctrl-C stops it between epochs without writing anything.
 */
import { copyFile, mkdir, rename, stat, writeFile } from "node:fs/promises";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { gzipSync } from "node:zlib";
import { evaluateCategoriser, formatEvaluation } from "../node/src/categorise/categoriser-evaluation.js";
import { DEFAULT_TRAINING, trainCategoriser } from "../node/src/categorise/categoriser-training.js";
import { CATEGORISER_SETTINGS } from "../node/src/categorise/categoriser-settings.js";
import { loadTrainingCorpus } from "../node/src/categorise/training-corpus.js";

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "..");
const source = resolve(process.argv[2] ?? join(ROOT, "..", "shared", "data"));
if (!(await stat(join(source, "tram")).catch(() => undefined))?.isDirectory()) {
  console.error(`train:attack: ${source} has no tram/ folder; give the reference data: npm run train:attack -- <folder>`);
  process.exit(2);
}
const abort = new AbortController();
process.on("SIGINT", () => {
  console.error("\ntrain:attack: stopping after this epoch; nothing is written");
  abort.abort();
});
const started = Date.now();
const elapsed = () => `${((Date.now() - started) / 1000).toFixed(0).padStart(4)} s`;
const corpus = await loadTrainingCorpus(source);
console.log(`${elapsed()}  read ${corpus.tram.length} TRAM sentences, ${corpus.tramBootstrap.length} TRAM bootstrap mappings, ${corpus.procedures.length} ATT&CK procedure examples, ${corpus.descriptions.length} description sentences, ${corpus.techniques.length} techniques`);
const training = { ...DEFAULT_TRAINING, signal: abort.signal, onEpoch: (epoch: number, loss: number) => process.stdout.write(`  epoch ${epoch}/${DEFAULT_TRAINING.epochs} loss ${loss.toFixed(3)}\r`) };
const report = evaluateCategoriser(corpus, { ...CATEGORISER_SETTINGS.evaluation, training, tramWeight: CATEGORISER_SETTINGS.tramWeight, draftThreshold: CATEGORISER_SETTINGS.draftThreshold, onStage: (stage) => console.log(`${elapsed()}  ${stage}`.padEnd(80)) });
console.log(`\n${formatEvaluation(report)}\n`);

console.log(`${elapsed()}  training the shipped model on every sentence`);
const all = [...corpus.tram, ...corpus.tramBootstrap, ...corpus.procedures, ...corpus.descriptions];
const model = trainCategoriser(all, {
  ...training,
  weightOf: (e) => (e.document.startsWith("tram") ? CATEGORISER_SETTINGS.tramWeight : 1),
  provenance: {
    trainedOn: { tram: corpus.tram.length, tramBootstrap: corpus.tramBootstrap.length, attackProcedures: corpus.procedures.length, attackDescriptions: corpus.descriptions.length },
    options: { ...DEFAULT_TRAINING, tramWeight: CATEGORISER_SETTINGS.tramWeight },
    evaluation: report,
  },
});
const path = join(ROOT, "data", "attack", "attack-categoriser.json.gz");
await mkdir(dirname(path), { recursive: true });
const bytes = gzipSync(JSON.stringify(model.toFile(new Date().toISOString())), { level: 9 });
await writeFile(`${path}.tmp`, bytes);
await rename(`${path}.tmp`, path);
// The weights derive from TRAM's data: its licence travels with them.
await copyFile(join(source, "tram", "LICENSE.txt"), join(ROOT, "data", "attack", "TRAM-LICENSE.txt"));
console.log(`${elapsed()}  ${model.classes.length} techniques, ${model.vocabulary.size} features, ${model.weightCount} weights -> ${path} (${(bytes.length / 1e6).toFixed(2)} MB)`);
