/**
 * How batches travel between members: the gossipsub mesh parameters derived from one number, the
 * relay degree. Producers always send their own batches to every member they are connected to
 * (flood publishing): in a consortium every member dials every other, so one hop reaches all.
 * The mesh adds push relays on top, for a link that is down; gossipsub's IHAVE announcements
 * (to `Dlazy` peers each heartbeat, once a second) and catch-up sync repair what both miss.
 *
 * Every push relay costs each node, per batch, a copy to decrypt, decode and drop as a duplicate,
 * and an IDONTWANT sent and received per mesh peer: measured with 20 node processes on 2 cores at
 * 1,000 indicators/s (node/bench/propagation.bench.ts), a relay degree of 3 saturated the machine
 * (1.9 cores, p50 337 ms), 1 used 1.5-1.6 cores with p50 45 ms, and 0 the same within noise.
 * One relay path is kept: it repairs a broken link at once rather than at the next heartbeat.
 */
export interface MeshParams {
  D: number;
  Dlo: number;
  Dhi: number;
  Dout: number;
  Dscore: number;
  Dlazy: number;
}

/** Gossip announcements (IHAVE) go to this many non-mesh peers each heartbeat. */
const ANNOUNCE_TO = 3;

export function meshParams(relayDegree: number): MeshParams {
  if (!Number.isInteger(relayDegree) || relayDegree < 0) throw new RangeError(`relay degree must be a whole number >= 0, got ${relayDegree}`);
  const D = relayDegree;
  const Dlo = D - Math.floor(D / 3);
  return {
    D,
    Dlo,
    Dhi: D === 0 ? 0 : D + Math.max(1, Math.floor(D / 3)),
    // gossipsub requires Dout < Dlo and Dout <= D / 2.
    Dout: Math.min(Math.floor(D / 2), Math.max(0, Dlo - 1)),
    Dscore: Math.ceil((2 * D) / 3),
    Dlazy: ANNOUNCE_TO,
  };
}
