import { expect } from "chai";
import { appendFile, readFile, rename, truncate, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { FileFollower } from "../../node/src/detect/file-follower.js";
import { LogMatcher } from "../../node/src/detect/log-matcher.js";
import { IndicatorStore } from "../../node/src/store/indicator-store.js";
import { EveParser, PlainParser, ZeekParser, type LineParser } from "../../node/src/detect/log-formats.js";
import { removeDir, tempDir } from "../helpers/nodes.js";

const FIXTURES = join(process.cwd(), "test/fixtures/logs");

async function parseFile(name: string, parser: LineParser) {
  const lines = (await readFile(join(FIXTURES, name), "utf8")).split("\n");
  return lines.flatMap((line) => parser.parse(line));
}
const values = (obs: Array<{ value: string; field: string }>) => obs.map((o) => `${o.field}=${o.value}`);

describe("detector log formats", function () {
  it("reads Zeek dns.log: addresses, the query and every answer; unset and empty fields skipped", async function () {
    expect(values(await parseFile("dns.log", new ZeekParser()))).to.deep.equal([
      "id.orig_h=10.0.0.5",
      "id.resp_h=10.0.0.1",
      "query=login.evil.example",
      "answers=203.0.113.7",
      "answers=203.0.113.8",
      "id.orig_h=10.0.0.6",
      "id.resp_h=10.0.0.1",
      "query=benign.example.org",
    ]);
  });

  it("reads Zeek http.log (the URL rebuilt from host and uri, the user agent) and files.log (the hashes)", async function () {
    expect(values(await parseFile("http.log", new ZeekParser()))).to.deep.equal([
      "id.orig_h=10.0.0.7",
      "id.resp_h=198.51.100.23",
      "host=cdn.bad.example",
      "user_agent=Mozilla/5.0",
      "host+uri=http://cdn.bad.example/payload.exe",
    ]);
    const files = values(await parseFile("files.log", new ZeekParser()));
    expect(files).to.include.members(["md5=0123456789abcdef0123456789abcdef", "sha256=9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08", "id.resp_h=10.0.0.7"]);
  });

  it("reads Suricata eve.json events (dns, http, tls, fileinfo) and skips what is not an event", async function () {
    const obs = values(await parseFile("eve.json", new EveParser()));
    expect(obs).to.include.members([
      "dns.rrname=login.evil.example",
      "dns.answers.rdata=203.0.113.7",
      "http.hostname+url=http://cdn.bad.example/payload.exe",
      "tls.sni=cdn.bad.example",
      "fileinfo.sha256=9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08",
      "dest_ip=192.0.2.44",
    ]);
    expect(new EveParser().parse("not json")).to.deep.equal([]);
    expect(new EveParser().parse("[1,2]")).to.deep.equal([]);
  });

  it("reads plain lists, skipping blanks and comments", function () {
    const parser = new PlainParser();
    expect(["# list", "", " evil.example ", "203.0.113.7"].flatMap((l) => parser.parse(l)).map((o) => o.value)).to.deep.equal(["evil.example", "203.0.113.7"]);
  });
});

describe("file follower (tail -F)", function () {
  let dir: string;
  beforeEach(async function () {
    dir = await tempDir("follow");
  });
  afterEach(async function () {
    await removeDir(dir);
  });

  function follower(path: string, fromStart: boolean) {
    const seen: string[] = [];
    const f = new FileFollower({ path, fromStart }, async (lines) => {
      seen.push(...lines);
    });
    return { f, seen };
  }

  it("reads appended lines once, keeps a partial line until it ends, and survives rotation and truncation", async function () {
    const path = join(dir, "conn.log");
    await writeFile(path, "old-1\nold-2\n");
    const { f, seen } = follower(path, false);
    await f.poll();
    expect(seen).to.deep.equal([]);
    await appendFile(path, "a\nb\npart");
    await f.poll();
    expect(seen).to.deep.equal(["a", "b"]);
    await appendFile(path, "ial\nlast-before-rotation\n");
    // Rotation: the log is renamed and a new one begins; nothing of either is lost or repeated.
    await rename(path, `${path}.1`);
    await appendFile(`${path}.1`, "late-in-old\n");
    await writeFile(path, "new-1\n");
    await f.poll();
    expect(seen).to.deep.equal(["a", "b", "partial", "last-before-rotation", "late-in-old", "new-1"]);
    expect(f.rotations).to.equal(1);
    await truncate(path, 0);
    await appendFile(path, "after-truncation\n");
    await f.poll();
    expect(seen.at(-1)).to.equal("after-truncation");
    await f.stop();
  });

  it("waits for a file that does not exist yet, and reads from the start when asked", async function () {
    const path = join(dir, "later.log");
    const { f, seen } = follower(path, true);
    await f.poll();
    await writeFile(path, "x\ny\n");
    await f.poll();
    expect(seen).to.deep.equal(["x", "y"]);
    await f.stop();
  });

  it("keeps a character split across two reads whole", async function () {
    const path = join(dir, "utf8.log");
    await writeFile(path, "");
    const { f, seen } = follower(path, true);
    await f.poll();
    const bytes = Buffer.from("münchen.example\n");
    await appendFile(path, bytes.subarray(0, 2));
    await f.poll();
    await appendFile(path, bytes.subarray(2));
    await f.poll();
    expect(seen).to.deep.equal(["münchen.example"]);
    await f.stop();
  });

  it("reads on, not again from the start, when a read ends inside a character right after a line break", async function () {
    const path = join(dir, "split.log");
    await writeFile(path, "");
    const { f, seen } = follower(path, true);
    await f.poll();
    const next = Buffer.from("ßtraße.example\n");
    // The read ends after "first\n" and the first byte of "ß": the last byte read is no line break.
    await appendFile(path, Buffer.concat([Buffer.from("first.example\n"), next.subarray(0, 1)]));
    await f.poll();
    await appendFile(path, Buffer.concat([next.subarray(1), Buffer.from("third.example\r\n")]));
    await f.poll();
    await f.poll();
    expect(seen).to.deep.equal(["first.example", "ßtraße.example", "third.example"]);
    await f.stop();
  });

  it("keeps only the start of a line longer than the limit, and the lines after it whole", async function () {
    const path = join(dir, "long.log");
    await writeFile(path, "");
    const seen: string[] = [];
    const f = new FileFollower({ path, fromStart: true, maxLineBytes: 8 }, async (lines) => {
      seen.push(...lines);
    });
    await appendFile(path, "0123456789abcdef");
    await f.poll();
    await appendFile(path, "ghij\nshort\n");
    await f.poll();
    expect(seen).to.deep.equal(["01234567", "short"]);
    await f.stop();
  });
});

describe("alerts from detector logs (real LevelDB)", function () {
  let dir: string;
  let store: IndicatorStore;
  let now = Date.parse("2026-11-30T12:00:00Z");
  const sightings: number[] = [];
  beforeEach(async function () {
    dir = await tempDir("alerts");
    store = await IndicatorStore.open(join(dir, "db"));
    sightings.length = 0;
  });
  afterEach(async function () {
    await store.close();
    await removeDir(dir);
  });

  /** A log matcher over one plain list file, whose matcher finds `bad.example` and nothing else. */
  function matcherOver(path: string) {
    const indicator = { id: "ab".repeat(32), type: "domain", value: "bad.example", score: { score: 80 }, labels: { malwareFamilies: [], attackTechniques: ["T1566.002"], tags: [] } };
    const matcher = { match: async (values: string[]) => values.map((value) => ({ value, matches: value === "bad.example" ? [{ reason: "exact", indicator }] : [] })) };
    const trust = { sight: async (_records: unknown[], _kind: string, _at: number, count: number) => void sightings.push(count) };
    return new LogMatcher(
      { sources: [{ path, format: "plain", fromStart: true }], sightingIntervalMs: 60_000, alertWindowMs: 60_000, alertRetentionMs: 7 * 24 * 3_600_000 },
      { store, matcher: matcher as never, trust: trust as never, now: () => now },
    );
  }

  it("folds lines alike within the window into one alert with their count, and starts a new one after it", async function () {
    const path = join(dir, "hits.txt");
    await writeFile(path, "bad.example\nbad.example\nfine.example\nbad.example\n");
    const logs = matcherOver(path);
    await logs.drain();
    let alerts = await store.alerts.since(0, 100);
    expect(alerts.map((a) => [a.observed, a.count, a.rsit])).to.deep.equal([["bad.example", 3, "fraud:phishing"]]);
    // Later lines within the window fold into the same alert, rewritten under its key.
    now += 30_000;
    await appendFile(path, "bad.example\n");
    await logs.drain();
    alerts = await store.alerts.since(0, 100);
    expect(alerts.map((a) => [a.count, a.lastAt! - a.at])).to.deep.equal([[4, 30_000]]);
    // After the window: a new alert.
    now += 31_000;
    await appendFile(path, "bad.example\n");
    await logs.drain();
    alerts = await store.alerts.since(0, 100);
    expect(alerts.map((a) => a.count)).to.deep.equal([4, 1]);
    expect(logs.stats).to.include({ matches: 5, alerts: 2 });
    // Every match still counts in the sightings sent.
    expect(sightings.reduce((n, c) => n + c, 0)).to.equal(5);
    await logs.stop();
  });

  it("deletes alerts once they are older than the retention, and keeps the younger ones", async function () {
    const path = join(dir, "hits.txt");
    await writeFile(path, "bad.example\n");
    const logs = matcherOver(path);
    await logs.drain();
    now += 6 * 24 * 3_600_000;
    await appendFile(path, "bad.example\n");
    await logs.drain();
    expect(await store.alerts.since(0, 100)).to.have.length(2);
    now += 2 * 24 * 3_600_000;
    expect(await logs.pruneAlerts()).to.equal(1);
    const kept = await store.alerts.since(0, 100);
    expect(kept.map((a) => a.at)).to.deep.equal([now - 2 * 24 * 3_600_000]);
    expect(logs.stats.alertsPruned).to.equal(1);
    await logs.stop();
  });
});
