import { TEST_DEPLOYMENT } from "../helpers/deployment.js";
import { expect } from "chai";
import { near } from "../helpers/near.js";
import { randomBytes } from "node:crypto";
import { join } from "node:path";
import fc from "fast-check";
import { mergeIndicator, type IndicatorRecord } from "../../node/src/model/record.js";
import { addSighting, sightingTotals, type Sighting } from "../../node/src/model/sighting.js";
import { buildIndicator } from "../../node/src/model/validate.js";
import { sightingGroups } from "../../node/src/privacy/audience.js";
import { IndicatorStore } from "../../node/src/store/indicator-store.js";
import { cappedCounts, expectation, folded, ForgettingSchedule, moveBound, NO_EVIDENCE, ReputationModel, reportEvidence, WAD } from "../../node/src/trust/beta-reputation.js";
import { decayed, DEFAULT_SCORING_POLICY, scoreRecord } from "../../node/src/trust/scoring.js";
import { openContent, signBatch } from "../../node/src/wire/batch.js";
import { encodeBatch } from "../../node/src/wire/codec.js";
import { removeDir, tempDir } from "../helpers/nodes.js";

const now = Date.parse("2026-11-21T12:00:00Z");
const DAY = 24 * 60 * 60 * 1000;

const statement = (producer: string, extra: object = {}) => buildIndicator({ type: "domain", value: "evil.example", confidence: 80, ...extra }, { producer, now });
function record(...statements: ReturnType<typeof statement>[]): IndicatorRecord {
  return statements.reduce<IndicatorRecord | undefined>((r, s, i) => mergeIndicator(r, s, { sequence: i + 1, index: 0 }, now), undefined)!;
}
const sighting = (reporter: string, kind: Sighting["kind"], observedAt = now, count = 1): Sighting => ({ indicatorId: "ab".repeat(32), kind, observedAt, count, reporter });

