import { EventEmitter } from "node:events";
import { Contract, Interface, ZeroHash, type ContractRunner, type ContractTransactionReceipt, type Log } from "ethers";
import type { ChainView } from "./chain-follower.js";
import { GROUP_KINDS, SHARING_GROUPS_ABI, type GroupKind, type SharingGroupsMethods } from "./groups-abi.js";
import { bytes32ToOrgId, orgIdToBytes32 } from "./member.js";

/** A sharing group as the node uses it. */
export interface SharingGroup {
  id: number;
  kind: GroupKind;
  name: string;
  /** Owning org; undefined for a sector group (owned by governance). */
  owner: string | undefined;
  members: string[];
  createdAt: number;
  updatedAt: number;
}

export type SharingGroupsContract = Contract & SharingGroupsMethods;

export function sharingGroupsContract(address: string, runner: ContractRunner): SharingGroupsContract {
  return new Contract(address, SHARING_GROUPS_ABI, runner) as SharingGroupsContract;
}

export interface SharingGroupsEvents {
  /** A group was created or its members or owner changed on chain. */
  "group-changed": [current: SharingGroup, previous: SharingGroup | undefined];
}

/**
 * The node's view of the sharing groups, kept current from the contract's events by the
 * ChainFollower. The publisher seals group batches for the members found here, and the gossip
 * layer opens a group batch only if this view says the node's org is in the group.
 */
export class SharingGroupsView extends EventEmitter<SharingGroupsEvents> implements ChainView {
  private readonly contract: SharingGroupsContract;
  private readonly iface = new Interface(SHARING_GROUPS_ABI);
  private readonly groups = new Map<number, SharingGroup>();

  constructor(
    readonly address: string,
    runner: ContractRunner,
  ) {
    super();
    this.contract = sharingGroupsContract(address, runner);
  }

  get(id: number): SharingGroup | undefined {
    return this.groups.get(id);
  }

  all(): SharingGroup[] {
    return [...this.groups.values()].sort((a, b) => a.id - b.id);
  }

  /** Whether `org` is listed in group `id` (whether it is an active member is the registry's business). */
  isListed(id: number, org: string): boolean {
    return this.groups.get(id)?.members.includes(org) ?? false;
  }

  async load(blockTag: number): Promise<void> {
    const count = Number(await this.contract.groupCount({ blockTag }));
    for (let id = 1; id <= count; id++) await this.reload(id, blockTag);
  }

  async apply(logs: Log[], head: number): Promise<void> {
    const changed = new Set<number>();
    for (const log of logs) {
      const parsed = this.iface.parseLog(log);
      if (parsed) changed.add(Number(parsed.args.groupId));
    }
    for (const id of [...changed].sort((a, b) => a - b)) await this.reload(id, head);
  }

  private async reload(id: number, blockTag: number): Promise<void> {
    const [raw, members] = await Promise.all([this.contract.getGroup(id, { blockTag }), this.contract.groupMembers(id, { blockTag })]);
    const group: SharingGroup = {
      id,
      kind: GROUP_KINDS[Number(raw.kind)] ?? "member",
      name: raw.name,
      owner: raw.owner === ZeroHash ? undefined : bytes32ToOrgId(raw.owner),
      members: members.map(bytes32ToOrgId).sort(),
      createdAt: Number(raw.createdAt) * 1000,
      updatedAt: Number(raw.updatedAt) * 1000,
    };
    const previous = this.groups.get(id);
    this.groups.set(id, group);
    this.emit("group-changed", group, previous);
  }
}

function groupIdFrom(contract: SharingGroupsContract, receipt: ContractTransactionReceipt | null): number {
  for (const log of receipt?.logs ?? []) {
    const parsed = contract.interface.parseLog(log);
    if (parsed?.name === "GroupCreated") return Number(parsed.args.groupId);
  }
  throw new Error("the transaction created no group");
}

/** A member org creates a group it owns, with `members` (org ids) besides itself; returns its id. */
export async function createGroup(address: string, wallet: ContractRunner, name: string, members: string[]): Promise<number> {
  const contract = sharingGroupsContract(address, wallet);
  const receipt = await (await contract.createGroup(name, members.map(orgIdToBytes32))).wait();
  return groupIdFrom(contract, receipt);
}

/** The owner adds (`add`) or removes an org. */
export async function changeGroupMember(address: string, wallet: ContractRunner, groupId: number, org: string, change: "add" | "remove"): Promise<void> {
  const contract = sharingGroupsContract(address, wallet);
  const tx = change === "add" ? await contract.addGroupMember(groupId, orgIdToBytes32(org)) : await contract.removeGroupMember(groupId, orgIdToBytes32(org));
  await tx.wait();
}

/** Call data for governance (a registry Call proposal) to create a sector group. */
export function sectorGroupCall(name: string, members: string[]): string {
  return new Interface(SHARING_GROUPS_ABI).encodeFunctionData("createSectorGroup", [name, members.map(orgIdToBytes32)]);
}

/** Call data for governance to add or remove an org of a sector group. */
export function sectorMemberCall(groupId: number, org: string, change: "add" | "remove"): string {
  return new Interface(SHARING_GROUPS_ABI).encodeFunctionData(change === "add" ? "addGroupMember" : "removeGroupMember", [groupId, orgIdToBytes32(org)]);
}
