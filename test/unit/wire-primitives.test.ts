import { expect } from "chai";
import { createCipheriv, createDecipheriv, createHash, createPrivateKey, createPublicKey, diffieHellman, hkdfSync, randomBytes } from "node:crypto";
import { ed25519, x25519 } from "@noble/curves/ed25519.js";
import { buildIndicator } from "../../node/src/model/validate.js";
import { bytesEqual, fromHex, toHex } from "../../node/src/wire/bytes.js";
import { CanonicalWriter, encodeBatchSigningPayload } from "../../node/src/wire/canonical.js";
import { decodeBatch, decodeBatchHeader, decodeSealedContent, encodeBatch, isCanonicalEncoding, WireDecodeError } from "../../node/src/wire/codec.js";
import { deploymentId } from "../../node/src/wire/deployment.js";
import { isUsableEncryptionKey, isUsableSigningKey } from "../../node/src/wire/key-checks.js";
import { hashLeaf, merkleProof, merkleRoot, merkleRootOfLeaves, verifyMerkleProof } from "../../node/src/wire/merkle.js";
import { openSealed, seal, sealedDigest, SealedOpenError, type SealedPayload } from "../../node/src/wire/sealed.js";
import { ed25519PublicKey, signEd25519, verifyEd25519 } from "../../node/src/wire/signature.js";
import { inclusionProof, isSealed, openBatch, rootMatches, signBatch } from "../../node/src/wire/batch.js";
import { TEST_DEPLOYMENT } from "../helpers/deployment.js";

const now = Date.parse("2026-11-21T12:00:00Z");

/**
 * The wire's building blocks at their edges, each against an expectation written from the
 * protocol (docs/protocol.md) rather than from the code: bytes and hex, the canonical writer,
 * deployment ids, curve key checks, Merkle proofs, sealing (with an independent implementation
 * of the documented construction) and the codec's refusals.
 */
