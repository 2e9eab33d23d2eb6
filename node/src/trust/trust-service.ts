import { isAnonymousReporter } from "../model/anonymous-sighting.js";
import { ANONYMOUS_PRODUCER_REPUTATION } from "../model/anonymous-indicator.js";
import { Interface, toBeHex, zeroPadValue, type JsonRpcProvider } from "ethers";
import { z } from "zod";
import { anchorAt, anchorBatches, anchorHolding, nextUnanchored, type AuditTrailContract } from "../chain/audit-trail.js";
import { chainRefusal } from "../chain/chain-errors.js";
import { bytes32ToOrgId, orgIdToBytes32 } from "../chain/member.js";
import type { ReputationContract, ReputationView } from "../chain/reputation.js";
import { REPUTATION_ABI } from "../chain/trust-abi.js";
import type { ReportReceipt, SightingReport } from "../gossip/batch-publisher.js";
import type { IndicatorRecord } from "../model/record.js";
import { checkObservedAt, checkSighting, sightingTotals, type Sighting, type SightingKind, type SightingSummary } from "../model/sighting.js";
import { sightingGroups, sightingsFor, viewFor, type Audience, type Entitlements } from "../privacy/audience.js";
import { viewForUse, type FeedUse } from "../privacy/pap.js";
import type { Pap } from "../model/tags.js";
import type { IndicatorStore } from "../store/indicator-store.js";
import type { EvidenceEntry } from "../store/evidence-repository.js";
import { headerOf, inclusionProof, LATEST_WIRE_VERSION, openBatch } from "../wire/batch.js";
import type { BatchHeader } from "../wire/canonical.js";
import type { SealReader } from "../wire/sealed.js";
import {
  anchorRoot,
  auditProofFromJson,
  auditProofToJson,
  buildAuditProof,
  MAX_PROOF_BATCH_STATEMENTS,
  verifyAuditProof,
  type AuditProofJson,
  type AuditVerdict,
} from "./audit-proof.js";
import { MAX_REPORT_COUNT, ReputationModel, toFraction, type ReputationParameters } from "./beta-reputation.js";
import { scoreRecord, type Score, type ScoringPolicy } from "./scoring.js";

export type TrustErrorCode = "NOT_FOUND" | "LOCAL_ONLY" | "NOT_ANCHORED" | "MISSING_BATCHES" | "NO_TRUST_CONTRACTS" | "BAD_PROOF";

/** A trust operation that cannot be done, with a stable code for the API and CLI. */
export class TrustError extends Error {
  override readonly name = "TrustError";
  constructor(
    readonly code: TrustErrorCode,
    message: string,
  ) {
    super(message);
  }
}

export interface TrustInit {
  scoring: ScoringPolicy;
  /** How long an expired record stays in the cache before it is pruned. */
  retentionMs: number;
  pruneIntervalMs: number;
  /** How often to check whether the epoch report and anchor are due. */
  tickMs: number;
  /** Report and anchor once this fraction of the epoch is left (chain time). */
  submitWhenLeft: number;
  /** Most gas one report transaction may use; larger reports are split (see submitReports). */
  maxTransactionGas?: number;
  /** How far in the future a sighting may say it was observed (peers ignore a batch beyond it). */
  maxClockSkewMs?: number;
  /** The PAP level of a statement without a PAP tag (privacy/pap.ts); GREEN unless given. */
  unmarkedPap?: Pap;
}

export interface TrustComponents {
  orgId: string;
  store: IndicatorStore;
  /** Queues sightings into this org's next batches (gossip/batch-publisher.ts). */
  report(reports: SightingReport[]): Promise<ReportReceipt[]>;
  reputation: ReputationView | undefined;
  /** Contracts connected to this org's wallet; undefined when the deployment has none. */
  reputationContract: ReputationContract | undefined;
  auditContract: AuditTrailContract | undefined;
  provider: JsonRpcProvider;
  /** Runs a transaction so that a refusal leaves the wallet's nonce right (node.ts). */
  transact<T>(work: () => Promise<T>): Promise<T>;
  entitlements(): Entitlements;
  isKnownMember(org: string): boolean;
  /** This node, to re-open sealed batches it holds when building proofs. */
  reader: SealReader;
  /** The deployment a proof's batch must have been signed for. */
  deployment: Uint8Array;
  now(): number;
  log?: (message: string, fields?: Record<string, unknown>) => void;
}

/**
 * A producer's reputation for scoring: the chain's for a member (its prior before any evidence),
 * a fixed low one for an anonymous producer (anon/), which no report can raise.
 */
function reputationOf(reputation: { of(org: string): number } | undefined, org: string): number {
  if (isAnonymousReporter(org)) return ANONYMOUS_PRODUCER_REPUTATION;
  return reputation?.of(org) ?? 0.5;
}

export interface ScoredRecord extends IndicatorRecord {
  score: Score;
}

