/**
 * metrics/ owns what the node tells Prometheus. Every figure is read from the parts' own
 * counters when Prometheus scrapes (pull, not push): nothing here sits on a hot path, and the
 * parts do not know Prometheus exists. One registry per node, so that several nodes in one
 * process (the tests) do not mix their figures.
 */
import { Counter, Gauge, Registry, collectDefaultMetrics } from "prom-client";
import type { ChainHealth } from "../chain/chain-follower.js";
import type { GossipStats } from "../gossip/indicator-gossip.js";
import type { StoreCounts } from "../store/indicator-store.js";
import type { SyncStats } from "../sync/sync-service.js";

/** What the metrics read, each when scraped. node.ts wires it to the running parts. */
export interface MetricsSource {
  gossip(): GossipStats;
  published(): { batches: number; indicators: number; sightings: number; notGossiped: number; refusedBusy: number };
  sync(): SyncStats;
  store(): Promise<StoreCounts>;
  lookupIndexEntries(): number;
  matcher(): { values: number; matched: number };
  chain(): ChainHealth;
  peers(): number;
  members(): { known: number; active: number };
  trust(): { reportTransactions: number; reportedProducers: number; anchors: number };
  /** Anonymous statements (anon/): counts by outcome and code only, never who; undefined when the node has none. */
  anonymous(): { accepted: number; acceptedIndicators: number; stemmed: number; fluffed: number; embargoFluffs: number; rejected: Record<string, number>; ignored: Record<string, number> } | undefined;
  now(): number;
}

export interface NodeMetrics {
  registry: Registry;
  /** The Prometheus text exposition of every metric, read now. */
  render(): Promise<string>;
  contentType: string;
}

