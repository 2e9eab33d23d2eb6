import { EventEmitter } from "node:events";
import { Interface, type JsonRpcProvider } from "ethers";
import { registryContract, type RegistryContract } from "./governance.js";
import type { ProducerView } from "../gossip/validation.js";
import { bytes32ToOrgId, decodeMember, orgIdToBytes32, type Member } from "./member.js";
import { CONSORTIUM_REGISTRY_ABI, MEMBER_EVENTS } from "./registry-abi.js";

export interface MembershipInit {
  registryAddress: string;
  /** How often to ask the chain for new blocks. */
  pollIntervalMs?: number;
  /** Members per listMembers call when loading everything. */
  pageSize?: number;
}

export interface MembershipComponents {
  provider: JsonRpcProvider;
  log?: (message: string, fields?: Record<string, unknown>) => void;
}

export interface MembershipEvents {
  /** A member's record changed on chain (admitted, status, keys or node addresses). */
  "member-changed": [current: Member, previous: Member | undefined];
}

/**
 * The node's view of the consortium: every member record, loaded once and then kept current by
 * following the registry's events block by block. Lookups are synchronous and in memory, so the
 * gossip validation and the connection gater never wait on the chain.
 */
export class Membership extends EventEmitter<MembershipEvents> {
  private readonly registry: RegistryContract;
  private readonly iface = new Interface(CONSORTIUM_REGISTRY_ABI);
  private readonly byOrg = new Map<string, Member>();
  private readonly orgByPeer = new Map<string, string>();
  private lastBlock = -1;
  private timer: NodeJS.Timeout | undefined;
  private polling: Promise<void> | undefined;
  private running = false;
  private readonly pollIntervalMs: number;
  private readonly pageSize: number;

  constructor(
    private readonly init: MembershipInit,
    private readonly components: MembershipComponents,
  ) {
    super();
    this.registry = registryContract(init.registryAddress, components.provider);
    this.pollIntervalMs = init.pollIntervalMs ?? 1000;
    this.pageSize = init.pageSize ?? 100;
  }

  async start(): Promise<void> {
    if (this.running) return;
    this.running = true;
    const head = await this.components.provider.getBlockNumber();
    await this.loadAll(head);
    this.lastBlock = head;
    this.schedule();
  }

  async stop(): Promise<void> {
    this.running = false;
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    await this.polling;
  }

  /** The chain block up to which this view is current. */
  get head(): number {
    return this.lastBlock;
  }

  get(orgId: string): Member | undefined {
    return this.byOrg.get(orgId);
  }

  byPeerId(peerId: string): Member | undefined {
    const orgId = this.orgByPeer.get(peerId);
    return orgId ? this.byOrg.get(orgId) : undefined;
  }

  isActivePeer(peerId: string): boolean {
    return this.byPeerId(peerId)?.status === "active";
  }

  all(): Member[] {
    return [...this.byOrg.values()];
  }

  active(): Member[] {
    return this.all().filter((m) => m.status === "active");
  }

  producerView(orgId: string): ProducerView | undefined {
    const member = this.byOrg.get(orgId);
    return member ? { orgId, active: member.status === "active", signingKey: member.signingKey } : undefined;
  }

  /** Reads new blocks now instead of waiting for the next poll; returns when the view is current. */
  async refresh(): Promise<void> {
    if (this.polling) return this.polling;
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

  private async loadAll(blockTag: number): Promise<void> {
    const total = Number(await this.registry.memberCount({ blockTag }));
    for (let offset = 0; offset < total; offset += this.pageSize) {
      const page = await this.registry.listMembers(offset, this.pageSize, { blockTag });
      for (const raw of page) this.put(decodeMember(raw));
    }
  }

  private async poll(): Promise<void> {
    const head = await this.components.provider.getBlockNumber();
    if (head <= this.lastBlock) return;
    const logs = await this.components.provider.getLogs({
      address: this.init.registryAddress,
      fromBlock: this.lastBlock + 1,
      toBlock: head,
    });
    const changed = new Set<string>();
    for (const log of logs) {
      const parsed = this.iface.parseLog(log);
      if (parsed && (MEMBER_EVENTS as readonly string[]).includes(parsed.name)) changed.add(bytes32ToOrgId(parsed.args.orgId));
    }
    for (const orgId of changed) {
      const raw = await this.registry.getMember(orgIdToBytes32(orgId), { blockTag: head });
      this.put(decodeMember(raw));
    }
    this.lastBlock = head;
  }

  private put(member: Member): void {
    const previous = this.byOrg.get(member.orgId);
    if (previous?.peerId) this.orgByPeer.delete(previous.peerId);
    this.byOrg.set(member.orgId, member);
    if (member.peerId) this.orgByPeer.set(member.peerId, member.orgId);
    this.emit("member-changed", member, previous);
  }
}
