/**
 * chain/ owns everything the node reads from or writes to the permissioned ledger: the
 * ConsortiumRegistry ABI, a typed view of members, the membership cache that follows the
 * registry's events, and the governance calls used by admins.
 *
 * The ABI is written here (and checked against the compiled contract by a test) so that a node
 * needs only a JSON-RPC URL and an address, not a Hardhat build.
 */

const MEMBER =
  "tuple(bytes32 orgId, string displayName, string country, string sector, uint8 status, address wallet, bytes32 signingKey, bytes32 encryptionKey, bytes peerId, string[] multiaddrs, uint64 joinedAt, uint64 updatedAt)";
const ADMISSION =
  "tuple(bytes32 orgId, string displayName, string country, string sector, address wallet, bytes32 signingKey, bytes32 encryptionKey, bytes peerId)";
const PROPOSAL = "tuple(uint8 kind, address proposer, uint64 createdAt, uint64 expiresAt, bool executed, bool cancelled, uint64 subjectNonce, bytes data)";

export const CONSORTIUM_REGISTRY_ABI = [
  `function proposeAdmitMember(${ADMISSION} admission) returns (uint256)`,
  "function proposeMemberStatus(uint8 kind, bytes32 orgId) returns (uint256)",
  "function proposeAdminChange(uint8 kind, address account, uint256 newThreshold) returns (uint256)",
  "function proposeThreshold(uint256 newThreshold) returns (uint256)",
  "function proposeCall(address target, bytes callData) returns (uint256)",
  "function proposeReplaceWallet(bytes32 orgId, address wallet, bytes32 signingKey, bytes32 encryptionKey) returns (uint256)",
  "function cancel(uint256 proposalId)",
  "function revokeApproval(uint256 proposalId)",
  "function approve(uint256 proposalId)",
  "function execute(uint256 proposalId)",
  "function rotateKeys(bytes32 signingKey, bytes32 encryptionKey)",
  "function updateNode(bytes peerId, string[] multiaddrs)",
  "function isActive(bytes32 orgId) view returns (bool)",
  "function statusOf(bytes32 orgId) view returns (uint8)",
  "function orgOf(address wallet) view returns (bytes32 orgId, uint8 status)",
  "function statusSince(bytes32 orgId) view returns (uint64)",
  "function memberNonce(bytes32 orgId) view returns (uint64)",
  "function adminNonce() view returns (uint64)",
  `function getMember(bytes32 orgId) view returns (${MEMBER})`,
  `function memberBySigningKey(bytes32 signingKey) view returns (${MEMBER})`,
  `function memberByPeerId(bytes peerId) view returns (${MEMBER})`,
  `function memberByWallet(address wallet) view returns (${MEMBER})`,
  "function memberCount() view returns (uint256)",
  `function listMembers(uint256 offset, uint256 limit) view returns (${MEMBER}[])`,
  "function isAdmin(address account) view returns (bool)",
  "function admins() view returns (address[])",
  "function threshold() view returns (uint256)",
  "function proposalLifetime() view returns (uint64)",
  "function proposalCount() view returns (uint256)",
  `function getProposal(uint256 proposalId) view returns (${PROPOSAL})`,
  "function approvalCount(uint256 proposalId) view returns (uint256)",
  "function hasApproved(uint256 proposalId, address admin) view returns (bool)",
  "function isPending(uint256 proposalId) view returns (bool)",
  "event ProposalCreated(uint256 indexed proposalId, uint8 indexed kind, address indexed proposer, uint64 expiresAt, bytes data)",
  "event ProposalApproved(uint256 indexed proposalId, address indexed admin)",
  "event ProposalExecuted(uint256 indexed proposalId, uint8 indexed kind)",
  "event ProposalCancelled(uint256 indexed proposalId, address indexed by)",
  "event ApprovalRevoked(uint256 indexed proposalId, address indexed admin)",
  "event MemberAdmitted(bytes32 indexed orgId, address wallet, bytes32 signingKey, bytes32 encryptionKey, bytes peerId)",
  "event MemberStatusChanged(bytes32 indexed orgId, uint8 previousStatus, uint8 newStatus)",
  "event MemberKeysRotated(bytes32 indexed orgId, bytes32 previousSigningKey, bytes32 signingKey, bytes32 encryptionKey)",
  "event MemberNodeUpdated(bytes32 indexed orgId, bytes peerId, string[] multiaddrs)",
  "event MemberWalletReplaced(bytes32 indexed orgId, address previousWallet, address wallet)",
  "event AdminAdded(address indexed account)",
  "event AdminRemoved(address indexed account)",
  "event ThresholdChanged(uint256 previousThreshold, uint256 newThreshold)",
  // Errors, so that a refused transaction names the contract's reason (err.revert.name).
  "error ConsortiumRegistryNotAdmin(address account)",
  "error ConsortiumRegistryNotMember(address account)",
  "error ConsortiumRegistryUnknownMember(bytes32 orgId)",
  "error ConsortiumRegistryMemberExists(bytes32 orgId)",
  "error ConsortiumRegistryInvalidStatus(bytes32 orgId, uint8 status)",
  "error ConsortiumRegistryInvalidField(string field)",
  "error ConsortiumRegistrySigningKeyInUse(bytes32 signingKey)",
  "error ConsortiumRegistryPeerIdInUse(bytes peerId)",
  "error ConsortiumRegistryWalletInUse(address wallet)",
  "error ConsortiumRegistryAdminExists(address account)",
  "error ConsortiumRegistryUnknownAdmin(address account)",
  "error ConsortiumRegistryInvalidThreshold(uint256 threshold, uint256 adminCount)",
  "error ConsortiumRegistryInvalidLifetime(uint64 lifetime)",
  "error ConsortiumRegistryUnknownProposal(uint256 proposalId)",
  "error ConsortiumRegistryProposalExpired(uint256 proposalId, uint64 expiresAt)",
  "error ConsortiumRegistryProposalAlreadyExecuted(uint256 proposalId)",
  "error ConsortiumRegistryAlreadyApproved(uint256 proposalId, address admin)",
  "error ConsortiumRegistryThresholdNotMet(uint256 proposalId, uint256 approvals, uint256 threshold)",
  "error ConsortiumRegistryInvalidCallTarget(address target)",
  "error ConsortiumRegistryCallFailed(address target, bytes returnData)",
  "error ConsortiumRegistryProposalCancelled(uint256 proposalId)",
  "error ConsortiumRegistryProposalStale(uint256 proposalId)",
  "error ConsortiumRegistryDuplicateProposal(uint256 pendingProposalId)",
  "error ConsortiumRegistryNotApproved(uint256 proposalId, address admin)",
  "error ConsortiumRegistryNotProposer(uint256 proposalId, address account)",
  "error ConsortiumRegistryReserved(string what, uint256 proposalId)",
  "error ConsortiumRegistryUnusableKey(string field)",
] as const;

