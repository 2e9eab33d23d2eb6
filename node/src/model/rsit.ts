/**
 * The incident class of a match, in the Reference Security Incident Taxonomy (RSIT, the MISP
 * taxonomy `rsit`): what kind of incident an alert on an indicator most likely is, from what its
 * producers said of it. Pure. The first rule that applies decides:
 *
 * 1. an `rsit:` tag on the indicator: its producer said so;
 * 2. an ATT&CK technique the indicator is labelled with, by technique (phishing, exploits, brute
 *    force, scanning, sniffing, denial of service, destruction, exfiltration, C2), else by the
 *    technique's tactics (reconnaissance, initial access, command and control, exfiltration,
 *    impact, privilege escalation, credential access; any other: a compromised system);
 * 3. a malware family: a host reached the malware's infrastructure, an infected system;
 * 4. otherwise `other:undetermined`.
 */

export interface RsitClass {
  /** `predicate:value`, e.g. `fraud:phishing`. */
  rsit: string;
  /** Which rule decided. */
  from: "tag" | "technique" | "tactic" | "malware" | "default";
}

const BY_TECHNIQUE: ReadonlyArray<[RegExp, string]> = [
  [/^T1566/, "fraud:phishing"],
  [/^T1598/, "fraud:phishing"],
  [/^T1110/, "intrusion-attempts:brute-force"],
  [/^T(1190|1203|1210|1211|1212|1068|1189)\b/, "intrusion-attempts:exploit"],
  [/^T(1595|1592|1590|1046|1018)\b/, "information-gathering:scanner"],
  [/^T1040\b/, "information-gathering:sniffing"],
  [/^T1498\b/, "availability:ddos"],
  [/^T1499\b/, "availability:dos"],
  [/^T(1485|1486|1490|1561|1529|1491)\b/, "availability:sabotage"],
  [/^T(1041|1048|1567|1020|1030|1537|1052)\b/, "information-content-security:data-leak"],
  [/^T(1071|1090|1095|1102|1105|1571|1572|1573|1219|1008|1104|1001|1132)\b/, "malicious-code:c2-server"],
  [/^T1496\b/, "fraud:unauthorised-use-of-resources"],
  [/^T1078\b/, "intrusions:unprivileged-account-compromise"],
];

const BY_TACTIC: ReadonlyArray<[string, string]> = [
  ["reconnaissance", "information-gathering:scanner"],
  ["command-and-control", "malicious-code:c2-server"],
  ["exfiltration", "information-content-security:data-leak"],
  ["impact", "availability:sabotage"],
  ["privilege-escalation", "intrusions:privileged-account-compromise"],
  ["credential-access", "intrusions:unprivileged-account-compromise"],
  ["initial-access", "intrusion-attempts:exploit"],
];

const RSIT_TAG = /^rsit:([a-z-]+)="([a-z-]+)"$/i;

export function rsitClassOf(labels: { tags: readonly string[]; malwareFamilies: readonly string[]; attackTechniques: readonly string[] }, tacticsOf: (technique: string) => readonly string[] = () => []): RsitClass {
  for (const tag of labels.tags) {
    const match = RSIT_TAG.exec(tag);
    if (match) return { rsit: `${match[1]!.toLowerCase()}:${match[2]!.toLowerCase()}`, from: "tag" };
  }
  for (const technique of labels.attackTechniques) {
    const known = BY_TECHNIQUE.find(([pattern]) => pattern.test(technique));
    if (known) return { rsit: known[1], from: "technique" };
  }
  for (const technique of labels.attackTechniques) {
    const tactics = tacticsOf(technique);
    const byTactic = BY_TACTIC.find(([tactic]) => tactics.includes(tactic));
    if (byTactic) return { rsit: byTactic[1], from: "tactic" };
    if (tactics.length > 0) return { rsit: "intrusions:system-compromise", from: "tactic" };
  }
  if (labels.malwareFamilies.length > 0) return { rsit: "malicious-code:infected-system", from: "malware" };
  return { rsit: "other:undetermined", from: "default" };
}
