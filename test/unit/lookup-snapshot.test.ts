import { expect } from "chai";
import { readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { LookupIndex } from "../../node/src/detect/lookup-index.js";
import { decodeLookupSnapshot, encodeLookupSnapshot, LookupSnapshotError } from "../../node/src/detect/lookup-snapshot.js";
import { Matcher } from "../../node/src/detect/matcher.js";
import { indicatorId } from "../../node/src/model/indicator-id.js";
import type { IndicatorType } from "../../node/src/model/indicator.js";
import { normalizeValue } from "../../node/src/model/normalize.js";
import { buildIndicator } from "../../node/src/model/validate.js";
import { IndicatorStore } from "../../node/src/store/indicator-store.js";
import { removeDir, tempDir } from "../helpers/nodes.js";

function entry(type: IndicatorType, raw: string, blinded = false) {
  const value = blinded ? raw : normalizeValue(type, raw);
  return { id: indicatorId(type, value, blinded), type, value, blinded };
}

const PROBES = ["203.0.113.7", "198.51.100.200", "198.51.7.1", "a.b.evil.example", "http://evil.example/x", "gone.example", "2001:db8:ff12::1", "nothing.example"];

describe("lookup index snapshots", function () {
  function filledIndex(): LookupIndex {
    const index = new LookupIndex();
    for (const e of [
      entry("ipv4", "203.0.113.7"),
      entry("cidr", "198.51.100.0/24"),
      entry("cidr", "198.51.0.0/16"),
      entry("cidr", "2001:db8:ff00::/40"),
      entry("domain", "evil.example"),
      entry("domain", "gone.example"),
      entry("sha256", "ab".repeat(32), true),
    ])
      index.add(e);
    // A removed entry leaves a tombstone in the table: the snapshot must keep it one.
    index.remove(entry("domain", "gone.example"));
    for (let i = 0; i < 5000; i++) index.add(entry("domain", `bulk-${i}.example`));
    return index;
  }

  it("gives back an index that answers every lookup as the original did", function () {
    const original = filledIndex();
    const bytes = encodeLookupSnapshot(original.snapshot("token-1"));
    const decoded = decodeLookupSnapshot(bytes);
    expect(decoded.token).to.equal("token-1");
    const restored = new LookupIndex();
    restored.add(entry("domain", "stale.example"));
    restored.restore(decoded);
    expect(restored.size).to.equal(original.size);
    for (const probe of [...PROBES, "bulk-4999.example", "stale.example"]) expect(restored.match(probe), probe).to.deep.equal(original.match(probe));
    expect(restored.has("domain", "bulk-17.example")).to.equal(true);
    expect(restored.has("domain", "gone.example")).to.equal(false);
    // The restored table keeps working: adds and removes after the restore.
    restored.add(entry("domain", "new.example"));
    restored.remove(entry("domain", "bulk-17.example"));
    expect(restored.has("domain", "new.example")).to.equal(true);
    expect(restored.has("domain", "bulk-17.example")).to.equal(false);
  });

  it("refuses a damaged file with a LookupSnapshotError, whatever was cut or changed", function () {
    const bytes = encodeLookupSnapshot(filledIndex().snapshot("token-2"));
    for (let cut = 0; cut < bytes.length; cut += Math.max(1, Math.floor(bytes.length / 300))) {
      expect(() => decodeLookupSnapshot(bytes.subarray(0, cut)), `cut at ${cut}`).to.throw(LookupSnapshotError);
    }
    const badMagic = Buffer.from(bytes);
    badMagic[0] = 0x58;
    expect(() => decodeLookupSnapshot(badMagic)).to.throw(LookupSnapshotError, /magic/);
    expect(() => decodeLookupSnapshot(Buffer.concat([bytes, Buffer.alloc(4)]))).to.throw(LookupSnapshotError, /trailing/);
    // A header whose counts do not fit its table.
    const headerLength = bytes.readUInt32LE(19);
    const header = JSON.parse(bytes.subarray(23, 23 + headerLength).toString("utf8")) as { exact: { live: number; occupied: number } };
    header.exact.live = header.exact.occupied + 1;
    const text = Buffer.from(JSON.stringify(header));
    const length = Buffer.alloc(4);
    length.writeUInt32LE(text.length);
    expect(() => decodeLookupSnapshot(Buffer.concat([bytes.subarray(0, 19), length, text, bytes.subarray(23 + headerLength)]))).to.throw(LookupSnapshotError, /inconsistent/);
  });

  describe("with a real store", function () {
    const now = Date.now();
    let dir: string;
    const indicator = (value: string) => buildIndicator({ type: "domain", value, tlp: "GREEN" }, { producer: "self-org", now });
    const scoredNone = { scored: async () => [] };

    async function open(): Promise<{ store: IndicatorStore; matcher: Matcher }> {
      const store = await IndicatorStore.open(join(dir, "db"));
      const matcher = new Matcher({ snapshotFile: join(dir, "lookup-index.snapshot") }, { store, trust: scoredNone });
      await matcher.start();
      return { store, matcher };
    }

    beforeEach(async function () {
      dir = await tempDir("lookup-snapshot");
    });
    afterEach(async function () {
      await removeDir(dir);
    });

    it("loads the index saved at a clean stop, and reads every record after a crash or a stale file", async function () {
      let { store, matcher } = await open();
      expect(matcher.builtFrom).to.equal("records");
      await store.storeLocal([indicator("one.example"), indicator("two.example")], now);
      await matcher.stop();
      await store.close();

      ({ store, matcher } = await open());
      expect(matcher.builtFrom).to.equal("snapshot");
      expect(matcher.index.has("domain", "two.example")).to.equal(true);
      expect(matcher.index.size).to.equal(2);
      // A crash: written after the start, closed without the matcher saving anything.
      await store.storeLocal([indicator("three.example")], now);
      await store.close();

      ({ store, matcher } = await open());
      expect(matcher.builtFrom, "the token was taken at the last start: no snapshot holds").to.equal("records");
      expect(matcher.index.has("domain", "three.example")).to.equal(true);
      expect(matcher.index.size).to.equal(3);
      await matcher.stop();
      await store.close();

      // A file from another save than the one the store recorded.
      const file = join(dir, "lookup-index.snapshot");
      const saved = decodeLookupSnapshot(await readFile(file));
      await writeFile(file, encodeLookupSnapshot({ ...saved, token: "someone-else" }));
      ({ store, matcher } = await open());
      expect(matcher.builtFrom).to.equal("records");
      expect(matcher.index.size).to.equal(3);
      await matcher.stop();
      await store.close();

      // A damaged file: refused, and the records read instead.
      await writeFile(file, (await readFile(file)).subarray(0, 100));
      ({ store, matcher } = await open());
      expect(matcher.builtFrom).to.equal("records");
      expect(matcher.index.has("domain", "one.example")).to.equal(true);
      await matcher.stop();
      await store.close();
    });
  });
});
