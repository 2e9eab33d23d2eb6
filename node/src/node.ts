/**
 * node.ts composes a partner node from its parts: identity, store, chain membership, libp2p with
 * gossipsub, the indicator topic, the peer manager and the batch publisher. It owns their order
 * of start and stop, and nothing else: every rule lives in the part that owns it.
 */
import { createHash } from "node:crypto";
import { mkdir, readFile, stat } from "node:fs/promises";
import { join } from "node:path";
import { noise } from "@chainsafe/libp2p-noise";
import { yamux } from "@chainsafe/libp2p-yamux";
import { gossipsub, type GossipSub } from "@libp2p/gossipsub";
import { identify } from "@libp2p/identify";
import type { Libp2p } from "@libp2p/interface";
import { tcp } from "@libp2p/tcp";
import { NonceManager, type JsonRpcProvider } from "ethers";
import { createLibp2p } from "libp2p";
import type { Logger } from "pino";
import { chainRefusal } from "./chain/chain-errors.js";
import { ChainFollower, type ChainHealth } from "./chain/chain-follower.js";
import { createMetrics, type NodeMetrics } from "./metrics/metrics.js";
import { peerIdToBytes } from "./chain/member.js";
import { Membership } from "./chain/membership.js";
import { SharingGroupsView, changeGroupMember, createGroup, type SharingGroup } from "./chain/sharing-groups.js";
import { auditTrailContract } from "./chain/audit-trail.js";
import { ReputationView, reputationContract } from "./chain/reputation.js";
import { createProvider } from "./chain/provider.js";
import { registryContract } from "./chain/governance.js";
import { AdminDesk } from "./chain/admin-desk.js";
import { ConfigError, scoringPolicyOf, type NodeConfig } from "./config/config.js";
import { BatchPublisher, type PublishReceipt } from "./gossip/batch-publisher.js";
import { membershipGater, type MembershipGater } from "./gossip/connection-gater.js";
import { IndicatorGossip } from "./gossip/indicator-gossip.js";
import { ValidationPool } from "./gossip/validation-pool.js";
import { meshParams } from "./gossip/mesh.js";
import { INDICATOR_SCORE_THRESHOLDS, indicatorScoreParams } from "./gossip/peer-scoring.js";
import { PeerManager } from "./gossip/peer-manager.js";
import { NodeIdentity } from "./identity/identity.js";
import { createLogger, logFn } from "./log.js";
import { InvalidIndicatorError } from "./model/errors.js";
import { INDICATOR_TYPES, type Indicator, type IndicatorType } from "./model/indicator.js";
import { normalizeValue } from "./model/normalize.js";
import type { IndicatorRecord } from "./model/record.js";
import { prepareIndicator, type PreparationContext, type PublishInput, type PublishRefusal } from "./privacy/publish-preparation.js";
import { viewsFor, type Audience, type Entitlements } from "./privacy/audience.js";
import { blindValue, deriveBlindingKey } from "./privacy/blinding.js";
import { sealRecipients } from "./privacy/recipients.js";
import { Scrubber, type ScrubChange } from "./privacy/scrubber.js";
import type { WarningHit } from "./privacy/warning-lists.js";
import { bundledAttackNames, bundledTaxonomies, warningListsFor } from "./config/reference-data.js";
import { IndicatorStore } from "./store/indicator-store.js";
import { checkObservedAt, isSightingKind, type SightingKind } from "./model/sighting.js";
import { TrustError, TrustService, type SightResult } from "./trust/trust-service.js";
import { Matcher } from "./detect/matcher.js";
import { SyncService } from "./sync/sync-service.js";
import { ExportWatch } from "./detect/exporter.js";
import { LogMatcher } from "./detect/log-matcher.js";
import { FeedService } from "./feeds/feed-service.js";
import type { DraftService } from "./extract/draft-service.js";
import type { CategoriserService } from "./categorise/categoriser-service.js";
import { createAnalysisParts, type AnalysisParts } from "./analysis.js";
import type { IncidentStatisticsComponents } from "./trust/incident-statistics.js";
import type { CorrelationService } from "./correlate/correlation-service.js";
import type { ForecastService } from "./forecast/forecast-service.js";
import { exportAudience } from "./privacy/audience.js";
import type { SealRecipient } from "./wire/sealed.js";
import { deploymentId } from "./wire/deployment.js";
import { IntelService } from "./intel/intel-service.js";
import { ResponseService } from "./response/response-service.js";
import { AnonymousSightingError, type AnonymousStatements } from "./anon/anonymous-statements.js";
import { startAnonymousParts, type AnonymousParts } from "./anon/anonymous-parts.js";
import { isOpenToEveryMember } from "./model/anonymous-indicator.js";
import { enforcementFeedsOf } from "./config/response-config.js";

export interface CtiNodeComponents {
  logger?: Logger;
  now?: () => number;
}

export type { PublishInput, PublishRefusal } from "./privacy/publish-preparation.js";

export type PublishOutcome =
  | ({ ok: true; input: number; blinded: boolean; changes: ScrubChange[]; warnings: WarningHit[] } & PublishReceipt)
  | { ok: false; input: number; reason: PublishRefusal; field?: string; message: string };

export class NoGroupsContractError extends Error {
  override readonly name = "NoGroupsContractError";
}

/** Thrown while sealing when a group cannot be resolved to recipients. */
export class UnknownGroupError extends Error {
  override readonly name = "UnknownGroupError";
}

