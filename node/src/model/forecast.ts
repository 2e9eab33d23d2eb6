/**
 * What forecasting (forecast/) reads and says, shared by the node's history reader, the
 * simulator and the faces: the partners with their sector and country, the subjects that can be
 * sighted (an indicator, with its family and techniques), every partner's sightings with when they
 * happened and when they were reported, and the forecasts made of them.
 */

export interface ForecastPartner {
  org: string;
  sector: string;
  country: string;
  /** The partner's reputation as a producer, 0 to 1 (0.5 when unknown). */
  reputation: number;
}

export interface ForecastSubject {
  /** An indicator record id (or the simulator's name for one). */
  id: string;
  type: string;
  family?: string;
  techniques: string[];
  /** Actors its producers named (MISP galaxy tags). */
  actors?: string[];
  /** The simulator's ground truth; unknown on a real node. */
  campaign?: string;
}

export interface ForecastSighting {
  org: string;
  subject: string;
  /** When it was seen (a partner's first sighting of the subject). */
  at: number;
  /** When this node learnt of it: what a forecast made at time t may know is reportedAt <= t. */
  reportedAt: number;
  falsePositive: boolean;
}

export interface ForecastHistory {
  start: number;
  end: number;
  partners: ForecastPartner[];
  subjects: ForecastSubject[];
  /** Sorted by reportedAt. */
  sightings: ForecastSighting[];
}

export const FORECAST_HORIZONS = ["24h", "7d"] as const;
export type ForecastHorizon = (typeof FORECAST_HORIZONS)[number];
export const HORIZON_MS: Record<ForecastHorizon, number> = { "24h": 86_400_000, "7d": 7 * 86_400_000 };
