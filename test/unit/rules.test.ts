import { expect } from "chai";
import { execFile } from "node:child_process";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import type { StixJson } from "../../node/src/model/stix-object.js";
import { checkNetworkRules } from "../../node/src/rules/network-rule-check.js";
import { renderRuleFiles } from "../../node/src/rules/rule-files.js";
import { checkSigma } from "../../node/src/rules/sigma-check.js";
import { YaraCompiler, YaraUnavailableError } from "../../node/src/rules/yara-compiler.js";

const run = promisify(execFile);

export const GOOD_YARA = `rule grid_dropper
{
  strings:
    $a = "gridload-stage2"
  condition:
    $a
}`;
/** The same rule with an undefined string on line 6 (yara finds it at the rule's end, line 7). */
export const BAD_YARA = GOOD_YARA.replace("    $a\n}", "    $b\n}");

const GOOD_SIGMA = `title: Grid dropper started by Office
id: 6f1c2b7e-3a4d-4e5f-8a9b-0c1d2e3f4a5b
status: experimental
logsource:
  category: process_creation
  product: windows
detection:
  selection:
    ParentImage|endswith: '\\WINWORD.EXE'
    Image|endswith: '\\gridload.exe'
  condition: selection
level: high
tags:
  - attack.t1204.002
`;

const GOOD_SURICATA = `alert dns any any -> any any (msg:"CTI grid C2 lookup"; dns.query; content:"grid-c2.example"; nocase; sid:9800001; rev:1;)
alert tls $HOME_NET any -> $EXTERNAL_NET 443 (msg:"CTI grid C2 SNI"; \\
  tls.sni; content:"grid-c2.example"; sid:9800002; rev:1;)`;

const indicator = (id: string, patternType: string, pattern: string): StixJson => ({
  type: "indicator",
  spec_version: "2.1",
  id: `indicator--${id}`,
  created: "2026-12-01T00:00:00.000Z",
  modified: "2026-12-01T00:00:00.000Z",
  name: `${patternType} ${id.slice(-2)}`,
  pattern,
  pattern_type: patternType,
  valid_from: "2026-12-01T00:00:00.000Z",
});