describe("scoring", function () {
  const model = { lifetimeMs: 30 * DAY, speed: 2 };


  it("decays by MISP's polynomial: base * (1 - (t / lifetime)^(1 / speed))", function () {
    expect(decayed(80, 0, model)).to.equal(80);
    near(decayed(80, 7.5 * DAY, model), 80 * (1 - Math.sqrt(0.25)));
    expect(decayed(80, 30 * DAY, model)).to.equal(0);
    expect(decayed(80, 31 * DAY, model)).to.equal(0);
    // Speed below 1 keeps the score high for long, then drops it.
    near(decayed(80, 15 * DAY, { lifetimeMs: 30 * DAY, speed: 0.5 }), 60);
    fc.assert(
      fc.property(fc.double({ min: 0, max: 100, noNaN: true }), fc.nat(40 * DAY), fc.nat(40 * DAY), fc.double({ min: 0.1, max: 5, noNaN: true }), (base, t1, t2, speed) => {
        const m = { lifetimeMs: 30 * DAY, speed };
        const [early, late] = t1 <= t2 ? [t1, t2] : [t2, t1];
        expect(decayed(base, late, m)).to.be.at.most(decayed(base, early, m) + 1e-9);
        expect(decayed(base, early, m)).to.be.within(0, base + 1e-9);
      }),
    );
  });

  it("uses the documented lifetimes and speeds per type (docs/trust.md), at the boundaries of age and validity", function () {
    // The table as docs/trust.md states it, written out by hand rather than read from the code.
    const documented: Record<string, [days: number, speed: number]> = {
      ipv4: [30, 2], ipv6: [30, 2], cidr: [30, 2], domain: [90, 1], url: [45, 1.5], email: [90, 1], md5: [365, 0.5], sha1: [365, 0.5], sha256: [365, 0.5],
    };
    for (const [type, [days, speed]] of Object.entries(documented)) {
      const m = DEFAULT_SCORING_POLICY.decay[type as keyof typeof DEFAULT_SCORING_POLICY.decay];
      expect(m, type).to.deep.equal({ lifetimeMs: days * DAY, speed });
      // Half way through its life: 1 - 0.5^(1/speed) of the base is gone.
      near(decayed(100, (days * DAY) / 2, m), 100 * (1 - 0.5 ** (1 / speed)));
    }
    expect(DEFAULT_SCORING_POLICY.quarantineBelow).to.equal(20);
    // Age: none before validity starts (a negative age), the full base at 0, nothing from the last millisecond of life on.
    expect(decayed(80, -DAY, model)).to.equal(80);
    expect(decayed(80, 1, model)).to.be.below(80);
    expect(decayed(80, 30 * DAY - 1, model)).to.be.above(0);
    expect(decayed(80, 30 * DAY, model)).to.equal(0);
  });

  it("expires at validUntil exactly, is withdrawn only when every producer says expired, and quarantines below the threshold, not at it", function () {
    const rep = () => 1;
    const one = record(statement("acme-bank", { validFrom: now, validUntil: now + 10 * DAY, confidence: 20 }));
    expect(scoreRecord(one, undefined, rep, DEFAULT_SCORING_POLICY, now + 10 * DAY - 1).expired).to.equal(false);
    expect(scoreRecord(one, undefined, rep, DEFAULT_SCORING_POLICY, now + 10 * DAY).expired).to.equal(true);
    // A base of exactly the threshold (confidence 20, reputation 1, age 0) is not quarantined; a hair under is.
    expect(scoreRecord(one, undefined, rep, DEFAULT_SCORING_POLICY, now)).to.include({ score: 20, quarantined: false });
    expect(scoreRecord(one, undefined, () => 0.99, DEFAULT_SCORING_POLICY, now).quarantined).to.equal(true);
    // Two producers: one withdrawing is not a withdrawal, and its own expired report does not lower the base.
    const two = record(statement("acme-bank", { validFrom: now }), statement("north-cert", { validFrom: now }));
    const halfWithdrawn = scoreRecord(two, addSighting(undefined, sighting("acme-bank", "expired")), rep, DEFAULT_SCORING_POLICY, now);
    expect(halfWithdrawn.expired).to.equal(false);
    expect(halfWithdrawn.base).to.equal(scoreRecord(two, undefined, rep, DEFAULT_SCORING_POLICY, now).base);
    let both = addSighting(undefined, sighting("acme-bank", "expired"));
    both = addSighting(both, sighting("north-cert", "expired"));
    expect(scoreRecord(two, both, rep, DEFAULT_SCORING_POLICY, now)).to.include({ expired: true, score: 0, quarantined: true });
    // Two sources of confidence 80 and reputation 1: 100 * (1 - 0.2 * 0.2) = 96; another org's expired report takes it by EXPIRED_FACTOR.
    expect(scoreRecord(two, undefined, rep, DEFAULT_SCORING_POLICY, now).base).to.equal(96);
    const doubted = scoreRecord(two, addSighting(undefined, sighting("bank-a", "expired")), rep, DEFAULT_SCORING_POLICY, now);
    near(doubted.base, 72);
  });

  it("combines producers' confidence and reputation, other orgs' sightings and false positives", function () {
    const rep = (r: Record<string, number>) => (org: string) => r[org] ?? 0.5;
    const one = record(statement("acme-bank"));
    const alone = scoreRecord(one, undefined, rep({ "acme-bank": 0.5 }), DEFAULT_SCORING_POLICY, now);
    expect(alone.base).to.equal(40);
    expect(scoreRecord(one, undefined, rep({ "acme-bank": 1 }), DEFAULT_SCORING_POLICY, now).base).to.equal(80);
    // Two independent sources believe more than either.
    const two = scoreRecord(record(statement("acme-bank"), statement("north-cert")), undefined, rep({}), DEFAULT_SCORING_POLICY, now);
    expect(two.base).to.equal(64);
    let summary = addSighting(undefined, sighting("bank-a", "sighting"));
    summary = addSighting(summary, sighting("acme-bank", "sighting"));
    const seen = scoreRecord(one, summary, rep({ "acme-bank": 0.5 }), DEFAULT_SCORING_POLICY, now);
    expect(seen.confirmedBy).to.deep.equal(["bank-a"]);
    expect(seen.base).to.equal(52);
    const flagged = scoreRecord(one, addSighting(undefined, sighting("bank-a", "false-positive")), rep({ "acme-bank": 0.5 }), DEFAULT_SCORING_POLICY, now);
    expect(flagged.base).to.equal(20);
    expect(scoreRecord(one, undefined, rep({ "acme-bank": 0.2 }), DEFAULT_SCORING_POLICY, now).quarantined).to.equal(true);
  });

  it("weighs each statement by its Admiralty scale and estimative language (docs/trust.md), the taxonomy's own values", function () {
    const rep = () => 1;
    const tagged = (...tags: string[]) => record(statement("acme-bank", { confidence: 80, labels: { tags } }));
    const base = (...tags: string[]) => scoreRecord(tagged(...tags), undefined, rep, DEFAULT_SCORING_POLICY, now).base;
    expect(base()).to.equal(80);
    // Reliability weighs the item: B (75) of confidence 80 gives 60; C halves it; E and G count for nothing.
    expect(base('admiralty-scale:source-reliability="b"')).to.equal(60);
    expect(base('admiralty-scale:source-reliability="c"')).to.equal(40);
    expect(base('admiralty-scale:source-reliability="e"')).to.equal(0);
    expect(base('admiralty-scale:source-reliability="g"')).to.equal(0);
    // "Cannot be judged" changes nothing.
    expect(base('admiralty-scale:source-reliability="f"')).to.equal(80);
    expect(base('admiralty-scale:information-credibility="6"')).to.equal(80);
    // A credibility or likelihood replaces the confidence number; credibility wins over likelihood.
    expect(base('admiralty-scale:information-credibility="1"')).to.equal(100);
    expect(base('admiralty-scale:source-reliability="b"', 'admiralty-scale:information-credibility="2"')).to.equal(56.3);
    expect(base('estimative-language:likelihood-probability="very-likely"')).to.equal(80);
    expect(base('estimative-language:likelihood-probability="unlikely"')).to.equal(20);
    expect(base('admiralty-scale:information-credibility="3"', 'estimative-language:likelihood-probability="almost-certain"')).to.equal(50);
    const [assessed] = scoreRecord(tagged('admiralty-scale:source-reliability="b"', 'admiralty-scale:information-credibility="2"'), undefined, rep, DEFAULT_SCORING_POLICY, now).statements;
    expect(assessed).to.deep.equal({ producer: "acme-bank", item: 75, itemFrom: "credibility", reliability: 75, admiralty: "B2", belief: 56.25 });
  });

  it("holds the Admiralty and estimative values equal to the bundled taxonomies' numerical values", async function () {
    const { readFile } = await import("node:fs/promises");
    const values = async (namespace: string, predicate: string) => {
      const taxonomy = JSON.parse(await readFile(join(process.cwd(), "data/misp/taxonomies", namespace, "machinetag.json"), "utf8")) as { values: Array<{ predicate: string; entry: Array<{ value: string; numerical_value: number }> }> };
      return Object.fromEntries(taxonomy.values.find((v) => v.predicate === predicate)!.entry.map((e) => [e.value, e.numerical_value]));
    };
    const { assessment } = DEFAULT_SCORING_POLICY;
    // "Cannot be judged" (f, 6) is 50 in MISP and null here: it adjusts nothing.
    expect({ ...assessment.reliability, f: 50 }).to.deep.equal(await values("admiralty-scale", "source-reliability"));
    expect({ ...assessment.credibility, "6": 50 }).to.deep.equal(await values("admiralty-scale", "information-credibility"));
    expect(assessment.likelihood).to.deep.equal(await values("estimative-language", "likelihood-probability"));
  });

  it("restarts decay at the last sighting, and zeroes what expired or was withdrawn by its producer", function () {
    const old = record(statement("acme-bank", { validFrom: now - 20 * DAY, validUntil: now + 10 * DAY, type: "ipv4", value: "198.51.100.1" }));
    const rep = () => 1;
    const stale = scoreRecord(old, undefined, rep, DEFAULT_SCORING_POLICY, now);
    const renewed = scoreRecord(old, addSighting(undefined, sighting("bank-a", "sighting", now - DAY)), rep, DEFAULT_SCORING_POLICY, now);
    expect(renewed.score).to.be.greaterThan(stale.score);
    expect(scoreRecord(old, undefined, rep, DEFAULT_SCORING_POLICY, now + 11 * DAY)).to.include({ expired: true, score: 0, quarantined: true });
    const withdrawn = scoreRecord(old, addSighting(undefined, sighting("acme-bank", "expired")), rep, DEFAULT_SCORING_POLICY, now);
    expect(withdrawn).to.include({ expired: true, score: 0 });
    const doubted = scoreRecord(old, addSighting(undefined, sighting("bank-a", "expired")), rep, DEFAULT_SCORING_POLICY, now);
    expect(doubted.expired).to.equal(false);
    expect(doubted.base).to.be.lessThan(stale.base);
  });
});

