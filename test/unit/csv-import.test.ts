import { expect } from "chai";
import { csvFeed } from "../../node/src/detect/formats/lists.js";
import { CsvFormatError, importCsv } from "../../node/src/interop/csv.js";
import { FEED } from "./detect-formats.test.js";

/** CSV in: our own CSV feed reads back, spreadsheets' headers are understood, bad files are named. */
describe("CSV import", function () {
  it("reads back our own CSV feed: every unblinded indicator with its TLP, confidence, validity and labels", function () {
    const read = importCsv(csvFeed(FEED), { defaultTlp: "GREEN" });
    const unblinded = FEED.filter((r) => !r.blinded);
    expect(read.inputs.map((i) => `${i.type}:${i.value}`)).to.deep.equal(unblinded.map((r) => `${r.type}:${r.value}`));
    const first = read.inputs[0]!;
    const original = unblinded[0]!;
    expect(first).to.include({ tlp: original.tlp, confidence: original.confidence, validUntil: new Date(original.validUntil).toISOString() });
    expect(first.labels).to.deep.include({ malwareFamilies: ["qakbot"], attackTechniques: ["T1071.001"] });
    expect(read.skipped.map((s) => s.reason)).to.deep.equal(FEED.filter((r) => r.blinded).map(() => "blinded: the value is a keyed hash, not an observable"));
    // score, producers and id are the exporter's, not statements: ignored, and said so.
    expect(read.warnings).to.deep.equal(["columns ignored: score, producers, id"]);
  });

  it("finds columns whatever their case and separators, splits lists, and applies the defaults", function () {
    const text = ["Indicator Type;Value;TLP;Valid Until;Malware;Tags", "domain;evil.example;tlp:amber;2027-01-01T00:00:00Z;qakbot;phishing|c2", "ipv4;203.0.113.9;;;;", "url;;;;;"].join("\n");
    const read = importCsv(text.replaceAll(";", ","), { defaultTlp: "GREEN", group: 3 });
    expect(read.inputs).to.have.length(2);
    expect(read.inputs[0]).to.deep.include({ type: "domain", value: "evil.example", tlp: "AMBER", validUntil: "2027-01-01T00:00:00Z", group: 3 });
    expect(read.inputs[0]!.labels).to.deep.equal({ malwareFamilies: ["qakbot"], attackTechniques: undefined, tags: ["phishing", "c2"] });
    expect(read.inputs[1]).to.include({ type: "ipv4", value: "203.0.113.9", tlp: "GREEN" });
    expect(read.skipped).to.deep.equal([{ source: "line 4", type: "url", reason: "no value" }]);
  });

  it("refuses a file without a type or value column, an empty file and broken quoting, naming the problem", function () {
    expect(() => importCsv("kind,observable\nip,1.2.3.4\n", { defaultTlp: "GREEN" })).to.throw(CsvFormatError, /names no type column/);
    expect(() => importCsv("type,what\nip,1.2.3.4\n", { defaultTlp: "GREEN" })).to.throw(CsvFormatError, /names no value column/);
    expect(() => importCsv("", { defaultTlp: "GREEN" })).to.throw(CsvFormatError, /empty/);
    expect(() => importCsv('type,value\ndomain,"evil.example\n', { defaultTlp: "GREEN" })).to.throw(CsvFormatError, /not CSV/);
  });
});
