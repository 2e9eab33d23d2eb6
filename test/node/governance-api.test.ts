import { expect } from "chai";
import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import { proposeStatusChange } from "../../node/src/chain/proposals.js";
import { hardhatAccount } from "../../scripts/lib/devnet.js";
import { newIdentity, removeDir, startSoloNode, tempDir } from "../helpers/nodes.js";

/** Governance through a node's API, with the key of the admin who runs it (what the dashboard's buttons call). */
describe("governance through the node's API (an admin's node, a real ledger)", function () {
  this.timeout(120_000);
  let solo: Awaited<ReturnType<typeof startSoloNode>>;
  let dir: string;

  before(async function () {
    dir = await tempDir("governance-api");
    const keyFile = join(dir, "admin-1.key");
    await writeFile(keyFile, hardhatAccount(1).privateKey, { mode: 0o600 });
    solo = await startSoloNode("gov-api-org", { governance: { adminKeyFile: keyFile } });
  });
  after(async function () {
    await solo?.stop();
    if (dir) await removeDir(dir);
  });

  const post = (path: string) => fetch(`${solo.url}${path}`, { method: "POST" });

  it("approves several proposals at once without two transactions taking one nonce, and names a second approval", async function () {
    const others = await Promise.all(["gov-a", "gov-b", "gov-c"].map((org) => newIdentity(org)));
    for (const { identity } of others) await solo.devnet.admit(identity.public(), { displayName: identity.orgId, country: "LU", sector: "finance" });
    const proposals: number[] = [];
    for (const { identity } of others) proposals.push(await proposeStatusChange(solo.devnet.deployment.registryAddress, solo.devnet.admins[0]!, "suspend", identity.orgId));
    const answers = await Promise.all(proposals.map((id) => post(`/governance/proposals/${id}/approve`)));
    expect(answers.map((a) => a.status)).to.deep.equal([200, 200, 200]);
    const overview = (await (await fetch(`${solo.url}/governance/proposals`)).json()) as { admin: { isAdmin: boolean }; proposals: Array<{ id: number; state: string; approvedByMe: boolean }> };
    expect(overview.admin.isAdmin).to.equal(true);
    for (const id of proposals) expect(overview.proposals.find((p) => p.id === id)).to.include({ state: "ready", approvedByMe: true });

    const again = await post(`/governance/proposals/${proposals[0]}/approve`);
    expect(again.status).to.equal(409);
    expect(((await again.json()) as { error: string }).error).to.equal("ConsortiumRegistryAlreadyApproved");
    const executed = await Promise.all(proposals.map((id) => post(`/governance/proposals/${id}/execute`)));
    expect(executed.map((a) => a.status)).to.deep.equal([200, 200, 200]);
    for (const { identity, dataDir } of others) {
      expect(solo.node.membership.get(identity.orgId)?.status).to.equal("suspended");
      await removeDir(dataDir);
    }
  });

  it("refuses a proposal id that is not a number, naming the field", async function () {
    const bad = await post("/governance/proposals/abc/approve");
    expect(bad.status).to.equal(400);
    expect(((await bad.json()) as { message: string }).message).to.match(/^id:/);
  });
});