describe("sightings", function () {
  it("tally per org, with first and last seen", function () {
    let summary = addSighting(undefined, sighting("bank-a", "sighting", now, 3));
    summary = addSighting(summary, sighting("bank-a", "sighting", now - 5000, 2));
    summary = addSighting(summary, sighting("bank-b", "false-positive", now + 10));
    expect(summary.byOrg["bank-a"]).to.deep.equal({ sighting: 5, falsePositive: 0, expired: 0, firstSeen: now - 5000, lastSeen: now });
    expect(sightingTotals(summary)).to.include({ sightings: 5, firstSeen: now - 5000, lastSeen: now });
    expect(sightingTotals(summary).falsePositiveBy).to.deep.equal(["bank-b"]);
  });

  it("go only where the indicator's value is already known", function () {
    expect(sightingGroups(record(statement("a-org", { tlp: "AMBER", group: 4 }), statement("b-org", { tlp: "GREEN" })))).to.deep.equal([0]);
    expect(sightingGroups(record(statement("a-org", { tlp: "AMBER", group: 4 }), statement("b-org", { tlp: "AMBER+STRICT", group: 2 })))).to.deep.equal([2, 4]);
    expect(sightingGroups(record(statement("a-org", { tlp: "RED" })))).to.deep.equal([]);
    expect(sightingGroups(record(statement("a-org", { tlp: "RED" }), statement("b-org", { tlp: "GREEN", group: 3 })))).to.deep.equal([3]);
  });
});

