/**
 * Receive-path throughput on one node: indicators per second through decode, validation
 * (structure, producer, Merkle root, ed25519 signature, canonical form) and the atomic LevelDB
 * write with merge, for batch sizes 1, 100 and 1000. Beside each figure: the raw cost of the
 * same signature checks alone and of writing the same records to LevelDB alone, so the
 * pipeline's overhead is visible.
 *
 *   npm run bench
 */
import { randomBytes } from "node:crypto";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ed25519 } from "@noble/curves/ed25519.js";
import { Level } from "level";
import { DEFAULT_BATCH_LIMITS, validateIndicatorBatch } from "../src/gossip/validation.js";
import { mergeIndicator } from "../src/model/record.js";
import { buildIndicator } from "../src/model/validate.js";
import { IndicatorStore } from "../src/store/indicator-store.js";
import { signBatch, signatureValid, type IndicatorBatch } from "../src/wire/batch.js";
import { encodeBatch } from "../src/wire/codec.js";

const TOTAL = Number(process.env.BENCH_INDICATORS ?? 20_000);
const secretKey = randomBytes(32);
const signingKey = ed25519.getPublicKey(secretKey);
const now = Date.now();

function makeBatches(batchSize: number, total: number): Array<{ batch: IndicatorBatch; bytes: Uint8Array }> {
  const out = [];
  let n = 0;
  for (let sequence = 1; n < total; sequence++) {
    const indicators = [];
    for (let i = 0; i < batchSize && n < total; i++, n++) {
      indicators.push(
        buildIndicator(
          { type: "domain", value: `host-${n}.bench-${batchSize}.example`, confidence: n % 100, labels: { tags: ["bench"] } },
          { producer: "bench-org", now },
        ),
      );
    }
    const { batch } = signBatch({ producer: "bench-org", sequence, createdAt: now, group: 0, indicators }, secretKey);
    out.push({ batch, bytes: encodeBatch(batch) });
  }
  return out;
}

const rate = (count: number, ms: number) => Math.round((count / ms) * 1000).toLocaleString("en-US");

async function run(batchSize: number): Promise<void> {
  const total = batchSize === 1 ? Math.min(TOTAL, 3000) : TOTAL;
  const batches = makeBatches(batchSize, total);
  const dir = await mkdtemp(join(tmpdir(), "cti-bench-"));
  try {
    // Full receive path.
    const store = await IndicatorStore.open(join(dir, "db"));
    const ctx = {
      now,
      limits: DEFAULT_BATCH_LIMITS,
      producer: (orgId: string) => ({ orgId, active: true, signingKey }),
      knownRoot: (producer: string, sequence: number) => store.batchRoots.get(producer, sequence),
    };
    let t = performance.now();
    for (const { bytes } of batches) {
      const validated = await validateIndicatorBatch(bytes, ctx);
      await store.ingestBatch(validated.batch, bytes, validated.content, validated.liveIndexes, now);
    }
    const pipelineMs = performance.now() - t;
    await store.close();

    // Signature checks alone.
    t = performance.now();
    for (const { batch } of batches) if (!signatureValid(batch)) throw new Error("bad signature in bench data");
    const verifyMs = performance.now() - t;

    // LevelDB writes alone: the same merged records and batch bytes, one atomic write per batch.
    const raw = new Level<string, string>(join(dir, "raw"), { valueEncoding: "utf8" });
    const records = batches.map(({ batch, bytes }) => ({
      bytes,
      records: batch.indicators.map((indicator, index) => mergeIndicator(undefined, indicator, { sequence: batch.sequence, index }, now)),
    }));
    t = performance.now();
    let k = 0;
    for (const { bytes, records: recs } of records) {
      await raw.batch([
        ...recs.map((r) => ({ type: "put" as const, key: `i:${r.id}`, value: JSON.stringify(r) })),
        { type: "put" as const, key: `b:${k++}`, value: Buffer.from(bytes).toString("base64") },
      ]);
    }
    const levelMs = performance.now() - t;
    await raw.close();

    console.log(
      [
        `batch size ${String(batchSize).padStart(4)}`,
        `${String(total).padStart(6)} indicators in ${String(batches.length).padStart(5)} batches`,
        `pipeline ${rate(total, pipelineMs).padStart(9)} ind/s`,
        `signature checks alone ${rate(batches.length, verifyMs).padStart(7)} batches/s (${rate(total, verifyMs)} ind/s)`,
        `LevelDB writes alone ${rate(total, levelMs).padStart(9)} ind/s`,
      ].join(" | "),
    );
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

console.log(`receive -> verify -> validate -> store, one node, one core (${process.version})`);
for (const size of [1, 100, 1000]) await run(size);
