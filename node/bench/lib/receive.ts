/**
 * The node's receive path for benchmarks: batches fed to IndicatorGossip.ingest (what a gossiped
 * or synced batch goes through), as many in flight as gossipsub delivers at once, into `store`.
 */
import { peerIdFromString } from "@libp2p/peer-id";
import { GossipAction } from "../../src/gossip/errors.js";
import { IndicatorGossip } from "../../src/gossip/indicator-gossip.js";
import type { ValidationPool } from "../../src/gossip/validation-pool.js";
import { DEFAULT_BATCH_LIMITS } from "../../src/gossip/validation.js";
import type { IndicatorStore } from "../../src/store/indicator-store.js";

const peer = peerIdFromString("12D3KooWRBy97UB99e3J6hiPesre1MZeuNQvfan4gBziswrRJsNK");

/** Receives every batch (each must be accepted); resolves with the milliseconds it took. */
export async function receiveAll(
  batches: ReadonlyArray<{ bytes: Uint8Array }>,
  context: { store: IndicatorStore; pool: ValidationPool; deployment: Uint8Array; signingKey: Uint8Array; now: number; inFlight: number },
): Promise<number> {
  const gossip = new IndicatorGossip(DEFAULT_BATCH_LIMITS, {
    pubsub: undefined as never,
    store: context.store,
    deployment: context.deployment,
    producer: (orgId) => ({ orgId, active: true, signingKey: context.signingKey }),
    reader: undefined as never,
    entitled: () => false,
    now: () => context.now,
    verifyContent: context.pool.verify,
  });
  const started = performance.now();
  let next = 0;
  const worker = async () => {
    while (next < batches.length) {
      const outcome = await gossip.ingest(batches[next++]!.bytes, peer);
      if (outcome.action !== GossipAction.ACCEPT) throw new Error(`bench batch not accepted: ${outcome.code}`);
    }
  };
  await Promise.all(Array.from({ length: context.inFlight }, worker));
  return performance.now() - started;
}
