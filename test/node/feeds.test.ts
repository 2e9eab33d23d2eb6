import { expect } from "chai";
import { createHash } from "node:crypto";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { chmod, copyFile, readFile, writeFile, mkdir } from "node:fs/promises";
import { join } from "node:path";
import type { FeedRunReport } from "../../node/src/feeds/feed-service.js";
import { SHARED_DATA } from "../helpers/shared-data.js";
import { cti } from "../helpers/cli.js";
import { removeDir, startSoloNode, tempDir, waitFor } from "../helpers/nodes.js";

/**
 * External feeds ingested by a real node: a MISP feed from a directory and over loopback HTTP
 * (manifest.json, hashes.csv, one file per event), a text list and a CSV file; each run reads only
 * what changed, and its report says what was published, refused and why.
 */

const MISP = join(SHARED_DATA, "misp");
const EVENTS = {
  "57c4445b-c548-4654-af0b-4be3950d210f": "57c4445b-c548-4654-af0b-4be3950d210f.json",
  "5b646415-7b48-40d5-86b4-c0070acd0835": "sighting_1.json",
};
const md5 = (text: string) => createHash("md5").update(text).digest("hex");

type Json = Record<string, any>;

async function writeMispFeed(dir: string, extraHash?: { uuid: string; value: string }): Promise<Record<string, Json>> {
  await mkdir(dir, { recursive: true });
  const manifest: Record<string, Json> = {};
  const hashes: string[] = [];
  const documents: Record<string, Json> = {};
  for (const [uuid, file] of Object.entries(EVENTS)) {
    const document = JSON.parse(await readFile(join(MISP, file), "utf8")) as Json;
    documents[uuid] = document;
    await copyFile(join(MISP, file), join(dir, `${uuid}.json`));
    manifest[uuid] = { info: document.Event.info, timestamp: document.Event.timestamp, Orgc: document.Event.Orgc };
    for (const attribute of document.Event.Attribute ?? []) hashes.push(`${md5(attribute.value)},${uuid}`);
  }
  if (extraHash) hashes.push(`${md5(extraHash.value)},${extraHash.uuid}`);
  await writeFile(join(dir, "manifest.json"), JSON.stringify(manifest));
  await writeFile(join(dir, "hashes.csv"), `${hashes.join("\n")}\n`);
  return documents;
}

/** A feed's directory served over loopback HTTP with ETags; `failing` answers 500 for a file; `requests` counts what was asked. */
function serve(dir: string, failing: Set<string>, requests: string[]): Promise<Server> {
  const server = createServer(async (request, response) => {
    const name = decodeURIComponent(new URL(request.url ?? "/", "http://x").pathname).split("/").pop() ?? "";
    requests.push(`${name} ${request.headers["if-none-match"] ? "conditional" : "plain"}`);
    if (failing.has(name)) {
      response.writeHead(500).end("broken");
      return;
    }
    try {
      const body = await readFile(join(dir, name));
      const etag = `"${md5(body.toString("latin1"))}"`;
      if (request.headers["if-none-match"] === etag) {
        response.writeHead(304).end();
        return;
      }
      response.writeHead(200, { "content-type": name.endsWith(".csv") ? "text/csv" : "application/json", etag }).end(body);
    } catch {
      response.writeHead(404).end();
    }
  });
  return new Promise((resolve) => server.listen(0, "127.0.0.1", () => resolve(server)));
}

