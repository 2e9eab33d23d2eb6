/**
 * wire/ring-signature.ts: linkable ring signatures (bLSAG, "back's linkable spontaneous anonymous
 * group" signatures as in Zero to Monero, 2nd ed., section 3.4) over ristretto255, with the key
 * image bound to a scope. A signature proves that the holder of one of the ring's keys signed the
 * message, not which one; two signatures by one key in one scope carry the same key image (so
 * every verifier sees the second as a repeat), while key images of different scopes cannot be
 * linked to each other or to the key (under the decisional Diffie-Hellman assumption).
 *
 * Group and hashing come from @noble/curves: the ristretto255 group (RFC 9496, prime order, no
 * cofactor to get wrong) and RFC 9380 hash-to-curve for the key image's base; nothing here needs
 * a trusted setup. The scalar hash is SHA-512 of a domain-separated transcript reduced modulo the
 * group order (64 bytes: the bias is below 2^-250). We wrote the scheme itself (about a hundred
 * lines) because no maintained npm package implements a linkable ring signature over ristretto255.
 *
 *   key image   I = x · Hp(scope)                        Hp: hash to ristretto255, DST below
 *   sign        α random; c[π+1] = Hs(T, αG, α·Hp)
 *               for i = π+1 … π-1: r[i] random, c[i+1] = Hs(T, r[i]G + c[i]P[i], r[i]Hp + c[i]I)
 *               r[π] = α − c[π]·x
 *   verify      c[i+1] = Hs(T, r[i]G + c[i]P[i], r[i]Hp + c[i]I) for every i; accept iff c[n] = c[0]
 *   T           DOMAIN ‖ n ‖ P[0] ‖ … ‖ P[n-1] ‖ len(scope) ‖ scope ‖ I ‖ len(message) ‖ message
 *
 * Encoding: I ‖ c[0] ‖ r[0] ‖ … ‖ r[n-1], 32 bytes each (n + 2 elements for a ring of n).
 * Verification is variable-time (everything it touches is public); signing is constant-time in
 * the secret (noble's multiply) except for the position π, which only the signer knows.
 */
import { createHash, randomBytes } from "node:crypto";
import { ristretto255, ristretto255_hasher } from "@noble/curves/ed25519.js";

const Point = ristretto255.Point;
type RistrettoPoint = InstanceType<typeof Point>;
const ORDER = Point.Fn.ORDER;

export const RING_KEY_LENGTH = 32;
export const MAX_RING_SIZE = 1024;
const DOMAIN = Buffer.from("cti-exchange/ring-signature/v1");
const KEY_IMAGE_DST = "cti-exchange/ring-key-image/v1";
const SECRET_DST = "cti-exchange/ring-secret/v1";
const PER_SIGNATURE_WINDOW = 4;

export class RingSignatureError extends Error {
  override readonly name = "RingSignatureError";
}

export interface RingSignature {
  keyImage: Uint8Array;
  c0: Uint8Array;
  responses: Uint8Array[];
}

function scalarToBytes(s: bigint): Uint8Array {
  const out = new Uint8Array(32);
  let v = s;
  for (let i = 0; i < 32; i++) {
    out[i] = Number(v & 0xffn);
    v >>= 8n;
  }
  return out;
}

function bytesToScalarLE(bytes: Uint8Array): bigint {
  let v = 0n;
  for (let i = bytes.length - 1; i >= 0; i--) v = (v << 8n) | BigInt(bytes[i]!);
  return v;
}

/** A canonical scalar (below the group order) from 32 bytes, or undefined. */
function canonicalScalar(bytes: Uint8Array): bigint | undefined {
  if (bytes.length !== 32) return undefined;
  const s = bytesToScalarLE(bytes);
  return s < ORDER ? s : undefined;
}

function randomScalar(random: (n: number) => Uint8Array): bigint {
  // 64 bytes reduced: uniform to within 2^-250, and never 0 in practice (retried if it is).
  for (;;) {
    const s = bytesToScalarLE(random(64)) % ORDER;
    if (s !== 0n) return s;
  }
}

const lengthPrefix = (n: number) => {
  const b = Buffer.alloc(4);
  b.writeUInt32BE(n);
  return b;
};

