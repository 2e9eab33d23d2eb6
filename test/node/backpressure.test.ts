import { expect } from "chai";
import { startSoloNode } from "../helpers/nodes.js";

/** A publisher that cannot keep up says so at once (503, retry) instead of queueing without bound. */
describe("publish back-pressure (a real node)", function () {
  this.timeout(60_000);
  let solo: Awaited<ReturnType<typeof startSoloNode>>;
  const publish = (values: string[]) =>
    fetch(`${solo.url}/indicators`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ indicators: values.map((value) => ({ type: "domain", value })) }),
    });

  before(async function () {
    // A long batching window keeps the first publish waiting while the second arrives.
    solo = await startSoloNode("busy-org", { batch: { maxSize: 1000, maxDelayMs: 1500, maxPending: 10 } });
  });
  after(async function () {
    await solo?.stop();
  });

  it("refuses what would exceed the queue with 503 and Retry-After, counts it, and takes it once the queue drains", async function () {
    const first = publish(Array.from({ length: 8 }, (_, i) => `first-${i}.busy.example`));
    await new Promise((r) => setTimeout(r, 200));
    const refused = await publish(Array.from({ length: 5 }, (_, i) => `second-${i}.busy.example`));
    expect(refused.status).to.equal(503);
    expect(refused.headers.get("retry-after")).to.equal("1");
    expect(((await refused.json()) as { error: string }).error).to.equal("BUSY");
    expect((await first).status).to.equal(200);
    expect(await solo.node.lookup("second-0.busy.example")).to.deep.equal([]);

    const metrics = await (await fetch(`${solo.url}/metrics`)).text();
    expect(metrics).to.match(/^cti_published_refused_busy_total 5$/m);
    expect((await publish(["second-0.busy.example"])).status).to.equal(200);
  });
});
