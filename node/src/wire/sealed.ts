import { createCipheriv, createDecipheriv, createHash, createPublicKey, diffieHellman, generateKeyPairSync, hkdfSync, randomBytes } from "node:crypto";
import { CanonicalWriter } from "./canonical.js";
import { publicKeyObject, rawPublicKey, x25519PrivateKeyObject } from "./key-objects.js";

/**
 * Sealing: how a group batch is encrypted so that only the orgs it is meant for can read it,
 * while every member can still relay it and check who signed it.
 *
 * A fresh 32-byte content key per batch encrypts the content with AES-256-GCM. The key is then
 * wrapped once per recipient org: a one-time X25519 key pair per batch agrees a secret with the
 * recipient's encryption key on chain, HKDF-SHA-256 turns it into a key-encryption key bound to
 * the batch (producer, sequence, group) and to both public keys, and AES-256-GCM wraps the
 * content key under it. Each key-encryption key is used once, so a fixed nonce is safe there.
 * The batch identity is also the ciphertext's associated data, so a ciphertext cannot be moved
 * into another batch.
 *
 * X25519 runs through node:crypto (OpenSSL), like signature checks: sealing for a group costs
 * one agreement per recipient, measured here ~9x slower in pure JavaScript (npm run bench).
 * Keys are generated with @noble/curves (identity.ts); both implement RFC 7748 alike, which a
 * test checks.
 */

export const EPHEMERAL_KEY_LENGTH = 32;
export const NONCE_LENGTH = 12;
export const CONTENT_KEY_LENGTH = 32;
const TAG_LENGTH = 16;
export const WRAPPED_KEY_LENGTH = CONTENT_KEY_LENGTH + TAG_LENGTH;
/** Per-indicator salt of a sealed batch's Merkle leaves. */
export const SALT_LENGTH = 16;

const WRAP_INFO = "cti-exchange/key-wrap/v1";
const CONTENT_AAD = "cti-exchange/sealed-content/v1";
const SEALED_TAG = "cti-exchange/sealed/v1";
const ZERO_NONCE = new Uint8Array(NONCE_LENGTH);

export interface KeyWrap {
  org: string;
  wrappedKey: Uint8Array;
}

export interface SealedPayload {
  ephemeralKey: Uint8Array;
  nonce: Uint8Array;
  ciphertext: Uint8Array;
  recipients: KeyWrap[];
}

export interface SealRecipient {
  org: string;
  /** X25519 public key from the member's record on chain. */
  encryptionKey: Uint8Array;
}

/** The batch a sealed payload belongs to; bound into every key and the ciphertext. */
export interface SealBinding {
  producer: string;
  sequence: number;
  group: number;
}

export type SealedOpenFailure = "NOT_A_RECIPIENT" | "BAD_KEY_WRAP" | "BAD_CIPHERTEXT";

export class SealedOpenError extends Error {
  override readonly name = "SealedOpenError";
  constructor(
    readonly failure: SealedOpenFailure,
    message: string,
  ) {
    super(message);
  }
}

function bindingBytes(tag: string, binding: SealBinding, extra?: (w: CanonicalWriter) => void): Uint8Array {
  const writer = new CanonicalWriter().tag(tag).string(binding.producer).u64(binding.sequence).u64(binding.group);
  extra?.(writer);
  return writer.finish();
}

/** X25519(secret, public), with the peer's public key as raw bytes; throws on a low-order point. */
export function x25519Agree(secret: Uint8Array | import("node:crypto").KeyObject, publicKey: Uint8Array): Uint8Array {
  const privateKey = secret instanceof Uint8Array ? x25519PrivateKeyObject(secret) : secret;
  return diffieHellman({ privateKey, publicKey: publicKeyObject("x25519", publicKey) });
}

function keyEncryptionKey(shared: Uint8Array, ephemeralKey: Uint8Array, recipient: SealRecipient, binding: SealBinding): Buffer {
  const salt = Buffer.concat([ephemeralKey, recipient.encryptionKey]);
  const info = bindingBytes(WRAP_INFO, binding, (w) => w.string(recipient.org));
  return Buffer.from(hkdfSync("sha256", shared, salt, info, CONTENT_KEY_LENGTH));
}

