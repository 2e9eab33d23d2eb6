import { expect } from "chai";
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import fc from "fast-check";
import { checkObjectJson, checkObjects, MAX_OBJECT_BYTES, ObjectCheckError } from "../../node/src/intel/object-checks.js";
import { readStixObjects } from "../../node/src/interop/stix-objects.js";
import { PROPERTY_VALUE_RULE, suffixFirstRegExp } from "../../node/src/intel/stix-schema.js";
import { addStatement, currentStatement, ownerOf, type ObjectRecord, type ObjectStatement } from "../../node/src/model/object-record.js";
import {
  displayName,
  edgesOf,
  isGraphReference,
  kindOfType,
  orgIdentityId,
  referencesOf,
  TLP2_MARKINGS,
  tlpOfObject,
  typeOfId,
  versionKey,
  versionOf,
} from "../../node/src/model/stix-object.js";
import { patternAtoms } from "../../node/src/model/stix-pattern.js";
import { audienceCovers, prepareObject, type ObjectPreparationContext } from "../../node/src/privacy/object-preparation.js";
import { DEFAULT_SCRUB_POLICY, Scrubber } from "../../node/src/privacy/scrubber.js";
import { canonicalJson, CanonicalJsonError, depthWithin, isCanonicalText, parseCanonicalObject } from "../../node/src/wire/canonical-json.js";
import { SHARED_DATA } from "../helpers/shared-data.js";
import { bundledTaxonomies } from "../../node/src/config/reference-data.js";
import { malwareObject } from "../helpers/stix-fixtures.js";

const NOW = Date.parse("2026-12-01T00:00:00Z");
const TLP1_RED = "marking-definition--5e57c739-391a-4eb3-b6be-7d15ca92d5ed";
const STATEMENT_MARKING = "marking-definition--fa42a846-8d90-4e51-bc29-71d5b4802168";

const malware = malwareObject;

function reason(check: () => unknown): string {
  try {
    check();
    return "passed";
  } catch (err) {
    if (err instanceof ObjectCheckError) return err.reason;
    if (err instanceof CanonicalJsonError) return "CANONICAL";
    throw err;
  }
}

