/**
 * Deploys the consortium's five contracts with one deployer account: the ConsortiumRegistry
 * (its admins and threshold), SharingGroups, Reputation, AuditTrail and RingKeys, each bound to the
 * registry. Used by the development ledger and by `npm run deploy` for a real permissioned chain.
 */
import hre from "hardhat";
import { ContractFactory, type Signer } from "ethers";
import type { Deployment } from "../../node/src/config/config.js";
import { DEFAULT_REPUTATION_PARAMETERS } from "../../node/src/trust/beta-reputation.js";

export interface ConsortiumParameters {
  admins: string[];
  threshold: number;
  /** Seconds a proposal stays open. */
  proposalLifetime: number;
  /** Seconds per reputation epoch. */
  epochLength: number;
}

export async function deployConsortium(deployer: Signer, rpcUrl: string, params: ConsortiumParameters): Promise<Deployment> {
  const deploy = async (name: string, args: unknown[]) => {
    const artifact = await hre.artifacts.readArtifact(name);
    const contract = await new ContractFactory(artifact.abi, artifact.bytecode, deployer).deploy(...args);
    const receipt = await contract.deploymentTransaction()!.wait();
    return { address: await contract.getAddress(), block: receipt!.blockNumber };
  };
  const registry = await deploy("ConsortiumRegistry", [params.admins, params.threshold, params.proposalLifetime]);
  const groups = await deploy("SharingGroups", [registry.address]);
  const audit = await deploy("AuditTrail", [registry.address]);
  const ringKeys = await deploy("RingKeys", [registry.address]);
  // Reputation reads the anchors to bound each report by what was published and sighted.
  const reputation = await deploy("Reputation", [registry.address, audit.address, { epochLength: params.epochLength, ...DEFAULT_REPUTATION_PARAMETERS }]);
  const network = await deployer.provider!.getNetwork();
  return {
    rpcUrl,
    chainId: Number(network.chainId),
    registryAddress: registry.address,
    groupsAddress: groups.address,
    reputationAddress: reputation.address,
    auditAddress: audit.address,
    ringKeysAddress: ringKeys.address,
    deployedAtBlock: registry.block,
  };
}