export interface NodeStatus {
  orgId: string;
  peerId: string;
  multiaddrs: string[];
  peers: Array<{ peerId: string; orgId: string | undefined }>;
  members: { known: number; active: number };
  chain: { head: number; registry: string; groups: string | undefined; reputation: string | undefined; audit: string | undefined } & Omit<ChainHealth, "head">;
  groups: SharingGroup[];
  epoch: { number: number; endsAt: number } | undefined;
  store: Awaited<ReturnType<IndicatorStore["counts"]>>;
  /** The detectors' in-memory index: its entries, and whether this start loaded it from the last clean stop's snapshot or read every record. */
  lookupIndex: { entries: number; builtFrom: Matcher["builtFrom"] };
  gossip: IndicatorGossip["stats"];
  sync: SyncService["stats"];
  /** Connections and dials refused by the membership gater, by reason. */
  refusedPeers: MembershipGater["stats"];
}

export class NodeNotRunningError extends Error {
  override readonly name = "NodeNotRunningError";
}

type P2P = Libp2p<{ pubsub: GossipSub; identify: unknown }>;

/** sha256(data) as the gossip message id: our batches carry no gossipsub-level sender or seqno. */
function messageId(message: { data: Uint8Array }): Uint8Array {
  return createHash("sha256").update(message.data).digest();
}

export class CtiNode {
  readonly logger: Logger;
  readonly now: () => number;
  private state: "stopped" | "starting" | "running" | "stopping" = "stopped";
  private transition: Promise<void> = Promise.resolve();
  private identityValue: NodeIdentity | undefined;
  private storeValue: IndicatorStore | undefined;
  private provider: JsonRpcProvider | undefined;
  private adminDeskValue: AdminDesk | undefined;
  private validationPool: ValidationPool | undefined;
  /** The org's wallet on the ledger; one NonceManager so that back-to-back transactions never reuse a nonce. */
  private signer: NonceManager | undefined;
  private membershipValue: Membership | undefined;
  private groupsValue: SharingGroupsView | undefined;
  private reputationValue: ReputationView | undefined;
  private trustValue: TrustService | undefined;
  private matcherValue: Matcher | undefined;
  private syncValue: SyncService | undefined;
  private intelValue: IntelService | undefined;
  private metricsValue: NodeMetrics | undefined;
  private exportWatches: ExportWatch[] = [];
  private logMatcherValue: LogMatcher | undefined;
  private feedsValue: FeedService | undefined;
  private analysisValue: AnalysisParts | undefined;
  private responseValue: ResponseService | undefined;
  private anonymousParts: AnonymousParts | undefined;
  private follower: ChainFollower | undefined;
  /** Peers banned for misbehaving, until when (ms). */
  private readonly banned = new Map<string, number>();
  /** When the chain was last re-read because of a producer's batch (freshProducerView). */
  private readonly lastProducerRefresh = new Map<string, number>();
  private deploymentValue: Uint8Array | undefined;
  private gaterValue: MembershipGater | undefined;
  private readonly scrubber: Scrubber;
  private p2p: P2P | undefined;
  private gossipValue: IndicatorGossip | undefined;
  private peers: PeerManager | undefined;
  private publisher: BatchPublisher | undefined;

  constructor(
    readonly config: NodeConfig,
    components: CtiNodeComponents = {},
  ) {
    this.logger = components.logger ?? createLogger("cti-node");
    this.now = components.now ?? Date.now;
    this.scrubber = new Scrubber(config.privacy.scrub, warningListsFor(config.privacy.warningLists));
  }

  get running(): boolean {
    return this.state === "running";
  }

  /** Starts every part; a second call while running is a no-op. */
  start(): Promise<void> {
    this.transition = this.transition.then(async () => {
      if (this.state === "running") return;
      this.state = "starting";
      try {
        await this.startParts();
        this.state = "running";
      } catch (err) {
        await this.stopParts();
        this.state = "stopped";
        throw err;
      }
    });
    return this.transition;
  }

  /** Stops every part and releases every handle; a second call is a no-op. */
  stop(): Promise<void> {
    this.transition = this.transition.then(async () => {
      if (this.state === "stopped") return;
      this.state = "stopping";
      await this.stopParts();
      this.state = "stopped";
    });
    return this.transition;
  }

