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

/**
 * Admits only peers whose peer id belongs to an active member on chain, checked when dialling
 * and again once the encrypted handshake has proven the remote's peer id (inbound or outbound).
 * While the chain view is stale (the JSON-RPC endpoint has been down too long), peers already
 * connected stay, but no new one is admitted: a member removed meanwhile must not slip in.
 */
export function membershipGater(membership: MembershipLookup, options: GaterOptions = {}): ConnectionGater {
  const deny = (peerId: PeerId) => {
    if (!membership.isActivePeer(peerId.toString()) || (options.isBanned?.(peerId) ?? false)) return true;
    return (options.isStale?.() ?? false) && !(options.isConnected?.(peerId) ?? false);
  };
  return {
    denyDialPeer: deny,
    denyInboundEncryptedConnection: deny,
    denyOutboundEncryptedConnection: deny,
  };
}
