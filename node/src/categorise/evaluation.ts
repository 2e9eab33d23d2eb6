import { seededRandom } from "./softmax-trainer.js";

/**
 * How a categoriser is judged: held-out documents (never held-out sentences: the sentences of one
 * report share its actor, its malware and its phrasing, and a model that has read some of them
 * scores on the rest what it will not score on a new report), and precision, recall, micro and
 * macro F1 over a set of classes. Pure.
 */

export interface Labelled {
  text: string;
  label: string;
  /** The report (or ATT&CK object) the sentence comes from: the unit of the split. */
  document: string;
}

/** Documents drawn at random (seeded) until `testShare` of them are in the test set. */
export function splitByDocument<T extends { document: string }>(items: readonly T[], testShare: number, seed: number): { train: T[]; test: T[]; testDocuments: Set<string> } {
  const documents = [...new Set(items.map((i) => i.document))].sort();
  const random = seededRandom(seed);
  for (let i = documents.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [documents[i], documents[j]] = [documents[j]!, documents[i]!];
  }
  const testDocuments = new Set(documents.slice(0, Math.max(1, Math.round(documents.length * testShare))));
  return { train: items.filter((i) => !testDocuments.has(i.document)), test: items.filter((i) => testDocuments.has(i.document)), testDocuments };
}

export interface Scores {
  /** Sentences scored. */
  sentences: number;
  /** Classes with at least one gold sentence among them: what macro F1 averages over. */
  classes: number;
  precision: number;
  recall: number;
  microF1: number;
  macroF1: number;
}

/**
 * Scores predictions against gold labels. A prediction may abstain (undefined): a missed sentence
 * for recall, nothing for precision. Only gold labels in `classes` (all, if not given) count, and
 * a prediction counts against precision whatever class it names.
 */
export function score(gold: readonly string[], predicted: ReadonlyArray<string | undefined>, classes?: ReadonlySet<string>): Scores {
  const perClass = new Map<string, { tp: number; fp: number; fn: number }>();
  const of = (c: string) => {
    let s = perClass.get(c);
    if (!s) perClass.set(c, (s = { tp: 0, fp: 0, fn: 0 }));
    return s;
  };
  let tp = 0;
  let fp = 0;
  let fn = 0;
  let sentences = 0;
  for (let i = 0; i < gold.length; i++) {
    const g = gold[i]!;
    if (classes && !classes.has(g)) continue;
    sentences++;
    const p = predicted[i];
    if (p === g) {
      tp++;
      of(g).tp++;
      continue;
    }
    fn++;
    of(g).fn++;
    if (p !== undefined) {
      fp++;
      of(p).fp++;
    }
  }
  const f1 = (t: number, f: number, n: number) => (t === 0 ? 0 : (2 * t) / (2 * t + f + n));
  const counted = [...perClass].filter(([c, s]) => s.tp + s.fn > 0 && (!classes || classes.has(c)));
  return {
    sentences,
    classes: counted.length,
    precision: tp + fp === 0 ? 0 : tp / (tp + fp),
    recall: tp + fn === 0 ? 0 : tp / (tp + fn),
    microF1: f1(tp, fp, fn),
    macroF1: counted.length === 0 ? 0 : counted.reduce((sum, [, s]) => sum + f1(s.tp, s.fp, s.fn), 0) / counted.length,
  };
}
