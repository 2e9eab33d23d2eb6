/**
 * Root hook: once every suite has run, the process must end. Hardhat's runner does not exit on
 * its own, so a test that fails half-way and leaves a node, a chain or a child process running
 * would otherwise hold CI until its time limit. If anything still holds the event loop a while
 * after the last hook, say what it is and exit with the runner's code.
 */
const GRACE_MS = 15_000;

after(function () {
  setTimeout(() => {
    const holding = process.getActiveResourcesInfo().filter((r) => r !== "TTYWrap");
    console.error(`\nexit guard: the test process was still held ${GRACE_MS / 1000} s after the last test by ${holding.join(", ") || "nothing named"}; exiting`);
    process.exit();
  }, GRACE_MS).unref();
});
