import { expect } from "chai";
import { writeFile } from "node:fs/promises";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { join } from "node:path";
import type { Draft } from "../../node/src/model/draft.js";
import { cti } from "../helpers/cli.js";
import { removeDir, startSoloNode, tempDir } from "../helpers/nodes.js";

/**
 * Reports in prose read into drafts by a real node (HTML and PDF files through the CLI, text
 * through the API), reviewed item by item, and published: only what the analyst accepted leaves.
 */

/** A one-page PDF whose text layer holds `lines` (Helvetica), written by hand: the offsets in its xref are computed. */
function pdfOf(lines: string[]): Buffer {
  const escape = (s: string) => s.replace(/[\\()]/g, (c) => `\\${c}`);
  const content = `BT /F1 11 Tf 50 760 Td 14 TL ${lines.map((l) => `(${escape(l)}) Tj T*`).join(" ")} ET`;
  const objects = [
    "<< /Type /Catalog /Pages 2 0 R >>",
    "<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
    "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Resources << /Font << /F1 4 0 R >> >> /Contents 5 0 R >>",
    "<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    `<< /Length ${content.length} >>\nstream\n${content}\nendstream`,
    "<< /Title (Operation Paper Trail) >>",
  ];
  let body = "%PDF-1.4\n";
  const offsets: number[] = [];
  objects.forEach((object, i) => {
    offsets.push(body.length);
    body += `${i + 1} 0 obj\n${object}\nendobj\n`;
  });
  const xref = body.length;
  body += `xref\n0 ${objects.length + 1}\n0000000000 65535 f \n${offsets.map((o) => `${String(o).padStart(10, "0")} 00000 n \n`).join("")}`;
  body += `trailer\n<< /Size ${objects.length + 1} /Root 1 0 R /Info 6 0 R >>\nstartxref\n${xref}\n%%EOF\n`;
  return Buffer.from(body, "latin1");
}

