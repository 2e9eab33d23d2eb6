/**
 * Sightings by incident class: how many partners saw indicators of each RSIT class (model/rsit.ts),
 * how often, and when last, over the sightings an audience may know of; beside the alerts this
 * node's own log matching raised per class. What the dashboard's incident panel and
 * `GET /stats/incidents` show. Reads the sighting tallies once, their records a page at a time.
 */
import type { IndicatorRecord } from "../model/record.js";
import { rsitClassOf } from "../model/rsit.js";
import type { StoredSightings } from "../model/sighting.js";
import { sightingsFor, type Audience, type Entitlements } from "../privacy/audience.js";

export interface IncidentClassRow {
  rsit: string;
  /** Sightings reported, summed over reporters. */
  sightings: number;
  /** Indicators with at least one sighting. */
  indicators: number;
  /** Orgs that reported one. */
  reporters: number;
  /** Alerts of this node's own log matching (matches folded into an alert counted). */
  alerts: number;
  /** Latest sighting, ms since the epoch (0 if none). */
  lastSeen: number;
}

export interface IncidentStatisticsComponents {
  sightings(): AsyncIterable<StoredSightings>;
  records(ids: string[]): Promise<Array<IndicatorRecord | undefined>>;
  entitlements(): Entitlements;
  tacticsOf(technique: string): readonly string[];
  alertsSince(since: number, limit: number): Promise<Array<{ rsit?: string; count?: number }>>;
  now(): number;
}

const PAGE = 256;
/** Alerts counted: as many as the alert store keeps in a month on a busy node. */
const MAX_ALERTS = 100_000;

export async function incidentStatistics(components: IncidentStatisticsComponents, audience: Audience, options: { sinceMs?: number } = {}): Promise<IncidentClassRow[]> {
  const since = options.sinceMs ?? 0;
  const rows = new Map<string, IncidentClassRow & { reporterSet: Set<string> }>();
  const rowOf = (rsit: string) => {
    let row = rows.get(rsit);
    if (!row) rows.set(rsit, (row = { rsit, sightings: 0, indicators: 0, reporters: 0, alerts: 0, lastSeen: 0, reporterSet: new Set() }));
    return row;
  };
  const entitlements = components.entitlements();
  let page: Array<{ id: string; byOrg: Record<string, { sighting: number; lastSeen: number }> }> = [];
  const flush = async () => {
    const records = await components.records(page.map((p) => p.id));
    page.forEach((entry, i) => {
      const record = records[i];
      const rsit = record ? rsitClassOf(record.labels, (t) => components.tacticsOf(t)).rsit : "other:undetermined";
      const row = rowOf(rsit);
      row.indicators++;
      for (const [org, tally] of Object.entries(entry.byOrg)) {
        if (tally.sighting === 0) continue;
        row.sightings += tally.sighting;
        row.reporterSet.add(org);
        row.lastSeen = Math.max(row.lastSeen, tally.lastSeen);
      }
    });
    page = [];
  };
  for await (const stored of components.sightings()) {
    const summary = sightingsFor(stored, audience, entitlements);
    if (!summary) continue;
    const seen = Object.fromEntries(Object.entries(summary.byOrg).filter(([, t]) => t.sighting > 0 && t.lastSeen >= since));
    if (Object.keys(seen).length === 0) continue;
    page.push({ id: stored.indicatorId, byOrg: seen });
    if (page.length >= PAGE) await flush();
  }
  if (page.length > 0) await flush();
  for (const alert of await components.alertsSince(since, MAX_ALERTS)) rowOf(alert.rsit ?? "other:undetermined").alerts += alert.count ?? 1;
  return [...rows.values()]
    .map(({ reporterSet, ...row }) => ({ ...row, reporters: reporterSet.size }))
    .sort((a, b) => b.sightings + b.alerts - (a.sightings + a.alerts) || a.rsit.localeCompare(b.rsit));
}
