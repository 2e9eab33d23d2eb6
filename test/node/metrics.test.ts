import { expect } from "chai";
import { startSoloNode } from "../helpers/nodes.js";

/** The Prometheus endpoint of a real node: the exposition format, and figures that follow what the node did. */
describe("metrics (a real node, GET /metrics)", function () {
  this.timeout(60_000);
  let solo: Awaited<ReturnType<typeof startSoloNode>>;
  const post = (path: string, body: unknown) =>
    fetch(`${solo.url}${path}`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(body) });
  const scrape = async () => {
    const response = await fetch(`${solo.url}/metrics`);
    expect(response.status).to.equal(200);
    expect(response.headers.get("content-type")).to.match(/^text\/plain; version=0\.0\.4/);
    return response.text();
  };
  /** The sample of `name` (with exactly these labels, or none), as a number; undefined if absent. */
  const sample = (text: string, name: string) => {
    const line = text.split("\n").find((l) => l.startsWith(`${name} `));
    return line === undefined ? undefined : Number(line.slice(name.length + 1));
  };

  before(async function () {
    solo = await startSoloNode("metrics-org");
  });
  after(async function () {
    await solo?.stop();
  });

  it("exposes valid Prometheus text whose figures follow publishing, matching and the chain", async function () {
    const before = await scrape();
    expect(sample(before, "cti_store_indicators")).to.equal(0);
    expect(sample(before, "cti_published_batches_total")).to.equal(0);

    expect((await post("/indicators", { indicators: ["a", "b", "c"].map((h) => ({ type: "domain", value: `${h}.metrics.example`, tlp: "GREEN" })) })).status).to.equal(200);
    expect((await post("/match", { values: ["www.a.metrics.example", "benign.example.org"] })).status).to.equal(200);
    const text = await scrape();

    expect(sample(text, "cti_store_indicators")).to.equal(3);
    expect(sample(text, "cti_lookup_index_entries")).to.equal(3);
    expect(sample(text, "cti_published_batches_total")).to.equal(1);
    expect(sample(text, "cti_published_indicators_total")).to.equal(3);
    expect(sample(text, "cti_match_values_total")).to.equal(2);
    expect(sample(text, "cti_match_values_matched_total")).to.equal(1);
    expect(sample(text, 'cti_members{state="active"}')).to.equal(1);
    expect(sample(text, "cti_chain_head_block")).to.be.greaterThan(0);
    expect(sample(text, "cti_chain_stale")).to.equal(0);
    expect(sample(text, "cti_chain_lag_seconds")).to.be.within(0, 30);
    expect(sample(text, "process_cpu_user_seconds_total")).to.be.greaterThan(0);
    // Known label sets are there at zero, so that rates and alerts work from the first scrape.
    expect(sample(text, 'cti_gossip_batches_received_total{outcome="accept",code=""}')).to.equal(0);
    expect(sample(text, 'cti_sync_batches_total{kind="fetched"}')).to.equal(0);

    // Every line is a comment (# HELP / # TYPE) or a sample: name, optional labels, a number.
    for (const line of text.split("\n").filter(Boolean)) {
      expect(line, line).to.match(/^(# (HELP|TYPE) [a-zA-Z_:][a-zA-Z0-9_:]* .+|[a-zA-Z_:][a-zA-Z0-9_:]*(\{([a-zA-Z_][a-zA-Z0-9_]*="[^"]*",?)*\})? (-?[0-9.e+-]+|NaN|\+Inf|-Inf))$/);
    }
    for (const name of ["cti_gossip_batches_received_total", "cti_sync_batches_total", "cti_reputation_report_transactions_total", "cti_audit_anchors_total"]) {
      expect(text).to.include(`# TYPE ${name} counter`);
    }
  });
});
