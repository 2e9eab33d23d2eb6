import { expect } from "chai";
import { Interface, type InterfaceAbi } from "ethers";
import hre from "hardhat";
import { SHARING_GROUPS_ABI } from "../../node/src/chain/groups-abi.js";
import { CONSORTIUM_REGISTRY_ABI } from "../../node/src/chain/registry-abi.js";
import { AUDIT_TRAIL_ABI, REPUTATION_ABI } from "../../node/src/chain/trust-abi.js";

function signatures(iface: Interface): string[] {
  const out: string[] = [];
  // Return-value names do not matter to callers; types, mutability and inputs do.
  iface.forEachFunction((f) => out.push(`${f.format("sighash")} ${f.stateMutability} -> ${f.outputs.map((o) => o.format("sighash")).join(",")}`));
  iface.forEachEvent((e) => out.push(e.format("full")));
  iface.forEachError((e) => out.push(`error ${e.format("sighash")}`));
  return out.sort();
}

describe("the node's contract ABIs", function () {
  for (const [contract, abi] of [
    ["ConsortiumRegistry", CONSORTIUM_REGISTRY_ABI],
    ["SharingGroups", SHARING_GROUPS_ABI],
    ["Reputation", REPUTATION_ABI],
    ["AuditTrail", AUDIT_TRAIL_ABI],
  ] as const) {
    it(`match the compiled ${contract}, fragment by fragment`, async function () {
      const artifact = await hre.artifacts.readArtifact(contract);
      expect(signatures(new Interface(abi as unknown as InterfaceAbi))).to.deep.equal(signatures(new Interface(artifact.abi)));
    });
  }
});