export function createMetrics(source: MetricsSource): NodeMetrics {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });

  // A counter whose value is a part's own running total, read at scrape time.
  const total = (name: string, help: string, labelNames: string[], read: () => Array<[Record<string, string>, number]> | number) =>
    new Counter({
      name,
      help,
      labelNames,
      registers: [registry],
      collect() {
        this.reset();
        const values = read();
        if (typeof values === "number") this.inc(values);
        else for (const [labels, value] of values) this.inc(labels, value);
      },
    });
  const gauge = (name: string, help: string, labelNames: string[], read: () => Promise<Array<[Record<string, string>, number]>> | Array<[Record<string, string>, number]>) =>
    new Gauge({
      name,
      help,
      labelNames,
      registers: [registry],
      async collect() {
        this.reset();
        for (const [labels, value] of await read()) this.set(labels, value);
      },
    });

  total("cti_gossip_batches_received_total", "Batches received by gossip or sync, by validation outcome and error code.", ["outcome", "code"], () => {
    const stats = source.gossip();
    return [
      [{ outcome: "accept", code: "" }, stats.accepted] as [Record<string, string>, number],
      ...Object.entries(stats.rejected).map(([code, n]) => [{ outcome: "reject", code }, n ?? 0] as [Record<string, string>, number]),
      ...Object.entries(stats.ignored).map(([code, n]) => [{ outcome: "ignore", code }, n ?? 0] as [Record<string, string>, number]),
    ];
  });
  total("cti_gossip_equivocations_total", "Producers found signing two different batches with one sequence number (evidence kept: GET /equivocations).", [], () => source.gossip().equivocations);
  total("cti_gossip_sealed_batches_total", "Accepted sealed batches: opened by this node, or relayed as ciphertext only (and why).", ["handling"], () => {
    const stats = source.gossip();
    return [
      [{ handling: "opened" }, stats.opened],
      [{ handling: "not-a-recipient" }, stats.relayedOnly.NOT_A_RECIPIENT],
      [{ handling: "not-entitled" }, stats.relayedOnly.NOT_ENTITLED],
    ];
  });
  gauge("cti_gossip_delivery_latency_milliseconds", "Time from the producer's publish to stored here, of indicators received by gossip since start.", ["quantile"], () => {
    const latency = source.gossip().deliveryLatency.snapshot();
    return latency.count === 0 ? [] : [[{ quantile: "0.5" }, latency.p50!], [{ quantile: "0.95" }, latency.p95!], [{ quantile: "0.99" }, latency.p99!], [{ quantile: "1" }, latency.max!]];
  });
  total("cti_gossip_delivered_indicators_total", "Indicators received by gossip and stored (the count behind the latency quantiles).", [], () => source.gossip().deliveryLatency.snapshot().count);

  total("cti_published_batches_total", "Batches this node signed and stored as producer.", [], () => source.published().batches);
  total("cti_published_indicators_total", "Indicators in the batches this node published.", [], () => source.published().indicators);
  total("cti_published_sightings_total", "Sightings in the batches this node published.", [], () => source.published().sightings);
  total("cti_published_refused_busy_total", "Indicators and sightings refused because too many waited to be published (HTTP 503).", [], () => source.published().refusedBusy);
  total("cti_published_not_gossiped_total", "Published batches stored but not sent at once (peers fetch them by catch-up sync).", [], () => source.published().notGossiped);

  total("cti_sync_batches_total", "Catch-up sync: batches fetched, withheld from us, rejected; served, withheld by us; requests refused.", ["kind"], () => {
    const s = source.sync();
    return [
      [{ kind: "fetched" }, s.fetched],
      [{ kind: "withheld-from-us" }, s.withheldFromUs],
      [{ kind: "rejected" }, s.rejected],
      [{ kind: "served" }, s.served],
      [{ kind: "withheld-by-us" }, s.withheldByUs],
      [{ kind: "refused" }, s.refused],
    ];
  });

  gauge("cti_store_indicators", "Indicator records in the node's LevelDB cache.", [], async () => [[{}, (await source.store()).indicators]]);
  gauge("cti_store_batches", "Signed batches held, by producer.", ["producer"], async () => (await source.store()).producers.map((p) => [{ producer: p.producer }, p.batches]));
  gauge("cti_lookup_index_entries", "Indicators in the in-memory lookup index.", [], () => [[{}, source.lookupIndexEntries()]]);
  total("cti_match_values_total", "Observed values looked up by the matcher (API, CLI, log matcher).", [], () => source.matcher().values);
  total("cti_match_values_matched_total", "Of the values looked up, those that matched at least one indicator above the threshold.", [], () => source.matcher().matched);

  gauge("cti_chain_head_block", "Last block of the ledger this node has read.", [], () => [[{}, source.chain().head]]);
  gauge("cti_chain_lag_seconds", "Time since this node last reached the ledger's JSON-RPC endpoint.", [], () => {
    const { lastSuccessAt } = source.chain();
    return lastSuccessAt ? [[{}, Math.max(0, (source.now() - lastSuccessAt) / 1000)]] : [];
  });
  gauge("cti_chain_consecutive_failures", "Failed polls of the ledger in a row.", [], () => [[{}, source.chain().consecutiveFailures]]);
  gauge("cti_chain_stale", "1 while the chain view is older than chain.maxStalenessMs (no new peer is admitted), else 0.", [], () => [[{}, source.chain().stale ? 1 : 0]]);
  gauge("cti_peers_connected", "Connected libp2p peers (members' nodes).", [], () => [[{}, source.peers()]]);
  gauge("cti_members", "Consortium members per the ledger.", ["state"], () => {
    const m = source.members();
    return [
      [{ state: "known" }, m.known],
      [{ state: "active" }, m.active],
    ];
  });

  total("cti_reputation_report_transactions_total", "Epoch reputation report transactions this node sent.", [], () => source.trust().reportTransactions);
  total("cti_reputation_reported_producers_total", "Producers covered by those reports.", [], () => source.trust().reportedProducers);
  total("cti_audit_anchors_total", "Audit anchors of this node's batches sent to the ledger.", [], () => source.trust().anchors);

  total("cti_anonymous_received_total", "Anonymous sightings and indicators (anon/) by outcome and code: counts, never who.", ["kind", "outcome", "code"], () => {
    const a = source.anonymous();
    if (!a) return [];
    return [
      [{ kind: "sighting", outcome: "accept", code: "" }, a.accepted] as [Record<string, string>, number],
      [{ kind: "indicator", outcome: "accept", code: "" }, a.acceptedIndicators] as [Record<string, string>, number],
      ...Object.entries(a.rejected).map(([code, n]) => [{ kind: "any", outcome: "reject", code }, n] as [Record<string, string>, number]),
      ...Object.entries(a.ignored).map(([code, n]) => [{ kind: "any", outcome: "ignore", code }, n] as [Record<string, string>, number]),
    ];
  });
  total("cti_anonymous_relayed_total", "Anonymous statements this node handed on in the stem, published (fluffed), or published when an embargo ran out.", ["how"], () => {
    const a = source.anonymous();
    return a ? [[{ how: "stem" }, a.stemmed], [{ how: "fluff" }, a.fluffed], [{ how: "embargo" }, a.embargoFluffs]] : [];
  });

  return { registry, contentType: registry.contentType, render: () => registry.metrics() };
}
