import { TEST_DEPLOYMENT } from "./deployment.js";
import fc from "fast-check";
import { buildIndicator } from "../../node/src/model/validate.js";
import { signBatch } from "../../node/src/wire/batch.js";
import { encodeBatch } from "../../node/src/wire/codec.js";

/** Byte-level mutations of a valid input: flips, truncations, insertions, splices. */
export function mutated(seed: Uint8Array): fc.Arbitrary<Uint8Array> {
  return fc
    .array(
      fc.oneof(
        fc.record({ op: fc.constant("flip" as const), at: fc.nat(seed.length - 1), bit: fc.nat(7) }),
        fc.record({ op: fc.constant("set" as const), at: fc.nat(seed.length - 1), value: fc.nat(255) }),
        fc.record({ op: fc.constant("cut" as const), at: fc.nat(seed.length) }),
        fc.record({ op: fc.constant("insert" as const), at: fc.nat(seed.length), bytes: fc.uint8Array({ maxLength: 8 }) }),
      ),
      { minLength: 1, maxLength: 4 },
    )
    .map((ops) => {
      let bytes = new Uint8Array(seed);
      for (const op of ops) {
        const at = Math.min(op.at, bytes.length - 1);
        if (op.op === "flip" && at >= 0) bytes[at]! ^= 1 << op.bit;
        if (op.op === "set" && at >= 0) bytes[at] = op.value;
        if (op.op === "cut") bytes = bytes.subarray(0, Math.min(op.at, bytes.length));
        if (op.op === "insert") bytes = new Uint8Array([...bytes.subarray(0, op.at), ...op.bytes, ...bytes.subarray(op.at)]);
      }
      return bytes;
    });
}

/** A valid open batch of two indicators and a sighting, signed with `secretKey`. */
export function validBatchBytes(secretKey: Uint8Array, now: number): Uint8Array {
  const indicators = [
    buildIndicator({ type: "domain", value: "evil.example", labels: { tags: ["x"] } }, { producer: "acme-bank", now }),
    buildIndicator({ type: "ipv4", value: "198.51.100.4", description: "note" }, { producer: "acme-bank", now }),
  ];
  const sightings = [{ indicatorId: "ab".repeat(32), kind: "sighting" as const, observedAt: now, count: 2, reporter: "acme-bank" }];
  return encodeBatch(signBatch({ deployment: TEST_DEPLOYMENT, producer: "acme-bank", sequence: 1, createdAt: now, group: 0, indicators, sightings }, secretKey).batch);
}