describe("STIX objects: the model", function () {
  it("knows every STIX 2.1 type, custom x- types, and refuses the rest", function () {
    expect(kindOfType("attack-pattern")).to.equal("sdo");
    expect(kindOfType("relationship")).to.equal("sro");
    expect(kindOfType("ipv4-addr")).to.equal("sco");
    expect(kindOfType("marking-definition")).to.equal("meta");
    expect(kindOfType("x-mitre-tactic")).to.equal("custom");
    for (const bad of ["x-", "X-Thing", "constructor", "__proto__", "bundle", "x-ends-"]) expect(kindOfType(bad), bad).to.equal(undefined);
    expect(typeOfId("x-mitre-tactic--2558fd61-8c75-4730-94c4-11926db2a263")).to.equal("x-mitre-tactic");
    expect(typeOfId("malware--not-a-uuid")).to.equal(undefined);
  });

  it("takes the most restrictive TLP of object and granular markings, TLP 1.0 and 2.0 alike, and none from other markings", function () {
    expect(tlpOfObject(malware())).to.equal("GREEN");
    expect(tlpOfObject(malware({ object_marking_refs: [STATEMENT_MARKING] }))).to.equal(undefined);
    expect(tlpOfObject(malware({ object_marking_refs: [TLP2_MARKINGS.CLEAR, TLP2_MARKINGS.AMBER] }))).to.equal("AMBER");
    expect(tlpOfObject(malware({ object_marking_refs: [TLP1_RED] }))).to.equal("RED");
    // A part marked AMBER+STRICT makes the whole so: the exchange never widens a part.
    expect(tlpOfObject(malware({ granular_markings: [{ marking_ref: TLP2_MARKINGS["AMBER+STRICT"], selectors: ["description"] }] }))).to.equal("AMBER+STRICT");
    expect(tlpOfObject(malware({ object_marking_refs: undefined, granular_markings: [{ marking_ref: TLP2_MARKINGS.GREEN, selectors: ["name"] }] }))).to.equal("GREEN");
  });

  it("orders versions in time whatever their precision, unversioned first", function () {
    expect(versionOf(malware())).to.equal("2026-11-01T00:00:00.000Z");
    expect(versionOf({ type: "ipv4-addr", value: "198.51.100.1" })).to.equal("");
    expect(versionOf({ type: "marking-definition", created: "2017-06-01T00:00:00Z" })).to.equal("2017-06-01T00:00:00Z");
    expect(versionKey("2026-11-01T00:00:00Z")).to.equal(versionKey("2026-11-01T00:00:00.000Z"));
    expect(versionKey("2026-11-01T00:00:00.5Z") > versionKey("2026-11-01T00:00:00.499999Z")).to.equal(true);
    expect(versionKey("") < versionKey("1970-01-01T00:00:00Z")).to.equal(true);
  });

  it("finds every reference, nested and in lists, and leaves authorship and markings out of the graph", function () {
    const report = {
      type: "report",
      id: "report--2f6bd58c-3d2e-4b0a-9c52-6f1e0ad4a001",
      created_by_ref: orgIdentityId("acme-bank"),
      object_refs: ["malware--31b940d4-6f7f-459a-80ea-9c1f17b5891b", "relationship--eca24e47-2259-4850-9705-fd1065c77236", "malware--31b940d4-6f7f-459a-80ea-9c1f17b5891b"],
      object_marking_refs: [TLP2_MARKINGS.GREEN],
      extensions: { "x-nested": { sample_ref: "file--5a3ee9c8-5a4f-4f38-9d34-1d7ba8b2ef3d" } },
      x_mitre_modified_by_ref: "identity--c78cb6e5-0c4b-4611-8297-d1b8b55e40b5",
    };
    expect(referencesOf(report).map((r) => r.path)).to.deep.equal([
      "created_by_ref",
      "object_refs[0]",
      "object_refs[1]",
      "object_refs[2]",
      "object_marking_refs[0]",
      "extensions.x-nested.sample_ref",
      "x_mitre_modified_by_ref",
    ]);
    expect(["created_by_ref", "object_marking_refs[0]", "granular_markings[0].marking_ref", "x_mitre_modified_by_ref"].map(isGraphReference)).to.deep.equal([false, false, false, false]);
    // A reference to a relationship is no edge (the relationship is one), and a repeat is one edge.
    expect(edgesOf(report).map((e) => `${e.label} ${e.to}`)).to.deep.equal(["object_refs malware--31b940d4-6f7f-459a-80ea-9c1f17b5891b", "sample_ref file--5a3ee9c8-5a4f-4f38-9d34-1d7ba8b2ef3d"]);
    const relationship = { type: "relationship", id: "relationship--eca24e47-2259-4850-9705-fd1065c77236", relationship_type: "uses", source_ref: "intrusion-set--a", target_ref: "malware--b" };
    expect(edgesOf(relationship)).to.deep.equal([{ from: "intrusion-set--a", to: "malware--b", via: relationship.id, label: "uses" }]);
    expect(displayName(relationship)).to.equal("intrusion-set--a uses malware--b");
  });

  it("derives one identity per member org, the same everywhere", function () {
    expect(orgIdentityId("acme-bank")).to.equal(orgIdentityId("acme-bank"));
    expect(orgIdentityId("acme-bank")).to.not.equal(orgIdentityId("north-cert"));
    expect(orgIdentityId("acme-bank")).to.match(/^identity--[0-9a-f-]{36}$/);
  });
});