  private async startParts(): Promise<void> {
    const { config } = this;
    await mkdir(config.dataDir, { recursive: true });
    const identity = (this.identityValue = await NodeIdentity.load(config.dataDir));
    const log = this.logger.child({ org: identity.orgId });
    const store = (this.storeValue = await IndicatorStore.open(join(config.dataDir, "db"), { durable: config.store.durableWrites, correlationFanOut: config.correlation.fanOut }));
    // The lookup index first, before anything can write: it starts from the snapshot saved at the
    // last clean stop only if the store is exactly as it was then.
    this.matcherValue = new Matcher(
      { snapshotFile: join(config.dataDir, "lookup-index.snapshot") },
      { store, trust: { scored: (records, audience) => this.trust.scored(records, audience) }, log: logFn(log.child({ part: "detect" }), "warn") },
    );
    const indexStart = performance.now();
    await this.matcherValue.start();
    // Reading every record left each LevelDB table file mapped into the process: let go of them.
    if (this.matcherValue.builtFrom === "records") await store.releaseTableMappings();
    log.info({ entries: this.matcherValue.index.size, from: this.matcherValue.builtFrom, ms: Math.round(performance.now() - indexStart) }, "lookup index ready");

    this.provider = createProvider(config.chain.rpcUrl, config.chain.chainId);
    this.signer = new NonceManager(identity.wallet().connect(this.provider));
    const membership = (this.membershipValue = new Membership({ registryAddress: config.chain.registryAddress }, { provider: this.provider }));
    const groups = (this.groupsValue = config.chain.groupsAddress ? new SharingGroupsView(config.chain.groupsAddress, this.provider) : undefined);
    const reputation = (this.reputationValue = config.chain.reputationAddress
      ? new ReputationView(config.chain.reputationAddress, this.provider, () => membership.all().map((m) => m.orgId))
      : undefined);
    this.follower = new ChainFollower(
      { pollIntervalMs: config.chain.pollIntervalMs, maxBackoffMs: config.chain.maxBackoffMs, maxStalenessMs: config.chain.maxStalenessMs, fullReloadMs: config.chain.fullReloadMs },
      {
        provider: this.provider,
        // Membership first: the reputation view follows the members it lists.
        views: [membership, ...(groups ? [groups] : []), ...(reputation ? [reputation] : [])],
        log: logFn(log.child({ part: "chain" }), "warn"),
      },
    );
    this.adminDeskValue = new AdminDesk(
      {
        registryAddress: config.chain.registryAddress,
        adminKey: await readAdminKey(config.governance.adminKeyFile),
        known: { groupsAddress: config.chain.groupsAddress, reputationAddress: config.chain.reputationAddress },
      },
      { provider: this.provider, now: () => Date.now() },
    );
    await this.follower.start();
    // What every batch is signed for: this ledger and this registry, so that none is replayed elsewhere.
    const chainId = config.chain.chainId ?? Number((await this.provider.getNetwork()).chainId);
    const deployment = (this.deploymentValue = deploymentId(chainId, config.chain.registryAddress));

    this.p2p = (await createLibp2p({
      privateKey: identity.libp2pKey,
      addresses: { listen: config.listen },
      transports: [tcp()],
      connectionEncrypters: [noise()],
      streamMuxers: [yamux()],
      connectionGater: (this.gaterValue = membershipGater(membership, {
        isStale: () => this.follower?.stale ?? false,
        isConnected: (peer) => (this.p2p?.getConnections(peer).length ?? 0) > 0,
        isBanned: (peer) => (this.banned.get(peer.toString()) ?? 0) > this.now(),
      })),
      services: {
        identify: identify(),
        pubsub: gossipsub({
          // Every batch carries its producer's ed25519 signature over its content, checked against
          // the chain; gossipsub's own per-message signature would only prove which relay first
          // sent it, at about a fifth of the throughput (2,400 against 11,500 msg/s measured here).
          globalSignaturePolicy: "StrictNoSign",
          msgIdFn: messageId,
          allowPublishToZeroTopicPeers: true,
          emitSelf: false,
          maxInboundDataLength: config.limits.maxBytes + 4096,
          // Only members can connect at all, so peer exchange only spreads addresses we already have.
          doPX: false,
          // Flood publishing (on by default) plus a small mesh: see gossip/mesh.ts.
          ...meshParams(config.gossip.relayDegree),
          // Peer scoring: see gossip/peer-scoring.ts for every parameter and why.
          scoreParams: indicatorScoreParams((peerId) => membership.isActivePeer(peerId)),
          scoreThresholds: INDICATOR_SCORE_THRESHOLDS,
        }),
      },
    })) as unknown as P2P;

    const validationPool = (this.validationPool = new ValidationPool({ workers: config.limits.validationWorkers }, { log: logFn(log.child({ part: "gossip" }), "warn") }));
    validationPool.start();
    const gossip = (this.gossipValue = new IndicatorGossip(config.limits, {
      pubsub: this.p2p.services.pubsub,
      store,
      deployment,
      producer: (orgId) => membership.producerView(orgId),
      refreshProducer: (orgId) => this.freshProducerView(orgId),
      producerInGroup: (group, producer) => this.producerInGroup(group, producer),
      reader: { org: identity.orgId, encryptionSecretKey: identity.encryptionSecretKey },
      entitled: (group, org) => this.entitled(group, org),
      identityOwner: (id) => membership.orgOfIdentity(id),
      now: this.now,
      verifyContent: validationPool.verify,
      log: logFn(log.child({ part: "gossip" }), "warn"),
    }));
    gossip.on("misbehaving", (peer, rejects) => {
      if ((this.banned.get(peer.toString()) ?? 0) > this.now()) return;
      this.banned.set(peer.toString(), this.now() + config.limits.banMs);
      log.warn({ peer: peer.toString(), org: membership.byPeerId(peer.toString())?.orgId, rejects, banMs: config.limits.banMs }, "peer sent too many invalid batches: disconnected and banned");
      void this.p2p?.hangUp(peer).catch(() => undefined);
    });
    // The producer's doing, not the relay's: named for governance (GET /equivocations, cti equivocations).
    gossip.on("equivocation", (evidence) =>
      log.warn({ producer: evidence.producer, sequence: evidence.sequence, from: evidence.from }, "producer signed two different batches with one sequence number: evidence kept for governance (cti equivocations)"),
    );
    // Debug, not info: a busy consortium delivers hundreds of batches a second to every node, and
    // a log line each cost more than validating them (gossip stats and /status count them).
    gossip.on("batch", ({ batch, liveIndexes }, from) =>
      log.debug({ producer: batch.producer, sequence: batch.sequence, indicators: liveIndexes.length, from: from.toString() }, "batch received"),
    );
    gossip.start();

    this.peers = new PeerManager(
      { bootstrap: config.bootstrap, dialMembers: config.dialMembers },
      { libp2p: this.p2p, membership, log: logFn(log.child({ part: "peers" }), "debug") },
    );
    this.peers.start();

    this.syncValue = new SyncService(
      { ...config.sync, maxMessageBytes: config.limits.maxBytes + 1024 },
      {
        libp2p: this.p2p as unknown as Libp2p,
        store,
        gossip,
        membership,
        orgId: identity.orgId,
        inGroup: (group, org) => this.entitlements.inGroup(group, org),
        log: logFn(log.child({ part: "sync" }), "warn"),
      },
    );
    await this.syncValue.start();

    this.publisher = new BatchPublisher(
      { maxBatchSize: config.batch.maxSize, maxDelayMs: config.batch.maxDelayMs, maxPending: config.batch.maxPending, limits: config.limits },
      {
        orgId: identity.orgId,
        deployment,
        signingSecretKey: identity.signingSecretKey,
        store,
        recipients: (group) => this.recipients(group),
        gossip: (bytes) => gossip.publish(bytes),
        now: this.now,
        log: logFn(log.child({ part: "publisher" }), "warn"),
      },
    );

    this.intelValue = new IntelService({
      orgId: identity.orgId,
      store,
      publishObjects: (objects) => this.require(this.publisher).publishObjects(objects),
      publishIndicators: (inputs) => this.publish(inputs),
      withdrawIndicators: (ids) => this.withdrawOwn(ids),
      preparation: (now) => ({
        orgId: identity.orgId,
        defaultGroup: config.privacy.defaultGroup,
        scrubber: this.scrubber,
        groups: this.groupsValue,
        identityOwner: (id) => membership.orgOfIdentity(id),
        taxonomies: bundledTaxonomies(),
        now,
      }),
      entitlements: () => this.entitlements,
      now: this.now,
    });

    const signer = this.signer!;
    this.trustValue = new TrustService(
      {
        scoring: scoringPolicyOf(config),
        retentionMs: config.trust.retentionDays * 24 * 60 * 60 * 1000,
        pruneIntervalMs: config.trust.pruneIntervalMs,
        tickMs: config.trust.tickMs,
        submitWhenLeft: config.trust.submitWhenLeft,
        maxTransactionGas: config.trust.maxTransactionGas,
        maxClockSkewMs: config.limits.maxClockSkewMs,
        unmarkedPap: config.privacy.unmarkedPap,
      },
      {
        orgId: identity.orgId,
        store,
        report: (reports) => this.require(this.publisher).report(reports),
        reputation,
        reputationContract: config.chain.reputationAddress ? reputationContract(config.chain.reputationAddress, signer) : undefined,
        auditContract: config.chain.auditAddress ? auditTrailContract(config.chain.auditAddress, signer) : undefined,
        provider: this.provider,
        transact: (work) => this.transact(() => work()),
        entitlements: () => this.entitlements,
        isKnownMember: (org) => membership.get(org) !== undefined,
        reader: { org: identity.orgId, encryptionSecretKey: identity.encryptionSecretKey },
        deployment,
        now: this.now,
        log: logFn(log.child({ part: "trust" }), "info"),
      },
    );
    this.trustValue.start();
    // A member suspended or removed: the reports it made in that epoch stop counting (anyone may
    // ask the contract; the first node to do so wins, the others find nothing left). A random
    // wait keeps every node from sending the same transaction at the same moment.
    membership.on("member-changed", (current, previous) => {
      if (previous?.status !== "active" || current.status === "active" || current.orgId === identity.orgId) return;
      const trust = this.trustValue;
      setTimeout(() => void trust?.discountInactiveReporter(current.orgId).catch((err: Error) => log.warn({ org: current.orgId, error: err.message }, "could not discount a suspended member's reports")), Math.random() * 5000).unref();
    });
    const detectLog = logFn(log.child({ part: "detect" }), "warn");
    this.exportWatches = config.detect.exports.map(
      (e) => new ExportWatch({ format: e.format, dir: e.dir, audience: exportAudience(e.audience), refreshMs: e.refreshSeconds * 1000, mode: e.mode }, { store, trust: this.trustValue!, log: detectLog }),
    );
    for (const watch of this.exportWatches) await watch.start();
    this.logMatcherValue = new LogMatcher(
      {
        sources: config.detect.logs,
        sightingIntervalMs: config.detect.sightingIntervalMs,
        alertWindowMs: config.detect.alertWindowSeconds * 1000,
        alertRetentionMs: config.detect.alertRetentionDays * 24 * 3_600_000,
      },
      { store, matcher: this.matcherValue, trust: this.trustValue, now: this.now, tacticsOf: (technique) => bundledAttackNames().tacticsOf(technique), log: detectLog },
    );
    this.logMatcherValue.start();
    this.feedsValue = new FeedService(
      { feeds: config.feeds },
      {
        state: store.feeds,
        publish: (inputs) => this.publish(inputs),
        publishObjects: (objects, options, onProgress) => this.intel.publish(objects, options, onProgress),
        sightMany: (items) => this.sightMany(items),
        checkTag: (tag) => {
          const checked = bundledTaxonomies().check([tag]);
          return checked.ok ? undefined : checked.message;
        },
        orgId: identity.orgId,
        now: this.now,
        log: logFn(log.child({ part: "feeds" }), "info"),
      },
    );
    this.feedsValue.start();
    this.analysisValue = createAnalysisParts(config, {
      store,
      orgId: identity.orgId,
      now: this.now,
      intel: () => this.intel,
      partners: () => this.membership.all().map((m) => ({ org: m.orgId, sector: m.sector, country: m.country, reputation: this.reputationValue?.of(m.orgId) ?? 0.5 })),
      log,
    });
    this.analysisValue.start();
    this.responseValue = new ResponseService(
      {
        feeds: enforcementFeedsOf(config.response),
        ownAssets: config.response.ownAssets,
        requests: { rules: config.response.requests.rules, fallback: config.response.requests.default },
        hooks: config.response.hooks,
        refreshMs: config.response.refreshSeconds * 1000,
      },
      { orgId: identity.orgId, store, trust: this.trustValue, intel: () => this.intel, warningLists: warningListsFor(config.privacy.warningLists), now: this.now, log: logFn(log.child({ part: "response" }), "warn") },
    );
    await this.responseValue.start();

    this.metricsValue = createMetrics({
      gossip: () => this.gossip.stats,
      published: () => this.require(this.publisher).stats,
      sync: () => this.sync.stats,
      store: () => this.store.counts(),
      lookupIndexEntries: () => this.matcher.index.size,
      matcher: () => this.matcher.stats,
      chain: () => this.require(this.follower).health,
      peers: () => this.libp2p.getPeers().length,
      members: () => ({ known: this.membership.all().length, active: this.membership.active().length }),
      trust: () => this.trust.stats,
      anonymous: () => this.anonymousParts?.statements.stats,
      now: this.now,
    });

    await this.announce();
    this.anonymousParts = await startAnonymousParts({
      ringKeysAddress: config.chain.ringKeysAddress,
      provider: this.provider,
      pubsub: this.p2p.services.pubsub,
      libp2p: this.p2p as unknown as Libp2p,
      store,
      deployment,
      orgId: identity.orgId,
      ringKeyPair: () => identity.ringKeyPair(),
      epoch: () => reputation?.epoch,
      hasEpochs: reputation !== undefined,
      head: () => this.follower?.head ?? 0,
      isMemberPeer: (peer) => membership.isActivePeer(peer),
      transact: (work) => this.transact(work),
      now: this.now,
      log: logFn(log.child({ part: "anon" }), "warn"),
    });
    log.info({ peerId: identity.peerId.toString(), multiaddrs: this.multiaddrs }, "node started");
  }

