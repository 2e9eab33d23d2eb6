/**
 * The shapes the API answers, taken from the node's own types (type-only: nothing of the node
 * is bundled), so that the dashboard and the API cannot drift apart unnoticed.
 */
export type { NodeStatus } from "../../src/node.js";
export type { ScoredRecord, Provenance } from "../../src/trust/trust-service.js";
export type { GovernanceOverview } from "../../src/chain/admin-desk.js";
export type { OrgReputation } from "../../src/chain/reputation.js";
export type { IndicatorType } from "../../src/model/indicator.js";

export interface MemberRow {
  orgId: string;
  displayName: string;
  country: string;
  sector: string;
  status: string;
  wallet: string;
  peerId: string | null;
  multiaddrs: string[];
  joinedAt: number;
  self: boolean;
  connected: boolean;
}

export interface SightingTotals {
  indicatorId: string;
  sightings: number;
  confirmedBy: string[];
  falsePositiveBy: string[];
  expiredBy: string[];
  firstSeen?: number;
  lastSeen?: number;
}

export type { ObjectSummary, ObjectDetail, Graph, GraphNode, GraphEdge } from "../../src/intel/intel-service.js";
export type { Draft, DraftItem, DraftDecision } from "../../src/model/draft.js";
export type { IncidentClassRow } from "../../src/trust/incident-statistics.js";
export type { Insufficient, VolumeAnswer, WatchList } from "../../src/forecast/forecast-service.js";
export type { EarlyWarningBacktest } from "../../src/forecast/backtest.js";
export type { VolumeBacktest } from "../../src/forecast/volume.js";

/** A draft as GET /drafts lists it: counts instead of its items. */
export interface DraftSummary {
  id: string;
  title: string;
  source: string;
  format: string;
  createdAt: number;
  status: string;
  items: number;
  accepted: number;
  passedOver: number;
  reportId?: string;
}
export type { ResponseRequest, Acknowledgement, EnforcementEntry } from "../../src/model/response.js";
export type { FeedStatus } from "../../src/response/enforcement-feed.js";
export type { FeedChangeSummary } from "../../src/store/response-repository.js";
