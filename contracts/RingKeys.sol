// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.24;

import {IConsortiumRegistry} from "./IConsortiumRegistry.sol";
import {IRingKeys} from "./IRingKeys.sol";
import {ConsortiumMember} from "./utils/ConsortiumMember.sol";

/**
 * @title RingKeys
 * @notice Members' ring public keys for anonymous, accountable statements. See IRingKeys.
 */
contract RingKeys is IRingKeys, ConsortiumMember {
    mapping(bytes32 orgId => bytes32 key) private _keyOf;
    mapping(bytes32 key => bytes32 orgId) private _holderOf;
    bytes32[] private _holders;

    constructor(IConsortiumRegistry registry_) ConsortiumMember(registry_) {}

    /// @inheritdoc IRingKeys
    function setRingKey(bytes32 key) external {
        bytes32 orgId = _callerActiveOrg();
        if (orgId == bytes32(0)) revert RingKeysNotMember(msg.sender);
        if (key == bytes32(0)) revert RingKeysZeroKey();
        bytes32 previous = _keyOf[orgId];
        if (previous == key) revert RingKeysUnchanged(orgId);
        bytes32 holder = _holderOf[key];
        if (holder != bytes32(0)) revert RingKeysKeyTaken(key, holder);
        if (previous == bytes32(0)) _holders.push(orgId);
        _keyOf[orgId] = key;
        _holderOf[key] = orgId;
        emit RingKeySet(orgId, key, previous);
    }

    /// @inheritdoc IRingKeys
    function ringKeyOf(bytes32 orgId) external view returns (bytes32) {
        return _keyOf[orgId];
    }

    /// @inheritdoc IRingKeys
    function ringKeyHolders() external view returns (uint256) {
        return _holders.length;
    }

    /// @inheritdoc IRingKeys
    function ring(uint256 offset, uint256 limit) external view returns (bytes32[] memory orgIds, bytes32[] memory keys) {
        uint256 end = offset + limit > _holders.length ? _holders.length : offset + limit;
        uint256 count;
        bytes32[] memory ids = new bytes32[](end > offset ? end - offset : 0);
        for (uint256 i = offset; i < end; i++) {
            bytes32 orgId = _holders[i];
            if (_registry.isActive(orgId)) ids[count++] = orgId;
        }
        orgIds = new bytes32[](count);
        keys = new bytes32[](count);
        for (uint256 i = 0; i < count; i++) {
            orgIds[i] = ids[i];
            keys[i] = _keyOf[ids[i]];
        }
    }
}
