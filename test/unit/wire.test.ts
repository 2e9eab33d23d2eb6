import { TEST_DEPLOYMENT } from "../helpers/deployment.js";
import { expect } from "chai";
import { createHash, randomBytes } from "node:crypto";
import { ed25519 } from "@noble/curves/ed25519.js";
import { buildIndicator } from "../../node/src/model/validate.js";
import { openContent, inclusionProof, leafHashes, rootMatches, signBatch, signatureValid } from "../../node/src/wire/batch.js";
import { encodeBatchSigningPayload, encodeIndicatorCanonical } from "../../node/src/wire/canonical.js";
import { decodeBatch, encodeBatch, WireDecodeError } from "../../node/src/wire/codec.js";
import { hashLeaf, merkleProof, merkleRoot, merkleRootOfLeaves, verifyMerkleProof } from "../../node/src/wire/merkle.js";
import { signEd25519, verifyEd25519 } from "../../node/src/wire/signature.js";

const now = Date.parse("2026-11-21T12:00:00Z");
const indicator = (value: string, extra: object = {}) =>
  buildIndicator({ type: "domain", value, ...extra }, { producer: "acme-bank", now });

describe("canonical encoding", function () {
  it("keeps the bytes of version 1: a fixed indicator encodes to a pinned digest", function () {
    // Signatures already on the wire and anchored on chain cover these bytes: any change to the
    // encoder that alters them is a new wire version, not a refactoring.
    const fixed = indicator("évil.example", { confidence: 70, description: "C2 ☃", labels: { tags: ["x"], malwareFamilies: ["emotet"] } });
    const bytes = encodeIndicatorCanonical(fixed);
    expect(bytes.length).to.equal(138);
    expect(createHash("sha256").update(bytes).digest("hex")).to.equal("4fc33846180b64dfb480285a3d4a206119739892b6a66ca6fce59a3771ca1094");
  });

  it("is deterministic and changes with every field", function () {
    const base = indicator("evil.example", { confidence: 70, labels: { tags: ["x"] } });
    const bytes = encodeIndicatorCanonical(base);
    expect(encodeIndicatorCanonical({ ...base })).to.deep.equal(bytes);
    const variants = [
      { ...base, value: "evil2.example" },
      { ...base, tlp: "AMBER" as const },
      { ...base, confidence: 71 },
      { ...base, validFrom: base.validFrom + 1 },
      { ...base, validUntil: base.validUntil + 1 },
      { ...base, labels: { ...base.labels, tags: ["y"] } },
      { ...base, labels: { ...base.labels, malwareFamilies: ["x"], tags: [] } },
      { ...base, producer: "north-cert" },
      { ...base, createdAt: base.createdAt + 1 },
      { ...base, group: 1 },
      { ...base, blinded: true },
      { ...base, description: "x" },
    ];
    for (const variant of variants) expect(encodeIndicatorCanonical(variant)).to.not.deep.equal(bytes);
  });

  it("separates fields so that shifting bytes between them changes the encoding", function () {
    const a = indicator("ab.example", { labels: { tags: ["c"] } });
    const b = { ...a, labels: { ...a.labels, tags: ["", "c"] } };
    expect(encodeIndicatorCanonical(a)).to.not.deep.equal(encodeIndicatorCanonical(b));
  });

  it("binds the batch header into the signing payload", function () {
    const header = {
      deployment: TEST_DEPLOYMENT,
      producer: "acme-bank",
      sequence: 1,
      createdAt: now,
      signingKey: new Uint8Array(32),
      indicatorCount: 1,
      sightingCount: 0,
      merkleRoot: new Uint8Array(32),
      group: 0,
      sealedDigest: new Uint8Array(32),
    };
    const payload = encodeBatchSigningPayload(header);
    expect(encodeBatchSigningPayload({ ...header, sequence: 2 })).to.not.deep.equal(payload);
    expect(encodeBatchSigningPayload({ ...header, indicatorCount: 2 })).to.not.deep.equal(payload);
    expect(encodeBatchSigningPayload({ ...header, sightingCount: 1 })).to.not.deep.equal(payload);
    expect(encodeBatchSigningPayload({ ...header, group: 3 })).to.not.deep.equal(payload);
    expect(encodeBatchSigningPayload({ ...header, sealedDigest: new Uint8Array(32).fill(1) })).to.not.deep.equal(payload);
    // Another deployment, another payload: a batch cannot be replayed into another consortium.
    expect(encodeBatchSigningPayload({ ...header, deployment: new Uint8Array(32).fill(2) })).to.not.deep.equal(payload);
    expect(() => encodeBatchSigningPayload({ ...header, deployment: new Uint8Array(31) })).to.throw(RangeError);
    // The version is signed: version 3 without objects is not version 2's payload.
    expect(encodeBatchSigningPayload({ ...header, version: 3 })).to.not.deep.equal(payload);
    expect(encodeBatchSigningPayload({ ...header, version: 2 })).to.deep.equal(payload);
  });

  it("refuses a batch relabelled from one wire version to the other (found by fuzzing), and equivocation evidence of a version 3 batch verifies", async function () {
    const { provesEquivocation, signedHeaderOf } = await import("../../node/src/trust/equivocation.js");
    const secretKey = randomBytes(32);
    const sign = (tags: string[], value = "evil.example") =>
      signBatch({ deployment: TEST_DEPLOYMENT, producer: "acme-bank", sequence: 1, createdAt: now, group: 0, indicators: [buildIndicator({ type: "domain", value, labels: { tags } }, { producer: "acme-bank", now })], sightings: [] }, secretKey).batch;
    const plain = sign(["x"]);
    const tagged = sign(["PAP:RED"]);
    expect([plain.version, tagged.version]).to.deep.equal([2, 3]);
    expect(signatureValid(plain) && signatureValid(tagged)).to.equal(true);
    expect(signatureValid({ ...plain, version: 3 })).to.equal(false);
    expect(signatureValid({ ...tagged, version: 2 })).to.equal(false);
    // Two version 3 batches of one sequence: the evidence carries what their signatures cover.
    const other = sign(["PAP:RED"], "other.example");
    expect(provesEquivocation({ first: signedHeaderOf(tagged), second: signedHeaderOf(other) }, ed25519.getPublicKey(secretKey))).to.equal(true);
  });
});

