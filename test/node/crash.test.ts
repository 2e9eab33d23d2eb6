import { expect } from "chai";
import type { ChildProcess } from "node:child_process";
import { writeFile } from "node:fs/promises";
import { createServer } from "node:net";
import { join } from "node:path";
import type { CtiNode } from "../../node/src/node.js";
import { IndicatorStore } from "../../node/src/store/indicator-store.js";
import { startDevnet, type Devnet } from "../../scripts/lib/devnet.js";
import { freePort, run, startLogged, terminate } from "../../scripts/lib/processes.js";
import { newIdentity, removeDir, startNode, waitFor } from "../helpers/nodes.js";

const CLI = join(process.cwd(), "node/bin/cti.js");

/**
 * kill -9 a node (a separate process) while it publishes at full speed and receives a partner's
 * batches: after restart nothing acknowledged is lost, and every index agrees with the records.
 */
describe("crash safety of a real node process", function () {
  this.timeout(180_000);
  let devnet: Devnet;
  const dirs: Record<string, string> = {};
  let feeder: CtiNode | undefined;
  let child: ChildProcess | undefined;
  let apiPort = 0;

  const status = async () =>
    (await (await fetch(`http://127.0.0.1:${apiPort}/status`)).json()) as { lookupIndex: { entries: number; builtFrom: string }; store: { indicators: number } };

  async function startChild(): Promise<void> {
    child = startLogged(process.execPath, [CLI, "start", "--data-dir", dirs["crash-node"]!], join(dirs["crash-node"]!, "node.log"));
    await waitFor("the node's API", async () => (await fetch(`http://127.0.0.1:${apiPort}/status`).catch(() => undefined))?.ok === true, 30_000);
  }

  before(async function () {
    devnet = await startDevnet();
    for (const org of ["crash-node", "feeder"]) {
      const { dataDir, identity } = await newIdentity(org);
      dirs[org] = dataDir;
      await devnet.admit(identity.public(), { displayName: org, country: "IE", sector: "finance" });
    }
    apiPort = await freePort();
    const d = devnet.deployment;
    await writeFile(
      join(dirs["crash-node"]!, "config.json"),
      JSON.stringify({
        listen: ["/ip4/127.0.0.1/tcp/0"],
        chain: { rpcUrl: d.rpcUrl, chainId: d.chainId, registryAddress: d.registryAddress, groupsAddress: d.groupsAddress, reputationAddress: d.reputationAddress, auditAddress: d.auditAddress, pollIntervalMs: 100 },
        api: { host: "127.0.0.1", port: apiPort },
        batch: { maxSize: 200, maxDelayMs: 10 },
        sync: { intervalMs: 500 },
      }),
    );
    await startChild();
    feeder = await startNode(dirs["feeder"]!, devnet.deployment, { batch: { maxSize: 100, maxDelayMs: 5 } });
    await feeder.refreshChain();
    await waitFor("the feeder to mesh with the node", () => feeder!.gossip.topicPeers() === 1, 30_000);
  });

  after(async function () {
    if (child) await terminate(child);
    await feeder?.stop();
    await devnet?.close();
    for (const dir of Object.values(dirs)) await removeDir(dir);
  });

  it("loses no acknowledged publish and keeps every index consistent after kill -9", async function () {
    const acknowledged: string[] = [];
    let stop = false;
    const publishing = (async () => {
      for (let round = 0; !stop; round++) {
        const values = Array.from({ length: 100 }, (_, i) => `r${round}-${i}.crash.example`);
        const response = await fetch(`http://127.0.0.1:${apiPort}/indicators`, {
          method: "POST",
          headers: { "content-type": "application/json" },
          body: JSON.stringify({ indicators: values.map((value) => ({ type: "domain", value })) }),
        }).catch(() => undefined);
        if (response?.status === 200) acknowledged.push(...values);
        else if (!response) return;
      }
    })();
    const feeding = (async () => {
      for (let round = 0; !stop; round++) {
        await feeder!.publish(Array.from({ length: 100 }, (_, i) => ({ type: "domain", value: `f${round}-${i}.feed.example` }))).catch(() => undefined);
      }
    })();
    await waitFor("a good amount of work in flight", () => acknowledged.length >= 3000, 60_000);
    child!.kill("SIGKILL");
    await new Promise((resolve) => child!.once("exit", resolve));
    stop = true;
    await Promise.all([publishing, feeding]);
    const lastFed = (await feeder!.store.producers.get("feeder"))!.lastSequence;

    // The store as the killed process left it: every index agrees with the records.
    const report = JSON.parse(await run(process.execPath, [CLI, "check", "--data-dir", dirs["crash-node"]!])) as { ok: boolean; counts: { records: number; batches: number }; problems: string[] };
    expect(report.problems).to.deep.equal([]);
    expect(report.ok).to.equal(true);
    const store = await IndicatorStore.open(join(dirs["crash-node"]!, "db"));
    try {
      const missing: string[] = [];
      for (const value of acknowledged) if (!(await store.lookup("domain", value))) missing.push(value);
      expect(missing, `${missing.length} of ${acknowledged.length} acknowledged publishes lost`).to.deep.equal([]);
      expect(report.counts.records).to.be.at.least(acknowledged.length);
    } finally {
      await store.close();
    }

    // Restarted, it catches up on what the feeder sent while it was down.
    await startChild();
    await waitFor("the restarted node to catch up with the feeder", async () => {
      const status = (await (await fetch(`http://127.0.0.1:${apiPort}/status`)).json()) as { store: { producers: Array<{ producer: string; lastSequence: number }> } };
      return status.store.producers.find((p) => p.producer === "feeder")?.lastSequence === lastFed;
    }, 60_000);
    const online = (await (await fetch(`http://127.0.0.1:${apiPort}/check`)).json()) as { ok: boolean };
    expect(online.ok).to.equal(true);
    // Killed, it had saved no lookup index: this start read every record.
    expect((await status()).lookupIndex.builtFrom).to.equal("records");
  });

  it("refuses to start on an API port already taken in one line, stopping cleanly, and then starts from its saved lookup index", async function () {
    await terminate(child!);
    const squatter = createServer();
    await new Promise<void>((resolve) => squatter.listen(apiPort, "127.0.0.1", resolve));
    try {
      const failure = await run(process.execPath, [CLI, "start", "--data-dir", dirs["crash-node"]!]).then(
        () => new Error("started although its API port was taken"),
        (err: Error) => err,
      );
      expect(failure.message).to.match(new RegExp(`cti: cannot serve the HTTP API on 127\\.0\\.0\\.1:${apiPort}: the port is already in use \\(change api\\.host or api\\.port`));
      expect(failure.message, "no stack trace").not.to.match(/\n\s+at /);
    } finally {
      await new Promise((resolve) => squatter.close(resolve));
    }
    await startChild();
    const after = await status();
    expect(after.lookupIndex.builtFrom, "the refused start stopped cleanly and saved the index").to.equal("snapshot");
    expect(after.lookupIndex.entries).to.equal(after.store.indicators);
  });
});
