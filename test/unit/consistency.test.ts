import { TEST_DEPLOYMENT } from "../helpers/deployment.js";
import { expect } from "chai";
import { randomBytes } from "node:crypto";
import { join } from "node:path";
import { buildIndicator } from "../../node/src/model/validate.js";
import { recordUuid } from "../../node/src/model/indicator-id.js";
import { checkConsistency } from "../../node/src/store/consistency.js";
import type { WriteOp } from "../../node/src/store/db.js";
import { IndicatorStore } from "../../node/src/store/indicator-store.js";
import { openContent, signBatch } from "../../node/src/wire/batch.js";
import { encodeBatch } from "../../node/src/wire/codec.js";
import { removeDir, tempDir } from "../helpers/nodes.js";

const now = Date.parse("2026-11-21T12:00:00Z");

describe("store consistency check (real LevelDB)", function () {
  let dir: string;
  let store: IndicatorStore;
  /** Writes around the store's rules, as a bug or a torn write would. */
  const corrupt = (ops: WriteOp[]) => (store as unknown as { db: { batch(ops: never): Promise<void> } }).db.batch(ops as never);

  beforeEach(async function () {
    dir = await tempDir("consistency");
    store = await IndicatorStore.open(join(dir, "db"));
    const indicators = ["a.example", "b.example", "c.example"].map((value) => buildIndicator({ type: "domain", value }, { producer: "acme-bank", now }));
    const { batch } = signBatch({ deployment: TEST_DEPLOYMENT, producer: "acme-bank", sequence: 1, createdAt: now, group: 0, indicators }, randomBytes(32));
    await store.ingestBatch(batch, encodeBatch(batch), openContent(batch), [0, 1, 2], now);
  });
  afterEach(async function () {
    await store.close();
    await removeDir(dir);
  });

  it("finds nothing wrong with what the store wrote", async function () {
    const report = await checkConsistency(store);
    expect(report).to.deep.include({ ok: true, problems: [] });
    expect(report.counts).to.deep.equal({ records: 3, batches: 1, timeEntries: 3, expiryEntries: 3, uuidEntries: 3 });
  });

  it("keeps the record count in step through writes, prunes and reopening, and names a count that drifted", async function () {
    expect((await store.counts()).indicators).to.equal(3);
    expect(await store.prune(now + 400 * 24 * 3600 * 1000, 0)).to.equal(3);
    expect((await store.counts()).indicators).to.equal(0);
    await store.close();
    store = await IndicatorStore.open(join(dir, "db"));
    expect((await store.counts()).indicators).to.equal(0);
    const meta = (store as unknown as { meta: WriteOp["sublevel"] }).meta;
    await corrupt([{ type: "put", sublevel: meta, key: "indicator-count", value: new TextEncoder().encode("5") }]);
    await store.close();
    store = await IndicatorStore.open(join(dir, "db"));
    expect((await checkConsistency(store)).problems).to.include("the store counts 5 records but holds 0");
  });

  it("names a record under the wrong id, a missing index entry, a stale one, and a statement whose batch is gone", async function () {
    const record = (await store.lookup("domain", "b.example"))!;
    const misplaced = { ...record, id: "f".repeat(64) };
    await corrupt([store.byTime.delOp(record.revision!, record.id), store.byTime.putOp(12345, record.id), store.indicators.putOp(misplaced)]);
    const report = await checkConsistency(store);
    expect(report.ok).to.equal(false);
    expect(report.problems).to.include(`record ${"f".repeat(64)} holds domain b.example, whose id is another`);
    expect(report.problems).to.include(`record ${"f".repeat(64)} has no by-time entry`);
    expect(report.problems.some((p) => p.startsWith("by-time entry 12345") && p.includes("stale"))).to.equal(true);
    await corrupt([{ type: "del", sublevel: (store.batches as unknown as { sublevel: WriteOp["sublevel"] }).sublevel, key: "acme-bank:00000000000000000001" }]);
    const worse = await checkConsistency(store);
    expect(worse.problems.some((p) => p.includes("cites acme-bank#1, which is not stored"))).to.equal(true);
  });

  it("finds a record by the uuid it is shown under, names a missing by-uuid entry, and gives a store written before the index its entries", async function () {
    const record = (await store.lookup("domain", "a.example"))!;
    const uuid = recordUuid(record.id);
    expect((await store.byRecordUuid(uuid))?.id).to.equal(record.id);
    expect((await store.byRecordUuid(uuid.toUpperCase()))?.id).to.equal(record.id);
    expect(await store.byRecordUuid(recordUuid("0".repeat(64)))).to.equal(undefined);
    // As a store written before the index: no entries, no marker.
    const meta = (store as unknown as { meta: WriteOp["sublevel"] }).meta;
    const ids = [record.id, (await store.lookup("domain", "b.example"))!.id, (await store.lookup("domain", "c.example"))!.id];
    await corrupt([...ids.map((id) => store.byUuid.delOp(id)), { type: "del", sublevel: meta, key: "uuid-index" }]);
    expect((await checkConsistency(store)).problems).to.include(`record ${record.id} has no by-uuid entry`);
    await store.close();
    store = await IndicatorStore.open(join(dir, "db"));
    expect((await store.byRecordUuid(uuid))?.id).to.equal(record.id);
    expect(await checkConsistency(store)).to.deep.include({ ok: true });
    // Pruned with its record.
    await store.prune(now + 400 * 24 * 3600 * 1000, 0);
    expect(await store.byRecordUuid(uuid)).to.equal(undefined);
    expect((await checkConsistency(store)).counts.uuidEntries).to.equal(0);
  });

  it("names a record whose stored bytes cannot be read, and checks everything else", async function () {
    const record = (await store.lookup("domain", "c.example"))!;
    const sublevel = (store.indicators as unknown as { sublevel: WriteOp["sublevel"] }).sublevel;
    await corrupt([{ type: "put", sublevel, key: record.id, value: Uint8Array.of(0x01, 0xff, 0xff) }]);
    const report = await checkConsistency(store);
    expect(report.ok).to.equal(false);
    expect(report.problems.some((p) => p.startsWith(`record ${record.id}:`))).to.equal(true);
    // The damaged record is still counted as held; the other two are read and checked.
    expect(report.problems.some((p) => p.includes("counts"))).to.equal(false);
    expect(report.problems.filter((p) => p.includes("a.example") || p.includes("b.example"))).to.deep.equal([]);
  });
});
