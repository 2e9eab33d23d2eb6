// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.24;

/**
 * @title IConsortiumRegistry
 * @notice Who belongs to a CTI-sharing consortium, which keys and libp2p peers speak for each
 * member, and the M-of-N governance that changes it. Partner nodes read this contract to admit
 * peers and to check who signed an indicator batch; they follow its events instead of
 * re-reading everything.
 */
interface IConsortiumRegistry {
    enum MemberStatus {
        None,
        Active,
        Suspended,
        Removed
    }

    enum ProposalKind {
        AdmitMember,
        SuspendMember,
        ReinstateMember,
        RemoveMember,
        AddAdmin,
        RemoveAdmin,
        ChangeThreshold,
        Call
    }

    /// @notice What governance decides when it admits an organisation.
    struct Admission {
        bytes32 orgId;
        string displayName;
        string country;
        string sector;
        address wallet;
        bytes32 signingKey;
        bytes32 encryptionKey;
        bytes peerId;
    }

    struct Member {
        bytes32 orgId;
        string displayName;
        /// ISO 3166-1 alpha-2.
        string country;
        string sector;
        MemberStatus status;
        /// Account the organisation uses for its own transactions (key rotation, node addresses).
        address wallet;
        /// ed25519 public key that signs the organisation's indicator batches.
        bytes32 signingKey;
        /// X25519 public key other members encrypt content keys to.
        bytes32 encryptionKey;
        /// libp2p peer id (multihash bytes) of the organisation's node.
        bytes peerId;
        /// Dialable multiaddrs of the node, published by the member itself.
        string[] multiaddrs;
        uint64 joinedAt;
        uint64 updatedAt;
    }

    struct Proposal {
        ProposalKind kind;
        address proposer;
        uint64 createdAt;
        uint64 expiresAt;
        bool executed;
        /// ABI encoding of the proposal's argument (an Admission, an org id, an address or a threshold).
        bytes data;
    }

    error ConsortiumRegistryNotAdmin(address account);
    error ConsortiumRegistryNotMember(address account);
    error ConsortiumRegistryUnknownMember(bytes32 orgId);
    error ConsortiumRegistryMemberExists(bytes32 orgId);
    error ConsortiumRegistryInvalidStatus(bytes32 orgId, MemberStatus status);
    error ConsortiumRegistryInvalidField(string field);
    error ConsortiumRegistrySigningKeyInUse(bytes32 signingKey);
    error ConsortiumRegistryPeerIdInUse(bytes peerId);
    error ConsortiumRegistryWalletInUse(address wallet);
    error ConsortiumRegistryAdminExists(address account);
    error ConsortiumRegistryUnknownAdmin(address account);
    error ConsortiumRegistryInvalidThreshold(uint256 threshold, uint256 adminCount);
    error ConsortiumRegistryInvalidLifetime(uint64 lifetime);
    error ConsortiumRegistryUnknownProposal(uint256 proposalId);
    error ConsortiumRegistryProposalExpired(uint256 proposalId, uint64 expiresAt);
    error ConsortiumRegistryProposalAlreadyExecuted(uint256 proposalId);
    error ConsortiumRegistryAlreadyApproved(uint256 proposalId, address admin);
    error ConsortiumRegistryThresholdNotMet(uint256 proposalId, uint256 approvals, uint256 threshold);
    error ConsortiumRegistryInvalidCallTarget(address target);
    error ConsortiumRegistryCallFailed(address target, bytes returnData);

    event ProposalCreated(uint256 indexed proposalId, ProposalKind indexed kind, address indexed proposer, uint64 expiresAt, bytes data);
    event ProposalApproved(uint256 indexed proposalId, address indexed admin);
    event ProposalExecuted(uint256 indexed proposalId, ProposalKind indexed kind);

    event MemberAdmitted(bytes32 indexed orgId, address wallet, bytes32 signingKey, bytes32 encryptionKey, bytes peerId);
    event MemberStatusChanged(bytes32 indexed orgId, MemberStatus previousStatus, MemberStatus newStatus);
    event MemberKeysRotated(bytes32 indexed orgId, bytes32 previousSigningKey, bytes32 signingKey, bytes32 encryptionKey);
    event MemberNodeUpdated(bytes32 indexed orgId, bytes peerId, string[] multiaddrs);

