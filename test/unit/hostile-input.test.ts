import { expect } from "chai";
import { csvFeed } from "../../node/src/detect/formats/lists.js";
import { zeekField, zeekIntel } from "../../node/src/detect/formats/zeek.js";
import { importCsv, readCell, spreadsheetSafe } from "../../node/src/interop/csv.js";
import { mispToStix } from "../../node/src/interop/misp-stix.js";
import { importStix } from "../../node/src/interop/stix.js";
import { MAX_PATTERN_LENGTH, parseStixPattern } from "../../node/src/model/stix-pattern.js";
import { MAX_TIME_MS } from "../../node/src/model/indicator.js";
import { mergeIndicator } from "../../node/src/model/record.js";
import { checkObservedAt, checkSighting } from "../../node/src/model/sighting.js";
import { buildIndicator, checkIndicator } from "../../node/src/model/validate.js";
import { CanonicalWriter, encodeIndicatorCanonical } from "../../node/src/wire/canonical.js";
import type { ScoredRecord } from "../../node/src/trust/trust-service.js";

/** Input crafted to hurt: each case was a finding of the review (issue 14), fixed where it enters. */
const now = Date.parse("2026-11-21T12:00:00Z");
const PROTOTYPE_KEYS = ["constructor", "__proto__", "toString", "hasOwnProperty", "valueOf"];