describe("STIX objects: canonical JSON (RFC 8785)", function () {
  it("writes the one form RFC 8785 gives, and refuses any other text for the same object", function () {
    expect(canonicalJson({ b: 1, a: [2, { d: true, c: null }], "€": "é", n: 1e21, f: 0.1 })).to.equal('{"a":[2,{"c":null,"d":true}],"b":1,"f":0.1,"n":1e+21,"€":"é"}');
    const text = canonicalJson(malware());
    expect(parseCanonicalObject(text)).to.deep.equal(malware());
    for (const other of [JSON.stringify(malware()), JSON.stringify(malware(), null, 1), text.replace('"name":"Emotet"', '"name":"\\u0045motet"')]) {
      expect(() => parseCanonicalObject(other), other.slice(0, 40)).to.throw(CanonicalJsonError, /canonical/);
    }
    expect(() => parseCanonicalObject("[1]")).to.throw(CanonicalJsonError, /not a JSON object/);
    expect(() => parseCanonicalObject("{")).to.throw(CanonicalJsonError, /not JSON/);
    expect(() => canonicalJson({ bad: "\ud800" })).to.throw(CanonicalJsonError);
  });

  it("refuses nesting deeper than 32 levels from one pass over the text, brackets in strings not counted", function () {
    expect(depthWithin(`${"[".repeat(32)}${"]".repeat(32)}`)).to.equal(true);
    expect(depthWithin(`${"[".repeat(33)}${"]".repeat(33)}`)).to.equal(false);
    expect(depthWithin(`{"a":"${"[".repeat(100)}\\"${"{".repeat(100)}"}`)).to.equal(true);
    expect(() => parseCanonicalObject(`{"a":${"[".repeat(100_000)}`)).to.throw(CanonicalJsonError, /deeper/);
  });

  it("tells canonical text from other text as the canonicalizer does, by its own faster check", function () {
    fc.assert(
      fc.property(fc.dictionary(fc.string(), fc.jsonValue()), fc.boolean(), (value, canonical) => {
        const text = canonical ? canonicalJson(value) : JSON.stringify(value);
        const parsed = JSON.parse(text) as unknown;
        let expected: boolean;
        try {
          expected = canonicalJson(parsed) === text;
        } catch {
          expected = false;
        }
        expect(isCanonicalText(text, parsed) ?? expected, text).to.equal(expected);
      }),
      { numRuns: 5000, seed: 16 },
    );
    // What it leaves to the canonicalizer: keys JavaScript orders as array indexes.
    expect(isCanonicalText('{"10":1,"2":2}', JSON.parse('{"10":1,"2":2}'))).to.equal(undefined);
    // An escaped backslash then "ud800" is text; "\ud800" in JSON is a lone surrogate, which RFC 8785 refuses.
    const backslash = String.raw`{"a":"\\ud800"}`;
    const surrogate = String.raw`{"a":"\ud800"}`;
    expect(isCanonicalText(backslash, JSON.parse(backslash))).to.equal(true);
    expect(isCanonicalText(surrogate, JSON.parse(surrogate))).to.equal(false);
    expect(isCanonicalText('{"a":1,"a":2}', JSON.parse('{"a":1,"a":2}'))).to.equal(false);
    expect(isCanonicalText('{"a":-0}', JSON.parse('{"a":-0}'))).to.equal(false);
  });

  it("round-trips whatever JSON object it is given", function () {
    fc.assert(
      fc.property(fc.dictionary(fc.string(), fc.jsonValue()), (value) => {
        const text = canonicalJson(value);
        expect(canonicalJson(JSON.parse(text))).to.equal(text);
      }),
      { numRuns: 2000, seed: 15 },
    );
  });
});