describe("wire primitives", function () {
  describe("bytes and hex", function () {
    it("compares bytes exactly: length first, then every byte to the last", function () {
      expect(bytesEqual(Uint8Array.of(1, 2, 3), Uint8Array.of(1, 2, 3))).to.equal(true);
      expect(bytesEqual(Uint8Array.of(1, 2, 3), Uint8Array.of(1, 2, 4))).to.equal(false);
      expect(bytesEqual(Uint8Array.of(1, 2), Uint8Array.of(1, 2, 0))).to.equal(false);
      expect(bytesEqual(Uint8Array.of(1, 2, 0), Uint8Array.of(1, 2))).to.equal(false);
      expect(bytesEqual(new Uint8Array(), new Uint8Array())).to.equal(true);
    });

    it("reads hex with or without 0x, and refuses odd lengths and other characters", function () {
      expect([...fromHex("0x0aFf")]).to.deep.equal([10, 255]);
      expect([...fromHex("0aff")]).to.deep.equal([10, 255]);
      expect([...fromHex("")]).to.deep.equal([]);
      expect(toHex(Uint8Array.of(0, 171))).to.equal("00ab");
      for (const bad of ["abc", "0xzz", "zz", "0x0g", " 0a"]) expect(() => fromHex(bad), bad).to.throw(TypeError, /not a hex string/);
    });
  });

  describe("canonical writer", function () {
    it("writes big-endian integers of each width and refuses what the width cannot hold", function () {
      const bytes = new CanonicalWriter(1).u8(255).u32(0xffffffff).u64(2 ** 40 + 5).finish();
      expect(toHex(bytes)).to.equal("ff" + "ffffffff" + "0000010000000005");
      for (const [n, write] of [
        [256, (w: CanonicalWriter, x: number) => w.u8(x)],
        [-1, (w: CanonicalWriter, x: number) => w.u8(x)],
        [1.5, (w: CanonicalWriter, x: number) => w.u8(x)],
        [2 ** 32, (w: CanonicalWriter, x: number) => w.u32(x)],
        [-1, (w: CanonicalWriter, x: number) => w.u32(x)],
        [0.5, (w: CanonicalWriter, x: number) => w.u32(x)],
        [2 ** 53, (w: CanonicalWriter, x: number) => w.u64(x)],
        [-1, (w: CanonicalWriter, x: number) => w.u64(x)],
        [Number.NaN, (w: CanonicalWriter, x: number) => w.u64(x)],
      ] as const) {
        expect(() => write(new CanonicalWriter(), n), String(n)).to.throw(RangeError, new RegExp(`${String(n).replace(".", "\\.")} is not a u(8|32|64)`));
      }
      expect(toHex(new CanonicalWriter().u8(0).u32(0).u64(0).finish())).to.equal("00".repeat(13));
    });

    it("writes strings as a u32 length of their UTF-8 and blobs as a u32 length and bytes, growing as needed", function () {
      const text = "é€😀".repeat(200); // 2 + 3 + 4 bytes each: 1,800 bytes from a writer that starts at 1
      const bytes = new CanonicalWriter(1).string(text).blob(Uint8Array.of(7, 8)).strings(["a", "bc"]).finish();
      const utf8 = Buffer.from(text, "utf8");
      const expected = Buffer.concat([Buffer.from([0, 0, 0x07, 0x08]), utf8, Buffer.from([0, 0, 0, 2, 7, 8]), Buffer.from([0, 0, 0, 2, 0, 0, 0, 1, 0x61, 0, 0, 0, 2, 0x62, 0x63])]);
      expect(utf8.length).to.equal(1800);
      expect(Buffer.from(bytes).equals(expected)).to.equal(true);
    });

    it("refuses a batch header whose deployment is not 32 bytes", function () {
      const header = { deployment: new Uint8Array(31), producer: "acme-bank", sequence: 1, createdAt: now, signingKey: new Uint8Array(32), indicatorCount: 1, sightingCount: 0, merkleRoot: new Uint8Array(32), group: 0, sealedDigest: new Uint8Array(32) };
      expect(() => encodeBatchSigningPayload(header)).to.throw(RangeError, /deployment in 32 bytes/);
      expect(encodeBatchSigningPayload({ ...header, deployment: new Uint8Array(32) }).length).to.be.greaterThan(32);
    });
  });

  describe("deployment ids", function () {
    it("are SHA-256 of the tag, the chain id and the registry's 20 bytes, whatever the address's case", function () {
      const registry = "0x5FbDB2315678afecb367f032d93F642f64180aa3";
      const tag = Buffer.from("cti-exchange/deployment/v1");
      const expected = createHash("sha256")
        .update(Buffer.concat([Buffer.from([0, 0, 0, tag.length]), tag, Buffer.from("00000000000007ea", "hex"), Buffer.from(registry.slice(2), "hex")]))
        .digest();
      expect(Buffer.from(deploymentId(2026, registry)).equals(expected)).to.equal(true);
      expect(Buffer.from(deploymentId(2026n, registry.toLowerCase())).equals(expected)).to.equal(true);
      expect(Buffer.from(deploymentId(2027, registry)).equals(expected)).to.equal(false);
      for (const bad of ["0x1234", "5FbDB2315678afecb367f032d93F642f64180aa3", "0x5FbDB2315678afecb367f032d93F642f64180aaZ"]) {
        expect(() => deploymentId(2026, bad), bad).to.throw(RangeError, /is not a registry address/);
      }
    });
  });

  describe("curve keys registered on chain", function () {
    it("takes real keys and refuses small-order, non-canonical or short ones, the same each time it is asked", function () {
      const signing = ed25519.getPublicKey(randomBytes(32));
      const encryption = x25519.getPublicKey(randomBytes(32));
      const identity = new Uint8Array(32);
      identity[0] = 1; // the ed25519 identity point, and u = 1 on Curve25519: both of small order
      const nonCanonical = fromHex("edffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f"); // y = p, not reduced
      for (let i = 0; i < 2; i++) {
        expect(isUsableSigningKey(signing)).to.equal(true);
        expect(isUsableSigningKey(identity)).to.equal(false);
        expect(isUsableSigningKey(nonCanonical)).to.equal(false);
        expect(isUsableSigningKey(signing.subarray(0, 31))).to.equal(false);
        expect(isUsableEncryptionKey(encryption)).to.equal(true);
        expect(isUsableEncryptionKey(identity)).to.equal(false);
        expect(isUsableEncryptionKey(new Uint8Array(32))).to.equal(false);
        expect(isUsableEncryptionKey(encryption.subarray(0, 31))).to.equal(false);
      }
    });

    it("verifies ed25519 signatures, and answers false (never throws) for keys and signatures of the wrong shape", function () {
      const secret = randomBytes(32);
      const key = ed25519.getPublicKey(secret);
      const message = Buffer.from("batch");
      const signature = signEd25519(message, secret);
      expect(verifyEd25519(message, signature, key)).to.equal(true);
      expect(verifyEd25519(Buffer.from("other"), signature, key)).to.equal(false);
      expect(verifyEd25519(message, signature.subarray(0, 63), key)).to.equal(false);
      expect(verifyEd25519(message, Buffer.concat([signature, Buffer.from([0])]), key)).to.equal(false);
      expect(verifyEd25519(message, signature, key.subarray(0, 31))).to.equal(false);
      expect(verifyEd25519(message, signature, fromHex("ff".repeat(32)))).to.equal(false);
    });

    it("signs and derives keys as an independent RFC 8032 implementation does (@noble/curves), byte for byte", function () {
      for (let i = 0; i < 20; i++) {
        const secret = randomBytes(32);
        const message = randomBytes(i * 7);
        expect(Buffer.from(ed25519PublicKey(secret)).equals(Buffer.from(ed25519.getPublicKey(secret)))).to.equal(true);
        // ed25519 signatures are deterministic: both must write the same 64 bytes.
        const ours = signEd25519(message, secret);
        expect(Buffer.from(ours).equals(Buffer.from(ed25519.sign(message, secret)))).to.equal(true);
        expect(ed25519.verify(ours, message, ed25519.getPublicKey(secret))).to.equal(true);
      }
      expect(() => signEd25519(Buffer.from("x"), randomBytes(31))).to.throw(RangeError);
    });
  });

  describe("Merkle trees", function () {
    const leaves = [1, 2, 3, 4, 5].map((n) => Uint8Array.of(n));
    it("needs a leaf, and proves each leaf of an odd tree, promoting the last node unpaired", function () {
      expect(() => merkleRootOfLeaves([])).to.throw(RangeError, /at least one leaf/);
      const h = leaves.map(hashLeaf);
      const node = (a: Uint8Array, b: Uint8Array) => createHash("sha256").update(Buffer.concat([Buffer.from([1]), a, b])).digest();
      // Five leaves: ((h0 h1) (h2 h3)) and h4 promoted twice.
      const expected = node(node(node(h[0]!, h[1]!), node(h[2]!, h[3]!)), h[4]!);
      expect(Buffer.from(merkleRoot(leaves)).equals(expected)).to.equal(true);
      for (let i = 0; i < leaves.length; i++) expect(verifyMerkleProof(leaves[i]!, merkleProof(h, i), expected), `leaf ${i}`).to.equal(true);
      expect(merkleProof(h, 4).siblings).to.have.length(1);
      expect(verifyMerkleProof(Uint8Array.of(9), { index: 0, leafCount: 1, siblings: [] }, hashLeaf(Uint8Array.of(9)))).to.equal(true);
    });

    it("refuses proofs of indexes out of range, of the wrong shape, or with a sibling too many or too short", function () {
      const h = leaves.map(hashLeaf);
      const root = merkleRootOfLeaves(h);
      for (const index of [-1, 5, 1.5]) expect(() => merkleProof(h, index), String(index)).to.throw(RangeError, /out of range/);
      const proof = merkleProof(h, 2);
      for (const bad of [
        { ...proof, index: -1 },
        { ...proof, index: 5 },
        { ...proof, index: 1.5 },
        { ...proof, leafCount: 2.5 },
        { ...proof, index: 4, leafCount: 4 },
        { ...proof, siblings: [...proof.siblings, new Uint8Array(32)] },
        { ...proof, siblings: proof.siblings.slice(1) },
        { ...proof, siblings: [proof.siblings[0]!.subarray(0, 31), ...proof.siblings.slice(1)] },
      ]) {
        expect(verifyMerkleProof(leaves[2]!, bad, root), JSON.stringify({ index: bad.index, leafCount: bad.leafCount, siblings: bad.siblings.length })).to.equal(false);
      }
      expect(verifyMerkleProof(leaves[2]!, proof, root)).to.equal(true);
    });
  });

  describe("sealing", function () {
    const binding = { producer: "acme-bank", sequence: 7, group: 3 };
    const orgKeys = (org: string) => {
      const secret = x25519.utils.randomSecretKey();
      return { reader: { org, encryptionSecretKey: secret }, recipient: { org, encryptionKey: x25519.getPublicKey(secret) } };
    };
    const [alice, bob, carol] = [orgKeys("alice-org"), orgKeys("bob-org"), orgKeys("carol-org")];
    const canonical = (tag: string, extra?: string) => {
      const w = new CanonicalWriter().tag(tag).string(binding.producer).u64(binding.sequence).u64(binding.group);
      if (extra !== undefined) w.string(extra);
      return Buffer.from(w.finish());
    };
    const x25519Raw = (secret: Uint8Array, pub: Uint8Array) =>
      diffieHellman({
        privateKey: createPrivateKey({ key: Buffer.concat([Buffer.from("302e020100300506032b656e04220420", "hex"), secret]), format: "der", type: "pkcs8" }),
        publicKey: createPublicKey({ key: Buffer.concat([Buffer.from("302a300506032b656e032100", "hex"), pub]), format: "der", type: "spki" }),
      });
    const gcm = (key: Uint8Array, nonce: Uint8Array, data: Uint8Array, aad: Uint8Array) => {
      const c = createCipheriv("aes-256-gcm", key, nonce).setAAD(aad);
      return Buffer.concat([c.update(data), c.final(), c.getAuthTag()]);
    };
    const kekFor = (shared: Uint8Array, ephemeral: Uint8Array, recipient: { org: string; encryptionKey: Uint8Array }) =>
      Buffer.from(hkdfSync("sha256", shared, Buffer.concat([ephemeral, recipient.encryptionKey]), canonical("cti-exchange/key-wrap/v1", recipient.org), 32));

    it("opens what an independent implementation of the documented construction sealed", function () {
      const ephemeralSecret = x25519.utils.randomSecretKey();
      const ephemeralKey = x25519.getPublicKey(ephemeralSecret);
      const contentKey = randomBytes(32);
      const nonce = randomBytes(12);
      const plaintext = Buffer.from("sealed content");
      const sealed: SealedPayload = {
        ephemeralKey,
        nonce,
        ciphertext: gcm(contentKey, nonce, plaintext, canonical("cti-exchange/sealed-content/v1")),
        recipients: [alice, bob].map(({ recipient }) => ({
          org: recipient.org,
          wrappedKey: gcm(kekFor(x25519Raw(ephemeralSecret, recipient.encryptionKey), ephemeralKey, recipient), new Uint8Array(12), contentKey, ephemeralKey),
        })),
      };
      for (const { reader } of [alice, bob]) expect(Buffer.from(openSealed(sealed, reader, binding)).equals(plaintext), reader.org).to.equal(true);
    });

    it("seals what an independent implementation opens, for each recipient and no other", function () {
      const plaintext = Buffer.from("for alice and bob");
      const sealed = seal(plaintext, [alice.recipient, bob.recipient], binding);
      expect(sealed.recipients.map((r) => r.org)).to.deep.equal(["alice-org", "bob-org"]);
      expect(sealed.recipients[0]!.wrappedKey).to.have.length(48);
      for (const { reader, recipient } of [alice, bob]) {
        const kek = kekFor(x25519Raw(reader.encryptionSecretKey, sealed.ephemeralKey), sealed.ephemeralKey, recipient);
        const wrap = sealed.recipients.find((r) => r.org === recipient.org)!.wrappedKey;
        const d = createDecipheriv("aes-256-gcm", kek, new Uint8Array(12)).setAAD(sealed.ephemeralKey);
        d.setAuthTag(wrap.subarray(32));
        const contentKey = Buffer.concat([d.update(wrap.subarray(0, 32)), d.final()]);
        const c = createDecipheriv("aes-256-gcm", contentKey, sealed.nonce).setAAD(canonical("cti-exchange/sealed-content/v1"));
        c.setAuthTag(sealed.ciphertext.subarray(sealed.ciphertext.length - 16));
        expect(Buffer.concat([c.update(sealed.ciphertext.subarray(0, sealed.ciphertext.length - 16)), c.final()]).equals(plaintext)).to.equal(true);
      }
      expect(() => seal(plaintext, [], binding)).to.throw(RangeError, /at least one recipient/);
    });

    it("names why it cannot open: not a recipient, a bad ephemeral key or wrap, a ciphertext moved or altered", function () {
      const sealed = seal(Buffer.from("x"), [alice.recipient, bob.recipient], binding);
      const failure = (payload: SealedPayload, reader = alice.reader, b = binding) => {
        try {
          openSealed(payload, reader, b);
          return "opened";
        } catch (err) {
          expect(err).to.be.instanceOf(SealedOpenError);
          expect((err as SealedOpenError).name).to.equal("SealedOpenError");
          return `${(err as SealedOpenError).failure}: ${(err as Error).message}`;
        }
      };
      expect(failure(sealed, carol.reader)).to.equal("NOT_A_RECIPIENT: the batch is not sealed for carol-org");
      const smallOrder = new Uint8Array(32);
      smallOrder[0] = 1;
      expect(failure({ ...sealed, ephemeralKey: smallOrder })).to.match(/^BAD_KEY_WRAP: unusable ephemeral key/);
      const wrap = Buffer.from(sealed.recipients[0]!.wrappedKey);
      wrap[0]! ^= 1;
      expect(failure({ ...sealed, recipients: [{ org: "alice-org", wrappedKey: wrap }] })).to.equal("BAD_KEY_WRAP: the content key wrapped for alice-org does not open with its key");
      expect(failure({ ...sealed, recipients: [{ org: "alice-org", wrappedKey: new Uint8Array(10) }] })).to.match(/^BAD_KEY_WRAP/);
      // Bob's wrap under Alice's name does not open for Alice: each wrap is bound to its org.
      expect(failure({ ...sealed, recipients: [{ org: "alice-org", wrappedKey: sealed.recipients[1]!.wrappedKey }] })).to.match(/^BAD_KEY_WRAP/);
      const ciphertext = Buffer.from(sealed.ciphertext);
      ciphertext[0]! ^= 1;
      expect(failure({ ...sealed, ciphertext })).to.equal("BAD_CIPHERTEXT: the ciphertext does not authenticate under its content key");
      expect(failure({ ...sealed, ciphertext: new Uint8Array(15) })).to.match(/^BAD_CIPHERTEXT/);
      // Moved into another batch (another sequence): the key wrap's binding no longer holds.
      expect(failure(sealed, alice.reader, { ...binding, sequence: 8 })).to.match(/^BAD_/);
      expect(failure(sealed)).to.equal("opened");
    });

    it("digests every part of a sealed payload, each recipient's wrap included", function () {
      const sealed = seal(Buffer.from("x"), [alice.recipient, bob.recipient], binding);
      const digest = toHex(sealedDigest(sealed));
      const changed = [
        { ...sealed, recipients: sealed.recipients.slice(0, 1) },
        { ...sealed, recipients: [sealed.recipients[0]!, { ...sealed.recipients[1]!, org: "other-org" }] },
        { ...sealed, recipients: [sealed.recipients[0]!, { ...sealed.recipients[1]!, wrappedKey: new Uint8Array(48) }] },
        { ...sealed, nonce: new Uint8Array(12) },
      ];
      for (const other of changed) expect(toHex(sealedDigest(other))).to.not.equal(digest);
    });
  });

  describe("batches and the codec", function () {
    const secret = randomBytes(32);
    const indicator = (value: string, extra: object = {}) => buildIndicator({ type: "domain", value, ...extra }, { producer: "acme-bank", now });
    const reader = { org: "acme-bank", encryptionSecretKey: x25519.utils.randomSecretKey() };
    const self = { org: "acme-bank", encryptionKey: x25519.getPublicKey(reader.encryptionSecretKey) };
    const sighting = { indicatorId: "ab".repeat(32), kind: "sighting" as const, observedAt: now, count: 1, reporter: "acme-bank" };

    it("seals a group batch for its recipients only, salting indicators and sightings alike", function () {
      expect(() => signBatch({ deployment: TEST_DEPLOYMENT, producer: "acme-bank", sequence: 1, createdAt: now, group: 2, indicators: [indicator("a.example", { tlp: "AMBER", group: 2 })] }, secret)).to.throw(
        RangeError,
        /needs recipients/,
      );
      const { batch, content } = signBatch(
        { deployment: TEST_DEPLOYMENT, producer: "acme-bank", sequence: 1, createdAt: now, group: 2, indicators: [indicator("a.example", { tlp: "AMBER", group: 2 })], sightings: [sighting, { ...sighting, kind: "expired" }] },
        secret,
        [self],
      );
      expect(isSealed(batch)).to.equal(true);
      expect(content.salts).to.have.length(3);
      expect(rootMatches(batch, openBatch(batch, reader))).to.equal(true);
      const open = signBatch({ deployment: TEST_DEPLOYMENT, producer: "acme-bank", sequence: 2, createdAt: now, group: 0, indicators: [indicator("b.example")] }, secret).batch;
      expect(isSealed(open)).to.equal(false);
      expect(openBatch(open, reader).indicators.map((i) => i.value)).to.deep.equal(["b.example"]);
    });

    it("matches a root only with the stated counts of indicators and sightings", function () {
      const { batch, content } = signBatch({ deployment: TEST_DEPLOYMENT, producer: "acme-bank", sequence: 1, createdAt: now, group: 0, indicators: [indicator("a.example")], sightings: [sighting] }, secret);
      expect(rootMatches(batch, content)).to.equal(true);
      expect(rootMatches({ ...batch, indicatorCount: 2 }, content)).to.equal(false);
      expect(rootMatches({ ...batch, sightingCount: 0 }, content)).to.equal(false);
      expect(rootMatches({ ...batch, indicatorCount: 0, sightingCount: 0 }, { ...content, indicators: [], sightings: [] })).to.equal(false);
      expect(() => inclusionProof(batch, content, 1)).to.throw(RangeError, /no indicator at 1/);
      expect(inclusionProof(batch, content, 0).proof.leafCount).to.equal(2);
    });

    it("decodes labels a producer left out as empty lists, and AMBER+STRICT back from its wire name", function () {
      const bare = indicator("a.example", { tlp: "AMBER+STRICT", group: 2 });
      const { batch } = signBatch({ deployment: TEST_DEPLOYMENT, producer: "acme-bank", sequence: 1, createdAt: now, group: 2, indicators: [bare] }, secret, [self]);
      const content = openBatch(decodeBatch(encodeBatch(batch)), reader);
      expect(content.indicators[0]!.labels).to.deep.equal({ malwareFamilies: [], attackTechniques: [], tags: [] });
      expect(content.indicators[0]!.tlp).to.equal("AMBER+STRICT");
      expect(content.blindingKey).to.equal(undefined);
    });

    it("refuses bytes that are not what it encodes, with a WireDecodeError that names the field", function () {
      const { batch } = signBatch({ deployment: TEST_DEPLOYMENT, producer: "acme-bank", sequence: 1, createdAt: now, group: 0, indicators: [indicator("a.example")] }, secret);
      const bytes = encodeBatch(batch);
      expect(isCanonicalEncoding(bytes, batch)).to.equal(true);
      const flipped = Buffer.from(bytes);
      flipped[flipped.length - 1]! ^= 1;
      expect(isCanonicalEncoding(flipped, batch)).to.equal(false);
      expect(isCanonicalEncoding(Buffer.concat([bytes, Buffer.from([0x78, 0x01])]), batch)).to.equal(false);
      expect(isCanonicalEncoding(bytes.subarray(0, bytes.length - 1), batch)).to.equal(false);
      // Field 2 (producer) sent as a varint: wrong wire type.
      const wrongType = Buffer.concat([Buffer.from([0x10, 0x01]), bytes]);
      expect(() => decodeBatchHeader(wrongType)).to.throw(WireDecodeError, /field 2 has wire type 0, not 2/);
      const header = decodeBatchHeader(Buffer.concat([bytes, Buffer.from([0xf8, 0x01, 0x05])]));
      expect(header.unknownFields).to.deep.equal([31]);
      expect(header).to.deep.include({ producer: "acme-bank", sequence: 1, indicatorEntries: 1, sightingEntries: 0, indicatorCount: 1 });
      expect(() => decodeBatchHeader(Uint8Array.of(0x12, 0x05, 0x61))).to.throw(WireDecodeError, /^not an IndicatorBatch/);
      expect(() => decodeSealedContent(Uint8Array.of(0x0a, 0xff, 0xff))).to.throw(WireDecodeError, /^not a SealedContent/);
      const error = new WireDecodeError("x");
      expect(error.name).to.equal("WireDecodeError");
    });
  });
});
