import { trainCategoriser, majorityBaseline, nameMatchBaseline, withoutTestSentences, type CategoriserTrainingOptions } from "./categoriser-training.js";
import { score, splitByDocument, type Labelled, type Scores } from "./evaluation.js";
import type { TechniqueModel } from "./technique-model.js";
import type { TrainingCorpus } from "./training-corpus.js";

/**
 * The categoriser's evaluation, with its baselines trained and scored in the same run on the same
 * split. Two held-out sets, drawn by document: TRAM reports (scored on TRAM's 50 classes) and
 * ATT&CK groups, software and campaigns whose procedure examples are all held out (scored on every
 * technique). Every model is trained once on what is left, minus any sentence that is also a test
 * sentence. Pure: the corpus comes in, the table comes out.
 */

export interface EvaluationOptions {
  /** Share of TRAM reports, and of ATT&CK groups and software, held out. */
  testShare: number;
  seed: number;
  training: CategoriserTrainingOptions;
  /** How much a TRAM sentence counts against an ATT&CK one in the categoriser's training (report prose is what it will read). */
  tramWeight: number;
  /** Probability from which a draft proposes a technique: scored too. */
  draftThreshold: number;
  /** Also train the ablation (the categoriser's learner on plain words, TRAM unweighted): the script does, the test need not. */
  ablation?: boolean;
  onStage?: (stage: string) => void;
}

export interface EvaluationRow {
  model: string;
  tramClasses?: Scores;
  allTechniques?: Scores;
}

export interface EvaluationReport {
  split: {
    tramTrainReports: number;
    tramTestReports: number;
    tramTestSentences: number;
    attackTrainSources: number;
    attackTestSources: number;
    attackTestSentences: number;
    trainingSentences: number;
    droppedAsTestDuplicates: number;
  };
  rows: EvaluationRow[];
  /** The categoriser when it proposes only techniques at or above the draft threshold. */
  atDraftThreshold: { threshold: number; tramClasses: Scores; allTechniques: Scores };
}

export function evaluateCategoriser(corpus: TrainingCorpus, options: EvaluationOptions): EvaluationReport {
  const tramSplit = splitByDocument(corpus.tram, options.testShare, options.seed);
  const attackSplit = splitByDocument(corpus.procedures, options.testShare, options.seed + 1);
  const tramClasses = new Set(corpus.tramClasses);
  const tramTest = tramSplit.test;
  const attackTest = attackSplit.test;
  const everyTest = [...tramTest, ...attackTest];
  const candidates = [...tramSplit.train, ...corpus.tramBootstrap, ...attackSplit.train, ...corpus.descriptions];
  const train = withoutTestSentences(candidates, everyTest);
  const tramOnly = withoutTestSentences([...tramSplit.train, ...corpus.tramBootstrap], everyTest);

  const evaluate = (predict: (text: string) => string | undefined, on: readonly Labelled[], classes?: ReadonlySet<string>) =>
    score(
      on.map((t) => t.label),
      on.map((t) => predict(t.text)),
      classes,
    );
  const both = (model: string, predict: (text: string) => string | undefined): EvaluationRow => ({
    model,
    tramClasses: evaluate(predict, tramTest, tramClasses),
    allTechniques: evaluate(predict, attackTest),
  });
  const top = (m: TechniqueModel, among?: ReadonlySet<string>) => (text: string) => m.classify(text, among ? { among } : {})[0]?.attackId;

  const rows: EvaluationRow[] = [];
  options.onStage?.("baselines: majority class, ATT&CK names");
  rows.push(both("baseline: majority class", majorityBaseline(train)));
  rows.push(both("baseline: ATT&CK technique names", nameMatchBaseline(corpus.techniques)));
  options.onStage?.("baseline: TF-IDF logistic regression on TRAM");
  const tram = trainCategoriser(tramOnly, { ...options.training, style: "plain" });
  rows.push(both("baseline: TF-IDF logistic regression on TRAM (TRAM's approach)", top(tram)));
  if (options.ablation !== false) {
    options.onStage?.("ablation: the categoriser's learner on plain words, TRAM unweighted");
    const plain = trainCategoriser(train, { ...options.training, style: "plain" });
    rows.push(both("ablation: plain words, TRAM and ATT&CK unweighted", top(plain)));
  }
  options.onStage?.("categoriser");
  const ours = trainCategoriser(train, { ...options.training, weightOf: (e) => (e.document.startsWith("tram") ? options.tramWeight : 1) });
  rows.push(both("categoriser", top(ours)));
  rows.push({ model: "categoriser, choosing among TRAM's 50", tramClasses: evaluate(top(ours, tramClasses), tramTest, tramClasses) });
  const sure = (text: string) => ours.classify(text, { minProbability: options.draftThreshold })[0]?.attackId;
  return {
    split: {
      tramTrainReports: new Set(tramSplit.train.map((t) => t.document)).size,
      tramTestReports: tramSplit.testDocuments.size,
      tramTestSentences: tramTest.length,
      attackTrainSources: new Set(attackSplit.train.map((t) => t.document)).size,
      attackTestSources: attackSplit.testDocuments.size,
      attackTestSentences: attackTest.length,
      trainingSentences: train.length,
      droppedAsTestDuplicates: candidates.length - train.length,
    },
    rows,
    atDraftThreshold: { threshold: options.draftThreshold, tramClasses: evaluate(sure, tramTest, tramClasses), allTechniques: evaluate(sure, attackTest) },
  };
}

/** The evaluation as a table of text, figures to three places. */
export function formatEvaluation(report: EvaluationReport): string {
  const f = (x: number | undefined) => (x === undefined ? "    -" : x.toFixed(3));
  const lines = [
    `split by document: TRAM ${report.split.tramTestReports} reports held out (${report.split.tramTestSentences} sentences), ${report.split.tramTrainReports} for training;`,
    `ATT&CK ${report.split.attackTestSources} groups/software/campaigns held out (${report.split.attackTestSentences} procedure examples), ${report.split.attackTrainSources} for training;`,
    `${report.split.trainingSentences} training sentences (${report.split.droppedAsTestDuplicates} dropped as duplicates of test sentences)`,
    "",
    `${"model".padEnd(64)} | TRAM classes: P     R     micro  macro | all techniques: P     R     micro  macro`,
  ];
  for (const row of report.rows) {
    const t = row.tramClasses;
    const a = row.allTechniques;
    lines.push(`${row.model.padEnd(64)} |               ${f(t?.precision)} ${f(t?.recall)} ${f(t?.microF1)}  ${f(t?.macroF1)} |                 ${f(a?.precision)} ${f(a?.recall)} ${f(a?.microF1)}  ${f(a?.macroF1)}`);
  }
  const d = report.atDraftThreshold;
  lines.push(
    `${`categoriser at the draft threshold (p >= ${d.threshold})`.padEnd(64)} |               ${f(d.tramClasses.precision)} ${f(d.tramClasses.recall)} ${f(d.tramClasses.microF1)}  ${f(d.tramClasses.macroF1)} |                 ${f(d.allTechniques.precision)} ${f(d.allTechniques.recall)} ${f(d.allTechniques.microF1)}  ${f(d.allTechniques.macroF1)}`,
  );
  return lines.join("\n");
}
