import { formatMachineTag, parseMachineTag } from "../model/tags.js";

/**
 * The consortium's shared vocabulary: the MISP taxonomies (data/misp/taxonomies, CC0), each a
 * namespace of predicates and, for some predicates, values (`admiralty-scale:source-reliability`
 * takes "a" to "g"). Tags in a known namespace are checked against it and written in its case;
 * tags in an unknown namespace stay as they are (never dropped); free words are not its business.
 * A namespace or predicate marked exclusive takes one tag at most (one TLP, one PAP, one source
 * reliability). Pure once built.
 */

export interface TaxonomyEntry {
  value: string;
  expanded?: string;
  description?: string;
  colour?: string;
  numerical_value?: number;
}

/** A taxonomy as MISP writes it (`machinetag.json`). */
export interface TaxonomySource {
  namespace: string;
  description?: string;
  exclusive?: boolean;
  predicates: Array<TaxonomyEntry & { exclusive?: boolean }>;
  values?: Array<{ predicate: string; entry: TaxonomyEntry[] }>;
}

export type TagRefusal = "TAG_NOT_IN_TAXONOMY" | "TAG_EXCLUSIVE";

export interface TagDescription {
  tag: string;
  namespace: string;
  predicate: string;
  value?: string;
  /** What the predicate, or the value, means, in the taxonomy's words. */
  expanded?: string;
  colour?: string;
  numericalValue?: number;
}

interface Namespace {
  source: TaxonomySource;
  predicates: Map<string, TaxonomyEntry & { exclusive?: boolean }>;
  values: Map<string, Map<string, TaxonomyEntry>>;
}

export class Taxonomies {
  private readonly namespaces = new Map<string, Namespace>();

  constructor(sources: readonly TaxonomySource[]) {
    for (const source of sources) {
      const values = new Map<string, Map<string, TaxonomyEntry>>();
      for (const v of source.values ?? []) values.set(v.predicate.toLowerCase(), new Map(v.entry.map((e) => [e.value.toLowerCase(), e])));
      this.namespaces.set(source.namespace.toLowerCase(), {
        source,
        predicates: new Map(source.predicates.map((p) => [p.value.toLowerCase(), p])),
        values,
      });
    }
  }

  /** The namespaces known, with their description, for the API and the dashboard. */
  list(): Array<{ namespace: string; description: string; exclusive: boolean; predicates: number }> {
    return [...this.namespaces.values()].map((n) => ({ namespace: n.source.namespace, description: n.source.description ?? "", exclusive: n.source.exclusive === true, predicates: n.predicates.size }));
  }

  /**
   * Every tag in its canonical form (a known namespace's case), or the first tag refused: a
   * predicate or value the namespace does not have, or a second tag where the namespace or the
   * predicate is exclusive. Free words and unknown namespaces pass as they are.
   */
  check(tags: readonly string[]): { ok: true; tags: string[] } | { ok: false; tag: string; reason: TagRefusal; message: string } {
    const out: string[] = [];
    const seenNamespace = new Map<string, string>();
    const seenPredicate = new Map<string, string>();
    for (const tag of tags) {
      const machine = parseMachineTag(tag);
      const known = machine ? this.namespaces.get(machine.namespace.toLowerCase()) : undefined;
      if (!machine || !known) {
        out.push(tag);
        continue;
      }
      const { source } = known;
      const predicate = known.predicates.get(machine.predicate.toLowerCase());
      if (!predicate) return { ok: false, tag, reason: "TAG_NOT_IN_TAXONOMY", message: `${tag}: the ${source.namespace} taxonomy has no predicate "${machine.predicate}"` };
      const values = known.values.get(predicate.value.toLowerCase());
      let value: string | undefined;
      if (values) {
        const entry = machine.value === undefined ? undefined : values.get(machine.value.toLowerCase());
        if (!entry) return { ok: false, tag, reason: "TAG_NOT_IN_TAXONOMY", message: `${tag}: ${source.namespace}:${predicate.value} takes one of ${[...values.values()].map((e) => e.value).join(", ")}` };
        value = entry.value;
      } else if (machine.value !== undefined) {
        return { ok: false, tag, reason: "TAG_NOT_IN_TAXONOMY", message: `${tag}: ${source.namespace}:${predicate.value} takes no value` };
      }
      const canonical = formatMachineTag({ namespace: source.namespace, predicate: predicate.value, ...(value !== undefined ? { value } : {}) });
      const ns = source.namespace.toLowerCase();
      if (source.exclusive && seenNamespace.has(ns) && seenNamespace.get(ns) !== canonical) {
        return { ok: false, tag, reason: "TAG_EXCLUSIVE", message: `${tag}: the ${source.namespace} taxonomy is exclusive, and ${seenNamespace.get(ns)} is given too` };
      }
      const key = `${ns}:${predicate.value.toLowerCase()}`;
      if (predicate.exclusive && seenPredicate.has(key) && seenPredicate.get(key) !== canonical) {
        return { ok: false, tag, reason: "TAG_EXCLUSIVE", message: `${tag}: ${source.namespace}:${predicate.value} is exclusive, and ${seenPredicate.get(key)} is given too` };
      }
      seenNamespace.set(ns, canonical);
      seenPredicate.set(key, canonical);
      if (!out.includes(canonical)) out.push(canonical);
    }
    return { ok: true, tags: out };
  }

  /** What a tag means in its taxonomy, if it is in one. */
  describe(tag: string): TagDescription | undefined {
    const machine = parseMachineTag(tag);
    const known = machine ? this.namespaces.get(machine.namespace.toLowerCase()) : undefined;
    const predicate = known?.predicates.get(machine!.predicate.toLowerCase());
    if (!machine || !known || !predicate) return undefined;
    const entry = machine.value === undefined ? undefined : known.values.get(predicate.value.toLowerCase())?.get(machine.value.toLowerCase());
    return {
      tag,
      namespace: known.source.namespace,
      predicate: predicate.value,
      ...(entry ? { value: entry.value } : {}),
      ...((entry ?? predicate).expanded ? { expanded: (entry ?? predicate).expanded } : {}),
      ...((entry ?? predicate).colour ? { colour: (entry ?? predicate).colour } : {}),
      ...((entry ?? predicate).numerical_value !== undefined ? { numericalValue: (entry ?? predicate).numerical_value } : {}),
    };
  }
}