function aesGcmSeal(key: Uint8Array, nonce: Uint8Array, plaintext: Uint8Array, aad: Uint8Array): Uint8Array {
  const cipher = createCipheriv("aes-256-gcm", key, nonce);
  cipher.setAAD(aad);
  return Buffer.concat([cipher.update(plaintext), cipher.final(), cipher.getAuthTag()]);
}

function aesGcmOpen(key: Uint8Array, nonce: Uint8Array, sealed: Uint8Array, aad: Uint8Array): Uint8Array | undefined {
  if (sealed.length < TAG_LENGTH) return undefined;
  try {
    const decipher = createDecipheriv("aes-256-gcm", key, nonce);
    decipher.setAAD(aad);
    decipher.setAuthTag(sealed.subarray(sealed.length - TAG_LENGTH));
    return Buffer.concat([decipher.update(sealed.subarray(0, sealed.length - TAG_LENGTH)), decipher.final()]);
  } catch {
    return undefined;
  }
}

/** Encrypts `plaintext` so that exactly `recipients` can open it. */
export function seal(plaintext: Uint8Array, recipients: SealRecipient[], binding: SealBinding): SealedPayload {
  if (recipients.length === 0) throw new RangeError("a sealed payload needs at least one recipient");
  const contentKey = randomBytes(CONTENT_KEY_LENGTH);
  const nonce = randomBytes(NONCE_LENGTH);
  const ephemeral = generateKeyPairSync("x25519");
  const ephemeralKey = rawPublicKey(ephemeral.publicKey);
  const wraps = recipients.map((recipient): KeyWrap => {
    const shared = x25519Agree(ephemeral.privateKey, recipient.encryptionKey);
    const kek = keyEncryptionKey(shared, ephemeralKey, recipient, binding);
    return { org: recipient.org, wrappedKey: aesGcmSeal(kek, ZERO_NONCE, contentKey, ephemeralKey) };
  });
  return {
    ephemeralKey,
    nonce,
    ciphertext: aesGcmSeal(contentKey, nonce, plaintext, bindingBytes(CONTENT_AAD, binding)),
    recipients: wraps,
  };
}

/** The reader side: an org and its X25519 secret key. */
export interface SealReader {
  org: string;
  encryptionSecretKey: Uint8Array;
}

/** Decrypts a sealed payload for `reader`; throws SealedOpenError when it cannot. */
export function openSealed(sealed: SealedPayload, reader: SealReader, binding: SealBinding): Uint8Array {
  const wrap = sealed.recipients.find((r) => r.org === reader.org);
  if (!wrap) throw new SealedOpenError("NOT_A_RECIPIENT", `the batch is not sealed for ${reader.org}`);
  let shared: Uint8Array;
  try {
    shared = x25519Agree(reader.encryptionSecretKey, sealed.ephemeralKey);
  } catch (err) {
    throw new SealedOpenError("BAD_KEY_WRAP", `unusable ephemeral key: ${(err as Error).message}`);
  }
  const self = { org: reader.org, encryptionKey: rawPublicKey(createPublicKey(x25519PrivateKeyObject(reader.encryptionSecretKey))) };
  const contentKey = aesGcmOpen(keyEncryptionKey(shared, sealed.ephemeralKey, self, binding), ZERO_NONCE, wrap.wrappedKey, sealed.ephemeralKey);
  if (!contentKey || contentKey.length !== CONTENT_KEY_LENGTH) {
    throw new SealedOpenError("BAD_KEY_WRAP", `the content key wrapped for ${reader.org} does not open with its key`);
  }
  const plaintext = aesGcmOpen(contentKey, sealed.nonce, sealed.ciphertext, bindingBytes(CONTENT_AAD, binding));
  if (!plaintext) throw new SealedOpenError("BAD_CIPHERTEXT", "the ciphertext does not authenticate under its content key");
  return plaintext;
}

/** SHA-256 of the canonical encoding of a sealed payload: what the producer's signature covers. */
export function sealedDigest(sealed: SealedPayload): Uint8Array {
  const writer = new CanonicalWriter()
    .tag(SEALED_TAG)
    .blob(sealed.ephemeralKey)
    .blob(sealed.nonce)
    .blob(sealed.ciphertext)
    .u32(sealed.recipients.length);
  for (const wrap of sealed.recipients) writer.string(wrap.org).blob(wrap.wrappedKey);
  return createHash("sha256").update(writer.finish()).digest();
}

export const OPEN_BATCH_DIGEST = new Uint8Array(32);