/** One statement's provenance (see TrustService.provenance). */
export interface Provenance {
  producer: string;
  sequence: number;
  index: number;
  tlp: string;
  group: number;
  createdAt: number;
  batch: { merkleRoot: string; signature: string; signingKey: string; signedAt: number; indicators: number; sealed: boolean } | null;
  anchor: { index: number; root: string; firstSequence: number; lastSequence: number; anchoredAt: number; blockNumber: number } | null;
  status: "anchored" | "not-anchored-yet" | "local-only" | "batch-not-held" | "no-audit-contract" | "chain-unreachable";
}

const toHex = (bytes: Uint8Array) => Buffer.from(bytes).toString("hex");

export interface SightResult {
  id: string;
  type: string;
  value: string;
  /** Groups the sighting went to (0: every member); empty when it stays on this node. */
  groups: number[];
  receipts: ReportReceipt[];
}

export interface EpochSubmission {
  epoch: number;
  reports: Array<{ producer: string; confirmations: number; falsePositives: number }>;
  /** Transactions the reports took. */
  transactions: number;
  /** Producers whose report the contract refused (named), left for the next attempt. */
  refused: Array<{ producer: string; reason: string }>;
  /** Evidence entries kept for a later report: about statements their producer has not anchored yet. */
  deferred: number;
}

export interface ProducerStatistics {
  producer: string;
  indicators: number;
  batches: number;
  /** Indicators of this producer held here now, and of them those other orgs saw or reported false. */
  held: number;
  confirmed: number;
  falsePositives: number;
  falsePositiveRate: number;
  /** Median time from the producer's statement to the first sighting by another org, ms. */
  medianTimeToFirstSightingMs: number | undefined;
  reputation: number | undefined;
}

const median = (values: number[]) => {
  if (values.length === 0) return undefined;
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
};

/**
 * The node's trust machinery: records sightings and the evidence behind its epoch reports,
 * scores indicators, sends one reputation report and one audit anchor per epoch, prunes what
 * expired long ago, and answers researchers (reputation now and over time, statistics, proofs).
 */
export class TrustService {
  /** Ledger transactions this node sent for trust: reputation reports (and producers in them), anchors. */
  readonly stats = { reportTransactions: 0, reportedProducers: 0, anchors: 0 };
  private timers: NodeJS.Timeout[] = [];
  private reportedEpoch: number | undefined;
  /** Producers whose statements the last report had to leave out, and the first sequence each had not anchored. */
  private waitingFor = new Map<string, number>();
  private ticking: Promise<void> | undefined;

  constructor(
    readonly init: TrustInit,
    private readonly components: TrustComponents,
  ) {}

  start(): void {
    if (this.timers.length > 0) return;
    const every = (ms: number, work: () => Promise<unknown>, what: string) =>
      this.timers.push(setInterval(() => void work().catch((err: Error) => this.components.log?.(`${what} failed; will retry`, { error: err.message })), ms));
    every(this.init.tickMs, () => this.tick(), "epoch report");
    every(this.init.pruneIntervalMs, () => this.components.store.prune(this.components.now(), this.init.retentionMs), "pruning");
  }

  async stop(): Promise<void> {
    for (const timer of this.timers) clearInterval(timer);
    this.timers = [];
    await this.ticking?.catch(() => undefined);
  }

  // ---------------------------------------------------------------- sightings and scores

  /**
   * Records that this org's detectors saw `records` (or found them false or expired): sightings
   * go to each record's audience (privacy/audience.ts), evidence waits for the epoch report.
   */
  async sight(records: IndicatorRecord[], kind: SightingKind, observedAt: number, count = 1): Promise<SightResult[]> {
    return this.sightMany([{ records, kind, observedAt, count }]);
  }

  /**
   * Many sightings at once (an import's, a log matcher's interval): checked first, then queued
   * together, so that they share batches instead of each waiting for its own (10,000 MISP
   * sightings one at a time took about 35 minutes). Throws InvalidIndicatorError, queuing nothing,
   * when one is invalid: a time in the future or past 2100, an unknown kind, a count out of range.
   */
  async sightMany(requests: Array<{ records: IndicatorRecord[]; kind: SightingKind; observedAt: number; count?: number }>): Promise<SightResult[]> {
    const { orgId, store } = this.components;
    const now = this.components.now();
    const reports: SightingReport[] = [];
    const local: Sighting[] = [];
    const evidence: EvidenceEntry[] = [];
    const pending: Array<{ result: Omit<SightResult, "receipts">; from: number; to: number }> = [];
    for (const { records, kind, observedAt, count = 1 } of requests) {
      checkObservedAt(observedAt, now, this.init.maxClockSkewMs ?? 60_000);
      for (const record of records) {
        const sighting: Sighting = { indicatorId: record.id, kind, observedAt, count: kind === "sighting" ? count : 1, reporter: orgId };
        checkSighting(sighting);
        const groups = sightingGroups(record);
        const from = reports.length;
        for (const group of groups) reports.push({ sighting, group });
        if (groups.length === 0) local.push(sighting);
        if (kind !== "expired") {
          for (const a of record.attestations) {
            if (a.producer !== orgId) evidence.push({ producer: a.producer, kind, indicatorId: record.id, observedAt, reportedEpoch: undefined, sequence: a.sequence });
          }
        }
        pending.push({ result: { id: record.id, type: record.type, value: record.value, groups }, from, to: reports.length });
      }
    }
    const receipts = reports.length > 0 ? await this.components.report(reports) : [];
    if (local.length > 0) await store.addLocalSightings(local);
    await store.recordEvidence(evidence);
    return pending.map(({ result, from, to }) => ({ ...result, receipts: receipts.slice(from, to) }));
  }

