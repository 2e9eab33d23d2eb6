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
        Call,
        /// Replaces a member's wallet (and, when non-zero, its signing and encryption keys): the
        /// recovery path after a compromise, since a suspended member may not call anything itself.
        ReplaceWallet
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
        bool cancelled;
        /// The state nonce of the proposal's subject when it was made (the member's for member
        /// changes, the admin set's for admin and threshold changes): execution requires it unchanged.
        uint64 subjectNonce;
        /// ABI encoding of the proposal's argument (an Admission, an org id, an address, a threshold,
        /// a call, or (orgId, wallet, signingKey, encryptionKey) for ReplaceWallet).
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
    error ConsortiumRegistryProposalCancelled(uint256 proposalId);
    error ConsortiumRegistryProposalStale(uint256 proposalId);
    error ConsortiumRegistryDuplicateProposal(uint256 pendingProposalId);
    error ConsortiumRegistryNotApproved(uint256 proposalId, address admin);
    error ConsortiumRegistryNotProposer(uint256 proposalId, address account);
    /// A key, peer id, wallet or org id named by a pending admission or wallet replacement.
    error ConsortiumRegistryReserved(string what, uint256 proposalId);
    /// A key of small order: it would make sealing fail (X25519) or verify any message (ed25519).
    error ConsortiumRegistryUnusableKey(string field);

    event ProposalCreated(uint256 indexed proposalId, ProposalKind indexed kind, address indexed proposer, uint64 expiresAt, bytes data);
    event ProposalApproved(uint256 indexed proposalId, address indexed admin);
    event ProposalExecuted(uint256 indexed proposalId, ProposalKind indexed kind);
    event ProposalCancelled(uint256 indexed proposalId, address indexed by);
    event ApprovalRevoked(uint256 indexed proposalId, address indexed admin);

    event MemberAdmitted(bytes32 indexed orgId, address wallet, bytes32 signingKey, bytes32 encryptionKey, bytes peerId);
    event MemberStatusChanged(bytes32 indexed orgId, MemberStatus previousStatus, MemberStatus newStatus);
    event MemberKeysRotated(bytes32 indexed orgId, bytes32 previousSigningKey, bytes32 signingKey, bytes32 encryptionKey);
    event MemberNodeUpdated(bytes32 indexed orgId, bytes peerId, string[] multiaddrs);
    event MemberWalletReplaced(bytes32 indexed orgId, address previousWallet, address wallet);

    event AdminAdded(address indexed account);
    event AdminRemoved(address indexed account);
    event ThresholdChanged(uint256 previousThreshold, uint256 newThreshold);

    /**
     * @notice Proposes admitting an organisation. The proposer's approval is counted at once. The
     * org id, wallet, signing key and peer id are reserved while the proposal is pending: no member
     * can claim them meanwhile (rotateKeys, updateNode) to block the admission.
     *
     * Requirements:
     * - the caller is an admin;
     * - the org id, wallet, signing key and peer id are all unused and not reserved by another
     *   pending proposal, and every field is well formed;
     * - neither key is of small order (a known small-order encoding).
     */
    function proposeAdmitMember(Admission calldata admission) external returns (uint256 proposalId);

    /**
     * @notice Proposes suspending, reinstating or removing a member.
     *
     * Requirements:
     * - the caller is an admin;
     * - `kind` is SuspendMember (member active), ReinstateMember (member suspended) or RemoveMember
     *   (member active or suspended);
     * - no pending proposal asks for the same change.
     */
    function proposeMemberStatus(ProposalKind kind, bytes32 orgId) external returns (uint256 proposalId);

    /**
     * @notice Proposes adding (`kind` AddAdmin) or removing (`kind` RemoveAdmin) an admin, and the
     * threshold that applies once it is done. The threshold is an absolute number: stating it with
     * every change of admins makes 3 of 5 becoming 3 of 10 a decision the approvers saw.
     *
     * Requirements:
     * - the caller is an admin;
     * - adding: `account` is not zero and not an admin; removing: `account` is an admin;
     * - `newThreshold` is valid for the admins after the change (see proposeThreshold);
     * - no pending proposal asks for the same change.
     */
    function proposeAdminChange(ProposalKind kind, address account, uint256 newThreshold) external returns (uint256 proposalId);

    /**
     * @notice Proposes a new approval threshold.
     *
     * Requirements:
     * - the caller is an admin;
     * - 1 <= `newThreshold` <= number of admins, and below it once there are three admins or more
     *   (so that one lost key never leaves governance unable to act).
     */
    function proposeThreshold(uint256 newThreshold) external returns (uint256 proposalId);

    /**
     * @notice Proposes that the registry, as the consortium's governance, calls `target` with
     * `callData` (for instance to manage a sector sharing group). The call runs on execution.
     *
     * Requirements:
     * - the caller is an admin;
     * - `target` is a contract other than this registry;
     * - no pending proposal makes the same call.
     */
    function proposeCall(address target, bytes calldata callData) external returns (uint256 proposalId);

    /**
     * @notice Proposes replacing a member's wallet and, where not zero, its signing and encryption
     * keys: how a member whose wallet was stolen gets its account back. The new wallet and keys are
     * reserved while the proposal is pending.
     *
     * Requirements:
     * - the caller is an admin;
     * - the member exists and is not removed;
     * - `wallet` is not zero and unused; a non-zero signing key is unused; neither key is of small
     *   order; none of them is reserved by another pending proposal.
     */
    function proposeReplaceWallet(bytes32 orgId, address wallet, bytes32 signingKey, bytes32 encryptionKey) external returns (uint256 proposalId);

    /**
     * @notice Cancels a pending proposal, approved or not.
     *
     * Requirements:
     * - the caller is the proposer, or an admin when the proposer is no longer one;
     * - the proposal exists and is neither executed nor cancelled.
     */
    function cancel(uint256 proposalId) external;

    /**
     * @notice Withdraws the caller's approval of a pending proposal.
     *
     * Requirements:
     * - the caller approved the proposal;
     * - the proposal is pending (not executed, not cancelled, not expired).
     */
    function revokeApproval(uint256 proposalId) external;

    /**
     * @notice Approves a pending proposal.
     *
     * Requirements:
     * - the caller is an admin and has not approved this proposal yet (as the admin it is now: an
     *   approval given before the account was removed and added again does not count);
     * - the proposal exists, is not executed or cancelled, and has not expired.
     */
    function approve(uint256 proposalId) external;

    /**
     * @notice Carries out a proposal once enough current admins approved it.
     * Approvals of accounts that are no longer admins (or were removed since) do not count.
     *
     * Requirements:
     * - the caller is an admin;
     * - the proposal exists, is not executed or cancelled, and has not expired;
     * - approvals by current admins >= threshold;
     * - its subject's state nonce is the one it was proposed against (no stale proposal runs);
     * - the change is still valid against the current state; a Call proposal's call succeeds.
     */
    function execute(uint256 proposalId) external;

    /**
     * @notice An active member replaces its signing and encryption keys; the old signing key stops
     * being accepted at once. A suspended member cannot (its wallet may be the stolen part):
     * governance replaces its wallet and keys (proposeReplaceWallet).
     *
     * Requirements:
     * - the caller is the wallet of an active member;
     * - the new signing key is not zero, not used by any member and not reserved by a pending
     *   proposal; the encryption key is not zero; neither is of small order.
     */
    function rotateKeys(bytes32 signingKey, bytes32 encryptionKey) external;

    /**
     * @notice An active member publishes its node's peer id and dialable multiaddrs.
     *
     * Requirements:
     * - the caller is the wallet of an active member;
     * - the peer id is well formed, not used by another member and not reserved by a pending
     *   admission; at most 8 multiaddrs of at most 256 bytes.
     */
    function updateNode(bytes calldata peerId, string[] memory multiaddrs) external;

    function isActive(bytes32 orgId) external view returns (bool);
    /// @notice A member's status (None for an org never admitted): a cheap read for other contracts.
    function statusOf(bytes32 orgId) external view returns (MemberStatus);
    /// @notice The org whose wallet `wallet` is, and its status ((0, None) for no member's wallet).
    function orgOf(address wallet) external view returns (bytes32 orgId, MemberStatus status);
    /// @notice When the member's status last changed (admission included), Unix seconds.
    function statusSince(bytes32 orgId) external view returns (uint64);
    /// @notice The state nonce of a member: it changes on admission, status change and wallet replacement.
    function memberNonce(bytes32 orgId) external view returns (uint64);
    /// @notice The state nonce of the admin set: it changes whenever an admin or the threshold changes.
    function adminNonce() external view returns (uint64);
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
    /// @notice Whether `admin` approved the proposal as the admin it is now.
    function hasApproved(uint256 proposalId, address admin) external view returns (bool);
    /// @notice Whether the proposal can still be approved and executed (not executed, cancelled or expired).
    function isPending(uint256 proposalId) external view returns (bool);
}
