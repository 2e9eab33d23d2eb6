import { TEST_DEPLOYMENT } from "../helpers/deployment.js";
import { expect } from "chai";
import { randomBytes } from "node:crypto";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { buildIndicator } from "../../node/src/model/validate.js";
import { indicatorId } from "../../node/src/model/indicator-id.js";
import { checkConsistency } from "../../node/src/store/consistency.js";
import { BatchAlreadyStoredError, IndicatorStore, StoreClosedError } from "../../node/src/store/indicator-store.js";
import { openContent, signBatch } from "../../node/src/wire/batch.js";
import { encodeBatch } from "../../node/src/wire/codec.js";
import { removeDir, tempDir } from "../helpers/nodes.js";

const now = Date.parse("2026-11-21T12:00:00Z");

describe("indicator store (real LevelDB)", function () {
  let dir: string;
  let store: IndicatorStore;
  beforeEach(async function () {
    dir = await tempDir("store");
    store = await IndicatorStore.open(join(dir, "db"));
  });
  afterEach(async function () {
    await store.close();
    await removeDir(dir);
  });

  function ingest(producer: string, sequence: number, values: Array<[string, object?]>, at = now) {
    const indicators = values.map(([value, extra]) => buildIndicator({ type: "domain", value, ...extra }, { producer, now: at }));
    const { batch } = signBatch({ deployment: TEST_DEPLOYMENT, producer, sequence, createdAt: at, group: 0, indicators }, randomBytes(32));
    return store.ingestBatch(batch, encodeBatch(batch), openContent(batch), indicators.map((_, i) => i), at);
  }

  it("merges the same indicator from two producers into one record", async function () {
    await ingest("acme-bank", 1, [["evil.example", { confidence: 40, tlp: "GREEN", labels: { tags: ["a"] }, validUntil: now + 1000 }]]);
    await ingest("north-cert", 1, [["evil.example", { confidence: 90, tlp: "AMBER", group: 3, labels: { tags: ["b"] }, validUntil: now + 5000 }]], now + 10);
    const record = await store.lookup("domain", "evil.example");
    expect(record).to.include({ confidence: 90, tlp: "AMBER", validUntil: now + 5000, id: indicatorId("domain", "evil.example") });
    expect(record!.labels.tags).to.deep.equal(["a", "b"]);
    expect(record!.attestations.map((a) => a.producer)).to.deep.equal(["acme-bank", "north-cert"]);
    const counts = await store.counts();
    expect(counts.indicators).to.equal(1);
    expect(counts.batches).to.equal(2);
    // The time index holds the record once, at its latest update.
    const listed = await store.listSince(0, 100);
    expect(listed.map((r) => r.value)).to.deep.equal(["evil.example"]);
    expect((await store.listSince(now + 11, 100)).length).to.equal(0);
  });

  it("keeps the batch bytes and root for proofs and replay checks", async function () {
    await ingest("acme-bank", 3, [["a.example"], ["b.example"]]);
    const batch = await store.batches.get("acme-bank", 3);
    expect(batch!.indicators.map((i) => i.value)).to.deep.equal(["a.example", "b.example"]);
    expect(await store.batchRoots.get("acme-bank", 3)).to.deep.equal(batch!.merkleRoot);
    expect(await store.nextSequence("acme-bank")).to.equal(4);
  });

  it("serializes concurrent merges of one indicator without losing a statement", async function () {
    await Promise.all(Array.from({ length: 20 }, (_, i) => ingest(`org-${i}`, 1, [["shared.example", { confidence: i }]])));
    const record = await store.lookup("domain", "shared.example");
    expect(record!.attestations).to.have.length(20);
    expect(record!.confidence).to.equal(19);
  });

  it("writes batches that arrive together in one group commit: every statement kept, indexes exact", async function () {
    const writes = [];
    for (let org = 0; org < 25; org++) {
      for (const sequence of [1, 2]) writes.push(ingest(`org-${org}`, sequence, [["shared.example", { confidence: org }], [`only-${org}-${sequence}.example`]], now + sequence));
    }
    await Promise.all(writes);
    const shared = (await store.lookup("domain", "shared.example"))!;
    // One attestation per producer, its latest: the second batch's statement replaced the first's.
    expect(shared.attestations.map((a) => `${a.producer}#${a.sequence}`)).to.have.members(Array.from({ length: 25 }, (_, org) => `org-${org}#2`));
    expect((await store.counts()).indicators).to.equal(51);
    expect((await store.counts()).batches).to.equal(50);
    expect(await checkConsistency(store)).to.deep.include({ ok: true, problems: [] });
  });

  it("stores one of two batches validated at the same moment under one (producer, sequence), and names the other", async function () {
    const make = (value: string) => {
      const indicators = [buildIndicator({ type: "domain", value }, { producer: "acme-bank", now })];
      return signBatch({ deployment: TEST_DEPLOYMENT, producer: "acme-bank", sequence: 7, createdAt: now, group: 0, indicators }, randomBytes(32)).batch;
    };
    const first = make("one.example");
    const second = make("two.example");
    const outcomes = await Promise.allSettled([
      store.ingestBatch(first, encodeBatch(first), openContent(first), [0], now),
      store.ingestBatch(second, encodeBatch(second), openContent(second), [0], now),
      store.ingestBatch(first, encodeBatch(first), openContent(first), [0], now),
    ]);
    expect(outcomes[0]!.status).to.equal("fulfilled");
    const equivocation = (outcomes[1] as PromiseRejectedResult).reason;
    expect(equivocation).to.be.instanceOf(BatchAlreadyStoredError).and.include({ producer: "acme-bank", sequence: 7, sameRoot: false });
    expect((outcomes[2] as PromiseRejectedResult).reason).to.be.instanceOf(BatchAlreadyStoredError).and.include({ sameRoot: true });
    expect(await store.lookup("domain", "two.example")).to.equal(undefined);
    // Later, too: the stored root decides.
    const later = await store.ingestBatch(second, encodeBatch(second), openContent(second), [0], now).catch((err: unknown) => err);
    expect(later).to.be.instanceOf(BatchAlreadyStoredError);
  });

  it("settles every write still waiting when it closes: written, or refused as closed, never left hanging", async function () {
    // 30 batches of 1,000: more than one group-commit write holds, so some wait behind the first.
    const writes = Array.from({ length: 30 }, (_, b) =>
      ingest("bulk-org", b + 1, Array.from({ length: 1000 }, (_, i): [string] => [`v${b}-${i}.bulk.example`])),
    );
    const closing = store.close();
    const outcomes = await Promise.race([
      Promise.allSettled(writes),
      new Promise<"hung">((resolve) => setTimeout(() => resolve("hung"), 20_000).unref()),
    ]);
    await closing;
    expect(outcomes).to.not.equal("hung");
    const settled = outcomes as PromiseSettledResult<void>[];
    for (const outcome of settled) if (outcome.status === "rejected") expect(outcome.reason).to.be.instanceOf(StoreClosedError);
    // What was acknowledged is there after reopening.
    store = await IndicatorStore.open(join(dir, "db"));
    const written = settled.filter((o) => o.status === "fulfilled").length;
    expect((await store.counts()).indicators).to.equal(written * 1000);
  });

  it("flushes to disk before acknowledging what only this node has, and not batches peers hold", async function () {
    await store.close();
    store = await IndicatorStore.open(join(dir, "db"), { durable: true });
    const syncs: boolean[] = [];
    type Chained = { write(options?: { sync?: boolean }): Promise<void> };
    const db = (store as unknown as { db: { batch(): Chained } }).db;
    const batch = db.batch.bind(db);
    db.batch = () => {
      const chained = batch();
      const write = chained.write.bind(chained);
      chained.write = (options) => {
        syncs.push(options?.sync === true);
        return write(options);
      };
      return chained;
    };
    await ingest("peer-org", 1, [["received.example"]]);
    const own = signBatch({ deployment: TEST_DEPLOYMENT, producer: "self-org", sequence: 1, createdAt: now, group: 0, indicators: [buildIndicator({ type: "domain", value: "own.example" }, { producer: "self-org", now })] }, randomBytes(32)).batch;
    await store.ingestBatch(own, encodeBatch(own), openContent(own), [0], now, { own: true });
    await store.storeLocal([buildIndicator({ type: "domain", value: "red.example", tlp: "RED" }, { producer: "self-org", now })], now);
    expect(syncs).to.deep.equal([false, true, true]);
  });

  it("keeps everything across close and reopen, and refuses writes once closed", async function () {
    await ingest("acme-bank", 1, [["kept.example"]]);
    await store.close();
    await store.close();
    try {
      await ingest("acme-bank", 2, [["late.example"]]);
      expect.fail("a closed store must refuse writes");
    } catch (err) {
      expect(err).to.be.instanceOf(StoreClosedError);
    }
    store = await IndicatorStore.open(join(dir, "db"));
    expect(await store.lookup("domain", "kept.example")).to.not.equal(undefined);
  });

  it("lets go of the table files a full read mapped when asked, and works on as before", async function () {
    const mappedTables = () => readFileSync("/proc/self/maps", "utf8").split("\n").filter((line) => line.includes(dir) && line.endsWith(".ldb")).length;
    await ingest("acme-bank", 1, Array.from({ length: 500 }, (_, i) => [`host-${i}.example`] as [string]));
    // Reopened, LevelDB writes what its log holds to a table file; reading every record maps it.
    await store.close();
    store = await IndicatorStore.open(join(dir, "db"));
    let read = 0;
    for await (const _ of store.allRecordKeys()) read++;
    expect(read).to.equal(500);
    expect(mappedTables()).to.be.greaterThan(0);

    await store.releaseTableMappings();
    expect(mappedTables()).to.equal(0);
    // Every bucket is open again: records, indexes, batches, counters.
    expect((await store.lookup("domain", "host-7.example"))!.value).to.equal("host-7.example");
    await ingest("acme-bank", 2, [["host-7.example"], ["new.example"]]);
    expect((await store.lookup("domain", "host-7.example"))!.attestations[0]!.sequence).to.equal(2);
    expect((await store.counts()).indicators).to.equal(501);
    expect((await checkConsistency(store)).problems).to.deep.equal([]);
  });
});

