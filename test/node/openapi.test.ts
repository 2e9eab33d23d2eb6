import { expect } from "chai";
import { apiOperations, buildApiServer } from "../../node/src/api/server.js";
import { startSoloNode } from "../helpers/nodes.js";

/** The OpenAPI description against the routes the server really registers, both ways. */
describe("OpenAPI description (a real node)", function () {
  this.timeout(60_000);
  let solo: Awaited<ReturnType<typeof startSoloNode>>;

  before(async function () {
    // With TAXII credentials, so that every route the API can have is registered.
    solo = await startSoloNode("openapi-org", { taxii: { credentials: [{ name: "c", audience: "clients", token: "token-0123456789abcdef" }] } });
  });
  after(async function () {
    await solo?.stop();
  });

  it("documents exactly the operations the server registers, with the request schemas the routes parse", async function () {
    const app = await buildApiServer(solo.node, { bodyLimitBytes: 1 << 20 });
    await app.ready();
    const response = await app.inject({ method: "GET", url: "/openapi.json" });
    expect(response.statusCode).to.equal(200);
    const document = response.json() as { openapi: string; info: { version: string }; paths: Record<string, Record<string, { summary: string; requestBody?: { content: Record<string, { schema: { type: string; properties: Record<string, unknown>; required?: string[] } }> } }>> };
    expect(document.openapi).to.equal("3.1.0");
    const documented = Object.entries(document.paths).flatMap(([path, methods]) => Object.keys(methods).map((m) => `${m.toUpperCase()} ${path}`));
    expect([...documented].sort()).to.deep.equal([...new Set(apiOperations(app))].sort());
    for (const [path, methods] of Object.entries(document.paths)) for (const [method, op] of Object.entries(methods)) expect(op.summary, `${method} ${path}`).to.be.a("string").and.not.equal("");

    const publish = document.paths["/indicators"]!.post!.requestBody!.content["application/json"]!.schema;
    expect(publish.type).to.equal("object");
    expect(publish.required).to.deep.equal(["indicators"]);
    const match = document.paths["/match"]!.post!.requestBody!.content["application/json"]!.schema;
    expect(Object.keys(match.properties)).to.have.members(["values", "includeQuarantined"]);
    await app.close();
  });

  it("is served by the running node", async function () {
    const response = await fetch(`${solo.url}/openapi.json`);
    expect(response.status).to.equal(200);
    expect(((await response.json()) as { paths: object }).paths).to.have.property("/status");
  });
});