describe("beta reputation reference", function () {
  const parameters = { epochLength: 3600n, priorPositive: WAD, priorNegative: WAD, forgetting: WAD / 2n, maxReportEvidence: 4n * WAD, halfEvidenceCount: 10n };

  it("computes the beta expectation with the prior", function () {
    expect(expectation(0n, 0n, parameters)).to.equal(WAD / 2n);
    expect(expectation(8n * WAD, 0n, parameters)).to.equal((9n * WAD) / 10n);
    expect(expectation(0n, 8n * WAD, parameters)).to.equal(WAD / 10n);
  });

  it("folds an epoch's evidence in when it closes and forgets it epoch after epoch, each with its own factor", function () {
    const schedule = new ForgettingSchedule(WAD / 2n);
    const state = { ...NO_EVIDENCE, pendingPositive: 4n * WAD, epoch: 2n };
    expect(folded(state, 2n, schedule).positive).to.equal(0n);
    expect(folded(state, 3n, schedule).positive).to.equal(4n * WAD);
    expect(folded(state, 5n, schedule).positive).to.equal(WAD);
    // From epoch 4 on nothing is forgotten: epoch 3 closed at 0.5, epochs 4 and 5 keep all.
    schedule.set(4n, WAD);
    expect(schedule.at(3n)).to.equal(WAD / 2n);
    expect(schedule.at(9n)).to.equal(WAD);
    expect(folded(state, 6n, schedule).positive).to.equal(2n * WAD);
    expect(schedule.decay(3n, 6n)).to.equal(WAD / 2n);
  });

  it("caps counts keeping their ratio, and bounds a report's evidence by maxReportEvidence whatever its counts", function () {
    expect(cappedCounts(50n, 150n, 30n)).to.deep.equal({ confirmations: 7n, falsePositives: 22n });
    expect(cappedCounts(5n, 5n, 30n)).to.deep.equal({ confirmations: 5n, falsePositives: 5n });
    const huge = reportEvidence(0n, 1_000_000n, WAD, parameters);
    expect(huge.negative < parameters.maxReportEvidence).to.equal(true);
    expect(huge.negative > (parameters.maxReportEvidence * 999n) / 1000n).to.equal(true);
    // Half of it at halfEvidenceCount, none at credibility 0.
    expect(reportEvidence(10n, 0n, WAD, parameters).positive).to.equal(2n * WAD);
    expect(reportEvidence(10n, 0n, 0n, parameters)).to.deep.equal({ positive: 0n, negative: 0n });
  });

  it("states the bound: added evidence moves the expectation by at most its share of all evidence and the prior", function () {
    // Plain comparisons: the chai matchers Hardhat loads make closeTo take integers only.
    expect(Math.abs(moveBound(4n * WAD, 0n, parameters) - 4 / 6) < 1e-12).to.equal(true);
    expect(Math.abs(moveBound(4n * WAD, 94n * WAD, parameters) - 0.04) < 1e-12).to.equal(true);
  });

  it("records reports as weighed, an amendment replacing the report and a void taking it back", function () {
    const model = new ReputationModel(parameters);
    const weighed = model.weigh(0n, 100n, { anchored: 1000n, sighted: 1000n });
    model.report(0n, "bank-a", "junk", weighed);
    expect(model.reputationOf("junk", 1n).negative).to.equal(weighed.negative);
    model.report(0n, "bank-a", "junk", { positive: WAD, negative: 0n });
    expect(model.reputationOf("junk", 1n)).to.include({ positive: WAD, negative: 0n });
    model.void(0n, "bank-a", "junk");
    expect(model.reputationOf("junk", 3n)).to.include({ positive: 0n, negative: 0n });
  });
});

