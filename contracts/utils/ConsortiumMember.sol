// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.24;

import {IConsortiumRegistry} from "../IConsortiumRegistry.sol";

/**
 * @title ConsortiumMember
 * @notice Shared plumbing of the contracts built on the ConsortiumRegistry: who the caller is as
 * a member, and whether the caller is governance (the registry itself, executing an M-of-N Call
 * proposal). Each contract reverts with its own errors.
 * @dev Reads go through the registry's status views, never through getMember: copying a whole
 * member record (name, sector, peer id, multiaddrs) cost tens of thousands of gas per call.
 */
abstract contract ConsortiumMember {
    IConsortiumRegistry internal immutable _registry;

    constructor(IConsortiumRegistry registry_) {
        _registry = registry_;
    }

    /// The org whose wallet is the caller, and its status; (0, None) when the caller is no member's wallet.
    function _callerMember() internal view returns (bytes32 orgId, IConsortiumRegistry.MemberStatus status) {
        return _registry.orgOf(msg.sender);
    }

    /// The caller's org if the caller is an active member's wallet, else zero.
    function _callerActiveOrg() internal view returns (bytes32) {
        (bytes32 orgId, IConsortiumRegistry.MemberStatus status) = _callerMember();
        return status == IConsortiumRegistry.MemberStatus.Active ? orgId : bytes32(0);
    }

    function _isGovernance(address account) internal view returns (bool) {
        return account == address(_registry);
    }

    /// Whether `orgId` was ever admitted (whatever its status now).
    function _isKnownMember(bytes32 orgId) internal view returns (bool) {
        return _registry.statusOf(orgId) != IConsortiumRegistry.MemberStatus.None;
    }
}