describe("hostile input at the boundaries", function () {
  describe("times", function () {
    it("refuses a validity or creation time past 2100 where it enters, and in a received statement", function () {
      for (const validFrom of [9e15, "+275760-09-13T00:00:00.000Z", Date.UTC(2100, 0, 2)]) {
        expect(() => buildIndicator({ type: "domain", value: "late.example", validFrom }, { producer: "acme-bank", now })).to.throw(/2100|ISO 8601/);
      }
      const good = buildIndicator({ type: "domain", value: "late.example" }, { producer: "acme-bank", now });
      expect(() => checkIndicator({ ...good, validFrom: MAX_TIME_MS + 1, validUntil: MAX_TIME_MS + 2 })).to.throw(/2100/);
      expect(() => checkIndicator({ ...good, createdAt: MAX_TIME_MS + 1 })).to.throw(/2100/);
      expect(() => checkIndicator({ ...good, validFrom: MAX_TIME_MS - 1000, validUntil: MAX_TIME_MS })).to.not.throw();
    });

    it("refuses a sighting observed in the future (beyond the clock skew) or past 2100", function () {
      expect(() => checkObservedAt(now + 60_001, now, 60_000)).to.throw(/future/);
      expect(() => checkObservedAt(now + 60_000, now, 60_000)).to.not.throw();
      expect(() => checkObservedAt(Date.UTC(2100, 0, 2), Date.UTC(2100, 0, 2), 0)).to.throw(/2100/);
      expect(() => checkSighting({ indicatorId: "ab".repeat(32), kind: "sighting", observedAt: MAX_TIME_MS + 1, count: 1, reporter: "acme-bank" })).to.throw(/2100/);
    });
  });

  describe("the canonical encoding", function () {
    it("refuses a value its width cannot hold instead of wrapping it (a confidence of 306 is not 50)", function () {
      expect(() => new CanonicalWriter().u8(306)).to.throw(RangeError);
      expect(() => new CanonicalWriter().u8(1.5)).to.throw(RangeError);
      expect(() => new CanonicalWriter().u32(2 ** 32)).to.throw(RangeError);
      const good = buildIndicator({ type: "domain", value: "wrap.example", confidence: 50 }, { producer: "acme-bank", now });
      expect(() => encodeIndicatorCanonical({ ...good, confidence: 306 })).to.throw(RangeError);
    });
  });

  describe("STIX patterns", function () {
    it("refuses a pattern longer than MAX_PATTERN_LENGTH at once", function () {
      const long = `[domain-name:value = '${"a".repeat(MAX_PATTERN_LENGTH)}']`;
      const result = parseStixPattern(long);
      expect(result).to.deep.include({ ok: false });
      expect((result as { reason: string }).reason).to.match(/at most/);
    });

    it("reads a pattern of many list indexes and quoted steps in one pass (what used to be quadratic)", function () {
      // A path of list indexes after a colon: each used to slice the rest of the pattern.
      const steps = "[*]".repeat(Math.floor((MAX_PATTERN_LENGTH - 100) / 3));
      const result = parseStixPattern(`[network-traffic:extensions${steps} = 'x']`);
      expect(result).to.deep.include({ ok: false });
      expect((result as { reason: string }).reason).to.match(/not supported/);
    });

    it("finds nothing under a prototype's key: a path or hash name of 'constructor' is refused with its reason", function () {
      for (const key of PROTOTYPE_KEYS) {
        const result = parseStixPattern(`[${key} = 'x']`);
        expect(result.ok, key).to.equal(false);
        const hash = parseStixPattern(`[file:hashes.'${key}' = 'ab']`);
        expect(hash.ok, key).to.equal(false);
      }
    });
  });

  describe("importers", function () {
    it("STIX: objects, observables and markings named after prototype keys are left out with a reason, never a TypeError", function () {
      const objects = PROTOTYPE_KEYS.flatMap((key) => [
        { type: key, id: `${key}--1`, value: "x" },
        { type: "indicator", id: `indicator--${key}`, pattern: `[${key} = 'x']`, pattern_type: "stix", object_marking_refs: [key] },
        { type: "file", id: `file--${key}`, hashes: { [key]: "ab" } },
      ]);
      const read = importStix({ type: "bundle", id: "bundle--1", objects }, { defaultTlp: "GREEN" });
      expect(read.inputs).to.deep.equal([]);
      expect(read.skipped).to.have.length(objects.length);
    });

    it("MISP: attribute types, tags and sighting types named after prototype keys are kept as text, never taken for a type", function () {
      const attributes = PROTOTYPE_KEYS.flatMap((key) => [
        { type: key, value: "x", uuid: `${key}-1` },
        { type: "domain", value: `${key.replace(/_/g, "")}.example`, uuid: `${key}-2`, to_ids: true, Tag: [{ name: key }], Sighting: [{ type: key, date_sighting: "1763726400" }] },
      ]);
      const read = mispToStix({ Event: { uuid: "e", info: "e", Attribute: attributes } }, { defaultTlp: "GREEN", now });
      const notes = read.objects.filter((o) => o.type === "note").map((o) => (o.x_misp_attribute as { type: string }).type);
      expect(notes.sort()).to.deep.equal([...PROTOTYPE_KEYS].sort());
      expect(read.objects.filter((o) => o.type === "indicator")).to.have.length(PROTOTYPE_KEYS.length);
      expect(read.sightings).to.deep.equal([]);
      for (const object of read.objects) expect(object.object_marking_refs).to.deep.equal(["marking-definition--bab4a63c-aed9-4cf5-a766-dfca5abac2bb"]);
    });
  });

  describe("feeds read by other programs", function () {
    const record = (value: string, description: string): ScoredRecord => {
      const indicator = buildIndicator({ type: "email", value, description, labels: { tags: ["phish"] } }, { producer: "acme-bank", now });
      return { ...mergeIndicator(undefined, indicator, { sequence: 1, index: 0 }, now), score: { score: 80, base: 80, quarantined: false, expired: false, statements: [], confirmedBy: [], falsePositiveBy: [], expiredBy: [] } };
    };

    it("CSV: a cell a spreadsheet would run as a formula is written as text, and reads back as written", function () {
      for (const cell of ["=HYPERLINK(\"http://evil\")", "+1+1", "-2", "@SUM(A1)", "\tx", "\rx"]) {
        expect(spreadsheetSafe(cell)).to.equal(`'${cell}`);
        expect(readCell(spreadsheetSafe(cell))).to.equal(cell);
      }
      expect(spreadsheetSafe("evil.example")).to.equal("evil.example");
      const csv = csvFeed([record("=cmd@evil.example", "")]);
      expect(csv).to.include("'=cmd@evil.example");
      const back = importCsv(csv, { defaultTlp: "GREEN" });
      expect(back.inputs[0]!.value).to.equal("=cmd@evil.example");
    });

    it("Zeek: a value starting with # is not taken for a comment, and a backslash reads back as itself", function () {
      expect(zeekField("#admin@evil.example")).to.equal("\\x23admin@evil.example");
      expect(zeekField("a\\x41b")).to.equal("a\\x5cx41b");
      expect(zeekField("-")).to.equal("\\x2d");
      expect(zeekField("")).to.equal("-");
      const lines = zeekIntel([record("#admin@evil.example", "")]).trimEnd().split("\n");
      expect(lines.slice(1).every((line) => !line.startsWith("#"))).to.equal(true);
      expect(lines[1]!.split("\t")[0]).to.equal("\\x23admin@evil.example");
    });
  });
});
