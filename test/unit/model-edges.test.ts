import { expect } from "chai";
import { InvalidIndicatorError } from "../../node/src/model/errors.js";
import { indicatorId } from "../../node/src/model/indicator-id.js";
import { isBoundedTime, isIndicatorType, isOrgId, isTlp, MAX_TIME_MS, mostRestrictiveTlp, tlpRank, type Indicator } from "../../node/src/model/indicator.js";
import { mergeIndicator, summarize, attestationOf } from "../../node/src/model/record.js";
import { addSighting, checkObservedAt, checkSighting, MAX_SIGHTING_COUNT, recordSighting, sightingTotals, sightingView, type Sighting } from "../../node/src/model/sighting.js";
import { buildIndicator, checkIndicator, isCanonical, LABEL_LIMITS, MAX_DESCRIPTION_LENGTH, MAX_VALIDITY_MS, type IndicatorInput } from "../../node/src/model/validate.js";
import { createHash } from "node:crypto";

const now = Date.parse("2026-11-21T12:00:00Z");
const DAY = 86_400_000;
const context = { producer: "acme-bank", now };

/** What went wrong, as the caller is told: reason, field and message; "ok" when nothing did. */
function refusal(work: () => unknown): string {
  try {
    work();
    return "ok";
  } catch (err) {
    if (!(err instanceof InvalidIndicatorError)) throw err;
    expect(err.name).to.equal("InvalidIndicatorError");
    return `${err.reason} ${err.field}: ${err.message}`;
  }
}

/**
 * The domain core at its edges: every refusal of an input with the exact reason, field and
 * message a client is given, every boundary on both sides, and the summaries of records and
 * sightings against values worked out by hand.
 */