  scoreOf(record: IndicatorRecord, sightings: SightingSummary | undefined): Score {
    const reputation = this.components.reputation;
    return scoreRecord(record, sightings, (org) => reputationOf(reputation, org), this.init.scoring, this.components.now());
  }

  /**
   * Records with their scores, as `audience` may see them; dropped when it may see nothing. The
   * score counts only the sightings the audience may know of: a public feed's score must not
   * move because of a sighting sealed for a group.
   */
  async scored(records: IndicatorRecord[], audience: Audience, use: FeedUse = "detect"): Promise<ScoredRecord[]> {
    const stored = await this.components.store.sightings.getMany(records.map((r) => r.id));
    const entitlements = this.components.entitlements();
    const unmarked = this.init.unmarkedPap;
    return records.flatMap((record, i) => {
      const seen = viewFor(record, audience, entitlements);
      const view = seen && viewForUse(seen, use, unmarked);
      return view ? [{ ...view, score: this.scoreOf(view, sightingsFor(stored[i], audience, entitlements)) }] : [];
    });
  }

  /** The sightings of many records as `audience` may know of them, by record id (for exports). */
  async sightingsMapFor(records: IndicatorRecord[], audience: Audience): Promise<Map<string, SightingSummary | undefined>> {
    const stored = await this.components.store.sightings.getMany(records.map((r) => r.id));
    const entitlements = this.components.entitlements();
    return new Map(records.map((r, i) => [r.id, sightingsFor(stored[i], audience, entitlements)]));
  }

  /**
   * What detectors and exports may use: records updated since `since`, as `audience` may see
   * them and `use` may act on them (privacy/pap.ts), neither expired nor quarantined. `next`
   * resumes after the last record read.
   */
  async feed(audience: Audience, since: number, limit: number, use: FeedUse = "detect"): Promise<{ indicators: ScoredRecord[]; next: number | undefined }> {
    const records = await this.components.store.listSince(since, limit);
    const scored = await this.scored(records, audience, use);
    return { indicators: scored.filter((r) => !r.score.quarantined), next: records.at(-1)?.updatedAt };
  }

  /**
   * The whole feed for `audience` in pages of records read (for exports that stream), each with
   * how far the read has got. A record written again during the read moves to the end of the
   * store's order and would come again: it is given once, in the version read first.
   */
  async *feedPages(audience: Audience, pageSize = 5000, use: FeedUse = "detect"): AsyncGenerator<{ records: ScoredRecord[]; read: number; total: number }> {
    const total = (await this.components.store.counts()).indicators;
    const given = new Set<string>();
    let read = 0;
    let cursor: Parameters<IndicatorStore["listAfter"]>[0];
    for (;;) {
      const page = await this.components.store.listAfter(cursor, pageSize);
      const fresh = page.records.filter((r) => !given.has(r.id));
      for (const r of fresh) given.add(r.id);
      read += page.records.length;
      const records = (await this.scored(fresh, audience, use)).filter((r) => !r.score.quarantined);
      // Never above 100%, however many records were written meanwhile.
      yield { records, read: Math.min(read, total), total: Math.max(total, read) };
      if (page.exhausted) return;
      cursor = page.cursor;
    }
  }

  /** The whole feed for `audience`, each record once, saying how far it has read. */
  async feedAll(audience: Audience, pageSize = 5000, onProgress?: (read: number, total: number) => void, use: FeedUse = "detect"): Promise<ScoredRecord[]> {
    const out: ScoredRecord[] = [];
    for await (const page of this.feedPages(audience, pageSize, use)) {
      out.push(...page.records);
      onProgress?.(page.read, page.total);
    }
    return out;
  }

  /** Who saw an indicator, reported it false or expired, and when, as far as `audience` may know. */
  async sightingsOf(id: string, audience: Audience = { kind: "internal" }) {
    const summary = sightingsFor(await this.components.store.sightings.get(id), audience, this.components.entitlements());
    return { indicatorId: id, ...sightingTotals(summary), byOrg: summary?.byOrg ?? {} };
  }

