import { expect } from "chai";
import fc from "fast-check";
import { renderDetectorFiles, FORMAT_USE, DETECTOR_FORMATS } from "../../node/src/detect/exporter.js";
import { exportUse } from "../../node/src/interop/exports.js";
import { mergeIndicator, type IndicatorRecord } from "../../node/src/model/record.js";
import { PAP_LEVELS, type Pap } from "../../node/src/model/tags.js";
import { buildIndicator } from "../../node/src/model/validate.js";
import { FEED_USES, papAllows, papOfRecord, papOfStatement, viewForUse, type FeedUse } from "../../node/src/privacy/pap.js";
import { DEFAULT_SCORING_POLICY, scoreRecord } from "../../node/src/trust/scoring.js";

/**
 * Property tests of PAP (privacy/pap.ts) over random records: random producers, each stating the
 * same value with a random PAP tag (or none), under either reading of an unmarked statement.
 */

const now = Date.parse("2026-12-03T12:00:00Z");
const PRODUCERS = ["acme-bank", "bank-two", "grid-ops", "health-co"] as const;

/**
 * What each PAP level allows, written out by hand from docs/privacy.md, independently of
 * privacy/pap.ts: detect is watching one's own logs, query is cross-checking with outside
 * services, block is any action the adversary could notice.
 */
const TABLE: Record<Pap, Record<FeedUse, boolean>> = {
  CLEAR: { detect: true, query: true, block: true },
  GREEN: { detect: true, query: true, block: true },
  AMBER: { detect: true, query: true, block: false },
  RED: { detect: true, query: false, block: false },
};

type Marking = Pap | "WHITE" | "none";
const statement = fc.record({
  producer: fc.constantFrom(...PRODUCERS),
  marking: fc.constantFrom<Marking>("CLEAR", "WHITE", "GREEN", "AMBER", "RED", "none"),
  confidence: fc.integer({ min: 0, max: 100 }),
  // A tag only this statement carries: it must never show in a view that leaves the statement out.
  secret: fc.boolean(),
  spelling: fc.constantFrom("upper", "lower"),
});

type Statement = typeof statement extends fc.Arbitrary<infer T> ? T : never;

function recordOf(statements: Statement[]): IndicatorRecord {
  let record: IndicatorRecord | undefined;
  const seen = new Set<string>();
  for (const s of statements) {
    if (seen.has(s.producer)) continue;
    seen.add(s.producer);
    const pap = s.marking === "none" ? [] : [s.spelling === "upper" ? `PAP:${s.marking}` : `pap:${s.marking.toLowerCase()}`];
    const tags = [...pap, ...(s.secret ? [`only-${s.producer}`] : [])];
    const indicator = buildIndicator({ type: "domain", value: "c2.example", confidence: s.confidence, labels: { tags } }, { producer: s.producer, now });
    record = mergeIndicator(record, indicator, { sequence: 1, index: 0 }, now);
  }
  return record!;
}

const markingLevel = (m: Marking, unmarked: Pap): Pap => (m === "none" ? unmarked : m === "WHITE" ? "CLEAR" : m);

describe("PAP properties (fast-check)", function () {
  it("allows each use exactly as the hand-written table says", function () {
    for (const pap of PAP_LEVELS) for (const use of FEED_USES) expect(papAllows(pap, use), `${pap} ${use}`).to.equal(TABLE[pap][use]);
  });

  it("a use's view holds exactly the statements whose PAP allows it, and nothing of the others", function () {
    fc.assert(
      fc.property(fc.array(statement, { minLength: 1, maxLength: 6 }), fc.constantFrom<Pap>("GREEN", "AMBER", "RED"), fc.constantFrom(...FEED_USES), (statements, unmarked, use) => {
        const record = recordOf(statements);
        const byProducer = new Map<string, Marking>();
        for (const s of statements) if (!byProducer.has(s.producer)) byProducer.set(s.producer, s.marking);
        const allowed = [...byProducer].filter(([, m]) => TABLE[markingLevel(m, unmarked)][use]).map(([p]) => p).sort();
        const view = viewForUse(record, use, unmarked);
        if (allowed.length === 0) {
          expect(view).to.equal(undefined);
          return;
        }
        expect(view!.attestations.map((a) => a.producer).sort()).to.deep.equal(allowed);
        for (const producer of PRODUCERS) if (!allowed.includes(producer)) expect(view!.labels.tags).to.not.include(`only-${producer}`);
        expect(view!.confidence).to.equal(Math.max(...view!.attestations.map((a) => a.confidence)));
        for (const a of view!.attestations) expect(papAllows(papOfStatement(a, unmarked), use)).to.equal(true);
      }),
    );
  });

  it("what a use may act on scores no higher than the whole record, and the record's PAP is its most permissive statement's", function () {
    fc.assert(
      fc.property(fc.array(statement, { minLength: 1, maxLength: 6 }), fc.constantFrom(...FEED_USES), (statements, use) => {
        const record = recordOf(statements);
        const view = viewForUse(record, use);
        const whole = scoreRecord(record, undefined, () => 0.9, DEFAULT_SCORING_POLICY, now);
        if (view) expect(scoreRecord(view, undefined, () => 0.9, DEFAULT_SCORING_POLICY, now).base).to.be.at.most(whole.base);
        const levels = record.attestations.map((a) => papOfStatement(a));
        const least = PAP_LEVELS.find((p) => levels.includes(p))!;
        expect(papOfRecord(record)).to.equal(least);
        // A record some use may act on at all is one whose most permissive statement allows it.
        expect(view !== undefined).to.equal(papAllows(least, use));
      }),
    );
  });

  it("no blocklist file ever holds a value only PAP:RED or AMBER statements name, and every detector file holds them", function () {
    fc.assert(
      fc.property(fc.array(fc.array(statement, { minLength: 1, maxLength: 4 }), { minLength: 1, maxLength: 8 }), (records) => {
        const built = records.map((statements, i) => {
          const record = recordOf(statements);
          return { ...record, value: `v${i}.example`, id: `${record.id.slice(0, -4)}${String(i).padStart(4, "0")}` };
        });
        for (const format of DETECTOR_FORMATS) {
          const use = FORMAT_USE[format];
          const fed = built.flatMap((r) => {
            const view = viewForUse(r, use);
            return view ? [{ ...view, score: scoreRecord(view, undefined, () => 0.9, DEFAULT_SCORING_POLICY, now) }] : [];
          });
          const text = Object.values(renderDetectorFiles(format, fed)).join("\n");
          for (const r of built) {
            const actionable = r.attestations.some((a) => papAllows(papOfStatement(a), "block"));
            if (format === "lists" && !actionable) expect(text, `${format} ${r.value}`).to.not.include(r.value);
            if (use === "detect" && format !== "suricata") expect(text, `${format} ${r.value}`).to.include(r.value);
          }
        }
      }),
    );
  });

  it("the blocklists are the only export meant for active tools, and STIX and MISP exports carry the PAP tags for their readers", function () {
    expect(DETECTOR_FORMATS.filter((f) => FORMAT_USE[f] === "block")).to.deep.equal(["lists"]);
    expect(exportUse("stix")).to.equal("detect");
    expect(exportUse("misp-feed")).to.equal("detect");
  });
});
