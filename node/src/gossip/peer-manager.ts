import type { Libp2p, PeerId } from "@libp2p/interface";
import { multiaddr, type Multiaddr } from "@multiformats/multiaddr";
import { peerIdFromString } from "@libp2p/peer-id";
import type { Member } from "../chain/member.js";
import type { Membership } from "../chain/membership.js";

export interface PeerManagerInit {
  /** Multiaddrs to dial when the chain gives none (fallback); the gater still applies. */
  bootstrap: string[];
  /**
   * Whether to dial every active member at its chain addresses (the default). Off, the node
   * dials its bootstrap peers only and accepts members that dial it: static peering.
   */
  dialMembers?: boolean;
  /** How often to retry members we are not connected to. */
  reconcileIntervalMs?: number;
  dialTimeoutMs?: number;
}

export interface PeerManagerComponents {
  libp2p: Libp2p;
  membership: Membership;
  log?: (message: string, fields?: Record<string, unknown>) => void;
}

/**
 * Keeps the node connected to every active member at the addresses the chain publishes, and
 * disconnects a member's peer as soon as the chain says it is no longer active.
 */
export class PeerManager {
  private timer: NodeJS.Timeout | undefined;
  private running = false;
  private readonly dialing = new Set<string>();
  private readonly controller = new AbortController();
  private readonly onMemberChanged = (member: Member, previous: Member | undefined) => {
    if (member.status !== "active") {
      for (const peerId of [member.peerId, previous?.peerId]) if (peerId) void this.hangUp(peerId);
    } else {
      if (previous?.peerId && previous.peerId !== member.peerId) void this.hangUp(previous.peerId);
      void this.dialMember(member);
    }
  };

  constructor(
    private readonly init: PeerManagerInit,
    private readonly components: PeerManagerComponents,
  ) {}

  start(): void {
    if (this.running) return;
    this.running = true;
    this.components.membership.on("member-changed", this.onMemberChanged);
    void this.reconcile();
  }

  stop(): void {
    if (!this.running) return;
    this.running = false;
    this.controller.abort();
    this.components.membership.off("member-changed", this.onMemberChanged);
    if (this.timer) clearTimeout(this.timer);
  }

  /** Dials every active member we are not connected to, then the bootstrap list; then waits. */
  async reconcile(): Promise<void> {
    if (!this.running) return;
    const { libp2p, membership } = this.components;
    const self = libp2p.peerId.toString();
    await Promise.all(
      membership
        .active()
        .filter((m) => m.peerId && m.peerId !== self)
        .map((m) => this.dialMember(m)),
    );
    for (const address of this.init.bootstrap) await this.dial(multiaddr(address));
    // Peers of members that lost their active status while we missed the event.
    for (const peer of libp2p.getPeers()) {
      if (!membership.isActivePeer(peer.toString())) await this.hangUp(peer.toString());
    }
    if (this.running) {
      this.timer = setTimeout(() => void this.reconcile(), this.init.reconcileIntervalMs ?? 5000);
    }
  }

  private async dialMember(member: Member): Promise<void> {
    const { libp2p } = this.components;
    if (!this.running || this.init.dialMembers === false || !member.peerId || member.peerId === libp2p.peerId.toString()) return;
    if (libp2p.getConnections(peerIdFromString(member.peerId)).length > 0) return;
    for (const address of member.multiaddrs) {
      let ma: Multiaddr;
      try {
        ma = multiaddr(address);
      } catch {
        this.components.log?.("member publishes an invalid multiaddr", { org: member.orgId, address });
        continue;
      }
      if (await this.dial(ma, member.peerId)) return;
    }
  }

  private async dial(ma: Multiaddr, expectedPeer?: string): Promise<boolean> {
    const key = ma.toString();
    if (this.dialing.has(key) || !this.running) return false;
    this.dialing.add(key);
    try {
      const signal = AbortSignal.any([this.controller.signal, AbortSignal.timeout(this.init.dialTimeoutMs ?? 5000)]);
      const connection = await this.components.libp2p.dial(ma, { signal });
      if (expectedPeer && connection.remotePeer.toString() !== expectedPeer) {
        await connection.close();
        return false;
      }
      return true;
    } catch (err) {
      if (this.running) this.components.log?.("dial failed", { address: key, error: (err as Error).message });
      return false;
    } finally {
      this.dialing.delete(key);
    }
  }

  private async hangUp(peerId: string): Promise<void> {
    let id: PeerId;
    try {
      id = peerIdFromString(peerId);
    } catch {
      return;
    }
    if (this.components.libp2p.getConnections(id).length === 0) return;
    this.components.log?.("disconnecting peer of an inactive member", { peer: peerId });
    await this.components.libp2p.hangUp(id).catch(() => undefined);
  }
}
