/**
 * Root hook: once every suite has run, the process must end. Hardhat's runner does not exit on
 * its own, so a test that fails half-way and leaves a node, a chain or a child process running
 * would otherwise hold CI until its time limit. If anything still holds the event loop a while
 * after the last hook, say what it is (for a timer, where it was set) and exit with the runner's
 * code.
 */
const GRACE_MS = 15_000;

// Where each timer that could hold the process was set, to name it if it does.
const timers = new Set<WeakRef<NodeJS.Timeout>>();
const origins = new WeakMap<NodeJS.Timeout, string>();
const originalSetTimeout = globalThis.setTimeout;
const originalSetInterval = globalThis.setInterval;
function tracked<F extends typeof setTimeout | typeof setInterval>(original: F): F {
  return ((...args: Parameters<F>) => {
    const timer = (original as (...a: unknown[]) => NodeJS.Timeout)(...args);
    if (typeof timer === "object" && timer !== null) {
      origins.set(timer, new Error().stack?.split("\n").slice(2, 6).join("\n") ?? "?");
      timers.add(new WeakRef(timer));
      // Forget timers that are gone, now and then: tests set hundreds of thousands.
      if (timers.size % 10_000 === 0) for (const ref of timers) if ((ref.deref() as { _destroyed?: boolean } | undefined)?._destroyed !== false) timers.delete(ref);
    }
    return timer;
  }) as F;
}
globalThis.setTimeout = Object.assign(tracked(originalSetTimeout), originalSetTimeout);
globalThis.setInterval = Object.assign(tracked(originalSetInterval), originalSetInterval);

after(function () {
  originalSetTimeout(() => {
    const holding = process.getActiveResourcesInfo().filter((r) => r !== "TTYWrap");
    console.error(`\nexit guard: the test process was still held ${GRACE_MS / 1000} s after the last test by ${holding.join(", ") || "nothing named"}; exiting`);
    for (const ref of timers) {
      const timer = ref.deref() as (NodeJS.Timeout & { _destroyed?: boolean }) | undefined;
      if (timer && timer.hasRef() && !timer._destroyed) console.error(`  a timer set at\n${origins.get(timer)}`);
    }
    process.exit();
  }, GRACE_MS).unref();
});
