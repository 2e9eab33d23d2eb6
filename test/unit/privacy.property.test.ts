import { expect } from "chai";
import { randomBytes } from "node:crypto";
import fc from "fast-check";
import { x25519 } from "@noble/curves/ed25519.js";
import { ed25519 } from "@noble/curves/ed25519.js";
import { DEFAULT_BATCH_LIMITS, validateIndicatorBatch } from "../../node/src/gossip/validation.js";
import { TLP_LEVELS, tlpNeedsGroup, type Tlp } from "../../node/src/model/indicator.js";
import { mergeIndicator, type IndicatorRecord } from "../../node/src/model/record.js";
import { buildIndicator } from "../../node/src/model/validate.js";
import { EXPORT_AUDIENCES, mayShow, viewFor, type Audience, type Entitlements } from "../../node/src/privacy/audience.js";
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
          const indicator = s.blind ? blindIndicator(plain, deriveBlindingKey(keys[s.producer].encryption, groupId)) : plain;
          const recipients =
            groupId > 0
              ? sealRecipients([...state.groups.get(groupId)!], s.producer, {
                  isActive: (o) => state.active.has(o as Org),
                  encryptionKey: (o) => keys[o as Org]?.encryptionKey,
                })
              : [];
          const { batch } = signBatch(
            {
              producer: s.producer,
              sequence,
              createdAt: now,
              group: groupId,
              indicators: [indicator],
              blindingKey: s.blind ? deriveBlindingKey(keys[s.producer].encryption, groupId) : undefined,
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

  it("a view for any audience holds only statements it may see, and all of them", function () {
    const statement = fc.record({
      producer: org,
      tlp: fc.constantFrom(...TLP_LEVELS),
      group: fc.constantFrom(0, ...GROUPS),
      confidence: fc.integer({ min: 0, max: 100 }),
      tag: fc.constantFrom("a", "b", "c", "d"),
    });
    const entitlementsArb = fc.record({ active: fc.subarray([...ORGS]), groups: fc.tuple(...GROUPS.map(() => fc.subarray([...ORGS]))) });
    fc.assert(
      fc.property(fc.array(statement, { minLength: 1, maxLength: 8 }), entitlementsArb, org, (statements, e, viewer) => {
        let record: IndicatorRecord | undefined;
        statements.forEach((st, i) => {
          const groupId = tlpNeedsGroup(st.tlp) && st.group === 0 ? 1 : st.group;
          const indicator = buildIndicator(
            { type: "domain", value: "evil.example", tlp: st.tlp, group: groupId, confidence: st.confidence, labels: { tags: [`${st.tag}-${st.producer}`] } },
            { producer: st.producer, now: now + i },
          );
          record = mergeIndicator(record, indicator, { sequence: i + 1, index: 0 }, now + i);
        });
        const entitlements: Entitlements = {
          isActive: (o) => e.active.includes(o as Org),
          inGroup: (g, o) => e.active.includes(o as Org) && (e.groups[GROUPS.indexOf(g as 1 | 2 | 3)] ?? []).includes(o as Org),
        };
        const audiences: Audience[] = [...EXPORT_AUDIENCES.map((kind) => ({ kind }) as Audience), { kind: "member", orgId: viewer }];
        for (const audience of audiences) {
          const allowed = record!.attestations.filter((a) => mayShow(a, audience, entitlements));
          const view = viewFor(record!, audience, entitlements);
          if (allowed.length === 0) {
            expect(view).to.equal(undefined);
            continue;
          }
          expect(view!.attestations).to.deep.equal(allowed);
          for (const a of view!.attestations) {
            if (audience.kind === "clients") expect(["CLEAR", "GREEN", "AMBER"]).to.include(a.tlp);
            if (audience.kind === "public") expect(a).to.include({ tlp: "CLEAR", group: 0 });
            if (audience.kind !== "internal") expect(a.tlp).to.not.equal("RED");
          }
          const visibleTags = new Set(allowed.flatMap((a) => a.labels.tags));
          for (const tag of view!.labels.tags) expect(visibleTags.has(tag)).to.equal(true);
          expect(view!.confidence).to.equal(Math.max(...allowed.map((a) => a.confidence)));
        }
      }),
      { numRuns: 500 },
    );
  });
});
