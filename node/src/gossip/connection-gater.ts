import type { ConnectionGater, PeerId } from "@libp2p/interface";

export interface MembershipLookup {
  isActivePeer(peerId: string): boolean;
}

export interface GaterOptions {
  /** True when the node's view of the chain is too old to trust for new admissions. */
  isStale?: () => boolean;
  /** Whether this node is connected to the peer already. */
  isConnected?: (peerId: PeerId) => boolean;
  /** Peers banned for misbehaving (gossip/indicator-gossip.ts), refused whatever the chain says. */
  isBanned?: (peerId: PeerId) => boolean;
}

/** Connections and dials the gater refused, by reason (for /status, metrics and the tests that prove a refusal). */
export interface GaterStats {
  notMember: number;
  banned: number;
  staleChain: number;
}

export type MembershipGater = ConnectionGater & { readonly stats: GaterStats };

/**
 * Admits only peers whose peer id belongs to an active member on chain, checked when dialling
 * and again once the encrypted handshake has proven the remote's peer id (inbound or outbound).
 * While the chain view is stale (the JSON-RPC endpoint has been down too long), peers already
 * connected stay, but no new one is admitted: a member removed meanwhile must not slip in.
 */
export function membershipGater(membership: MembershipLookup, options: GaterOptions = {}): MembershipGater {
  const stats: GaterStats = { notMember: 0, banned: 0, staleChain: 0 };
  const deny = (peerId: PeerId) => {
    if (!membership.isActivePeer(peerId.toString())) return (stats.notMember++, true);
    if (options.isBanned?.(peerId) ?? false) return (stats.banned++, true);
    if ((options.isStale?.() ?? false) && !(options.isConnected?.(peerId) ?? false)) return (stats.staleChain++, true);
    return false;
  };
  return {
    stats,
    denyDialPeer: deny,
    denyInboundEncryptedConnection: deny,
    denyOutboundEncryptedConnection: deny,
  };
}
