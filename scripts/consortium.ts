/**
 * The local consortium: a development ledger, three partner nodes as separate processes, and a
 * demonstration of one partner publishing indicators that arrive, verified, at the others: open
 * ones to every member, a sharing group's sealed for its members only, one blinded, and what
 * scrubbing keeps from leaving; a threat report shared as STIX 2.1 objects and its graph; then sightings, one epoch's reputation reports, the reputations
 * that follow, and an audit proof.
 *
 *   npm start                 runs until Ctrl-C
 *   npm start -- --exit-after-demo
 */
import { rm, mkdir, writeFile } from "node:fs/promises";
import { join, resolve } from "node:path";
import { parseArgs } from "node:util";
import type { ChildProcess } from "node:child_process";
import type { PublicIdentity } from "../node/src/identity/identity.js";
import { hardhatAccount, startDevnet } from "./lib/devnet.js";
import { NodeIdentity } from "../node/src/identity/identity.js";
import { proposeAdmission } from "../node/src/chain/proposals.js";
import { freePort, run, startLogged, terminate } from "./lib/processes.js";

const { values } = parseArgs({ options: { "exit-after-demo": { type: "boolean", default: false }, dir: { type: "string", default: ".demo" } } });
const DEMO_DIR = resolve(values.dir);
const CLI = resolve("node/bin/cti.js");
const PARTNERS = [
  { orgId: "acme-bank", displayName: "ACME Bank SOC", country: "FR", sector: "finance" },
  { orgId: "north-cert", displayName: "North CERT", country: "NO", sector: "public-sector" },
  { orgId: "city-hospital", displayName: "City Hospital CSIRT", country: "DE", sector: "health" },
];
const say = (line: string) => process.stdout.write(`${line}\n`);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function api<T>(port: number, path: string, init?: RequestInit): Promise<T> {
  const response = await fetch(`http://127.0.0.1:${port}${path}`, { ...init, headers: init?.body ? { "content-type": "application/json" } : {} });
  return (await response.json()) as T;
}

async function waitUntil(what: string, check: () => Promise<boolean>, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await check().catch(() => false)) return;
    await sleep(200);
  }
  throw new Error(`timed out waiting for ${what}`);
}

await rm(DEMO_DIR, { recursive: true, force: true });
await mkdir(DEMO_DIR, { recursive: true });
say("1. starting the development ledger (Hardhat JSON-RPC on 127.0.0.1) and deploying ConsortiumRegistry, SharingGroups, Reputation and AuditTrail");
const devnet = await startDevnet({ admins: 3, threshold: 2 });
const deploymentFile = join(DEMO_DIR, "deployment.json");
await writeFile(deploymentFile, JSON.stringify(devnet.deployment, null, 2) + "\n");
say(`   ledger ${devnet.deployment.rpcUrl}, registry ${devnet.deployment.registryAddress}`);

const children: ChildProcess[] = [];
let stopping = false;
async function stopAll(code: number): Promise<never> {
  if (!stopping) {
    stopping = true;
    say("stopping partner nodes and the ledger...");
    await Promise.all(children.map((child) => terminate(child)));
    await devnet.close();
  }
  process.exit(code);
}
process.on("SIGINT", () => void stopAll(0));
process.on("SIGTERM", () => void stopAll(0));

// Hardhat's development accounts come from its well-known mnemonic; admins 1-3 are accounts 0-2.
const adminKeyFile = join(DEMO_DIR, "admin-3.key");
await writeFile(adminKeyFile, hardhatAccount(2).privateKey, { mode: 0o600 });

