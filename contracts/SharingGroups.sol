// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.24;

import {EnumerableSet} from "@openzeppelin/contracts/utils/structs/EnumerableSet.sol";
import {IConsortiumRegistry} from "./IConsortiumRegistry.sol";
import {ISharingGroups} from "./ISharingGroups.sol";
import {ConsortiumMember} from "./utils/ConsortiumMember.sol";

/**
 * @title SharingGroups
 * @notice Sharing groups of the CTI exchange, on top of the ConsortiumRegistry's membership.
 * @dev Group ids start at 1: 0 means "no group" on the wire. A member suspended or removed from
 * the consortium stays listed in its groups (only the owner removes it), but nodes never encrypt
 * to an org that is not active, so it reads nothing new while it is out.
 */
contract SharingGroups is ISharingGroups, ConsortiumMember {
    using EnumerableSet for EnumerableSet.Bytes32Set;

    uint256 private constant MAX_NAME_BYTES = 64;
    /// Each group batch carries one wrapped key per member; this bounds a batch's overhead.
    uint256 public constant MAX_GROUP_MEMBERS = 256;

    Group[] private _groups;
    mapping(uint64 groupId => EnumerableSet.Bytes32Set) private _members;

    /// @param registry_ the ConsortiumRegistry: the source of membership and, as governance, owner of sector groups.
    constructor(IConsortiumRegistry registry_) ConsortiumMember(registry_) {}

    modifier onlyGovernance() {
        if (!_isGovernance(msg.sender)) revert SharingGroupsNotGovernance(msg.sender);
        _;
    }

    /// @inheritdoc ISharingGroups
    function createGroup(string calldata name, bytes32[] calldata members) external returns (uint64 groupId) {
        bytes32 owner = _callerOrg();
        groupId = _create(GroupKind.Member, owner, name);
        _add(groupId, owner);
        for (uint256 i = 0; i < members.length; i++) _addActive(groupId, members[i]);
    }

    /// @inheritdoc ISharingGroups
    function createSectorGroup(string calldata name, bytes32[] calldata members) external onlyGovernance returns (uint64 groupId) {
        groupId = _create(GroupKind.Sector, bytes32(0), name);
        for (uint256 i = 0; i < members.length; i++) _addActive(groupId, members[i]);
    }

    /// @inheritdoc ISharingGroups
    function addGroupMember(uint64 groupId, bytes32 orgId) external {
        _requireOwner(groupId);
        _addActive(groupId, orgId);
        _touch(groupId);
    }

    /// @inheritdoc ISharingGroups
    function removeGroupMember(uint64 groupId, bytes32 orgId) external {
        Group storage group = _requireOwner(groupId);
        if (group.kind == GroupKind.Member && orgId == group.owner) revert SharingGroupsOwnerMustStay(groupId, orgId);
        if (!_members[groupId].remove(orgId)) revert SharingGroupsNotInGroup(groupId, orgId);
        group.memberCount = _members[groupId].length();
        _touch(groupId);
        emit GroupMemberRemoved(groupId, orgId);
    }

    /// @inheritdoc ISharingGroups
    function transferGroupOwnership(uint64 groupId, bytes32 newOwner) external {
        Group storage group = _group(groupId);
        if (group.kind != GroupKind.Member || _callerActiveOrg() != group.owner) revert SharingGroupsNotOwner(groupId, msg.sender);
        if (!_members[groupId].contains(newOwner)) revert SharingGroupsNotInGroup(groupId, newOwner);
        if (!_registry.isActive(newOwner)) revert SharingGroupsMemberNotActive(newOwner);
        bytes32 previous = group.owner;
        group.owner = newOwner;
        _touch(groupId);
        emit GroupOwnershipTransferred(groupId, previous, newOwner);
    }

    // ---------------------------------------------------------------- views

    /// @inheritdoc ISharingGroups
    function governance() external view returns (address) {
        return address(_registry);
    }

    /// @inheritdoc ISharingGroups
    function registry() external view returns (address) {
        return address(_registry);
    }

    /// @inheritdoc ISharingGroups
    function groupCount() external view returns (uint256) {
        return _groups.length;
    }

    /// @inheritdoc ISharingGroups
    function getGroup(uint64 groupId) external view returns (Group memory) {
        return _group(groupId);
    }

    /// @inheritdoc ISharingGroups
    function groupMembers(uint64 groupId) external view returns (bytes32[] memory) {
        _group(groupId);
        return _members[groupId].values();
    }

    /// @inheritdoc ISharingGroups
    function isGroupMember(uint64 groupId, bytes32 orgId) external view returns (bool) {
        return _members[groupId].contains(orgId);
    }

    // ---------------------------------------------------------------- internals

    function _create(GroupKind kind, bytes32 owner, string calldata name) private returns (uint64 groupId) {
        uint256 length = bytes(name).length;
        if (length == 0 || length > MAX_NAME_BYTES) revert SharingGroupsInvalidName(name);
        groupId = uint64(_groups.length + 1);
        uint64 now_ = uint64(block.timestamp);
        _groups.push(Group({id: groupId, kind: kind, createdAt: now_, updatedAt: now_, owner: owner, name: name, memberCount: 0}));
        emit GroupCreated(groupId, kind, owner, name);
    }

    function _addActive(uint64 groupId, bytes32 orgId) private {
        if (!_registry.isActive(orgId)) revert SharingGroupsMemberNotActive(orgId);
        _add(groupId, orgId);
    }

    function _add(uint64 groupId, bytes32 orgId) private {
        if (!_members[groupId].add(orgId)) revert SharingGroupsAlreadyInGroup(groupId, orgId);
        uint256 count = _members[groupId].length();
        if (count > MAX_GROUP_MEMBERS) revert SharingGroupsTooManyMembers(groupId, MAX_GROUP_MEMBERS);
        _groups[groupId - 1].memberCount = count;
        emit GroupMemberAdded(groupId, orgId);
    }

    function _touch(uint64 groupId) private {
        _groups[groupId - 1].updatedAt = uint64(block.timestamp);
    }

    function _group(uint64 groupId) private view returns (Group storage) {
        if (groupId == 0 || groupId > _groups.length) revert SharingGroupsUnknownGroup(groupId);
        return _groups[groupId - 1];
    }

    function _requireOwner(uint64 groupId) private view returns (Group storage group) {
        group = _group(groupId);
        bool owns = group.kind == GroupKind.Sector ? _isGovernance(msg.sender) : _callerActiveOrg() == group.owner;
        if (!owns) revert SharingGroupsNotOwner(groupId, msg.sender);
    }

    /// The caller's org if the caller is an active member's wallet; reverts otherwise.
    function _callerOrg() private view returns (bytes32 orgId) {
        orgId = _callerActiveOrg();
        if (orgId == bytes32(0)) revert SharingGroupsNotActiveMember(msg.sender);
    }
}
