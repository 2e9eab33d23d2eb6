import { expect } from "chai";
import { request } from "node:http";
import { allowedHostsOf, refuseRequest, type GuardedRequest } from "../../node/src/api/request-guard.js";
import { startSoloNode } from "../helpers/nodes.js";

/** A raw HTTP request, so that Host, Origin and Sec-Fetch-* can be set as a browser would. */
function raw(url: string, options: { method?: string; path: string; headers?: Record<string, string>; body?: string }): Promise<{ status: number; json: Record<string, unknown> }> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve, reject) => {
    const req = request({ hostname, port, method: options.method ?? "GET", path: options.path, headers: { ...(options.body ? { "content-length": String(Buffer.byteLength(options.body)) } : {}), ...options.headers } }, (res) => {
      let text = "";
      res.on("data", (chunk) => (text += chunk));
      res.on("end", () => resolve({ status: res.statusCode!, json: text ? (JSON.parse(text) as Record<string, unknown>) : {} }));
    });
    req.on("error", reject);
    req.end(options.body);
  });
}

describe("the API's request guard", function () {
  const base: GuardedRequest = { method: "POST", url: "/indicators", host: "127.0.0.1:8700", origin: undefined, secFetchSite: undefined, contentType: "application/json", hasBody: true };
  const hosts = allowedHostsOf("127.0.0.1", 8700, [])!;

  it("answers only to its own address on loopback, and to the hosts configured", function () {
    expect([...hosts].sort()).to.deep.equal(["127.0.0.1:8700", "[::1]:8700", "localhost:8700"]);
    expect(refuseRequest({ ...base, method: "GET", host: "evil.example:8700" }, hosts)).to.include({ status: 421, error: "MISDIRECTED_HOST" });
    expect(refuseRequest({ ...base, method: "GET", host: undefined }, hosts)).to.include({ status: 421 });
    expect(refuseRequest({ ...base, method: "GET", host: "LOCALHOST:8700" }, hosts)).to.equal(undefined);
    const proxied = allowedHostsOf("10.0.0.5", 8700, ["cti.example.org:443"])!;
    expect(refuseRequest({ ...base, method: "GET", host: "cti.example.org:443" }, proxied)).to.equal(undefined);
    expect(refuseRequest({ ...base, method: "GET", host: "10.0.0.5:8700" }, proxied)).to.equal(undefined);
    // A wildcard bind with no list takes any host (tokens are required there anyway).
    expect(allowedHostsOf("0.0.0.0", 8700, [])).to.equal(undefined);
  });

  it("refuses state-changing requests from another site, an opaque origin, or in a body type a form can send", function () {
    expect(refuseRequest({ ...base, origin: "http://evil.example" }, hosts)).to.include({ status: 403, error: "CROSS_SITE" });
    expect(refuseRequest({ ...base, origin: "null" }, hosts)).to.include({ status: 403, error: "CROSS_SITE" });
    expect(refuseRequest({ ...base, secFetchSite: "cross-site" }, hosts)).to.include({ status: 403 });
    expect(refuseRequest({ ...base, secFetchSite: "same-site" }, hosts)).to.include({ status: 403 });
    expect(refuseRequest({ ...base, contentType: "text/plain" }, hosts)).to.include({ status: 415, error: "UNSUPPORTED_MEDIA_TYPE" });
    expect(refuseRequest({ ...base, contentType: "application/x-www-form-urlencoded" }, hosts)).to.include({ status: 415 });
    expect(refuseRequest({ ...base, url: "/import/csv", contentType: "text/csv" }, hosts)).to.equal(undefined);
    expect(refuseRequest({ ...base, url: "/import/csv", contentType: "text/plain" }, hosts)).to.include({ status: 415 });
    // The dashboard itself (same origin) and clients without a browser pass.
    expect(refuseRequest({ ...base, origin: "http://127.0.0.1:8700", secFetchSite: "same-origin" }, hosts)).to.equal(undefined);
    expect(refuseRequest(base, hosts)).to.equal(undefined);
    expect(refuseRequest({ ...base, hasBody: false, contentType: undefined, url: "/governance/proposals/1/approve" }, hosts)).to.equal(undefined);
    // Reading is not refused cross-site: the browser keeps the answer from a foreign page (no CORS headers).
    expect(refuseRequest({ ...base, method: "GET", origin: "http://evil.example", secFetchSite: "cross-site" }, hosts)).to.equal(undefined);
  });

  describe("on a real node", function () {
    this.timeout(60_000);
    let solo: Awaited<ReturnType<typeof startSoloNode>>;
    before(async function () {
      solo = await startSoloNode("guard-org");
    });
    after(async function () {
      await solo?.stop();
    });

    it("refuses a rebound Host, a cross-site approval, a cross-site import and a text/plain publish, and publishes nothing", async function () {
      const port = new URL(solo.url).port;
      expect((await raw(solo.url, { path: "/status", headers: { host: `evil.example:${port}` } })).status).to.equal(421);
      expect((await raw(solo.url, { path: "/status", headers: { host: `localhost:${port}` } })).status).to.equal(200);
      const approval = await raw(solo.url, { method: "POST", path: "/governance/proposals/0/approve", headers: { origin: "http://evil.example", "sec-fetch-site": "cross-site" } });
      expect(approval).to.deep.include({ status: 403 });
      expect(approval.json.error).to.equal("CROSS_SITE");
      const csv = "type,value\ndomain,csrf-import.example\n";
      expect((await raw(solo.url, { method: "POST", path: "/import/csv", body: csv, headers: { "content-type": "text/csv", origin: "http://evil.example" } })).status).to.equal(403);
      const plain = JSON.stringify({ indicators: [{ type: "domain", value: "csrf-plain.example" }] });
      expect((await raw(solo.url, { method: "POST", path: "/indicators", body: plain, headers: { "content-type": "text/plain" } })).status).to.equal(415);
      expect((await raw(solo.url, { method: "POST", path: "/import/csv", body: csv, headers: { "content-type": "text/plain" } })).status).to.equal(415);
      expect(await solo.node.lookup("csrf-import.example")).to.deep.equal([]);
      expect(await solo.node.lookup("csrf-plain.example")).to.deep.equal([]);
      // The CLI's way (no Origin, JSON) works.
      const ok = await raw(solo.url, { method: "POST", path: "/indicators", body: JSON.stringify({ indicators: [{ type: "domain", value: "cli-way.example" }] }), headers: { "content-type": "application/json" } });
      expect(ok.status).to.equal(200);
    });

    it("asks every caller for an audience instead of defaulting to this org's own view", async function () {
      const missing = await fetch(`${solo.url}/indicators/lookup?value=cli-way.example`);
      expect(missing.status).to.equal(400);
      expect(JSON.stringify(await missing.json())).to.include("audience");
      for (const path of ["/indicators?since=0", "/feed", "/exports/csv", "/stats/top-confirmed"]) expect((await fetch(`${solo.url}${path}`)).status, path).to.equal(400);
      expect((await fetch(`${solo.url}/indicators/lookup?value=cli-way.example&audience=internal`)).status).to.equal(200);
    });

    it("answers its own failures with a request id, not the error's message", async function () {
      await solo.node.store.close();
      const failed = await fetch(`${solo.url}/indicators?since=0&audience=internal`);
      expect(failed.status).to.equal(500);
      const body = (await failed.json()) as { error: string; message: string; requestId: string };
      expect(body.error).to.equal("INTERNAL");
      expect(body.message).to.not.include("closed");
      expect(body.message).to.include(body.requestId);
    });
  });
});
