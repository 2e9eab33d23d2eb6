import { expect } from "chai";
import { Writable } from "node:stream";
import { join } from "node:path";
import { Level } from "level";
import pino from "pino";
import { ANONYMOUS_TOPIC } from "../../node/src/anon/anonymous-statements.js";
import { buildApiServer, startApiServer } from "../../node/src/api/server.js";
import { cti } from "../helpers/cli.js";
import { anonymousSightingMessage, anonymousSightingScope, isAnonymousReporter } from "../../node/src/model/anonymous-sighting.js";
import { CtiNode } from "../../node/src/node.js";
import { decodeAnonymousSighting, encodeAnonymousSighting } from "../../node/src/wire/anonymous-sighting.js";
import { encodeRingSignature, ringSign } from "../../node/src/wire/ring-signature.js";
import { startDevnet, type Devnet } from "../../scripts/lib/devnet.js";
import { newIdentity, nodeConfig, removeDir, waitFor } from "../helpers/nodes.js";
import { NodeIdentity } from "../../node/src/identity/identity.js";
import { RingKeysView } from "../../node/src/chain/ring-keys.js";

/**
 * Anonymous sightings between real nodes on a real ledger: intel-co publishes an indicator;
 * quiet-bank and shy-hospital sight it as "an anonymous member". Each sighting reaches every node
 * and counts once; quiet-bank's second one in the epoch is refused at quiet-bank and, forged and
 * gossiped anyway, ignored everywhere; no node's stored records, logs or sightings name the
 * reporters. Every node's log is captured at debug level.
 */
