import { expect } from "chai";
import { buildApiServer } from "../../node/src/api/server.js";
import { ConfigError, parseConfig } from "../../node/src/config/config.js";
import { startSoloNode } from "../helpers/nodes.js";

const chain = { rpcUrl: "http://127.0.0.1:8545", registryAddress: `0x${"1".repeat(40)}` };

describe("API authentication", function () {
  this.timeout(60_000);

  it("refuses a configuration that opens the API beyond 127.0.0.1 without tokens, and names the fix", function () {
    const open = { dataDir: "/tmp/x", chain, api: { host: "0.0.0.0", port: 8700 } };
    expect(() => parseConfig(open, "test")).to.throw(ConfigError, /api\.tokens: the API listens beyond 127\.0\.0\.1/);
    expect(() => parseConfig({ ...open, api: { host: "0.0.0.0", port: 8700, tokens: [{ name: "soc", token: "short" }] } }, "test")).to.throw(ConfigError, /24 characters/);
    expect(parseConfig({ ...open, api: { host: "0.0.0.0", port: 8700, tokens: [{ name: "soc", token: "t".repeat(32) }] } }, "test").api).to.include({ host: "0.0.0.0" });
    expect(parseConfig({ ...open, api: { host: "127.0.0.1", port: 8700 } }, "test").api).to.include({ host: "127.0.0.1" });
  });

  describe("on a real node", function () {
    let solo: Awaited<ReturnType<typeof startSoloNode>>;
    before(async function () {
      solo = await startSoloNode("auth-org");
    });
    after(async function () {
      await solo?.stop();
    });

    it("answers only requests with one of the configured bearer tokens; TAXII keeps its own credentials", async function () {
      const token = "soc-dashboard-token-0123456789";
      const app = await buildApiServer(solo.node, { bodyLimitBytes: 1 << 20, tokens: [{ name: "dashboard", token }, { name: "siem", token: "siem-token-abcdefghijklmnop" }] });
      const none = await app.inject({ method: "GET", url: "/status" });
      expect(none.statusCode).to.equal(401);
      expect(none.headers["www-authenticate"]).to.match(/^Bearer/);
      expect((await app.inject({ method: "GET", url: "/status", headers: { authorization: `Bearer ${token}x` } })).statusCode).to.equal(401);
      expect((await app.inject({ method: "GET", url: "/status", headers: { authorization: `Basic ${token}` } })).statusCode).to.equal(401);
      expect((await app.inject({ method: "GET", url: "/status", headers: { authorization: `Bearer ${token}` } })).statusCode).to.equal(200);
      expect((await app.inject({ method: "GET", url: "/metrics", headers: { authorization: "Bearer siem-token-abcdefghijklmnop" } })).statusCode).to.equal(200);
      const publish = await app.inject({ method: "POST", url: "/indicators", payload: { indicators: [{ type: "domain", value: "x.auth.example" }] } });
      expect(publish.statusCode).to.equal(401);
      expect(await solo.node.lookup("x.auth.example")).to.deep.equal([]);
      // Not our hook's business: TAXII is not configured here, so the route does not exist.
      expect((await app.inject({ method: "GET", url: "/taxii2/" })).statusCode).to.equal(404);
      await app.close();
    });
  });
});