describe("STIX objects: the checks every node runs", function () {
  const check = (object: unknown) => () => checkObjectJson(typeof object === "string" ? object : canonicalJson(object), NOW);

  it("passes a valid object and reads its facts once", function () {
    const facts = checkObjectJson(canonicalJson(malware({ created_by_ref: orgIdentityId("acme-bank") })), NOW);
    expect(facts).to.deep.include({ id: malware().id, type: "malware", kind: "sdo", version: "2026-11-01T00:00:00.000Z", tlp: "GREEN", revoked: false, name: "Emotet", createdBy: orgIdentityId("acme-bank") });
    expect(facts.hash).to.match(/^[0-9a-f]{64}$/);
  });

  it("refuses each fault with its own reason", function () {
    expect(reason(check(JSON.stringify(malware(), null, 2)))).to.equal("OBJECT_NOT_CANONICAL");
    expect(reason(check(malware({ description: "x".repeat(MAX_OBJECT_BYTES) })))).to.equal("OBJECT_TOO_LARGE");
    expect(reason(check(malware({ description: "x".repeat(MAX_OBJECT_BYTES - 400) })))).to.equal("passed");
    expect(reason(check(malware({ is_family: undefined })))).to.equal("INVALID_OBJECT");
    expect(reason(check(malware({ type: "tool" })))).to.equal("INVALID_OBJECT");
    expect(reason(check(malware({ type: "bundle" })))).to.equal("INVALID_OBJECT");
    expect(reason(check(malware({ id: "malware--1" })))).to.equal("INVALID_OBJECT");
    expect(reason(check(JSON.parse(`{"type":"malware","__proto__":{"x":1}}`)))).to.equal("INVALID_OBJECT");
    expect(reason(check(malware({ object_marking_refs: [STATEMENT_MARKING] })))).to.equal("OBJECT_UNMARKED");
    expect(reason(check(malware({ modified: "2026-12-01T00:02:00.000Z" })))).to.equal("OBJECT_FROM_FUTURE");
    expect(reason(check(malware({ created: "2150-01-01T00:00:00.000Z", modified: "2150-01-01T00:00:00.000Z" })))).to.equal("OBJECT_FROM_FUTURE");
    const json = canonicalJson(malware());
    expect(reason(() => checkObjects([json, canonicalJson(malware({ name: "other" }))], { sealed: false }, NOW))).to.equal("DUPLICATE_OBJECT");
    expect(reason(() => checkObjects([json, canonicalJson(malware({ modified: "2026-11-02T00:00:00.000Z" }))], { sealed: false }, NOW))).to.equal("passed");
    expect(reason(() => checkObjects([canonicalJson(malware({ object_marking_refs: [TLP2_MARKINGS.AMBER] }))], { sealed: false }, NOW))).to.equal("OBJECT_NOT_SEALED");
    expect(reason(() => checkObjects([canonicalJson(malware({ object_marking_refs: [TLP2_MARKINGS.AMBER] }))], { sealed: true }, NOW))).to.equal("passed");
    expect(reason(() => checkObjects([canonicalJson(malware({ object_marking_refs: [TLP2_MARKINGS.RED] }))], { sealed: true }, NOW))).to.equal("OBJECT_TLP_RED");
  });

  it("names ids and properties in its messages, never a value", function () {
    try {
      checkObjectJson(canonicalJson(malware({ name: 42 })), NOW);
      expect.fail("refused");
    } catch (err) {
      expect((err as Error).message).to.include(malware().id).and.include("/name").and.not.include("42");
    }
  });

  it("passes every object of ATT&CK Enterprise once brought to 2.1, and every OASIS example", async function () {
    const { gunzipSync } = await import("node:zlib");
    const attack = readStixObjects(JSON.parse(gunzipSync(await readFile(join(SHARED_DATA, "attack/enterprise-attack.json.gz"))).toString("utf8")));
    expect(attack.changes).to.deep.equal(["spec_version 2.1 added (a STIX 2.0 object): 20975", "is_family true added to a STIX 2.0 malware (2.0 malware are families): 693"]);
    const withTlp = attack.objects.map((o) => ({ ...o, object_marking_refs: [...((o.object_marking_refs as string[] | undefined) ?? []), TLP2_MARKINGS.CLEAR] }));
    const problems = withTlp.flatMap((o) => {
      try {
        checkObjectJson(canonicalJson(o), NOW);
        return [];
      } catch (err) {
        return [(err as Error).message];
      }
    });
    expect(problems.slice(0, 3)).to.deep.equal([]);
    const { readdir } = await import("node:fs/promises");
    const dir = join(SHARED_DATA, "stix2/examples");
    let examples = 0;
    for (const file of await readdir(dir)) {
      for (const object of readStixObjects(JSON.parse(await readFile(join(dir, file), "utf8"))).objects) {
        const marked = tlpOfObject(object) ? object : { ...object, object_marking_refs: [...((object.object_marking_refs as string[] | undefined) ?? []), TLP2_MARKINGS.GREEN] };
        expect(reason(() => checkObjectJson(canonicalJson(marked), NOW)), `${file} ${String(object.id)}`).to.equal("passed");
        examples++;
      }
    }
    expect(examples).to.equal(29);
  });
});

