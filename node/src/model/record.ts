import { mostRestrictiveTlp, type Indicator, type Tlp } from "./indicator.js";
import { indicatorId } from "./indicator-id.js";

/** One producer's statement of an indicator, and where its signed proof lives. */
export interface Attestation {
  producer: string;
  /** Sequence number of the producer's batch holding the statement; 0 for a local-only (RED) entry. */
  sequence: number;
  /** Position of the indicator in that batch (for its Merkle proof). */
  index: number;
  tlp: Tlp;
  confidence: number;
  validFrom: number;
  validUntil: number;
  createdAt: number;
}

/**
 * What a node knows about one observable, merged over every producer that vouched for it:
 * highest confidence, widest validity, union of labels, and the most restrictive TLP (a record
 * may only be shown where every statement it merges may be shown).
 */
export interface IndicatorRecord extends Omit<Indicator, "producer" | "createdAt"> {
  id: string;
  attestations: Attestation[];
  firstSeenAt: number;
  updatedAt: number;
}

function union(a: string[], b: string[]): string[] {
  return [...new Set([...a, ...b])].sort();
}

/** Folds a newly received statement into the record (or starts one). Pure. */
export function mergeIndicator(
  existing: IndicatorRecord | undefined,
  indicator: Indicator,
  place: { sequence: number; index: number },
  now: number,
): IndicatorRecord {
  const attestation: Attestation = {
    producer: indicator.producer,
    sequence: place.sequence,
    index: place.index,
    tlp: indicator.tlp,
    confidence: indicator.confidence,
    validFrom: indicator.validFrom,
    validUntil: indicator.validUntil,
    createdAt: indicator.createdAt,
  };
  if (!existing) {
    return {
      id: indicatorId(indicator.type, indicator.value),
      type: indicator.type,
      value: indicator.value,
      tlp: indicator.tlp,
      confidence: indicator.confidence,
      validFrom: indicator.validFrom,
      validUntil: indicator.validUntil,
      labels: {
        malwareFamilies: [...indicator.labels.malwareFamilies],
        attackTechniques: [...indicator.labels.attackTechniques],
        tags: [...indicator.labels.tags],
      },
      attestations: [attestation],
      firstSeenAt: now,
      updatedAt: now,
    };
  }
  // A producer's newer statement replaces its older one; statements of others stay.
  const others = existing.attestations.filter((a) => a.producer !== indicator.producer);
  const previous = existing.attestations.find((a) => a.producer === indicator.producer);
  const latest = previous && previous.createdAt > attestation.createdAt ? previous : attestation;
  const attestations = [...others, latest].sort((a, b) => a.producer.localeCompare(b.producer));
  return {
    ...existing,
    tlp: attestations.map((a) => a.tlp).reduce(mostRestrictiveTlp),
    confidence: Math.max(existing.confidence, indicator.confidence),
    validFrom: Math.min(existing.validFrom, indicator.validFrom),
    validUntil: Math.max(existing.validUntil, indicator.validUntil),
    labels: {
      malwareFamilies: union(existing.labels.malwareFamilies, indicator.labels.malwareFamilies),
      attackTechniques: union(existing.labels.attackTechniques, indicator.labels.attackTechniques),
      tags: union(existing.labels.tags, indicator.labels.tags),
    },
    attestations,
    updatedAt: now,
  };
}
