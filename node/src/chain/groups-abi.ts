/** The SharingGroups ABI the node uses, checked against the compiled contract by a test. */

const GROUP = "tuple(uint64 id, uint8 kind, uint64 createdAt, uint64 updatedAt, bytes32 owner, string name, uint256 memberCount)";

export const SHARING_GROUPS_ABI = [
  "function createGroup(string name, bytes32[] members) returns (uint64)",
  "function createSectorGroup(string name, bytes32[] members) returns (uint64)",
  "function addGroupMember(uint64 groupId, bytes32 orgId)",
  "function removeGroupMember(uint64 groupId, bytes32 orgId)",
  "function transferGroupOwnership(uint64 groupId, bytes32 newOwner)",
  "function governance() view returns (address)",
  "function registry() view returns (address)",
  "function groupCount() view returns (uint256)",
  `function getGroup(uint64 groupId) view returns (${GROUP})`,
  "function groupMembers(uint64 groupId) view returns (bytes32[])",
  "function isGroupMember(uint64 groupId, bytes32 orgId) view returns (bool)",
  "function MAX_GROUP_MEMBERS() view returns (uint256)",
  "event GroupCreated(uint64 indexed groupId, uint8 kind, bytes32 indexed owner, string name)",
  "event GroupMemberAdded(uint64 indexed groupId, bytes32 indexed orgId)",
  "event GroupMemberRemoved(uint64 indexed groupId, bytes32 indexed orgId)",
  "event GroupOwnershipTransferred(uint64 indexed groupId, bytes32 previousOwner, bytes32 newOwner)",
  "error SharingGroupsNotActiveMember(address account)",
  "error SharingGroupsNotGovernance(address account)",
  "error SharingGroupsNotOwner(uint64 groupId, address account)",
  "error SharingGroupsUnknownGroup(uint64 groupId)",
  "error SharingGroupsMemberNotActive(bytes32 orgId)",
  "error SharingGroupsAlreadyInGroup(uint64 groupId, bytes32 orgId)",
  "error SharingGroupsNotInGroup(uint64 groupId, bytes32 orgId)",
  "error SharingGroupsInvalidName(string name)",
  "error SharingGroupsTooManyMembers(uint64 groupId, uint256 limit)",
  "error SharingGroupsOwnerMustStay(uint64 groupId, bytes32 orgId)",
] as const;

export const GROUP_KINDS = ["member", "sector"] as const;
export type GroupKind = (typeof GROUP_KINDS)[number];

export interface RawGroup {
  id: bigint;
  kind: bigint;
  owner: string;
  name: string;
  createdAt: bigint;
  updatedAt: bigint;
  memberCount: bigint;
}

type Tx = Promise<import("ethers").ContractTransactionResponse>;
type Overrides = { blockTag?: number };

export interface SharingGroupsMethods {
  createGroup(name: string, members: string[]): Tx;
  addGroupMember(groupId: number, orgId: string): Tx;
  removeGroupMember(groupId: number, orgId: string): Tx;
  transferGroupOwnership(groupId: number, newOwner: string): Tx;
  groupCount(overrides?: Overrides): Promise<bigint>;
  getGroup(groupId: number, overrides?: Overrides): Promise<RawGroup>;
  groupMembers(groupId: number, overrides?: Overrides): Promise<string[]>;
}
