import { expect } from "chai";
import { readFile, stat, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { removeDir, startSoloNode, tempDir } from "../helpers/nodes.js";
import { cti } from "../helpers/cli.js";

/** `cti import` (STIX, MISP, CSV, a file or stdin) and `cti export` against a real node, with their progress. */
describe("cti import and export (the real CLI, a real node)", function () {
  this.timeout(120_000);
  let solo: Awaited<ReturnType<typeof startSoloNode>>;
  let dir: string;
  const ROWS = 2500;

  before(async function () {
    solo = await startSoloNode("cli-io-org");
    dir = await tempDir("cli-io");
    const lines = ["type,value,tlp,confidence,tags"];
    for (let i = 0; i < ROWS; i++) lines.push(`domain,host-${i}.import-test.example.com,GREEN,70,bulk csv`);
    await writeFile(join(dir, "bulk.csv"), `${lines.join("\n")}\n`);
    await writeFile(join(dir, "bad.csv"), "kind,observable\nip,1.2.3.4\n");
  });
  after(async function () {
    await solo?.stop();
    if (dir) await removeDir(dir);
  });

  it("imports a CSV with a progress bar on a terminal, and only the report when piped", async function () {
    const piped = await cti(["import", "csv", join(dir, "bulk.csv"), "--api", solo.url]);
    expect(piped.code, piped.stderr).to.equal(0);
    const report = JSON.parse(piped.stdout) as { published: number; refused: unknown[] };
    expect(report.published).to.equal(ROWS);
    expect(piped.stderr).not.to.match(/\[.*\]/);
    expect((await solo.node.store.counts()).indicators).to.equal(ROWS);

    const onTerminal = await cti(["import", "csv", join(dir, "bulk.csv"), "--api", solo.url], { tty: true });
    expect(onTerminal.code).to.equal(0);
    expect(onTerminal.stdout).to.match(/import csv \[[^\]]+\] 100% \| 2500\/2500/);
  });

  it("answers NDJSON progress lines, then the result, when asked", async function () {
    const body = await readFile(join(dir, "bulk.csv"), "utf8");
    const response = await fetch(`${solo.url}/import/csv?progress=true`, { method: "POST", headers: { "content-type": "text/csv" }, body });
    expect(response.headers.get("content-type")).to.match(/^application\/x-ndjson/);
    const lines = (await response.text()).trim().split("\n").map((l) => JSON.parse(l) as { progress?: { done: number; total: number }; result?: { published: number } });
    const progress = lines.filter((l) => l.progress).map((l) => l.progress!);
    expect(progress.at(-1)).to.deep.equal({ done: ROWS, total: ROWS });
    for (let i = 1; i < progress.length; i++) expect(progress[i]!.done).to.be.at.least(progress[i - 1]!.done);
    expect(lines.at(-1)!.result!.published).to.equal(ROWS);
  });

  it("names a bad CSV and exits 1; reads JSON from stdin for publish", async function () {
    const bad = await cti(["import", "csv", join(dir, "bad.csv"), "--api", solo.url]);
    expect(bad.code).to.equal(1);
    expect(JSON.parse(bad.stdout)).to.include({ error: "BAD_CSV" });
    expect(JSON.parse(bad.stdout).message).to.match(/names no type column/);

    const missing = await cti(["import", "misp", join(dir, "nope.json"), "--api", solo.url]);
    expect(missing.code).to.equal(2);
    expect(missing.stderr).to.match(/cannot read .*nope\.json/);

    const published = await cti(["publish", "--file", "-", "--api", solo.url], { stdin: JSON.stringify([{ type: "domain", value: "from-stdin.example.org", confidence: 60 }]) });
    expect(published.code, published.stderr).to.equal(0);
    expect(JSON.parse(published.stdout)).to.include({ published: 1, rejected: 0 });
    expect(await solo.node.lookup("from-stdin.example.org")).to.have.length(1);

    const notJson = await cti(["publish", "--file", "-", "--api", solo.url], { stdin: "type,value\n" });
    expect(notJson.code).to.equal(2);
    expect(notJson.stderr).to.match(/standard input is not JSON/);
  });

  it("exports with a progress bar on a terminal, writing the files atomically", async function () {
    const out = join(dir, "export");
    const run = await cti(["export", "csv", "--out", out, "--api", solo.url], { tty: true });
    expect(run.code, run.stdout).to.equal(0);
    expect(run.stdout).to.match(/export csv \[[^\]]+\] 100% \| 2501\/2501/);
    const csv = await readFile(join(out, "cti-feed.csv"), "utf8");
    // The header, the CSV's rows and the one published from stdin.
    expect(csv.trim().split("\n")).to.have.length(ROWS + 2);
    // The internal feed holds TLP:RED: owner and group only.
    expect((await stat(join(out, "cti-feed.csv"))).mode & 0o777).to.equal(0o640);
  });

  it("streams a STIX export to its file, the same bundle the JSON export holds, and leaves it alone when nothing changed", async function () {
    const out = join(dir, "stix");
    const run = await cti(["export", "stix", "--out", out, "--audience", "community", "--api", solo.url]);
    expect(run.code, run.stderr).to.equal(0);
    expect(run.stderr).to.match(/wrote cti-stix-bundle\.json/);
    const streamed = JSON.parse(await readFile(join(out, "cti-stix-bundle.json"), "utf8")) as { id: string; objects: Array<{ type: string }> };
    const inline = (await (await fetch(`${solo.url}/exports/stix?audience=community`)).json()) as { files: Record<string, string> };
    expect(streamed).to.deep.equal(JSON.parse(inline.files["cti-stix-bundle.json"]!));
    expect(streamed.objects.filter((o) => o.type === "indicator")).to.have.length(ROWS + 1);
    expect((await stat(join(out, "cti-stix-bundle.json"))).mode & 0o777).to.equal(0o640);
    const again = await cti(["export", "stix", "--out", out, "--audience", "community", "--api", solo.url]);
    expect(again.code).to.equal(0);
    expect(again.stderr).to.not.match(/wrote/);
  });

  it("refuses a watch interval of 0 and a file mode every user could read", async function () {
    const zero = await cti(["export", "csv", "--out", join(dir, "x"), "--watch", "--interval", "0", "--api", solo.url]);
    expect(zero.code).to.not.equal(0);
    expect(zero.stderr).to.match(/interval.*at least 1/);
    const open = await cti(["export", "csv", "--out", join(dir, "x"), "--mode", "0644", "--api", solo.url]);
    expect(open.code).to.not.equal(0);
    expect(open.stderr).to.match(/every user/);
  });
});