describe("external feeds ingested by a real node", function () {
  this.timeout(180_000);
  let work: string;
  let solo: Awaited<ReturnType<typeof startSoloNode>>;
  let server: Server;
  const failing = new Set<string>();
  const requests: string[] = [];

  before(async function () {
    work = await tempDir("feeds");
    await writeMispFeed(join(work, "misp-dir"));
    await writeMispFeed(join(work, "misp-http"), { uuid: "5b646415-7b48-40d5-86b4-c0070acd0835", value: "not-in-the-event.example" });
    await writeFile(
      join(work, "list.txt"),
      ["# a vendor's blocklist", "198.51.100.77", "evil-feed.example  # phishing kit", "hxxp://evil-feed[.]example/kit.zip", "not a value at all", "8.8.8.8", "198.51.100.77", "2026-12-01 is a date"].join("\n"),
    );
    await writeFile(join(work, "agents.txt"), "EvilBot/2.0 (feed test)\n");
    await writeFile(join(work, "iocs.csv"), "type,value,confidence,tags\nipv4,203.0.113.55,70,c2\nsha256," + "d".repeat(64) + ",90,dropper\n");
    server = await serve(join(work, "misp-http"), failing, requests);
    const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    solo = await startSoloNode("feed-reader", {
      feeds: [
        { name: "osint-dir", kind: "misp", url: join(work, "misp-dir"), enabled: false },
        { name: "osint-http", kind: "misp", url: `${base}/feed`, headers: { Authorization: "secret-misp-key" }, enabled: false },
        { name: "blocklist", kind: "text", url: join(work, "list.txt"), tags: ["vendor-x"], confidence: 60, enabled: false },
        { name: "agents", kind: "text", url: join(work, "agents.txt"), type: "user-agent", intervalMinutes: 1 },
        { name: "iocs", kind: "csv", url: `file://${join(work, "iocs.csv")}`, enabled: false },
      ],
    });
  });

  after(async function () {
    await solo?.stop();
    server?.close();
    if (work) await removeDir(work);
  });

  it("imports a MISP feed from a directory, then only the events whose timestamp changed", async function () {
    const first = await solo.node.feeds.run("osint-dir");
    expect(first.outcome, first.error).to.equal("imported");
    expect(first.events).to.deep.include({ listed: 2, changed: 2, unchanged: 0, imported: 2, removed: 0, failed: [] });
    expect(first.published.objects).to.be.greaterThan(10);
    expect(first.published.indicators).to.be.greaterThan(0);
    expect(first.hashes).to.deep.equal({ events: 2, notInEvent: 0 });
    const report = (await solo.node.intel.visibleObjects({ kind: "internal" }, 1000, "report").next()).value as unknown;
    expect(JSON.stringify(report)).to.include("57c4445b");

    // Unchanged: nothing read beyond the manifest.
    const again = await solo.node.feeds.run("osint-dir");
    expect(again.outcome).to.equal("unchanged");
    expect(again.published).to.deep.equal({ indicators: 0, objects: 0, sightings: 0 });

    // One event changes (a new attribute, a later timestamp): it alone is read again.
    const dir = join(work, "misp-dir");
    const uuid = "5b646415-7b48-40d5-86b4-c0070acd0835";
    const event = JSON.parse(await readFile(join(dir, `${uuid}.json`), "utf8")) as Json;
    event.Event.timestamp = String(Number(event.Event.timestamp) + 60);
    event.Event.Attribute.push({ uuid: "9a0b1c2d-3e4f-4a5b-8c6d-7e8f9a0b1c2d", type: "domain", category: "Network activity", to_ids: true, value: "changed-event.example", timestamp: event.Event.timestamp });
    await writeFile(join(dir, `${uuid}.json`), JSON.stringify(event));
    const manifest = JSON.parse(await readFile(join(dir, "manifest.json"), "utf8")) as Json;
    manifest[uuid].timestamp = event.Event.timestamp;
    await writeFile(join(dir, "manifest.json"), JSON.stringify(manifest));
    const third = await solo.node.feeds.run("osint-dir");
    expect(third.events).to.deep.include({ listed: 2, changed: 1, unchanged: 1, imported: 1 });
    expect(await solo.node.lookup("changed-event.example")).to.have.length(1);
  });

  it("reads a MISP feed over HTTP with validators, retries an event that failed, and flags a hashes.csv that lists what an event does not hold", async function () {
    failing.add("57c4445b-c548-4654-af0b-4be3950d210f.json");
    const first = await solo.node.feeds.run("osint-http");
    expect(first.outcome).to.equal("partial");
    expect(first.events!.failed.map((f) => f.uuid)).to.deep.equal(["57c4445b-c548-4654-af0b-4be3950d210f"]);
    expect(first.events!.failed[0]!.error).to.match(/answered 500/);
    expect(first.hashes).to.deep.equal({ events: 1, notInEvent: 1 });
    expect(first.warnings.join("\n")).to.include("hashes.csv lists 1 values that event 5b646415-7b48-40d5-86b4-c0070acd0835 does not hold");

    // The manifest's ETag was not kept: the next run asks for it whole and retries the failed event only.
    failing.clear();
    requests.length = 0;
    const second = await solo.node.feeds.run("osint-http");
    expect(second.outcome, second.error).to.equal("imported");
    expect(second.events).to.deep.include({ changed: 1, unchanged: 1, imported: 1, failed: [] });
    expect(requests[0]).to.equal("manifest.json plain");

    // Now the manifest is asked for with its ETag, answered 304, and nothing else is fetched.
    requests.length = 0;
    const third = await solo.node.feeds.run("osint-http");
    expect(third.outcome).to.equal("unchanged");
    expect(requests).to.deep.equal(["manifest.json conditional"]);
  });

  it("publishes a text list's values, refusing with reasons, then only what the list adds, and notes what it drops", async function () {
    const first = await solo.node.feeds.run("blocklist");
    expect(first.outcome, first.error).to.equal("imported");
    expect(first.values).to.deep.include({ listed: 4, new: 4, restated: 0, removed: 0 });
    expect(first.values!.problems.map((p) => p.line)).to.deep.equal([5, 8]);
    // 8.8.8.8 is a public resolver: the warning lists refuse it, and the report says so.
    expect(first.refused).to.deep.equal({ WARNING_LIST: 1 });
    expect(first.refusedExamples[0]!.message).to.match(/public DNS|dns/i);
    expect(first.published.indicators).to.equal(3);
    const [record] = await solo.node.lookup("evil-feed.example");
    expect(record!.labels.tags).to.include("vendor-x");

    expect((await solo.node.feeds.run("blocklist")).outcome).to.equal("unchanged");

    await writeFile(join(work, "list.txt"), ["198.51.100.77", "new-in-feed.example"].join("\n"));
    const third = await solo.node.feeds.run("blocklist");
    // The refused resolver is tried again while listed; it is gone now, as are two others.
    expect(third.values).to.deep.include({ listed: 2, new: 1, removed: 2 });
    expect(third.published.indicators).to.equal(1);
    expect(await solo.node.lookup("new-in-feed.example")).to.have.length(1);
  });

  it("reads a CSV feed from a file URL, and runs an enabled feed on its schedule", async function () {
    const report = await solo.node.feeds.run("iocs");
    expect(report.outcome, report.error).to.equal("imported");
    expect(report.published.indicators).to.equal(2);
    const [ip] = await solo.node.lookup("203.0.113.55");
    expect(ip!.labels.tags).to.include("c2");

    // "agents" is enabled: its first run comes by itself, a user agent typed as the feed says.
    await waitFor("the scheduled run of the agents feed", async () => (await solo.node.feeds.get("agents")).runs.length > 0, 30_000);
    const [agent] = await solo.node.lookup("EvilBot/2.0 (feed test)", "user-agent");
    expect(agent?.type).to.equal("user-agent");
  });

  it("answers over the API and the CLI, never showing a feed's headers", async function () {
    const listed = await (await fetch(`${solo.url}/feeds`)).text();
    expect(listed).to.include("osint-http").and.not.include("secret-misp-key");
    const feeds = (JSON.parse(listed) as { feeds: Array<{ name: string; lastRun?: FeedRunReport; nextRunAt?: string }> }).feeds;
    expect(feeds.find((f) => f.name === "blocklist")!.lastRun!.outcome).to.equal("imported");
    expect(feeds.find((f) => f.name === "agents")!.nextRunAt).to.be.a("string");
    expect((await fetch(`${solo.url}/feeds/nope`)).status).to.equal(404);

    const shown = await cti(["feeds", "show", "osint-http", "--api", solo.url, "--json"]);
    expect(shown.code).to.equal(0);
    expect((JSON.parse(shown.stdout) as { runs: FeedRunReport[] }).runs.map((r) => r.outcome)).to.deep.equal(["unchanged", "imported", "partial"]);
    const ran = await cti(["feeds", "run", "iocs", "--api", solo.url, "--json"]);
    expect(ran.code, ran.stderr).to.equal(0);
    expect((JSON.parse(ran.stdout) as FeedRunReport).outcome).to.equal("unchanged");
  });

  it("refuses to start a node whose config holds a feed's key and other users can read", async function () {
    const dir = join(work, "readable");
    await mkdir(dir, { recursive: true });
    const config = join(dir, "config.json");
    await writeFile(config, JSON.stringify({ feeds: [{ name: "x", kind: "misp", url: "https://misp.example/feed", headers: { Authorization: "key" } }] }));
    await chmod(config, 0o644);
    const ran = await cti(["start", "--data-dir", dir]);
    expect(ran.code).to.not.equal(0);
    expect(ran.stderr).to.include("a feed's headers").and.include("chmod 600");
  });
});
