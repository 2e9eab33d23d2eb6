import { TEST_DEPLOYMENT } from "../helpers/deployment.js";
import { expect } from "chai";
import { randomBytes } from "node:crypto";
import fc from "fast-check";
import { x25519 } from "@noble/curves/ed25519.js";
import { ed25519 } from "@noble/curves/ed25519.js";
import { DEFAULT_BATCH_LIMITS, validateIndicatorBatch } from "../../node/src/gossip/validation.js";
import { TLP_LEVELS, tlpNeedsGroup, type Tlp } from "../../node/src/model/indicator.js";
import { mergeIndicator, type IndicatorRecord } from "../../node/src/model/record.js";
import { buildIndicator } from "../../node/src/model/validate.js";
import { EXPORT_AUDIENCES, sightingsFor, viewFor, type Audience, type Entitlements } from "../../node/src/privacy/audience.js";
import { LEGACY_SCOPE, LOCAL_SCOPE, recordSighting, type SightingScope, type StoredSightings } from "../../node/src/model/sighting.js";
import { blindIndicator, deriveBlindingKey } from "../../node/src/privacy/blinding.js";
import { sealRecipients } from "../../node/src/privacy/recipients.js";
import { openBatch, signBatch } from "../../node/src/wire/batch.js";
import { encodeBatch } from "../../node/src/wire/codec.js";

/**
 * Property tests of the privacy rules over random consortia: random groups, TLP levels and
 * membership changes, with the real sealing, the real validation pipeline and the real views.
 */

const now = Date.parse("2026-11-21T12:00:00Z");
const ORGS = ["acme-bank", "bank-two", "grid-ops", "health-co", "north-cert"] as const;
type Org = (typeof ORGS)[number];
const GROUPS = [1, 2, 3] as const;

const keys = Object.fromEntries(
  ORGS.map((org) => {
    const encryption = x25519.utils.randomSecretKey();
    const signing = randomBytes(32);
    return [org, { encryption, encryptionKey: x25519.getPublicKey(encryption), signing, signingKey: ed25519.getPublicKey(signing) }];
  }),
) as unknown as Record<Org, { encryption: Uint8Array; encryptionKey: Uint8Array; signing: Uint8Array; signingKey: Uint8Array }>;

interface State {
  active: Set<Org>;
  groups: Map<number, Set<Org>>;
}

type Step =
  | { kind: "join" | "leave"; group: number; org: Org }
  | { kind: "suspend" | "reinstate"; org: Org }
  | { kind: "publish"; producer: Org; tlp: Exclude<Tlp, "RED">; group: number; blind: boolean };

const org = fc.constantFrom(...ORGS);
const group = fc.constantFrom(...GROUPS);
const step: fc.Arbitrary<Step> = fc.oneof(
  fc.record({ kind: fc.constantFrom("join" as const, "leave" as const), group, org }),
  fc.record({ kind: fc.constantFrom("suspend" as const, "reinstate" as const), org }),
  fc.record({
    kind: fc.constant("publish" as const),
    producer: org,
    tlp: fc.constantFrom("CLEAR" as const, "GREEN" as const, "AMBER" as const, "AMBER+STRICT" as const),
    group: fc.constantFrom(0, ...GROUPS),
    blind: fc.boolean(),
  }),
);
const initial = fc.record({
  active: fc.subarray([...ORGS], { minLength: 2 }),
  groups: fc.tuple(...GROUPS.map(() => fc.subarray([...ORGS]))),
});

/**
 * Who may see what, written out by hand from TLP 2.0 and docs/privacy.md, independently of
 * privacy/audience.ts: each row is a TLP, for a statement shared with the whole consortium
 * ("open") or restricted to a group ("group"); each column an audience. "member" stands for a
 * member that is active and, for a group statement, in the group.
 */
const STATEMENT_TABLE: Record<Tlp, Record<"open" | "group", Record<"internal" | "clients" | "community" | "public" | "member", boolean>>> = {
  CLEAR: {
    open: { internal: true, clients: true, community: true, public: true, member: true },
    group: { internal: true, clients: true, community: false, public: false, member: true },
  },
  GREEN: {
    open: { internal: true, clients: true, community: true, public: false, member: true },
    group: { internal: true, clients: true, community: false, public: false, member: true },
  },
  AMBER: {
    open: { internal: true, clients: true, community: false, public: false, member: true },
    group: { internal: true, clients: true, community: false, public: false, member: true },
  },
  "AMBER+STRICT": {
    open: { internal: true, clients: false, community: false, public: false, member: true },
    group: { internal: true, clients: false, community: false, public: false, member: true },
  },
  RED: {
    open: { internal: true, clients: false, community: false, public: false, member: false },
    group: { internal: true, clients: false, community: false, public: false, member: false },
  },
};

/** The same for sightings, by where they travelled: an open batch is like GREEN, a group's sealed batch stays with the group. */
const SIGHTING_TABLE: Record<"open" | "group" | "local" | "legacy", Record<"internal" | "clients" | "community" | "public" | "member", boolean>> = {
  open: { internal: true, clients: true, community: true, public: false, member: true },
  group: { internal: true, clients: false, community: false, public: false, member: true },
  local: { internal: true, clients: false, community: false, public: false, member: false },
  legacy: { internal: true, clients: false, community: false, public: false, member: false },
};

