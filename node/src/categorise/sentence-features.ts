import { stemmer } from "stemmer";

/**
 * The features the ATT&CK categoriser reads in a sentence: its words, lower-cased and stemmed,
 * with the values that say nothing about a technique (hashes, addresses, numbers, paths) folded
 * into one placeholder each, so "writes to C:\Users\x\AppData\a.dll" and "writes to
 * C:\ProgramData\b.dll" share what matters. Pure: the model (technique-model.ts) and its trainer
 * (softmax-trainer.ts) both read sentences through this one function, so they cannot disagree.
 */

/** Words too common to say anything about a technique. */
const STOP_WORDS = new Set(
  "a an and are as at be been being but by can could did do does for from had has have having he her his however i if in into is it its itself may might more most of on or our she should so some such than that the their them then there these they this those through to too upon us very was we were what when where which while who whom will with would you also other another each both".split(" "),
);

const PLACEHOLDERS: Array<[RegExp, string]> = [
  [/\b[a-f0-9]{32,128}\b/gi, " xhash "],
  [/\b(?:\d{1,3}\.){3}\d{1,3}(?:\/\d{1,2})?\b/g, " xip "],
  [/\bhxxps?:\/\/\S+|\bhttps?:\/\/\S+/gi, " xurl "],
  [/\b[a-z]:\\[^\s,;)]+/gi, " xwinpath "],
  [/(?:^|\s)\/(?:[\w.-]+\/)+[\w.-]*/g, " xpath "],
  [/\bT\d{4}(?:\.\d{3})?\b/g, " xtechid "],
  [/\b0x[0-9a-f]+\b/gi, " xhex "],
];

const WORD = /[a-z][a-z0-9_$-]*(?:\.[a-z0-9]+)*|\d+/g;

/**
 * How a sentence is read: "folded" (values folded into placeholders, words stemmed by the Porter
 * stemmer, so "encrypts", "encrypted" and "encrypting" are one feature) is the categoriser's;
 * "plain" (lower-cased words as written) is the TF-IDF baseline's.
 */
export type FeatureStyle = "folded" | "plain";

/** The sentence's words, in order. */
export function wordsOf(sentence: string, style: FeatureStyle = "folded"): string[] {
  let text = sentence;
  const folded = style === "folded";
  if (folded) for (const [pattern, placeholder] of PLACEHOLDERS) text = text.replace(pattern, placeholder);
  const words: string[] = [];
  for (const match of text.toLowerCase().matchAll(WORD)) {
    let word = match[0].replace(/[-.]+$/, "");
    if (folded && /^\d+$/.test(word)) word = "xnum";
    if (word.length < 2 || STOP_WORDS.has(word)) continue;
    words.push(folded && /^[a-z]+$/.test(word) ? stemmer(word) : word);
  }
  return words;
}

/**
 * A sentence's features: its words, each once. Pairs of neighbouring words were tried and left
 * out: on held-out TRAM reports they lowered micro F1 (0.807 against 0.811) at six times the
 * vocabulary.
 */
export function featuresOf(sentence: string, style: FeatureStyle = "folded"): string[] {
  return [...new Set(wordsOf(sentence, style))];
}
