import { expect } from "chai";
import { HeavyWork, HeavyWorkBusyError } from "../../node/src/api/heavy-work.js";

/** Whole-store requests: a few at once, the rest refused at once; shared answers computed once a period. */
describe("whole-store work in the API (api/heavy-work.ts)", function () {
  const gate = () => {
    let open!: () => void;
    const opened = new Promise<void>((resolve) => (open = resolve));
    return { open, opened };
  };

  it("runs as many as it allows at once and refuses the next at once, then takes work again", async function () {
    const heavy = new HeavyWork({ concurrency: 2 });
    const g = gate();
    const running = [heavy.run(() => g.opened.then(() => 1)), heavy.run(() => g.opened.then(() => 2))];
    expect(heavy.active).to.equal(2);
    const refused = await heavy.run(async () => 3).catch((err: unknown) => err);
    expect(refused).to.be.instanceOf(HeavyWorkBusyError);
    expect((refused as HeavyWorkBusyError).retryAfterSeconds).to.be.greaterThan(0);
    g.open();
    expect(await Promise.all(running)).to.deep.equal([1, 2]);
    expect(heavy.active).to.equal(0);
    expect(await heavy.run(async () => 4)).to.equal(4);
    // A failure frees its slot too.
    await heavy.run(async () => Promise.reject(new Error("boom"))).catch(() => undefined);
    expect(heavy.active).to.equal(0);
  });

  it("computes a shared answer once for every caller meanwhile, keeps it for its ttl, then computes again", async function () {
    let now = 1_000;
    const heavy = new HeavyWork({ concurrency: 1, now: () => now });
    let computed = 0;
    const g = gate();
    const compute = async () => {
      computed++;
      await g.opened;
      return computed;
    };
    // Three callers at once take one slot, not three (a concurrency of 1 would refuse the others).
    const answers = [heavy.cached("k", 60_000, compute), heavy.cached("k", 60_000, compute), heavy.cached("k", 60_000, compute)];
    g.open();
    expect((await Promise.all(answers)).map((a) => a.value)).to.deep.equal([1, 1, 1]);
    now += 59_999;
    expect(await heavy.cached("k", 60_000, compute)).to.deep.equal({ value: 1, computedAt: 1_000 });
    now += 1;
    expect(await heavy.cached("k", 60_000, compute)).to.deep.equal({ value: 2, computedAt: 61_000 });
    expect(computed).to.equal(2);
    // Another key is another answer.
    expect((await heavy.cached("other", 60_000, async () => "x")).value).to.equal("x");
  });

  it("does not keep a failed computation: the next caller computes again", async function () {
    const heavy = new HeavyWork();
    let calls = 0;
    const failing = async () => {
      calls++;
      if (calls === 1) throw new Error("store closed");
      return "ok";
    };
    expect(await heavy.cached("k", 60_000, failing).catch((err: Error) => err.message)).to.equal("store closed");
    expect((await heavy.cached("k", 60_000, failing)).value).to.equal("ok");
  });
});
