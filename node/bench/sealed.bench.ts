/**
 * Cost of privacy on one core: sealing a group batch at the producer (one X25519 and one key
 * wrap per recipient, one AES-256-GCM over the content), checking it at a relay (signature over
 * header, root and ciphertext digest, no decryption) and opening and checking it at a recipient,
 * for groups of 2, 10 and 50 orgs and batches of 100 indicators; and the HMAC rate that bounds
 * blinded lookups. Beside each: the open-batch figure measured the same way.
 *
 *   npm run bench
 */
import { randomBytes } from "node:crypto";
import { ed25519, x25519 } from "@noble/curves/ed25519.js";
import { DEFAULT_BATCH_LIMITS, validateIndicatorBatch } from "../src/gossip/validation.js";
import type { Indicator } from "../src/model/indicator.js";
import { buildIndicator } from "../src/model/validate.js";
import { blindValue, deriveBlindingKey } from "../src/privacy/blinding.js";
import { signBatch } from "../src/wire/batch.js";
import { encodeBatch } from "../src/wire/codec.js";
import { deploymentId } from "../src/wire/deployment.js";

const DEPLOYMENT = deploymentId(31337, "0x5FbDB2315678afecb367f032d93F642f64180aa3");

const BATCHES = Number(process.env.BENCH_SEALED_BATCHES ?? 100);
const BATCH_SIZE = 100;
const secretKey = randomBytes(32);
const signingKey = ed25519.getPublicKey(secretKey);
const now = Date.now();
const rate = (count: number, ms: number) => Math.round((count / ms) * 1000).toLocaleString("en-US");

function indicators(batch: number, group: number): Indicator[] {
  return Array.from({ length: BATCH_SIZE }, (_, i) =>
    buildIndicator(
      { type: "domain", value: `host-${batch}-${i}.sealed.example`, tlp: group > 0 ? "AMBER" : "GREEN", group, labels: { tags: ["bench"] } },
      { producer: "bench-org", now },
    ),
  );
}

async function run(recipientCount: number): Promise<void> {
  const orgs = Array.from({ length: recipientCount }, (_, i) => {
    const secret = x25519.utils.randomSecretKey();
    return { org: i === 0 ? "bench-org" : `org-${i}`, secret, encryptionKey: x25519.getPublicKey(secret) };
  });
  const group = recipientCount > 0 ? 1 : 0;
  const contents = Array.from({ length: BATCHES }, (_, b) => indicators(b, group));
  let t = performance.now();
  const encoded = contents.map((list, b) =>
    encodeBatch(signBatch({ deployment: DEPLOYMENT, producer: "bench-org", sequence: b + 1, createdAt: now, group, indicators: list }, secretKey, orgs).batch),
  );
  const sealMs = performance.now() - t;
  const context = (reader?: (typeof orgs)[number]) => ({
    now,
    deployment: DEPLOYMENT,
    limits: DEFAULT_BATCH_LIMITS,
    producer: (orgId: string) => ({ orgId, active: true, signingKey }),
    knownRoot: async () => undefined,
    reader: reader ? { org: reader.org, encryptionSecretKey: reader.secret } : undefined,
    entitled: () => true,
  });
  t = performance.now();
  for (const bytes of encoded) await validateIndicatorBatch(bytes, context());
  const relayMs = performance.now() - t;
  const reader = orgs.at(-1);
  t = performance.now();
  for (const bytes of encoded) {
    const validated = await validateIndicatorBatch(bytes, context(reader));
    if (validated.liveIndexes.length !== BATCH_SIZE) throw new Error("bench batch did not open");
  }
  const readMs = performance.now() - t;
  console.log(
    [
      group > 0 ? `sealed for ${String(recipientCount).padStart(2)} orgs` : "open batch         ",
      `producer sign${group > 0 ? "+seal" : "     "} ${rate(BATCHES, sealMs).padStart(6)} batches/s (${rate(BATCHES * BATCH_SIZE, sealMs).padStart(7)} ind/s)`,
      `relay check ${rate(BATCHES, relayMs).padStart(6)} batches/s`,
      `recipient ${group > 0 ? "open+check" : "check     "} ${rate(BATCHES * BATCH_SIZE, readMs).padStart(7)} ind/s`,
    ].join(" | "),
  );
}

console.log(`privacy costs, batches of ${BATCH_SIZE} indicators, one core (${process.version})`);
for (const recipients of [0, 2, 10, 50]) await run(recipients);

const key = deriveBlindingKey(randomBytes(32), 1, ["bench"]);
const HMACS = 200_000;
let t = performance.now();
for (let i = 0; i < HMACS; i++) blindValue(key, "ipv4", `198.51.${(i >> 8) & 255}.${i & 255}`);
const hmacMs = performance.now() - t;
console.log(`blinding: ${rate(HMACS, hmacMs)} HMAC-SHA-256/s (a lookup costs one per blinding key held and candidate type)`);
