import { expect } from "chai";
import { randomBytes } from "node:crypto";
import { readFile } from "node:fs/promises";
import { atomInputsOf } from "../../node/src/intel/object-atoms.js";
import { checkObjectJson } from "../../node/src/intel/object-checks.js";
import { candidatesOf, LookupIndex } from "../../node/src/detect/lookup-index.js";
import { EveParser, ZeekParser } from "../../node/src/detect/log-formats.js";
import { mispFeed } from "../../node/src/interop/misp-feed.js";
import { mispToStix } from "../../node/src/interop/misp-stix.js";
import { importStix, stixRecordIndicator } from "../../node/src/interop/stix.js";
import { idOf } from "../../node/src/model/indicator-id.js";
import { INDICATOR_TYPES, VERSION2_TYPES, type IndicatorType } from "../../node/src/model/indicator.js";
import { normalizeValue } from "../../node/src/model/normalize.js";
import { mergeIndicator } from "../../node/src/model/record.js";
import { buildIndicator } from "../../node/src/model/validate.js";
import { signBatch } from "../../node/src/wire/batch.js";
import { canonicalJson } from "../../node/src/wire/canonical-json.js";
import { decodeBatch, encodeBatch } from "../../node/src/wire/codec.js";
import { TEST_DEPLOYMENT } from "../helpers/deployment.js";

const now = Date.parse("2026-12-01T12:00:00Z");

/** Per type: what an analyst or a tool writes, and the one form every producer ends at. */
const ACCEPTED: Array<[IndicatorType, string, string]> = [
  ["sha512", "A".repeat(128), "a".repeat(128)],
  ["ssdeep", " 96:s4Ud1Lj96tHHlZDrwciQmA+4uy1I0G4HYuL8N3TzS8QsO/wqWXLcMSx:sF1LjEtHHlZDrJzrhuyZvHYm8tKp/RWO ", "96:s4Ud1Lj96tHHlZDrwciQmA+4uy1I0G4HYuL8N3TzS8QsO/wqWXLcMSx:sF1LjEtHHlZDrJzrhuyZvHYm8tKp/RWO"],
  ["tlsh", `t1${"ab".repeat(35)}`, `T1${"AB".repeat(35)}`],
  ["tlsh", "cd".repeat(35), `T1${"CD".repeat(35)}`],
  ["ja3", "E7D705A3286E19EA42F587B344EE6865", "e7d705a3286e19ea42f587b344ee6865"],
  ["ja3s", "f4febc55ea12b31ae17cfb7e614afda8", "f4febc55ea12b31ae17cfb7e614afda8"],
  ["ja4", "T13D1516H2_8DAAF6152771_02713D6AF862", "t13d1516h2_8daaf6152771_02713d6af862"],
  ["asn", "as 64496", "AS64496"],
  ["asn", "64496", "AS64496"],
  ["asn", "1.10", "AS65546"],
  ["user-agent", "  Mozilla/5.0 (X11; Linux x86_64)  ", "Mozilla/5.0 (X11; Linux x86_64)"],
  ["filename", "Invoice 2026.PDF.exe", "Invoice 2026.PDF.exe"],
  ["filename", "cafe\u0301.doc", "caf\u00e9.doc"],
  ["mutex", "Global\\{A1B2}-Run", "Global\\{A1B2}-Run"],
  ["registry-key", "HKLM\\Software\\Microsoft\\Windows\\CurrentVersion\\Run\\", "HKEY_LOCAL_MACHINE\\software\\microsoft\\windows\\currentversion\\run"],
  ["registry-key", "hkey_current_user\\\\Software\\Evil", "HKEY_CURRENT_USER\\software\\evil"],
  ["cve", "cve-2021-44228", "CVE-2021-44228"],
  ["x509-sha1", "4A:A3:66:9D:F1:7C:1E:A6:3B:2E:BB:7C:DC:22:C5:1E:06:77:7B:3A", "4aa3669df17c1ea63b2ebb7cdc22c51e06777b3a"],
  ["x509-sha256", "C".repeat(64), "c".repeat(64)],
  ["x509-md5", "0123456789ABCDEF0123456789ABCDEF", "0123456789abcdef0123456789abcdef"],
];