describe("anonymous sightings between real nodes", function () {
  this.timeout(180_000);
  const ORGS = ["intel-co", "quiet-bank", "shy-hospital", "grid-ops"] as const;
  let devnet: Devnet;
  const dirs: Record<string, string> = {};
  const identities: Record<string, NodeIdentity> = {};
  const nodes: Record<string, CtiNode> = {};
  const logs: Record<string, string[]> = {};
  const VALUE = "c2.anonymous-test.example";
  let indicatorId: string;

  before(async function () {
    devnet = await startDevnet();
    for (const org of ORGS) {
      const { dataDir, identity } = await newIdentity(org);
      dirs[org] = dataDir;
      identities[org] = identity;
      await devnet.admit(identity.public(), { displayName: org, country: "NL", sector: "finance" });
    }
    for (const org of ORGS) {
      logs[org] = [];
      const sink = new Writable({ write: (chunk, _enc, done) => (logs[org]!.push(String(chunk)), done()) });
      const node = new CtiNode(nodeConfig(dirs[org]!, devnet.deployment), { logger: pino({ level: "debug" }, sink) });
      await node.start();
      nodes[org] = node;
    }
    await Promise.all(Object.values(nodes).map((n) => n.ringKeyRegistration));
    // A sighting names the ring of the block before the head: one more block, and every key is in it.
    await devnet.provider.send("evm_mine", []);
    await Promise.all(Object.values(nodes).map((n) => n.refreshChain()));
    await waitFor("every node meshed", () => Object.values(nodes).every((n) => n.gossip.topicPeers() === ORGS.length - 1), 30_000);
    await nodes["intel-co"]!.publish([{ type: "domain", value: VALUE, confidence: 80 }]);
    await waitFor("every node to hold the indicator", async () => (await Promise.all(ORGS.map((o) => nodes[o]!.lookup(VALUE)))).every((r) => r.length === 1));
    indicatorId = (await nodes["intel-co"]!.lookup(VALUE))[0]!.id;
  });

  after(async function () {
    for (const node of Object.values(nodes)) await node.stop();
    await devnet?.close();
    for (const dir of Object.values(dirs)) await removeDir(dir);
  });

  const anonymousReporters = async (org: string) => {
    const stored = await nodes[org]!.store.sightings.get(indicatorId);
    return Object.values(stored?.byScope ?? {}).flatMap((byOrg) => Object.keys(byOrg)).filter(isAnonymousReporter);
  };
  const reportersAt = async (org: string) => {
    const stored = await nodes[org]!.store.sightings.get(indicatorId);
    return Object.values(stored?.byScope ?? {}).flatMap((byOrg) => Object.keys(byOrg));
  };

  it("refuses over the API what it cannot sight anonymously, naming why", async function () {
    const api = await buildApiServer(nodes["quiet-bank"]!, { bodyLimitBytes: 1 << 20 });
    const unknown = await api.inject({ method: "POST", url: "/sightings", payload: { value: "never-shared.example", anonymous: true } });
    expect(unknown.statusCode).to.equal(404);
    await api.close();
  });

  it("delivers an anonymous sighting to every node, counted once, under no member's name", async function () {
    const api = await buildApiServer(nodes["quiet-bank"]!, { bodyLimitBytes: 1 << 20 });
    const sent = await api.inject({ method: "POST", url: "/sightings", payload: { value: VALUE, anonymous: true, count: 3 } });
    expect(sent.statusCode, sent.body).to.equal(200);
    expect(sent.json().sightings[0]).to.include({ indicatorId, ringSize: 4 });
    await waitFor("every node to count it", async () => (await Promise.all(ORGS.map(anonymousReporters))).every((r) => r.length === 1), 30_000);
    for (const org of ORGS) expect(await reportersAt(org), org).to.deep.equal(await anonymousReporters(org));
    // The same pseudonym everywhere (from the key image), and not quiet-bank's name.
    const names = await Promise.all(ORGS.map(anonymousReporters));
    expect(new Set(names.flat()).size).to.equal(1);
    const [record] = await nodes["intel-co"]!.trust.scored(await nodes["intel-co"]!.lookup(VALUE), { kind: "internal" });
    expect(record!.score.confirmedBy).to.have.length(1);
    expect(record!.score.confirmedBy[0]).to.match(/^anonymous:[0-9a-f]{16}$/);
    // The second one in the epoch: refused where it is made.
    const again = await api.inject({ method: "POST", url: "/sightings", payload: { value: VALUE, anonymous: true } });
    expect(again.statusCode).to.equal(409);
    expect(again.json().error).to.equal("ALREADY_SIGHTED");
    await api.close();
  });

  it("ignores a second signature by the same member in the scope, gossiped anyway, and counts another member's", async function () {
    // quiet-bank signs another message in the same scope by hand (as modified software would) and gossips it.
    const node = nodes["quiet-bank"]!;
    const epoch = (await node.status()).epoch!.number;
    const ringBlock = (await devnet.provider.getBlockNumber()) - 1;
    const ring = await new RingKeysView(devnet.deployment.ringKeysAddress!, devnet.provider).ringAt(ringBlock);
    const unsigned = { version: 1, deployment: (node as unknown as { deploymentValue: Uint8Array }).deploymentValue, indicatorId, kind: "sighting" as const, epoch, ringBlock, observedDay: Math.floor(Date.now() / 86_400_000), count: 999 };
    const signature = ringSign(anonymousSightingMessage(unsigned), ring.keys, identities["quiet-bank"]!.ringKeyPair().secretKey, anonymousSightingScope(unsigned));
    const forged = encodeAnonymousSighting({ ...unsigned, signature: encodeRingSignature(signature) });
    expect(decodeAnonymousSighting(forged).count).to.equal(999);
    const before = nodes["grid-ops"]!.anonymous.stats.ignored["REPEATED_KEY_IMAGE"] ?? 0;
    await node.libp2p.services.pubsub.publish(ANONYMOUS_TOPIC, forged).catch(() => undefined);
    await waitFor("grid-ops to ignore the repeat", () => (nodes["grid-ops"]!.anonymous.stats.ignored["REPEATED_KEY_IMAGE"] ?? 0) > before);
    expect(await anonymousReporters("grid-ops")).to.have.length(1);
    const stored = await nodes["grid-ops"]!.store.sightings.get(indicatorId);
    expect(Object.values(stored!.byScope["0"]!)[0]!.sighting).to.equal(3);

    await nodes["shy-hospital"]!.sightAnonymously(VALUE, "sighting");
    await waitFor("every node to count two anonymous members", async () => (await Promise.all(ORGS.map(anonymousReporters))).every((r) => r.length === 2), 30_000);
  });

  it("delivers an anonymous indicator, scored below a member's same statement, once per member and epoch", async function () {
    const api = await buildApiServer(nodes["grid-ops"]!, { bodyLimitBytes: 1 << 20 });
    const refused = await api.inject({ method: "POST", url: "/indicators", payload: { anonymous: true, indicators: [{ type: "domain", value: "amber.anonymous-test.example", tlp: "AMBER", group: 1 }] } });
    expect(refused.json().results[0]).to.include({ ok: false, reason: "NOT_OPEN" });
    const sent = await api.inject({ method: "POST", url: "/indicators", payload: { anonymous: true, indicators: [{ type: "domain", value: "loader.anonymous-test.example", confidence: 90 }] } });
    expect(sent.statusCode, sent.body).to.equal(200);
    const producer = sent.json().results[0].producer as string;
    expect(producer).to.match(/^anonymous:[0-9a-f]{16}$/);
    await waitFor("every node to hold it", async () => (await Promise.all(ORGS.map((o) => nodes[o]!.lookup("loader.anonymous-test.example")))).every((r) => r.length === 1), 30_000);
    for (const org of ORGS) {
      const [record] = await nodes[org]!.lookup("loader.anonymous-test.example");
      expect(record!.attestations.map((a) => a.producer), org).to.deep.equal([producer]);
    }
    const again = await api.inject({ method: "POST", url: "/indicators", payload: { anonymous: true, indicators: [{ type: "domain", value: "loader.anonymous-test.example", confidence: 95 }] } });
    expect(again.json().results[0]).to.include({ ok: false, reason: "ALREADY_STATED" });
    await api.close();
    // The same statement by a member, for comparison: an anonymous producer scores lower.
    await nodes["intel-co"]!.publish([{ type: "domain", value: "named.anonymous-test.example", confidence: 90 }]);
    await waitFor("grid-ops to hold the named one", async () => (await nodes["grid-ops"]!.lookup("named.anonymous-test.example")).length === 1);
    const [anonymous] = await nodes["grid-ops"]!.trust.scored(await nodes["grid-ops"]!.lookup("loader.anonymous-test.example"), { kind: "internal" });
    const [named] = await nodes["grid-ops"]!.trust.scored(await nodes["grid-ops"]!.lookup("named.anonymous-test.example"), { kind: "internal" });
    expect(anonymous!.score.score).to.be.lessThan(named!.score.score);
    expect(anonymous!.score.score).to.be.greaterThan(0);
  });

  it("does the same from the CLI: cti sight --anonymous, cti publish --anonymous", async function () {
    const server = await startApiServer(nodes["shy-hospital"]!, { host: "127.0.0.1", port: 0, bodyLimitBytes: 1 << 20 });
    try {
      const sighted = await cti(["sight", "loader.anonymous-test.example", "--anonymous", "--api", server.url, "--json"]);
      expect(sighted.code, sighted.stderr).to.equal(0);
      expect(JSON.parse(sighted.stdout)).to.include({ anonymous: true });
      const published = await cti(["publish", "--anonymous", "-t", "domain", "-v", "cli.anonymous-test.example", "--api", server.url, "--json"]);
      expect(published.code, published.stderr).to.equal(0);
      expect(JSON.parse(published.stdout).results[0].producer).to.match(/^anonymous:/);
      const amber = await cti(["publish", "--anonymous", "-t", "domain", "-v", "amber-cli.anonymous-test.example", "--tlp", "AMBER", "-g", "1", "--api", server.url, "--json"]);
      expect(amber.code).to.equal(1);
      expect(JSON.parse(amber.stdout).results[0].reason).to.equal("NOT_OPEN");
    } finally {
      await server.app.close();
    }
  });

  it("keeps the reporters' names out of every node's stored records, metrics and logs", async function () {
    for (const org of ORGS) {
      const metrics = await nodes[org]!.metrics.render();
      const anonymous = metrics.split("\n").filter((line) => line.startsWith("cti_anonymous_"));
      expect(anonymous.some((line) => /cti_anonymous_received_total\{kind="sighting",outcome="accept",code=""\} [1-9]/.test(line)), `${org}'s metrics count what arrived`).to.equal(true);
      for (const line of anonymous) for (const reporter of ["quiet-bank", "shy-hospital", "grid-ops"]) expect(line).not.to.include(reporter);
      for (const line of logs[org]!) {
        if (!/anonym|stem/i.test(line)) continue;
        for (const reporter of ["quiet-bank", "shy-hospital", "grid-ops"]) {
          if (org === reporter) continue;
          expect(line, `${org}'s log`).not.to.include(reporter);
          expect(line, `${org}'s log`).not.to.include(nodes[reporter]!.libp2p.peerId.toString());
        }
      }
    }
    // grid-ops stated an anonymous indicator: intel-co's store must not name it either.
    const secrets: Record<string, string[]> = { "intel-co": ["quiet-bank", "shy-hospital", "grid-ops"], "grid-ops": ["quiet-bank", "shy-hospital"] };

    for (const org of ["intel-co", "grid-ops"]) {
      await nodes[org]!.stop();
      const db = new Level<string, Uint8Array>(join(dirs[org]!, "db"), { keyEncoding: "utf8", valueEncoding: "view" });
      for await (const [key, value] of db.iterator()) {
        for (const reporter of secrets[org]!) {
          expect(key.includes(reporter) || Buffer.from(value).includes(Buffer.from(reporter)), `${org}'s database holds ${reporter} (${key})`).to.equal(false);
        }
      }
      await db.close();
      delete nodes[org];
    }
  });
});
