import { INDICATOR_TYPES, VERSION2_TYPES } from "../../node/src/model/indicator.js";
import { expect } from "chai";
import { createHash } from "node:crypto";
import { mkdir, readFile, readdir, rm, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { renderDetectorFiles, DETECTOR_FORMATS } from "../../node/src/detect/exporter.js";
import { writeFilesAtomically } from "../../node/src/detect/export-writer.js";
import { zeekField } from "../../node/src/detect/formats/zeek.js";
import { mergeIndicator } from "../../node/src/model/record.js";
import { buildIndicator, type IndicatorInput } from "../../node/src/model/validate.js";
import { blindIndicator, deriveBlindingKey } from "../../node/src/privacy/blinding.js";
import { DEFAULT_SCORING_POLICY, scoreRecord } from "../../node/src/trust/scoring.js";
import type { ScoredRecord } from "../../node/src/trust/trust-service.js";
import { removeDir, tempDir } from "../helpers/nodes.js";

/**
 * Golden files: the exact bytes Zeek and Suricata are given for a fixed feed. A change to them
 * is a change to what detectors read; regenerate deliberately with UPDATE_GOLDEN=1.
 */
const GOLDEN = join(process.cwd(), "test/golden");
const now = Date.parse("2026-11-21T12:00:00Z");

function scored(producer: string, input: IndicatorInput): ScoredRecord {
  const indicator = buildIndicator({ confidence: 80, validUntil: now + 86_400_000, ...input }, { producer, now });
  const record = mergeIndicator(undefined, indicator, { sequence: 1, index: 0 }, now);
  return { ...record, score: scoreRecord(record, undefined, () => 0.8, DEFAULT_SCORING_POLICY, now) };
}

export const FEED: ScoredRecord[] = [
  scored("acme-bank", { type: "ipv4", value: "203.0.113.7", labels: { malwareFamilies: ["qakbot"], attackTechniques: ["T1071.001"] } }),
  scored("acme-bank", { type: "ipv6", value: "2001:db8::bad" }),
  scored("north-cert", { type: "cidr", value: "198.51.100.0/24", description: "scanner\tnetwork\nseen twice" }),
  scored("north-cert", { type: "domain", value: "login-micros0ft.example" }),
  scored("north-cert", { type: "url", value: "https://cdn.bad.example/payload.exe?x=1" }),
  scored("acme-bank", { type: "email", value: "ceo@phish.example" }),
  scored("acme-bank", { type: "md5", value: "0123456789abcdef0123456789abcdef" }),
  scored("acme-bank", { type: "sha1", value: "0123456789abcdef0123456789abcdef01234567" }),
  scored("acme-bank", { type: "sha256", value: "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08" }),
  // Never exported: a detector cannot test an HMAC.
  (() => {
    const blinded = blindIndicator(buildIndicator({ type: "ipv4", value: "192.0.2.9", tlp: "AMBER", group: 3, validUntil: now + 1000 }, { producer: "acme-bank", now }), deriveBlindingKey(new Uint8Array(32), 3, ["acme-bank"]));
    const record = mergeIndicator(undefined, blinded, { sequence: 1, index: 1 }, now);
    return { ...record, score: scoreRecord(record, undefined, () => 0.8, DEFAULT_SCORING_POLICY, now) };
  })(),
];

describe("detector formats (golden files)", function () {
  for (const format of DETECTOR_FORMATS) {
    it(`${format}: the files match the golden ones byte for byte`, async function () {
      const files = renderDetectorFiles(format, FEED);
      const dir = join(GOLDEN, format);
      if (process.env.UPDATE_GOLDEN) {
        await rm(dir, { recursive: true, force: true });
        await mkdir(dir, { recursive: true });
        for (const [name, content] of Object.entries(files)) await writeFile(join(dir, name), content);
      }
      expect(Object.keys(files).sort()).to.deep.equal((await readdir(dir)).sort());
      for (const [name, content] of Object.entries(files)) expect(content, name).to.equal(await readFile(join(dir, name), "utf8"));
    });
  }

  it("zeek: a #fields header, exactly one tab between fields, '-' for empty, URLs without scheme, no blinded value", function () {
    const text = renderDetectorFiles("zeek", FEED)["cti-intel.dat"]!;
    const [header, ...rows] = text.trimEnd().split("\n");
    expect(header).to.equal("#fields\tindicator\tindicator_type\tmeta.source\tmeta.desc\tmeta.url");
    expect(rows).to.have.length(9);
    for (const row of rows) {
      const fields = row.split("\t");
      expect(fields, row).to.have.length(5);
      expect(fields.every((f) => f !== "" && !/\s{2,}/.test(f) && f === f.trim())).to.equal(true);
    }
    expect(rows.map((r) => r.split("\t")[1])).to.deep.equal([
      "Intel::ADDR", "Intel::ADDR", "Intel::SUBNET", "Intel::DOMAIN", "Intel::URL", "Intel::EMAIL", "Intel::FILE_HASH", "Intel::FILE_HASH", "Intel::FILE_HASH",
    ]);
    expect(rows[4]!.split("\t")[0]).to.equal("cdn.bad.example/payload.exe?x=1");
    expect(rows.every((r) => r.split("\t")[4] === "-")).to.equal(true);
    expect(zeekField("a\tb\nc")).to.equal("a b c");
    expect(zeekField("  ")).to.equal("-");
  });

  it("suricata: datasets in the formats Suricata loads, and rules that load them", function () {
    const files = renderDetectorFiles("suricata", FEED);
    expect(files["cti-ipv4.lst"]).to.equal("203.0.113.7\n");
    expect(files["cti-ip.lst"]).to.equal("2001:db8::bad\n");
    expect(Buffer.from(files["cti-domains.lst"]!.trim(), "base64").toString()).to.equal("login-micros0ft.example");
    expect(files["cti-sha256.lst"]).to.equal("9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08\n");
    const rules = files["cti.rules"]!.split("\n").filter((l) => l.startsWith("alert"));
    expect(rules.filter((r) => r.includes("dataset:isset,cti-domains,type string,load cti-domains.lst"))).to.have.length(3);
    expect(rules.some((r) => r.includes("ip.dst; dataset:isset,cti-ipv4,type ipv4,load cti-ipv4.lst"))).to.equal(true);
    expect(rules.some((r) => r.includes("-> [198.51.100.0/24] any"))).to.equal(true);
    const sids = rules.map((r) => /sid:(\d+);/.exec(r)![1]);
    expect(new Set(sids).size).to.equal(rules.length);
    for (const r of rules) expect(r).to.match(/^alert \S+ .+ \(msg:"[^"]+"; .*sid:\d+; rev:1;\)$/);
  });

  it("writes atomically, leaves unchanged files alone, and refuses names outside its directory", async function () {
    const dir = await tempDir("export");
    try {
      expect(await writeFilesAtomically(dir, { "a.txt": "1\n", "b.txt": "2\n" })).to.deep.equal(["a.txt", "b.txt"]);
      expect(await writeFilesAtomically(dir, { "a.txt": "1\n", "b.txt": "3\n" })).to.deep.equal(["b.txt"]);
      expect(await readFile(join(dir, "b.txt"), "utf8")).to.equal("3\n");
      expect((await readdir(dir)).sort()).to.deep.equal(["a.txt", "b.txt"]);
      let refused = false;
      await writeFilesAtomically(dir, { "../x.txt": "no" }).catch(() => (refused = true));
      expect(refused).to.equal(true);
    } finally {
      await removeDir(dir);
    }
  });
});

describe("CSV and lists, against expectations written by hand", function () {
  // Derived by hand, not regenerated from the code: confidence × reputation at age 0 is the score
  // (80 × 0.5 = 40, 60 × 0.5 = 30, 100 × 0.5 = 50), ids are SHA-256 of the documented tag, type and value.
  const id = (type: string, value: string) => createHash("sha256").update(`cti-exchange/indicator-id/v1\0${type}\0${value}`).digest("hex");
  const at = (input: IndicatorInput): ScoredRecord => {
    const indicator = buildIndicator({ validFrom: now, validUntil: now + 86_400_000, ...input }, { producer: "acme-bank", now });
    const record = mergeIndicator(undefined, indicator, { sequence: 1, index: 0 }, now);
    return { ...record, score: scoreRecord(record, undefined, () => 0.5, DEFAULT_SCORING_POLICY, now) };
  };
  const feed = [
    at({ type: "domain", value: "alpha.example", tlp: "CLEAR", confidence: 80, labels: { malwareFamilies: ["emotet"], tags: ["phishing"] } }),
    at({ type: "ipv4", value: "203.0.113.9", tlp: "AMBER", group: 2, confidence: 60 }),
    at({ type: "sha256", value: "ab".repeat(32), tlp: "AMBER+STRICT", group: 2, confidence: 100, labels: { attackTechniques: ["T1059"] } }),
    at({ type: "domain", value: "beta.example", tlp: "GREEN", confidence: 80 }),
  ];

  it("csv: one line per indicator with its TLP and score, in feed order", function () {
    const expected = [
      "type,value,blinded,tlp,score,confidence,valid_from,valid_until,producers,malware_families,attack_techniques,tags,id",
      `domain,alpha.example,false,CLEAR,40,80,2026-11-21T12:00:00.000Z,2026-11-22T12:00:00.000Z,acme-bank,emotet,,phishing,${id("domain", "alpha.example")}`,
      `ipv4,203.0.113.9,false,AMBER,30,60,2026-11-21T12:00:00.000Z,2026-11-22T12:00:00.000Z,acme-bank,,,,${id("ipv4", "203.0.113.9")}`,
      `sha256,${"ab".repeat(32)},false,AMBER+STRICT,50,100,2026-11-21T12:00:00.000Z,2026-11-22T12:00:00.000Z,acme-bank,,T1059,,${id("sha256", "ab".repeat(32))}`,
      `domain,beta.example,false,GREEN,40,80,2026-11-21T12:00:00.000Z,2026-11-22T12:00:00.000Z,acme-bank,,,,${id("domain", "beta.example")}`,
      "",
    ].join("\n");
    expect(renderDetectorFiles("csv", feed)).to.deep.equal({ "cti-feed.csv": expected });
  });

  it("lists: one sorted file per type, every type present, empty when it has nothing", function () {
    expect(renderDetectorFiles("lists", feed)).to.deep.equal({
      "ipv4.txt": "203.0.113.9\n",
      "ipv6.txt": "",
      "cidr.txt": "",
      "domain.txt": "alpha.example\nbeta.example\n",
      "url.txt": "",
      "email.txt": "",
      "md5.txt": "",
      "sha1.txt": "",
      "sha256.txt": `${"ab".repeat(32)}\n`,
      ...Object.fromEntries(INDICATOR_TYPES.filter((type) => !VERSION2_TYPES.has(type)).map((type) => [`${type}.txt`, ""])),
    });
  });
});