  /**
   * The score of `record` (as `audience` sees it) from its first sighting here to the end of its
   * decay, in `points` steps: what the dashboard draws. Pure over the record and its sightings.
   */
  async decayCurve(record: IndicatorRecord, audience: Audience = { kind: "internal" }, points = 48): Promise<Array<{ at: number; score: number }>> {
    const summary = sightingsFor(await this.components.store.sightings.get(record.id), audience, this.components.entitlements());
    const reputation = this.components.reputation;
    const from = Math.min(record.validFrom, record.firstSeenAt);
    const lifetime = this.init.scoring.decay[record.type].lifetimeMs;
    const to = Math.min(record.validUntil, Math.max(from + lifetime, this.components.now()) + 1);
    const step = Math.max(1, (to - from) / points);
    const curve: Array<{ at: number; score: number }> = [];
    for (let at = from; at <= to; at += step) {
      curve.push({ at: Math.round(at), score: scoreRecord(record, summary, (org) => reputationOf(reputation, org), this.init.scoring, at).score });
    }
    return curve;
  }

  /**
   * Where each statement of `record` comes from: the producer's signed batch that holds it, and
   * the on-chain anchor covering that batch when there is one. Statements this node cannot place
   * say why (local only, batch not held, not anchored yet, no audit contract).
   */
  async provenance(record: IndicatorRecord): Promise<Provenance[]> {
    const { store } = this.components;
    const contract = this.components.auditContract;
    return Promise.all(
      record.attestations.map(async (a): Promise<Provenance> => {
        const base = { producer: a.producer, sequence: a.sequence, index: a.index, tlp: a.tlp, group: a.group, createdAt: a.createdAt };
        if (a.sequence === 0) return { ...base, batch: null, anchor: null, status: "local-only" };
        const batch = await store.batches.get(a.producer, a.sequence);
        if (!batch) return { ...base, batch: null, anchor: null, status: "batch-not-held" };
        const header = {
          merkleRoot: toHex(batch.merkleRoot),
          signature: toHex(batch.signature),
          signingKey: toHex(batch.signingKey),
          signedAt: batch.createdAt,
          indicators: batch.indicatorCount,
          sealed: batch.sealed !== undefined,
        };
        if (!contract) return { ...base, batch: header, anchor: null, status: "no-audit-contract" };
        let anchor;
        try {
          anchor = await anchorHolding(contract, a.producer, a.sequence);
        } catch {
          return { ...base, batch: header, anchor: null, status: "chain-unreachable" };
        }
        if (!anchor) return { ...base, batch: header, anchor: null, status: "not-anchored-yet" };
        const { index, firstSequence, lastSequence, anchoredAt, blockNumber } = anchor;
        return { ...base, batch: header, anchor: { index, root: toHex(anchor.root), firstSequence, lastSequence, anchoredAt, blockNumber }, status: "anchored" };
      }),
    );
  }

  // ---------------------------------------------------------------- epoch reports and anchors

  private tick(): Promise<void> {
    this.ticking ??= this.dueWork().finally(() => {
      this.ticking = undefined;
    });
    return this.ticking;
  }

  private async dueWork(): Promise<void> {
    const view = this.components.reputation;
    if (!view) return;
    if (view.epoch === this.reportedEpoch) {
      // Evidence about statements their producers had not anchored yet when this epoch's report
      // went (producers anchor at about the same moment): amend once one of them has.
      if (this.waitingFor.size > 0 && (await this.someoneAnchored())) await this.submitReports({ anchorFirst: false });
      return;
    }
    const block = await this.components.provider.getBlock("latest");
    const chainNow = Number(block?.timestamp ?? 0) * 1000;
    const epochMs = Number(view.parameters.epochLength) * 1000;
    if (view.epochEndsAt - chainNow > epochMs * this.init.submitWhenLeft) return;
    const epoch = view.epoch;
    // Each on its own: a report the ledger refuses must not keep the batches from being anchored.
    await this.anchorNow();
    await this.submitReports({ anchorFirst: false });
    this.reportedEpoch = epoch;
  }

  /** Whether a producer whose statements the last report had to leave out has anchored more since. */
  private async someoneAnchored(): Promise<boolean> {
    const audit = this.components.auditContract;
    if (!audit) return false;
    for (const [producer, next] of this.waitingFor) if ((await nextUnanchored(audit, producer)) > next) return true;
    return false;
  }

  /** Anchors, logging (not throwing) a failure: the next tick tries again. */
  private async anchorNow(): Promise<void> {
    try {
      await this.anchor();
    } catch (err) {
      this.components.log?.("anchoring failed; will retry", { error: (err as Error).message });
    }
  }

