import { expect } from "chai";
import { blindValue } from "../../node/src/privacy/blinding.js";
import { join } from "node:path";
import { Level } from "level";
import { startApiServer } from "../../node/src/api/server.js";
import { ChainRefusedError } from "../../node/src/chain/chain-errors.js";
import type { CtiNode } from "../../node/src/node.js";
import { startDevnet, type Devnet } from "../../scripts/lib/devnet.js";
import { newIdentity, removeDir, startNode, waitFor } from "../helpers/nodes.js";
import { NodeIdentity } from "../../node/src/identity/identity.js";
import { INDICATOR_TOPIC } from "../../node/src/gossip/topics.js";
import { buildIndicator } from "../../node/src/model/validate.js";
import { signBatch } from "../../node/src/wire/batch.js";
import { encodeBatch } from "../../node/src/wire/codec.js";
import { lpStream } from "@libp2p/utils";
import { decodeSyncItem, encodeSyncRequest, SYNC_PROTOCOL } from "../../node/src/sync/sync-codec.js";

/**
 * Privacy with real nodes on a real chain, in a line: acme-bank, bank-two and health-co dial
 * nobody; relay-cert dials them all, so every byte between them passes through relay-cert, a
 * member that is in none of their groups. Every RPC any node's gossipsub sends is recorded.
 */