/** Events after which a member's record must be read again. */
export const MEMBER_EVENTS = ["MemberAdmitted", "MemberStatusChanged", "MemberKeysRotated", "MemberNodeUpdated", "MemberWalletReplaced"] as const;

export enum ProposalKind {
  AdmitMember = 0,
  SuspendMember = 1,
  ReinstateMember = 2,
  RemoveMember = 3,
  AddAdmin = 4,
  RemoveAdmin = 5,
  ChangeThreshold = 6,
  Call = 7,
  ReplaceWallet = 8,
}

export const MEMBER_STATUSES = ["none", "active", "suspended", "removed"] as const;
export type MemberStatus = (typeof MEMBER_STATUSES)[number];

/** The registry's Member tuple as ethers returns it. */
export interface RawMember {
  orgId: string;
  displayName: string;
  country: string;
  sector: string;
  status: bigint;
  wallet: string;
  signingKey: string;
  encryptionKey: string;
  peerId: string;
  multiaddrs: string[];
  joinedAt: bigint;
  updatedAt: bigint;
}

export interface RawAdmission {
  orgId: string;
  displayName: string;
  country: string;
  sector: string;
  wallet: string;
  signingKey: string;
  encryptionKey: string;
  peerId: string;
}

type Tx = Promise<import("ethers").ContractTransactionResponse>;
type View<T> = (overrides?: { blockTag?: number }) => Promise<T>;

/** The registry methods the node calls, typed (ethers' Contract alone types them as `any`). */
export interface RegistryMethods {
  proposeAdmitMember(admission: RawAdmission): Tx;
  proposeMemberStatus(kind: ProposalKind, orgId: string): Tx;
  proposeCall(target: string, callData: string): Tx;
  proposeAdminChange(kind: ProposalKind, account: string, newThreshold: bigint): Tx;
  proposeReplaceWallet(orgId: string, wallet: string, signingKey: string, encryptionKey: string): Tx;
  cancel(proposalId: bigint): Tx;
  revokeApproval(proposalId: bigint): Tx;
  proposeThreshold(newThreshold: bigint): Tx;
  approve(proposalId: bigint): Tx;
  execute(proposalId: bigint): Tx;
  rotateKeys(signingKey: string, encryptionKey: string): Tx;
  updateNode(peerId: string, multiaddrs: string[]): Tx;
  threshold: View<bigint>;
  memberCount: View<bigint>;
  listMembers(offset: number, limit: number, overrides?: { blockTag?: number }): Promise<RawMember[]>;
  getMember(orgId: string, overrides?: { blockTag?: number }): Promise<RawMember>;
  isActive(orgId: string): Promise<boolean>;
}
