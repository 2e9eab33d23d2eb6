import { createPrivateKey, createPublicKey, type KeyObject } from "node:crypto";

/**
 * Raw 32-byte curve keys as node:crypto KeyObjects, cached: building a KeyObject costs more than
 * the operation it serves, and the consortium has a few hundred keys at most. The DER prefixes
 * wrap a raw key into SPKI or PKCS#8 (RFC 8410).
 */

const SPKI_PREFIX = {
  ed25519: Buffer.from("302a300506032b6570032100", "hex"),
  x25519: Buffer.from("302a300506032b656e032100", "hex"),
} as const;
const X25519_PKCS8_PREFIX = Buffer.from("302e020100300506032b656e04220420", "hex");
const ED25519_PKCS8_PREFIX = Buffer.from("302e020100300506032b657004220420", "hex");
const MAX_CACHED_KEYS = 4096;
const publicKeys = new Map<string, KeyObject>();
const privateKeys = new WeakMap<Uint8Array, KeyObject>();
const signingKeys = new WeakMap<Uint8Array, KeyObject>();

export type CurveName = keyof typeof SPKI_PREFIX;

export function publicKeyObject(curve: CurveName, raw: Uint8Array): KeyObject {
  const cacheKey = `${curve}:${Buffer.from(raw).toString("base64")}`;
  let key = publicKeys.get(cacheKey);
  // Stryker disable next-line ConditionalExpression: with or without the cache the KeyObject is the same; only speed differs (npm run bench).
  if (!key) {
    key = createPublicKey({ key: Buffer.concat([SPKI_PREFIX[curve], raw]), format: "der", type: "spki" });
    // The bound only stops a flood of bogus keys from growing the cache.
    // Stryker disable next-line all: the cache's bound and filling change memory and speed, never a result.
    if (publicKeys.size >= MAX_CACHED_KEYS) publicKeys.delete(publicKeys.keys().next().value!);
    // Stryker disable next-line all: as above.
    publicKeys.set(cacheKey, key);
  }
  return key;
}

/** An X25519 secret as a KeyObject, cached per secret array (a node's own key is one stable array). */
export function x25519PrivateKeyObject(secret: Uint8Array): KeyObject {
  let key = privateKeys.get(secret);
  // Stryker disable next-line ConditionalExpression: a cache; the KeyObject is the same either way.
  if (!key) {
    key = createPrivateKey({ key: Buffer.concat([X25519_PKCS8_PREFIX, secret]), format: "der", type: "pkcs8" });
    // Stryker disable next-line all: as above.
    privateKeys.set(secret, key);
  }
  return key;
}

/** An ed25519 secret (the 32-byte seed of RFC 8032) as a KeyObject, cached per secret array (a node's own key is one stable array). */
export function ed25519PrivateKeyObject(secret: Uint8Array): KeyObject {
  if (secret.length !== 32) throw new RangeError("an ed25519 secret key is 32 bytes");
  let key = signingKeys.get(secret);
  // Stryker disable next-line ConditionalExpression: a cache; the KeyObject is the same either way.
  if (!key) {
    key = createPrivateKey({ key: Buffer.concat([ED25519_PKCS8_PREFIX, secret]), format: "der", type: "pkcs8" });
    // Stryker disable next-line all: as above.
    signingKeys.set(secret, key);
  }
  return key;
}

/** The raw 32 bytes of an X25519 or ed25519 public KeyObject. */
export function rawPublicKey(key: KeyObject): Uint8Array {
  return new Uint8Array(key.export({ format: "der", type: "spki" }).subarray(12));
}