/** Whether the member `viewer` counts as "member" for a statement or sighting of `group` (0: open). */
function memberEntitled(e: { active: readonly string[]; groups: ReadonlyArray<readonly string[]> }, viewer: string, group: number): boolean {
  if (!e.active.includes(viewer)) return false;
  return group === 0 || (e.groups[GROUPS.indexOf(group as 1 | 2 | 3)] ?? []).includes(viewer);
}

function entitled(state: State, reader: Org, groupId: number): boolean {
  if (!state.active.has(reader)) return false;
  return groupId === 0 || (state.groups.get(groupId)?.has(reader) ?? false);
}

describe("privacy properties (fast-check)", function () {
  this.timeout(120_000);

  it("no org ever reads a batch it is not entitled to, and every entitled org does", async function () {
    await fc.assert(
      fc.asyncProperty(initial, fc.array(step, { minLength: 1, maxLength: 10 }), async (start, steps) => {
        const state: State = {
          active: new Set(start.active),
          groups: new Map(GROUPS.map((g, i) => [g, new Set(start.groups[i])])),
        };
        let sequence = 0;
        for (const s of steps) {
          if (s.kind === "join" && state.active.has(s.org)) state.groups.get(s.group)!.add(s.org);
          if (s.kind === "leave") state.groups.get(s.group)!.delete(s.org);
          if (s.kind === "suspend") state.active.delete(s.org);
          if (s.kind === "reinstate") state.active.add(s.org);
          if (s.kind !== "publish" || !state.active.has(s.producer)) continue;
          // AMBER and blinding need a group: the model's inputs follow the rules buildIndicator enforces.
          const groupId = (tlpNeedsGroup(s.tlp) || s.blind) && s.group === 0 ? 1 : s.group;
          const plain = buildIndicator(
            { type: "domain", value: `secret-${++sequence}.example`, tlp: s.tlp, group: groupId },
            { producer: s.producer, now },
          );
          const indicator = s.blind ? blindIndicator(plain, deriveBlindingKey(keys[s.producer].encryption, groupId, [s.producer])) : plain;
          const recipients =
            groupId > 0
              ? sealRecipients([...state.groups.get(groupId)!], s.producer, {
                  isActive: (o) => state.active.has(o as Org),
                  encryptionKey: (o) => keys[o as Org]?.encryptionKey,
                })
              : [];
          const { batch } = signBatch(
            {
              deployment: TEST_DEPLOYMENT,
              producer: s.producer,
              sequence,
              createdAt: now,
              group: groupId,
              indicators: [indicator],
              blindingKey: s.blind ? deriveBlindingKey(keys[s.producer].encryption, groupId, [s.producer]) : undefined,
            },
            keys[s.producer].signing,
            recipients,
          );
          const bytes = encodeBatch(batch);
          const plaintextOnWire = Buffer.from(bytes).includes(Buffer.from(plain.value));
          // Only a batch for the whole consortium may carry its value in the clear; a blinded one never.
          expect(plaintextOnWire).to.equal(groupId === 0 && !s.blind);

          for (const reader of ORGS) {
            if (reader === s.producer) continue;
            const mayRead = entitled(state, reader, groupId);
            if (groupId > 0) {
              // The cryptography alone decides, whatever the reader's software does.
              let opened = false;
              try {
                opened = openBatch(batch, { org: reader, encryptionSecretKey: keys[reader].encryption }).indicators.length === 1;
              } catch {
                opened = false;
              }
              expect(opened, `${reader} opening a group ${groupId} batch`).to.equal(mayRead);
            }
            // And an honest node's pipeline stores content exactly when it is entitled.
            const validated = await validateIndicatorBatch(bytes, {
              now,
              deployment: TEST_DEPLOYMENT,
              limits: DEFAULT_BATCH_LIMITS,
              producer: (o) => ({ orgId: o, active: state.active.has(o as Org), signingKey: keys[o as Org].signingKey }),
              knownRoot: async () => undefined,
              reader: { org: reader, encryptionSecretKey: keys[reader].encryption },
              entitled: (g, o) => entitled(state, o as Org, g),
            });
            // Gossip reaches active members only (the connection gater); for them the rule is exact.
            if (state.active.has(reader) || groupId > 0) expect(validated.content !== undefined, `${reader} storing`).to.equal(groupId === 0 || mayRead);
            if (validated.content && s.blind) expect(validated.content.indicators[0]!.value).to.not.equal(plain.value);
          }
        }
      }),
      { numRuns: 300 },
    );
  });

  const entitlementsArb = fc.record({ active: fc.subarray([...ORGS]), groups: fc.tuple(...GROUPS.map(() => fc.subarray([...ORGS]))) });
  const entitlementsOf = (e: { active: string[]; groups: string[][] }): Entitlements => ({
    isActive: (o) => e.active.includes(o),
    inGroup: (g, o) => e.active.includes(o) && (e.groups[GROUPS.indexOf(g as 1 | 2 | 3)] ?? []).includes(o),
  });
  const audiencesFor = (viewer: Org): Audience[] => [...EXPORT_AUDIENCES.map((kind) => ({ kind }) as Audience), { kind: "member", orgId: viewer }];

  it("a view for any audience holds exactly the statements the hand-written table allows, and times of those alone", function () {
    const statement = fc.record({
      producer: org,
      tlp: fc.constantFrom(...TLP_LEVELS),
      group: fc.constantFrom(0, ...GROUPS),
      confidence: fc.integer({ min: 0, max: 100 }),
      tag: fc.constantFrom("a", "b", "c", "d"),
    });
    fc.assert(
      fc.property(fc.array(statement, { minLength: 1, maxLength: 8 }), entitlementsArb, org, (statements, e, viewer) => {
        let record: IndicatorRecord | undefined;
        // The oracle's own bookkeeping of which statement of each producer survives, and when it arrived.
        const latest = new Map<string, { tlp: Tlp; group: number; at: number; tag: string }>();
        statements.forEach((st, i) => {
          const groupId = tlpNeedsGroup(st.tlp) && st.group === 0 ? 1 : st.group;
          const indicator = buildIndicator(
            { type: "domain", value: "evil.example", tlp: st.tlp, group: groupId, confidence: st.confidence, labels: { tags: [`${st.tag}-${st.producer}`] } },
            { producer: st.producer, now: now + i },
          );
          record = mergeIndicator(record, indicator, { sequence: i + 1, index: 0 }, now + 1000 * i);
          latest.set(st.producer, { tlp: st.tlp, group: groupId, at: now + 1000 * i, tag: `${st.tag}-${st.producer}` });
        });
        const entitlements = entitlementsOf(e);
        for (const audience of audiencesFor(viewer)) {
          const allowed = [...latest.entries()].filter(([, st]) => {
            const row = STATEMENT_TABLE[st.tlp][st.group === 0 ? "open" : "group"];
            return audience.kind === "member" ? row.member && memberEntitled(e, viewer, st.group) : row[audience.kind];
          });
          const view = viewFor(record!, audience, entitlements);
          // Blinded records aside (none here), a view exists exactly when some statement may be shown.
          if (allowed.length === 0) {
            expect(view, audience.kind).to.equal(undefined);
            continue;
          }
          expect(view!.attestations.map((a) => a.producer).sort(), audience.kind).to.deep.equal(allowed.map(([p]) => p).sort());
          const visibleTags = new Set(allowed.map(([, st]) => st.tag));
          expect(new Set(view!.labels.tags), audience.kind).to.deep.equal(visibleTags);
          if (audience.kind === "internal") continue;
          // Its times are those of the statements it shows: a hidden statement's arrival does not show.
          expect(view!.updatedAt, `${audience.kind} updatedAt`).to.equal(Math.max(...allowed.map(([, st]) => st.at)));
          expect(view!.firstSeenAt, `${audience.kind} firstSeenAt`).to.equal(Math.min(...allowed.map(([, st]) => st.at)));
          expect(view!.revision, `${audience.kind} revision`).to.equal(Math.max(...allowed.map(([, st]) => st.at * 1000)));
        }
      }),
      { numRuns: 500 },
    );
  });

  it("an audience learns of exactly the sightings the hand-written table allows", function () {
    const scope = fc.constantFrom<SightingScope>("0", "1", "2", "3", LOCAL_SCOPE, LEGACY_SCOPE);
    const sighting = fc.record({ reporter: org, scope, count: fc.integer({ min: 1, max: 9 }) });
    fc.assert(
      fc.property(fc.array(sighting, { minLength: 1, maxLength: 10 }), entitlementsArb, org, (sightings, e, viewer) => {
        let stored: StoredSightings | undefined;
        for (const [i, s] of sightings.entries()) {
          stored = recordSighting(stored, { indicatorId: "ab".repeat(32), kind: "sighting", observedAt: now + i, count: s.count, reporter: s.reporter }, s.scope);
        }
        const entitlements = entitlementsOf(e);
        for (const audience of audiencesFor(viewer)) {
          const expected = new Map<string, number>();
          for (const s of sightings) {
            const kind = s.scope === "0" ? "open" : s.scope === LOCAL_SCOPE ? "local" : s.scope === LEGACY_SCOPE ? "legacy" : "group";
            const row = SIGHTING_TABLE[kind];
            const may = audience.kind === "member" ? row.member && (kind === "open" || kind === "group") && memberEntitled(e, viewer, Number(s.scope)) : row[audience.kind];
            if (may) expected.set(s.reporter, (expected.get(s.reporter) ?? 0) + s.count);
          }
          const view = sightingsFor(stored, audience, entitlements);
          const got = new Map(Object.entries(view?.byOrg ?? {}).map(([reporter, t]) => [reporter, t.sighting]));
          expect(got, audience.kind).to.deep.equal(expected);
        }
      }),
      { numRuns: 500 },
    );
  });
});
