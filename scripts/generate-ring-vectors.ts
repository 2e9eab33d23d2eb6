/**
 * Writes test/fixtures/ring-signature-vectors.json once: ring signatures made with fixed keys and
 * a deterministic byte stream, which test/unit/ring-signature.test.ts checks on every run, so the
 * signature format (transcript, encoding, hashes) cannot drift unnoticed. Run it again only for a
 * deliberate new version of the format (and a new domain tag).
 *
 *   npx tsx scripts/generate-ring-vectors.ts
 */
import { writeFile } from "node:fs/promises";
import { encodeRingSignature, ringKeyPair, ringSign } from "../node/src/wire/ring-signature.js";
import { seed32, seededBytes } from "../test/helpers/ring-vectors.js";

const hex = (b: Uint8Array) => Buffer.from(b).toString("hex");
const vectors = [
  { ring: 1, signer: 0, message: "a sighting", scope: "indicator-1|epoch-7" },
  { ring: 3, signer: 2, message: "", scope: "" },
  { ring: 8, signer: 5, message: "cti-exchange anonymous sighting", scope: "indicator-2|epoch-7" },
  { ring: 16, signer: 0, message: "x".repeat(1000), scope: "indicator-2|epoch-8" },
].map((v, k) => {
  const keys = Array.from({ length: v.ring }, (_, i) => ringKeyPair(seed32(`vector-${k}-member-${i}`)));
  const signature = ringSign(Buffer.from(v.message), keys.map((key) => key.publicKey), keys[v.signer]!.secretKey, Buffer.from(v.scope), seededBytes(`vector-${k}`));
  return {
    ...v,
    seeds: keys.map((_, i) => `vector-${k}-member-${i}`),
    random: `vector-${k}`,
    publicKeys: keys.map((key) => hex(key.publicKey)),
    keyImage: hex(signature.keyImage),
    signature: hex(encodeRingSignature(signature)),
  };
});
await writeFile("test/fixtures/ring-signature-vectors.json", `${JSON.stringify({ format: "cti-exchange/ring-signature/v1", vectors }, null, 2)}\n`);
console.log(`wrote ${vectors.length} vectors`);
