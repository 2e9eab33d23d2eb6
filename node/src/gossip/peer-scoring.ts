import { createPeerScoreParams, createPeerScoreThresholds, type PeerScoreParams, type PeerScoreThresholds } from "@libp2p/gossipsub/score";
import { INDICATOR_TOPIC } from "./topics.js";

/**
 * GossipSub v1.1 peer scoring for the indicator topic. Every member validates every batch before
 * forwarding it, so an honest peer never forwards an invalid one: any REJECT is the sender's
 * doing, and scoring can be strict about it. The reasons, parameter by parameter:
 *
 * - invalidMessageDeliveries: weight -100, squared by the protocol, decaying by 1% a second. One
 *   provably invalid batch (bad signature, tampered, wrong key, oversized) takes a peer to -100,
 *   below the graylist threshold (-80): its RPCs are ignored until about 70 s of good conduct
 *   have passed. A second one takes it to -400, a third to -900.
 * - firstMessageDeliveries: +1 per batch a peer is first to deliver, capped at 100, decaying 10%
 *   a second: honest relays earn a cushion, so a rare honest mistake does not cut them off.
 * - timeInMesh: +0.01 per second in the mesh up to an hour (+36): long-standing partners rank
 *   above newcomers when the mesh is pruned.
 * - meshMessageDeliveries and meshFailurePenalty: off. CTI traffic is bursty and often quiet; a
 *   delivery quota would punish honest peers in quiet hours.
 * - IP colocation: off. Members may sit behind one NAT (and tests share 127.0.0.1); membership
 *   on chain, not IP diversity, is what keeps Sybils out.
 * - appSpecificScore: -1000 for a peer whose org is not an active member (the gater should have
 *   closed its connection already; this makes sure gossip ignores it meanwhile).
 * - behaviourPenalty: the protocol's default (-10 per unit, squared) against IWANT spam and GRAFT
 *   during backoff.
 */
export function indicatorScoreParams(isActivePeer: (peerId: string) => boolean): Partial<PeerScoreParams> {
  return createPeerScoreParams({
    topics: {
      [INDICATOR_TOPIC]: {
        topicWeight: 1,
        timeInMeshWeight: 0.01,
        timeInMeshQuantum: 1000,
        timeInMeshCap: 3600,
        firstMessageDeliveriesWeight: 1,
        firstMessageDeliveriesDecay: 0.9,
        firstMessageDeliveriesCap: 100,
        meshMessageDeliveriesWeight: 0,
        meshMessageDeliveriesDecay: 0.5,
        meshMessageDeliveriesCap: 100,
        meshMessageDeliveriesThreshold: 1,
        meshMessageDeliveriesWindow: 10,
        meshMessageDeliveriesActivation: 5000,
        meshFailurePenaltyWeight: 0,
        meshFailurePenaltyDecay: 0.5,
        invalidMessageDeliveriesWeight: -100,
        invalidMessageDeliveriesDecay: 0.99,
      },
    },
    topicScoreCap: 50,
    appSpecificScore: (peerId: string) => (isActivePeer(peerId) ? 0 : -1000),
    appSpecificWeight: 1,
    IPColocationFactorWeight: 0,
    decayInterval: 1000,
    decayToZero: 0.01,
    retainScore: 3600 * 1000,
  });
}

/** The protocol's thresholds: below -10 no gossip, below -50 no publishing to it, below -80 ignored. */
export const INDICATOR_SCORE_THRESHOLDS: Partial<PeerScoreThresholds> = createPeerScoreThresholds({
  gossipThreshold: -10,
  publishThreshold: -50,
  graylistThreshold: -80,
  acceptPXThreshold: 100,
  opportunisticGraftThreshold: 5,
});
