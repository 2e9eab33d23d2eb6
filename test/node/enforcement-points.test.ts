import { expect } from "chai";
import { execFile, spawn, type ChildProcess } from "node:child_process";
import { randomBytes } from "node:crypto";
import { Resolver } from "node:dns/promises";
import { writeFile } from "node:fs/promises";
import { createServer } from "node:net";
import { join } from "node:path";
import { promisify } from "node:util";
import { entryKey, type EnforcementEntry } from "../../node/src/model/response.js";
import { EnforcementFeed, type EnforcementFeedInit } from "../../node/src/response/enforcement-feed.js";
import { NFT_FILE, RPZ_FILE } from "../../node/src/response/feed-files.js";
import { IndicatorStore } from "../../node/src/store/indicator-store.js";
import { removeDir, tempDir, waitFor } from "../helpers/nodes.js";

const run = promisify(execFile);
const UNBOUND = process.env.CTI_UNBOUND ?? "unbound";
const NFT = process.env.CTI_NFT ?? "nft";

function entry(type: EnforcementEntry["type"], value: string, expiresAt: number): EnforcementEntry {
  return { type, value, action: "block", expiresAt, score: 90, because: { kind: "indicator", indicator: `id-${value}`, producers: ["intel-co"], score: 90 } };
}

const feedOf = (entries: EnforcementEntry[]) => new Map(entries.map((e) => [entryKey(e), e]));

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const port = (server.address() as { port: number }).port;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

/**
 * What the node writes, loaded into the real enforcement points (scripts/ensure-enforcement.sh
 * installs them): Unbound answering from the RPZ zone, reloaded by the feed's own reload command,
 * and nftables filtering real traffic between two network namespaces the test makes.
 */