describe("STIX objects: pattern atoms", function () {
  it("takes every equality and IN comparison with a known observable, wherever it stands, and no negated one", function () {
    const result = patternAtoms(
      "([ipv4-addr:value = '198.51.100.1' AND domain-name:value = 'evil.example'] FOLLOWEDBY [file:hashes.'SHA-256' = '" +
        "a".repeat(64) +
        "']) WITHIN 600 SECONDS OR [url:value IN ('http://a.example/x', 'http://b.example/y')] OR [ipv4-addr:value NOT = '198.51.100.9'] OR [process:name = 'x.exe'] OR [ipv4-addr:value != '198.51.100.10']",
    );
    expect(result.ok).to.equal(true);
    if (!result.ok) return;
    expect(result.atoms.map((a) => `${a.type}:${a.value}`)).to.deep.equal(["ipv4:198.51.100.1", "domain:evil.example", `sha256:${"a".repeat(64)}`, "url:http://a.example/x", "url:http://b.example/y"]);
    expect(result.ignored).to.include("negated comparisons").and.include("the object path process:name is not supported").and.include("comparisons by !=");
  });

  it("refuses what does not tokenize or balance, and atoms come once", function () {
    expect(patternAtoms("[ipv4-addr:value = '1").ok).to.equal(false);
    expect(patternAtoms("[ipv4-addr:value = '198.51.100.1'").ok).to.equal(false);
    expect(patternAtoms("ipv4-addr:value = '198.51.100.1']").ok).to.equal(false);
    const twice = patternAtoms("[ipv4-addr:value = '198.51.100.1'] OR [ipv4-addr:value = '198.51.100.1']");
    expect(twice.ok && twice.atoms.length).to.equal(1);
  });
});

describe("STIX objects: who versions an object", function () {
  const statement = (producer: string, version: string, extra: Partial<ObjectStatement> = {}): ObjectStatement => ({
    producer,
    version,
    hash: `${producer}-${version}`.padEnd(64, "0"),
    tlp: "GREEN",
    group: 0,
    authored: false,
    revoked: false,
    name: "x",
    signedAt: Date.parse(version) || 0,
    sequence: 1,
    leaf: 0,
    receivedAt: 0,
    revision: 1,
    ...extra,
  });
  const build = (statements: ObjectStatement[]) => {
    let record: ObjectRecord | undefined;
    for (const s of statements) record = addStatement(record, "malware--x", "malware", s).record;
    return record!;
  };

  it("gives third-party objects to the first publisher, whatever order statements arrive in", function () {
    const a = statement("acme-bank", "2026-11-01T00:00:00.000Z", { signedAt: 100 });
    const b = statement("north-cert", "2026-11-05T00:00:00.000Z", { signedAt: 200 });
    const a2 = statement("acme-bank", "2026-11-03T00:00:00.000Z", { signedAt: 300 });
    for (const order of [[a, b, a2], [b, a2, a], [a2, b, a]]) {
      const record = build(order);
      expect(record.owner).to.equal("acme-bank");
      // north-cert's later version is kept as its own statement, not as the object's.
      expect(currentStatement(record)!.version).to.equal(a2.version);
      expect(record.statements.length).to.equal(3);
    }
    expect(ownerOf([statement("b-org", "v", { signedAt: 5 }), statement("a-org", "v", { signedAt: 5 })])).to.equal("a-org");
  });

  it("gives an object authored under a member's identity to that member, even if another stated it first", function () {
    const record = build([statement("north-cert", "2026-11-01T00:00:00.000Z", { signedAt: 1 }), statement("acme-bank", "2026-11-02T00:00:00.000Z", { signedAt: 50, authored: true })]);
    expect(record.owner).to.equal("acme-bank");
  });

  it("keeps one statement per producer and version everywhere: the smaller hash wins, and a repeat changes nothing", function () {
    const one = statement("acme-bank", "2026-11-01T00:00:00.000Z", { hash: "b".repeat(64) });
    const rival = { ...one, hash: "a".repeat(64) };
    const first = addStatement(undefined, "malware--x", "malware", one).record;
    const replaced = addStatement(first, "malware--x", "malware", rival);
    expect(replaced).to.include({ changed: true, conflict: true });
    expect(replaced.record.statements.map((s) => s.hash)).to.deep.equal([rival.hash]);
    const kept = addStatement(replaced.record, "malware--x", "malware", one);
    expect(kept).to.include({ changed: false, conflict: true });
    expect(addStatement(kept.record, "malware--x", "malware", rival)).to.include({ changed: false, conflict: false });
  });

  it("shows each audience the owner's latest version it may see", function () {
    const record = build([statement("acme-bank", "2026-11-01T00:00:00.000Z"), statement("acme-bank", "2026-11-02T00:00:00.000Z", { tlp: "AMBER", group: 3 })]);
    expect(currentStatement(record)!.version).to.equal("2026-11-02T00:00:00.000Z");
    expect(currentStatement(record, (s) => s.group === 0)!.version).to.equal("2026-11-01T00:00:00.000Z");
    expect(currentStatement(record, () => false)).to.equal(undefined);
  });
});

