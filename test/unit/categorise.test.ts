import { expect } from "chai";
import { statSync } from "node:fs";
import { evaluateCategoriser, formatEvaluation, type EvaluationReport } from "../../node/src/categorise/categoriser-evaluation.js";
import { CATEGORISER_SETTINGS } from "../../node/src/categorise/categoriser-settings.js";
import { DEFAULT_TRAINING, trainCategoriser, withoutTestSentences } from "../../node/src/categorise/categoriser-training.js";
import { score, splitByDocument, type Labelled } from "../../node/src/categorise/evaluation.js";
import { featuresOf } from "../../node/src/categorise/sentence-features.js";
import { TechniqueModel, TechniqueModelError } from "../../node/src/categorise/technique-model.js";
import { loadTrainingCorpus, TrainingCorpusError, type TrainingCorpus } from "../../node/src/categorise/training-corpus.js";
import { ATTACK_CATEGORISER_FILE, bundledAttackNames, loadCategoriser } from "../../node/src/config/reference-data.js";
import { buildDraft } from "../../node/src/extract/draft-builder.js";
import { near } from "../helpers/near.js";
import { SHARED_DATA } from "../helpers/shared-data.js";

/**
 * The ATT&CK categoriser: its metrics and split, the shipped model, its use in drafts, and its
 * evaluation on TRAM and ATT&CK held out by document, which must beat the baselines trained in
 * the same run.
 */
