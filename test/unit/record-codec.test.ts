import { TEST_DEPLOYMENT } from "../helpers/deployment.js";
import { expect } from "chai";
import { randomBytes } from "node:crypto";
import { join } from "node:path";
import { Level } from "level";
import { buildIndicator } from "../../node/src/model/validate.js";
import { mergeIndicator, type IndicatorRecord } from "../../node/src/model/record.js";
import { IndicatorStore } from "../../node/src/store/indicator-store.js";
import { decodeRecord, decodeRecordKey, encodeRecord, StoredRecordError } from "../../node/src/store/record-codec.js";
import { openContent, signBatch } from "../../node/src/wire/batch.js";
import { encodeBatch } from "../../node/src/wire/codec.js";
import { removeDir, tempDir } from "../helpers/nodes.js";

const now = Date.parse("2026-11-21T12:00:00Z");

function twoProducerRecord(): IndicatorRecord {
  const first = buildIndicator(
    { type: "domain", value: "evil.example", confidence: 40, tlp: "AMBER+STRICT", group: 3, labels: { tags: ["x"], malwareFamilies: ["emotet"], attackTechniques: ["T1071"] } },
    { producer: "org-b", now },
  );
  const second = buildIndicator({ type: "domain", value: "evil.example", confidence: 90, labels: { tags: ["y"] }, description: "beacon seen at 03:00" }, { producer: "org-a", now: now + 5 });
  const record = mergeIndicator(undefined, first, { sequence: 5, index: 2 }, now, now * 1000 + 7);
  return mergeIndicator(record, second, { sequence: 2 ** 40, index: 999 }, now + 5, now * 1000 + 9);
}

describe("stored record encoding", function () {
  it("gives back every field of a record, summary included, from a sixth of JSON's bytes", function () {
    const record = twoProducerRecord();
    const bytes = encodeRecord(record);
    const decoded = decodeRecord(record.id, bytes);
    expect(decoded).to.deep.equal(record);
    // Same key order as the record built in memory: what the API serializes does not change.
    expect(JSON.stringify(decoded)).to.equal(JSON.stringify(record));
    expect(bytes.length).to.be.below(JSON.stringify(record).length / 4);
  });

  it("keeps every indicator type, TLP and a blinded value", function () {
    const cases = [
      { type: "ipv4", value: "203.0.113.7", tlp: "CLEAR" },
      { type: "ipv6", value: "2001:db8::1", tlp: "GREEN" },
      { type: "cidr", value: "198.51.100.0/24", tlp: "AMBER", group: 1 },
      { type: "url", value: "http://evil.example/a", tlp: "AMBER+STRICT", group: 2 },
      { type: "email", value: "ceo@evil.example", tlp: "RED" },
      { type: "md5", value: "d41d8cd98f00b204e9800998ecf8427e", tlp: "GREEN" },
      { type: "sha1", value: "da39a3ee5e6b4b0d3255bfef95601890afd80709", tlp: "GREEN" },
      { type: "sha256", value: "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855", tlp: "GREEN" },
    ] as const;
    for (const input of cases) {
      const record = mergeIndicator(undefined, buildIndicator(input, { producer: "org-a", now }), { sequence: 0, index: 0 }, now);
      expect(decodeRecord(record.id, encodeRecord(record)), input.type).to.deep.equal(record);
    }
    const blinded = mergeIndicator(undefined, { ...buildIndicator({ type: "domain", value: "x.example" }, { producer: "org-a", now }), blinded: true, value: "ab".repeat(32) }, { sequence: 1, index: 0 }, now);
    expect(decodeRecord(blinded.id, encodeRecord(blinded))).to.deep.equal(blinded);
  });

  it("refuses bytes that are no record with a typed error naming the record", function () {
    const record = twoProducerRecord();
    const bytes = encodeRecord(record);
    const bad: Array<[string, Uint8Array]> = [
      ["unknown format", Uint8Array.of(0x02, ...bytes.subarray(1))],
      ["empty", new Uint8Array()],
      ["truncated", bytes.subarray(0, bytes.length - 3)],
      ["broken JSON", new TextEncoder().encode('{"type":')],
      ["no attestation", Uint8Array.of(0x01, 0x08, 0x04, 0x12, 0x01, 0x61)],
      ["unknown type number", Uint8Array.of(0x01, 0x08, 0x63)],
    ];
    for (const [what, value] of bad) {
      expect(() => decodeRecord(record.id, value), what).to.throw(StoredRecordError, record.id);
    }
  });

  it("reads a record's observable alone, from either format, and refuses damaged bytes the same way", function () {
    const record = twoProducerRecord();
    const key = { id: record.id, type: record.type, value: record.value, blinded: record.blinded };
    expect(decodeRecordKey(record.id, encodeRecord(record))).to.deep.equal(key);
    expect(decodeRecordKey(record.id, Buffer.from(JSON.stringify(record)))).to.deep.equal(key);
    const blinded = { ...record, blinded: true, value: "ab".repeat(32) };
    expect(decodeRecordKey(record.id, encodeRecord(blinded))).to.deep.include({ blinded: true, value: "ab".repeat(32) });
    for (const bad of [Uint8Array.of(0x01, 0x12, 0x09, 0x61), Uint8Array.of(0x01, 0x08, 0x63), Uint8Array.of(0x03)]) {
      expect(() => decodeRecordKey(record.id, bad)).to.throw(StoredRecordError, record.id);
    }
  });

  it("reads records an earlier version wrote as JSON, and writes them anew in the current format when they change", async function () {
    const dir = await tempDir("record-codec");
    try {
      const path = join(dir, "db");
      const legacy = twoProducerRecord();
      const raw = new Level<string, Uint8Array>(path, { keyEncoding: "utf8", valueEncoding: "view" });
      const indicators = raw.sublevel<string, Uint8Array>("indicators", { keyEncoding: "utf8", valueEncoding: "view" });
      await indicators.put(legacy.id, Buffer.from(JSON.stringify(legacy)));
      await raw.close();

      let store = await IndicatorStore.open(path);
      expect(await store.lookup("domain", "evil.example")).to.deep.equal(legacy);
      const indicator = buildIndicator({ type: "domain", value: "evil.example", confidence: 10 }, { producer: "org-c", now: now + 10 });
      const { batch } = signBatch({ deployment: TEST_DEPLOYMENT, producer: "org-c", sequence: 1, createdAt: now + 10, group: 0, indicators: [indicator] }, randomBytes(32));
      await store.ingestBatch(batch, encodeBatch(batch), openContent(batch), [0], now + 10);
      const merged = await store.lookup("domain", "evil.example");
      expect(merged!.attestations.map((a) => a.producer)).to.deep.equal(["org-a", "org-b", "org-c"]);
      await store.close();

      const reopened = new Level<string, Uint8Array>(path, { keyEncoding: "utf8", valueEncoding: "view" });
      const stored = await reopened.sublevel<string, Uint8Array>("indicators", { keyEncoding: "utf8", valueEncoding: "view" }).get(legacy.id);
      expect(stored![0]).to.equal(0x01);
      await reopened.close();
      store = await IndicatorStore.open(path);
      expect(await store.lookup("domain", "evil.example")).to.deep.equal(merged);
      await store.close();
    } finally {
      await removeDir(dir);
    }
  });
});