describe("STIX objects: what publishing does to an object", function () {
  const groups = { get: (id: number) => (id === 3 ? {} : undefined), isListed: (group: number, org: string) => group === 3 && org === "acme-bank" };
  const context = (extra: Partial<ObjectPreparationContext> = {}): ObjectPreparationContext => ({
    orgId: "acme-bank",
    defaultGroup: undefined,
    scrubber: new Scrubber({ ...DEFAULT_SCRUB_POLICY, internalDomains: ["acme-bank.example"] }),
    groups,
    now: NOW,
    defaultTlp: "GREEN",
    audienceOf: () => undefined,
    identityOwner: (id) => (id === orgIdentityId("north-cert") ? "north-cert" : id === orgIdentityId("acme-bank") ? "acme-bank" : undefined),
    taxonomies: bundledTaxonomies(),
    ...extra,
  });

  it("adds the default TLP marking to an unmarked object and says so", function () {
    const prepared = prepareObject(malware({ object_marking_refs: [STATEMENT_MARKING] }), {}, context({ defaultTlp: "CLEAR" }));
    expect("json" in prepared && JSON.parse(prepared.json).object_marking_refs).to.deep.equal([STATEMENT_MARKING, TLP2_MARKINGS.CLEAR]);
    expect("json" in prepared && prepared.changes).to.deep.equal([{ path: "object_marking_refs", what: "TLP_MARKING_ADDED", count: 1 }]);
  });

  it("seals AMBER for a group this org is in, and refuses one it cannot publish to", function () {
    const amber = malware({ object_marking_refs: [TLP2_MARKINGS.AMBER] });
    expect(prepareObject(amber, {}, context())).to.deep.include({ reason: "GROUP_REQUIRED" });
    expect(prepareObject(amber, { group: 9 }, context())).to.deep.include({ reason: "UNKNOWN_GROUP" });
    expect(prepareObject(amber, { group: 3 }, context({ groups: { ...groups, isListed: () => false } }))).to.deep.include({ reason: "NOT_IN_GROUP" });
    const prepared = prepareObject(amber, {}, context({ defaultGroup: 3 }));
    expect("json" in prepared && prepared.group).to.equal(3);
  });

  it("redacts personal data from free text, and refuses the partner's own or private assets in observables and patterns", function () {
    const prepared = prepareObject(malware({ description: "reported by jane.roe@acme-bank.example from ws-01.acme-bank.example", external_references: [{ source_name: "x", description: "call +33 1 23 45 67 89" }] }), {}, context());
    expect("json" in prepared).to.equal(true);
    if (!("json" in prepared)) return;
    const object = JSON.parse(prepared.json);
    expect(object.description).to.equal("reported by [email] from [internal-host]");
    expect(object.external_references[0].description).to.equal("call [phone]");
    expect(prepareObject({ type: "domain-name", spec_version: "2.1", id: "domain-name--3c10e93f-798e-5a26-a0c1-08156efab7f5", value: "vpn.acme-bank.example" }, {}, context())).to.deep.include({ reason: "INTERNAL_DOMAIN" });
    const indicator = { type: "indicator", spec_version: "2.1", id: "indicator--8e2e2d2b-17d4-4cbf-938f-98ee46b3cd3f", created: "2026-11-01T00:00:00.000Z", modified: "2026-11-01T00:00:00.000Z", pattern: "[ipv4-addr:value = '10.1.2.3'] OR [domain-name:value = 'evil.example']", pattern_type: "stix", valid_from: "2026-11-01T00:00:00Z" };
    expect(prepareObject(indicator, {}, context())).to.deep.include({ reason: "NON_ROUTABLE_ADDRESS" });
    // An allowlisted value is no private asset: the object goes (the value is refused as an indicator of its own).
    expect("json" in prepareObject({ ...indicator, pattern: "[ipv4-addr:value = '8.8.8.8']" }, {}, context())).to.equal(true);
    // TLP:RED stays here: nothing to scrub it for.
    expect("json" in prepareObject({ ...indicator, object_marking_refs: [TLP2_MARKINGS.RED] }, {}, context())).to.equal(true);
  });

  it("cuts references its audience could not follow, and refuses a relationship whose end it cuts", function () {
    const audiences = new Map([
      ["malware--aaaaaaaa-0000-4000-8000-000000000001", { tlp: "AMBER" as const, group: 3 }],
      ["malware--aaaaaaaa-0000-4000-8000-000000000002", { tlp: "GREEN" as const, group: 0 }],
    ]);
    const report = {
      type: "report",
      spec_version: "2.1",
      id: "report--2f6bd58c-3d2e-4b0a-9c52-6f1e0ad4a001",
      created: "2026-11-01T00:00:00.000Z",
      modified: "2026-11-01T00:00:00.000Z",
      name: "wave",
      published: "2026-11-01T00:00:00.000Z",
      object_refs: ["malware--aaaaaaaa-0000-4000-8000-000000000001", "malware--aaaaaaaa-0000-4000-8000-000000000002", "malware--aaaaaaaa-0000-4000-8000-000000000003"],
    };
    const prepared = prepareObject(report, {}, context({ audienceOf: (id) => audiences.get(id) }));
    expect("json" in prepared).to.equal(true);
    if (!("json" in prepared)) return;
    // The AMBER one is cut; the GREEN one and the unknown one stay.
    expect(JSON.parse(prepared.json).object_refs).to.deep.equal(["malware--aaaaaaaa-0000-4000-8000-000000000002", "malware--aaaaaaaa-0000-4000-8000-000000000003"]);
    expect(prepared.changes).to.deep.include({ path: "object_refs", what: "REFERENCE_CUT", count: 1 });
    // Sealed for the same group, it keeps all three.
    const inGroup = prepareObject({ ...report, object_marking_refs: [TLP2_MARKINGS.AMBER] }, { group: 3 }, context({ audienceOf: (id) => audiences.get(id) }));
    expect("json" in inGroup && JSON.parse(inGroup.json).object_refs.length).to.equal(3);
    // Nothing left to refer to: the report is refused, naming why.
    expect(prepareObject({ ...report, object_refs: [report.object_refs[0]] }, {}, context({ audienceOf: (id) => audiences.get(id) }))).to.deep.include({ reason: "REFERENCE_NOT_VISIBLE" });
    const relationship = { type: "relationship", spec_version: "2.1", id: "relationship--eca24e47-2259-4850-9705-fd1065c77236", created: "2026-11-01T00:00:00.000Z", modified: "2026-11-01T00:00:00.000Z", relationship_type: "related-to", source_ref: report.object_refs[1], target_ref: report.object_refs[0] };
    expect(prepareObject(relationship, {}, context({ audienceOf: (id) => audiences.get(id) }))).to.deep.include({ reason: "REFERENCE_NOT_VISIBLE", field: "target_ref" });
  });

  it("lets nobody publish under another member's identity", function () {
    expect(prepareObject(malware({ created_by_ref: orgIdentityId("north-cert") }), {}, context())).to.deep.include({ reason: "OBJECT_AUTHOR_MISMATCH" });
    expect("json" in prepareObject(malware({ created_by_ref: orgIdentityId("acme-bank") }), {}, context())).to.equal(true);
    expect("json" in prepareObject(malware({ created_by_ref: "identity--c78cb6e5-0c4b-4611-8297-d1b8b55e40b5" }), {}, context())).to.equal(true);
  });

  it("decides reference visibility from an independent table of audiences", function () {
    // Rows: the referrer; columns: the target. true: everyone who reads the referrer may read the target.
    const levels = ["CLEAR", "GREEN", "AMBER", "AMBER+STRICT"] as const;
    const table: Record<string, boolean[]> = {
      CLEAR: [true, false, false, false],
      GREEN: [true, true, false, false],
      AMBER: [true, true, true, false],
      "AMBER+STRICT": [true, true, true, true],
    };
    for (const referrer of levels) {
      levels.forEach((target, i) => {
        const group = (tlp: string) => (tlp.startsWith("AMBER") ? 3 : 0);
        expect(audienceCovers({ tlp: target, group: group(target) }, { tlp: referrer, group: group(referrer) }), `${referrer} -> ${target}`).to.equal(table[referrer]![i]);
      });
    }
    expect(audienceCovers({ tlp: "AMBER", group: 4 }, { tlp: "AMBER", group: 3 })).to.equal(false);
    expect(audienceCovers({ tlp: "RED", group: 0 }, { tlp: "AMBER+STRICT", group: 3 })).to.equal(false);
    expect(audienceCovers({ tlp: "RED", group: 0 }, { tlp: "RED", group: 0 })).to.equal(true);
  });
});