describe("blinding keys in the store (real LevelDB)", function () {
  let dir: string;
  beforeEach(async function () {
    dir = await tempDir("blinding-keys");
  });
  afterEach(async function () {
    await removeDir(dir);
  });

  it("keeps every key of a producer's group it learns, across a reopen, and upgrades keys stored one per group", async function () {
    let store = await IndicatorStore.open(join(dir, "db"));
    const key = (n: number) => new Uint8Array(32).fill(n);
    // As a store written before keys rotated: one 32-byte value under producer + group.
    const sublevel = (store.blindingKeys as unknown as { sublevel: { put(k: string, v: Uint8Array): Promise<void> } }).sublevel;
    await sublevel.put("acme-bank\u00002", key(1));
    await store.close();
    store = await IndicatorStore.open(join(dir, "db"));
    expect(store.blindingKeyRing().map((e) => [e.producer, e.group, e.key[0]])).to.deep.equal([["acme-bank", 2, 1]]);
    await store.addOwnBlindingKey({ producer: "acme-bank", group: 2, key: key(2), learntAt: 10 });
    await store.addOwnBlindingKey({ producer: "acme-bank", group: 2, key: key(2), learntAt: 20 });
    await store.close();
    store = await IndicatorStore.open(join(dir, "db"));
    expect(store.blindingKeyRing().map((e) => e.key[0]).sort()).to.deep.equal([1, 2]);
    await store.close();
  });
});
