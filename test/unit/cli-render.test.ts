import { expect } from "chai";
import { humanize, table } from "../../node/src/cli/render.js";

describe("CLI rendering for people", function () {
  it("aligns a list of records as a table, with - for empty cells and long cells clipped", function () {
    const text = table([
      { orgId: "acme-bank", status: "active", tags: ["a", "b"] },
      { orgId: "north-cert", status: "suspended", note: "x".repeat(80) },
    ]);
    const lines = text.split("\n");
    expect(lines[0]).to.match(/^orgId\s+status\s+tags\s+note$/);
    expect(lines[1]).to.match(/^-+ {2}-+ {2}-+ {2}-+$/);
    expect(lines[2]).to.match(/^acme-bank\s+active\s+a, b\s+-$/);
    expect(lines[3]).to.include("…");
    expect(lines[3]!.length).to.be.lessThan(130);
    // Columns line up: every row's second column starts where the header's does.
    const start = lines[0]!.indexOf("status");
    expect(lines[2]!.indexOf("active")).to.equal(start);
    expect(lines[3]!.indexOf("suspended")).to.equal(start);
  });

  it("prints a record as key: value lines, nesting small objects and tabulating lists of records", function () {
    const text = humanize({ orgId: "acme-bank", store: { indicators: 3, batches: 1 }, peers: [{ orgId: "north-cert", peerId: "12D3" }], empty: [] });
    expect(text).to.equal(["orgId: acme-bank", "store:", "  indicators: 3", "  batches: 1", "peers:", "  orgId       peerId", "  ----------  ------", "  north-cert  12D3", "empty: -"].join("\n"));
    expect(humanize([])).to.equal("(none)");
  });
});
