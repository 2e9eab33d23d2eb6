import { bytesEqual } from "../wire/bytes.js";
import { decodeBatch } from "../wire/codec.js";
import { indicatorId, recordUuid } from "../model/indicator-id.js";
import type { IndicatorType } from "../model/indicator.js";
import type { IndicatorStore } from "./indicator-store.js";

export interface ConsistencyReport {
  ok: boolean;
  counts: { records: number; batches: number; timeEntries: number; expiryEntries: number; uuidEntries: number };
  /** Each disagreement found, in plain words (the first 100). */
  problems: string[];
}

/**
 * Proves that every index agrees with the primary records and batches: each record is stored
 * under the id its type and value derive, has exactly its by-time and by-expiry entries, and no
 * index entry (by time, by expiry, by uuid) points nowhere or elsewhere;
 * every statement's batch is stored, decodes, and matches its root index; producers' counters
 * cover their batches. Reads everything: run it on a
 * stopped node's data dir (`cti check`) or through a running node's API.
 */
export async function checkConsistency(store: IndicatorStore): Promise<ConsistencyReport> {
  const problems: string[] = [];
  const problem = (text: string) => {
    if (problems.length < 100) problems.push(text);
  };
  const records = new Map<string, { type: string; value: string; blinded: boolean; revision: number; validUntil: number; attestations: Array<{ producer: string; sequence: number }> }>();
  let unreadable = 0;
  for await (const r of store.indicators.allOrErrors()) {
    if (r instanceof Error) {
      unreadable++;
      problem(r.message);
    } else records.set(r.id, { ...r, revision: r.revision ?? r.updatedAt * 1000 });
  }

  const counted = (await store.counts()).indicators;
  if (counted !== records.size + unreadable) problem(`the store counts ${counted} records but holds ${records.size + unreadable}`);
  for (const [id, r] of records) {
    // Lookups by value derive the id, so a record under another id would be unreachable.
    if (indicatorId(r.type as IndicatorType, r.value, r.blinded) !== id) problem(`record ${id} holds ${r.type} ${r.value}, whose id is another`);
  }
  const checkOrdered = async (name: string, entries: AsyncGenerator<{ at: number; id: string }>, expected: (r: { revision: number; validUntil: number }) => number) => {
    let n = 0;
    const seen = new Set<string>();
    for await (const e of entries) {
      n++;
      const r = records.get(e.id);
      if (!r) problem(`${name} entry ${e.at} points to a missing record ${e.id}`);
      else if (expected(r) !== e.at) problem(`${name} entry ${e.at} of ${e.id} is stale (the record says ${expected(r)})`);
      else if (seen.has(e.id)) problem(`${name} holds ${e.id} twice`);
      else seen.add(e.id);
    }
    for (const id of records.keys()) if (!seen.has(id)) problem(`record ${id} has no ${name} entry`);
    return n;
  };
  const timeEntries = await checkOrdered("by-time", store.byTime.entries(), (r) => r.revision);
  const expiryEntries = await checkOrdered("by-expiry", store.byExpiry.entries(), (r) => r.validUntil);

  let uuidEntries = 0;
  const named = new Set<string>();
  for await (const e of store.byUuid.entries()) {
    uuidEntries++;
    if (!records.has(e.id)) problem(`by-uuid entry ${e.uuid} points to a missing record ${e.id}`);
    else if (recordUuid(e.id) !== e.uuid) problem(`by-uuid entry ${e.uuid} names ${e.id}, whose uuid is another`);
    else named.add(e.id);
  }
  for (const id of records.keys()) if (!named.has(id)) problem(`record ${id} has no by-uuid entry`);

  let batches = 0;
  const held = new Map<string, Set<number>>();
  for await (const b of store.batches.entries()) {
    batches++;
    try {
      const batch = decodeBatch(b.bytes);
      if (batch.producer !== b.producer || batch.sequence !== b.sequence) problem(`batch stored as ${b.producer}#${b.sequence} is ${batch.producer}#${batch.sequence}`);
      const root = await store.batchRoots.get(b.producer, b.sequence);
      if (!root || !bytesEqual(root, batch.merkleRoot)) problem(`batch ${b.producer}#${b.sequence} disagrees with its root index`);
    } catch (err) {
      problem(`batch ${b.producer}#${b.sequence} does not decode: ${(err as Error).message}`);
    }
    const set = held.get(b.producer) ?? new Set<number>();
    set.add(b.sequence);
    held.set(b.producer, set);
  }
  for (const [id, r] of records) {
    for (const a of r.attestations) {
      if (a.sequence > 0 && !held.get(a.producer)?.has(a.sequence)) problem(`record ${id} cites ${a.producer}#${a.sequence}, which is not stored`);
    }
  }
  for (const counters of await store.producers.all()) {
    const sequences = held.get(counters.producer) ?? new Set<number>();
    const highest = Math.max(0, ...sequences);
    if (counters.lastSequence < highest) problem(`${counters.producer}'s counters end at #${counters.lastSequence} but #${highest} is stored`);
    if (counters.batches < sequences.size) problem(`${counters.producer}'s counters count ${counters.batches} batches, ${sequences.size} are stored`);
  }
  for (const producer of held.keys()) if (!(await store.producers.get(producer))) problem(`batches of ${producer} are stored without its counters`);

  return { ok: problems.length === 0, counts: { records: records.size, batches, timeEntries, expiryEntries, uuidEntries }, problems };
}