describe("enforcement points fed by the node's response feeds", function () {
  this.timeout(120_000);
  let work: string;
  let store: IndicatorStore;

  before(async function () {
    work = await tempDir("enforcement");
    store = await IndicatorStore.open(join(work, "db"));
  });

  after(async function () {
    await store?.close();
    await removeDir(work);
  });

  const feed = (init: Partial<EnforcementFeedInit> & Pick<EnforcementFeedInit, "name" | "kind">) =>
    new EnforcementFeed(
      { policy: { minScore: 0, types: ["domain", "ipv4", "cidr"], maxTlp: "RED", maxEntries: 1000, includeRequests: true }, render: { rpz: { blockWith: "nxdomain", subdomains: true, ttl: 1 }, nftTable: "cti_exchange" }, ...init },
      { repository: store.responseFeeds, audit: store.responseAudit, now: Date.now },
    );

  describe("Unbound with the RPZ zone", function () {
    let unbound: ChildProcess | undefined;
    let port: number;
    const resolver = new Resolver({ timeout: 1000, tries: 1 });
    let output = "";

    /** The A record Unbound answers, or the DNS error code (ENOTFOUND for NXDOMAIN). */
    const ask = (name: string) => resolver.resolve4(name).then((a) => a.join(","), (err: NodeJS.ErrnoException) => String(err.code));

    before(async function () {
      port = await freePort();
      resolver.setServers([`127.0.0.1:${port}`]);
    });

    after(async function () {
      unbound?.kill("SIGTERM");
    });

    it("answers NXDOMAIN for a listed name, resolves a removed one again after the rewrite and reload, and an unlisted one throughout", async function () {
      const dir = join(work, "rpz");
      const pidFile = join(work, "unbound.pid");
      const conf = join(work, "unbound.conf");
      // The reload docs/response.md gives: unbound-control reloads the zone from its file (here over a unix socket).
      const dns = feed({ name: "dns", kind: "rpz", dir, reloadCommand: ["unbound-control", "-c", conf, "auth_zone_reload", "rpz.cti.exchange."] });
      await dns.load();
      const day = Date.now() + 86_400_000;
      await dns.update(feedOf([entry("domain", "listed.example", day), entry("domain", "removed.example", day)]));
      const zone = join(dir, RPZ_FILE);
      const upstream = join(work, "example.zone");
      await writeFile(
        upstream,
        [
          "$ORIGIN example.",
          "$TTL 60",
          "@ IN SOA ns.example. hostmaster.example. 1 3600 600 86400 60",
          "@ IN NS ns.example.",
          "ns IN A 192.0.2.53",
          "listed IN A 192.0.2.10",
          "www.listed IN A 192.0.2.13",
          "removed IN A 192.0.2.11",
          "unlisted IN A 192.0.2.12",
          "",
        ].join("\n"),
      );
      await writeFile(
        conf,
        [
          "server:",
          `  interface: 127.0.0.1`,
          `  port: ${port}`,
          "  do-daemonize: no",
          "  use-syslog: no",
          '  logfile: ""',
          '  username: ""',
          '  chroot: ""',
          `  directory: "${work}"`,
          `  pidfile: "${pidFile}"`,
          "  do-ip6: no",
          "  access-control: 127.0.0.0/8 allow",
          '  module-config: "respip iterator"',
          // The names resolve from an authoritative zone of Unbound's own, as if from upstream: RPZ
          // rewrites answers of resolution (local-data would answer before RPZ is consulted).
          "auth-zone:",
          "  name: example.",
          `  zonefile: "${upstream}"`,
          "  for-upstream: yes",
          "  for-downstream: no",
          "  fallback-enabled: no",
          "remote-control:",
          "  control-enable: yes",
          `  control-interface: "${join(work, "unbound.ctl")}"`,
          "rpz:",
          "  name: rpz.cti.exchange.",
          `  zonefile: "${zone}"`,
          "",
        ].join("\n"),
      );
      await run("unbound-checkconf", [conf]);
      unbound = spawn(UNBOUND, ["-d", "-c", conf], { stdio: ["ignore", "pipe", "pipe"] });
      unbound.stdout!.on("data", (c: Buffer) => (output += c.toString()));
      unbound.stderr!.on("data", (c: Buffer) => (output += c.toString()));
      await waitFor(`Unbound to answer on port ${port} (${output})`, async () => (await ask("unlisted.example")) === "192.0.2.12");

      expect(await ask("listed.example")).to.equal("ENOTFOUND");
      expect(await ask("www.listed.example"), "a subdomain of a listed name").to.equal("ENOTFOUND");
      expect(await ask("removed.example")).to.equal("ENOTFOUND");

      const before = dns.status().serial;
      await dns.update(feedOf([entry("domain", "listed.example", day)]));
      expect(dns.status().serial).to.be.greaterThan(before);
      expect(dns.status().reload, output).to.include({ ok: true });
      await waitFor("the removed name to resolve after the reload", async () => (await ask("removed.example")) === "192.0.2.11");
      expect(await ask("listed.example")).to.equal("ENOTFOUND");
      expect(await ask("unlisted.example")).to.equal("192.0.2.12");

      // A rollback restores the zone before the removal, reloaded the same way.
      await dns.rollback(1, "test");
      await waitFor("the rolled-back zone to list the name again", async () => (await ask("removed.example")) === "ENOTFOUND");
      expect(await ask("unlisted.example")).to.equal("192.0.2.12");
    });
  });

  describe("nftables in a network namespace", function () {
    const suffix = randomBytes(3).toString("hex");
    const firewall = `cti-fw-${suffix}`;
    const clients = `cti-cl-${suffix}`;
    let server: ChildProcess | undefined;
    const SERVER = "198.18.0.1";
    const ip = (...args: string[]) => run("ip", args);

    before(async function () {
      await ip("netns", "add", firewall);
      await ip("netns", "add", clients);
      await ip("link", "add", `fw${suffix}`, "netns", firewall, "type", "veth", "peer", "name", `cl${suffix}`, "netns", clients);
      await ip("-n", firewall, "addr", "add", `${SERVER}/24`, "dev", `fw${suffix}`);
      for (const last of [2, 3, 4]) await ip("-n", clients, "addr", "add", `198.18.0.${last}/24`, "dev", `cl${suffix}`);
      for (const [ns, dev] of [[firewall, `fw${suffix}`], [clients, `cl${suffix}`]] as const) {
        await ip("-n", ns, "link", "set", dev, "up");
        await ip("-n", ns, "link", "set", "lo", "up");
      }
      server = spawn("ip", ["netns", "exec", firewall, process.execPath, "-e", `require("net").createServer((s) => s.end("ok")).listen(7000, "${SERVER}", () => console.log("listening"))`], { stdio: ["ignore", "pipe", "inherit"] });
      await new Promise<void>((resolve) => server!.stdout!.once("data", () => resolve()));
    });

    after(async function () {
      server?.kill("SIGTERM");
      // Deleting the namespaces deletes the veth pair and every rule loaded in them.
      await ip("netns", "delete", firewall).catch(() => undefined);
      await ip("netns", "delete", clients).catch(() => undefined);
    });

    /** Whether a TCP connection from this client address reaches the server (a dropped SYN times out). */
    async function reaches(from: string): Promise<boolean> {
      const script = `const s = require("net").connect({ host: "${SERVER}", port: 7000, localAddress: "${from}", timeout: 700 }); s.on("data", () => { console.log("ok"); process.exit(0); }); s.on("timeout", () => process.exit(2)); s.on("error", () => process.exit(3));`;
      try {
        const { stdout } = await run("ip", ["netns", "exec", clients, process.execPath, "-e", script]);
        return stdout.includes("ok");
      } catch {
        return false;
      }
    }

    it("loads the generated ruleset atomically, drops a blocked address's traffic while other traffic passes, and stops when an entry expires", async function () {
      const dir = join(work, "nft");
      const firewallFeed = feed({ name: "fw", kind: "nftables", dir, reloadCommand: ["ip", "netns", "exec", firewall, NFT, "-f", join(dir, NFT_FILE)] });
      await firewallFeed.load();
      expect(await reaches("198.18.0.2")).to.equal(true);
      const hour = Date.now() + 3_600_000;
      await firewallFeed.update(feedOf([entry("ipv4", "198.18.0.2", hour), entry("ipv4", "198.18.0.4", Date.now() + 4_000), entry("cidr", "203.0.113.0/24", hour)]));
      expect(firewallFeed.status().reload, JSON.stringify(firewallFeed.status().reload)).to.include({ ok: true });
      const listed = (await run("ip", ["netns", "exec", firewall, NFT, "list", "set", "inet", "cti_exchange", "blocked_ipv4"])).stdout;
      expect(listed).to.include("198.18.0.2").and.to.include("203.0.113.0/24").and.to.include("timeout");

      expect(await reaches("198.18.0.2"), "the blocked address").to.equal(false);
      expect(await reaches("198.18.0.3"), "an address not listed").to.equal(true);
      expect(await reaches("198.18.0.4"), "an address listed for four seconds").to.equal(false);

      // Loaded again (one transaction replacing the table): no error, the same drops.
      await firewallFeed.update(feedOf([entry("ipv4", "198.18.0.2", hour), entry("ipv4", "198.18.0.4", Date.now() + 3_000)]));
      expect(firewallFeed.status().reload).to.include({ ok: true });
      expect(await reaches("198.18.0.2")).to.equal(false);

      await waitFor("the short-lived entry to expire in the kernel", () => reaches("198.18.0.4"), 15_000);
      expect(await reaches("198.18.0.2"), "the blocked address, still").to.equal(false);
      expect(await reaches("198.18.0.3")).to.equal(true);
    });
  });
});
