/**
 * A development ledger: Hardhat's simulated network served over JSON-RPC on 127.0.0.1, with the
 * ConsortiumRegistry, SharingGroups, Reputation and AuditTrail deployed and governed by a few admin accounts. Used by the devnet script,
 * the local consortium and the integration tests, which all talk to it as partner nodes would
 * talk to a permissioned chain: through a JSON-RPC URL only.
 */
import hre from "hardhat";
import { HDNodeWallet, JsonRpcProvider, parseEther, type Signer } from "ethers";
import { admitMember, passProposal, type AdmissionDetails } from "../../node/src/chain/governance.js";
import { sectorGroupCall } from "../../node/src/chain/sharing-groups.js";
import { deployConsortium } from "./deploy.js";
import type { Deployment } from "../../node/src/config/config.js";
import type { PublicIdentity } from "../../node/src/identity/identity.js";

/** The mnemonic of Hardhat's development accounts (public: for development ledgers only). */
const HARDHAT_MNEMONIC = "test test test test test test test test test test test junk";

/** Hardhat's development account `index` (admins are the first ones), with its private key. */
export function hardhatAccount(index: number): HDNodeWallet {
  return HDNodeWallet.fromPhrase(HARDHAT_MNEMONIC, undefined, `m/44'/60'/0'/0/${index}`);
}

export interface DevnetInit {
  port?: number;
  /** Number of governance admins (Hardhat accounts 0..n-1). */
  admins?: number;
  threshold?: number;
  /** Seconds a proposal stays open. */
  proposalLifetime?: number;
  /** Seconds per reputation epoch (default one hour). */
  epochLength?: number;
}

export interface Devnet {
  deployment: Deployment;
  provider: JsonRpcProvider;
  admins: Signer[];
  /** Admits an org through the real M-of-N flow and funds its wallet for its own transactions. */
  admit(identity: PublicIdentity, details: AdmissionDetails): Promise<void>;
  /** Creates a sector group through a governance Call proposal; resolves when executed. */
  createSectorGroup(name: string, members: string[]): Promise<void>;
  close(): Promise<void>;
}

export async function startDevnet(init: DevnetInit = {}): Promise<Devnet> {
  const server = await hre.network.createServer("default", "127.0.0.1", init.port ?? 0);
  const { address, port } = await server.listen();
  const rpcUrl = `http://${address}:${port}`;
  // No response cache: a test sending two transactions from one wallet within 250 ms would read a stale nonce.
  const provider = new JsonRpcProvider(rpcUrl, undefined, { polling: true, pollingInterval: 100, cacheTimeout: -1 });
  try {
    const accounts = await provider.listAccounts();
    const adminCount = init.admins ?? 3;
    const admins = accounts.slice(0, adminCount);
    const funder = accounts[adminCount]!;
    const deployment = await deployConsortium(admins[0]!, rpcUrl, {
      admins: admins.map((a) => a.address),
      threshold: init.threshold ?? 2,
      proposalLifetime: init.proposalLifetime ?? 7 * 24 * 3600,
      epochLength: init.epochLength ?? 3600,
    });
    return {
      deployment,
      provider,
      admins,
      async admit(identity, details) {
        await admitMember(deployment.registryAddress, admins, identity, details);
        await (await funder.sendTransaction({ to: identity.wallet, value: parseEther("10") })).wait();
      },
      async createSectorGroup(name, members) {
        await passProposal(deployment.registryAddress, admins, (r) => r.proposeCall(deployment.groupsAddress, sectorGroupCall(name, members)));
      },
      async close() {
        provider.destroy();
        await server.close();
      },
    };
  } catch (err) {
    provider.destroy();
    await server.close();
    throw err;
  }
}