  /**
   * Sends this org's report for the current epoch: per producer, the distinct indicators its
   * detectors confirmed and found false since the last epoch's report; sending again in the
   * same epoch amends it with what came since. The contract caps each report by the sightings
   * this org anchored, so its batches are anchored first; and by what the producer anchored, so
   * evidence about a statement whose batch the producer has not anchored yet waits for a later
   * report. Producers go in increasing bytes32 order (the contract's rule), in transactions kept
   * under `maxTransactionGas`; a producer the contract refuses is named and left for next time,
   * never holding up the others.
   */
  async submitReports(options: { anchorFirst?: boolean } = {}): Promise<EpochSubmission> {
    const contract = this.requireContract(this.components.reputationContract, "Reputation");
    if (options.anchorFirst !== false && this.components.auditContract) await this.anchorNow();
    const epoch = Number(await contract.currentEpoch());
    const entries = (await this.components.store.evidence.all()).filter((e) => this.components.isKnownMember(e.producer));
    const stale = entries.filter((e) => e.reportedEpoch !== undefined && e.reportedEpoch < epoch);
    const { ready, deferred, waitingFor } = await this.anchoredEvidence(entries.filter((e) => e.reportedEpoch === undefined || e.reportedEpoch === epoch));
    this.waitingFor = waitingFor;
    const byProducer = new Map<string, { producer: string; confirmations: number; falsePositives: number }>();
    for (const e of ready) {
      const r = byProducer.get(e.producer) ?? { producer: e.producer, confirmations: 0, falsePositives: 0 };
      if (e.kind === "sighting") r.confirmations = Math.min(r.confirmations + 1, MAX_REPORT_COUNT);
      else r.falsePositives = Math.min(r.falsePositives + 1, MAX_REPORT_COUNT);
      byProducer.set(e.producer, r);
    }
    const reports = [...byProducer.values()].sort((a, b) => (orgIdToBytes32(a.producer) < orgIdToBytes32(b.producer) ? -1 : 1));
    const outcome = { transactions: 0, refused: [] as EpochSubmission["refused"] };
    if (reports.length > 0) await this.sendReports(contract, reports, outcome);
    const refused = new Set(outcome.refused.map((r) => r.producer));
    await this.components.store.markReported([...stale, ...ready.filter((e) => !refused.has(e.producer))], epoch);
    if (reports.length > 0) this.components.log?.("reputation report sent", { epoch, producers: reports.length - refused.size, transactions: outcome.transactions, refused: outcome.refused.length, deferred: deferred.length });
    return { epoch, reports: reports.filter((r) => !refused.has(r.producer)), transactions: outcome.transactions, refused: outcome.refused, deferred: deferred.length };
  }

  /**
   * Splits evidence into what a report may count now and what waits for its producer's anchor,
   * with, for each producer waited for, the first sequence it had not anchored.
   */
  private async anchoredEvidence(entries: EvidenceEntry[]): Promise<{ ready: EvidenceEntry[]; deferred: EvidenceEntry[]; waitingFor: Map<string, number> }> {
    const audit = this.components.auditContract;
    const waitingFor = new Map<string, number>();
    if (!audit) return { ready: entries, deferred: [], waitingFor };
    const next = new Map<string, number>();
    for (const producer of new Set(entries.map((e) => e.producer))) next.set(producer, await nextUnanchored(audit, producer));
    const ready: EvidenceEntry[] = [];
    const deferred: EvidenceEntry[] = [];
    for (const e of entries) {
      if (e.sequence !== undefined && e.sequence >= next.get(e.producer)!) {
        deferred.push(e);
        waitingFor.set(e.producer, next.get(e.producer)!);
      } else ready.push(e);
    }
    return { ready, deferred, waitingFor };
  }

  /** Sends reports in transactions under the gas limit; isolates (and names) any the contract refuses. */
  private async sendReports(
    contract: ReputationContract,
    reports: Array<{ producer: string; confirmations: number; falsePositives: number }>,
    outcome: { transactions: number; refused: EpochSubmission["refused"] },
  ): Promise<void> {
    const maxGas = BigInt(this.init.maxTransactionGas ?? 12_000_000);
    const toChain = (chunk: typeof reports) => chunk.map((r) => ({ ...r, producer: orgIdToBytes32(r.producer) }));
    let size = Math.min(reports.length, 256);
    for (let i = 0; i < reports.length; ) {
      const chunk = reports.slice(i, i + size);
      let gas: bigint;
      try {
        gas = await contract.submitReports.estimateGas(toChain(chunk));
      } catch (err) {
        const refusal = chainRefusal(err);
        if (!refusal) throw err;
        if (chunk.length === 1) outcome.refused.push({ producer: chunk[0]!.producer, reason: refusal.reason });
        else {
          // Find the producers the contract refuses by halves; the others still go.
          await this.sendReports(contract, chunk.slice(0, chunk.length >> 1), outcome);
          await this.sendReports(contract, chunk.slice(chunk.length >> 1), outcome);
        }
        i += chunk.length;
        continue;
      }
      if (gas > maxGas && chunk.length > 1) {
        size = Math.max(1, Math.floor((chunk.length * Number(maxGas)) / Number(gas) * 0.9));
        continue;
      }
      await this.components.transact(async () => (await contract.submitReports(toChain(chunk), { gasLimit: (gas * 12n) / 10n })).wait());
      outcome.transactions++;
      this.stats.reportTransactions++;
      this.stats.reportedProducers += chunk.length;
      i += chunk.length;
    }
  }

