import type { Connection, Libp2p, PeerId, Stream } from "@libp2p/interface";
import { lpStream, RateLimiter } from "@libp2p/utils";
import type { Membership } from "../chain/membership.js";
import { GossipAction, IndicatorBatchErrorCode } from "../gossip/errors.js";
import type { IndicatorGossip } from "../gossip/indicator-gossip.js";
import type { IndicatorStore } from "../store/indicator-store.js";
import { decodeBatch, decodeBatchHeader } from "../wire/codec.js";
import { retriesFor } from "../store/sync-progress-repository.js";
import {
  SYNC_PROTOCOL,
  decodeSyncItem,
  decodeSyncRequest,
  decodeSyncStatus,
  encodeSyncItem,
  encodeSyncRequest,
  encodeSyncStatus,
  type SyncItem,
} from "./sync-codec.js";

export interface SyncInit {
  /** Most batches per range request (a page). */
  pageSize: number;
  /** A page ends once it holds this many bytes of batches (at least one batch per page). */
  maxPageBytes: number;
  /** Largest message on the protocol: a batch plus its framing. */
  maxMessageBytes: number;
  /** Requests a peer may make per second before it is refused. */
  requestsPerSecond: number;
  /**
   * Re-check peers about this often (each round after 0.5 to 1.5 times it, at random), besides at
   * start and on every new connection.
   */
  intervalMs: number;
  /** Peers a periodic round asks, picked at random among those connected (any member serves any producer's batches). */
  peersPerRound: number;
  timeoutMs: number;
}

export interface SyncComponents {
  libp2p: Libp2p;
  store: IndicatorStore;
  gossip: IndicatorGossip;
  membership: Membership;
  orgId: string;
  /** Whether `org` is an active member of sharing group `group` now. */
  inGroup(group: number, org: string): boolean;
  log?: (message: string, fields?: Record<string, unknown>) => void;
}

export interface SyncStats {
  fetched: number;
  withheldFromUs: number;
  rejected: number;
  served: number;
  withheldByUs: number;
  refused: number;
  runs: number;
}

/** Pages of one producer being verified and stored at once (each up to `pageSize` batches). */
const PAGES_IN_FLIGHT = 2;

/**
 * Outcomes of a fetched batch that count as handled: it is here (or another version of it is),
 * or it never will be, by the producer's own doing (expired, undecryptable, sealed for a group it
 * is not in, signed with a key it has rotated away from). None is the serving peer's fault.
 */
const HANDLED_IGNORES = new Set<IndicatorBatchErrorCode | undefined>([
  IndicatorBatchErrorCode.ALREADY_KNOWN,
  IndicatorBatchErrorCode.EQUIVOCATION,
  IndicatorBatchErrorCode.ALL_EXPIRED,
  IndicatorBatchErrorCode.UNDECRYPTABLE,
  IndicatorBatchErrorCode.PRODUCER_NOT_IN_GROUP,
  IndicatorBatchErrorCode.STALE_SIGNING_KEY,
  IndicatorBatchErrorCode.UNUSABLE_SIGNING_KEY,
]);

/** Withheld sequences of a producer retried with one peer per round at most. */
const RETRIES_PER_ROUND = 16;

/** What becomes of a fetched batch: taken (or handled), a reason to stop with this producer now, or proof the peer serves bad batches. */
type Taken = "taken" | "stop" | "bad";

/** A peer answered outside what it was asked: not a source to go on with. */
class SyncProtocolError extends Error {
  override readonly name = "SyncProtocolError";
}

/** How long after a periodic round the next one starts: uniformly 0.5 to 1.5 intervals. Pure given `random`. */
export function roundDelay(intervalMs: number, random: () => number = Math.random): number {
  return intervalMs * (0.5 + random());
}

/**
 * Catch-up sync over `/cti-exchange/sync/1`. Gossip reaches only the peers online at the moment;
 * this fills the gaps. As a server, any member serves any producer's batches it holds (store and
 * forward), page by page, rate-limited per peer, and never hands a sealed batch to an org that
 * is not among its recipients and in its group now (it says "withheld" instead). As a client, a
 * node asks each peer what it holds, fetches from its own progress on (so it resumes after a
 * restart), and runs every batch through the same validation pipeline as gossip.
 */