  private async stopParts(): Promise<void> {
    // Feeds and detectors' parts first: what they publish still goes out through the publisher.
    await this.anonymousParts?.stop();
    this.anonymousParts = undefined;
    await this.responseValue?.stop();
    await this.feedsValue?.stop();
    await this.analysisValue?.stop();
    await this.logMatcherValue?.stop();
    for (const watch of this.exportWatches) await watch.stop();
    this.exportWatches = [];
    await this.trustValue?.stop();
    await this.syncValue?.stop();
    await this.publisher?.stop().catch(() => undefined);
    this.peers?.stop();
    this.gossipValue?.stop();
    await this.validationPool?.stop();
    await this.p2p?.stop();
    await this.follower?.stop();
    this.provider?.destroy();
    // Last before the store closes: the index saved must include every write.
    await this.matcherValue?.stop();
    await this.storeValue?.close();
    this.publisher = this.peers = this.gossipValue = this.p2p = this.trustValue = this.matcherValue = this.logMatcherValue = this.syncValue = this.intelValue = this.feedsValue = this.analysisValue = this.responseValue = undefined;
    this.reputationValue = this.metricsValue = undefined;
    this.follower = this.adminDeskValue = this.validationPool = this.membershipValue = this.groupsValue = this.provider = this.signer = this.storeValue = undefined;
    this.deploymentValue = this.gaterValue = undefined;
  }

