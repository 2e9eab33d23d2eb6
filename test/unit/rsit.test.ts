import { expect } from "chai";
import { bundledAttackNames, bundledTaxonomies } from "../../node/src/config/reference-data.js";
import { rsitClassOf } from "../../node/src/model/rsit.js";

const labels = (extra: Partial<{ tags: string[]; malwareFamilies: string[]; attackTechniques: string[] }>) => ({ tags: [], malwareFamilies: [], attackTechniques: [], ...extra });
const tactics = (technique: string) => bundledAttackNames().tacticsOf(technique);

describe("the incident class of an alert (RSIT)", function () {
  it("takes the producer's rsit tag first", function () {
    expect(rsitClassOf(labels({ tags: ['rsit:fraud="phishing"'], attackTechniques: ["T1110"] }))).to.deep.equal({ rsit: "fraud:phishing", from: "tag" });
  });

  it("reads known techniques, then the tactics of others", function () {
    expect(rsitClassOf(labels({ attackTechniques: ["T1566.001"] }))).to.deep.equal({ rsit: "fraud:phishing", from: "technique" });
    expect(rsitClassOf(labels({ attackTechniques: ["T1110.003"] })).rsit).to.equal("intrusion-attempts:brute-force");
    expect(rsitClassOf(labels({ attackTechniques: ["T1071.001"] })).rsit).to.equal("malicious-code:c2-server");
    expect(rsitClassOf(labels({ attackTechniques: ["T1486"] })).rsit).to.equal("availability:sabotage");
    // T1003 (OS credential dumping) is not listed: its tactic, credential access, decides.
    expect(rsitClassOf(labels({ attackTechniques: ["T1003"] }), tactics)).to.deep.equal({ rsit: "intrusions:unprivileged-account-compromise", from: "tactic" });
    // T1547 (boot or logon autostart) is persistence and privilege escalation.
    expect(rsitClassOf(labels({ attackTechniques: ["T1547"] }), tactics).rsit).to.equal("intrusions:privileged-account-compromise");
    // T1059 (command interpreter) is execution only: a compromised system.
    expect(rsitClassOf(labels({ attackTechniques: ["T1059"] }), tactics)).to.deep.equal({ rsit: "intrusions:system-compromise", from: "tactic" });
  });

  it("calls a malware family's infrastructure an infected system, and the rest undetermined", function () {
    expect(rsitClassOf(labels({ malwareFamilies: ["emotet"] }))).to.deep.equal({ rsit: "malicious-code:infected-system", from: "malware" });
    expect(rsitClassOf(labels({ tags: ["phishing"] }))).to.deep.equal({ rsit: "other:undetermined", from: "default" });
    expect(rsitClassOf(labels({ attackTechniques: ["T9999"] }), tactics).from).to.equal("default");
  });

  it("names only classes of the RSIT taxonomy", function () {
    const values = new Set<string>();
    for (const technique of ["T1566", "T1598", "T1110", "T1190", "T1595", "T1040", "T1498", "T1499", "T1485", "T1041", "T1071", "T1496", "T1078", "T1003", "T1547", "T1059", "T1595.001", "T1020"]) {
      values.add(rsitClassOf(labels({ attackTechniques: [technique] }), tactics).rsit);
    }
    values.add(rsitClassOf(labels({ malwareFamilies: ["x"] })).rsit);
    values.add(rsitClassOf(labels({})).rsit);
    for (const value of values) {
      const [predicate, entry] = value.split(":");
      expect(bundledTaxonomiesCheck(`rsit:${predicate}="${entry}"`), value).to.equal(true);
    }
  });
});

function bundledTaxonomiesCheck(tag: string): boolean {
  return bundledTaxonomies().check([tag]).ok;
}
