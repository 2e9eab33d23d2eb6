import type { ConnectionGater, PeerId } from "@libp2p/interface";

export interface MembershipLookup {
  isActivePeer(peerId: string): boolean;
}

/**
 * Admits only peers whose peer id belongs to an active member on chain, checked when dialling
 * and again once the encrypted handshake has proven the remote's peer id (inbound or outbound).
 */
export function membershipGater(membership: MembershipLookup): ConnectionGater {
  const deny = (peerId: PeerId) => !membership.isActivePeer(peerId.toString());
  return {
    denyDialPeer: deny,
    denyInboundEncryptedConnection: deny,
    denyOutboundEncryptedConnection: deny,
  };
}