const REFUSED: Array<[IndicatorType, string, RegExp]> = [
  ["sha512", "a".repeat(127), /128 hexadecimal/],
  ["ssdeep", "97:abc:def", /not 3 times a power of two/],
  ["ssdeep", '96:abc:def,"file.exe"', /blocksize:hash:hash/],
  ["tlsh", `T2${"A".repeat(70)}`, /T1 and 70/],
  ["ja3", "zz".repeat(16), /32 hexadecimal/],
  ["ja4", "t13d1516h2_8daaf6152771", /JA4 fingerprint/],
  ["asn", "AS0", /not an assignable/],
  ["asn", "AS4294967295", /not an assignable/],
  ["asn", "ASN-1", /AS and a number/],
  ["user-agent", "Mozilla\n5.0", /control characters/],
  ["filename", "C:\\Users\\alice\\invoice.exe", /no \/ or \\/],
  ["filename", "..", /not a file name/],
  ["filename", "x".repeat(256), /longer than 255/],
  ["registry-key", "HKXX\\Software", /not a registry hive/],
  ["registry-key", "HKLM", /hive alone/],
  ["cve", "CVE-21-1", /CVE-YYYY-NNNN/],
  ["cve", "CVE-1990-0001", /CVE-YYYY-NNNN/],
  ["x509-sha1", "4A:A3:66", /40 hexadecimal/],
];

