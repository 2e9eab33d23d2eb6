import { TEST_DEPLOYMENT } from "../helpers/deployment.js";
import { expect } from "chai";
import { addToKeyRing, MAX_KEYS_PER_GROUP, type BlindingKeyEntry } from "../../node/src/privacy/key-ring.js";
import { randomBytes } from "node:crypto";
import { x25519 } from "@noble/curves/ed25519.js";
import type { Indicator } from "../../node/src/model/indicator.js";
import { mergeIndicator, type IndicatorRecord } from "../../node/src/model/record.js";
import { buildIndicator } from "../../node/src/model/validate.js";
import { exportAudience, mayShow, maySeeSighting, viewFor, viewsFor, type Entitlements } from "../../node/src/privacy/audience.js";
import { blindIndicator, blindValue, deriveBlindingKey } from "../../node/src/privacy/blinding.js";
import { sealRecipients } from "../../node/src/privacy/recipients.js";
import { inclusionProof, openBatch, rootMatches, signBatch, signatureValid } from "../../node/src/wire/batch.js";
import { decodeBatch, encodeBatch } from "../../node/src/wire/codec.js";
import { encodeIndicatorCanonical } from "../../node/src/wire/canonical.js";
import { hashLeaf, verifyMerkleProof } from "../../node/src/wire/merkle.js";
import { openSealed, seal, SealedOpenError, x25519Agree } from "../../node/src/wire/sealed.js";

const now = Date.parse("2026-11-21T12:00:00Z");
const signingSecret = randomBytes(32);

function org(name: string) {
  const secret = x25519.utils.randomSecretKey();
  return { name, secret, reader: { org: name, encryptionSecretKey: secret }, recipient: { org: name, encryptionKey: x25519.getPublicKey(secret) } };
}
const [acme, bank, grid] = [org("acme-bank"), org("bank-two"), org("grid-ops")];

const amber = (value: string, extra: object = {}): Indicator =>
  buildIndicator({ type: "domain", value, tlp: "AMBER", group: 5, ...extra }, { producer: "acme-bank", now });