describe("STIX objects: reading bundles", function () {
  it("keeps every object but TLP markings, re-marks a bundle's own TLP marking, and brings 2.0 objects to 2.1", function () {
    const local = { type: "marking-definition", id: "marking-definition--11111111-2222-4333-8444-555555555555", definition_type: "tlp", definition: { tlp: "amber" } };
    const read = readStixObjects({
      type: "bundle",
      id: "bundle--1",
      objects: [
        local,
        { type: "marking-definition", id: TLP2_MARKINGS.GREEN },
        { type: "malware", id: "malware--31b940d4-6f7f-459a-80ea-9c1f17b5891b", name: "x", object_marking_refs: [local.id] },
        { type: "x-custom-thing", id: "x-custom-thing--31b940d4-6f7f-459a-80ea-9c1f17b5891b", x_kept: { nested: [1, 2] } },
        "not an object",
      ],
    });
    expect(read.objects.map((o) => o.type)).to.deep.equal(["malware", "x-custom-thing"]);
    expect(read.objects[0]).to.deep.include({ spec_version: "2.1", is_family: true, object_marking_refs: [TLP2_MARKINGS.AMBER] });
    expect(read.objects[1]!.x_kept).to.deep.equal({ nested: [1, 2] });
    expect(read.skipped.map((s) => s.reason)).to.deep.equal([
      "this bundle's own TLP:AMBER marking: its objects are marked with the TLP 2.0 definition instead",
      "the TLP marking definition itself: every node knows it",
      "not a STIX object",
    ]);
    expect(read.changes).to.include("re-marked from the bundle's own TLP marking to the TLP 2.0 definition: 1");
  });
});