  /**
   * Takes back the reports a member made in the epoch in which it was suspended or removed (the
   * contract lets anyone do it; every node does when it sees the change, and all but the first
   * find nothing left). Returns how many producers' reports were discounted.
   */
  async discountInactiveReporter(reporter: string): Promise<number> {
    const contract = this.components.reputationContract;
    if (!contract) return 0;
    const iface = new Interface(REPUTATION_ABI);
    const current = Number(await contract.currentEpoch());
    for (const epoch of [current, current - 1].filter((e) => e >= 0)) {
      const logs = await this.components.provider.getLogs({
        address: await contract.getAddress(),
        topics: [iface.getEvent("ReportSubmitted")!.topicHash, zeroPadValue(toBeHex(epoch), 32), orgIdToBytes32(reporter)],
        fromBlock: 0,
        toBlock: "latest",
      });
      const producers = [...new Set(logs.map((log) => iface.parseLog(log)!.args.producer as string))];
      const open: string[] = [];
      for (const producer of producers) if (!(await contract.submittedReport(orgIdToBytes32(reporter), producer, epoch)).voided) open.push(producer);
      if (open.length === 0) continue;
      try {
        await this.components.transact(async () => (await contract.discountReports(orgIdToBytes32(reporter), epoch, open)).wait());
        this.components.log?.("reports of a suspended member discounted", { reporter, epoch, producers: open.length });
        return open.length;
      } catch (err) {
        const refusal = chainRefusal(err);
        // Not the epoch of its suspension (or reinstated meanwhile): nothing for this epoch.
        if (!refusal) throw err;
      }
    }
    return 0;
  }

  /** Anchors this org's batches not anchored yet; returns the range, or undefined if none. */
  async anchor(): Promise<{ firstSequence: number; lastSequence: number; indicatorCount: number; sightingCount: number } | undefined> {
    const contract = this.requireContract(this.components.auditContract, "AuditTrail");
    const { orgId, store } = this.components;
    const last = (await store.countersOf(orgId))?.lastSequence ?? 0;
    const first = await nextUnanchored(contract, orgId);
    if (first > last) return undefined;
    const lastSequence = Math.min(last, first + 99_999);
    const headers: BatchHeader[] = [];
    for (let sequence = first; sequence <= lastSequence; sequence++) {
      const batch = await store.batches.get(orgId, sequence);
      if (!batch) throw new TrustError("MISSING_BATCHES", `own batch #${sequence} is missing from the store`);
      headers.push(headerOf(batch));
    }
    const range = {
      firstSequence: first,
      lastSequence,
      indicatorCount: headers.reduce((n, h) => n + h.indicatorCount, 0),
      sightingCount: headers.reduce((n, h) => n + h.sightingCount, 0),
    };
    await this.components.transact(() => anchorBatches(contract, anchorRoot(headers), range));
    this.stats.anchors++;
    this.components.log?.("batches anchored", range);
    return range;
  }

  // ---------------------------------------------------------------- audit proofs

  /** Proof that `producer` published `record`'s statement before its anchor's block time. */
  async proof(record: IndicatorRecord, producer: string): Promise<AuditProofJson> {
    const contract = this.requireContract(this.components.auditContract, "AuditTrail");
    const { store, reader } = this.components;
    const attestation = record.attestations.find((a) => a.producer === producer);
    if (!attestation) throw new TrustError("NOT_FOUND", `${producer} made no statement of this indicator that this node holds`);
    if (attestation.sequence === 0) throw new TrustError("LOCAL_ONLY", "a local-only (TLP:RED) statement is in no batch, hence in no anchor");
    const batch = await store.batches.get(producer, attestation.sequence);
    if (!batch) throw new TrustError("MISSING_BATCHES", `batch #${attestation.sequence} of ${producer} is not in this node's store`);
    const anchor = await anchorHolding(contract, producer, attestation.sequence);
    if (!anchor) throw new TrustError("NOT_ANCHORED", `${producer} has not anchored batch #${attestation.sequence} yet; it does once per epoch`);
    const headers: BatchHeader[] = [];
    const missing: number[] = [];
    for (let sequence = anchor.firstSequence; sequence <= anchor.lastSequence; sequence++) {
      const held = sequence === batch.sequence ? batch : await store.batches.get(producer, sequence);
      if (held) headers.push(headerOf(held));
      else missing.push(sequence);
    }
    if (missing.length > 0) {
      throw new TrustError("MISSING_BATCHES", `the anchor covers batches this node does not hold: ${missing.slice(0, 10).join(", ")}${missing.length > 10 ? "..." : ""}`);
    }
    const inclusion = inclusionProof(batch, openBatch(batch, reader), attestation.index);
    return auditProofToJson(
      buildAuditProof({
        indicator: inclusion.indicator,
        salt: inclusion.salt,
        indicatorProof: inclusion.proof,
        header: headerOf(batch),
        signature: batch.signature,
        anchor,
        anchoredHeaders: headers,
      }),
    );
  }