describe("sealing (X25519 key wraps, AES-256-GCM)", function () {
  it("agrees X25519 secrets through node:crypto exactly as @noble/curves does (RFC 7748)", function () {
    for (let i = 0; i < 20; i++) {
      const [a, b] = [x25519.utils.randomSecretKey(), x25519.utils.randomSecretKey()];
      const expected = x25519.getSharedSecret(a, x25519.getPublicKey(b));
      expect(Buffer.from(x25519Agree(a, x25519.getPublicKey(b))).equals(Buffer.from(expected))).to.equal(true);
      expect(Buffer.from(x25519Agree(b, x25519.getPublicKey(a))).equals(Buffer.from(expected))).to.equal(true);
    }
    // The all-zero point is of low order: no shared secret.
    expect(() => x25519Agree(acme.secret, new Uint8Array(32))).to.throw();
  });

  it("opens for every recipient and for nobody else", function () {
    const binding = { producer: "acme-bank", sequence: 1, group: 5 };
    const sealed = seal(new TextEncoder().encode("secret"), [acme.recipient, bank.recipient], binding);
    for (const reader of [acme, bank]) expect(new TextDecoder().decode(openSealed(sealed, reader.reader, binding))).to.equal("secret");
    expect(() => openSealed(sealed, grid.reader, binding)).to.throw(SealedOpenError).with.property("failure", "NOT_A_RECIPIENT");
    // grid-ops pretending to be bank-two: the wrap is bound to bank-two's key.
    expect(() => openSealed(sealed, { org: "bank-two", encryptionSecretKey: grid.secret }, binding))
      .to.throw(SealedOpenError)
      .with.property("failure", "BAD_KEY_WRAP");
  });

  it("binds the ciphertext to its batch: moved into another batch, it does not open", function () {
    const sealed = seal(new TextEncoder().encode("secret"), [bank.recipient], { producer: "acme-bank", sequence: 1, group: 5 });
    for (const other of [{ sequence: 2 }, { group: 6 }, { producer: "grid-ops" }]) {
      expect(() => openSealed(sealed, bank.reader, { producer: "acme-bank", sequence: 1, group: 5, ...other })).to.throw(SealedOpenError);
    }
  });

  it("round-trips a sealed batch: relays verify the signature, recipients decrypt and check the root", function () {
    const indicators = [amber("a.example"), amber("b.example", { tlp: "AMBER+STRICT" })];
    const { batch, content } = signBatch({ deployment: TEST_DEPLOYMENT, producer: "acme-bank", sequence: 3, createdAt: now, group: 5, indicators }, signingSecret, [acme.recipient, bank.recipient]);
    const bytes = encodeBatch(batch);
    for (const indicator of indicators) expect(Buffer.from(bytes).includes(Buffer.from(indicator.value))).to.equal(false);
    const relayed = decodeBatch(bytes);
    expect(relayed.indicators).to.deep.equal([]);
    expect(signatureValid(relayed)).to.equal(true);
    const opened = openBatch(relayed, bank.reader);
    expect(opened.indicators).to.deep.equal(indicators);
    expect(rootMatches(relayed, opened)).to.equal(true);
    expect(opened.salts).to.deep.equal(content.salts);
    // An inclusion proof carries its own leaf's salt only.
    const proof = inclusionProof(relayed, opened, 1);
    const leaf = new Uint8Array([...encodeIndicatorCanonical(proof.indicator), ...proof.salt!]);
    expect(verifyMerkleProof(leaf, proof.proof, relayed.merkleRoot)).to.equal(true);
  });

  it("salts the leaves, so the signed root relays see cannot confirm a guess of the content", function () {
    const guess = amber("guessed.example");
    const { batch } = signBatch({ deployment: TEST_DEPLOYMENT, producer: "acme-bank", sequence: 1, createdAt: now, group: 5, indicators: [guess] }, signingSecret, [bank.recipient]);
    // With one leaf, an unsalted root would be hashLeaf(canonical(guess)) and a relay could test it.
    expect(Buffer.from(batch.merkleRoot).equals(hashLeaf(encodeIndicatorCanonical(guess)))).to.equal(false);
  });

  it("seals for the group's active members and the producer, never for removed or suspended orgs", function () {
    const keys = new Map([acme, bank, grid].map((o) => [o.name, o.recipient.encryptionKey]));
    const active = new Set(["acme-bank", "bank-two"]);
    const recipients = sealRecipients(["bank-two", "grid-ops"], "acme-bank", {
      isActive: (o) => active.has(o),
      encryptionKey: (o) => keys.get(o),
    });
    expect(recipients.map((r) => r.org)).to.deep.equal(["acme-bank", "bank-two"]);
    const noKey = sealRecipients(["bank-two"], "acme-bank", { isActive: () => true, encryptionKey: (o) => (o === "bank-two" ? new Uint8Array(32) : keys.get(o)) });
    expect(noKey.map((r) => r.org)).to.deep.equal(["acme-bank"]);
  });

  it("leaves out a recipient whose key on chain is of small order, and seals for the others", function () {
    // u = 1 is of small order on Curve25519: every agreement with it gives zero, and node:crypto throws.
    const smallOrder = new Uint8Array(32);
    smallOrder[0] = 1;
    expect(() => x25519Agree(acme.secret, smallOrder)).to.throw();
    const keys = new Map<string, Uint8Array>([["acme-bank", acme.recipient.encryptionKey], ["bank-two", smallOrder], ["grid-ops", grid.recipient.encryptionKey]]);
    const recipients = sealRecipients(["bank-two", "grid-ops"], "acme-bank", { isActive: () => true, encryptionKey: (o) => keys.get(o) });
    expect(recipients.map((r) => r.org)).to.deep.equal(["acme-bank", "grid-ops"]);
    // The batch is sealed and opens for the others: one bad key no longer sinks the group's batches.
    const binding = { producer: "acme-bank", sequence: 1, group: 5 };
    const sealed = seal(new Uint8Array([1, 2, 3]), recipients, binding);
    expect([...openSealed(sealed, grid.reader, binding)]).to.deep.equal([1, 2, 3]);
  });
});

describe("blinding (HMAC-SHA-256 under a per-producer, per-group key)", function () {
  const members = ["acme-bank", "bank-two"];
  const key5 = deriveBlindingKey(acme.secret, 5, members);
  it("is deterministic for one key, and differs per group, per type and per value", function () {
    expect(blindValue(key5, "ipv4", "198.51.100.7")).to.equal(blindValue(deriveBlindingKey(acme.secret, 5, [...members].reverse()), "ipv4", "198.51.100.7"));
    expect(blindValue(key5, "ipv4", "198.51.100.7")).to.match(/^[0-9a-f]{64}$/);
    expect(blindValue(deriveBlindingKey(acme.secret, 6, members), "ipv4", "198.51.100.7")).to.not.equal(blindValue(key5, "ipv4", "198.51.100.7"));
    expect(blindValue(key5, "domain", "evil.example")).to.not.equal(blindValue(key5, "url", "evil.example"));
    expect(blindValue(key5, "ipv4", "198.51.100.8")).to.not.equal(blindValue(key5, "ipv4", "198.51.100.7"));
  });

  it("changes the key whenever the group's members change, and only then", function () {
    const joined = deriveBlindingKey(acme.secret, 5, [...members, "bank-three"]);
    const left = deriveBlindingKey(acme.secret, 5, ["acme-bank"]);
    for (const other of [joined, left]) expect(Buffer.from(other).equals(Buffer.from(key5))).to.equal(false);
    // The same members, listed in another order or twice, give the same key.
    expect(Buffer.from(deriveBlindingKey(acme.secret, 5, ["bank-two", "acme-bank", "bank-two"])).equals(Buffer.from(key5))).to.equal(true);
  });

  it("replaces the value and marks the indicator, keeping every other field", function () {
    const plain = amber("evil.example");
    const blinded = blindIndicator(plain, key5);
    expect(blinded).to.deep.equal({ ...plain, value: blindValue(key5, "domain", "evil.example"), blinded: true });
    expect(blindIndicator(blinded, key5)).to.equal(blinded);
  });
});

