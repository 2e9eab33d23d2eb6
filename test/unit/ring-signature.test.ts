import { expect } from "chai";
import fc from "fast-check";
import { readFileSync } from "node:fs";
import {
  decodeRingSignature,
  encodeRingSignature,
  isRingKey,
  keyImageOf,
  ringKeyPair,
  ringSign,
  ringVerify,
  RingSignatureError,
} from "../../node/src/wire/ring-signature.js";
import { seed32, seededBytes } from "../helpers/ring-vectors.js";

const hex = (b: Uint8Array) => Buffer.from(b).toString("hex");
/** Keys made once: key generation is a scalar multiplication each. */
const KEYS = Array.from({ length: 12 }, (_, i) => ringKeyPair(seed32(`property-member-${i}`)));
const OUTSIDER = ringKeyPair(seed32("property-outsider"));

/** A ring of `size` of the keys, the signer at `signer`. */
const ringOf = (size: number) => KEYS.slice(0, size).map((k) => k.publicKey);

const arbitraryCase = fc.record({
  size: fc.integer({ min: 1, max: 6 }),
  signer: fc.nat(),
  message: fc.uint8Array({ maxLength: 64 }),
  scope: fc.uint8Array({ minLength: 1, maxLength: 32 }),
});

describe("ring signatures (bLSAG over ristretto255)", function () {
  this.timeout(120_000);

  it("verifies every honest signature, and refuses it once the message, the scope or the ring changes", function () {
    fc.assert(
      fc.property(arbitraryCase, fc.uint8Array({ minLength: 1, maxLength: 8 }), ({ size, signer, message, scope }, tweak) => {
        const ring = ringOf(size);
        const who = KEYS[signer % size]!;
        const signature = ringSign(message, ring, who.secretKey, scope);
        expect(ringVerify(message, ring, scope, signature)).to.equal(true);
        expect(ringVerify(Buffer.concat([message, tweak]), ring, scope, signature), "message").to.equal(false);
        expect(ringVerify(message, ring, Buffer.concat([scope, tweak]), signature), "scope").to.equal(false);
        if (size > 1) expect(ringVerify(message, [...ring].reverse(), scope, signature), "ring order").to.equal(false);
        expect(ringVerify(message, [...ring.slice(0, -1), OUTSIDER.publicKey], scope, signature), "a key replaced").to.equal(false);
        expect(ringVerify(message, [...ring, OUTSIDER.publicKey], scope, signature), "a key added").to.equal(false);
      }),
      { numRuns: 25 },
    );
  });

  it("refuses a signature with any one byte changed", function () {
    const ring = ringOf(4);
    const message = Buffer.from("anonymous sighting");
    const scope = Buffer.from("indicator|epoch");
    const bytes = encodeRingSignature(ringSign(message, ring, KEYS[2]!.secretKey, scope));
    fc.assert(
      fc.property(fc.nat({ max: bytes.length - 1 }), fc.integer({ min: 1, max: 255 }), (at, flip) => {
        const changed = Uint8Array.from(bytes);
        changed[at]! ^= flip;
        expect(ringVerify(message, ring, scope, decodeRingSignature(changed, ring.length))).to.equal(false);
      }),
      { numRuns: 60 },
    );
  });

  it("links two signatures of one member in one scope, and not in two scopes; members' key images differ", function () {
    fc.assert(
      fc.property(arbitraryCase, fc.uint8Array({ maxLength: 16 }), fc.uint8Array({ minLength: 1, maxLength: 8 }), ({ size, signer, message, scope }, other, tweak) => {
        const ring = ringOf(size);
        const who = KEYS[signer % size]!;
        const first = ringSign(message, ring, who.secretKey, scope);
        const second = ringSign(other, ring, who.secretKey, scope);
        expect(hex(second.keyImage)).to.equal(hex(first.keyImage));
        expect(hex(first.keyImage)).to.equal(hex(keyImageOf(who.secretKey, scope)));
        const elsewhere = ringSign(message, ring, who.secretKey, Buffer.concat([scope, tweak]));
        expect(hex(elsewhere.keyImage)).not.to.equal(hex(first.keyImage));
        // Another member's image in the same scope is another image.
        const another = KEYS[(signer + 1) % KEYS.length]!;
        expect(hex(keyImageOf(another.secretKey, scope))).not.to.equal(hex(first.keyImage));
        // The same member in a ring of another size links too: the image depends on the key and the scope alone.
        const bigger = ringOf(Math.max(size, (signer % size) + 1) + 1);
        expect(hex(ringSign(message, bigger, who.secretKey, scope).keyImage)).to.equal(hex(first.keyImage));
      }),
      { numRuns: 15 },
    );
  });

  it("lets no one outside the ring sign for it", function () {
    const ring = ringOf(5);
    const message = Buffer.from("m");
    const scope = Buffer.from("s");
    expect(() => ringSign(message, ring, OUTSIDER.secretKey, scope)).to.throw(RingSignatureError, /does not hold this key/);
    // A signature made by the outsider in a ring with its own key does not verify for the members' ring.
    const forged = ringSign(message, [...ring.slice(0, 4), OUTSIDER.publicKey], OUTSIDER.secretKey, scope);
    expect(ringVerify(message, ring, scope, forged)).to.equal(false);
    // Nor does one carrying a member's key image taken from an honest signature.
    const honest = ringSign(message, ring, KEYS[1]!.secretKey, scope);
    expect(ringVerify(message, ring, scope, { ...forged, keyImage: honest.keyImage })).to.equal(false);
  });

  it("refuses malformed rings and signatures with clear errors, and never throws when verifying", function () {
    expect(() => ringSign(Buffer.from("m"), [], KEYS[0]!.secretKey, Buffer.from("s"))).to.throw(RingSignatureError, /1 to/);
    expect(() => ringSign(Buffer.from("m"), [KEYS[0]!.publicKey, KEYS[0]!.publicKey], KEYS[0]!.secretKey, Buffer.from("s"))).to.throw(RingSignatureError, /twice/);
    expect(() => decodeRingSignature(new Uint8Array(95), 1)).to.throw(RingSignatureError, /96 bytes/);
    expect(isRingKey(new Uint8Array(32))).to.equal(false);
    expect(isRingKey(new Uint8Array(32).fill(255))).to.equal(false);
    expect(isRingKey(KEYS[0]!.publicKey)).to.equal(true);
    const ring = ringOf(2);
    const signature = ringSign(Buffer.from("m"), ring, KEYS[0]!.secretKey, Buffer.from("s"));
    expect(ringVerify(Buffer.from("m"), [...ring, new Uint8Array(32).fill(255)], Buffer.from("s"), { ...signature, responses: [...signature.responses, new Uint8Array(32)] })).to.equal(false);
    expect(ringVerify(Buffer.from("m"), ring, Buffer.from("s"), { ...signature, keyImage: new Uint8Array(32) })).to.equal(false);
    expect(ringVerify(Buffer.from("m"), ring, Buffer.from("s"), { ...signature, c0: new Uint8Array(32).fill(255) })).to.equal(false);
    expect(ringVerify(Buffer.from("m"), ring, Buffer.from("s"), { ...signature, responses: signature.responses.slice(1) })).to.equal(false);
  });

  it("reproduces the fixed test vectors byte for byte", function () {
    const { format, vectors } = JSON.parse(readFileSync("test/fixtures/ring-signature-vectors.json", "utf8")) as {
      format: string;
      vectors: Array<{ signer: number; message: string; scope: string; seeds: string[]; random: string; publicKeys: string[]; keyImage: string; signature: string }>;
    };
    expect(format).to.equal("cti-exchange/ring-signature/v1");
    expect(vectors).to.have.length(4);
    for (const v of vectors) {
      const keys = v.seeds.map((seed) => ringKeyPair(seed32(seed)));
      expect(keys.map((k) => hex(k.publicKey))).to.deep.equal(v.publicKeys);
      const ring = keys.map((k) => k.publicKey);
      const signature = ringSign(Buffer.from(v.message), ring, keys[v.signer]!.secretKey, Buffer.from(v.scope), seededBytes(v.random));
      expect(hex(signature.keyImage)).to.equal(v.keyImage);
      expect(hex(encodeRingSignature(signature))).to.equal(v.signature);
      expect(ringVerify(Buffer.from(v.message), ring, Buffer.from(v.scope), decodeRingSignature(Buffer.from(v.signature, "hex"), ring.length))).to.equal(true);
    }
  });
});