describe("ATT&CK categoriser", function () {
  describe("scoring and splitting", function () {
    it("scores micro and macro F1 with abstentions, over the classes asked", function () {
      const gold = ["A", "A", "B", "C", "X"];
      const predicted = ["A", "B", "B", undefined, "A"];
      const all = score(gold, predicted);
      // tp 2 (A, B), fp 2 (B for A, A for X), fn 3 (A, C, X).
      expect(all.precision).to.equal(0.5);
      expect(all.recall).to.equal(0.4);
      near(all.microF1, (2 * 2) / (2 * 2 + 2 + 3), 1e-12);
      // Per class F1: A 2/4, B 2/3, C 0, X 0.
      near(all.macroF1, (0.5 + 2 / 3) / 4, 1e-12);
      const some = score(gold, predicted, new Set(["A", "B"]));
      expect(some.sentences).to.equal(3);
      expect(some.classes).to.equal(2);
    });

    it("never puts one document's sentences on both sides, and drops training duplicates of test sentences", function () {
      const items: Labelled[] = Array.from({ length: 200 }, (_, i) => ({ text: `sentence ${i % 150}`, label: `T${1000 + (i % 7)}`, document: `doc-${i % 23}` }));
      const { train, test, testDocuments } = splitByDocument(items, 0.25, 3);
      expect(testDocuments.size).to.equal(6);
      const trainDocs = new Set(train.map((t) => t.document));
      for (const d of testDocuments) expect(trainDocs.has(d)).to.equal(false);
      expect(train.length + test.length).to.equal(items.length);
      const kept = withoutTestSentences(train, test);
      const held = new Set(test.map((t) => t.text));
      expect(kept.some((t) => held.has(t.text))).to.equal(false);
      expect(kept.length).to.be.lessThan(train.length);
      expect(splitByDocument(items, 0.25, 3).testDocuments).to.deep.equal(testDocuments);
    });

    it("folds values and stems words, so the same behaviour written two ways is one feature set", function () {
      expect(featuresOf("It writes C:\\Users\\a\\x.dll and contacts 10.1.2.3")).to.deep.equal(featuresOf("It writing C:\\ProgramData\\y.dll and contacted 192.0.2.1"));
      expect(featuresOf("Encrypting files", "plain")).to.not.deep.equal(featuresOf("encrypted files", "plain"));
    });
  });

  describe("the shipped model", function () {
    this.timeout(30_000);
    let model: TechniqueModel;
    before(() => {
      model = loadCategoriser();
    });

    it("is a small file that covers every ATT&CK technique", function () {
      expect(statSync(ATTACK_CATEGORISER_FILE).size).to.be.below(8 * 1024 * 1024);
      const names = bundledAttackNames();
      const known = model.classes.filter((c) => names.technique(c));
      expect(known.length).to.be.at.least(680);
    });

    it("names the technique of plain behaviour descriptions", function () {
      const cases: Array<[string, string]> = [
        ["The malware dumps credentials from LSASS process memory using Mimikatz.", "T1003.001"],
        ["The actor created a scheduled task with schtasks to run the payload at every logon.", "T1053.005"],
        ["The backdoor encodes its configuration with Base64 before writing it to disk.", "T1132.001"],
        ["Victims received spearphishing emails carrying a malicious Word attachment.", "T1566.001"],
      ];
      const right = cases.filter(([sentence, technique]) => model.classify(sentence, { limit: 3 }).some((g) => g.attackId === technique));
      expect(right.map(([, t]) => t)).to.have.length.at.least(3);
    });

    it("answers the same after a round trip through its file, and refuses a damaged file", function () {
      const again = TechniqueModel.fromFile(JSON.parse(JSON.stringify(model.toFile("now"))));
      const sentence = "PowerShell scripts downloaded further tools from the C2 server.";
      const a = model.probabilities(sentence);
      const b = again.probabilities(sentence);
      for (let c = 0; c < a.length; c += 37) near(b[c], a[c]!, 1e-6);
      const file = model.toFile("now");
      expect(() => TechniqueModel.fromFile({ ...file, bias: file.bias.slice(1) })).to.throw(TechniqueModelError, /bias and classes/);
      expect(() => TechniqueModel.fromFile({ ...file, rows: [[99999, 1], ...file.rows.slice(1)] })).to.throw(TechniqueModelError, /class it does not have/);
      expect(() => TechniqueModel.fromFile({ format: "something else" })).to.throw(TechniqueModelError);
    });

    it("proposes in a draft the techniques it reads, with their sentence and probability, once each", function () {
      const text = [
        "Operation Ledger: an advisory.",
        "The operators created a scheduled task with schtasks to run the loader at every logon.",
        "Later the loader created another scheduled task to relaunch itself each hour.",
        "It uses spearphishing attachments (T1566.001).",
        "The weather was fine.",
      ].join("\n");
      const draft = buildDraft(text, { id: "draft-0000000000000001", title: "t", source: "s", format: "text", now: 0 }, { names: bundledAttackNames(), categoriser: { model, threshold: CATEGORISER_SETTINGS.draftThreshold } });
      const techniques = draft.items.filter((i) => i.kind === "technique");
      const categorised = techniques.filter((i) => i.kind === "technique" && i.found === "categorised");
      expect(techniques.find((i) => i.kind === "technique" && i.found === "cited")).to.include({ attackId: "T1566.001" });
      const task = categorised.filter((i) => i.kind === "technique" && i.attackId === "T1053.005");
      expect(task, JSON.stringify(categorised)).to.have.length(1);
      expect(task[0]!.sentence).to.match(/scheduled task/);
      expect((task[0] as { probability: number }).probability).to.be.at.least(CATEGORISER_SETTINGS.draftThreshold);
      // The cited technique is not proposed twice, and a sentence about nothing proposes nothing.
      expect(techniques.filter((i) => i.kind === "technique" && i.attackId === "T1566.001")).to.have.length(1);
      expect(categorised.some((i) => i.sentence.includes("weather"))).to.equal(false);
    });
  });

  describe("evaluation on documents held out", function () {
    this.timeout(240_000);
    let corpus: TrainingCorpus;
    let report: EvaluationReport;

    before(async function () {
      corpus = await loadTrainingCorpus(SHARED_DATA);
      // A smaller run than `npm run train:attack`: fewer epochs, no ablation; the same split.
      report = evaluateCategoriser(corpus, { ...CATEGORISER_SETTINGS.evaluation, training: { ...DEFAULT_TRAINING, epochs: 6 }, tramWeight: CATEGORISER_SETTINGS.tramWeight, draftThreshold: CATEGORISER_SETTINGS.draftThreshold, ablation: false });
      console.log(formatEvaluation(report));
    });

    it("reads TRAM and ATT&CK whole, and refuses a folder without them", async function () {
      expect(corpus.tram).to.have.length(5089);
      expect(corpus.tramClasses).to.have.length(50);
      expect(corpus.procedures.length).to.be.above(15_000);
      expect(corpus.techniques.length).to.be.above(600);
      expect(corpus.procedures.some((p) => /\(Citation:|\]\(https/.test(p.text))).to.equal(false);
      let error: unknown;
      await loadTrainingCorpus("/nonexistent").catch((e) => (error = e));
      expect(error).to.be.instanceOf(TrainingCorpusError);
    });

    it("holds out whole documents", function () {
      expect(report.split.tramTestReports).to.be.at.least(20);
      expect(report.split.attackTestSources).to.be.at.least(100);
      expect(report.split.droppedAsTestDuplicates).to.be.above(0);
    });

    it("beats every baseline on all techniques, and majority and names on TRAM's classes", function () {
      const row = (prefix: string) => report.rows.find((r) => r.model.startsWith(prefix))!;
      const ours = row("categoriser");
      for (const baseline of report.rows.filter((r) => r.model.startsWith("baseline:"))) {
        expect(ours.allTechniques!.microF1, baseline.model).to.be.above(baseline.allTechniques!.microF1);
        expect(ours.allTechniques!.macroF1, baseline.model).to.be.above(baseline.allTechniques!.macroF1);
      }
      for (const baseline of [row("baseline: majority"), row("baseline: ATT&CK technique names")]) {
        expect(ours.tramClasses!.microF1, baseline.model).to.be.above(baseline.tramClasses!.microF1);
        expect(ours.tramClasses!.macroF1, baseline.model).to.be.above(baseline.tramClasses!.macroF1);
      }
      // On TRAM's own 50 classes TRAM's specialist, which knows no other technique, is the one to
      // match: choosing among the same 50, the categoriser stays within a few points of it.
      expect(row("categoriser, choosing among").tramClasses!.microF1).to.be.above(row("baseline: TF-IDF").tramClasses!.microF1 - 0.04);
    });

    it("is more precise at the draft threshold than when it must always answer", function () {
      const ours = report.rows.find((r) => r.model === "categoriser")!;
      expect(report.atDraftThreshold.tramClasses.precision).to.be.above(ours.tramClasses!.precision);
      expect(report.atDraftThreshold.tramClasses.recall).to.be.below(ours.tramClasses!.recall);
    });
  });
});