describe("the STIX schemas, checked faster with the same verdicts", function () {
  it("the rule for every property's value: one type list says what the six-way anyOf of the OASIS schema says", async function () {
    const { Ajv2020 } = await import("ajv/dist/2020.js");
    const ajv = new Ajv2020({ strict: false });
    const schemas = JSON.parse(await readFile("data/stix2/schemas/common/properties.json", "utf8")) as { patternProperties: Record<string, object> };
    const original = ajv.compile(schemas.patternProperties["^([a-z][a-z0-9_]{2,249})|id$"]!);
    const faster = ajv.compile(PROPERTY_VALUE_RULE);
    fc.assert(
      fc.property(fc.oneof(fc.jsonValue(), fc.constant([]), fc.constant(null), fc.double(), fc.integer()), (value) => {
        expect(faster(value), JSON.stringify(value)).to.equal(original(value));
      }),
      { numRuns: 5000 },
    );
  });

  it("a pattern that must end in a fixed text is tested with endsWith first, and decides as the expression does", async function () {
    // Every pattern of every schema the node loads, and patterns where a shortcut would be wrong.
    const patterns = new Set<string>(["^a|bc$", "^\\dab$", "^x(ab)$", "^[a-z]+_bin$", "^a\\\\_bin$", "^CVE-\\d+$"]);
    const walk = (node: unknown): void => {
      if (Array.isArray(node)) node.forEach(walk);
      else if (node && typeof node === "object") for (const [k, v] of Object.entries(node)) (k === "pattern" && typeof v === "string" ? patterns.add(v) : walk(v));
    };
    const { readdir } = await import("node:fs/promises");
    for (const dir of ["common", "sdos", "sros", "observables"]) for (const file of await readdir(`data/stix2/schemas/${dir}`)) walk(JSON.parse(await readFile(`data/stix2/schemas/${dir}/${file}`, "utf8")));
    const texts = fc.oneof(fc.string({ unit: fc.constantFrom("a", "b", "c", "_", "x", "1", "-", "\\", "b", "i", "n", "h", "e", "C", "V", "E") , maxLength: 20 }), fc.constantFrom("x_mitre_bin", "a_hex", "ab", "bc", "1ab", "xab", "x_bin", "CVE-1", "a\\_bin"));
    for (const pattern of patterns) {
      let native: RegExp;
      try {
        native = new RegExp(pattern);
      } catch {
        continue;
      }
      const engine = suffixFirstRegExp(pattern, "");
      fc.assert(fc.property(texts, (text) => engine.test(text) === native.test(text)), { numRuns: 300 });
    }
    expect(patterns.size).to.be.greaterThan(20);
  });
});
