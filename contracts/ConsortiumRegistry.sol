// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.24;

import {EnumerableSet} from "@openzeppelin/contracts/utils/structs/EnumerableSet.sol";
import {IConsortiumRegistry} from "./IConsortiumRegistry.sol";

/**
 * @title ConsortiumRegistry
 * @notice Membership of the CTI exchange, governed by M-of-N admin proposals.
 * @dev Every proposal is validated twice: when proposed (early, clear errors) and when executed
 * (the state may have changed meanwhile). Approvals are counted at execution time against the
 * current admin set, so an admin removed while a proposal is pending no longer counts.
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

    EnumerableSet.AddressSet private _admins;
    uint256 private _threshold;
    uint64 private immutable _proposalLifetime;

    Proposal[] private _proposals;
    mapping(uint256 proposalId => EnumerableSet.AddressSet) private _approvals;

    EnumerableSet.Bytes32Set private _orgIds;
    mapping(bytes32 orgId => Member) private _members;
    mapping(bytes32 signingKey => bytes32 orgId) private _orgBySigningKey;
    mapping(bytes32 peerIdHash => bytes32 orgId) private _orgByPeerId;
    mapping(address wallet => bytes32 orgId) private _orgByWallet;

    modifier onlyAdmin() {
        if (!_admins.contains(msg.sender)) revert ConsortiumRegistryNotAdmin(msg.sender);
        _;
    }

    /**
     * Requirements:
     * - `initialAdmins` holds no zero address and no duplicate;
     * - 1 <= `initialThreshold` <= number of admins;
     * - `lifetime` is at least one hour.
     */
    constructor(address[] memory initialAdmins, uint256 initialThreshold, uint64 lifetime) {
        for (uint256 i = 0; i < initialAdmins.length; i++) {
            address account = initialAdmins[i];
            if (account == address(0)) revert ConsortiumRegistryInvalidField("admin");
            if (!_admins.add(account)) revert ConsortiumRegistryAdminExists(account);
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
    function proposeAdmitMember(Admission calldata admission) external onlyAdmin returns (uint256) {
        _requireAdmissible(admission);
        return _propose(ProposalKind.AdmitMember, abi.encode(admission));
    }

    /// @inheritdoc IConsortiumRegistry
    function proposeMemberStatus(ProposalKind kind, bytes32 orgId) external onlyAdmin returns (uint256) {
        _nextStatus(kind, orgId);
        return _propose(kind, abi.encode(orgId));
    }

    /// @inheritdoc IConsortiumRegistry
    function proposeAdminChange(ProposalKind kind, address account) external onlyAdmin returns (uint256) {
        _requireAdminChange(kind, account);
        return _propose(kind, abi.encode(account));
    }

    /// @inheritdoc IConsortiumRegistry
    function proposeThreshold(uint256 newThreshold) external onlyAdmin returns (uint256) {
        _requireValidThreshold(newThreshold, _admins.length());
        return _propose(ProposalKind.ChangeThreshold, abi.encode(newThreshold));
    }

    /// @inheritdoc IConsortiumRegistry
    function proposeCall(address target, bytes calldata callData) external onlyAdmin returns (uint256) {
        _requireCallTarget(target);
        return _propose(ProposalKind.Call, abi.encode(target, callData));
    }

    /// @inheritdoc IConsortiumRegistry
    function approve(uint256 proposalId) external onlyAdmin {
        _requirePending(proposalId);
        _approve(proposalId);
    }

    /// @inheritdoc IConsortiumRegistry
    function execute(uint256 proposalId) external onlyAdmin {
        Proposal storage proposal = _requirePending(proposalId);
        uint256 approvals = approvalCount(proposalId);
        if (approvals < _threshold) revert ConsortiumRegistryThresholdNotMet(proposalId, approvals, _threshold);

        proposal.executed = true;
        ProposalKind kind = proposal.kind;
        bytes memory data = proposal.data;
        if (kind == ProposalKind.AdmitMember) {
            _admit(abi.decode(data, (Admission)));
        } else if (kind == ProposalKind.AddAdmin || kind == ProposalKind.RemoveAdmin) {
            _changeAdmins(kind, abi.decode(data, (address)));
        } else if (kind == ProposalKind.ChangeThreshold) {
            uint256 newThreshold = abi.decode(data, (uint256));
            _requireValidThreshold(newThreshold, _admins.length());
            uint256 previous = _threshold;
            _threshold = newThreshold;
            emit ThresholdChanged(previous, newThreshold);
        } else if (kind == ProposalKind.Call) {
            (address target, bytes memory callData) = abi.decode(data, (address, bytes));
            _requireCallTarget(target);
            // Effects are done (executed = true) before the call, so a re-entering target cannot run it twice.
            // A low-level call is the point of a Call proposal; its failure is surfaced below.
            // solhint-disable-next-line avoid-low-level-calls
            (bool ok, bytes memory returnData) = target.call(callData);
            if (!ok) revert ConsortiumRegistryCallFailed(target, returnData);
        } else {
            _changeStatus(kind, abi.decode(data, (bytes32)));
        }
        emit ProposalExecuted(proposalId, kind);
    }

    // ---------------------------------------------------------------- member self-service

    /// @inheritdoc IConsortiumRegistry
    function rotateKeys(bytes32 signingKey, bytes32 encryptionKey) external {
        Member storage member = _callerMember();
        if (signingKey == bytes32(0)) revert ConsortiumRegistryInvalidField("signingKey");
        if (encryptionKey == bytes32(0)) revert ConsortiumRegistryInvalidField("encryptionKey");
        if (_orgBySigningKey[signingKey] != bytes32(0)) revert ConsortiumRegistrySigningKeyInUse(signingKey);

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
        Member storage member = _callerMember();
        _requireValidPeerId(peerId);
        bytes32 peerHash = keccak256(peerId);
        bytes32 holder = _orgByPeerId[peerHash];
        if (holder != bytes32(0) && holder != member.orgId) revert ConsortiumRegistryPeerIdInUse(peerId);
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
            if (_admins.contains(approvers.at(i))) count++;
        }
    }

    /// @inheritdoc IConsortiumRegistry
    function hasApproved(uint256 proposalId, address admin) external view returns (bool) {
        _proposal(proposalId);
        return _approvals[proposalId].contains(admin);
    }

    // ---------------------------------------------------------------- internals

    function _propose(ProposalKind kind, bytes memory data) private returns (uint256 proposalId) {
        proposalId = _proposals.length;
        uint64 expiresAt = uint64(block.timestamp) + _proposalLifetime;
        _proposals.push(
            Proposal({
                kind: kind,
                proposer: msg.sender,
                createdAt: uint64(block.timestamp),
                expiresAt: expiresAt,
                executed: false,
                data: data
            })
        );
        emit ProposalCreated(proposalId, kind, msg.sender, expiresAt, data);
        _approve(proposalId);
    }

    function _approve(uint256 proposalId) private {
        if (!_approvals[proposalId].add(msg.sender)) revert ConsortiumRegistryAlreadyApproved(proposalId, msg.sender);
        emit ProposalApproved(proposalId, msg.sender);
    }

    function _proposal(uint256 proposalId) private view returns (Proposal storage) {
        if (proposalId >= _proposals.length) revert ConsortiumRegistryUnknownProposal(proposalId);
        return _proposals[proposalId];
    }

    function _requirePending(uint256 proposalId) private view returns (Proposal storage proposal) {
        proposal = _proposal(proposalId);
        if (proposal.executed) revert ConsortiumRegistryProposalAlreadyExecuted(proposalId);
        if (block.timestamp > proposal.expiresAt) revert ConsortiumRegistryProposalExpired(proposalId, proposal.expiresAt);
    }

    function _requireCallTarget(address target) private view {
        if (target == address(this) || target.code.length == 0) revert ConsortiumRegistryInvalidCallTarget(target);
    }

    function _requireValidThreshold(uint256 newThreshold, uint256 adminCount) private pure {
        if (newThreshold == 0 || newThreshold > adminCount) {
            revert ConsortiumRegistryInvalidThreshold(newThreshold, adminCount);
        }
    }

    function _requireAdminChange(ProposalKind kind, address account) private view {
        if (kind == ProposalKind.AddAdmin) {
            if (account == address(0)) revert ConsortiumRegistryInvalidField("admin");
            if (_admins.contains(account)) revert ConsortiumRegistryAdminExists(account);
        } else if (kind == ProposalKind.RemoveAdmin) {
            if (!_admins.contains(account)) revert ConsortiumRegistryUnknownAdmin(account);
            _requireValidThreshold(_threshold, _admins.length() - 1);
        } else {
            revert ConsortiumRegistryInvalidField("kind");
        }
    }

    function _changeAdmins(ProposalKind kind, address account) private {
        _requireAdminChange(kind, account);
        if (kind == ProposalKind.AddAdmin) {
            _admins.add(account);
            emit AdminAdded(account);
        } else {
            _admins.remove(account);
            emit AdminRemoved(account);
        }
    }

    function _requireAdmissible(Admission memory admission) private view {
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
        if (admission.signingKey == bytes32(0)) revert ConsortiumRegistryInvalidField("signingKey");
        if (_orgBySigningKey[admission.signingKey] != bytes32(0)) {
            revert ConsortiumRegistrySigningKeyInUse(admission.signingKey);
        }
        if (admission.encryptionKey == bytes32(0)) revert ConsortiumRegistryInvalidField("encryptionKey");
        _requireValidPeerId(admission.peerId);
        if (_orgByPeerId[keccak256(admission.peerId)] != bytes32(0)) {
            revert ConsortiumRegistryPeerIdInUse(admission.peerId);
        }
    }

    function _requireValidPeerId(bytes memory peerId) private pure {
        if (peerId.length == 0 || peerId.length > MAX_PEER_ID_BYTES) revert ConsortiumRegistryInvalidField("peerId");
    }

    function _admit(Admission memory admission) private {
        _requireAdmissible(admission);
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
        _orgIds.add(orgId);
        _orgBySigningKey[admission.signingKey] = orgId;
        _orgByPeerId[keccak256(admission.peerId)] = orgId;
        _orgByWallet[admission.wallet] = orgId;
        emit MemberAdmitted(orgId, admission.wallet, admission.signingKey, admission.encryptionKey, admission.peerId);
        emit MemberStatusChanged(orgId, MemberStatus.None, MemberStatus.Active);
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
        emit MemberStatusChanged(orgId, previous, next);
    }

    function _callerMember() private view returns (Member storage member) {
        bytes32 orgId = _orgByWallet[msg.sender];
        if (orgId == bytes32(0)) revert ConsortiumRegistryNotMember(msg.sender);
        member = _members[orgId];
        if (member.status == MemberStatus.Removed) revert ConsortiumRegistryInvalidStatus(orgId, member.status);
    }
}