describe("store: sightings, evidence and pruning (real LevelDB)", function () {
  let dir: string;
  let store: IndicatorStore;
  beforeEach(async function () {
    dir = await tempDir("trust-store");
    store = await IndicatorStore.open(join(dir, "db"));
  });
  afterEach(async function () {
    await store.close();
    await removeDir(dir);
  });

  async function ingest(sequence: number, values: Array<[string, object?]>, sightings: Sighting[] = []) {
    const indicators = values.map(([value, extra]) => buildIndicator({ type: "domain", value, ...extra }, { producer: "acme-bank", now }));
    const { batch } = signBatch({ deployment: TEST_DEPLOYMENT, producer: "acme-bank", sequence, createdAt: now, group: 0, indicators, sightings }, randomBytes(32));
    await store.ingestBatch(batch, encodeBatch(batch), openContent(batch), indicators.map((_, i) => i), now);
  }

  it("folds the sightings of a batch into their summaries atomically with it", async function () {
    await ingest(1, [["seen.example"]]);
    const id = (await store.lookup("domain", "seen.example"))!.id;
    await ingest(2, [], [{ indicatorId: id, kind: "sighting", observedAt: now, count: 2, reporter: "acme-bank" }]);
    // Kept under the scope it travelled in: an open batch, "0".
    expect((await store.sightings.get(id))!.byScope["0"]!["acme-bank"]!.sighting).to.equal(2);
  });

  it("counts evidence once per producer, kind and indicator, and forgets it after the next epoch's report", async function () {
    const entry = { producer: "junk", kind: "false-positive" as const, indicatorId: "cd".repeat(32), observedAt: now, reportedEpoch: undefined };
    await store.recordEvidence([entry, entry]);
    await store.recordEvidence([{ ...entry, observedAt: now + 1 }]);
    expect(await store.evidence.all()).to.have.length(1);
    await store.markReported(await store.evidence.all(), 3);
    expect((await store.evidence.all())[0]!.reportedEpoch).to.equal(3);
    await store.markReported(await store.evidence.all(), 4);
    expect(await store.evidence.all()).to.deep.equal([]);
  });

  it("prunes what expired longer ago than the retention, with its indexes and sightings, and nothing valid", async function () {
    await ingest(1, [
      ["long-gone.example", { validFrom: now - 100 * DAY, validUntil: now - 40 * DAY }],
      ["recently-gone.example", { validFrom: now - 100 * DAY, validUntil: now - 10 * DAY }],
      ["valid.example", { validUntil: now + DAY }],
    ]);
    const gone = (await store.lookup("domain", "long-gone.example"))!.id;
    await ingest(2, [], [{ indicatorId: gone, kind: "sighting", observedAt: now - 50 * DAY, count: 1, reporter: "acme-bank" }]);
    expect(await store.prune(now, 30 * DAY)).to.equal(1);
    expect(await store.lookup("domain", "long-gone.example")).to.equal(undefined);
    expect(await store.indicators.get(gone)).to.equal(undefined);
    expect(await store.sightings.get(gone)).to.equal(undefined);
    expect((await store.listSince(0, 100)).map((r) => r.value).sort()).to.deep.equal(["recently-gone.example", "valid.example"]);
    expect(await store.prune(now, 30 * DAY)).to.equal(0);
    // Much later, the other expired one goes too; the valid one never does while it is valid.
    expect(await store.prune(now + 25 * DAY, 30 * DAY)).to.equal(1);
    expect(await store.lookup("domain", "valid.example")).to.not.equal(undefined);
  });

  it("keeps a record whose validity a later statement extended", async function () {
    await ingest(1, [["extended.example", { validFrom: now - 100 * DAY, validUntil: now - 40 * DAY }]]);
    await ingest(2, [["extended.example", { validUntil: now + 5 * DAY }]]);
    expect(await store.prune(now, 30 * DAY)).to.equal(0);
    expect(await store.lookup("domain", "extended.example")).to.not.equal(undefined);
  });
});
