import { expect } from "chai";
import fc from "fast-check";
import { bundledTaxonomies } from "../../node/src/config/reference-data.js";
import { formatMachineTag, papOf, parseMachineTag, tagValue, tlpOfTag } from "../../node/src/model/tags.js";
import { buildIndicator, hasOnlyVersion2Tags } from "../../node/src/model/validate.js";
import { prepareIndicator, type PreparationContext } from "../../node/src/privacy/publish-preparation.js";
import { DEFAULT_SCRUB_POLICY, Scrubber } from "../../node/src/privacy/scrubber.js";

const now = Date.parse("2026-12-01T00:00:00Z");

describe("tags: machine tags and the taxonomies", function () {
  it("reads MISP machine tags, with and without a value, and writes them back the same", function () {
    expect(parseMachineTag('admiralty-scale:source-reliability="b"')).to.deep.equal({ namespace: "admiralty-scale", predicate: "source-reliability", value: "b" });
    expect(parseMachineTag("PAP:RED")).to.deep.equal({ namespace: "PAP", predicate: "RED" });
    expect(parseMachineTag('misp-galaxy:threat-actor="APT 29"')).to.deep.equal({ namespace: "misp-galaxy", predicate: "threat-actor", value: "APT 29" });
    for (const free of ["phishing", "wave 3", ":x", 'a:b="', "x".repeat(300) + ":y"]) expect(parseMachineTag(free), free).to.equal(undefined);
    fc.assert(
      fc.property(fc.stringMatching(/^[a-z][a-z0-9-]{0,10}$/), fc.stringMatching(/^[a-z][a-z0-9-]{0,10}$/), fc.option(fc.stringMatching(/^[A-Za-z0-9 ._-]{1,20}$/), { nil: undefined }), (namespace, predicate, value) => {
        const tag = { namespace, predicate, ...(value !== undefined ? { value } : {}) };
        expect(parseMachineTag(formatMachineTag(tag))).to.deep.equal(tag);
      }),
      { numRuns: 2000, seed: 21 },
    );
  });

  it("reads PAP (the most restrictive, WHITE as CLEAR), TLP and a predicate's value from tags", function () {
    expect(papOf(["phishing", "PAP:GREEN", "pap:red"])).to.equal("RED");
    expect(papOf(["PAP:WHITE"])).to.equal("CLEAR");
    expect(papOf(["PAP:PURPLE", "phishing"])).to.equal(undefined);
    expect(tlpOfTag("tlp:amber+strict")).to.equal("AMBER+STRICT");
    expect(tlpOfTag("TLP:WHITE")).to.equal("CLEAR");
    expect(tlpOfTag("tlp:ex:chr")).to.equal(undefined);
    expect(tagValue(['Admiralty-Scale:Source-Reliability="b"'], "admiralty-scale", "source-reliability")).to.equal("b");
  });

  it("keeps a machine tag's case on an indicator, lowercases a free word, and sends machine tags in version 3 only", function () {
    const indicator = buildIndicator({ type: "domain", value: "evil.example", labels: { tags: ["Phishing", "PAP:RED", 'misp-galaxy:threat-actor="APT 29"'] } }, { producer: "acme-bank", now });
    expect(indicator.labels.tags).to.deep.equal(["PAP:RED", 'misp-galaxy:threat-actor="APT 29"', "phishing"]);
    expect(hasOnlyVersion2Tags(indicator)).to.equal(false);
    expect(hasOnlyVersion2Tags(buildIndicator({ type: "domain", value: "evil.example", labels: { tags: ["phishing", "c2:server"] } }, { producer: "acme-bank", now }))).to.equal(true);
  });

  describe("checked against the bundled MISP taxonomies", function () {
    const taxonomies = bundledTaxonomies();

    it("writes known tags in their taxonomy's case and keeps unknown namespaces and free words as they are", function () {
      expect(taxonomies.check(["pap:red", 'ADMIRALTY-SCALE:source-reliability="B"', 'rsit:malicious-code="c2-server"', "x-ours:anything", "phishing"])).to.deep.equal({
        ok: true,
        tags: ["PAP:RED", 'admiralty-scale:source-reliability="b"', 'rsit:malicious-code="c2-server"', "x-ours:anything", "phishing"],
      });
    });

    it("refuses a predicate or value a taxonomy does not have, and a second tag where it is exclusive, each with its reason", function () {
      const refusal = (tags: string[]) => {
        const result = taxonomies.check(tags);
        return result.ok ? "ok" : `${result.reason}: ${result.message}`;
      };
      expect(refusal(["PAP:PURPLE"])).to.equal('TAG_NOT_IN_TAXONOMY: PAP:PURPLE: the PAP taxonomy has no predicate "PURPLE"');
      expect(refusal(['admiralty-scale:source-reliability="z"'])).to.match(/^TAG_NOT_IN_TAXONOMY: .* takes one of a, b, c, d, e, f, g$/);
      expect(refusal(["admiralty-scale:source-reliability"])).to.match(/^TAG_NOT_IN_TAXONOMY/);
      expect(refusal(['PAP:RED="x"'])).to.equal('TAG_NOT_IN_TAXONOMY: PAP:RED="x": PAP:RED takes no value');
      expect(refusal(["PAP:RED", "PAP:GREEN"])).to.equal("TAG_EXCLUSIVE: PAP:GREEN: the PAP taxonomy is exclusive, and PAP:RED is given too");
      expect(refusal(['admiralty-scale:source-reliability="a"', 'admiralty-scale:source-reliability="c"'])).to.match(/^TAG_EXCLUSIVE: .*source-reliability is exclusive/);
      // Two predicates of a non-exclusive taxonomy, and the same tag twice, are fine.
      expect(refusal(['admiralty-scale:source-reliability="a"', 'admiralty-scale:information-credibility="2"', "PAP:RED", "pap:red"])).to.equal("ok");
    });

    it("describes a tag in its taxonomy's words, with its numerical value", function () {
      expect(taxonomies.describe('admiralty-scale:source-reliability="b"')).to.deep.include({ expanded: "Usually reliable", numericalValue: 75 });
      expect(taxonomies.describe("nope:x")).to.equal(undefined);
    });
  });

  describe("publishing an indicator", function () {
    const context: PreparationContext = {
      orgId: "acme-bank",
      defaultGroup: 3,
      scrubber: new Scrubber(DEFAULT_SCRUB_POLICY),
      groups: { get: () => ({}), isListed: () => true },
      blindingKeyFor: () => new Uint8Array(32),
      taxonomies: bundledTaxonomies(),
      now,
    };

    it("takes a TLP tag as the TLP and out of the tags, refuses TLPs that disagree, and checks tags against the taxonomies", function () {
      const prepared = prepareIndicator({ type: "domain", value: "evil.example", labels: { tags: ["tlp:amber", "pap:amber", "wave-3"] } }, context);
      expect("indicator" in prepared && [prepared.indicator.tlp, prepared.indicator.group, prepared.indicator.labels.tags]).to.deep.equal(["AMBER", 3, ["PAP:AMBER", "wave-3"]]);
      expect(prepareIndicator({ type: "domain", value: "evil.example", tlp: "GREEN", labels: { tags: ["tlp:red"] } }, context)).to.deep.include({ reason: "TLP_CONFLICT" });
      expect(prepareIndicator({ type: "domain", value: "evil.example", labels: { tags: ["tlp:red", "tlp:green"] } }, context)).to.deep.include({ reason: "TLP_CONFLICT" });
      expect(prepareIndicator({ type: "domain", value: "evil.example", labels: { tags: ["PAP:RED", "PAP:CLEAR"] } }, context)).to.deep.include({ reason: "TAG_EXCLUSIVE", field: "labels.tags" });
    });
  });
});