  /** What the chain says about orgs and groups, as the privacy rules need it. */
  get entitlements(): Entitlements {
    const membership = this.membership;
    const groups = this.groupsValue;
    return {
      isActive: (org) => membership.isActive(org),
      inGroup: (group, org) => membership.isActive(org) && (groups?.isListed(group, org) ?? false),
    };
  }

  /**
   * A producer's view after reading the chain again, when a batch disagrees with the one held: the
   * sender's chain view may lead ours (a key rotation, an admission). At most one read a second per
   * producer, so that a flood of such batches cannot keep the node polling the ledger.
   */
  private async freshProducerView(orgId: string) {
    const last = this.lastProducerRefresh.get(orgId) ?? 0;
    if (this.now() - last >= 1000) {
      this.lastProducerRefresh.set(orgId, this.now());
      if (this.lastProducerRefresh.size > 10_000) this.lastProducerRefresh.delete(this.lastProducerRefresh.keys().next().value!);
      await this.follower?.refresh().catch(() => undefined);
    }
    return this.membership.producerView(orgId);
  }

  /**
   * Whether a producer is listed in the group it sealed a batch for (a producer publishes only to
   * groups it belongs to). Checked against a fresh chain view before a "no", rate-limited like the
   * producer view; without a SharingGroups contract there is nothing to check against.
   */
  private async producerInGroup(group: number, producer: string): Promise<boolean> {
    const groups = this.groupsValue;
    if (!groups || groups.isListed(group, producer)) return true;
    await this.freshProducerView(producer);
    return groups.isListed(group, producer);
  }

  /**
   * Whether `org` may read group `group`'s batches now. A "no" is checked once more against a
   * fresh chain view: a node just added to a group must not refuse its first batch.
   */
  private async entitled(group: number, org: string): Promise<boolean> {
    if (this.entitlements.inGroup(group, org)) return true;
    await this.follower?.refresh().catch(() => undefined);
    return this.entitlements.inGroup(group, org);
  }

  /** The orgs a batch for `group` is sealed for, from the chain as of now (privacy/recipients.ts). */
  private recipients(group: number): SealRecipient[] {
    const sharingGroup = this.groupsValue?.get(group);
    if (!sharingGroup) throw new UnknownGroupError(`sharing group ${group} is not known on chain`);
    const membership = this.membership;
    const identity = this.identity;
    return sealRecipients(sharingGroup.members, identity.orgId, {
      isActive: (org) => org === identity.orgId || membership.isActive(org),
      encryptionKey: (org) => (org === identity.orgId ? identity.encryptionKey : membership.get(org)?.encryptionKey),
    });
  }

  /**
   * Publishes the node's peer id and addresses in its member record when they differ from what
   * the chain holds, so partners find it from the chain alone. A node whose org is not (yet) a
   * member, or whose wallet cannot pay, keeps running and says why.
   */
  private async announce(): Promise<void> {
    const identity = this.identity;
    const membership = this.membership;
    const addresses = this.config.announce ?? this.multiaddrs;
    const own = membership.get(identity.orgId);
    if (!own || own.status === "removed") {
      this.logger.warn({ org: identity.orgId }, "this org is not a member on chain; partners will refuse this node");
      return;
    }
    const peerId = identity.peerId.toString();
    if (own.peerId === peerId && JSON.stringify(own.multiaddrs) === JSON.stringify(addresses)) return;
    try {
      await this.transact(async (signer) => {
        const registry = registryContract(this.config.chain.registryAddress, signer);
        await (await registry.updateNode(peerIdToBytes(peerId), addresses)).wait();
      });
      await this.follower?.refresh();
      this.logger.info({ addresses }, "published node addresses on chain");
    } catch (err) {
      this.logger.warn({ error: (err as Error).message }, "could not publish node addresses on chain; relying on bootstrap peers");
    }
  }