    event AdminAdded(address indexed account);
    event AdminRemoved(address indexed account);
    event ThresholdChanged(uint256 previousThreshold, uint256 newThreshold);

    /**
     * @notice Proposes admitting an organisation. The proposer's approval is counted at once.
     *
     * Requirements:
     * - the caller is an admin;
     * - the org id, wallet, signing key and peer id are all unused, and every field is well formed.
     */
    function proposeAdmitMember(Admission calldata admission) external returns (uint256 proposalId);

    /**
     * @notice Proposes suspending, reinstating or removing a member.
     *
     * Requirements:
     * - the caller is an admin;
     * - `kind` is SuspendMember (member active), ReinstateMember (member suspended) or RemoveMember
     *   (member active or suspended).
     */
    function proposeMemberStatus(ProposalKind kind, bytes32 orgId) external returns (uint256 proposalId);

    /**
     * @notice Proposes adding (`kind` AddAdmin) or removing (`kind` RemoveAdmin) an admin.
     *
     * Requirements:
     * - the caller is an admin;
     * - adding: `account` is not zero and not an admin; removing: `account` is an admin and the
     *   threshold stays at most the number of admins left.
     */
    function proposeAdminChange(ProposalKind kind, address account) external returns (uint256 proposalId);

    /**
     * @notice Proposes a new approval threshold.
     *
     * Requirements:
     * - the caller is an admin;
     * - 1 <= `newThreshold` <= number of admins.
     */
    function proposeThreshold(uint256 newThreshold) external returns (uint256 proposalId);

    /**
     * @notice Proposes that the registry, as the consortium's governance, calls `target` with
     * `callData` (for instance to manage a sector sharing group). The call runs on execution.
     *
     * Requirements:
     * - the caller is an admin;
     * - `target` is a contract other than this registry.
     */
    function proposeCall(address target, bytes calldata callData) external returns (uint256 proposalId);

    /**
     * @notice Approves a pending proposal.
     *
     * Requirements:
     * - the caller is an admin and has not approved this proposal yet;
     * - the proposal exists, is not executed and has not expired.
     */
    function approve(uint256 proposalId) external;

    /**
     * @notice Carries out a proposal once enough current admins approved it.
     * Approvals of accounts that are no longer admins do not count.
     *
     * Requirements:
     * - the caller is an admin;
     * - the proposal exists, is not executed and has not expired;
     * - approvals by current admins >= threshold;
     * - the change is still valid against the current state; a Call proposal's call succeeds.
     */
    function execute(uint256 proposalId) external;

    /**
     * @notice A member replaces its signing and encryption keys; the old signing key stops being
     * accepted at once. A suspended member may rotate too (a suspension often follows a compromise).
     *
     * Requirements:
     * - the caller is the wallet of a member that is not removed;
     * - the new signing key is not zero and not used by any member; the encryption key is not zero.
     */
    function rotateKeys(bytes32 signingKey, bytes32 encryptionKey) external;

    /**
     * @notice A member publishes its node's peer id and dialable multiaddrs.
     *
     * Requirements:
     * - the caller is the wallet of a member that is not removed;
     * - the peer id is well formed and not used by another member; at most 8 multiaddrs of at most 256 bytes.
     */
    function updateNode(bytes calldata peerId, string[] memory multiaddrs) external;

    function isActive(bytes32 orgId) external view returns (bool);
    function getMember(bytes32 orgId) external view returns (Member memory);
    function memberBySigningKey(bytes32 signingKey) external view returns (Member memory);
    function memberByPeerId(bytes calldata peerId) external view returns (Member memory);
    function memberByWallet(address wallet) external view returns (Member memory);
    function memberCount() external view returns (uint256);
    function listMembers(uint256 offset, uint256 limit) external view returns (Member[] memory);

    function isAdmin(address account) external view returns (bool);
    function admins() external view returns (address[] memory);
    function threshold() external view returns (uint256);
    function proposalLifetime() external view returns (uint64);
    function proposalCount() external view returns (uint256);
    function getProposal(uint256 proposalId) external view returns (Proposal memory);
    function approvalCount(uint256 proposalId) external view returns (uint256);
    function hasApproved(uint256 proposalId, address admin) external view returns (bool);
}