describe("tags: search and outside forms", function () {
  it("finds a tag whatever its case, or any tag a prefix ending in * begins", async function () {
    const { hasTag } = await import("../../node/src/model/tags.js");
    const tags = ["PAP:RED", 'admiralty-scale:source-reliability="b"', "phishing"];
    expect(hasTag(tags, "pap:red")).to.equal(true);
    expect(hasTag(tags, "PAP:GREEN")).to.equal(false);
    expect(hasTag(tags, "admiralty-scale:*")).to.equal(true);
    expect(hasTag(tags, "admiralty-scale:source-reliability=\"b\"")).to.equal(true);
    expect(hasTag(tags, "phish")).to.equal(false);
    expect(hasTag(tags, "phish*")).to.equal(true);
    expect(hasTag([], "*")).to.equal(false);
  });

  it("takes a tag from outside as the exchange keeps it: machine tags with their case, words lowercased, the rest refused", async function () {
    const { canonicalTag } = await import("../../node/src/model/tags.js");
    expect(canonicalTag(' misp-galaxy:threat-actor="APT 29" ')).to.equal('misp-galaxy:threat-actor="APT 29"');
    expect(canonicalTag("Phishing")).to.equal("phishing");
    for (const bad of ["<b>x</b>", "", "x".repeat(65), "a\u0000b"]) expect(canonicalTag(bad), bad).to.equal(undefined);
  });
});