describe("Merkle tree", function () {
  for (const size of [1, 2, 3, 4, 5, 7, 8, 33, 1000]) {
    it(`proves every leaf of a ${size}-leaf tree and nothing else`, function () {
      const leaves = Array.from({ length: size }, (_, i) => new TextEncoder().encode(`leaf-${i}`));
      const hashes = leaves.map(hashLeaf);
      const root = merkleRoot(leaves);
      for (let i = 0; i < size; i += Math.max(1, Math.floor(size / 17))) {
        const proof = merkleProof(hashes, i);
        expect(verifyMerkleProof(leaves[i]!, proof, root)).to.equal(true);
        expect(verifyMerkleProof(new TextEncoder().encode("forged"), proof, root)).to.equal(false);
        if (size > 1) expect(verifyMerkleProof(leaves[i]!, { ...proof, index: (i + 1) % size }, root)).to.equal(false);
      }
    });
  }

  it("does not let an odd leaf be duplicated into the same root", function () {
    const [a, b, c] = ["a", "b", "c"].map((s) => new TextEncoder().encode(s));
    expect(merkleRoot([a!, b!, c!])).to.not.deep.equal(merkleRoot([a!, b!, c!, c!]));
  });

  it("does not accept an inner node as a leaf", function () {
    const leaves = ["a", "b"].map((s) => hashLeaf(new TextEncoder().encode(s)));
    const root = merkleRootOfLeaves(leaves);
    const forgedLeaf = new Uint8Array([...leaves[0]!, ...leaves[1]!]);
    expect(verifyMerkleProof(forgedLeaf, { index: 0, leafCount: 1, siblings: [] }, root)).to.equal(false);
  });

  it("refuses an empty tree", function () {
    expect(() => merkleRoot([])).to.throw(RangeError);
  });
});

describe("signatures and batches", function () {
  const secretKey = randomBytes(32);

  it("verifies with node:crypto what @noble/curves signed, and refuses tampering", function () {
    const message = randomBytes(100);
    const signature = signEd25519(message, secretKey);
    const publicKey = ed25519.getPublicKey(secretKey);
    expect(verifyEd25519(message, signature, publicKey)).to.equal(true);
    expect(ed25519.verify(signature, message, publicKey)).to.equal(true);
    const tampered = new Uint8Array(signature);
    tampered[5]! ^= 1;
    expect(verifyEd25519(message, tampered, publicKey)).to.equal(false);
    expect(verifyEd25519(message, signature.slice(0, 63), publicKey)).to.equal(false);
    expect(verifyEd25519(message, signature, new Uint8Array(32).fill(0xff))).to.equal(false);
  });

  it("round-trips a signed batch through protobuf and keeps every indicator provable", function () {
    const indicators = [indicator("a.example"), indicator("b.example", { tlp: "CLEAR", description: "seen in a phishing wave" }), indicator("c.example")];
    const { batch } = signBatch({ deployment: TEST_DEPLOYMENT, producer: "acme-bank", sequence: 7, createdAt: now, group: 0, indicators }, secretKey);
    const decoded = decodeBatch(encodeBatch(batch));
    expect(decoded).to.deep.equal(batch);
    expect(rootMatches(decoded, openContent(decoded))).to.equal(true);
    expect(signatureValid(decoded)).to.equal(true);
    for (let i = 0; i < indicators.length; i++) {
      const proof = inclusionProof(decoded, openContent(decoded), i);
      expect(verifyMerkleProof(encodeIndicatorCanonical(proof.indicator), proof.proof, proof.merkleRoot)).to.equal(true);
    }
    expect(leafHashes({ indicators, sightings: [], salts: [] })).to.have.length(3);
  });

  it("fails to decode garbage with a typed error", function () {
    expect(() => decodeBatch(Uint8Array.of(0xff, 0xff, 0xff, 0xff, 0x0f))).to.throw(WireDecodeError);
  });
});