describe("audience views", function () {
  const at = (producer: string, extra: object) => buildIndicator({ type: "domain", value: "evil.example", ...extra }, { producer, now });
  function record(...statements: Indicator[]): IndicatorRecord {
    return statements.reduce<IndicatorRecord | undefined>((r, s, i) => mergeIndicator(r, s, { sequence: i + 1, index: 0 }, now), undefined)!;
  }
  const entitlements: Entitlements = { isActive: (o) => o !== "suspended", inGroup: (g, o) => g === 5 && o === "bank-two" };
  const merged = record(
    at("acme-bank", { tlp: "CLEAR", confidence: 20, labels: { tags: ["public-tag"] } }),
    at("bank-two", { tlp: "AMBER", group: 5, confidence: 60, labels: { tags: ["amber-tag"] } }),
    at("grid-ops", { tlp: "AMBER+STRICT", group: 5, confidence: 90, labels: { tags: ["strict-tag"] }, description: "internal detail" }),
    at("north-cert", { tlp: "RED", confidence: 99, labels: { tags: ["red-tag"] } }),
  );

  it("shows this org everything, merged", function () {
    expect(viewFor(merged, { kind: "internal" })).to.equal(merged);
    expect(merged).to.include({ tlp: "RED", confidence: 99 });
  });

  it("rebuilds the summary for clients from CLEAR, GREEN and AMBER statements only", function () {
    const view = viewFor(merged, { kind: "clients" })!;
    expect(view.attestations.map((a) => a.tlp)).to.deep.equal(["CLEAR", "AMBER"]);
    expect(view).to.include({ tlp: "AMBER", confidence: 60 });
    expect(view.labels.tags).to.deep.equal(["amber-tag", "public-tag"]);
    expect(JSON.stringify(view)).to.not.match(/strict-tag|red-tag|internal detail/);
  });

  it("shows the community and the public only what was shared with the whole consortium", function () {
    expect(viewFor(merged, { kind: "community" })!.attestations.map((a) => a.producer)).to.deep.equal(["acme-bank"]);
    expect(viewFor(merged, { kind: "public" })!.labels.tags).to.deep.equal(["public-tag"]);
    expect(viewFor(record(at("acme-bank", { tlp: "GREEN" })), { kind: "public" })).to.equal(undefined);
    expect(viewFor(record(at("acme-bank", { tlp: "GREEN", group: 5 })), { kind: "community" })).to.equal(undefined);
  });

  it("shows another member only what it is entitled to, and never RED", function () {
    expect(viewFor(merged, { kind: "member", orgId: "bank-two" }, entitlements)!.attestations.map((a) => a.tlp)).to.deep.equal(["CLEAR", "AMBER", "AMBER+STRICT"]);
    expect(viewFor(merged, { kind: "member", orgId: "grid-ops" }, entitlements)!.attestations.map((a) => a.tlp)).to.deep.equal(["CLEAR"]);
    expect(viewFor(merged, { kind: "member", orgId: "suspended" }, entitlements)).to.equal(undefined);
    expect(viewFor(merged, { kind: "member", orgId: "bank-two" })).to.equal(undefined);
  });

  it("keeps blinded records inside the node", function () {
    const blinded = record(blindIndicator(at("acme-bank", { tlp: "GREEN", group: 5 }), deriveBlindingKey(acme.secret, 5, ["acme-bank"])));
    expect(viewFor(blinded, { kind: "clients" })).to.equal(undefined);
    expect(viewFor(blinded, { kind: "internal" })).to.equal(blinded);
  });
});