describe("detection rules checked before they are written (rules/)", function () {
  this.timeout(60_000);
  const yara = new YaraCompiler();

  it("YARA: the real yara compiles a good rule and refuses a bad one with its line", async function () {
    expect(await yara.check(GOOD_YARA)).to.deep.equal([]);
    expect(await yara.check(BAD_YARA)).to.deep.equal([{ line: 7, message: 'undefined string "$b"' }]);
    const syntax = await yara.check("rule broken {\n  condition:\n    true and\n}\n");
    expect(syntax).to.have.length(1);
    expect(syntax[0]!.line).to.equal(4);
    expect(syntax[0]!.message).to.match(/syntax error/);
    const missing = await new YaraCompiler({ yarac: "/nonexistent/yarac" }).check(GOOD_YARA).then(
      () => undefined,
      (err: unknown) => err,
    );
    expect(missing).to.be.instanceOf(YaraUnavailableError);
  });

  it("Sigma: a good rule passes; a rule without a condition, with an unknown status, naming an undefined selection or that is not YAML is refused with its line", function () {
    expect(checkSigma(GOOD_SIGMA)).to.deep.equal([]);
    expect(checkSigma(GOOD_SIGMA.replace("  condition: selection\n", ""))).to.deep.equal([{ line: 8, message: "detection must have required property 'condition'" }]);
    expect(checkSigma(GOOD_SIGMA.replace("status: experimental", "status: sure"))).to.deep.equal([{ line: 3, message: "status must be equal to one of the allowed values" }]);
    expect(checkSigma(GOOD_SIGMA.replace("condition: selection", "condition: selection and not filter"))).to.deep.equal([{ line: 11, message: "the condition names filter, which the detection does not define" }]);
    expect(checkSigma(GOOD_SIGMA.replace("condition: selection", "condition: 1 of selection*"))).to.deep.equal([]);
    const yaml = checkSigma("title: x\nlogsource: [unclosed\n");
    expect(yaml[0]!.line).to.be.a("number");
    expect(yaml[0]!.message).to.match(/^YAML/);
    expect(checkSigma(GOOD_SIGMA.replace("logsource:", "title: again\nlogsource:"))[0]!.message).to.match(/YAML.*[Mm]ap keys must be unique/);
  });

  it("Suricata and Snort: good rules pass (continued lines too); each problem names the line its rule starts on", function () {
    expect(checkNetworkRules(GOOD_SURICATA, "suricata")).to.deep.equal([]);
    expect(checkNetworkRules('alert tcp $HOME_NET any -> any [80,443] (msg:"x"; content:"a\\;b"; sid:1;)', "snort")).to.deep.equal([]);
    const broken = [
      "# a comment",
      'alert http any any -> any any (msg:"ok"; sid:10;)',
      'alert http any any -> any any (msg:"no sid";)',
      'alert http any any -> any any (msg:"again"; sid:10;)',
      'alert http any any -> any any (msg:"open; sid:11;)',
      'block http any any -> any any (msg:"x"; sid:12;)',
      'alert http any any any any (msg:"x"; sid:13;)',
      'alert http any any -> any any msg:"x"; sid:14;',
      'alert http any any -> any any (msg:"x"; content:abc; sid:15;)',
    ].join("\n");
    expect(checkNetworkRules(broken, "suricata")).to.deep.equal([
      { line: 3, message: "every rule needs a numeric sid" },
      { line: 4, message: "sid 10 is already the sid of the rule on line 2" },
      { line: 5, message: "option msg opens a quoted string it does not close" },
      { line: 6, message: '"block" is not a suricata action (alert, pass, drop, reject, rejectsrc, rejectdst, rejectboth, config)' },
      { line: 7, message: "the header has 6 parts; it is: action protocol source port direction destination port" },
      { line: 8, message: "a rule is a header followed by options in parentheses: ( ... )" },
      { line: 9, message: "content abc is not a quoted string" },
    ]);
    expect(checkNetworkRules("", "snort")).to.deep.equal([{ message: "no rule in the text" }]);
  });

  it("writes each kind to its file, leaving out (with the line) what fails its check or clashes, and the YARA file compiles and matches with yara", async function () {
    const objects = [
      indicator("00000000-0000-4000-8000-000000000001", "yara", GOOD_YARA),
      indicator("00000000-0000-4000-8000-000000000002", "yara", BAD_YARA),
      indicator("00000000-0000-4000-8000-000000000003", "yara", GOOD_YARA.replace('"gridload-stage2"', '"other"')),
      indicator("00000000-0000-4000-8000-000000000004", "yara", `include "/etc/passwd"\n${GOOD_YARA.replace("grid_dropper", "other_rule")}`),
      indicator("00000000-0000-4000-8000-000000000005", "sigma", GOOD_SIGMA),
      indicator("00000000-0000-4000-8000-000000000006", "sigma", GOOD_SIGMA.replace("  condition: selection\n", "")),
      indicator("00000000-0000-4000-8000-000000000007", "suricata", GOOD_SURICATA),
      indicator("00000000-0000-4000-8000-000000000008", "suricata", 'alert dns any any -> any any (msg:"dup"; sid:9800002;)'),
      indicator("00000000-0000-4000-8000-000000000009", "snort", 'alert tcp any any -> any 80 (msg:"CTI"; content:"gridload"; sid:9800100; rev:1;)'),
      // Not rules: a STIX pattern, and a revoked rule is not given by the intel service at all.
      indicator("00000000-0000-4000-8000-00000000000a", "stix", "[domain-name:value = 'x.example']"),
    ];
    const { files, report } = await renderRuleFiles(
      (async function* () {
        yield objects;
      })(),
      yara,
    );
    expect(report.written).to.deep.equal({ yara: 1, sigma: 1, snort: 1, suricata: 1 });
    expect(report.refused.map((r) => [r.id.slice(-2), r.line, r.message])).to.deep.equal([
      ["02", 7, 'undefined string "$b"'],
      ["03", undefined, "a rule named grid_dropper is already in the file"],
      ["04", 1, "include is not allowed: a shared rule carries all its text"],
      ["06", 8, "detection must have required property 'condition'"],
      ["08", undefined, "sid 9800002 is already the sid of a rule in the file"],
    ]);
    expect(files["cti-suricata.rules"]).to.include("sid:9800001").and.include("indicator--00000000-0000-4000-8000-000000000007");
    expect(files["cti-sigma.yml"]).to.match(/^---\n# indicator--00000000-0000-4000-8000-000000000005/);
    expect(checkSigma(files["cti-sigma.yml"]!.replace(/^---\n/, ""))).to.deep.equal([]);
    expect(JSON.parse(files["cti-rules-report.json"]!)).to.deep.equal(report);
    // The file a partner's yara reads: it compiles, and it finds what the rule looks for.
    const dir = await mkdtemp(join(tmpdir(), "cti-rules-"));
    try {
      await writeFile(join(dir, "cti-rules.yar"), files["cti-rules.yar"]!);
      await writeFile(join(dir, "sample.bin"), "header gridload-stage2 trailer");
      await writeFile(join(dir, "clean.bin"), "nothing to see");
      const hit = await run("yara", [join(dir, "cti-rules.yar"), join(dir, "sample.bin")]);
      expect(hit.stdout.trim()).to.equal(`grid_dropper ${join(dir, "sample.bin")}`);
      expect((await run("yara", [join(dir, "cti-rules.yar"), join(dir, "clean.bin")])).stdout.trim()).to.equal("");
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
