import { expect } from "chai";
import fc from "fast-check";
import { advance, emptyProgress, isHandled, MAX_RETRIES_KEPT, MAX_WITHHELD_ATTEMPTS, retriesFor, skipWithheld, WITHHELD_BY_ENOUGH } from "../../node/src/store/sync-progress-repository.js";

describe("sync progress", function () {
  it("moves next over consecutive sequences and keeps those beyond a gap as ranges", function () {
    let p = emptyProgress("acme");
    for (const s of [1, 2, 5, 6, 7, 9]) p = advance(p, s);
    expect(p.next).to.equal(3);
    expect(p.above).to.deep.equal([[5, 7], [9, 9]]);
    p = advance(p, 3);
    p = advance(p, 4);
    expect(p.next).to.equal(8);
    expect(p.above).to.deep.equal([[9, 9]]);
    p = advance(p, 8);
    expect(p).to.deep.equal({ producer: "acme", next: 10, above: [], retry: [] });
  });

  it("agrees with a plain set of handled sequences whatever the order (property)", function () {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 1, max: 60 }), { maxLength: 80 }), (sequences) => {
        let p = emptyProgress("acme");
        const handled = new Set<number>();
        for (const s of sequences) {
          p = advance(p, s);
          handled.add(s);
        }
        for (let s = 1; s <= 62; s++) expect(isHandled(p, s), `#${s}`).to.equal(handled.has(s));
        let next = 1;
        while (handled.has(next)) next++;
        expect(p.next).to.equal(next);
        // Ranges stay sorted, disjoint and not touching: their number is bounded by the gaps.
        for (let i = 1; i < p.above.length; i++) expect(p.above[i]![0]).to.be.greaterThan(p.above[i - 1]![1] + 1);
      }),
    );
  });

  it("skips a withheld sequence without giving it up: it is asked of another peer at once, then later and later", function () {
    const now = 1_000_000;
    let p = skipWithheld(emptyProgress("acme"), 1, "peer-a", now);
    expect(p.next).to.equal(2);
    expect(p.retry).to.deep.equal([{ sequence: 1, withheldBy: ["peer-a"], attempts: 1, retryAt: now, lastAt: now }]);
    expect(retriesFor(p, "peer-b", now)).to.deep.equal([1]);
    // Not asked again of the peer that withheld it, until an hour has passed (its chain view may have lagged).
    expect(retriesFor(p, "peer-a", now + 10 * 60_000)).to.deep.equal([]);
    expect(retriesFor(p, "peer-a", now + 60 * 60_000)).to.deep.equal([1]);
    p = skipWithheld(p, 1, "peer-b", now + 1000);
    expect(p.retry[0]).to.deep.include({ withheldBy: ["peer-a", "peer-b"], attempts: 2, retryAt: now + 1000 + 60_000 });
    expect(retriesFor(p, "peer-c", now + 2000)).to.deep.equal([]);
    expect(retriesFor(p, "peer-c", now + 61_000)).to.deep.equal([1]);
  });

  it("gives a sequence up once enough distinct peers withheld it, and forgets the retry when the batch arrives", function () {
    let p = emptyProgress("acme");
    for (let i = 0; i < WITHHELD_BY_ENOUGH - 1; i++) p = skipWithheld(p, 4, `peer-${i}`, 0);
    expect(p.retry.map((r) => r.sequence)).to.deep.equal([4]);
    // The same peer twice counts once.
    p = skipWithheld(p, 4, "peer-0", 0);
    expect(p.retry).to.have.length(1);
    p = skipWithheld(p, 4, "another", 0);
    expect(p.retry).to.deep.equal([]);
    // However few the peers, a sequence refused often enough is given up.
    for (let i = 1; i < MAX_WITHHELD_ATTEMPTS; i++) p = skipWithheld(p, 6, "only-peer", 0);
    expect(p.retry.map((r) => r.sequence)).to.deep.equal([6]);
    p = skipWithheld(p, 6, "only-peer", 0);
    expect(p.retry).to.deep.equal([]);
    p = skipWithheld(p, 7, "peer-0", 0);
    expect(p.retry.map((r) => r.sequence)).to.deep.equal([7]);
    p = advance(p, 7);
    expect(p.retry).to.deep.equal([]);
  });

  it("keeps at most MAX_RETRIES_KEPT withheld sequences per producer", function () {
    let p = emptyProgress("acme");
    for (let s = 1; s <= MAX_RETRIES_KEPT + 50; s++) p = skipWithheld(p, s, "liar", 0);
    expect(p.retry).to.have.length(MAX_RETRIES_KEPT);
    expect(p.next).to.equal(MAX_RETRIES_KEPT + 51);
  });
});