describe("privacy between real nodes", function () {
  this.timeout(180_000);

  const LEAVES = ["acme-bank", "bank-two", "health-co"] as const;
  const ORGS = [...LEAVES, "relay-cert"] as const;
  let devnet: Devnet;
  const dirs: Record<string, string> = {};
  const nodes: Record<string, CtiNode> = {};
  /** Payloads of every gossip message each node sent, as the wire carried them. */
  const sent: Record<string, Buffer[]> = {};
  let partners: number;

  function recordOutbound(org: string, node: CtiNode): void {
    sent[org] = [];
    const pubsub = node.libp2p.services.pubsub as unknown as { sendRpc(id: string, rpc: { messages?: Array<{ data?: Uint8Array }> }): boolean };
    const original = pubsub.sendRpc.bind(pubsub);
    pubsub.sendRpc = (id, rpc) => {
      for (const message of rpc.messages ?? []) if (message.data) sent[org]!.push(Buffer.from(message.data));
      return original(id, rpc);
    };
  }

  const onWire = (text: string) => ORGS.flatMap((org) => sent[org] ?? []).some((payload) => payload.includes(Buffer.from(text)));

  before(async function () {
    devnet = await startDevnet({ admins: 3, threshold: 2 });
    for (const org of ORGS) {
      const { dataDir, identity } = await newIdentity(org);
      dirs[org] = dataDir;
      await devnet.admit(identity.public(), { displayName: org, country: "DE", sector: "health" });
    }
    for (const org of LEAVES) nodes[org] = await startNode(dirs[org]!, devnet.deployment, { dialMembers: false });
    nodes["relay-cert"] = await startNode(dirs["relay-cert"]!, devnet.deployment);
    for (const org of ORGS) recordOutbound(org, nodes[org]!);
    await waitFor("relay-cert linked to every leaf, and the leaves to nothing else", () =>
      nodes["relay-cert"]!.gossip.topicPeers() === 3 && LEAVES.every((org) => nodes[org]!.libp2p.getPeers().length === 1 && nodes[org]!.gossip.topicPeers() === 1),
    30_000);
    partners = await nodes["acme-bank"]!.createGroup("acme-partners", ["bank-two", "health-co"]);
  });

  after(async function () {
    for (const node of Object.values(nodes)) await node.stop();
    await devnet?.close();
    for (const dir of Object.values(dirs)) await removeDir(dir);
  });

  it("lets a member outside the group relay an AMBER batch it cannot read", async function () {
    const relayStats = nodes["relay-cert"]!.gossip.stats;
    const relayedBefore = relayStats.relayedOnly.NOT_A_RECIPIENT;
    const [outcome] = await nodes["acme-bank"]!.publish([
      { type: "domain", value: "amber-c2.example.net", tlp: "AMBER", group: partners, description: "C2 of the November wave" },
    ]);
    expect(outcome, JSON.stringify(outcome)).to.include({ ok: true, group: partners });
    expect(outcome!.ok && outcome!.readableBy).to.deep.equal(["acme-bank", "bank-two", "health-co"]);
    for (const org of ["bank-two", "health-co"]) {
      await waitFor(`${org} to read the AMBER batch`, async () => (await nodes[org]!.lookup("amber-c2.example.net")).length === 1);
    }
    expect(relayStats.relayedOnly.NOT_A_RECIPIENT).to.equal(relayedBefore + 1);
    expect(await nodes["relay-cert"]!.lookup("amber-c2.example.net")).to.deep.equal([]);
    // The relay keeps the ciphertext (to serve it again later), and nothing readable.
    const stored = await nodes["relay-cert"]!.store.batches.get("acme-bank", outcome!.ok ? outcome!.sequence : 0);
    expect(stored!.sealed).to.not.equal(undefined);
    expect(stored!.indicators).to.deep.equal([]);
    expect(onWire("amber-c2.example.net")).to.equal(false);
    expect(onWire("November wave")).to.equal(false);
  });

  it("never puts TLP:RED on the wire, while GREEN from the same publish is there", async function () {
    const outcomes = await nodes["acme-bank"]!.publish([
      { type: "domain", value: "red-only.example.net", tlp: "RED" },
      { type: "domain", value: "green-too.example.net", tlp: "GREEN" },
      { type: "domain", value: "strict-too.example.net", tlp: "AMBER+STRICT", group: partners },
    ]);
    expect(outcomes.map((o) => o.ok && o.sequence > 0)).to.deep.equal([false, true, true]);
    await waitFor("the GREEN one at every partner", async () => {
      for (const org of ["bank-two", "health-co", "relay-cert"]) if ((await nodes[org]!.lookup("green-too.example.net")).length === 0) return false;
      return (await nodes["bank-two"]!.lookup("strict-too.example.net")).length === 1;
    });
    expect(onWire("green-too.example.net"), "the capture sees plaintext when there is some").to.equal(true);
    expect(onWire("red-only.example.net")).to.equal(false);
    expect(onWire("strict-too.example.net")).to.equal(false);
    expect(await nodes["acme-bank"]!.lookup("red-only.example.net")).to.have.length(1);
    for (const org of ["bank-two", "health-co", "relay-cert"]) expect(await nodes[org]!.lookup("red-only.example.net")).to.deep.equal([]);
  });

  it("serves catch-up without TLP:RED, and sealed batches as ciphertext only, to members of the group and others alike", async function () {
    // What acme-bank's sync server writes to a peer that asks for all of acme-bank's batches, as the wire carries it.
    const producer = nodes["acme-bank"]!;
    const served = async (asker: string) => {
      const frames: Buffer[] = [];
      // By address: in this star the asker may hold no address of the producer in its peer store yet.
      const stream = await nodes[asker]!.libp2p.dialProtocol(producer.libp2p.getMultiaddrs(), SYNC_PROTOCOL);
      const lp = lpStream(stream);
      await lp.write(encodeSyncRequest({ kind: "range", producer: "acme-bank", fromSequence: 1, limit: 1000 }));
      for (;;) {
        const frame = Buffer.from((await lp.read()).subarray());
        frames.push(frame);
        const item = decodeSyncItem(frame);
        if (item.kind === "end") break;
      }
      await stream.close().catch(() => undefined);
      return frames;
    };
    for (const asker of ["bank-two", "relay-cert"]) {
      const frames = await served(asker);
      const carries = (text: string) => frames.some((f) => f.includes(Buffer.from(text)));
      expect(frames.length, asker).to.be.greaterThan(2);
      expect(carries("green-too.example.net"), `${asker}: the capture sees plaintext when there is some`).to.equal(true);
      expect(carries("red-only.example.net"), asker).to.equal(false);
      expect(carries("strict-too.example.net"), asker).to.equal(false);
      expect(carries("amber-c2.example.net"), asker).to.equal(false);
      expect(carries("November wave"), asker).to.equal(false);
    }
  });

  it("serves clients no AMBER+STRICT or RED, and the owner's own view everything", async function () {
    const { app, url } = await startApiServer(nodes["acme-bank"]!, { host: "127.0.0.1", port: 0, bodyLimitBytes: 1 << 20 });
    try {
      const list = async (audience: string) =>
        ((await (await fetch(`${url}/indicators?audience=${audience}`)).json()) as { indicators: Array<{ value: string; tlp: string }> }).indicators;
      const internal = (await list("internal")).map((r) => r.tlp);
      expect(internal).to.include.members(["RED", "AMBER+STRICT", "AMBER", "GREEN"]);
      const clients = await list("clients");
      expect(clients.map((r) => r.tlp)).to.have.members(["AMBER", "GREEN"]);
      expect((await list("public")).map((r) => r.tlp)).to.deep.equal([]);
      const lookup = await fetch(`${url}/indicators/lookup?value=strict-too.example.net&audience=clients`);
      expect(((await lookup.json()) as { matches: unknown[] }).matches).to.deep.equal([]);
      expect((await fetch(`${url}/indicators/lookup?value=x&audience=everyone`)).status).to.equal(400);
    } finally {
      await app.close();
    }
  });

  it("scrubs before publishing and says what it dropped or changed, through the API", async function () {
    const { app, url } = await startApiServer(nodes["acme-bank"]!, { host: "127.0.0.1", port: 0, bodyLimitBytes: 1 << 20 });
    try {
      const response = await fetch(`${url}/indicators`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({
          indicators: [
            { type: "ipv4", value: "192.168.10.4" },
            { type: "ipv4", value: "185.220.101.99", description: "seen by jane.roe@acme-bank.example from 10.1.1.7" },
          ],
        }),
      });
      expect(response.status).to.equal(207);
      const body = (await response.json()) as { results: Array<Record<string, unknown>> };
      expect(body.results[0]).to.include({ ok: false, reason: "NON_ROUTABLE_ADDRESS", field: "value" });
      expect(body.results[1]).to.deep.include({
        ok: true,
        changes: [
          { field: "description", rule: "EMAIL", count: 1 },
          { field: "description", rule: "INTERNAL_ADDRESS", count: 1 },
        ],
      });
      await waitFor("the scrubbed one at bank-two", async () => (await nodes["bank-two"]!.lookup("185.220.101.99")).length === 1);
      const [record] = await nodes["bank-two"]!.lookup("185.220.101.99");
      expect(record!.attestations[0]!.description).to.equal("seen by [email] from [internal-address]");
      expect(onWire("jane.roe")).to.equal(false);
    } finally {
      await app.close();
    }
  });

  it("cuts an org removed from the group off every batch sealed after its removal", async function () {
    await nodes["acme-bank"]!.publish([{ type: "domain", value: "before-removal.example.net", tlp: "AMBER", group: partners }]);
    await waitFor("health-co to read the batch before its removal", async () => (await nodes["health-co"]!.lookup("before-removal.example.net")).length === 1);
    await nodes["acme-bank"]!.changeGroupMember(partners, "health-co", "remove");
    const healthStats = nodes["health-co"]!.gossip.stats;
    const notForHealth = healthStats.relayedOnly.NOT_A_RECIPIENT;
    const [outcome] = await nodes["acme-bank"]!.publish([{ type: "domain", value: "after-removal.example.net", tlp: "AMBER", group: partners }]);
    expect(outcome!.ok && outcome!.readableBy).to.deep.equal(["acme-bank", "bank-two"]);
    await waitFor("bank-two to read the batch after the removal", async () => (await nodes["bank-two"]!.lookup("after-removal.example.net")).length === 1);
    await waitFor("health-co to receive it as ciphertext only", () => healthStats.relayedOnly.NOT_A_RECIPIENT === notForHealth + 1);
    expect(await nodes["health-co"]!.lookup("after-removal.example.net")).to.deep.equal([]);
    // What it could read before stays: removal is not retroactive, and the docs say so.
    expect(await nodes["health-co"]!.lookup("before-removal.example.net")).to.have.length(1);
  });

  it("seals for a sector group that governance created by an M-of-N Call proposal", async function () {
    await devnet.createSectorGroup("health", ["acme-bank", "bank-two", "health-co"]);
    await nodes["acme-bank"]!.refreshChain();
    const health = nodes["acme-bank"]!.groups!.all().find((g) => g.name === "health")!;
    expect(health).to.include({ kind: "sector", owner: undefined });
    // A member shares only with groups it belongs to: relay-cert's node refuses to publish to this one.
    await nodes["relay-cert"]!.refreshChain();
    const [refusal] = await nodes["relay-cert"]!.publish([{ type: "domain", value: "not-mine.example.net", tlp: "AMBER", group: health.id }]);
    expect(refusal).to.include({ ok: false, reason: "NOT_IN_GROUP" });
    const [outcome] = await nodes["acme-bank"]!.publish([{ type: "domain", value: "sector-only.example.net", tlp: "AMBER+STRICT", group: health.id }]);
    expect(outcome!.ok && outcome!.readableBy).to.deep.equal(["acme-bank", "bank-two", "health-co"]);
    for (const org of ["bank-two", "health-co"]) {
      await waitFor(`${org} to read the sector batch`, async () => (await nodes[org]!.lookup("sector-only.example.net")).length === 1);
    }
    expect(await nodes["relay-cert"]!.lookup("sector-only.example.net")).to.deep.equal([]);
    // A batch relay-cert seals for the group all the same (modified software) is dropped by its members, not stored.
    const relayIdentity = await NodeIdentity.load(dirs["relay-cert"]!);
    const members = ["acme-bank", "bank-two", "health-co"].map((org) => ({ org, encryptionKey: nodes["acme-bank"]!.membership.get(org)!.encryptionKey }));
    const forged = signBatch(
      {
        deployment: nodes["relay-cert"]!.deployment,
        producer: "relay-cert",
        sequence: (await nodes["relay-cert"]!.store.nextSequence("relay-cert")) + 50,
        createdAt: Date.now(),
        group: health.id,
        indicators: [buildIndicator({ type: "domain", value: "outsider-sealed.example.net", tlp: "AMBER", group: health.id }, { producer: "relay-cert", now: Date.now() })],
      },
      relayIdentity.signingSecretKey,
      members,
    ).batch;
    const before = nodes["bank-two"]!.gossip.stats.ignored.INDICATOR_BATCH_ERROR_PRODUCER_NOT_IN_GROUP ?? 0;
    await nodes["relay-cert"]!.libp2p.services.pubsub.publish(INDICATOR_TOPIC, encodeBatch(forged));
    await waitFor("bank-two to drop the outsider's group batch", () => (nodes["bank-two"]!.gossip.stats.ignored.INDICATOR_BATCH_ERROR_PRODUCER_NOT_IN_GROUP ?? 0) > before);
    expect(await nodes["bank-two"]!.lookup("outsider-sealed.example.net")).to.deep.equal([]);
    // acme-bank cannot change the sector group: governance owns it.
    try {
      await nodes["acme-bank"]!.changeGroupMember(health.id, "relay-cert", "add");
      expect.fail("a member must not change a sector group");
    } catch (err) {
      expect(err).to.be.instanceOf(ChainRefusedError);
      expect(err).to.include({ reason: "SharingGroupsNotOwner" });
    }
    // Through the API the refusal is a 409 naming the contract's error, and the next transaction still goes through.
    const { app, url } = await startApiServer(nodes["acme-bank"]!, { host: "127.0.0.1", port: 0, bodyLimitBytes: 1 << 20 });
    try {
      const refused = await fetch(`${url}/groups/${health.id}/members`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ org: "relay-cert" }),
      });
      expect(refused.status).to.equal(409);
      expect(await refused.json()).to.include({ error: "SharingGroupsNotOwner" });
      const bad = await fetch(`${url}/groups`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ name: "" }) });
      expect(bad.status).to.equal(400);
      const created = await fetch(`${url}/groups`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ name: "after-refusal", members: ["bank-two"] }),
      });
      expect(created.status).to.equal(201);
      expect(await created.json()).to.deep.include({ name: "after-refusal", owner: "acme-bank", members: ["acme-bank", "bank-two"] });
    } finally {
      await app.close();
    }
  });

  it("blinds under a new key once the group's members change: an org that left cannot test what is blinded after", async function () {
    const acme = nodes["acme-bank"]!;
    const rotating = await acme.createGroup("rotating-blinding", ["bank-two", "health-co"]);
    const ringOf = (org: string) => nodes[org]!.store.blindingKeyRing().filter((e) => e.producer === "acme-bank" && e.group === rotating);
    const before = "198.51.100.31";
    await acme.publish([{ type: "ipv4", value: before, tlp: "AMBER", group: rotating, blind: true }]);
    await waitFor("both members to match the first value", async () => (await nodes["bank-two"]!.lookup(before)).length === 1 && (await nodes["health-co"]!.lookup(before)).length === 1);
    expect(ringOf("health-co")).to.have.length(1);
    const healthKey = ringOf("health-co")[0]!.key;

    await acme.changeGroupMember(rotating, "health-co", "remove");
    const after = "198.51.100.32";
    const [outcome] = await acme.publish([{ type: "ipv4", value: after, tlp: "AMBER", group: rotating, blind: true }]);
    expect(outcome!.ok && outcome!.readableBy).to.deep.equal(["acme-bank", "bank-two"]);
    await waitFor("bank-two to match the value blinded after the removal", async () => (await nodes["bank-two"]!.lookup(after)).length === 1);
    // bank-two holds both keys, so what was blinded before still matches there.
    expect(ringOf("bank-two")).to.have.length(2);
    expect(await nodes["bank-two"]!.lookup(before)).to.have.length(1);
    // The key health-co kept does not blind the new value to what the group holds: it cannot test guesses against it.
    const [record] = await nodes["bank-two"]!.lookup(after);
    expect(blindValue(healthKey, "ipv4", after)).to.not.equal(record!.value);
    expect(ringOf("health-co")).to.have.length(1);
    expect(await nodes["health-co"]!.lookup(after)).to.deep.equal([]);
    // The producer matches both of its own.
    expect(await acme.lookup(before)).to.have.length(1);
    expect(await acme.lookup(after)).to.have.length(1);
  });

  it("matches a blinded indicator where the value is observed, and reveals it nowhere", async function () {
    const blindGroup = await nodes["acme-bank"]!.createGroup("blinded-sharing", ["bank-two", "health-co"]);
    // The recipients know the group before its first batch: one that learns of it later relays
    // that batch unread and never opens it (a known gap, named in docs/privacy.md).
    await Promise.all(["bank-two", "health-co", "relay-cert"].map((org) => nodes[org]!.refreshChain()));
    const secret = "198.51.100.23";
    const [outcome] = await nodes["acme-bank"]!.publish([{ type: "ipv4", value: secret, tlp: "AMBER", group: blindGroup, blind: true }]);
    expect(outcome).to.include({ ok: true, blinded: true });
    // bank-two observes the address in its own logs and looks it up: it matches.
    await waitFor("bank-two to match its observation", async () => (await nodes["bank-two"]!.lookup(secret)).length === 1);
    const [match] = await nodes["bank-two"]!.lookup(secret);
    expect(match).to.include({ type: "ipv4", blinded: true });
    expect(match!.value).to.match(/^[0-9a-f]{64}$/);
    // health-co holds the same blinded entry (it received and opened the batch) ...
    await waitFor("health-co to hold the blinded entry", async () => (await nodes["health-co"]!.lookup(secret)).length === 1);
    // ... a value it does not observe matches nothing, and the relay has nothing at all.
    expect(await nodes["health-co"]!.lookup("198.51.100.24")).to.deep.equal([]);
    expect(await nodes["relay-cert"]!.lookup(secret)).to.deep.equal([]);
    expect(onWire(secret)).to.equal(false);
    expect(await nodes["acme-bank"]!.lookup(secret)).to.have.length(1);

    // No byte of any recipient's or the relay's database holds the value in the clear.
    for (const org of ["bank-two", "health-co", "relay-cert"]) {
      await nodes[org]!.stop();
      const db = new Level<string, Uint8Array>(join(dirs[org]!, "db"), { keyEncoding: "utf8", valueEncoding: "view" });
      let leaked = false;
      for await (const [key, value] of db.iterator()) if (key.includes(secret) || Buffer.from(value).includes(Buffer.from(secret))) leaked = true;
      await db.close();
      expect(leaked, `${org}'s database`).to.equal(false);
      delete nodes[org];
    }
  });
});