describe("observables beyond addresses, names and file hashes", function () {
  it("normalizes each to one canonical form, idempotently", function () {
    for (const [type, written, canonical] of ACCEPTED) {
      expect(normalizeValue(type, written), `${type} ${written}`).to.equal(canonical);
      expect(normalizeValue(type, canonical), `${type} ${canonical} again`).to.equal(canonical);
    }
    // Every type of the model has a case here, or in the older tests.
    const covered = new Set([...VERSION2_TYPES, ...ACCEPTED.map(([type]) => type)]);
    expect(INDICATOR_TYPES.filter((t) => !covered.has(t))).to.deep.equal([]);
  });

  it("refuses malformed values with the reason", function () {
    for (const [type, written, reason] of REFUSED) {
      expect(() => normalizeValue(type, written), `${type} ${JSON.stringify(written)}`).to.throw(reason);
    }
  });

  it("travel in version 4 batches, which decode to what was signed", function () {
    const secret = randomBytes(32);
    const indicators = ACCEPTED.map(([type, written]) => buildIndicator({ type, value: written }, { producer: "acme-bank", now }));
    const { batch } = signBatch({ deployment: TEST_DEPLOYMENT, producer: "acme-bank", sequence: 1, createdAt: now, group: 0, indicators: dedupe(indicators) }, secret);
    expect(batch.version).to.equal(4);
    const decoded = decodeBatch(encodeBatch(batch));
    expect(decoded.indicators.map((i) => `${i.type} ${i.value}`)).to.deep.equal(batch.indicators.map((i) => `${i.type} ${i.value}`));
    // A batch of the older types only stays version 2, for nodes not yet upgraded.
    const old = signBatch({ deployment: TEST_DEPLOYMENT, producer: "acme-bank", sequence: 2, createdAt: now, group: 0, indicators: [buildIndicator({ type: "md5", value: "a".repeat(32) }, { producer: "acme-bank", now })] }, secret);
    expect(old.batch.version).to.equal(2);
  });

  it("map to STIX and back: patterns for observables, a vulnerability for a CVE", function () {
    for (const [type, , value] of ACCEPTED) {
      const record = mergeIndicator(undefined, buildIndicator({ type, value }, { producer: "acme-bank", now }), { sequence: 1, index: 0 }, now);
      const object = stixRecordIndicator(record)!;
      if (type === "cve") {
        expect(object).to.include({ type: "vulnerability", name: value });
        expect(object.external_references).to.deep.equal([{ source_name: "cve", external_id: value }]);
        continue;
      }
      const result = importStix({ type: "bundle", id: "bundle--6d0b3a4e-1d6f-4c52-9a55-0d7a0e8f1c11", objects: [object] }, { defaultTlp: "GREEN" });
      expect(result.inputs.map((i) => `${String(i.type)} ${normalizeValue(i.type as IndicatorType, String(i.value))}`), `${type}: ${String(object.pattern)}`).to.deep.equal([`${type} ${value}`]);
    }
  });

  it("come out of MISP attributes and objects, a file's name as context of its hash, and go back as the same MISP types", function () {
    const attributes = [
      ["sha512", "b".repeat(128)],
      ["ssdeep", "96:s4Ud1Lj96tHHlZDrwciQmA+4uy1I0G4HYuL8N3TzS8QsO/wqWXLcMSx:sF1LjEtHHlZDrJzrhuyZvHYm8tKp/RWO"],
      ["tlsh", `T1${"AB".repeat(35)}`],
      ["ja3-fingerprint-md5", "e7d705a3286e19ea42f587b344ee6865"],
      ["ja4-fingerprint", "t13d1516h2_8daaf6152771_02713d6af862"],
      ["AS", "64496"],
      ["user-agent", "EvilBot/1.0"],
      ["mutex", "Global\\evil"],
      ["regkey", "HKLM\\Software\\Evil"],
      ["x509-fingerprint-sha1", "4aa3669df17c1ea63b2ebb7cdc22c51e06777b3a"],
      ["filename|sha256", `dropper.exe|${"c".repeat(64)}`],
      ["filename", "readme.txt"],
    ];
    const event = {
      Event: {
        uuid: "7a1c2b3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d",
        info: "observables",
        date: "2026-12-01",
        published: true,
        Tag: [{ name: "tlp:green" }],
        Attribute: attributes.map(([type, value], i) => ({ uuid: `7a1c2b3d-4e5f-4a6b-8c7d-9e0f1a2b3c${String(i).padStart(2, "0")}`, type, value, to_ids: true, category: "Network activity", timestamp: "1764590400" })),
      },
    };
    const read = mispToStix(event, { defaultTlp: "GREEN", now });
    expect(read.events[0]!.leftOut).to.deep.equal([]);
    const atoms = read.objects.flatMap((object) => {
      const json = canonicalJson(object);
      return atomInputsOf(object, checkObjectJson(json, now + 60_000), 0).map((a) => `${String(a.type)} ${normalizeValue(a.type as IndicatorType, String(a.value))}`);
    });
    expect(atoms).to.have.members([
      `sha512 ${"b".repeat(128)}`,
      "ssdeep 96:s4Ud1Lj96tHHlZDrwciQmA+4uy1I0G4HYuL8N3TzS8QsO/wqWXLcMSx:sF1LjEtHHlZDrJzrhuyZvHYm8tKp/RWO",
      `tlsh T1${"AB".repeat(35)}`,
      "ja3 e7d705a3286e19ea42f587b344ee6865",
      "ja4 t13d1516h2_8daaf6152771_02713d6af862",
      "asn AS64496",
      "user-agent EvilBot/1.0",
      "mutex Global\\evil",
      "registry-key HKEY_LOCAL_MACHINE\\software\\evil",
      "x509-sha1 4aa3669df17c1ea63b2ebb7cdc22c51e06777b3a",
      // dropper.exe stays with its hash as context; readme.txt was stated alone, for detection.
      `sha256 ${"c".repeat(64)}`,
      "filename readme.txt",
    ]);

    // Loose indicators of the new types go into the feed as MISP's own types.
    const records = (["ja3", "asn", "registry-key", "cve", "x509-sha256"] as const).map((type) => {
      const value = ACCEPTED.find(([t]) => t === type)![2];
      return mergeIndicator(undefined, buildIndicator({ type, value }, { producer: "acme-bank", now }), { sequence: 1, index: 0 }, now);
    });
    const feed = mispFeed(records, new Map(), now, []);
    const written = Object.entries(feed)
      .filter(([name]) => name.endsWith(".json") && name !== "manifest.json")
      .flatMap(([, text]) => (JSON.parse(text) as { Event: { Attribute: Array<{ type: string; value: string }> } }).Event.Attribute.map((a) => `${a.type} ${a.value}`));
    expect(written).to.have.members(["ja3-fingerprint-md5 e7d705a3286e19ea42f587b344ee6865", "AS AS64496", "regkey HKEY_LOCAL_MACHINE\\software\\microsoft\\windows\\currentversion\\run", "vulnerability CVE-2021-44228", `x509-fingerprint-sha256 ${"c".repeat(64)}`]);
  });

  it("are matched by their shape, or by the field they came from when they have none", function () {
    const index = new LookupIndex();
    const add = (type: IndicatorType, value: string) => index.add({ id: idOf({ type, value, blinded: false }), type, value, blinded: false });
    add("ja3", "e7d705a3286e19ea42f587b344ee6865");
    add("x509-sha1", "4aa3669df17c1ea63b2ebb7cdc22c51e06777b3a");
    add("asn", "AS64496");
    add("cve", "CVE-2021-44228");
    add("registry-key", "HKEY_LOCAL_MACHINE\\software\\evil");
    add("filename", "invoice.pdf");
    add("tlsh", `T1${"AB".repeat(35)}`);
    const found = (raw: string, types?: IndicatorType[]) => index.match(raw, [], types).map((m) => `${m.type} ${m.value}`);
    expect(found("E7D705A3286E19EA42F587B344EE6865")).to.deep.equal(["ja3 e7d705a3286e19ea42f587b344ee6865"]);
    expect(found("4a:a3:66:9d:f1:7c:1e:a6:3b:2e:bb:7c:dc:22:c5:1e:06:77:7b:3a")).to.deep.equal(["x509-sha1 4aa3669df17c1ea63b2ebb7cdc22c51e06777b3a"]);
    expect(found("as64496")).to.deep.equal(["asn AS64496"]);
    expect(found("cve-2021-44228")).to.deep.equal(["cve CVE-2021-44228"]);
    expect(found("HKLM\\SOFTWARE\\Evil")).to.deep.equal(["registry-key HKEY_LOCAL_MACHINE\\software\\evil"]);
    expect(found("ab".repeat(35))).to.deep.equal([`tlsh T1${"AB".repeat(35)}`]);
    // A file name looks like a domain: only a field that says it is a file name matches it as one.
    expect(found("invoice.pdf")).to.deep.equal([]);
    expect(found("invoice.pdf", ["filename"])).to.deep.equal(["filename invoice.pdf"]);
    expect(candidatesOf("invoice.pdf").candidates.map((c) => c.type)).to.deep.equal(["domain"]);
  });

  it("are read from the fields of Zeek and Suricata logs that hold them", function () {
    const zeek = new ZeekParser();
    zeek.parse("#separator \\x09");
    zeek.parse("#fields\tts\tuid\tid.orig_h\thost\tuser_agent");
    expect(zeek.parse("1.0\tC1\t192.0.2.1\tx.example\tMozilla/5.0 (a, b)")).to.deep.include({ value: "Mozilla/5.0 (a, b)", field: "user_agent", types: ["user-agent"] });
    const eve = new EveParser().parse(JSON.stringify({ src_ip: "192.0.2.1", tls: { ja3: { hash: "e7d705a3286e19ea42f587b344ee6865" }, ja3s: { hash: "f4febc55ea12b31ae17cfb7e614afda8" }, ja4: "t13d1516h2_8daaf6152771_02713d6af862" } }));
    expect(eve.filter((o) => o.types).map((o) => `${o.field} ${o.types!.join(",")}`)).to.deep.equal(["tls.ja3.hash ja3", "tls.ja3s.hash ja3s", "tls.ja4 ja4"]);
  });

  it("are all offered by the dashboard's type filter", async function () {
    const source = await readFile("node/dashboard/src/views/feed.tsx", "utf8");
    const listed = /const TYPES = \[([^\]]*)\]/.exec(source)![1]!.match(/"[^"]+"/g)!.map((t) => JSON.parse(t) as string);
    expect(listed).to.deep.equal([...INDICATOR_TYPES]);
  });
});

function dedupe<T extends { type: string; value: string }>(list: T[]): T[] {
  const seen = new Set<string>();
  return list.filter((i) => !seen.has(`${i.type} ${i.value}`) && seen.add(`${i.type} ${i.value}`) !== undefined);
}