/** The transcript's fixed part: domain, ring, scope, key image and message, hashed once per signature. */
function transcript(ring: readonly Uint8Array[], scope: Uint8Array, keyImage: Uint8Array, message: Uint8Array): ReturnType<typeof createHash> {
  const hash = createHash("sha512").update(DOMAIN).update(lengthPrefix(ring.length));
  for (const key of ring) hash.update(key);
  return hash.update(lengthPrefix(scope.length)).update(scope).update(keyImage).update(lengthPrefix(message.length)).update(message);
}

function challenge(base: ReturnType<typeof createHash>, l: RistrettoPoint, r: RistrettoPoint): bigint {
  return bytesToScalarLE(base.copy().update(l.toBytes()).update(r.toBytes()).digest()) % ORDER;
}

/** The key image's base for a scope: a point nobody knows the discrete logarithm of. */
export function keyImageBase(scope: Uint8Array): RistrettoPoint {
  return ristretto255_hasher.hashToCurve(scope, { DST: KEY_IMAGE_DST }) as RistrettoPoint;
}

/**
 * A ring key pair from 32 bytes of secret (e.g. derived from the node's signing key): the secret
 * scalar is the seed hashed to a scalar, so any 32 bytes make a valid key.
 */
export function ringKeyPair(seed: Uint8Array): { secretKey: Uint8Array; publicKey: Uint8Array } {
  if (seed.length !== 32) throw new RingSignatureError("a ring key's seed is 32 bytes");
  const x = bytesToScalarLE(createHash("sha512").update(SECRET_DST).update(seed).digest()) % ORDER || 1n;
  return { secretKey: scalarToBytes(x), publicKey: Point.BASE.multiply(x).toBytes() };
}

/** Decoded ring keys, with their precomputed multiples: a ring is the same for many signatures. */
const decodedKeys = new Map<string, RistrettoPoint>();
const MAX_CACHED_KEYS = 4096;

function decodeKey(bytes: Uint8Array, precompute: boolean): RistrettoPoint {
  const hex = Buffer.from(bytes).toString("hex");
  let point = decodedKeys.get(hex);
  if (!point) {
    if (bytes.length !== RING_KEY_LENGTH) throw new RingSignatureError("a ring key is 32 bytes");
    try {
      point = Point.fromBytes(bytes);
    } catch {
      throw new RingSignatureError(`ring key ${hex.slice(0, 16)}... is not a ristretto255 point`);
    }
    if (point.is0()) throw new RingSignatureError("a ring key may not be the identity");
    if (precompute) {
      // A table of 2^(8-1) multiples per key: about 25 ms once, then each verification's
      // multiplication by the key costs a tenth of one without.
      point.precompute(8, false);
      if (decodedKeys.size >= MAX_CACHED_KEYS) decodedKeys.delete(decodedKeys.keys().next().value!);
      decodedKeys.set(hex, point);
    }
  }
  return point;
}

/** Whether 32 bytes are a usable ring key (a ristretto255 point other than the identity). */
export function isRingKey(bytes: Uint8Array): boolean {
  try {
    decodeKey(bytes, false);
    return true;
  } catch {
    return false;
  }
}

function checkRing(ring: readonly Uint8Array[]): void {
  if (ring.length < 1 || ring.length > MAX_RING_SIZE) throw new RingSignatureError(`a ring has 1 to ${MAX_RING_SIZE} keys`);
  const seen = new Set<string>();
  for (const key of ring) {
    const hex = Buffer.from(key).toString("hex");
    if (seen.has(hex)) throw new RingSignatureError("a ring may not hold a key twice");
    seen.add(hex);
  }
}

/** The key image of a secret key in a scope: what links two signatures of one key in that scope. */
export function keyImageOf(secretKey: Uint8Array, scope: Uint8Array): Uint8Array {
  const x = canonicalScalar(secretKey);
  if (x === undefined || x === 0n) throw new RingSignatureError("not a ring secret key");
  return keyImageBase(scope).multiply(x).toBytes();
}

/**
 * Signs `message` as one of `ring` (which must hold this key's public key) in `scope`. `random`
 * is for test vectors only: a signature's nonces must never repeat.
 */