  /** Checks a proof against the chain. */
  async verifyProof(json: unknown): Promise<AuditVerdict> {
    const contract = this.requireContract(this.components.auditContract, "AuditTrail");
    const parsed = AuditProofSchema.safeParse(json);
    if (!parsed.success) throw new TrustError("BAD_PROOF", `not an audit proof: ${parsed.error.issues[0]?.path.join(".")}: ${parsed.error.issues[0]?.message}`);
    let proof;
    try {
      proof = auditProofFromJson(parsed.data as AuditProofJson);
    } catch (err) {
      throw new TrustError("BAD_PROOF", `not an audit proof: ${(err as Error).message}`);
    }
    return verifyAuditProof(proof, await anchorAt(contract, proof.org, proof.anchor.index), this.components.deployment);
  }

  // ---------------------------------------------------------------- researchers

  /**
   * Every org's reputation at every epoch, replayed from the Reputation contract's events with
   * the reference arithmetic (the values the contract itself computes). At most the last
   * `epochs` epochs.
   */
  async reputationHistory(orgs: string[], epochs = 100): Promise<Array<{ epoch: number; org: string; reputation: number }>> {
    const view = this.components.reputation;
    const contract = this.requireContract(this.components.reputationContract, "Reputation");
    const iface = new Interface(REPUTATION_ABI);
    const logs = await this.components.provider.getLogs({ address: await contract.getAddress(), fromBlock: 0, toBlock: "latest" });
    let model: ReputationModel | undefined;
    const events = logs.map((log) => iface.parseLog(log)).filter((e) => e !== null);
    const current = view?.epoch ?? Number(await contract.currentEpoch());
    const rows: Array<{ epoch: number; org: string; reputation: number }> = [];
    let next = 0;
    const first = Math.max(0, current - epochs + 1);
    const emitUpTo = (epoch: number) => {
      for (; next <= epoch; next++) {
        if (next < first || !model) continue;
        for (const org of orgs) rows.push({ epoch: next, org, reputation: toFraction(model.reputationOf(org, BigInt(next)).reputation) });
      }
    };
    for (const event of events) {
      if (event.name === "ParametersChanged") {
        const parameters: ReputationParameters = {
          epochLength: event.args.epochLength as bigint,
          priorPositive: event.args.priorPositive as bigint,
          priorNegative: event.args.priorNegative as bigint,
          forgetting: event.args.forgetting as bigint,
          maxReportEvidence: event.args.maxReportEvidence as bigint,
          halfEvidenceCount: event.args.halfEvidenceCount as bigint,
        };
        const fromEpoch = BigInt(event.args.fromEpoch as bigint);
        emitUpTo(Number(fromEpoch) - 1);
        if (model) model.setParameters(parameters, fromEpoch);
        else model = new ReputationModel(parameters);
      } else if (event.name === "ReportSubmitted" && model) {
        const epoch = BigInt(event.args.epoch as bigint);
        emitUpTo(Number(epoch) - 1);
        model.report(epoch, bytes32ToOrgId(event.args.reporter), bytes32ToOrgId(event.args.producer), { positive: event.args.positive as bigint, negative: event.args.negative as bigint });
      } else if (event.name === "ReportVoided" && model) {
        model.void(BigInt(event.args.epoch as bigint), bytes32ToOrgId(event.args.reporter), bytes32ToOrgId(event.args.producer));
      }
    }
    emitUpTo(current);
    return rows;
  }

  /** Per producer: volume, how much others confirmed or found false, and how fast. O(n) over the cache. */
  async producerStatistics(): Promise<ProducerStatistics[]> {
    const { store } = this.components;
    const stats = new Map<string, { held: number; confirmed: number; falsePositives: number; delays: number[] }>();
    const page: IndicatorRecord[] = [];
    const flush = async () => {
      const stored = await store.sightings.getMany(page.map((r) => r.id));
      page.forEach((record, i) => {
        // The researchers' statistics are this org's own view: every scope.
        const summary = sightingsFor(stored[i], { kind: "internal" });
        for (const a of record.attestations) {
          const s = stats.get(a.producer) ?? { held: 0, confirmed: 0, falsePositives: 0, delays: [] };
          s.held++;
          const others = Object.entries(summary?.byOrg ?? {}).filter(([org]) => org !== a.producer);
          const seen = others.filter(([, t]) => t.sighting > 0).map(([, t]) => t.firstSeen);
          if (seen.length > 0) {
            s.confirmed++;
            s.delays.push(Math.max(0, Math.min(...seen) - a.createdAt));
          }
          if (others.some(([, t]) => t.falsePositive > 0)) s.falsePositives++;
          stats.set(a.producer, s);
        }
      });
      page.length = 0;
    };
    for await (const record of store.indicators.all()) {
      page.push(record);
      if (page.length === 500) await flush();
    }
    await flush();
    const counters = new Map((await store.producers.all()).map((c) => [c.producer, c]));
    const producers = [...new Set([...stats.keys(), ...counters.keys()])].sort();
    return producers.map((producer) => {
      const s = stats.get(producer) ?? { held: 0, confirmed: 0, falsePositives: 0, delays: [] };
      return {
        producer,
        indicators: counters.get(producer)?.indicators ?? 0,
        batches: counters.get(producer)?.batches ?? 0,
        held: s.held,
        confirmed: s.confirmed,
        falsePositives: s.falsePositives,
        falsePositiveRate: s.held > 0 ? s.falsePositives / s.held : 0,
        medianTimeToFirstSightingMs: median(s.delays),
        reputation: this.components.reputation?.of(producer),
      };
    });
  }