  /** Anonymous sightings: send one (sightAnonymously), and their counts (anon/). */
  get anonymous(): AnonymousStatements {
    if (!this.anonymousParts) throw new NodeNotRunningError("anonymous statements need chain.ringKeysAddress and chain.reputationAddress");
    return this.anonymousParts.statements;
  }

  /** Whether this start sent this org's ring key to the chain (false: it was there, it failed, or there are no ring keys). */
  get ringKeyRegistration(): Promise<boolean> {
    return this.anonymousParts?.registration ?? Promise.resolve(false);
  }

  /** The records a sighting of `value` is of; NOT_FOUND when none: sightings are of shared indicators. */
  private async sightedRecords(value: string, type: IndicatorType | undefined): Promise<IndicatorRecord[]> {
    const records = await this.lookup(value, type);
    if (records.length === 0) throw new TrustError("NOT_FOUND", `no indicator matches ${JSON.stringify(value)}: sightings are of shared indicators`);
    return records;
  }

  /** Sights a shared indicator as "an anonymous member" (anon/): provably a member, not which one, once per epoch. */
  async sightAnonymously(value: string, kind: SightingKind, options: { type?: IndicatorType; observedAt?: number; count?: number } = {}) {
    const records = await this.sightedRecords(value, options.type);
    const out = [];
    for (const record of records) out.push({ indicatorId: record.id, ...(await this.anonymous.sight(record.id, kind, options.count ?? 1, options.observedAt ?? this.now())) });
    return out;
  }

  private require<T>(part: T | undefined): T {
    if (part === undefined) throw new NodeNotRunningError("the node is not running");
    return part;
  }

  get identity(): NodeIdentity {
    return this.require(this.identityValue);
  }

  /** The deployment id this node signs and checks batches for (wire/deployment.ts). */
  get deployment(): Uint8Array {
    return this.require(this.deploymentValue);
  }

  /** What the incident-class statistics read (trust/incident-statistics.ts). */
  get incidentSources(): IncidentStatisticsComponents {
    const store = this.store;
    return {
      sightings: () => store.sightings.all(),
      records: (ids) => store.indicators.getMany(ids),
      entitlements: () => this.entitlements,
      tacticsOf: (technique) => bundledAttackNames().tacticsOf(technique),
      alertsSince: (since, limit) => store.alerts.since(since, limit),
      now: this.now,
    };
  }

  get store(): IndicatorStore {
    return this.require(this.storeValue);
  }

  get membership(): Membership {
    return this.require(this.membershipValue);
  }

  get groups(): SharingGroupsView | undefined {
    this.require(this.membershipValue);
    return this.groupsValue;
  }

  /** Creates a sharing group owned by this org (a transaction from its wallet); returns its id. */
  async createGroup(name: string, members: string[]): Promise<number> {
    const id = await this.transact((signer) => createGroup(this.groupsAddress(), signer, name, members));
    await this.refreshChain();
    return id;
  }

  /** Adds an org to, or removes it from, a group this org owns. */
  async changeGroupMember(groupId: number, org: string, change: "add" | "remove"): Promise<void> {
    await this.transact((signer) => changeGroupMember(this.groupsAddress(), signer, groupId, org, change));
    await this.refreshChain();
  }

  /**
   * Runs transactions from the org's wallet. A transaction refused before it is sent (the
   * contract reverts in gas estimation) used no nonce: the nonce manager must forget it counted one.
   */
  async transact<T>(work: (signer: NonceManager) => Promise<T>): Promise<T> {
    const signer = this.require(this.signer);
    try {
      return await work(signer);
    } catch (err) {
      signer.reset();
      throw chainRefusal(err) ?? err;
    }
  }

  private groupsAddress(): string {
    this.require(this.membershipValue);
    const address = this.config.chain.groupsAddress;
    if (!address) throw new NoGroupsContractError("this node has no SharingGroups contract configured (chain.groupsAddress)");
    return address;
  }

  /** Reads new chain blocks now; resolves when membership and groups are current. */
  refreshChain(): Promise<void> {
    return this.require(this.follower).refresh();
  }

  /** Proposals, and approving or executing them when this node holds an admin's key. */
  get governance(): AdminDesk {
    return this.require(this.adminDeskValue);
  }

  get trust(): TrustService {
    return this.require(this.trustValue);
  }

  /** Enforcement feeds, coordinated response requests and playbook hooks (response/). */
  get response(): ResponseService {
    return this.require(this.responseValue);
  }

  /** STIX objects: publish, revoke, and what an audience may see of them (intel/intel-service.ts). */
  get intel(): IntelService {
    return this.require(this.intelValue);
  }

  /**
   * Withdraws this org's own statements of these records: an "expired" sighting of its own, which
   * takes a record out of the feeds once every producer of it has withdrawn it (trust/scoring.ts).
   */
  private async withdrawOwn(recordIds: string[]): Promise<number> {
    if (recordIds.length === 0) return 0;
    const orgId = this.identity.orgId;
    const records = (await this.store.indicators.getMany(recordIds)).filter(
      (r): r is IndicatorRecord => r !== undefined && r.attestations.some((a) => a.producer === orgId),
    );
    if (records.length === 0) return 0;
    await this.trust.sight(records, "expired", this.now());
    return records.length;
  }