describe("the domain core at its edges", function () {
  describe("building an indicator from input", function () {
    const base: IndicatorInput = { type: "domain", value: "evil.example" };
    const cases: Array<[string, IndicatorInput, string]> = [
      ["an unknown type", { ...base, type: "hostname" }, 'UNKNOWN_TYPE type: unknown indicator type "hostname"'],
      ["a type that is not a string", { ...base, type: 4 }, "UNKNOWN_TYPE type: unknown indicator type 4"],
      ["a value that is not a string", { ...base, value: 42 }, "BAD_VALUE value: value must be a string"],
      ["a TLP that is not one", { ...base, tlp: "YELLOW" }, "BAD_TLP tlp: TLP must be one of CLEAR, GREEN, AMBER, AMBER+STRICT, RED"],
      ["a TLP that is not a string", { ...base, tlp: 3 }, "BAD_TLP tlp: TLP must be one of CLEAR, GREEN, AMBER, AMBER+STRICT, RED"],
      ["a confidence above 100", { ...base, confidence: 101 }, "BAD_CONFIDENCE confidence: confidence must be an integer from 0 to 100"],
      ["a negative confidence", { ...base, confidence: -1 }, "BAD_CONFIDENCE confidence: confidence must be an integer from 0 to 100"],
      ["a fractional confidence", { ...base, confidence: 50.5 }, "BAD_CONFIDENCE confidence: confidence must be an integer from 0 to 100"],
      ["a time that is not one", { ...base, validFrom: "soon" }, "BAD_VALIDITY validFrom: validFrom must be an ISO 8601 time or Unix milliseconds"],
      ["a negative time", { ...base, validUntil: -5 }, "BAD_VALIDITY validUntil: validUntil must be an ISO 8601 time or Unix milliseconds"],
      ["a fractional time", { ...base, validUntil: now + 0.5 }, "BAD_VALIDITY validUntil: validUntil must be an ISO 8601 time or Unix milliseconds"],
      ["a time that is an object", { ...base, validFrom: { at: 1 } }, "BAD_VALIDITY validFrom: validFrom must be an ISO 8601 time or Unix milliseconds"],
      ["a time after 2100", { ...base, validUntil: MAX_TIME_MS + 1 }, "BAD_VALIDITY validUntil: validUntil is after 2100-01-01, the latest time the exchange takes"],
      ["an end before the start", { ...base, validFrom: now, validUntil: now - 1 }, "BAD_VALIDITY validUntil: validUntil must be after validFrom"],
      ["an end at the start", { ...base, validFrom: now, validUntil: now }, "BAD_VALIDITY validUntil: validUntil must be after validFrom"],
      ["more than ten years", { ...base, validFrom: now, validUntil: now + MAX_VALIDITY_MS + 1 }, "BAD_VALIDITY validUntil: validity may not exceed 10 years"],
      ["a description that is not text", { ...base, description: 7 }, "BAD_DESCRIPTION description: description must be a string"],
      ["a description too long", { ...base, description: "x".repeat(MAX_DESCRIPTION_LENGTH + 1) }, `BAD_DESCRIPTION description: description may hold at most ${MAX_DESCRIPTION_LENGTH} characters`],
      ["a description with a control character", { ...base, description: "a\u0007b" }, "BAD_DESCRIPTION description: description may not hold control characters"],
      ["a group that is negative", { ...base, group: -1 }, "BAD_GROUP group: group must be a sharing group id (a positive integer)"],
      ["a group that is fractional", { ...base, group: 1.5 }, "BAD_GROUP group: group must be a sharing group id (a positive integer)"],
      ["a group that is text", { ...base, group: "two" }, "BAD_GROUP group: group must be a sharing group id (a positive integer)"],
      ["a group of digits and more", { ...base, group: "2a" }, "BAD_GROUP group: group must be a sharing group id (a positive integer)"],
      ["a group of digits after text", { ...base, group: "a2" }, "BAD_GROUP group: group must be a sharing group id (a positive integer)"],
      ["AMBER without a group", { ...base, tlp: "AMBER" }, "GROUP_REQUIRED group: TLP:AMBER is shared with a chosen sharing group only: give a group"],
      ["AMBER+STRICT without a group", { ...base, tlp: "amber+strict" }, "GROUP_REQUIRED group: TLP:AMBER+STRICT is shared with a chosen sharing group only: give a group"],
      ["labels that are not a list", { ...base, labels: { tags: "phishing" } }, "BAD_LABEL labels.tags: labels.tags must be a list"],
      ["a label that is not text", { ...base, labels: { malwareFamilies: [3] } }, "BAD_LABEL labels.malwareFamilies: labels.malwareFamilies holds a non-string"],
      ["an empty label", { ...base, labels: { tags: ["  "] } }, `BAD_LABEL labels.tags: labels.tags: "  " must be 1-${LABEL_LIMITS.length} characters`],
      ["a label too long", { ...base, labels: { tags: ["x".repeat(LABEL_LIMITS.length + 1)] } }, `BAD_LABEL labels.tags: labels.tags: "${"x".repeat(LABEL_LIMITS.length + 1)}" must be 1-${LABEL_LIMITS.length} characters`],
      ["a label of punctuation", { ...base, labels: { tags: ["<script>"] } }, 'BAD_LABEL labels.tags: labels.tags: "<script>" is not allowed'],
      ["a technique that is not an ATT&CK id", { ...base, labels: { attackTechniques: ["T12"] } }, 'BAD_LABEL labels.attackTechniques: labels.attackTechniques: "T12" is not allowed'],
      ["too many labels", { ...base, labels: { tags: Array.from({ length: LABEL_LIMITS.perKind + 1 }, (_, i) => `tag-${i}`) } }, `BAD_LABEL labels.tags: labels.tags holds more than ${LABEL_LIMITS.perKind} entries`],
    ];
    for (const [what, input, expected] of cases) {
      it(`refuses ${what}`, function () {
        expect(refusal(() => buildIndicator(input, context))).to.equal(expected);
      });
    }

    it("takes each boundary on the accepted side, and fills the documented defaults", function () {
      expect(refusal(() => buildIndicator({ ...base, confidence: 0 }, context))).to.equal("ok");
      expect(refusal(() => buildIndicator({ ...base, confidence: 100 }, context))).to.equal("ok");
      expect(refusal(() => buildIndicator({ ...base, validFrom: now, validUntil: now + 1 }, context))).to.equal("ok");
      expect(refusal(() => buildIndicator({ ...base, validFrom: now, validUntil: now + MAX_VALIDITY_MS }, context))).to.equal("ok");
      expect(refusal(() => buildIndicator({ ...base, validFrom: MAX_TIME_MS - 1, validUntil: MAX_TIME_MS }, context))).to.equal("ok");
      expect(refusal(() => buildIndicator({ ...base, description: "x".repeat(MAX_DESCRIPTION_LENGTH) }, context))).to.equal("ok");
      expect(refusal(() => buildIndicator({ ...base, labels: { tags: ["x".repeat(LABEL_LIMITS.length)] } }, context))).to.equal("ok");
      expect(refusal(() => buildIndicator({ ...base, labels: { tags: Array.from({ length: LABEL_LIMITS.perKind }, (_, i) => `tag-${i}`) } }, context))).to.equal("ok");
      const built = buildIndicator({ ...base, value: "EVIL.example", tlp: "tlp:clear", group: "3", description: "  tab\tand\nline  ", validFrom: "2026-11-20T00:00:00Z", labels: { malwareFamilies: ["Emotet", "emotet"], attackTechniques: [" t1059.001 "], tags: ["Phishing"] } }, context);
      expect(built).to.deep.equal({
        type: "domain",
        value: "evil.example",
        tlp: "CLEAR",
        confidence: 50,
        validFrom: Date.parse("2026-11-20T00:00:00Z"),
        validUntil: Date.parse("2026-11-20T00:00:00Z") + 90 * DAY,
        labels: { malwareFamilies: ["emotet"], attackTechniques: ["T1059.001"], tags: ["phishing"] },
        description: "tab\tand\nline",
        group: 3,
        blinded: false,
        producer: "acme-bank",
        createdAt: now,
      });
      const defaults = buildIndicator({ ...base, description: null, group: "", validFrom: "", labels: { tags: null } }, context);
      expect(defaults).to.deep.include({ tlp: "GREEN", group: 0, description: "", validFrom: now, validUntil: now + 90 * DAY });
      expect(buildIndicator({ ...base, group: null }, context).group).to.equal(0);
      expect(buildIndicator({ ...base, validFrom: null, validUntil: null }, context)).to.deep.include({ validFrom: now, validUntil: now + 90 * DAY });
      // The node's default group takes AMBER without one, and nothing else.
      expect(buildIndicator({ ...base, tlp: "AMBER" }, { ...context, defaultGroup: 4 }).group).to.equal(4);
      expect(buildIndicator({ ...base, tlp: "GREEN" }, { ...context, defaultGroup: 4 }).group).to.equal(0);
      expect(buildIndicator({ ...base, tlp: "AMBER", group: 2 }, { ...context, defaultGroup: 4 }).group).to.equal(2);
    });

    it("checks a received indicator for every invariant, blinded ones and producers included", function () {
      const good = buildIndicator({ ...base, tlp: "AMBER", group: 2 }, context);
      const blinded: Indicator = { ...good, value: "ab".repeat(32), blinded: true };
      expect(refusal(() => checkIndicator(blinded))).to.equal("ok");
      expect(refusal(() => checkIndicator({ ...blinded, group: 0, tlp: "GREEN" }))).to.equal("GROUP_REQUIRED group: a blinded indicator is keyed for a sharing group: give a group");
      expect(refusal(() => checkIndicator({ ...blinded, value: "AB".repeat(32) }))).to.equal("BAD_VALUE value: a blinded value is 64 lowercase hex digits");
      expect(refusal(() => checkIndicator({ ...good, type: "host" as never }))).to.equal('UNKNOWN_TYPE type: unknown indicator type "host"');
      expect(refusal(() => checkIndicator({ ...good, producer: "Not An Org" }))).to.equal('BAD_PRODUCER producer: "Not An Org" is not an org id');
      expect(refusal(() => checkIndicator({ ...good, createdAt: MAX_TIME_MS + 1 }))).to.equal("BAD_TIME createdAt: createdAt must be Unix milliseconds from 1970 to 2100");
      expect(refusal(() => checkIndicator({ ...good, group: -2 }))).to.equal("BAD_GROUP group: group must be a sharing group id");
      expect(refusal(() => checkIndicator({ ...good, group: 0.5 }))).to.equal("BAD_GROUP group: group must be a sharing group id");
      expect(refusal(() => checkIndicator({ ...good, validFrom: -1 }))).to.equal("BAD_VALIDITY validUntil: validity bounds must be Unix milliseconds from 1970 to 2100");
      expect(refusal(() => checkIndicator({ ...good, validUntil: MAX_TIME_MS + 1 }))).to.equal("BAD_VALIDITY validUntil: validity bounds must be Unix milliseconds from 1970 to 2100");
      expect(refusal(() => checkIndicator({ ...good, description: undefined as never }))).to.equal(`BAD_DESCRIPTION description: description may hold at most ${MAX_DESCRIPTION_LENGTH} characters`);
    });

    it("knows canonical form: value, description and every label list exactly as normalization writes them", function () {
      const good = buildIndicator({ ...base, description: "note", labels: { malwareFamilies: ["a"], attackTechniques: ["T1059"], tags: ["b", "c"] } }, context);
      expect(isCanonical(good)).to.equal(true);
      expect(isCanonical({ ...good, value: "EVIL.example" })).to.equal(false);
      expect(isCanonical({ ...good, value: "ab".repeat(32), blinded: true })).to.equal(true);
      expect(isCanonical({ ...good, description: " note" })).to.equal(false);
      expect(isCanonical({ ...good, labels: { ...good.labels, tags: ["c", "b"] } })).to.equal(false);
      expect(isCanonical({ ...good, labels: { ...good.labels, tags: ["b", "b", "c"] } })).to.equal(false);
      expect(isCanonical({ ...good, labels: { ...good.labels, malwareFamilies: ["A"] } })).to.equal(false);
      expect(isCanonical({ ...good, labels: { ...good.labels, attackTechniques: ["t1059"] } })).to.equal(false);
      expect(isCanonical({ ...good, labels: { ...good.labels, tags: ["<b>"] } })).to.equal(false);
    });
  });

  describe("names, TLPs and times", function () {
    it("tells the documented sets apart from anything else, and ranks TLP from CLEAR to RED", function () {
      for (const v of [undefined, null, 3, {}, "DOMAIN", ""]) expect(isIndicatorType(v), String(v)).to.equal(false);
      expect(isIndicatorType("sha256")).to.equal(true);
      for (const v of [undefined, 2, "amber", "AMBER STRICT"]) expect(isTlp(v), String(v)).to.equal(false);
      expect(isTlp("AMBER+STRICT")).to.equal(true);
      expect(["CLEAR", "GREEN", "AMBER", "AMBER+STRICT", "RED"].map((t) => tlpRank(t as never))).to.deep.equal([0, 1, 2, 3, 4]);
      expect(mostRestrictiveTlp("GREEN", "AMBER")).to.equal("AMBER");
      expect(mostRestrictiveTlp("AMBER", "GREEN")).to.equal("AMBER");
      expect(mostRestrictiveTlp("RED", "RED")).to.equal("RED");
      for (const v of ["ab", "a".repeat(31), "acme-bank", "x.y_z-1"]) expect(isOrgId(v), v).to.equal(true);
      for (const v of ["a", "a".repeat(32), "-acme", "Acme", "acme bank", 5, undefined]) expect(isOrgId(v), String(v)).to.equal(false);
    });

    it("bounds times to whole milliseconds from 1970 to 2100", function () {
      expect(MAX_TIME_MS).to.equal(Date.parse("2100-01-01T00:00:00Z"));
      for (const v of [0, 1, MAX_TIME_MS]) expect(isBoundedTime(v), String(v)).to.equal(true);
      for (const v of [-1, MAX_TIME_MS + 1, 1.5, Number.NaN, "1", undefined]) expect(isBoundedTime(v), String(v)).to.equal(false);
    });

    it("derives ids as SHA-256 of the documented tag, type and value, a blinded one in its own space", function () {
      const expected = (tag: string) => createHash("sha256").update(`${tag}\0domain\0evil.example`).digest("hex");
      expect(indicatorId("domain", "evil.example")).to.equal(expected("cti-exchange/indicator-id/v1"));
      expect(indicatorId("domain", "evil.example", true)).to.equal(expected("cti-exchange/blinded-indicator-id/v1"));
    });
  });

  describe("records", function () {
    const statement = (producer: string, extra: IndicatorInput | object = {}) => buildIndicator({ type: "domain", value: "evil.example", ...extra }, { producer, now });

    it("summarizes statements into the most restrictive TLP, the highest confidence, the widest validity and the union of labels", function () {
      const a = attestationOf(statement("acme-bank", { tlp: "GREEN", confidence: 60, validFrom: now + 10, validUntil: now + 5 * DAY, labels: { tags: ["b", "a"] } }), { sequence: 1, index: 0 });
      const b = attestationOf(statement("bank-two", { tlp: "AMBER", group: 2, confidence: 40, validFrom: now, validUntil: now + 2 * DAY, labels: { tags: ["c", "a"] } }), { sequence: 1, index: 0 });
      const c = attestationOf(statement("north-cert", { tlp: "CLEAR", confidence: 60, validFrom: now + 20, validUntil: now + 9 * DAY }), { sequence: 1, index: 0 });
      expect(summarize([a, b, c])).to.deep.equal({ tlp: "AMBER", confidence: 60, validFrom: now, validUntil: now + 9 * DAY, labels: { malwareFamilies: [], attackTechniques: [], tags: ["a", "b", "c"] } });
      expect(summarize([c, a])).to.deep.include({ tlp: "GREEN", validFrom: now + 10 });
      // One statement: its own labels as they are.
      expect(summarize([a]).labels.tags).to.deep.equal(["a", "b"]);
      expect(() => summarize([])).to.throw(RangeError, /at least one attestation/);
      // Times are kept only when the caller gives them (records written before they were kept have none).
      expect(a).to.deep.include({ receivedAt: undefined, revision: undefined });
      expect(attestationOf(statement("acme-bank"), { sequence: 1, index: 0 }, { at: 5, revision: 7 })).to.deep.include({ receivedAt: 5, revision: 7 });
    });

    it("keeps one statement per producer, the newer replacing the older and never the reverse, and keeps the record's id", function () {
      const older = statement("acme-bank", { confidence: 10 });
      const newer = { ...statement("acme-bank", { confidence: 90 }), createdAt: now + 1000 };
      let record = mergeIndicator(undefined, older, { sequence: 1, index: 0 }, now);
      record = mergeIndicator(record, newer, { sequence: 2, index: 0 }, now + 2000);
      expect(record.attestations.map((a) => [a.producer, a.confidence, a.sequence])).to.deep.equal([["acme-bank", 90, 2]]);
      // The older arriving late does not replace the newer.
      record = mergeIndicator(record, older, { sequence: 1, index: 0 }, now + 3000);
      expect(record.attestations.map((a) => a.confidence)).to.deep.equal([90]);
      record = mergeIndicator(record, statement("bank-two"), { sequence: 1, index: 0 }, now + 4000);
      expect(record.attestations.map((a) => a.producer)).to.deep.equal(["acme-bank", "bank-two"]);
      expect(record).to.deep.include({ firstSeenAt: now, updatedAt: now + 4000, revision: (now + 4000) * 1000 });
      expect(record.id).to.equal(indicatorId("domain", "evil.example"));
      expect(mergeIndicator(undefined, older, { sequence: 1, index: 0 }, now, now * 1000, "given-id").id).to.equal("given-id");
    });
  });

  describe("sightings", function () {
    const sighting = (extra: Partial<Sighting> = {}): Sighting => ({ indicatorId: "ab".repeat(32), kind: "sighting", observedAt: now, count: 1, reporter: "bank-two", ...extra });

    it("refuses each malformed field with its reason, at both ends of each range", function () {
      const cases: Array<[Partial<Sighting>, string]> = [
        [{ indicatorId: "AB".repeat(32) }, "BAD_SIGHTING indicatorId: indicatorId must be 64 lowercase hex"],
        [{ indicatorId: "ab".repeat(31) }, "BAD_SIGHTING indicatorId: indicatorId must be 64 lowercase hex"],
        [{ kind: "seen" as never }, "BAD_SIGHTING kind: kind must be one of sighting, false-positive, expired"],
        [{ observedAt: -1 }, "BAD_SIGHTING observedAt: observedAt must be Unix milliseconds from 1970 to 2100"],
        [{ count: 0 }, `BAD_SIGHTING count: count must be an integer from 1 to ${MAX_SIGHTING_COUNT}`],
        [{ count: MAX_SIGHTING_COUNT + 1 }, `BAD_SIGHTING count: count must be an integer from 1 to ${MAX_SIGHTING_COUNT}`],
        [{ count: 1.5 }, `BAD_SIGHTING count: count must be an integer from 1 to ${MAX_SIGHTING_COUNT}`],
        [{ reporter: "Bank Two" }, 'BAD_SIGHTING reporter: "Bank Two" is not an org id'],
      ];
      for (const [extra, expected] of cases) expect(refusal(() => checkSighting(sighting(extra))), JSON.stringify(extra)).to.equal(expected);
      for (const extra of [{ count: 1 }, { count: MAX_SIGHTING_COUNT }, { kind: "false-positive" as const }, { kind: "expired" as const }, { observedAt: MAX_TIME_MS }]) {
        expect(refusal(() => checkSighting(sighting(extra))), JSON.stringify(extra)).to.equal("ok");
      }
      expect(refusal(() => checkObservedAt(now + 60_000, now, 60_000))).to.equal("ok");
      expect(refusal(() => checkObservedAt(now + 60_001, now, 60_000))).to.equal("BAD_SIGHTING observedAt: observedAt is in the future");
      expect(refusal(() => checkObservedAt(MAX_TIME_MS + 1, MAX_TIME_MS + 10, 0))).to.equal("BAD_SIGHTING observedAt: observedAt must be a time from 1970 to 2100");
    });

    it("tallies per reporter and merges scopes into what an audience may know, worked out by hand", function () {
      let stored = recordSighting(undefined, sighting({ observedAt: now + 10, count: 2 }), "0");
      stored = recordSighting(stored, sighting({ observedAt: now, kind: "false-positive" }), "5");
      stored = recordSighting(stored, sighting({ observedAt: now + 50, kind: "expired", count: 3 }), "5");
      stored = recordSighting(stored, sighting({ reporter: "north-cert", observedAt: now + 5 }), "5");
      const all = sightingView(stored, () => true)!;
      expect(all.byOrg).to.deep.equal({
        "bank-two": { sighting: 2, falsePositive: 1, expired: 3, firstSeen: now, lastSeen: now + 50 },
        "north-cert": { sighting: 1, falsePositive: 0, expired: 0, firstSeen: now + 5, lastSeen: now + 5 },
      });
      expect(sightingView(stored, (scope) => scope === "0")!.byOrg).to.deep.equal({ "bank-two": { sighting: 2, falsePositive: 0, expired: 0, firstSeen: now + 10, lastSeen: now + 10 } });
      expect(sightingView(stored, () => false)).to.equal(undefined);
      expect(sightingView(undefined, () => true)).to.equal(undefined);
      expect(sightingTotals(all)).to.deep.equal({ sightings: 3, confirmedBy: ["bank-two", "north-cert"], falsePositiveBy: ["bank-two"], expiredBy: ["bank-two"], firstSeen: now, lastSeen: now + 50 });
      expect(sightingTotals(undefined)).to.deep.equal({ sightings: 0, confirmedBy: [], falsePositiveBy: [], expiredBy: [], firstSeen: undefined, lastSeen: undefined });
      // Only sightings count for first and last seen: a false positive alone sets neither.
      const onlyFalse = addSighting(undefined, sighting({ kind: "false-positive" }));
      expect(sightingTotals(onlyFalse)).to.deep.include({ firstSeen: undefined, lastSeen: undefined, falsePositiveBy: ["bank-two"] });
    });
  });
});
