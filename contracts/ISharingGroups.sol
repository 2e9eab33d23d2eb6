// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.24;

/**
 * @title ISharingGroups
 * @notice The audiences of TLP:AMBER and TLP:AMBER+STRICT sharing. A member creates a group and
 * owns it; the consortium's governance (the registry, through M-of-N Call proposals) owns the
 * sector groups (health, finance, energy, public sector, ...). Partner nodes follow the events
 * and encrypt each group batch to the groups' active members only.
 */
interface ISharingGroups {
    enum GroupKind {
        Member,
        Sector
    }

    struct Group {
        uint64 id;
        GroupKind kind;
        uint64 createdAt;
        uint64 updatedAt;
        /// Org id of the owning member; zero for a sector group (owned by governance).
        bytes32 owner;
        string name;
        uint256 memberCount;
    }

    error SharingGroupsNotActiveMember(address account);
    error SharingGroupsNotGovernance(address account);
    error SharingGroupsNotOwner(uint64 groupId, address account);
    error SharingGroupsUnknownGroup(uint64 groupId);
    error SharingGroupsMemberNotActive(bytes32 orgId);
    error SharingGroupsAlreadyInGroup(uint64 groupId, bytes32 orgId);
    error SharingGroupsNotInGroup(uint64 groupId, bytes32 orgId);
    error SharingGroupsInvalidName(string name);
    error SharingGroupsTooManyMembers(uint64 groupId, uint256 limit);
    error SharingGroupsOwnerMustStay(uint64 groupId, bytes32 orgId);

    event GroupCreated(uint64 indexed groupId, GroupKind kind, bytes32 indexed owner, string name);
    event GroupMemberAdded(uint64 indexed groupId, bytes32 indexed orgId);
    event GroupMemberRemoved(uint64 indexed groupId, bytes32 indexed orgId);
    event GroupOwnershipTransferred(uint64 indexed groupId, bytes32 previousOwner, bytes32 newOwner);

    /**
     * @notice Creates a group owned by the caller's org, which becomes its first member, with
     * `members` added after it.
     *
     * Requirements:
     * - the caller is the wallet of an active member;
     * - `name` is 1 to 64 bytes;
     * - every org of `members` is active, appears once and is not the caller's org;
     * - the group stays within the member limit.
     */
    function createGroup(string calldata name, bytes32[] calldata members) external returns (uint64 groupId);

    /**
     * @notice Creates a sector group owned by governance.
     *
     * Requirements:
     * - the caller is governance (the registry, executing a Call proposal);
     * - as for createGroup, without the caller's org.
     */
    function createSectorGroup(string calldata name, bytes32[] calldata members) external returns (uint64 groupId);

    /**
     * @notice Adds an org to a group.
     *
     * Requirements:
     * - the caller owns the group: the owning member's wallet, or governance for a sector group;
     * - the org is an active member and not in the group yet; the group stays within the limit.
     */
    function addGroupMember(uint64 groupId, bytes32 orgId) external;

    /**
     * @notice Removes an org from a group (whatever its membership status). Batches sealed after
     * the removal are no longer encrypted to it.
     *
     * Requirements:
     * - the caller owns the group, as for addGroupMember;
     * - the org is in the group and is not the group's owner.
     */
    function removeGroupMember(uint64 groupId, bytes32 orgId) external;

    /**
     * @notice Hands a member group to another org of the group.
     *
     * Requirements:
     * - the caller is the owning member's wallet (sector groups cannot change hands);
     * - `newOwner` is an active member already in the group.
     */
    function transferGroupOwnership(uint64 groupId, bytes32 newOwner) external;

    function governance() external view returns (address);
    function registry() external view returns (address);
    function groupCount() external view returns (uint256);
    function getGroup(uint64 groupId) external view returns (Group memory);
    function groupMembers(uint64 groupId) external view returns (bytes32[] memory);
    function isGroupMember(uint64 groupId, bytes32 orgId) external view returns (bool);
}
