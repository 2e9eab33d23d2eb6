import { createPublicKey, sign as nodeSign, verify as nodeVerify } from "node:crypto";
import { ed25519PrivateKeyObject, publicKeyObject, rawPublicKey } from "./key-objects.js";

/**
 * ed25519 through node:crypto (OpenSSL), signing and verifying: verification is the hot path of
 * every received batch (measured here ~8,900 verifications/s with OpenSSL and cached KeyObjects
 * against ~650/s in pure JavaScript), and signing with @noble/curves, with its public key derived
 * again each time, cost about 3.5 ms a batch (about 0.05 ms now): a producer of many small batches
 * (sightings, objects) spent its time there. Both follow RFC 8032 (deterministic signatures), and
 * test/unit/wire-primitives.test.ts checks the node's signatures with @noble/curves as an
 * independent implementation, and the reverse.
 */

export const SIGNING_KEY_LENGTH = 32;
export const SIGNATURE_LENGTH = 64;

export function signEd25519(message: Uint8Array, secretKey: Uint8Array): Uint8Array {
  return new Uint8Array(nodeSign(null, message, ed25519PrivateKeyObject(secretKey)));
}

export function ed25519PublicKey(secretKey: Uint8Array): Uint8Array {
  return rawPublicKey(createPublicKey(ed25519PrivateKeyObject(secretKey)));
}

export function verifyEd25519(message: Uint8Array, signature: Uint8Array, publicKey: Uint8Array): boolean {
  if (signature.length !== SIGNATURE_LENGTH || publicKey.length !== SIGNING_KEY_LENGTH) return false;
  try {
    return nodeVerify(null, message, publicKeyObject("ed25519", publicKey), signature);
  } catch {
    // A 32-byte string that is not a point on the curve.
    return false;
  }
}
