import type { JsonRpcProvider, Log } from "ethers";

/** A cache of some contract's state that the follower keeps current. */
export interface ChainView {
  /** The contract whose logs this view follows. */
  readonly address: string;
  /** Reads the whole state as of `blockTag` (at start). */
  load(blockTag: number): Promise<void>;
  /** Applies the contract's logs of blocks (previous head, head], in order. */
  apply(logs: Log[], head: number): Promise<void>;
}

export interface ChainFollowerInit {
  /** How often to ask the chain for new blocks. */
  pollIntervalMs?: number;
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
 */
export class ChainFollower {
  private lastBlock = -1;
  private timer: NodeJS.Timeout | undefined;
  private polling: Promise<void> | undefined;
  private queued: Promise<void> | undefined;
  private running = false;
  private readonly pollIntervalMs: number;

  constructor(
    init: ChainFollowerInit,
    private readonly components: ChainFollowerComponents,
  ) {
    this.pollIntervalMs = init.pollIntervalMs ?? 1000;
  }

  async start(): Promise<void> {
    if (this.running) return;
    this.running = true;
    const head = await this.components.provider.getBlockNumber();
    for (const view of this.components.views) await view.load(head);
    this.lastBlock = head;
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

  private schedule(): void {
    if (!this.running) return;
    this.timer = setTimeout(() => {
      this.refresh()
        .catch((err: Error) => this.components.log?.("chain poll failed; retrying", { error: err.message }))
        .finally(() => this.schedule());
    }, this.pollIntervalMs);
  }

  private async poll(): Promise<void> {
    const { provider, views } = this.components;
    const head = await provider.getBlockNumber();
    if (head <= this.lastBlock) return;
    const logs = await provider.getLogs({
      address: views.map((v) => v.address),
      fromBlock: this.lastBlock + 1,
      toBlock: head,
    });
    for (const view of views) {
      const address = view.address.toLowerCase();
      await view.apply(logs.filter((log) => log.address.toLowerCase() === address), head);
    }
    this.lastBlock = head;
  }
}