try {
  const ports: number[] = [];
  for (const partner of PARTNERS) {
    const dataDir = join(DEMO_DIR, partner.orgId);
    const apiPort = await freePort();
    ports.push(apiPort);
    // acme-bank's operator is also governance admin 3: its dashboard can approve proposals.
    const adminKey = partner.orgId === PARTNERS[0]!.orgId ? ["--admin-key-file", adminKeyFile] : [];
    const identity = JSON.parse(
      await run(process.execPath, [CLI, "init", "--data-dir", dataDir, "--org", partner.orgId, "--deployment", deploymentFile, "--api-port", String(apiPort), ...adminKey]),
    ) as PublicIdentity;
    say(`2. ${partner.orgId}: identity created (peer ${identity.peerId.slice(0, 16)}..., wallet ${identity.wallet})`);
    await devnet.admit(identity, partner);
    say(`   admitted on chain: proposal by admin 1, approved by admin 2 (threshold 2 of 3), executed`);
  }

  PARTNERS.forEach((partner, i) => {
    const dataDir = join(DEMO_DIR, partner.orgId);
    children.push(startLogged(process.execPath, [CLI, "start", "--data-dir", dataDir], join(dataDir, "node.log")));
    say(`3. ${partner.orgId}: node started, API http://127.0.0.1:${ports[i]} (log ${join(values.dir, partner.orgId, "node.log")})`);
  });
  for (const [i, partner] of PARTNERS.entries()) {
    await waitUntil(`${partner.orgId} to peer with the others`, async () => {
      const status = await api<{ peers: unknown[] }>(ports[i]!, "/status");
      return status.peers.length === PARTNERS.length - 1;
    });
  }
  say("4. every node found its partners from the chain alone and connected (libp2p, noise, yamux, gossipsub)");

  const groupPort = ports[0]!;
  const group = await api<{ id: number; members: string[] }>(groupPort, "/groups", {
    method: "POST",
    body: JSON.stringify({ name: "finance-health", members: ["city-hospital"] }),
  });
  say(`5. acme-bank creates sharing group #${group.id} "finance-health" on chain: ${group.members.join(", ")} (north-cert is not in it)`);

  const indicators = [
    { type: "ipv4", value: "203.0.113.66", tlp: "GREEN", confidence: 85, labels: { malwareFamilies: ["QakBot"], attackTechniques: ["T1071.001"] } },
    { type: "domain", value: "login-micros0ft[.]example", tlp: "GREEN", confidence: 70, labels: { tags: ["phishing"] }, description: "reported by j.smith@acme-bank.example" },
    { type: "sha256", value: "9F86D081884C7D659A2FEAA0C55AD015A3BF4F1B2B0B822CD15D6C15B0F00A08", tlp: "CLEAR", confidence: 95 },
    { type: "url", value: "hxxps://cdn.bad-updates.example/payload.exe", tlp: "AMBER", group: group.id, confidence: 90 },
    { type: "ipv4", value: "198.51.100.23", tlp: "AMBER", group: group.id, blind: true, confidence: 80 },
    { type: "ipv4", value: "10.20.30.40", tlp: "GREEN" },
  ];
  say(`6. acme-bank publishes ${indicators.length} indicators: GREEN/CLEAR for everyone, AMBER for the group (one blinded), one internal address`);
  const published = await api<{ published: number; results: Array<Record<string, unknown>> }>(ports[0]!, "/indicators", {
    method: "POST",
    body: JSON.stringify({ indicators }),
  });
  for (const result of published.results) {
    const input = indicators[result.input as number]!;
    if (!result.ok) say(`     refused ${input.value}: ${String(result.reason)} (${String(result.message)})`);
    else {
      const changes = (result.changes as Array<{ rule: string; field: string }>).map((c) => `${c.rule} removed from ${c.field}`);
      const audience = result.group ? `sealed for ${(result.readableBy as string[]).join(", ")}` : "open to every member";
      say(`     batch #${String(result.sequence)} ${input.type} ${result.blinded ? "(blinded)" : input.value}: ${audience}${changes.length ? `; ${changes.join(", ")}` : ""}`);
    }
  }

  type Listing = { indicators: Array<{ type: string; value: string; tlp: string; blinded: boolean; confidence: number; attestations: Array<{ producer: string }> }> };
  const expected: Record<string, number> = { "north-cert": 3, "city-hospital": 5 };
  for (const [i, partner] of PARTNERS.entries()) {
    if (i === 0) continue;
    await waitUntil(`${partner.orgId} to receive the batches`, async () => {
      const list = await api<Listing>(ports[i]!, "/indicators?since=0&audience=internal");
      return list.indicators.length >= expected[partner.orgId]!;
    });
    const list = await api<Listing>(ports[i]!, "/indicators?since=0&audience=internal");
    say(`7. at ${partner.orgId}, verified against acme-bank's key on chain and stored in LevelDB:`);
    for (const record of list.indicators) {
      const value = record.blinded ? `(blinded) ${record.value.slice(0, 16)}...` : record.value;
      say(`     ${record.type.padEnd(7)} ${value.padEnd(48)} TLP:${record.tlp.padEnd(6)} confidence ${record.confidence}  from ${record.attestations.map((a) => a.producer).join(",")}`);
    }
  }
  const relay = await api<{ gossip: { relayedOnly: { NOT_A_RECIPIENT: number } } }>(ports[1]!, "/status");
  say(`8. north-cert relayed ${relay.gossip.relayedOnly.NOT_A_RECIPIENT} sealed batch(es) it cannot read`);
  const observed = await api<{ matches: Array<{ blinded: boolean }> }>(ports[2]!, "/indicators/lookup?value=198.51.100.23&audience=internal");
  say(`   city-hospital observes 198.51.100.23 in its logs: ${observed.matches.length === 1 ? "matches acme-bank's blinded indicator" : "no match"}`);
  const unobserved = await api<{ matches: unknown[] }>(ports[1]!, "/indicators/lookup?value=198.51.100.23&audience=internal");
  say(`   north-cert looks the same address up: ${unobserved.matches.length} match(es)`);

  // A threat report as STIX 2.1: the intelligence around the indicators, not only the indicators.
  const created = "2026-11-28T09:00:00.000Z";
  const stix = (type: string, uuid: string, extra: Record<string, unknown>) => ({ type, spec_version: "2.1", id: `${type}--${uuid}`, created, modified: created, ...extra });
  const actor = stix("intrusion-set", "8f2a7c1e-3b4d-4e5f-9a6b-7c8d9e0f1a2b", { name: "Wave Spider", aliases: ["TA-2611"] });
  const malware = stix("malware", "1c2d3e4f-5a6b-4c7d-8e9f-0a1b2c3d4e5f", { name: "QakBot", is_family: true, malware_types: ["trojan"] });
  const technique = stix("attack-pattern", "2b3c4d5e-6f7a-4b8c-9d0e-1f2a3b4c5d6e", { name: "Web Protocols", external_references: [{ source_name: "mitre-attack", external_id: "T1071.001" }] });
  const c2 = stix("indicator", "3c4d5e6f-7a8b-4c9d-8e0f-2a3b4c5d6e7f", { name: "QakBot C2", pattern: "[ipv4-addr:value = '203.0.113.66']", pattern_type: "stix", valid_from: created, indicator_types: ["malicious-activity"] });
  const relate = (uuid: string, source: { id: string }, type: string, target: { id: string }) => stix("relationship", uuid, { relationship_type: type, source_ref: source.id, target_ref: target.id });
  const relations = [
    relate("4d5e6f7a-8b9c-4d0e-9f1a-3b4c5d6e7f80", actor, "uses", malware),
    relate("5e6f7a8b-9c0d-4e1f-8a2b-4c5d6e7f8091", malware, "uses", technique),
    relate("6f7a8b9c-0d1e-4f2a-9b3c-5d6e7f8091a2", c2, "indicates", malware),
  ];
  const report = stix("report", "7a8b9c0d-1e2f-4a3b-8c4d-6e7f8091a2b3", { name: "Wave Spider: QakBot against banks", published: created, report_types: ["threat-actor"], object_refs: [actor, malware, technique, c2, ...relations].map((o) => o.id) });
  const bundle = { type: "bundle", id: "bundle--8b9c0d1e-2f3a-4b4c-9d5e-7f8091a2b3c4", objects: [actor, malware, technique, c2, ...relations, report] };
  const shared = await api<{ objects: number; refused: unknown[] }>(ports[1]!, "/objects?tlp=GREEN", { method: "POST", body: JSON.stringify(bundle) });
  say(`9. north-cert publishes a threat report as STIX 2.1: ${shared.objects} objects (report, intrusion set, malware, ATT&CK technique, C2 indicator, relationships)`);
  await waitUntil("acme-bank to hold the report", async () => (await fetch(`http://127.0.0.1:${ports[0]}/objects/${report.id}?audience=internal`)).ok);
  const graph = await api<{ nodes: Array<{ name: string; distance: number }>; edges: Array<{ label: string }> }>(ports[0]!, `/objects/${malware.id}/graph?audience=internal&depth=1`);
  say(`   at acme-bank, the graph around QakBot: ${graph.nodes.filter((n) => n.distance === 1).map((n) => n.name).sort().join(", ")} (${graph.edges.map((e) => e.label).sort().join(", ")})`);

  say("10. the partners' detectors report: both confirm acme-bank's phishing domain; north-cert finds its IP a false positive");
  const post = (port: number, path: string, body?: unknown) =>
    api<Record<string, unknown>>(port, path, { method: "POST", ...(body === undefined ? {} : { body: JSON.stringify(body) }) });
  await post(ports[1]!, "/sightings", { value: "login-micros0ft.example", count: 12 });
  await post(ports[2]!, "/sightings", { value: "login-micros0ft.example", count: 3 });
  await post(ports[1]!, "/sightings", { value: "203.0.113.66", kind: "false-positive" });
  await waitUntil("acme-bank to hear the sightings", async () => {
    const [record] = (await api<{ matches: Array<{ id: string }> }>(ports[0]!, "/indicators/lookup?value=login-micros0ft.example&audience=internal")).matches;
    return (await api<{ confirmedBy: string[] }>(ports[0]!, `/indicators/${record!.id}/sightings?audience=internal`)).confirmedBy.length === 2;
  });
  say("   acme-bank hears both: signed sightings travel like indicators, to the indicator's audience");

  say("11. end of the epoch: each partner sends one reputation report (one transaction), acme-bank anchors its batches");
  for (const port of ports) await post(port, "/reputation/report");
  await post(ports[0]!, "/audit/anchor");
  // A development chain can skip ahead: an epoch is an hour, evidence counts once its epoch closes.
  const block = (await devnet.provider.getBlock("latest"))!;
  await devnet.provider.send("evm_setNextBlockTimestamp", [block.timestamp + 3601]);
  await devnet.provider.send("evm_mine", []);
  await waitUntil("the new epoch", async () => {
    const reputation = await api<{ reputation: Array<{ org: string; reputation: number }> }>(ports[1]!, "/reputation");
    return reputation.reputation.some((r) => r.reputation !== 0.5);
  });
  const reputation = await api<{ reputation: Array<{ org: string; reputation: number; positive: number; negative: number }> }>(ports[1]!, "/reputation");
  for (const r of reputation.reputation) say(`     ${r.org.padEnd(14)} reputation ${r.reputation.toFixed(3)}  (evidence +${r.positive.toFixed(2)} / -${r.negative.toFixed(2)})`);
  const proof = await api<{ anchor: { anchoredAt: number } }>(ports[2]!, "/proofs?value=login-micros0ft.example&producer=acme-bank");
  const verdict = await post(ports[1]!, "/proofs/verify", proof);
  say(`12. city-hospital proves acme-bank published login-micros0ft.example before ${new Date(proof.anchor.anchoredAt).toISOString()}; north-cert checks the proof: ${verdict.valid ? "valid" : "INVALID"}`);

  // Coordinated response: a request to the group, decided by each member's own policy (default: an analyst's queue).
  const asked = await api<{ id: string }>(ports[2]!, "/response/requests", {
    method: "POST",
    body: JSON.stringify({ action: "block", targets: [{ type: "domain", value: "c2.wave-spider.example" }], expiresInHours: 48, group: group.id, name: "Block Wave Spider's C2" }),
  });
  await waitUntil("acme-bank to queue the request", async () => (await api<{ decision?: { decision: string } }>(ports[0]!, `/response/requests/${asked.id}`)).decision?.decision === "queued");
  say(`13. city-hospital asks group #${group.id} to block c2.wave-spider.example for 48 h (a signed STIX course-of-action): acme-bank's policy queues it for an analyst`);
  await post(ports[0]!, `/response/requests/${asked.id}/approve`);
  await waitUntil("acme-bank's RPZ zone to list the C2", async () => {
    const zone = await fetch(`http://127.0.0.1:${ports[0]}/response/feeds/rpz/files/cti-response.rpz`).then((r) => r.text());
    return zone.includes("c2.wave-spider.example CNAME .");
  });
  await waitUntil("city-hospital to hear acme-bank applied it", async () =>
    (await api<{ acknowledgements: Array<{ org: string; decision: string }> }>(ports[2]!, `/response/requests/${asked.id}`)).acknowledgements.some((a) => a.org === "acme-bank" && a.decision === "applied"),
  );
  say("   acme-bank's analyst applies it: its DNS response policy zone answers NXDOMAIN for the name; city-hospital receives acme-bank's signed acknowledgement");

  // Anonymous but accountable: a ring signature of the three members, counted once, naming none.
  const anonymous = await post(ports[1]!, "/sightings", { value: "login-micros0ft.example", anonymous: true });
  const ring = (anonymous.sightings as Array<{ ringSize: number }> | undefined)?.[0]?.ringSize;
  await waitUntil("acme-bank to count the anonymous sighting", async () => {
    const [record] = (await api<{ matches: Array<{ id: string }> }>(ports[0]!, "/indicators/lookup?value=login-micros0ft.example&audience=internal")).matches;
    return (await api<{ confirmedBy: string[] }>(ports[0]!, `/indicators/${record!.id}/sightings?audience=internal`)).confirmedBy.some((o) => o.startsWith("anonymous:"));
  });
  say(`14. a member sights login-micros0ft.example anonymously: a ring signature of ${ring} members, passed through random members before gossip; acme-bank counts "an anonymous member", once, naming none`);

  const newcomer = await NodeIdentity.generate("river-grid");
  const pending = await proposeAdmission(devnet.deployment.registryAddress, devnet.admins[0]!, newcomer.public(), { displayName: "River Grid SOC", country: "NL", sector: "energy" });
  say(`15. admin 1 proposes to admit river-grid (proposal #${pending}, 1 of 2 approvals): admin 3 can approve it from acme-bank's dashboard`);

  say("the consortium works. Open a dashboard (network, live feed, indicator provenance, intelligence and its graph, forecasts, response, reputation, governance):");
  PARTNERS.forEach((partner, i) => say(`   ${partner.orgId.padEnd(14)} http://127.0.0.1:${ports[i]}/dashboard/`));
  say("or try the CLI:");
  say(`   npm run cti -- lookup 203.0.113.66 --api http://127.0.0.1:${ports[2]}`);
  say(`   npm run cti -- publish --api http://127.0.0.1:${ports[1]} --type domain --value evil.example --tlp GREEN`);
  say(`   npm run cti -- lookup https://cdn.bad-updates.example/payload.exe --audience clients --api http://127.0.0.1:${ports[2]}`);
  say(`   npm run cti -- groups list --api http://127.0.0.1:${ports[0]}`);
  say(`   npm run cti -- graph ${malware.id} --depth 2 --api http://127.0.0.1:${ports[2]}`);
  say(`   npm run cti -- feed --csv --api http://127.0.0.1:${ports[2]}`);
  say(`   npm run cti -- reputation --history --api http://127.0.0.1:${ports[1]}`);
  say(`   npm run cti -- stats producers --api http://127.0.0.1:${ports[1]}`);
  say(`   npm run cti -- related https://cdn.bad-updates.example/payload.exe --api http://127.0.0.1:${ports[2]}`);
  say(`   echo "The loader dumped credentials from LSASS memory." | npm run cti -- categorise - --api http://127.0.0.1:${ports[0]}`);
  say(`   npm run cti -- forecast watch --api http://127.0.0.1:${ports[0]}   (a young consortium says it has too little history)`);
  say(`   npm run cti -- response changes rpz --api http://127.0.0.1:${ports[0]}   (the zone's journal: what came in, why, and rollback)`);
  if (values["exit-after-demo"]) await stopAll(0);
  say("running until Ctrl-C");
} catch (err) {
  process.stderr.write(`consortium demo failed: ${(err as Error).message}\n(see the node logs in ${values.dir}/)\n`);
  await stopAll(1);
}
