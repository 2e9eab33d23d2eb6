import { expect } from "chai";
import { Interface } from "ethers";
import hre from "hardhat";
import { CONSORTIUM_REGISTRY_ABI } from "../../node/src/chain/registry-abi.js";

describe("the node's registry ABI", function () {
  it("matches the compiled ConsortiumRegistry, fragment by fragment", async function () {
    const artifact = await hre.artifacts.readArtifact("ConsortiumRegistry");
    const compiled = new Interface(artifact.abi);
    const ours = new Interface(CONSORTIUM_REGISTRY_ABI);
    const signatures = (iface: Interface) => {
      const out: string[] = [];
      // Return-value names do not matter to callers; types, mutability and inputs do.
      iface.forEachFunction((f) => out.push(`${f.format("sighash")} ${f.stateMutability} -> ${f.outputs.map((o) => o.format("sighash")).join(",")}`));
      iface.forEachEvent((e) => out.push(e.format("full")));
      return out.sort();
    };
    expect(signatures(ours)).to.deep.equal(signatures(compiled));
  });
});
