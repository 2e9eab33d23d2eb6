import type { JsonRpcProvider, Log } from "ethers";

/** A cache of some contract's state that the follower keeps current. */
export interface ChainView {
  /** The contract whose logs this view follows. */
  readonly address: string;
  /** Reads the whole state as of `blockTag` (at start, and again every fullReloadMs). */
  load(blockTag: number): Promise<void>;
  /**
   * Applies the contract's logs of some blocks, in order, reading what they changed as of
   * `stateBlock`: the chain's head when the poll began, never an older block (see ChainFollower).
   */
  apply(logs: Log[], stateBlock: number): Promise<void>;
}

export interface ChainFollowerInit {
  /** How often to ask the chain for new blocks. */
  pollIntervalMs?: number;
  /** Longest wait between retries while the endpoint fails (doubling from the poll interval). */
  maxBackoffMs?: number;
  /** After this long without a successful poll, the view is stale: see `stale`. */
  maxStalenessMs?: number;
  /** Most blocks per getLogs call when catching up after an outage. */
  maxBlockRange?: number;
  /**
   * Every view reads its whole state again this often (10 minutes by default): whatever a log
   * missed or an apply got wrong is corrected within this time, without a restart.
   */
  fullReloadMs?: number;
  now?: () => number;
}

export interface ChainHealth {
  head: number;
  lastSuccessAt: number;
  consecutiveFailures: number;
  lastError: string | undefined;
  stale: boolean;
}

export interface ChainFollowerComponents {
  provider: JsonRpcProvider;
  views: ChainView[];
  log?: (message: string, fields?: Record<string, unknown>) => void;
}

/**
 * Keeps in-memory views of the consortium's contracts current: loads each once, then polls for
 * new blocks and hands every view its contract's logs. One poll serves every view, so they all
 * describe the same block.
 *
 * State is read at the head, never at an older block, even when an outage left thousands of
 * blocks to catch up on in ranges: Besu's default Bonsai storage keeps the state of only the
 * last 512 or so blocks, so a read at the end of an old range would fail, or (on other clients)
 * give state that later logs in the same poll overwrite anyway. The logs say what changed; the
 * head says what it is now.
 */
export class ChainFollower {
  private lastBlock = -1;
  private timer: NodeJS.Timeout | undefined;
  private polling: Promise<void> | undefined;
  private queued: Promise<void> | undefined;
  private running = false;
  private readonly pollIntervalMs: number;
  private failures = 0;
  private lastSuccessAt = 0;
  private lastError: string | undefined;
  private lastFullLoadAt = 0;
  private readonly now: () => number;
  /** Full reloads done since start (beside the first load), for status and tests. */
  fullReloads = 0;

  constructor(
    private readonly init: ChainFollowerInit,
    private readonly components: ChainFollowerComponents,
  ) {
    this.pollIntervalMs = init.pollIntervalMs ?? 1000;
    this.now = init.now ?? Date.now;
  }

  async start(): Promise<void> {
    if (this.running) return;
    this.running = true;
    const head = await this.components.provider.getBlockNumber();
    for (const view of this.components.views) await view.load(head);
    this.lastBlock = head;
    this.lastSuccessAt = this.lastFullLoadAt = this.now();
    this.schedule();
  }

  async stop(): Promise<void> {
    this.running = false;
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    await this.polling;
  }

  /** The chain block up to which the views are current. */
  get head(): number {
    return this.lastBlock;
  }

  /**
   * True when no poll has succeeded for `maxStalenessMs`: the views may miss a suspension or a
   * removal, so the node keeps what it has (peers, data) but admits no new peer.
   */
  get stale(): boolean {
    return this.now() - this.lastSuccessAt > (this.init.maxStalenessMs ?? 10 * 60_000);
  }

  get health(): ChainHealth {
    return { head: this.lastBlock, lastSuccessAt: this.lastSuccessAt, consecutiveFailures: this.failures, lastError: this.lastError, stale: this.stale };
  }

  /**
   * Reads new blocks now instead of waiting for the next poll; resolves once a poll that started
   * after this call has finished, so a caller that just sent a transaction sees its effect.
   */
  refresh(): Promise<void> {
    if (this.polling) {
      // The poll under way may have read the head before the caller's change: queue one more.
      this.queued ??= this.polling.catch(() => undefined).then(() => {
        this.queued = undefined;
        return this.refresh();
      });
      return this.queued;
    }
    this.polling = this.poll().finally(() => {
      this.polling = undefined;
    });
    return this.polling;
  }

  /** The wait before the next poll: the poll interval, doubled per consecutive failure up to the cap, with jitter. */
  private delay(): number {
    if (this.failures === 0) return this.pollIntervalMs;
    const backoff = Math.min(this.pollIntervalMs * 2 ** this.failures, this.init.maxBackoffMs ?? 30_000);
    return backoff * (0.75 + Math.random() * 0.5);
  }

  private schedule(): void {
    if (!this.running) return;
    this.timer = setTimeout(() => {
      this.refresh()
        .then(() => {
          if (this.failures > 0) this.components.log?.("chain endpoint back; caught up", { head: this.lastBlock, after: this.failures });
          this.failures = 0;
          this.lastError = undefined;
          this.lastSuccessAt = this.now();
        })
        .catch((err: Error) => {
          this.failures++;
          this.lastError = err.message;
          this.components.log?.("chain poll failed; retrying with backoff", { error: err.message, failures: this.failures });
        })
        .finally(() => this.schedule());
    }, this.delay());
  }

  private async poll(): Promise<void> {
    const { provider, views } = this.components;
    const head = await provider.getBlockNumber();
    if (head > this.lastBlock) {
      // After an outage the gap may be long: its logs are read in ranges, applying each, so
      // progress is kept; what they changed is read at the head (see the class comment).
      const range = this.init.maxBlockRange ?? 5000;
      for (let from = this.lastBlock + 1; from <= head; from += range) {
        const to = Math.min(head, from + range - 1);
        const logs = await provider.getLogs({ address: views.map((v) => v.address), fromBlock: from, toBlock: to });
        for (const view of views) {
          const address = view.address.toLowerCase();
          await view.apply(logs.filter((log) => log.address.toLowerCase() === address), head);
        }
        this.lastBlock = to;
      }
    }
    if (this.now() - this.lastFullLoadAt >= (this.init.fullReloadMs ?? 10 * 60_000)) {
      for (const view of views) await view.load(Math.max(head, this.lastBlock));
      this.lastFullLoadAt = this.now();
      this.fullReloads++;
    }
  }
}