describe("reports read into drafts by a real node", function () {
  this.timeout(120_000);
  let solo: Awaited<ReturnType<typeof startSoloNode>>;
  let work: string;

  before(async function () {
    work = await tempDir("drafts");
    solo = await startSoloNode("report-reader");
  });

  after(async function () {
    await solo?.stop();
    if (work) await removeDir(work);
  });

  const item = (draft: Draft, text: string) => draft.items.find((i) => (i.kind === "observable" ? i.value : i.name).includes(text));

  it("reads an HTML report with the CLI, and publishes only what the analyst accepted", async function () {
    const file = join(work, "advisory.html");
    await writeFile(
      file,
      `<!doctype html><html><head><title>Advisory: Emotet returns</title><script>var x = "script-host.com";</script></head><body>
       <h1>Emotet returns</h1>
       <p>The <b>Emotet</b> loader beacons to <code>loader-c2[.]com</code> and fetches <a href="hxxp://drop-site[.]net/p.bin">the payload</a>.</p>
       <p>It uses spearphishing attachments (T1566.001). The lure also pinged 8.8.8.8 and decoy-site[.]org.</p>
       </body></html>`,
    );
    const ran = await cti(["import", "report", file, "--api", solo.url, "--json"]);
    expect(ran.code, ran.stderr).to.equal(0);
    expect(ran.stderr).to.match(/draft draft-[0-9a-f]{16}: 3 observables, 1 ATT&CK names, 1 techniques cited and 1 categorised; 1 values passed over/);
    const draft = JSON.parse(ran.stdout) as Draft;
    expect(draft.title).to.equal("Advisory: Emotet returns");
    expect(draft.items.map((i) => (i.kind === "observable" ? `${i.type} ${i.value}` : `${i.kind} ${i.name}`))).to.have.members([
      "domain loader-c2.com",
      "url http://drop-site.net/p.bin",
      "domain decoy-site.org",
      "entity Emotet",
      "technique Spearphishing Attachment",
      // Not cited: the categoriser read it in "fetches the payload".
      "technique Ingress Tool Transfer",
    ]);
    expect(item(draft, "Ingress Tool Transfer")).to.include({ found: "categorised", attackId: "T1105" });
    expect(item(draft, "Spearphishing Attachment")).to.include({ found: "cited" });
    // Scripts are no part of the text; a public resolver is passed over with its list.
    expect(JSON.stringify(draft)).to.not.include("script-host.com");
    expect(draft.passedOver[0]).to.include({ value: "8.8.8.8" });
    expect(item(draft, "loader-c2.com")!.sentence).to.include("loader beacons to");

    // Publishing before any decision is refused: nothing leaves on its own.
    const early = await fetch(`${solo.url}/drafts/${draft.id}/publish`, { method: "POST" });
    expect(early.status).to.equal(400);
    expect(((await early.json()) as { error: string }).error).to.equal("NOTHING_ACCEPTED");

    const edit = await cti(["drafts", "edit", draft.id, "--accept-all", "--reject", item(draft, "decoy-site.org")!.key, "--api", solo.url, "--json"]);
    expect(edit.code, edit.stderr).to.equal(0);
    const published = await cti(["drafts", "publish", draft.id, "--tlp", "GREEN", "--api", solo.url, "--json"]);
    expect(published.code, published.stderr).to.equal(0);
    const outcome = JSON.parse(published.stdout) as { reportId: string; published: number; refused: unknown[]; draft: Draft };
    expect(outcome.refused).to.deep.equal([]);
    expect(outcome.published).to.equal(6);
    expect(outcome.draft.status).to.equal("published");

    const report = (await (await fetch(`${solo.url}/objects/${outcome.reportId}?audience=internal`)).json()) as { object: { name: string; object_refs: string[] } };
    expect(report.object.name).to.equal("Advisory: Emotet returns");
    expect(report.object.object_refs).to.have.length(5);
    expect(await solo.node.lookup("loader-c2.com")).to.have.length(1);
    expect(await solo.node.lookup("decoy-site.org")).to.have.length(0);
    // A published draft takes no more decisions.
    const late = await fetch(`${solo.url}/drafts/${draft.id}`, { method: "PATCH", headers: { "content-type": "application/json" }, body: JSON.stringify({ decisions: {} }) });
    expect(late.status).to.equal(409);
  });

  it("reads a PDF's text layer and its title", async function () {
    const file = join(work, "paper-trail.pdf");
    await writeFile(file, pdfOf(["The operators staged tools on staging-host[.]biz.", "Mimikatz dumped credentials (T1003.001)."]));
    const ran = await cti(["import", "report", file, "--api", solo.url, "--json"]);
    expect(ran.code, ran.stderr).to.equal(0);
    const draft = JSON.parse(ran.stdout) as Draft;
    expect(draft.format).to.equal("pdf");
    expect(draft.title).to.equal("Operation Paper Trail");
    expect(draft.items.map((i) => (i.kind === "observable" ? i.value : i.name))).to.include.members(["staging-host.biz", "Mimikatz", "LSASS Memory"]);
  });

  it("takes text over the API, refuses what is not what it says, and discards", async function () {
    const created = await fetch(`${solo.url}/drafts`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ text: "Beacon to api-text[.]info seen.", title: "From the API" }) });
    expect(created.status).to.equal(201);
    const draft = (await created.json()) as Draft;
    expect(draft.items.map((i) => i.kind === "observable" && i.value)).to.deep.equal(["api-text.info"]);

    const listed = (await (await fetch(`${solo.url}/drafts`)).json()) as { drafts: Array<{ id: string; items: number }> };
    expect(listed.drafts.map((d) => d.id)).to.include(draft.id);

    const fake = await fetch(`${solo.url}/drafts?name=fake.pdf`, { method: "POST", headers: { "content-type": "application/pdf" }, body: "not a pdf at all" });
    expect(fake.status).to.equal(400);
    expect(((await fake.json()) as { error: string; message: string }).message).to.match(/not a PDF/);
    expect((await fetch(`${solo.url}/drafts`, { method: "POST", headers: { "content-type": "text/plain" }, body: "x" })).status).to.equal(415);
    expect((await fetch(`${solo.url}/drafts/draft-0000000000000000`)).status).to.equal(404);

    // Categorising free text and a published object's prose on request, and refusing what is not text.
    const text = join(work, "notes.txt");
    await writeFile(text, "The weather was fine that day.\nThe actor created a scheduled task with schtasks to run the loader at every logon.");
    const categorised = await cti(["categorise", text, "--api", solo.url, "--json"]);
    expect(categorised.code, categorised.stderr).to.equal(0);
    const answer = JSON.parse(categorised.stdout) as { sentences: number; categorised: Array<{ sentence: string; techniques: Array<{ attackId: string; name: string; probability: number }> }> };
    expect(answer.sentences).to.equal(2);
    expect(answer.categorised.map((c) => c.techniques[0]!.attackId)).to.include("T1053.005");
    const malware = await fetch(`${solo.url}/objects`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ type: "bundle", id: "bundle--6b2b1f9c-1d0a-4a43-9b7e-0c0c1d0e0f10", objects: [{ type: "malware", spec_version: "2.1", id: "malware--0d9a3b7e-3c55-4b8a-9a57-2f4f3b1a9e01", created: "2026-01-01T00:00:00.000Z", modified: "2026-01-01T00:00:00.000Z", name: "LedgerLoader", is_family: true, description: "LedgerLoader dumps credentials from LSASS process memory with Mimikatz." }] }) });
    expect(malware.status, await malware.clone().text()).to.be.below(300);
    const ofObject = await fetch(`${solo.url}/categorise`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ objectId: "malware--0d9a3b7e-3c55-4b8a-9a57-2f4f3b1a9e01" }) });
    expect(ofObject.status).to.equal(200);
    expect(((await ofObject.json()) as typeof answer).categorised.flatMap((c) => c.techniques.map((t) => t.attackId))).to.include("T1003.001");
    const unknown = await fetch(`${solo.url}/categorise`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ objectId: "malware--0d9a3b7e-3c55-4b8a-9a57-2f4f3b1a9e02" }) });
    expect(unknown.status).to.equal(404);
    const empty = await fetch(`${solo.url}/categorise`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ text: "   " }) });
    expect(((await empty.json()) as { error: string }).error).to.equal("NO_TEXT");
    const model = await cti(["categorise", "--model", "--api", solo.url, "--json"]);
    expect(JSON.parse(model.stdout)).to.have.nested.property("evaluation.split.tramTestReports");

    const discarded = await cti(["drafts", "discard", draft.id, "--api", solo.url]);
    expect(discarded.code).to.equal(0);
    expect((await fetch(`${solo.url}/drafts/${draft.id}`)).status).to.equal(404);
  });

  it("reads a report from a URL within bounds, and names what it refuses", async function () {
    const server = createServer((request, response) => {
      if (request.url === "/advisory.html") {
        response.writeHead(200, { "content-type": "text/html" });
        response.end("<html><head><title>Remote advisory</title></head><body><p>Beacons to remote-c2[.]net were seen.</p></body></html>");
      } else if (request.url === "/huge.txt") {
        // Declares nothing and sends more than a report may be.
        response.writeHead(200, { "content-type": "text/plain" });
        const chunk = Buffer.alloc(1 << 20, 97);
        let sent = 0;
        const more = () => {
          while (sent < 40 && response.write(chunk)) sent++;
          if (sent < 40) response.once("drain", more);
          else response.end();
        };
        more();
      } else {
        response.writeHead(404);
        response.end();
      }
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    try {
      const created = await fetch(`${solo.url}/drafts`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ url: `${base}/advisory.html` }) });
      expect(created.status, await created.clone().text()).to.equal(201);
      const draft = (await created.json()) as Draft;
      expect(draft.title).to.equal("Remote advisory");
      expect(draft.items.map((i) => i.kind === "observable" && i.value)).to.include("remote-c2.net");
      const huge = await fetch(`${solo.url}/drafts`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ url: `${base}/huge.txt` }) });
      expect(huge.status).to.equal(400);
      expect(((await huge.json()) as { message: string }).message).to.match(/at most \d+ (are|is) read|over \d+ bytes/);
      const missing = await fetch(`${solo.url}/drafts`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ url: `${base}/gone.html` }) });
      expect(missing.status).to.equal(400);
      expect(((await missing.json()) as { message: string }).message).to.match(/no such report/);
    } finally {
      server.close();
    }
  });
});