export class SyncService {
  readonly stats: SyncStats = { fetched: 0, withheldFromUs: 0, rejected: 0, served: 0, withheldByUs: 0, refused: 0, runs: 0 };
  private readonly limiter: RateLimiter;
  private readonly controller = new AbortController();
  private readonly inFlight = new Map<string, Promise<void>>();
  private timer: NodeJS.Timeout | undefined;
  private running = false;
  private readonly onConnect = (event: CustomEvent<PeerId>) => void this.syncWith(event.detail);

  constructor(
    private readonly init: SyncInit,
    private readonly components: SyncComponents,
  ) {
    this.limiter = new RateLimiter({ points: init.requestsPerSecond, duration: 1 });
  }

  async start(): Promise<void> {
    if (this.running) return;
    this.running = true;
    await this.components.libp2p.handle(SYNC_PROTOCOL, (stream, connection) => this.serve(stream, connection), {
      maxInboundStreams: 4,
      maxOutboundStreams: 4,
    });
    this.components.libp2p.addEventListener("peer:connect", this.onConnect);
    this.scheduleRound();
    void this.syncAll();
  }

  /**
   * The next periodic round, at a random point between half and one and a half intervals away:
   * nodes started together (a consortium after an outage, a benchmark) would otherwise all ask
   * all their peers at the same moment, every interval. Measured with 20 node processes on one
   * machine, those aligned rounds took p99 delivery latency from about 130 ms to about 1 s.
   */
  private scheduleRound(): void {
    if (!this.running) return;
    const delay = roundDelay(this.init.intervalMs);
    this.timer = setTimeout(() => {
      void this.syncRound().finally(() => this.scheduleRound());
    }, delay);
  }

  /** One periodic round: `peersPerRound` peers at random, not all (each is asked often enough over the rounds). */
  async syncRound(): Promise<void> {
    const peers = this.components.libp2p.getPeers();
    for (let i = peers.length - 1; i > 0; i--) {
      const j = Math.floor(Math.random() * (i + 1));
      [peers[i], peers[j]] = [peers[j]!, peers[i]!];
    }
    await Promise.allSettled(peers.slice(0, this.init.peersPerRound).map((peer) => this.syncWith(peer)));
  }

  async stop(): Promise<void> {
    if (!this.running) return;
    this.running = false;
    this.controller.abort();
    clearTimeout(this.timer);
    this.components.libp2p.removeEventListener("peer:connect", this.onConnect);
    await this.components.libp2p.unhandle(SYNC_PROTOCOL).catch(() => undefined);
    await Promise.allSettled(this.inFlight.values());
  }

  /** Syncs with every connected peer; resolves when done. */
  async syncAll(): Promise<void> {
    await Promise.allSettled(this.components.libp2p.getPeers().map((peer) => this.syncWith(peer)));
  }

  /** Fetches from `peer` whatever it holds that this node lacks. One run per peer at a time. */
  syncWith(peer: PeerId): Promise<void> {
    const key = peer.toString();
    const running = this.inFlight.get(key);
    if (running) return running;
    const run = this.fetchFrom(peer)
      .catch((err: Error) => {
        if (this.running) this.components.log?.("catch-up with a peer failed; will retry", { peer: key, error: err.message });
      })
      .finally(() => this.inFlight.delete(key));
    this.inFlight.set(key, run);
    return run;
  }

  // ---------------------------------------------------------------- client

  private signal(): AbortSignal {
    return AbortSignal.any([this.controller.signal, AbortSignal.timeout(this.init.timeoutMs)]);
  }

  private async request(peer: PeerId, request: Parameters<typeof encodeSyncRequest>[0]) {
    const signal = this.signal();
    const stream = await this.components.libp2p.dialProtocol(peer, SYNC_PROTOCOL, { signal });
    const lp = lpStream(stream, { maxDataLength: this.init.maxMessageBytes });
    await lp.write(encodeSyncRequest(request), { signal });
    return { lp, stream, signal };
  }

