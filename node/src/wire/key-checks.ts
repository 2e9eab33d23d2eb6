import { ed25519 } from "@noble/curves/ed25519.js";
import { x25519Agree } from "./sealed.js";

/**
 * Whether a public key registered on chain can be used at all. Keys of small order are the
 * danger: an X25519 key of small order makes every key agreement with it yield zero (node:crypto
 * then throws, so a batch sealed for a group holding it would fail), and with an ed25519 key of
 * small order a signature whose R has small order and S = 0 verifies any message, so its owner
 * could deny what it signed. The registry refuses the known encodings (contracts/utils/CurveKeys.sol);
 * nodes check every key they read, since a chain may predate that rule.
 */

const SIGNING_KEY_LENGTH = 32;
/** A fixed scalar: X25519 clamps every scalar to a multiple of 8, so any small-order point gives zero. */
const PROBE_SECRET = new Uint8Array(32).fill(0x42);
const verdicts = new Map<string, boolean>();
const MAX_CACHED = 4096;

function cached(kind: string, key: Uint8Array, decide: () => boolean): boolean {
  const id = `${kind}:${Buffer.from(key).toString("hex")}`;
  let verdict = verdicts.get(id);
  // Stryker disable next-line ConditionalExpression: a cache of a pure decision; the answer is the same either way.
  if (verdict === undefined) {
    verdict = decide();
    // Stryker disable next-line all: the cache's bound and filling change memory and speed, never a verdict.
    if (verdicts.size >= MAX_CACHED) verdicts.delete(verdicts.keys().next().value!);
    // Stryker disable next-line all: as above.
    verdicts.set(id, verdict);
  }
  return verdict;
}

/** A canonical encoding of an ed25519 point that is not of small order. */
export function isUsableSigningKey(key: Uint8Array): boolean {
  if (key.length !== SIGNING_KEY_LENGTH) return false;
  return cached("ed25519", key, () => {
    try {
      // Strict (RFC 8032) decoding: a non-canonical encoding is refused too.
      return !ed25519.Point.fromBytes(key, false).isSmallOrder();
    } catch {
      return false;
    }
  });
}

/** An X25519 public key whose agreement with any secret is not the all-zero value. */
export function isUsableEncryptionKey(key: Uint8Array): boolean {
  if (key.length !== 32) return false;
  return cached("x25519", key, () => {
    try {
      return x25519Agree(PROBE_SECRET, key).some((b) => b !== 0);
    } catch {
      return false;
    }
  });
}