  get sync(): SyncService {
    return this.require(this.syncValue);
  }

  get matcher(): Matcher {
    return this.require(this.matcherValue);
  }

  /** The ATT&CK categoriser, unless the config turned it off. */
  get categoriser(): CategoriserService | undefined {
    return this.require(this.analysisValue).categoriser;
  }

  /** Links between indicators, objects and sightings, unless the config turned it off. */
  get correlation(): CorrelationService | undefined {
    return this.require(this.analysisValue).correlation;
  }

  /** Early warning and volume forecasts, unless the config turned them off. */
  get forecast(): ForecastService | undefined {
    return this.require(this.analysisValue).forecast;
  }

  /** Drafts of reports read from prose, waiting for an analyst. */
  get drafts(): DraftService {
    return this.require(this.analysisValue).drafts;
  }

  /** The external feeds this node ingests on a schedule. */
  get feeds(): FeedService {
    return this.require(this.feedsValue);
  }

  get logMatcher(): LogMatcher {
    return this.require(this.logMatcherValue);
  }

  get exports(): readonly ExportWatch[] {
    return this.exportWatches;
  }

  get reputation(): ReputationView | undefined {
    this.require(this.membershipValue);
    return this.reputationValue;
  }

  /**
   * Records that this org's detectors saw a value (or found it false, or expired): every record
   * the value matches, blinded ones included, gets a sighting sent to its audience.
   */
  async sight(value: string, kind: SightingKind, options: { type?: IndicatorType; observedAt?: number; count?: number } = {}): Promise<SightResult[]> {
    const records = await this.sightedRecords(value, options.type);
    return this.trust.sight(records, kind, options.observedAt ?? this.now(), options.count ?? 1);
  }

  /**
   * Many sightings of values at once (an import's): each value looked up, the ones that match
   * nothing or are invalid named, the rest sent together so that they share batches.
   */
  async sightMany(
    items: Array<{ value: string; type?: IndicatorType; kind: SightingKind; observedAt: number; count?: number }>,
  ): Promise<{ recorded: number; problems: Array<{ index: number; value: string; message: string }> }> {
    const problems: Array<{ index: number; value: string; message: string }> = [];
    const requests: Parameters<TrustService["sightMany"]>[0] = [];
    for (const [index, item] of items.entries()) {
      try {
        const records = await this.lookup(item.value, item.type);
        if (records.length === 0) throw new TrustError("NOT_FOUND", "no indicator matches it: sightings are of shared indicators");
        // Checked one by one here, so that one bad sighting is named and the others still go.
        checkObservedAt(item.observedAt, this.now(), this.config.limits.maxClockSkewMs);
        if (!isSightingKind(item.kind)) throw new InvalidIndicatorError("BAD_SIGHTING", "unknown sighting kind", "kind");
        requests.push({ records, kind: item.kind, observedAt: item.observedAt, count: item.count ?? 1 });
      } catch (err) {
        if (!(err instanceof TrustError || err instanceof InvalidIndicatorError)) throw err;
        problems.push({ index, value: item.value, message: err.message });
      }
    }
    if (requests.length > 0) await this.trust.sightMany(requests);
    return { recorded: requests.length, problems };
  }

  get gossip(): IndicatorGossip {
    return this.require(this.gossipValue);
  }

  /** Prometheus metrics of this node (`GET /metrics`). */
  get metrics(): NodeMetrics {
    return this.require(this.metricsValue);
  }

  get libp2p(): P2P {
    return this.require(this.p2p);
  }

  get multiaddrs(): string[] {
    return this.libp2p.getMultiaddrs().map((ma) => ma.toString());
  }

  /**
   * Validates, normalizes, scrubs, optionally blinds, and publishes indicators. Each input gets
   * its own outcome, listing what scrubbing changed or why it was dropped: one bad value does not
   * sink the others. Resolves once the good ones are stored and gossiped.
   */
  async publish(inputs: PublishInput[]): Promise<PublishOutcome[]> {
    const publisher = this.require(this.publisher);
    const now = this.now();
    const outcomes: PublishOutcome[] = new Array(inputs.length);
    const ready: Array<{ input: number; indicator: Indicator; changes: ScrubChange[]; warnings: WarningHit[]; blindingKey?: Uint8Array }> = [];
    const context = this.preparationContext(now);
    inputs.forEach((input, i) => {
      const prepared = prepareIndicator(input, context);
      if ("indicator" in prepared) ready.push({ input: i, ...prepared });
      else outcomes[i] = { ok: false, input: i, ...prepared };
    });
    // Kept before anything is blinded with them: this node's own lookups must match what it blinded.
    const keys = new Map(ready.flatMap((r) => (r.blindingKey ? [[`${r.indicator.group}:${Buffer.from(r.blindingKey).toString("hex")}`, r] as const] : [])));
    for (const r of keys.values()) await this.store.addOwnBlindingKey({ producer: this.identity.orgId, group: r.indicator.group, key: r.blindingKey!, learntAt: now });
    const receipts = await publisher.publish(
      ready.map((r) => r.indicator),
      ready.map((r) => r.blindingKey),
    );
    receipts.forEach((receipt, j) => {
      const { input, indicator, changes, warnings } = ready[j]!;
      outcomes[input] = { ok: true, input, blinded: indicator.blinded, changes, warnings, ...receipt };
    });
    return outcomes;
  }

