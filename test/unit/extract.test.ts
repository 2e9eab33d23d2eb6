import { expect } from "chai";
import { readdir, readFile } from "node:fs/promises";
import { join } from "node:path";
import { bundledAttackNames, warningListsFor } from "../../node/src/config/reference-data.js";
import { extractObservables, sentencesOf } from "../../node/src/extract/observable-extractor.js";
import { normalizeValue } from "../../node/src/model/normalize.js";
import type { IndicatorType } from "../../node/src/model/indicator.js";
import { SHARED_DATA } from "../helpers/shared-data.js";

const warningLists = warningListsFor({ bundled: true, disabled: [], actions: {}, files: [] });
const found = (text: string) => extractObservables(text, { warningLists }).observables.map((o) => `${o.type} ${o.value}`);
const passed = (text: string) => extractObservables(text, { warningLists }).passedOver.map((o) => `${o.type} ${o.value}: ${o.reason}`);

describe("observables extracted from prose", function () {
  it("undoes every defanging form, and says the value was defanged", function () {
    const cases: Array<[string, string]> = [
      ["The loader beacons to bad-actor[.]xyz every hour.", "domain bad-actor.xyz"],
      ["Second stage from c2server(.)top was seen.", "domain c2server.top"],
      ["Traffic went to update{.}club over TLS.", "domain update.club"],
      ["Phishing pages sat on login[dot]microsoft-verify[.]com for days.", "domain login.microsoft-verify.com"],
      ["Payload at hxxp://evil-cdn[.]net/a/b.exe was fetched.", "url http://evil-cdn.net/a/b.exe"],
      ["Then hxxps[:]//files-drop[.]io/x.zip served the archive.", "url https://files-drop.io/x.zip"],
      ["Replies went to billing[@]invoice-desk[.]biz as expected.", "email billing@invoice-desk.biz"],
      ["The lure came from hr[at]corp-careers[.]org this time.", "email hr@corp-careers.org"],
      ["The implant called 185.220.101[.]5 on port 443.", "ipv4 185.220.101.5"],
    ];
    for (const [text, expected] of cases) {
      const result = extractObservables(text, { warningLists });
      expect(result.observables.map((o) => `${o.type} ${o.value}`), text).to.include(expected);
      const one = result.observables.find((o) => `${o.type} ${o.value}` === expected)!;
      expect(one.defanged, text).to.equal(true);
      expect(one.sentence).to.equal(text);
    }
  });

  it("reads values a line break split, and values wrapped in markup", function () {
    expect(found("Download from hxxp://stage-two[.]net/path/\nloader.bin then run it.")).to.include("url http://stage-two.net/path/loader.bin");
    expect(found("The C2 was <code>beacon-host[.]info</code>.")).to.include("domain beacon-host.info");
    expect(found("Hash: `e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b856` and **malware-c2[.]org**.")).to.include.members(["domain malware-c2.org"]);
  });

  it("passes over what only looks like an indicator, saying why", function () {
    const text = [
      "The dropper writes setup.py and readme.md next to invoice.zip.",
      "It checks for version 10.2.0.1 of the agent and the OID 1.3.6.1.4.1.311 in the certificate.",
      "It then resolves google.com and queries 8.8.8.8 to test connectivity.",
      "Internal hosts such as 10.20.30.40 were scanned.",
      "A renamed copy, dropper[.]py, was also a domain the actors registered.",
    ].join(" ");
    const reasons = passed(text);
    expect(reasons).to.include.members([
      "domain setup.py: looks like a file name (.py)",
      "domain readme.md: looks like a file name (.md)",
      "domain invoice.zip: looks like a file name (.zip)",
      "ipv4 10.2.0.1: a version number, not an address",
    ]);
    expect(reasons.some((r) => r.startsWith("ipv4 1.3.6.1: part of a longer dotted number"))).to.equal(true);
    expect(reasons.some((r) => r.startsWith("ipv4 8.8.8.8: on the warning list"))).to.equal(true);
    expect(reasons.some((r) => r.startsWith("ipv4 10.20.30.40: on the warning list"))).to.equal(true);
    expect(reasons.some((r) => r.startsWith("domain google.com: on the warning list"))).to.equal(true);
    // Defanged, the author meant it: a domain after all.
    expect(found(text)).to.deep.equal(["domain dropper.py"]);
  });

  it("finds hashes, CVEs and AS numbers, and a URL's host only where the text names it alone", function () {
    const text =
      "The sample (SHA-256 9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08, MD5 0cc175b9c0f1b6a831c399e269772661) exploits CVE-2023-34362 " +
      "from infrastructure in AS 64512 at hxxps://payload-host[.]cc/drop. Later, payload-host[.]cc also served DNS.";
    const values = found(text);
    expect(values).to.include.members([
      "sha256 9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08",
      "md5 0cc175b9c0f1b6a831c399e269772661",
      "cve CVE-2023-34362",
      "url https://payload-host.cc/drop",
      "domain payload-host.cc",
    ]);
    const domain = extractObservables(text, { warningLists }).observables.find((o) => o.type === "domain")!;
    expect(domain.sentence).to.equal("Later, payload-host[.]cc also served DNS.");
    // In the first sentence the host stands only inside its URL.
    expect(found("Only hxxps://lonely-host[.]cc/x here.")).to.deep.equal(["url https://lonely-host.cc/x"]);
  });

  it("splits sentences at their end, not inside the values they hold", function () {
    expect(sentencesOf("It used evil.example.com. Then it stopped.\nA new line")).to.deep.equal(["It used evil.example.com.", "Then it stopped.", "A new line"]);
  });

  it("reads every TRAM report without failing, every value in canonical form and with its sentence", async function () {
    this.timeout(60_000);
    const dir = join(SHARED_DATA, "tram/reports");
    let total = 0;
    const types = new Set<IndicatorType>();
    let reports = 0;
    for (const name of (await readdir(dir)).filter((n) => n.endsWith(".mjson"))) {
      // The set holds one file that is not a report (a macOS folder index named dsstore.mjson).
      let signal: string;
      try {
        ({ signal } = JSON.parse(await readFile(join(dir, name), "utf8")) as { signal: string });
      } catch {
        continue;
      }
      reports++;
      const { observables, passedOver } = extractObservables(signal, { warningLists });
      for (const o of observables) {
        expect(normalizeValue(o.type, o.value), name).to.equal(o.value);
        // As written, but for line breaks joined where a value was split.
        expect(signal.replace(/\s+/g, "").includes(o.sentence.replace(/\s+/g, "")), `${name}: ${o.sentence}`).to.equal(true);
        types.add(o.type);
      }
      for (const p of passedOver) expect(p.reason, name).to.be.a("string").and.not.equal("");
      total += observables.length;
    }
    expect(reports).to.equal(151);
    expect(total).to.be.greaterThan(500);
    expect([...types]).to.include.members(["domain", "ipv4", "sha256", "md5", "url", "cve"]);
  });
});

