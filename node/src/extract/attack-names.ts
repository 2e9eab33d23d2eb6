import { z } from "zod";
import { SubstringAutomaton } from "../privacy/substring-automaton.js";
import { sentencesOf } from "./observable-extractor.js";

/**
 * The groups, software and campaigns a report names, recognised by their MITRE ATT&CK names and
 * aliases, and the techniques it cites by id (T1566, T1566.001), each with the sentence that names
 * it. Techniques described in words are the categoriser's (issue 17), not this file's.
 *
 * One automaton holds every name and alias (privacy/substring-automaton.ts), so a report is read
 * once whatever the number of names. A name counts where it stands as a word, written as ATT&CK
 * writes it: "Emotet", not "emotet" inside another word. Names that are also everyday words or
 * commands (the tools "at", "Net", "Ping", "route", "Reg", ...) would be found in any report:
 * those of fewer than four characters, and the listed common words, count only with their
 * executable's name (`net.exe`), which ATT&CK gives as an alias.
 */

export type AttackEntityType = "intrusion-set" | "malware" | "tool" | "campaign";

export interface AttackNames {
  entities: Array<{ id: string; type: AttackEntityType; attackId?: string; name: string; aliases: string[] }>;
  techniques: Array<{ id: string; attackId: string; name: string; tactics: string[] }>;
}

export const AttackNamesSchema = z.object({
  entities: z.array(z.object({ id: z.string(), type: z.enum(["intrusion-set", "malware", "tool", "campaign"]), attackId: z.string().optional(), name: z.string().min(1), aliases: z.array(z.string()) })),
  techniques: z.array(z.object({ id: z.string(), attackId: z.string().regex(/^T\d{4}(\.\d{3})?$/), name: z.string(), tactics: z.array(z.string()) })),
});

export interface RecognisedEntity {
  id: string;
  type: AttackEntityType;
  attackId?: string;
  name: string;
  /** The name or alias as the text wrote it. */
  matched: string;
  sentence: string;
}

export interface CitedTechnique {
  id: string;
  attackId: string;
  name: string;
  tactics: string[];
  sentence: string;
}

/** Names that are everyday words or commands in reports: found only in their executable's form. */
const COMMON_WORDS = new Set(["at", "net", "ping", "route", "reg", "arp", "cmd", "ftp", "tor", "expand", "page", "ruler", "donut", "impacket", "systeminfo", "tasklist", "whoami", "ipconfig", "netstat", "nltest", "dsquery", "schtasks", "esentutl", "forfiles", "certutil", "wevtutil", "sdelete", "wmic", "nbtstat", "attrib", "xcopy", "robocopy", "mshta", "regsvr32", "rundll32", "bitsadmin", "powershell", "ngrok", "meek", "ccleaner", "vpn", "bits", "remote", "cobalt", "empire", "metasploit", "shelltea", "p.a.s. webshell", "wiper", "epic", "royal"]);

const WORD_CHAR = /[A-Za-z0-9_]/;

export class AttackNameRecogniser {
  private readonly automaton: SubstringAutomaton<number>;
  private readonly entities: AttackNames["entities"];
  private readonly techniqueById: Map<string, AttackNames["techniques"][number]>;

  constructor(names: AttackNames) {
    this.entities = names.entities;
    this.techniqueById = new Map(names.techniques.map((t) => [t.attackId, t]));
    const patterns: Array<{ id: number; pattern: string }> = [];
    names.entities.forEach((entity, index) => {
      for (const name of [entity.name, ...entity.aliases]) {
        const bare = name.trim();
        if (bare.length < 2) continue;
        // A short or everyday name needs a longer form (net.exe) to count: it is left to the alias that has one.
        if ((bare.length < 4 || COMMON_WORDS.has(bare.toLowerCase())) && !/\.\w{2,4}$/.test(bare)) continue;
        patterns.push({ id: index, pattern: bare });
      }
    });
    this.automaton = new SubstringAutomaton(patterns);
  }

  /** A technique by its ATT&CK id (undefined for an id ATT&CK does not have). */
  technique(attackId: string): AttackNames["techniques"][number] | undefined {
    return this.techniqueById.get(attackId);
  }

  /** The tactics of a technique by its ATT&CK id (none for an id ATT&CK does not have). */
  tacticsOf(attackId: string): readonly string[] {
    return this.techniqueById.get(attackId)?.tactics ?? [];
  }

  /** The entities a text names (once each, at their first sentence) and the techniques it cites by id. */
  recognise(text: string): { entities: RecognisedEntity[]; techniques: CitedTechnique[] } {
    const entities: RecognisedEntity[] = [];
    const techniques: CitedTechnique[] = [];
    const seenEntities = new Set<number>();
    const seenTechniques = new Set<string>();
    for (const sentence of sentencesOf(text)) {
      const found: Array<{ index: number; pattern: string; end: number }> = [];
      this.automaton.scan(sentence, (index, pattern, end) => found.push({ index, pattern, end }));
      for (const { index, pattern, end: at } of found) {
        const start = at - pattern.length;
        if (start > 0 && WORD_CHAR.test(sentence[start - 1]!)) continue;
        if (at < sentence.length && WORD_CHAR.test(sentence[at]!)) continue;
        if (seenEntities.has(index)) continue;
        seenEntities.add(index);
        const entity = this.entities[index]!;
        entities.push({ id: entity.id, type: entity.type, ...(entity.attackId ? { attackId: entity.attackId } : {}), name: entity.name, matched: pattern, sentence });
      }
      for (const match of sentence.matchAll(/\bT\d{4}(?:\.\d{3})?\b/g)) {
        const technique = this.techniqueById.get(match[0]);
        if (!technique || seenTechniques.has(technique.attackId)) continue;
        seenTechniques.add(technique.attackId);
        techniques.push({ id: technique.id, attackId: technique.attackId, name: technique.name, tactics: technique.tactics, sentence });
      }
    }
    return { entities, techniques };
  }
}