  private async fetchFrom(peer: PeerId): Promise<void> {
    if (!this.running || !this.components.membership.isActivePeer(peer.toString())) return;
    this.stats.runs++;
    const status = await this.request(peer, { kind: "status" });
    const held = decodeSyncStatus((await status.lp.read({ signal: status.signal })).subarray());
    await status.stream.close().catch(() => undefined);
    for (const { producer, lastSequence } of held) {
      if (producer === this.components.orgId || !this.components.membership.get(producer)) continue;
      await this.fetchProducer(peer, producer, lastSequence);
      await this.retryWithheld(peer, producer, lastSequence);
    }
  }

  /** Asks `peer` for sequences other peers withheld from this node (not for good: see SyncProgress). */
  private async retryWithheld(peer: PeerId, producer: string, lastSequence: number): Promise<void> {
    const progress = await this.components.store.progressOf(producer);
    const due = retriesFor(progress, peer.toString(), Date.now()).filter((sequence) => sequence <= lastSequence).slice(0, RETRIES_PER_ROUND);
    for (const sequence of due) {
      if (!this.running) return;
      const page = await this.fetchRange(peer, producer, sequence, sequence);
      if (!(await page.settled)) return;
    }
  }

  /**
   * Fetches one producer's batches from `peer`, page after page. The next page is asked for as
   * soon as the current one has arrived, while its batches are still being verified and stored
   * (at most PAGES_IN_FLIGHT pages are), so the link and the CPU are busy at the same time.
   */
  private async fetchProducer(peer: PeerId, producer: string, lastSequence: number): Promise<void> {
    const settling: Array<Promise<boolean>> = [];
    let from = (await this.components.store.progressOf(producer)).next;
    try {
      while (this.running && from <= lastSequence) {
        const page = await this.fetchRange(peer, producer, from, lastSequence);
        settling.push(page.settled);
        if (settling.length >= PAGES_IN_FLIGHT && !(await settling.shift()!)) return;
        // A peer that has nothing at our next sequence cannot help with this producer.
        if (!page.more || page.next <= from) return;
        from = page.next;
      }
    } finally {
      await Promise.all(settling);
    }
  }

  /**
   * One page: resolves when it has arrived, with whether the peer holds more, where the next
   * page starts, and `settled`, which resolves when every batch of the page is verified and
   * stored (false if the peer sent a provably bad one, or answered outside what was asked: not a
   * source to go on with). Every item must be of the producer asked, inside the range asked and
   * in increasing order; a "withheld" is taken only there, and only as "ask someone else".
   */
  private async fetchRange(peer: PeerId, producer: string, from: number, last: number): Promise<{ more: boolean; next: number; settled: Promise<boolean> }> {
    const limit = Math.min(this.init.pageSize, last - from + 1);
    const until = from + limit - 1;
    const { lp, stream, signal } = await this.request(peer, { kind: "range", producer, fromSequence: from, limit });
    const pending: Array<Promise<Taken>> = [];
    // Anything short of taken ends this producer with this peer for now; only "bad" counts against the peer.
    const settled = () => Promise.all(pending).then((outcomes) => outcomes.every((o) => o === "taken") && !violated);
    let previous = from - 1;
    let violated = false;
    const inRange = (sequence: number, what: string) => {
      if (sequence > previous && sequence <= until) return (previous = sequence);
      violated = true;
      this.stats.rejected++;
      throw new SyncProtocolError(`${what} #${sequence} is outside the range asked (#${from} to #${until}) or out of order`);
    };
    try {
      for (;;) {
        const item: SyncItem = decodeSyncItem((await lp.read({ signal })).subarray());
        if (item.kind === "end") {
          if (item.nextSequence <= previous || item.nextSequence > until + 1) inRange(item.nextSequence, "the end's next sequence");
          return { more: item.more, next: item.nextSequence, settled: settled() };
        }
        if (item.kind === "withheld") {
          inRange(item.sequence, "a withheld sequence");
          this.stats.withheldFromUs++;
          pending.push(this.components.store.markWithheld(producer, item.sequence, peer.toString(), Date.now()).then(() => "taken" as const));
          continue;
        }
        let header;
        try {
          header = decodeBatchHeader(item.bytes);
        } catch {
          header = undefined;
        }
        if (header && header.producer !== producer) inRange(Number.MAX_SAFE_INTEGER, `a batch of ${header.producer}`);
        if (header) inRange(header.sequence, "a batch");
        pending.push(this.take(item.bytes, peer, producer));
      }
    } catch (err) {
      await settled();
      if (err instanceof SyncProtocolError) {
        this.components.log?.("a peer answered catch-up outside what was asked; not asking it again this round", { peer: peer.toString(), error: err.message });
        return { more: false, next: from, settled: Promise.resolve(false) };
      }
      throw err;
    } finally {
      await stream.close().catch(() => undefined);
    }
  }

