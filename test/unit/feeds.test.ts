import { expect } from "chai";
import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import { FeedConfigSchema } from "../../node/src/config/config.js";
import { eventsToImport, guessType, readHashes, readManifest, readTextFeed, FeedFormatError } from "../../node/src/feeds/feed-files.js";
import { feedLocation, within, FeedFetchError } from "../../node/src/feeds/feed-source.js";
import { FeedService, UnknownFeedError } from "../../node/src/feeds/feed-service.js";
import { DEFAULT_LIFETIME_MS } from "../../node/src/model/indicator.js";
import type { PublishInput, PublishOutcome } from "../../node/src/node.js";
import { openDatabase, type Database } from "../../node/src/store/db.js";
import { FeedStateRepository } from "../../node/src/store/feed-state-repository.js";
import { removeDir, tempDir } from "../helpers/nodes.js";

const UUID_A = "57c4445b-c548-4654-af0b-4be3950d210f";
const UUID_B = "5b646415-7b48-40d5-86b4-c0070acd0835";

describe("feed files, read without trusting them", function () {
  it("reads a manifest's events, reporting entries that are not events", function () {
    const { events, problems } = readManifest(JSON.stringify({ [UUID_A]: { timestamp: "1472541011", info: "x" }, [UUID_B.toUpperCase()]: { timestamp: 5 }, "../../etc/passwd": { timestamp: 1 }, [UUID_B.replace("5b", "6b")]: { info: "no time" } }));
    expect(events).to.deep.equal([
      { uuid: UUID_A, timestamp: 1472541011, info: "x" },
      { uuid: UUID_B, timestamp: 5, info: "" },
    ]);
    expect(problems).to.have.length(2);
    expect(() => readManifest("[1]")).to.throw(FeedFormatError);
    expect(() => readManifest("{")).to.throw(FeedFormatError, /not JSON/);
  });

  it("imports events not seen or changed, oldest first", function () {
    const events = [
      { uuid: UUID_A, timestamp: 20, info: "" },
      { uuid: UUID_B, timestamp: 10, info: "" },
    ];
    expect(eventsToImport(events, {})).to.deep.equal({ changed: [events[1], events[0]], unchanged: 0 });
    expect(eventsToImport(events, { [UUID_A]: 20, [UUID_B]: 9 })).to.deep.equal({ changed: [events[1]], unchanged: 1 });
  });

  it("reads hashes.csv, counting the lines of another shape", function () {
    const { byEvent, malformed } = readHashes(`${"A".repeat(32)},${UUID_A}\nnot,a,line\n${"b".repeat(32)},${UUID_A}\n\n`);
    expect([...byEvent.get(UUID_A)!]).to.deep.equal(["a".repeat(32), "b".repeat(32)]);
    expect(malformed).to.equal(1);
  });

  it("types a text feed's values by their shape, or as the feed says", function () {
    expect(["10.0.0.0/8", "hxxps://x[.]example/a", "a@b.example", "ab".repeat(16), "cve-2021-44228", "AS64496", "64496", "x.example"].map(guessType)).to.deep.equal(["cidr", "url", "email", "md5", "cve", "asn", undefined, "domain"]);
    const read = readTextFeed("# c\n198.51.100.1, 2026-01-01\n; other comment\n???\nx.example # kit\nx.example\n");
    expect(read.values.map((v) => `${v.line} ${v.type} ${v.value}`)).to.deep.equal(["2 ipv4 198.51.100.1", "5 domain x.example"]);
    expect(read.problems).to.deep.equal([{ line: 4, reason: '"???" is of no type the exchange knows' }]);
    const agents = readTextFeed("Mozilla/5.0 (X11; Linux) Gecko\n", "user-agent");
    expect(agents.values[0]!.value).to.equal("Mozilla/5.0 (X11; Linux) Gecko");
  });

  it("reads from http(s) and paths only, never with credentials in the URL, and names files it may hold only", function () {
    expect(feedLocation("https://misp.example/feed").kind).to.equal("http");
    expect(() => feedLocation("ftp://x.example/feed")).to.throw(FeedFetchError, /not ftp/);
    expect(() => feedLocation("https://user:pw@misp.example/feed")).to.throw(FeedFetchError, /headers/);
    expect(() => within(feedLocation("/tmp/feed"), "../secret")).to.throw(FeedFetchError);
    expect(within(feedLocation("https://misp.example/feed"), "manifest.json")).to.deep.include({ kind: "http" });
  });

  it("refuses a feed configuration that would publish AMBER without a group, or a name that is not one", function () {
    expect(FeedConfigSchema.safeParse({ name: "x", kind: "text", url: "/tmp/x", tlp: "AMBER" }).success).to.equal(false);
    expect(FeedConfigSchema.safeParse({ name: "X Y", kind: "text", url: "/tmp/x" }).success).to.equal(false);
    expect(FeedConfigSchema.safeParse({ name: "x", kind: "text", url: "/tmp/x", tlp: "AMBER", group: 2 }).success).to.equal(true);
  });
});

describe("a text feed over time (real LevelDB)", function () {
  let dir: string;
  let db: Database;

  before(async function () {
    dir = await tempDir("feed-state");
    db = await openDatabase(join(dir, "db"));
  });

  after(async function () {
    await db.close();
    await removeDir(dir);
  });

  it("states a value again before its statement runs out while the feed lists it, though the file is unchanged", async function () {
    const file = join(dir, "list.txt");
    await writeFile(file, "198.51.100.9\nevil-time.example\n");
    let now = Date.parse("2026-12-01T00:00:00Z");
    const published: PublishInput[][] = [];
    const service = new FeedService(
      { feeds: [FeedConfigSchema.parse({ name: "timed", kind: "text", url: file })] },
      {
        state: new FeedStateRepository(db),
        publish: async (inputs) => {
          published.push(inputs);
          // Every statement accepted: what is under test is what the service asks to publish, and when.
          return inputs.map((_, i) => ({ ok: true, input: i }) as unknown as PublishOutcome);
        },
        publishObjects: async () => ({ outcomes: [], atoms: { published: 0, refused: [] } }),
        sightMany: async () => ({ recorded: 0, problems: [] }),
        orgId: "acme-bank",
        now: () => now,
      },
    );
    expect((await service.run("timed")).published.indicators).to.equal(2);
    // Half the address's lifetime later (30 days for IPv4), it is stated again; the domain (90 days) is not yet.
    now += DEFAULT_LIFETIME_MS.ipv4 / 2;
    const later = await service.run("timed");
    expect(later.values).to.deep.include({ restated: 1, new: 0 });
    expect(published.at(-1)!.map((i) => i.value)).to.deep.equal(["198.51.100.9"]);
    expect((await service.run("timed")).outcome).to.equal("unchanged");
    expect(() => service.run("nope")).to.throw(UnknownFeedError);
  });
});
