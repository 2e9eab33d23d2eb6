import { seededRandom } from "../categorise/softmax-trainer.js";
import type { ForecastHistory, ForecastPartner, ForecastSighting, ForecastSubject } from "../model/forecast.js";

/**
 * A consortium's sighting history with known ground truth, for the forecasts' tests, benchmark
 * and backtests at scale (`npm run simulate`): partners with sectors and countries; campaigns of a
 * malware family that start at one partner of their target sector and spread, faster within that
 * sector and country and slower beyond, each victim sighting some of the campaign's indicators
 * over the next days; benign noise (scanners and the like, seen anywhere at random); false
 * positives; reporting delays; quieter weekends. Seeded: the same options give the same history.
 * Pure.
 */

export interface SimulationOptions {
  seed: number;
  partners: number;
  days: number;
  campaigns: number;
  /** Indicators per campaign (its infrastructure, payload hashes). */
  campaignIndicators: number;
  /** Background sightings a day across the consortium, of values unrelated to any campaign. */
  noisePerDay: number;
  /** Share of sightings that the reporter later calls false positives (they stay in the history). */
  falsePositiveRate: number;
  /** Most hours between a sighting and its report. */
  maxDelayHours: number;
  start: number;
  /** Real partners to simulate (a running consortium's members), instead of made-up ones. */
  partnerList?: ForecastPartner[];
}

export const DEFAULT_SIMULATION: SimulationOptions = {
  seed: 7,
  partners: 24,
  days: 60,
  campaigns: 40,
  campaignIndicators: 12,
  noisePerDay: 60,
  falsePositiveRate: 0.03,
  maxDelayHours: 12,
  start: Date.parse("2026-09-01T00:00:00Z"),
};

export interface SimulatedCampaign {
  id: string;
  family: string;
  sector: string;
  country: string;
  startsAt: number;
  /** Partners hit, and when: the ground truth. */
  victims: Array<{ org: string; at: number }>;
}

export interface SimulatedHistory extends ForecastHistory {
  campaigns: SimulatedCampaign[];
  options: SimulationOptions;
}

const SECTORS = ["finance", "health", "energy", "government", "telecom", "transport"];
const COUNTRIES = ["LU", "BE", "FR", "DE", "NL"];
const TECHNIQUES = ["T1566.001", "T1566.002", "T1059.001", "T1071.001", "T1105", "T1486", "T1003.001", "T1547.001", "T1027", "T1190"];
const HOUR = 3_600_000;
const DAY = 24 * HOUR;

/** How busy a day is: SOCs report less at weekends. */
export function weekdayFactor(at: number): number {
  const day = new Date(at).getUTCDay();
  return day === 0 || day === 6 ? 0.45 : 1;
}

export function simulateConsortium(options: Partial<SimulationOptions> = {}): SimulatedHistory {
  const o = { ...DEFAULT_SIMULATION, ...options };
  const random = seededRandom(o.seed);
  const pick = <T>(list: readonly T[]) => list[Math.floor(random() * list.length)]!;
  const partners: ForecastPartner[] = o.partnerList ?? Array.from({ length: o.partners }, (_, i) => ({
    org: `org-${String(i).padStart(2, "0")}`,
    sector: SECTORS[i % SECTORS.length]!,
    country: COUNTRIES[Math.floor(i / SECTORS.length) % COUNTRIES.length]!,
    reputation: 0.5 + 0.45 * random(),
  }));
  const subjects: ForecastSubject[] = [];
  const sightings: ForecastSighting[] = [];
  const sight = (org: string, subject: string, at: number) => {
    if (at >= o.start + o.days * DAY) return;
    const reportedAt = at + Math.floor(random() * o.maxDelayHours * HOUR);
    sightings.push({ org, subject, at, reportedAt, falsePositive: random() < o.falsePositiveRate });
  };

  const campaigns: SimulatedCampaign[] = [];
  for (let c = 0; c < o.campaigns; c++) {
    const family = `family-${c % Math.max(1, Math.floor(o.campaigns * 0.6))}`;
    const target = pick(partners);
    const campaign: SimulatedCampaign = { id: `campaign-${c}`, family, sector: target.sector, country: target.country, startsAt: o.start + Math.floor(random() * (o.days - 5) * DAY), victims: [] };
    const techniques = [pick(TECHNIQUES), pick(TECHNIQUES)].sort();
    // An actor runs several campaigns, as groups do.
    const actors = [`actor-${c % Math.max(1, Math.floor(o.campaigns / 3))}`];
    const items = Array.from({ length: o.campaignIndicators }, (_, k) => {
      const id = `${campaign.id}-ioc-${k}`;
      subjects.push({ id, type: k % 3 === 0 ? "sha256" : k % 3 === 1 ? "domain" : "ipv4", family, techniques, actors, campaign: campaign.id });
      return id;
    });
    // The spread, an hour at a time: each partner not yet hit may be, more likely within the
    // campaign's sector and country, on weekdays, and while the campaign is young.
    const hit = new Map<string, number>([[target.org, campaign.startsAt]]);
    const reach = 1 + 0.25 * random();
    for (let at = campaign.startsAt + HOUR; at < campaign.startsAt + 14 * DAY; at += HOUR) {
      const age = (at - campaign.startsAt) / DAY;
      for (const p of partners) {
        if (hit.has(p.org)) continue;
        const affinity = (p.sector === campaign.sector ? 1 : 0.08) * (p.country === campaign.country ? 1.6 : 1);
        const rate = 0.012 * reach * affinity * weekdayFactor(at) * Math.exp(-age / 5) * Math.min(4, hit.size);
        if (random() < rate) hit.set(p.org, at);
      }
    }
    for (const [org, at] of [...hit].sort((a, b) => a[1] - b[1])) {
      campaign.victims.push({ org, at });
      // A victim sees a part of the campaign's infrastructure over the next two days.
      for (const item of items) if (random() < 0.55) sight(org, item, at + Math.floor(random() * 48 * HOUR));
    }
    campaigns.push(campaign);
  }

  // Noise: a pool of values (scanners, mass spam infrastructure) sighted anywhere, at random.
  const pool = Array.from({ length: 400 }, (_, k) => {
    const id = `noise-${k}`;
    subjects.push({ id, type: k % 2 === 0 ? "ipv4" : "domain", techniques: [] });
    return id;
  });
  for (let day = 0; day < o.days; day++) {
    const count = Math.round(o.noisePerDay * weekdayFactor(o.start + day * DAY) * (0.7 + 0.6 * random()));
    for (let k = 0; k < count; k++) sight(pick(partners).org, pool[Math.floor(random() ** 2 * pool.length)]!, o.start + day * DAY + Math.floor(random() * DAY));
  }
  sightings.sort((a, b) => a.reportedAt - b.reportedAt || a.org.localeCompare(b.org) || a.subject.localeCompare(b.subject));
  return { start: o.start, end: o.start + o.days * DAY, partners, subjects, sightings, campaigns, options: o };
}
