import { Wallet, type JsonRpcProvider } from "ethers";
import { registryContract, type RegistryContract } from "./governance.js";
import type { KnownContracts } from "./call-decoding.js";
import { approveProposal, executeProposal, listProposals, type ProposalView } from "./proposals.js";

/**
 * Governance as the dashboard offers it: every proposal with its approvals, and, on the node of
 * a governance admin who gave it their key (`governance.adminKeyFile`), approving and executing
 * with that key. The contract remains the judge: an account that is not an admin, a second
 * approval, an execution below threshold are refused by it and come back named.
 */
export interface AdminDeskInit {
  registryAddress: string;
  /** The consortium's other contracts, to decode the calls proposals make. */
  known?: KnownContracts;
  /** The admin's hex private key; none: the desk only reads. */
  adminKey?: string;
}

export interface AdminDeskComponents {
  provider: JsonRpcProvider;
  now(): number;
}

export interface GovernanceOverview {
  /** The admin account this node acts for, and whether the registry counts it as an admin now. */
  admin: { address: string; isAdmin: boolean } | null;
  admins: string[];
  threshold: number;
  proposals: Array<ProposalView & { approvedByMe: boolean | null }>;
}

/** Approving or executing asked of a node that holds no admin key. */
export class NoAdminKeyError extends Error {
  override readonly name = "NoAdminKeyError";
}

type ReadableRegistry = RegistryContract & {
  isAdmin(account: string): Promise<boolean>;
  admins(): Promise<string[]>;
  hasApproved(id: bigint, admin: string): Promise<boolean>;
};

export class AdminDesk {
  private readonly registry: ReadableRegistry;
  private readonly wallet: Wallet | undefined;
  private queue: Promise<void> = Promise.resolve();

  constructor(
    private readonly init: AdminDeskInit,
    private readonly components: AdminDeskComponents,
  ) {
    this.registry = registryContract(init.registryAddress, components.provider) as ReadableRegistry;
    this.wallet = init.adminKey ? new Wallet(init.adminKey, components.provider) : undefined;
  }

  get adminAddress(): string | undefined {
    return this.wallet?.address;
  }

  async overview(limit = 100): Promise<GovernanceOverview> {
    const address = this.wallet?.address;
    const [proposals, admins, isAdmin] = await Promise.all([
      listProposals(this.registry, this.components.now(), limit, this.init.known),
      this.registry.admins(),
      address ? this.registry.isAdmin(address) : Promise.resolve(false),
    ]);
    const approved = await Promise.all(proposals.map((p) => (address ? this.registry.hasApproved(BigInt(p.id), address) : Promise.resolve(null))));
    return {
      admin: address ? { address, isAdmin } : null,
      admins: [...admins],
      threshold: proposals[0]?.threshold ?? Number(await this.registry.threshold()),
      proposals: proposals.map((p, i) => ({ ...p, approvedByMe: approved[i] ?? null })),
    };
  }

  approve(id: number): Promise<void> {
    return this.oneAtATime((wallet) => approveProposal(this.init.registryAddress, wallet, id));
  }

  execute(id: number): Promise<void> {
    return this.oneAtATime((wallet) => executeProposal(this.init.registryAddress, wallet, id));
  }

  /**
   * The admin's transactions one after the other: two dashboards clicking at once would otherwise
   * both take the account's next nonce, and one would fail for a reason that is not the caller's.
   */
  private oneAtATime(work: (wallet: Wallet) => Promise<void>): Promise<void> {
    const wallet = this.requireWallet();
    const turn = this.queue.then(() => work(wallet));
    this.queue = turn.catch(() => undefined);
    return turn;
  }

  private requireWallet(): Wallet {
    if (!this.wallet) throw new NoAdminKeyError("this node holds no governance admin key (governance.adminKeyFile); approve with `cti governance approve --key-file`");
    return this.wallet;
  }
}
