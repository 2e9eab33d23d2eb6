// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.24;

import {IConsortiumRegistry} from "../IConsortiumRegistry.sol";

/**
 * @title ConsortiumMember
 * @notice Shared plumbing of the contracts built on the ConsortiumRegistry: who the caller is as
 * a member, and whether the caller is governance (the registry itself, executing an M-of-N Call
 * proposal). Each contract reverts with its own errors.
 */
abstract contract ConsortiumMember {
    IConsortiumRegistry internal immutable _registry;

    constructor(IConsortiumRegistry registry_) {
        _registry = registry_;
    }

    /// The org whose wallet is the caller, and its status; (0, None) when the caller is no member's wallet.
    function _callerMember() internal view returns (bytes32 orgId, IConsortiumRegistry.MemberStatus status) {
        try _registry.memberByWallet(msg.sender) returns (IConsortiumRegistry.Member memory member) {
            return (member.orgId, member.status);
        } catch {
            return (bytes32(0), IConsortiumRegistry.MemberStatus.None);
        }
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
        try _registry.getMember(orgId) returns (IConsortiumRegistry.Member memory) {
            return true;
        } catch {
            return false;
        }
    }
}