describe("ATT&CK names recognised in prose", function () {
  const recogniser = bundledAttackNames();
  const names = (text: string) => recogniser.recognise(text).entities.map((e) => `${e.type} ${e.name} (${e.matched})`);

  it("finds groups, software and campaigns by name and alias, as words, each once with its first sentence", function () {
    const text = "Cozy Bear deployed Cobalt Strike beacons. Later APT29 ran Mimikatz and net.exe to list users. The Emotet loader, not an emotetX variant, came first.";
    const found = recogniser.recognise(text).entities;
    expect(found.map((e) => `${e.type} ${e.name} (${e.matched})`)).to.have.members([
      "intrusion-set APT29 (Cozy Bear)",
      "malware Cobalt Strike (Cobalt Strike)",
      "tool Mimikatz (Mimikatz)",
      "tool Net (net.exe)",
      "malware Emotet (Emotet)",
    ]);
    expect(found.find((e) => e.name === "APT29")!.sentence).to.equal("Cozy Bear deployed Cobalt Strike beacons.");
    expect(found.find((e) => e.name === "APT29")!.attackId).to.equal("G0016");
  });

  it("does not take everyday words and commands for tools", function () {
    expect(names("The attackers met at noon; the net effect was a ping to every route on the Net.")).to.deep.equal([]);
    expect(names("emotet in lower case inside a word: xEmotetx.")).to.deep.equal([]);
  });

  it("cites techniques by ATT&CK id with their names and tactics, and ignores ids ATT&CK does not have", function () {
    const { techniques } = recogniser.recognise("Initial access was spearphishing (T1566.001); T9999 is no technique.");
    expect(techniques.map((t) => `${t.attackId} ${t.name}`)).to.deep.equal(["T1566.001 Spearphishing Attachment"]);
    expect(techniques[0]!.tactics).to.deep.equal(["initial-access"]);
  });

  it("recognises what the TRAM reports name", async function () {
    this.timeout(60_000);
    const dir = join(SHARED_DATA, "tram/reports");
    const signal = (JSON.parse(await readFile(join(dir, "aa21076a-trickbot-malware.mjson"), "utf8")) as { signal: string }).signal;
    expect(names(signal)).to.include("malware TrickBot (TrickBot)");
    let reportsNaming = 0;
    for (const name of (await readdir(dir)).filter((n) => n.endsWith(".mjson"))) {
      let text: string;
      try {
        text = (JSON.parse(await readFile(join(dir, name), "utf8")) as { signal: string }).signal;
      } catch {
        continue;
      }
      if (recogniser.recognise(text).entities.length > 0) reportsNaming++;
    }
    expect(reportsNaming).to.be.greaterThan(115);
  });
});
