// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.24;

import {EnumerableSet} from "@openzeppelin/contracts/utils/structs/EnumerableSet.sol";
import {IConsortiumRegistry} from "./IConsortiumRegistry.sol";
import {CurveKeys} from "./utils/CurveKeys.sol";

/**
 * @title ConsortiumRegistry
 * @notice Membership of the CTI exchange, governed by M-of-N admin proposals.
 * @dev Every proposal is validated twice: when proposed (early, clear errors) and when executed
 * (the state may have changed meanwhile). Three rules keep a proposal from acting on a state it
 * was not approved for:
 * - it is bound to its subject's state nonce (the member's, or the admin set's) and refused as
 *   stale once that changed;
 * - the same action cannot be pending twice, so no leftover duplicate waits for a later moment;
 * - approvals are counted at execution against the admins of the moment, each as the admin it is
 *   now (an account removed and added again starts with no approvals).
 * An admission or wallet replacement reserves the keys, peer id, wallet and org id it names while
 * it is pending, so that no member can claim them first to block it.
 */
contract ConsortiumRegistry is IConsortiumRegistry {
    using EnumerableSet for EnumerableSet.AddressSet;
    using EnumerableSet for EnumerableSet.Bytes32Set;

    uint256 private constant MAX_NAME_BYTES = 128;
    uint256 private constant MAX_SECTOR_BYTES = 64;
    uint256 private constant MAX_PEER_ID_BYTES = 64;
    uint256 private constant MAX_MULTIADDRS = 8;
    uint256 private constant MAX_MULTIADDR_BYTES = 256;
    uint256 private constant MAX_PAGE = 100;
    /// No proposal's own id: the caller is not a proposal being executed.
    uint256 private constant NO_PROPOSAL = type(uint256).max;

    EnumerableSet.AddressSet private _admins;
    /// Incremented each time an account becomes an admin: approvals carry the generation they were given in.
    mapping(address account => uint64) private _adminGeneration;
    uint256 private _threshold;
    uint64 private _adminNonce;
    uint64 private immutable _proposalLifetime;

    Proposal[] private _proposals;
    mapping(uint256 proposalId => EnumerableSet.AddressSet) private _approvals;
    mapping(uint256 proposalId => mapping(address admin => uint64)) private _approvalGeneration;
    /// keccak256(kind, data) of each action to the id + 1 of the last proposal made for it.
    mapping(bytes32 action => uint256) private _proposalOfAction;
    /// keccak256(what, value) of a reserved key, peer id, wallet or org id to its proposal's id + 1.
    mapping(bytes32 reservation => uint256) private _reservations;

    EnumerableSet.Bytes32Set private _orgIds;
    mapping(bytes32 orgId => Member) private _members;
    mapping(bytes32 orgId => MemberState) private _memberState;
    mapping(bytes32 signingKey => bytes32 orgId) private _orgBySigningKey;
    mapping(bytes32 peerIdHash => bytes32 orgId) private _orgByPeerId;
    mapping(address wallet => bytes32 orgId) private _orgByWallet;

    /// What changes with a member's status, beside its record: its state nonce and since when its status holds.
    struct MemberState {
        uint64 nonce;
        uint64 statusSince;
    }

    modifier onlyAdmin() {
        if (!_admins.contains(msg.sender)) revert ConsortiumRegistryNotAdmin(msg.sender);
        _;
    }

    /**
     * Requirements:
     * - `initialAdmins` holds no zero address and no duplicate;
     * - `initialThreshold` is valid for them (see proposeThreshold);
     * - `lifetime` is at least one hour.
     */
    constructor(address[] memory initialAdmins, uint256 initialThreshold, uint64 lifetime) {
        for (uint256 i = 0; i < initialAdmins.length; i++) {
            address account = initialAdmins[i];
            if (account == address(0)) revert ConsortiumRegistryInvalidField("admin");
            if (!_admins.add(account)) revert ConsortiumRegistryAdminExists(account);
            _adminGeneration[account] = 1;
            emit AdminAdded(account);
        }
        _requireValidThreshold(initialThreshold, _admins.length());
        if (lifetime < 1 hours) revert ConsortiumRegistryInvalidLifetime(lifetime);
        _threshold = initialThreshold;
        _proposalLifetime = lifetime;
        emit ThresholdChanged(0, initialThreshold);
    }

    // ---------------------------------------------------------------- proposals

    /// @inheritdoc IConsortiumRegistry
    function proposeAdmitMember(Admission calldata admission) external onlyAdmin returns (uint256 proposalId) {
        _requireAdmissible(admission, NO_PROPOSAL);
        proposalId = _propose(ProposalKind.AdmitMember, abi.encode(admission), 0);
        _reserve("orgId", admission.orgId, proposalId);
        _reserve("wallet", bytes32(uint256(uint160(admission.wallet))), proposalId);
        _reserve("signingKey", admission.signingKey, proposalId);
        _reserve("peerId", keccak256(admission.peerId), proposalId);
    }

    /// @inheritdoc IConsortiumRegistry
    function proposeMemberStatus(ProposalKind kind, bytes32 orgId) external onlyAdmin returns (uint256) {
        _nextStatus(kind, orgId);
        return _propose(kind, abi.encode(orgId), _memberState[orgId].nonce);
    }

    /// @inheritdoc IConsortiumRegistry
    function proposeAdminChange(ProposalKind kind, address account, uint256 newThreshold) external onlyAdmin returns (uint256) {
        _requireAdminChange(kind, account, newThreshold);
        return _propose(kind, abi.encode(account, newThreshold), _adminNonce);
    }

    /// @inheritdoc IConsortiumRegistry
    function proposeThreshold(uint256 newThreshold) external onlyAdmin returns (uint256) {
        _requireValidThreshold(newThreshold, _admins.length());
        return _propose(ProposalKind.ChangeThreshold, abi.encode(newThreshold), _adminNonce);
    }

    /// @inheritdoc IConsortiumRegistry
    function proposeCall(address target, bytes calldata callData) external onlyAdmin returns (uint256) {
        _requireCallTarget(target);
        return _propose(ProposalKind.Call, abi.encode(target, callData), 0);
    }

    /// @inheritdoc IConsortiumRegistry
    function proposeReplaceWallet(bytes32 orgId, address wallet, bytes32 signingKey, bytes32 encryptionKey) external onlyAdmin returns (uint256 proposalId) {
        _requireReplaceable(orgId, wallet, signingKey, encryptionKey, NO_PROPOSAL);
        proposalId = _propose(ProposalKind.ReplaceWallet, abi.encode(orgId, wallet, signingKey, encryptionKey), _memberState[orgId].nonce);
        _reserve("wallet", bytes32(uint256(uint160(wallet))), proposalId);
        if (signingKey != bytes32(0)) _reserve("signingKey", signingKey, proposalId);
    }

    /// @inheritdoc IConsortiumRegistry
    function approve(uint256 proposalId) external onlyAdmin {
        _requirePending(proposalId);
        _approve(proposalId);
    }

    /// @inheritdoc IConsortiumRegistry
    function revokeApproval(uint256 proposalId) external {
        _requirePending(proposalId);
        if (!hasApproved(proposalId, msg.sender)) revert ConsortiumRegistryNotApproved(proposalId, msg.sender);
        _approvals[proposalId].remove(msg.sender);
        delete _approvalGeneration[proposalId][msg.sender];
        emit ApprovalRevoked(proposalId, msg.sender);
    }

    /// @inheritdoc IConsortiumRegistry
    function cancel(uint256 proposalId) external {
        Proposal storage proposal = _proposal(proposalId);
        if (proposal.executed) revert ConsortiumRegistryProposalAlreadyExecuted(proposalId);
        if (proposal.cancelled) revert ConsortiumRegistryProposalCancelled(proposalId);
        bool proposerGone = !_admins.contains(proposal.proposer) && _admins.contains(msg.sender);
        if (msg.sender != proposal.proposer && !proposerGone) revert ConsortiumRegistryNotProposer(proposalId, msg.sender);
        proposal.cancelled = true;
        emit ProposalCancelled(proposalId, msg.sender);
    }

    /// @inheritdoc IConsortiumRegistry
    function execute(uint256 proposalId) external onlyAdmin {
        Proposal storage proposal = _requirePending(proposalId);
        uint256 approvals = approvalCount(proposalId);
        if (approvals < _threshold) revert ConsortiumRegistryThresholdNotMet(proposalId, approvals, _threshold);
        ProposalKind kind = proposal.kind;
        bytes memory data = proposal.data;
        if (proposal.subjectNonce != _subjectNonce(kind, data)) revert ConsortiumRegistryProposalStale(proposalId);

        proposal.executed = true;
        if (kind == ProposalKind.AdmitMember) {
            _admit(abi.decode(data, (Admission)), proposalId);
        } else if (kind == ProposalKind.AddAdmin || kind == ProposalKind.RemoveAdmin) {
            (address account, uint256 newThreshold) = abi.decode(data, (address, uint256));
            _changeAdmins(kind, account, newThreshold);
        } else if (kind == ProposalKind.ChangeThreshold) {
            uint256 newThreshold = abi.decode(data, (uint256));
            _requireValidThreshold(newThreshold, _admins.length());
            uint256 previous = _threshold;
            _threshold = newThreshold;
            _adminNonce++;
            emit ThresholdChanged(previous, newThreshold);
        } else if (kind == ProposalKind.Call) {
            (address target, bytes memory callData) = abi.decode(data, (address, bytes));
            _requireCallTarget(target);
            // Effects are done (executed = true) before the call, so a re-entering target cannot run it twice.
            // A low-level call is the point of a Call proposal; its failure is surfaced below.
            // solhint-disable-next-line avoid-low-level-calls
            (bool ok, bytes memory returnData) = target.call(callData);
            if (!ok) revert ConsortiumRegistryCallFailed(target, returnData);
        } else if (kind == ProposalKind.ReplaceWallet) {
            (bytes32 orgId, address wallet, bytes32 signingKey, bytes32 encryptionKey) = abi.decode(data, (bytes32, address, bytes32, bytes32));
            _replaceWallet(orgId, wallet, signingKey, encryptionKey, proposalId);
        } else {
            _changeStatus(kind, abi.decode(data, (bytes32)));
        }
        emit ProposalExecuted(proposalId, kind);
    }

    // ---------------------------------------------------------------- member self-service

    /// @inheritdoc IConsortiumRegistry
    function rotateKeys(bytes32 signingKey, bytes32 encryptionKey) external {
        Member storage member = _callerActiveMember();
        _requireUsableKeys(signingKey, encryptionKey);
        if (_orgBySigningKey[signingKey] != bytes32(0)) revert ConsortiumRegistrySigningKeyInUse(signingKey);
        _requireUnreserved("signingKey", signingKey, NO_PROPOSAL);

        bytes32 previous = member.signingKey;
        delete _orgBySigningKey[previous];
        _orgBySigningKey[signingKey] = member.orgId;
        member.signingKey = signingKey;
        member.encryptionKey = encryptionKey;
        member.updatedAt = uint64(block.timestamp);
        emit MemberKeysRotated(member.orgId, previous, signingKey, encryptionKey);
    }

    /// @inheritdoc IConsortiumRegistry
    // A calldata string[] cannot be copied to storage, hence memory.
    // solhint-disable-next-line gas-calldata-parameters
    function updateNode(bytes calldata peerId, string[] memory multiaddrs) external {
        Member storage member = _callerActiveMember();
        _requireValidPeerId(peerId);
        bytes32 peerHash = keccak256(peerId);
        bytes32 holder = _orgByPeerId[peerHash];
        if (holder != bytes32(0) && holder != member.orgId) revert ConsortiumRegistryPeerIdInUse(peerId);
        _requireUnreserved("peerId", peerHash, NO_PROPOSAL);
        if (multiaddrs.length > MAX_MULTIADDRS) revert ConsortiumRegistryInvalidField("multiaddrs");
        for (uint256 i = 0; i < multiaddrs.length; i++) {
            uint256 length = bytes(multiaddrs[i]).length;
            if (length == 0 || length > MAX_MULTIADDR_BYTES) revert ConsortiumRegistryInvalidField("multiaddrs");
        }

        delete _orgByPeerId[keccak256(member.peerId)];
        _orgByPeerId[peerHash] = member.orgId;
        member.peerId = peerId;
        member.multiaddrs = multiaddrs;
        member.updatedAt = uint64(block.timestamp);
        emit MemberNodeUpdated(member.orgId, peerId, multiaddrs);
    }

    // ---------------------------------------------------------------- views

    /// @inheritdoc IConsortiumRegistry
    function isActive(bytes32 orgId) external view returns (bool) {
        return _members[orgId].status == MemberStatus.Active;
    }

    /// @inheritdoc IConsortiumRegistry
    function statusOf(bytes32 orgId) external view returns (MemberStatus) {
        return _members[orgId].status;
    }

    /// @inheritdoc IConsortiumRegistry
    function orgOf(address wallet) external view returns (bytes32 orgId, MemberStatus status) {
        orgId = _orgByWallet[wallet];
        status = _members[orgId].status;
    }

    /// @inheritdoc IConsortiumRegistry
    function statusSince(bytes32 orgId) external view returns (uint64) {
        return _memberState[orgId].statusSince;
    }

    /// @inheritdoc IConsortiumRegistry
    function memberNonce(bytes32 orgId) external view returns (uint64) {
        return _memberState[orgId].nonce;
    }

    /// @inheritdoc IConsortiumRegistry
    function adminNonce() external view returns (uint64) {
        return _adminNonce;
    }

    /// @inheritdoc IConsortiumRegistry
    function getMember(bytes32 orgId) public view returns (Member memory) {
        if (_members[orgId].status == MemberStatus.None) revert ConsortiumRegistryUnknownMember(orgId);
        return _members[orgId];
    }

    /// @inheritdoc IConsortiumRegistry
    function memberBySigningKey(bytes32 signingKey) external view returns (Member memory) {
        return getMember(_orgBySigningKey[signingKey]);
    }

    /// @inheritdoc IConsortiumRegistry
    function memberByPeerId(bytes calldata peerId) external view returns (Member memory) {
        return getMember(_orgByPeerId[keccak256(peerId)]);
    }

    /// @inheritdoc IConsortiumRegistry
    function memberByWallet(address wallet) external view returns (Member memory) {
        return getMember(_orgByWallet[wallet]);
    }

    /// @inheritdoc IConsortiumRegistry
    function memberCount() external view returns (uint256) {
        return _orgIds.length();
    }

    /// @inheritdoc IConsortiumRegistry
    /// @dev Pages hold at most 100 members so that a call stays within an RPC node's gas cap.
    function listMembers(uint256 offset, uint256 limit) external view returns (Member[] memory page) {
        uint256 total = _orgIds.length();
        if (offset >= total) return new Member[](0);
        if (limit > MAX_PAGE) limit = MAX_PAGE;
        uint256 end = offset + limit > total ? total : offset + limit;
        page = new Member[](end - offset);
        for (uint256 i = offset; i < end; i++) {
            page[i - offset] = _members[_orgIds.at(i)];
        }
    }

    /// @inheritdoc IConsortiumRegistry
    function isAdmin(address account) external view returns (bool) {
        return _admins.contains(account);
    }

    /// @inheritdoc IConsortiumRegistry
    function admins() external view returns (address[] memory) {
        return _admins.values();
    }

    /// @inheritdoc IConsortiumRegistry
    function threshold() external view returns (uint256) {
        return _threshold;
    }

    /// @inheritdoc IConsortiumRegistry
    function proposalLifetime() external view returns (uint64) {
        return _proposalLifetime;
    }

    /// @inheritdoc IConsortiumRegistry
    function proposalCount() external view returns (uint256) {
        return _proposals.length;
    }

    /// @inheritdoc IConsortiumRegistry
    function getProposal(uint256 proposalId) external view returns (Proposal memory) {
        return _proposal(proposalId);
    }

    /// @inheritdoc IConsortiumRegistry
    function approvalCount(uint256 proposalId) public view returns (uint256 count) {
        _proposal(proposalId);
        EnumerableSet.AddressSet storage approvers = _approvals[proposalId];
        uint256 length = approvers.length();
        for (uint256 i = 0; i < length; i++) {
            if (_counts(proposalId, approvers.at(i))) count++;
        }
    }

    /// @inheritdoc IConsortiumRegistry
    function hasApproved(uint256 proposalId, address admin) public view returns (bool) {
        _proposal(proposalId);
        return _approvals[proposalId].contains(admin) && _counts(proposalId, admin);
    }

    /// @inheritdoc IConsortiumRegistry
    function isPending(uint256 proposalId) public view returns (bool) {
        if (proposalId >= _proposals.length) return false;
        Proposal storage proposal = _proposals[proposalId];
        return !proposal.executed && !proposal.cancelled && block.timestamp <= proposal.expiresAt;
    }

    // ---------------------------------------------------------------- internals

    function _propose(ProposalKind kind, bytes memory data, uint64 subjectNonce) private returns (uint256 proposalId) {
        bytes32 action = keccak256(abi.encode(kind, data));
        uint256 previous = _proposalOfAction[action];
        // A stale one can never run: it does not stand in the way of a decision made against the state of now.
        if (previous != 0 && isPending(previous - 1) && _proposals[previous - 1].subjectNonce == subjectNonce) {
            revert ConsortiumRegistryDuplicateProposal(previous - 1);
        }
        proposalId = _proposals.length;
        uint64 expiresAt = uint64(block.timestamp) + _proposalLifetime;
        _proposals.push(
            Proposal({
                kind: kind,
                proposer: msg.sender,
                createdAt: uint64(block.timestamp),
                expiresAt: expiresAt,
                executed: false,
                cancelled: false,
                subjectNonce: subjectNonce,
                data: data
            })
        );
        _proposalOfAction[action] = proposalId + 1;
        emit ProposalCreated(proposalId, kind, msg.sender, expiresAt, data);
        _approve(proposalId);
    }

    function _approve(uint256 proposalId) private {
        uint64 generation = _adminGeneration[msg.sender];
        if (_approvals[proposalId].contains(msg.sender) && _approvalGeneration[proposalId][msg.sender] == generation) {
            revert ConsortiumRegistryAlreadyApproved(proposalId, msg.sender);
        }
        _approvals[proposalId].add(msg.sender);
        _approvalGeneration[proposalId][msg.sender] = generation;
        emit ProposalApproved(proposalId, msg.sender);
    }

    /// Whether `admin`'s approval of the proposal counts now: it is an admin, and the same one it was when approving.
    function _counts(uint256 proposalId, address admin) private view returns (bool) {
        return _admins.contains(admin) && _approvalGeneration[proposalId][admin] == _adminGeneration[admin];
    }

    /// The state nonce a proposal of `kind` about `data` must still find at execution.
    function _subjectNonce(ProposalKind kind, bytes memory data) private view returns (uint64) {
        if (kind == ProposalKind.AdmitMember || kind == ProposalKind.Call) return 0;
        if (kind == ProposalKind.AddAdmin || kind == ProposalKind.RemoveAdmin || kind == ProposalKind.ChangeThreshold) return _adminNonce;
        // Member status changes and wallet replacements start with the org id.
        bytes32 orgId;
        // solhint-disable-next-line no-inline-assembly
        assembly ("memory-safe") {
            orgId := mload(add(data, 32))
        }
        return _memberState[orgId].nonce;
    }

    function _proposal(uint256 proposalId) private view returns (Proposal storage) {
        if (proposalId >= _proposals.length) revert ConsortiumRegistryUnknownProposal(proposalId);
        return _proposals[proposalId];
    }

    function _requirePending(uint256 proposalId) private view returns (Proposal storage proposal) {
        proposal = _proposal(proposalId);
        if (proposal.executed) revert ConsortiumRegistryProposalAlreadyExecuted(proposalId);
        if (proposal.cancelled) revert ConsortiumRegistryProposalCancelled(proposalId);
        if (block.timestamp > proposal.expiresAt) revert ConsortiumRegistryProposalExpired(proposalId, proposal.expiresAt);
    }

    function _reserve(string memory what, bytes32 value, uint256 proposalId) private {
        _reservations[keccak256(abi.encode(what, value))] = proposalId + 1;
    }

    /// Reverts if `value` is reserved by a pending proposal other than `self`.
    function _requireUnreserved(string memory what, bytes32 value, uint256 self) private view {
        uint256 holder = _reservations[keccak256(abi.encode(what, value))];
        if (holder != 0 && holder - 1 != self && isPending(holder - 1)) revert ConsortiumRegistryReserved(what, holder - 1);
    }

    function _requireCallTarget(address target) private view {
        if (target == address(this) || target.code.length == 0) revert ConsortiumRegistryInvalidCallTarget(target);
    }

    /// A threshold the admins can always reach: 1 to N, and below N once N >= 3 (one lost key must not brick governance).
    function _requireValidThreshold(uint256 newThreshold, uint256 adminCount) private pure {
        if (newThreshold == 0 || newThreshold > adminCount || (adminCount >= 3 && newThreshold == adminCount)) {
            revert ConsortiumRegistryInvalidThreshold(newThreshold, adminCount);
        }
    }

    /// The threshold is a number, not a fraction: a change of admins says the threshold that applies
    /// after it, so that 3 of 5 becoming 3 of 10 is what the approvers saw and chose, never a side effect.
    function _requireAdminChange(ProposalKind kind, address account, uint256 newThreshold) private view {
        uint256 count = _admins.length();
        if (kind == ProposalKind.AddAdmin) {
            if (account == address(0)) revert ConsortiumRegistryInvalidField("admin");
            if (_admins.contains(account)) revert ConsortiumRegistryAdminExists(account);
            _requireValidThreshold(newThreshold, count + 1);
        } else if (kind == ProposalKind.RemoveAdmin) {
            if (!_admins.contains(account)) revert ConsortiumRegistryUnknownAdmin(account);
            _requireValidThreshold(newThreshold, count - 1);
        } else {
            revert ConsortiumRegistryInvalidField("kind");
        }
    }

    function _changeAdmins(ProposalKind kind, address account, uint256 newThreshold) private {
        _requireAdminChange(kind, account, newThreshold);
        _adminNonce++;
        if (kind == ProposalKind.AddAdmin) {
            _admins.add(account);
            _adminGeneration[account]++;
            emit AdminAdded(account);
        } else {
            _admins.remove(account);
            emit AdminRemoved(account);
        }
        uint256 previous = _threshold;
        if (newThreshold != previous) {
            _threshold = newThreshold;
            emit ThresholdChanged(previous, newThreshold);
        }
    }

    function _requireUsableKeys(bytes32 signingKey, bytes32 encryptionKey) private pure {
        if (signingKey == bytes32(0)) revert ConsortiumRegistryInvalidField("signingKey");
        if (encryptionKey == bytes32(0)) revert ConsortiumRegistryInvalidField("encryptionKey");
        if (CurveKeys.isSmallOrderEd25519(signingKey)) revert ConsortiumRegistryUnusableKey("signingKey");
        if (CurveKeys.isSmallOrderX25519(encryptionKey)) revert ConsortiumRegistryUnusableKey("encryptionKey");
    }

    function _requireAdmissible(Admission memory admission, uint256 self) private view {
        bytes32 orgId = admission.orgId;
        if (orgId == bytes32(0)) revert ConsortiumRegistryInvalidField("orgId");
        if (_members[orgId].status != MemberStatus.None) revert ConsortiumRegistryMemberExists(orgId);
        uint256 nameLength = bytes(admission.displayName).length;
        if (nameLength == 0 || nameLength > MAX_NAME_BYTES) revert ConsortiumRegistryInvalidField("displayName");
        if (bytes(admission.country).length != 2) revert ConsortiumRegistryInvalidField("country");
        uint256 sectorLength = bytes(admission.sector).length;
        if (sectorLength == 0 || sectorLength > MAX_SECTOR_BYTES) revert ConsortiumRegistryInvalidField("sector");
        if (admission.wallet == address(0)) revert ConsortiumRegistryInvalidField("wallet");
        if (_orgByWallet[admission.wallet] != bytes32(0)) revert ConsortiumRegistryWalletInUse(admission.wallet);
        _requireUsableKeys(admission.signingKey, admission.encryptionKey);
        if (_orgBySigningKey[admission.signingKey] != bytes32(0)) {
            revert ConsortiumRegistrySigningKeyInUse(admission.signingKey);
        }
        _requireValidPeerId(admission.peerId);
        bytes32 peerHash = keccak256(admission.peerId);
        if (_orgByPeerId[peerHash] != bytes32(0)) revert ConsortiumRegistryPeerIdInUse(admission.peerId);
        _requireUnreserved("orgId", orgId, self);
        _requireUnreserved("wallet", bytes32(uint256(uint160(admission.wallet))), self);
        _requireUnreserved("signingKey", admission.signingKey, self);
        _requireUnreserved("peerId", peerHash, self);
    }

    function _requireReplaceable(bytes32 orgId, address wallet, bytes32 signingKey, bytes32 encryptionKey, uint256 self) private view {
        MemberStatus status = _members[orgId].status;
        if (status == MemberStatus.None) revert ConsortiumRegistryUnknownMember(orgId);
        if (status == MemberStatus.Removed) revert ConsortiumRegistryInvalidStatus(orgId, status);
        if (wallet == address(0)) revert ConsortiumRegistryInvalidField("wallet");
        if (_orgByWallet[wallet] != bytes32(0)) revert ConsortiumRegistryWalletInUse(wallet);
        _requireUnreserved("wallet", bytes32(uint256(uint160(wallet))), self);
        if (signingKey != bytes32(0)) {
            if (CurveKeys.isSmallOrderEd25519(signingKey)) revert ConsortiumRegistryUnusableKey("signingKey");
            if (_orgBySigningKey[signingKey] != bytes32(0)) revert ConsortiumRegistrySigningKeyInUse(signingKey);
            _requireUnreserved("signingKey", signingKey, self);
        }
        if (encryptionKey != bytes32(0) && CurveKeys.isSmallOrderX25519(encryptionKey)) revert ConsortiumRegistryUnusableKey("encryptionKey");
    }

    function _requireValidPeerId(bytes memory peerId) private pure {
        if (peerId.length == 0 || peerId.length > MAX_PEER_ID_BYTES) revert ConsortiumRegistryInvalidField("peerId");
    }

    function _admit(Admission memory admission, uint256 proposalId) private {
        _requireAdmissible(admission, proposalId);
        bytes32 orgId = admission.orgId;
        Member storage member = _members[orgId];
        member.orgId = orgId;
        member.displayName = admission.displayName;
        member.country = admission.country;
        member.sector = admission.sector;
        member.status = MemberStatus.Active;
        member.wallet = admission.wallet;
        member.signingKey = admission.signingKey;
        member.encryptionKey = admission.encryptionKey;
        member.peerId = admission.peerId;
        member.joinedAt = uint64(block.timestamp);
        member.updatedAt = uint64(block.timestamp);
        _memberState[orgId].nonce++;
        _memberState[orgId].statusSince = uint64(block.timestamp);
        _orgIds.add(orgId);
        _orgBySigningKey[admission.signingKey] = orgId;
        _orgByPeerId[keccak256(admission.peerId)] = orgId;
        _orgByWallet[admission.wallet] = orgId;
        emit MemberAdmitted(orgId, admission.wallet, admission.signingKey, admission.encryptionKey, admission.peerId);
        emit MemberStatusChanged(orgId, MemberStatus.None, MemberStatus.Active);
    }

    function _replaceWallet(bytes32 orgId, address wallet, bytes32 signingKey, bytes32 encryptionKey, uint256 proposalId) private {
        _requireReplaceable(orgId, wallet, signingKey, encryptionKey, proposalId);
        Member storage member = _members[orgId];
        address previousWallet = member.wallet;
        delete _orgByWallet[previousWallet];
        _orgByWallet[wallet] = orgId;
        member.wallet = wallet;
        if (signingKey != bytes32(0) || encryptionKey != bytes32(0)) {
            bytes32 previousKey = member.signingKey;
            if (signingKey != bytes32(0)) {
                delete _orgBySigningKey[previousKey];
                _orgBySigningKey[signingKey] = orgId;
                member.signingKey = signingKey;
            }
            if (encryptionKey != bytes32(0)) member.encryptionKey = encryptionKey;
            emit MemberKeysRotated(orgId, previousKey, member.signingKey, member.encryptionKey);
        }
        member.updatedAt = uint64(block.timestamp);
        _memberState[orgId].nonce++;
        emit MemberWalletReplaced(orgId, previousWallet, wallet);
    }

    /// @dev Returns the status `kind` moves `orgId` to, or reverts if the member cannot make that move.
    function _nextStatus(ProposalKind kind, bytes32 orgId) private view returns (MemberStatus) {
        MemberStatus current = _members[orgId].status;
        if (current == MemberStatus.None) revert ConsortiumRegistryUnknownMember(orgId);
        if (kind == ProposalKind.SuspendMember && current == MemberStatus.Active) return MemberStatus.Suspended;
        if (kind == ProposalKind.ReinstateMember && current == MemberStatus.Suspended) return MemberStatus.Active;
        if (kind == ProposalKind.RemoveMember && current != MemberStatus.Removed) return MemberStatus.Removed;
        if (kind != ProposalKind.SuspendMember && kind != ProposalKind.ReinstateMember && kind != ProposalKind.RemoveMember) {
            revert ConsortiumRegistryInvalidField("kind");
        }
        revert ConsortiumRegistryInvalidStatus(orgId, current);
    }

    function _changeStatus(ProposalKind kind, bytes32 orgId) private {
        MemberStatus next = _nextStatus(kind, orgId);
        Member storage member = _members[orgId];
        MemberStatus previous = member.status;
        member.status = next;
        member.updatedAt = uint64(block.timestamp);
        _memberState[orgId].nonce++;
        _memberState[orgId].statusSince = uint64(block.timestamp);
        emit MemberStatusChanged(orgId, previous, next);
    }

    /// The caller's member record, if it is an active member's wallet: a suspended member's wallet may be the stolen part.
    function _callerActiveMember() private view returns (Member storage member) {
        bytes32 orgId = _orgByWallet[msg.sender];
        if (orgId == bytes32(0)) revert ConsortiumRegistryNotMember(msg.sender);
        member = _members[orgId];
        if (member.status != MemberStatus.Active) revert ConsortiumRegistryInvalidStatus(orgId, member.status);
    }
}