  /** Validates and stores one fetched batch. */
  private async take(bytes: Uint8Array, peer: PeerId, producer: string): Promise<Taken> {
    const outcome = await this.components.gossip.ingest(bytes, peer);
    if (outcome.action === GossipAction.ACCEPT) {
      this.stats.fetched++;
      return "taken";
    }
    if (outcome.action === GossipAction.IGNORE && HANDLED_IGNORES.has(outcome.code)) {
      const header = decodeBatch(bytes);
      if (header.producer === producer) await this.components.store.markHandled(producer, header.sequence);
      return "taken";
    }
    // Not provably the peer's doing (the producer suspended, a batch from the future): try again later.
    if (outcome.action === GossipAction.IGNORE) return "stop";
    this.stats.rejected++;
    return "bad";
  }

  // ---------------------------------------------------------------- server

  private async serve(stream: Stream, connection: Connection): Promise<void> {
    const peer = connection.remotePeer.toString();
    const requester = this.components.membership.byPeerId(peer);
    const lp = lpStream(stream, { maxDataLength: this.init.maxMessageBytes });
    const signal = this.signal();
    try {
      if (!requester || requester.status !== "active") throw new Error("not an active member's peer");
      try {
        this.limiter.consume(peer);
      } catch {
        this.stats.refused++;
        throw new Error("too many requests");
      }
      const request = decodeSyncRequest((await lp.read({ signal })).subarray());
      if (request.kind === "status") {
        const counters = await this.components.store.producers.all();
        await lp.write(encodeSyncStatus(counters.map((c) => ({ producer: c.producer, lastSequence: c.lastSequence }))), { signal });
        return;
      }
      const limit = Math.max(0, Math.min(request.limit, this.init.pageSize));
      let sequence = Math.max(1, request.fromSequence);
      let pageBytes = 0;
      // One range read for the page; it stops at the first gap, as the client expects, and once
      // the page holds maxPageBytes (the client asks for the rest).
      for await (const stored of this.components.store.batches.range(request.producer, sequence, limit)) {
        if (stored.sequence !== sequence || pageBytes >= this.init.maxPageBytes) break;
        const bytes = stored.bytes;
        pageBytes += bytes.length;
        sequence++;
        if (this.mayHand(bytes, requester.orgId)) {
          this.stats.served++;
          await lp.write(encodeSyncItem({ kind: "batch", bytes }), { signal });
        } else {
          this.stats.withheldByUs++;
          await lp.write(encodeSyncItem({ kind: "withheld", sequence: stored.sequence }), { signal });
        }
      }
      const more = (await this.components.store.batches.getBytes(request.producer, sequence)) !== undefined;
      await lp.write(encodeSyncItem({ kind: "end", nextSequence: sequence, more }), { signal });
    } catch (err) {
      if (this.running) this.components.log?.("sync request refused or failed", { peer, error: (err as Error).message });
      stream.abort(err as Error);
      return;
    }
    await stream.close().catch(() => undefined);
  }

  /** Open batches go to every active member; a sealed one only to its recipients still in its group. */
  private mayHand(bytes: Uint8Array, org: string): boolean {
    const batch = decodeBatch(bytes);
    if (!batch.sealed) return true;
    return batch.sealed.recipients.some((r) => r.org === org) && this.components.inGroup(batch.group, org);
  }
}
