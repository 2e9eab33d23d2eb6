/**
 * The anonymous parts of a node, composed from its config (as analysis.ts composes the analysts'):
 * the ring read from the RingKeys contract, this org's ring key registered on chain (in the
 * background: the node need not wait for a block to start), and the anonymous statements'
 * topics and stem protocol. None without chain.ringKeysAddress and a Reputation contract (a key
 * image's scope needs an epoch).
 */
import type { GossipSub } from "@libp2p/gossipsub";
import type { Libp2p } from "@libp2p/interface";
import type { ContractRunner, NonceManager, Provider } from "ethers";
import { RingKeysView } from "../chain/ring-keys.js";
import type { IndicatorStore } from "../store/indicator-store.js";
import { AnonymousStatements, DEFAULT_ANONYMOUS_SIGHTINGS } from "./anonymous-statements.js";
import { isOpenToEveryMember } from "../model/anonymous-indicator.js";

export interface AnonymousPartsComponents {
  ringKeysAddress: string | undefined;
  provider: Provider;
  pubsub: GossipSub;
  libp2p: Libp2p;
  store: IndicatorStore;
  deployment: Uint8Array;
  orgId: string;
  ringKeyPair(): { secretKey: Uint8Array; publicKey: Uint8Array };
  /** The reputation epoch now; undefined without a Reputation contract. */
  epoch(): number | undefined;
  hasEpochs: boolean;
  head(): number;
  isMemberPeer(peer: string): boolean;
  transact<T>(work: (signer: NonceManager) => Promise<T>): Promise<T>;
  now(): number;
  log(message: string, fields?: Record<string, unknown>): void;
}

export interface AnonymousParts {
  ringKeys: RingKeysView;
  statements: AnonymousStatements;
  /** Whether this start sent this org's ring key to the chain (false: it was there, or it failed). */
  registration: Promise<boolean>;
  stop(): Promise<void>;
}

export async function startAnonymousParts(c: AnonymousPartsComponents): Promise<AnonymousParts | undefined> {
  if (!c.ringKeysAddress || !c.hasEpochs) return undefined;
  const ringKeys = new RingKeysView(c.ringKeysAddress, c.provider as ContractRunner);
  const registration = c.transact((signer) => ringKeys.register(c.orgId, c.ringKeyPair().publicKey, signer)).catch((err: Error) => {
    c.log("could not register this org's ring key on chain; anonymous statements are unavailable until it is", { error: err.message });
    return false;
  });
  const statements = new AnonymousStatements(DEFAULT_ANONYMOUS_SIGHTINGS, {
    pubsub: c.pubsub,
    libp2p: c.libp2p,
    store: c.store,
    deployment: c.deployment,
    ringAt: (block) => ringKeys.ringAt(block),
    epoch: c.epoch,
    head: c.head,
    ringKeyPair: c.ringKeyPair,
    isMemberPeer: c.isMemberPeer,
    // Anonymous sightings travel to every member: only of indicators every member may read.
    indicatorIsOpen: async (id) => {
      const record = await c.store.indicators.get(id);
      return record !== undefined && !record.blinded && record.attestations.some(isOpenToEveryMember);
    },
    now: c.now,
  });
  await statements.start();
  return {
    ringKeys,
    statements,
    registration,
    async stop() {
      await statements.stop();
      await registration;
    },
  };
}