  /**
   * Publishes indicators as "an anonymous member" (anon/): each through the same publish rules
   * (scrubbing, warning lists, taxonomies), then signed by the ring instead of this org's key. Only
   * what every member may read (TLP:CLEAR or GREEN, no group, not blinded) can be anonymous.
   */
  async publishAnonymously(inputs: PublishInput[]): Promise<Array<{ ok: true; input: number; producer: string; ringSize: number } | { ok: false; input: number; reason: string; message: string }>> {
    const context = this.preparationContext(this.now());
    const out = [];
    for (const [i, input] of inputs.entries()) {
      // Refused before the publish rules, which would name a missing group rather than the reason.
      const tlp = typeof input.tlp === "string" ? input.tlp.toUpperCase().replace(/^TLP:/, "") : input.tlp === undefined ? "GREEN" : "";
      if (!isOpenToEveryMember({ tlp, group: (input.group ?? 0) === 0 ? 0 : -1, blinded: Boolean(input.blind) })) {
        out.push({ ok: false as const, input: i, reason: "NOT_OPEN", message: "an anonymous indicator is shared with every member: TLP:CLEAR or GREEN, no group, not blinded" });
        continue;
      }
      const prepared = prepareIndicator(input, context);
      if (!("indicator" in prepared)) {
        out.push({ ok: false as const, input: i, reason: prepared.reason, message: prepared.message });
        continue;
      }
      try {
        const stated = await this.anonymous.state(prepared.indicator);
        out.push({ ok: true as const, input: i, producer: stated.producer, ringSize: stated.ringSize });
      } catch (err) {
        if (!(err instanceof AnonymousSightingError)) throw err;
        out.push({ ok: false as const, input: i, reason: err.code, message: err.message });
      }
    }
    return out;
  }

  /** What the publish rules (privacy/publish-preparation.ts) need of this node, as of now. */
  private preparationContext(now: number): PreparationContext {
    return {
      orgId: this.identity.orgId,
      defaultGroup: this.config.privacy.defaultGroup,
      scrubber: this.scrubber,
      groups: this.groupsValue,
      blindingKeyFor: (indicator) => this.blindingKeyFor(indicator),
      taxonomies: bundledTaxonomies(),
      now,
    };
  }

  /**
   * The key to blind `indicator` with: this org's key for its group as the group is now (the
   * orgs its batches are sealed for), so it changes when the members do (privacy/blinding.ts).
   * A TLP:RED one never leaves this node: its key is this org's alone.
   */
  private blindingKeyFor(indicator: Indicator): Uint8Array {
    const members = indicator.tlp === "RED" ? [this.identity.orgId] : this.recipients(indicator.group).map((r) => r.org);
    return deriveBlindingKey(this.identity.encryptionSecretKey, indicator.group, members);
  }

  /**
   * Looks a raw value up, as `audience` may see it (this org's own view by default). With a
   * type, the value is normalized for that type; without, every type whose normalization
   * accepts the value is tried (an analyst pastes "1.2.3.4", not a type). Blinded entries match
   * when the value, blinded under a key this node holds, equals them: the node learns that a
   * group member shared what it already observes, and nothing else.
   */
  async lookup(value: string, type?: IndicatorType, audience: Audience = { kind: "internal" }): Promise<IndicatorRecord[]> {
    const store = this.store;
    const types = type ? [type] : INDICATOR_TYPES;
    const found: IndicatorRecord[] = [];
    for (const t of types) {
      let normalized: string;
      try {
        normalized = normalizeValue(t, value);
      } catch (err) {
        if (type) throw err;
        continue;
      }
      const record = await store.lookup(t, normalized);
      if (record) found.push(record);
      for (const entry of store.blindingKeyRing()) {
        const blinded = await store.lookup(t, blindValue(entry.key, t, normalized), true);
        if (blinded && !found.some((r) => r.id === blinded.id)) found.push(blinded);
      }
    }
    return viewsFor(found, audience, this.entitlements);
  }

  async status(): Promise<NodeStatus> {
    const membership = this.membership;
    return {
      orgId: this.identity.orgId,
      peerId: this.identity.peerId.toString(),
      multiaddrs: this.multiaddrs,
      peers: this.libp2p.getPeers().map((p) => ({ peerId: p.toString(), orgId: membership.byPeerId(p.toString())?.orgId })),
      members: { known: membership.all().length, active: membership.active().length },
      chain: {
        ...this.require(this.follower).health,
        registry: this.config.chain.registryAddress,
        groups: this.config.chain.groupsAddress,
        reputation: this.config.chain.reputationAddress,
        audit: this.config.chain.auditAddress,
      },
      groups: this.groupsValue?.all() ?? [],
      epoch: this.reputationValue ? { number: this.reputationValue.epoch, endsAt: this.reputationValue.epochEndsAt } : undefined,
      store: await this.store.counts(),
      lookupIndex: { entries: this.matcher.index.size, builtFrom: this.matcher.builtFrom },
      gossip: this.gossip.stats,
      sync: this.sync.stats,
      refusedPeers: this.gater.stats,
    };
  }

  /** The membership gater: who it refused, and why. */
  get gater(): MembershipGater {
    return this.require(this.gaterValue);
  }
}

/** The admin key in `file`, checked; a bad file stops the node at start with a named problem. */
async function readAdminKey(file: string | undefined): Promise<string | undefined> {
  if (!file) return undefined;
  let key: string;
  try {
    const mode = (await stat(file)).mode;
    // An admin's key votes in governance: as private as the node's own identity file.
    if ((mode & 0o077) !== 0) throw new ConfigError(`governance.adminKeyFile: ${file} is readable by other users (mode ${(mode & 0o777).toString(8)}); run chmod 600 on it`);
    key = (await readFile(file, "utf8")).trim();
  } catch (err) {
    if (err instanceof ConfigError) throw err;
    throw new ConfigError(`governance.adminKeyFile: cannot read ${file}: ${(err as Error).message}`);
  }
  if (!/^(0x)?[0-9a-fA-F]{64}$/.test(key)) throw new ConfigError(`governance.adminKeyFile: ${file} does not hold a hex private key (64 hex digits)`);
  return key.startsWith("0x") ? key : `0x${key}`;
}