export function ringSign(message: Uint8Array, ring: readonly Uint8Array[], secretKey: Uint8Array, scope: Uint8Array, random: (n: number) => Uint8Array = randomBytes): RingSignature {
  checkRing(ring);
  const x = canonicalScalar(secretKey);
  if (x === undefined || x === 0n) throw new RingSignatureError("not a ring secret key");
  const own = Point.BASE.multiply(x).toBytes();
  const position = ring.findIndex((key) => Buffer.from(key).equals(Buffer.from(own)));
  if (position < 0) throw new RingSignatureError("the ring does not hold this key");
  const points = ring.map((key) => decodeKey(key, false));
  const base = keyImageBase(scope);
  const image = base.multiply(x);
  const keyImage = image.toBytes();
  const fixed = transcript(ring, scope, keyImage, message);
  const n = ring.length;
  const c = new Array<bigint>(n);
  const r = new Array<bigint>(n);
  const alpha = randomScalar(random);
  c[(position + 1) % n] = challenge(fixed, Point.BASE.multiply(alpha), base.multiply(alpha));
  for (let step = 1; step < n; step++) {
    const i = (position + step) % n;
    r[i] = randomScalar(random);
    const l = Point.BASE.multiply(r[i]!).add(points[i]!.multiplyUnsafe(c[i]!));
    const rr = base.multiply(r[i]!).add(image.multiplyUnsafe(c[i]!));
    c[(i + 1) % n] = challenge(fixed, l, rr);
  }
  r[position] = (((alpha - c[position]! * x) % ORDER) + ORDER) % ORDER;
  return { keyImage, c0: scalarToBytes(c[0]!), responses: r.map(scalarToBytes) };
}

/** Whether `signature` is a valid signature of `message` by one of `ring` in `scope`. Never throws. */
export function ringVerify(message: Uint8Array, ring: readonly Uint8Array[], scope: Uint8Array, signature: RingSignature): boolean {
  try {
    checkRing(ring);
    if (signature.responses.length !== ring.length) return false;
    const c0 = canonicalScalar(signature.c0);
    if (c0 === undefined) return false;
    const image = Point.fromBytes(signature.keyImage);
    if (image.is0()) return false;
    const points = ring.map((key) => decodeKey(key, true));
    const base = keyImageBase(scope);
    // Both are multiplied once per member: a small table of their multiples pays for itself from
    // a ring of a few (a window of 4: 512 additions, then 64 per multiplication instead of ~340).
    if (ring.length >= 4) {
      base.precompute(PER_SIGNATURE_WINDOW, false);
      image.precompute(PER_SIGNATURE_WINDOW, false);
    }
    const fixed = transcript(ring, scope, signature.keyImage, message);
    let c = c0;
    for (let i = 0; i < ring.length; i++) {
      const r = canonicalScalar(signature.responses[i]!);
      if (r === undefined) return false;
      const l = Point.BASE.multiplyUnsafe(r).add(points[i]!.multiplyUnsafe(c));
      const rr = base.multiplyUnsafe(r).add(image.multiplyUnsafe(c));
      c = challenge(fixed, l, rr);
    }
    return c === c0;
  } catch {
    return false;
  }
}

export function encodeRingSignature(signature: RingSignature): Uint8Array {
  const out = new Uint8Array(32 * (signature.responses.length + 2));
  out.set(signature.keyImage, 0);
  out.set(signature.c0, 32);
  signature.responses.forEach((r, i) => out.set(r, 64 + 32 * i));
  return out;
}

/** Reads a signature for a ring of `ringSize` keys; throws RingSignatureError when the length is wrong. */
export function decodeRingSignature(bytes: Uint8Array, ringSize: number): RingSignature {
  if (bytes.length !== 32 * (ringSize + 2)) throw new RingSignatureError(`a signature for a ring of ${ringSize} is ${32 * (ringSize + 2)} bytes, not ${bytes.length}`);
  return {
    keyImage: bytes.slice(0, 32),
    c0: bytes.slice(32, 64),
    responses: Array.from({ length: ringSize }, (_, i) => bytes.slice(64 + 32 * i, 96 + 32 * i)),
  };
}
