import type { Tlp } from "../model/indicator.js";
import { summarize, type Attestation, type IndicatorRecord } from "../model/record.js";
import { sightingView, type SightingScope, type SightingSummary, type StoredSightings } from "../model/sighting.js";

/**
 * Who is about to receive something from this node, and what TLP 2.0 lets each one see:
 *
 * - internal: this org's own analysts and detectors; everything the node holds.
 * - clients: the org's clients and constituents; CLEAR, GREEN and AMBER (TLP 2.0 lets AMBER
 *   reach a recipient's clients), never AMBER+STRICT or RED.
 * - community: anyone in the wider community, outside the consortium; CLEAR and GREEN shared
 *   with the whole consortium, never a group's statements.
 * - public: the world; CLEAR shared with the whole consortium only.
 * - member: another member org (store-and-forward, sightings): CLEAR and GREEN if it is an
 *   active member, a group's statements only if it is an active member of that group, never RED.
 */
export type Audience =
  | { kind: "internal" }
  | { kind: "clients" }
  | { kind: "community" }
  | { kind: "public" }
  | { kind: "member"; orgId: string };

export const EXPORT_AUDIENCES = ["internal", "clients", "community", "public"] as const;
export type ExportAudience = (typeof EXPORT_AUDIENCES)[number];

export function exportAudience(kind: ExportAudience): Audience {
  return { kind } as Audience;
}

/** What the chain says about orgs, for the `member` audience. */
export interface Entitlements {
  isActive(org: string): boolean;
  /** Whether `org` is an active member of sharing group `group`. */
  inGroup(group: number, org: string): boolean;
}

const CLIENT_TLPS: ReadonlySet<Tlp> = new Set(["CLEAR", "GREEN", "AMBER"]);

/** Whether a statement of `tlp` restricted to `group` may be shown to `audience`. Pure. */
export function mayShow(statement: { tlp: Tlp; group: number }, audience: Audience, entitlements?: Entitlements): boolean {
  const { tlp, group } = statement;
  switch (audience.kind) {
    case "internal":
      return true;
    case "clients":
      return CLIENT_TLPS.has(tlp);
    case "community":
      return group === 0 && (tlp === "CLEAR" || tlp === "GREEN");
    case "public":
      return group === 0 && tlp === "CLEAR";
    case "member":
      if (tlp === "RED" || !entitlements) return false;
      return group === 0 ? entitlements.isActive(audience.orgId) : entitlements.inGroup(group, audience.orgId);
  }
}

/**
 * The record as `audience` may see it: only the statements it may see, and summary fields
 * (TLP, confidence, validity, labels) rebuilt from those alone, so that nothing of a hidden
 * statement (not even a label) leaks through the merge. Its times (first seen, last updated,
 * revision) are those of the statements it shows, so that a hidden statement's arrival does not
 * show either. Undefined when it may see nothing. Blinded records stay inside the node and its
 * groups: their value means nothing elsewhere.
 */
export function viewFor(record: IndicatorRecord, audience: Audience, entitlements?: Entitlements): IndicatorRecord | undefined {
  if (audience.kind === "internal") return record;
  if (record.blinded && audience.kind !== "member") return undefined;
  const visible: Attestation[] = record.attestations.filter((a) => mayShow(a, audience, entitlements));
  if (visible.length === 0) return undefined;
  // Statements stored before receive times were kept count from their own creation.
  const received = visible.map((a) => a.receivedAt ?? a.createdAt);
  return {
    ...record,
    ...summarize(visible),
    attestations: visible,
    firstSeenAt: Math.min(...received),
    updatedAt: Math.max(...received),
    revision: Math.max(...visible.map((a) => a.revision ?? a.createdAt * 1000)),
  };
}

/**
 * Whether `audience` may learn of a sighting that travelled in `scope`. A sighting says "we were
 * hit": it is as private as where it was sent. One in an open batch went to every member, like a
 * TLP:GREEN statement (the community and clients may know of it, the public not); one sealed for
 * a group stays with that group and this org; one that never left this node, or was stored
 * before scopes were kept, stays with this org. Pure.
 */
export function maySeeSighting(scope: SightingScope, audience: Audience, entitlements?: Entitlements): boolean {
  switch (audience.kind) {
    case "internal":
      return true;
    case "clients":
    case "community":
      return scope === "0";
    case "public":
      return false;
    case "member": {
      if (!entitlements || !/^\d+$/.test(scope)) return false;
      const group = Number(scope);
      return group === 0 ? entitlements.isActive(audience.orgId) : entitlements.inGroup(group, audience.orgId);
    }
  }
}

/** The sightings `audience` may know of, merged per reporter (undefined when none). Pure. */
export function sightingsFor(stored: StoredSightings | undefined, audience: Audience, entitlements?: Entitlements): SightingSummary | undefined {
  return sightingView(stored, (scope) => maySeeSighting(scope, audience, entitlements));
}

/** `viewFor` over many records, dropping those the audience may not see at all. */
export function viewsFor(records: IndicatorRecord[], audience: Audience, entitlements?: Entitlements): IndicatorRecord[] {
  return records.flatMap((record) => {
    const view = viewFor(record, audience, entitlements);
    return view ? [view] : [];
  });
}

/**
 * Where a sighting of `record` may go: a sighting tells its audience that the reporter saw the
 * indicator, so it may go only where the indicator's value is already known. To every member
 * (group 0) when some producer shared it with the whole consortium; otherwise to each group a
 * producer shared it with (a sealed batch per group); nowhere when only RED statements exist.
 */
export function sightingGroups(record: IndicatorRecord): number[] {
  const shared = record.attestations.filter((a) => a.tlp !== "RED");
  if (shared.some((a) => a.group === 0)) return [0];
  return [...new Set(shared.map((a) => a.group))].sort((a, b) => a - b);
}