  /** The indicators confirmed by the most orgs, as `audience` may see them. O(n) over the sightings. */
  async topConfirmed(limit: number, audience: Audience): Promise<Array<ScoredRecord & { confirmations: number }>> {
    const { store } = this.components;
    const ranked: Array<{ id: string; confirmations: number }> = [];
    const entitlements = this.components.entitlements();
    for await (const stored of store.sightings.all()) {
      // Counted over the sightings the audience may know of, so that the ranking leaks no others.
      const summary = sightingsFor(stored, audience, entitlements);
      const confirmations = Object.values(summary?.byOrg ?? {}).filter((t) => t.sighting > 0).length;
      if (confirmations > 0) ranked.push({ id: stored.indicatorId, confirmations });
    }
    ranked.sort((a, b) => b.confirmations - a.confirmations || a.id.localeCompare(b.id));
    const out: Array<ScoredRecord & { confirmations: number }> = [];
    for (let i = 0; i < ranked.length && out.length < limit; i += limit) {
      const slice = ranked.slice(i, i + limit);
      const records = (await store.indicators.getMany(slice.map((r) => r.id))).filter((r): r is IndicatorRecord => r !== undefined);
      const scored = await this.scored(records, audience);
      for (const record of scored) if (out.length < limit) out.push({ ...record, confirmations: slice.find((r) => r.id === record.id)!.confirmations });
    }
    return out;
  }

  private requireContract<T>(contract: T | undefined, name: string): T {
    if (!contract) throw new TrustError("NO_TRUST_CONTRACTS", `this node has no ${name} contract configured (chain.reputationAddress, chain.auditAddress)`);
    return contract;
  }
}

const hex = z.string().regex(/^[0-9a-f]*$/, "is lowercase hex");
const bytes32 = z.string().regex(/^[0-9a-f]{64}$/, "is 32 bytes of lowercase hex");
const count = (max: number) => z.number().int().min(0).max(max);
const time = z.number().int().min(0).max(Number.MAX_SAFE_INTEGER);
const merkle = z.object({ index: count(MAX_PROOF_BATCH_STATEMENTS), leafCount: z.number().int().min(1).max(MAX_PROOF_BATCH_STATEMENTS), siblings: z.array(bytes32).max(64) });

/** The JSON form of an audit proof, checked at the boundary: whole numbers in range, hex of the right length. */
export const AuditProofSchema = z.object({
  version: z.literal(1),
  org: z.string().max(64),
  indicator: z.object({
    type: z.string().max(16),
    value: z.string().max(4096),
    tlp: z.string().max(16),
    confidence: count(100),
    validFrom: time,
    validUntil: time,
    labels: z.object({ malwareFamilies: z.array(z.string().max(64)).max(32), attackTechniques: z.array(z.string().max(64)).max(32), tags: z.array(z.string().max(64)).max(32) }),
    description: z.string().max(4096),
    group: time,
    blinded: z.boolean(),
    producer: z.string().max(64),
    createdAt: time,
  }),
  salt: z.string().regex(/^[0-9a-f]{32}$/, "is 16 bytes of lowercase hex").optional(),
  batch: z.object({
    deployment: bytes32,
    producer: z.string().max(64),
    sequence: z.number().int().min(1).max(Number.MAX_SAFE_INTEGER),
    createdAt: time,
    signingKey: bytes32,
    indicatorCount: count(MAX_PROOF_BATCH_STATEMENTS),
    sightingCount: count(MAX_PROOF_BATCH_STATEMENTS),
    merkleRoot: bytes32,
    group: time,
    sealedDigest: bytes32,
    // A version 3 batch's header signs these too.
    objectCount: count(MAX_PROOF_BATCH_STATEMENTS).optional(),
    version: z.number().int().min(2).max(LATEST_WIRE_VERSION).optional(),
    signature: z.string().regex(/^[0-9a-f]{128}$/, "is 64 bytes of lowercase hex"),
  }),
  indicatorProof: merkle,
  anchor: z.object({
    index: z.number().int().min(0).max(Number.MAX_SAFE_INTEGER),
    root: bytes32,
    firstSequence: z.number().int().min(1).max(Number.MAX_SAFE_INTEGER),
    lastSequence: z.number().int().min(1).max(Number.MAX_SAFE_INTEGER),
    anchoredAt: time,
    blockNumber: time,
  }),
  batchProof: z.object({ index: z.number().int().min(0).max(100_000), leafCount: z.number().int().min(1).max(100_000), siblings: z.array(bytes32).max(64) }),
});
