/**
 * Ring signatures (issue 20's goal: at least 20 verifications/s of a 64-member ring on one core):
 * sign and verify time and signature size for rings of 8, 16, 64 and 128 members. A node verifies
 * many signatures with one ring (the members at a block), so the ring's precomputation (once per
 * key, cached) is shown apart, as the first verification with a new ring. Beside them, measured in
 * the same run, the floor: one ristretto255 multiplication of an arbitrary point by a scalar
 * (a verification makes two per member beside two with precomputed tables).
 *
 *   npm run bench
 */
import { randomBytes } from "node:crypto";
import { ristretto255 } from "@noble/curves/ed25519.js";
import { encodeRingSignature, ringKeyPair, ringSign, ringVerify } from "../src/wire/ring-signature.js";

const SIZES = [8, 16, 64, 128];
const GOAL_AT_64 = 20;
const message = Buffer.from("an anonymous sighting of indicator 5b1f... in epoch 412");
const scope = Buffer.from("indicator:5b1f...|epoch:412");

function timeMs(runs: number, work: () => void): number {
  work();
  const start = performance.now();
  for (let i = 0; i < runs; i++) work();
  return (performance.now() - start) / runs;
}

const order = ristretto255.Point.Fn.ORDER;
const point = ristretto255.Point.BASE.multiply(12345n);
const scalarMs = timeMs(50, () => point.multiplyUnsafe(BigInt(`0x${randomBytes(32).toString("hex")}`) % order));

console.log(`ring signatures: bLSAG over ristretto255 (@noble/curves), one core (${process.version})`);
console.log("| ring | sign ms | first verification (new ring) ms | verify ms | verifications/s | signature bytes | goal |");
console.log("| ---: | ---: | ---: | ---: | ---: | ---: | --- |");
for (const size of SIZES) {
  const keys = Array.from({ length: size }, () => ringKeyPair(randomBytes(32)));
  const ring = keys.map((k) => k.publicKey);
  const signer = keys[Math.floor(size / 2)]!;
  const signature = ringSign(message, ring, signer.secretKey, scope);
  const first0 = performance.now();
  if (!ringVerify(message, ring, scope, signature)) throw new Error("the bench's signature does not verify");
  const firstMs = performance.now() - first0;
  const runs = size >= 64 ? 10 : 30;
  const signMs = timeMs(Math.max(3, runs / 3), () => ringSign(message, ring, signer.secretKey, scope));
  const verifyMs = timeMs(runs, () => ringVerify(message, ring, scope, signature));
  const perSecond = 1000 / verifyMs;
  console.log(
    `| ${size} | ${signMs.toFixed(1)} | ${firstMs.toFixed(0)} | ${verifyMs.toFixed(1)} | ${perSecond.toFixed(1)} | ${encodeRingSignature(signature).length} | ${size === 64 ? `≥ ${GOAL_AT_64}/s: ${perSecond >= GOAL_AT_64 ? "met" : "not met"}` : ""} |`,
  );
}
console.log(`floor in this run: one ristretto255 multiplication of an arbitrary point, ${scalarMs.toFixed(2)} ms`);