describe("blinding key ring (privacy/key-ring.ts)", function () {
  const key = (n: number) => new Uint8Array(32).fill(n);
  it("adds a key once, keeps the last few of a producer and group, and evicts the oldest of that group only", function () {
    let ring: BlindingKeyEntry[] = [{ producer: "other", group: 1, key: key(99), learntAt: 0 }];
    for (let n = 1; n <= MAX_KEYS_PER_GROUP + 2; n++) {
      const next = addToKeyRing(ring, { producer: "acme-bank", group: 1, key: key(n), learntAt: n });
      expect(next.added).to.equal(true);
      expect(next.evicted.map((e) => e.learntAt)).to.deep.equal(n > MAX_KEYS_PER_GROUP ? [n - MAX_KEYS_PER_GROUP] : []);
      ring = next.ring;
    }
    const acme = ring.filter((e) => e.producer === "acme-bank");
    expect(acme.map((e) => e.learntAt)).to.deep.equal([3, 4, 5, 6, 7, 8, 9, 10]);
    expect(ring.some((e) => e.producer === "other")).to.equal(true);
    // A key held already is not added again, whenever it is seen.
    const again = addToKeyRing(ring, { producer: "acme-bank", group: 1, key: key(10), learntAt: 50 });
    expect(again).to.deep.include({ added: false, evicted: [] });
    expect(again.ring).to.have.length(ring.length);
    // Another group of the same producer has its own room.
    expect(addToKeyRing(ring, { producer: "acme-bank", group: 2, key: key(1), learntAt: 60 }).evicted).to.deep.equal([]);
  });
});

describe("audiences at their edges (privacy/audience.ts)", function () {
  const entitlements = { isActive: (org: string) => org !== "gone-org", inGroup: (group: number, org: string) => group === 5 && org === "bank-two" };
  const blindedRecord = () => {
    const indicator = { ...buildIndicator({ type: "domain", value: "x.example", tlp: "AMBER", group: 5 }, { producer: "acme-bank", now }), value: "ab".repeat(32), blinded: true };
    return mergeIndicator(undefined, indicator, { sequence: 1, index: 0 }, now);
  };

  it("names each export audience as itself, and shows the internal one everything", function () {
    for (const kind of ["internal", "clients", "community", "public"] as const) expect(exportAudience(kind)).to.deep.equal({ kind });
    expect(mayShow({ tlp: "RED", group: 0 }, { kind: "internal" })).to.equal(true);
    expect(viewFor(blindedRecord(), { kind: "internal" })).to.not.equal(undefined);
  });

  it("shows a blinded record to a member of its group only, never beyond", function () {
    const record = blindedRecord();
    expect(viewFor(record, { kind: "member", orgId: "bank-two" }, entitlements)?.id).to.equal(record.id);
    expect(viewFor(record, { kind: "member", orgId: "grid-ops" }, entitlements)).to.equal(undefined);
    for (const kind of ["clients", "community", "public"] as const) expect(viewFor(record, { kind }), kind).to.equal(undefined);
    expect(viewsFor([record, blindedRecord()], { kind: "member", orgId: "bank-two" }, entitlements)).to.have.length(2);
    expect(viewsFor([record], { kind: "public" })).to.deep.equal([]);
  });

  it("lets a member know of sightings of open batches while active and of a group's while in it, and of nothing local", function () {
    const member = (orgId: string) => ({ kind: "member" as const, orgId });
    expect(maySeeSighting("0", member("bank-two"), entitlements)).to.equal(true);
    expect(maySeeSighting("0", member("gone-org"), entitlements)).to.equal(false);
    expect(maySeeSighting("5", member("bank-two"), entitlements)).to.equal(true);
    expect(maySeeSighting("5", member("grid-ops"), entitlements)).to.equal(false);
    for (const scope of ["local", "legacy", "5a", "a5", "", "05x"]) expect(maySeeSighting(scope, member("bank-two"), entitlements), scope).to.equal(false);
    expect(maySeeSighting("0", member("bank-two"))).to.equal(false);
    expect(maySeeSighting("0", { kind: "public" })).to.equal(false);
    expect(maySeeSighting("0", { kind: "community" })).to.equal(true);
    expect(maySeeSighting("5", { kind: "clients" })).to.equal(false);
    expect(maySeeSighting("local", { kind: "internal" })).to.equal(true);
  });

  it("evicts the key learnt longest ago, whatever order the ring holds them in", function () {
    const key = (n: number) => new Uint8Array(32).fill(n);
    let ring: BlindingKeyEntry[] = [];
    // Loaded from the store in key order, not in the order they were learnt.
    for (const learntAt of [50, 10, 80, 30, 70, 20, 60, 40]) ring = addToKeyRing(ring, { producer: "acme-bank", group: 1, key: key(learntAt), learntAt }).ring;
    const next = addToKeyRing(ring, { producer: "acme-bank", group: 1, key: key(99), learntAt: 99 });
    expect(next.evicted.map((e) => e.learntAt)).to.deep.equal([10]);
    // Keys kept before learnt times were recorded count as the oldest.
    const legacy = addToKeyRing(next.ring, { producer: "acme-bank", group: 2, key: key(1) }).ring;
    expect(addToKeyRing(legacy, { producer: "acme-bank", group: 2, key: key(2), learntAt: 5 }, 1).evicted.map((e) => e.key[0])).to.deep.equal([1]);
  });
});
