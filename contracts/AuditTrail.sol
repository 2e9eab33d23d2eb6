// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.24;

import {IConsortiumRegistry} from "./IConsortiumRegistry.sol";
import {IAuditTrail} from "./IAuditTrail.sol";
import {ConsortiumMember} from "./utils/ConsortiumMember.sol";

/**
 * @title AuditTrail
 * @notice Append-only anchors of each producer's batches. See IAuditTrail.
 * @dev Anchors of an org cover contiguous sequence ranges in order, so the anchor of a sequence
 * is found by binary search.
 */
contract AuditTrail is IAuditTrail, ConsortiumMember {
    uint64 private constant MAX_RANGE = 100_000;

    mapping(bytes32 orgId => Anchor[]) private _anchors;

    constructor(IConsortiumRegistry registry_) ConsortiumMember(registry_) {}

    /// @inheritdoc IAuditTrail
    function anchor(bytes32 root, uint64 firstSequence, uint64 lastSequence) external returns (uint256 index) {
        (bytes32 orgId, IConsortiumRegistry.MemberStatus status) = _callerMember();
        // A suspended member may still anchor what it published before: the record is the point.
        if (status != IConsortiumRegistry.MemberStatus.Active && status != IConsortiumRegistry.MemberStatus.Suspended) {
            revert AuditTrailNotMember(msg.sender);
        }
        if (root == bytes32(0)) revert AuditTrailEmptyRoot();
        uint64 expected = nextSequence(orgId);
        if (firstSequence != expected) revert AuditTrailSequenceGap(orgId, expected, firstSequence);
        if (lastSequence < firstSequence || lastSequence - firstSequence >= MAX_RANGE) revert AuditTrailInvalidRange(firstSequence, lastSequence);
        index = _anchors[orgId].length;
        _anchors[orgId].push(Anchor(root, firstSequence, lastSequence, uint64(block.timestamp), uint64(block.number)));
        emit BatchesAnchored(orgId, index, root, firstSequence, lastSequence);
    }

    /// @inheritdoc IAuditTrail
    function anchorCount(bytes32 orgId) external view returns (uint256) {
        return _anchors[orgId].length;
    }

    /// @inheritdoc IAuditTrail
    function getAnchor(bytes32 orgId, uint256 index) external view returns (Anchor memory) {
        if (index >= _anchors[orgId].length) revert AuditTrailUnknownAnchor(orgId, index);
        return _anchors[orgId][index];
    }

    /// @inheritdoc IAuditTrail
    function anchorOf(bytes32 orgId, uint64 sequence) external view returns (uint256 index, Anchor memory) {
        Anchor[] storage anchors = _anchors[orgId];
        uint256 low = 0;
        uint256 high = anchors.length;
        while (low < high) {
            uint256 mid = (low + high) / 2;
            if (anchors[mid].lastSequence < sequence) low = mid + 1;
            else high = mid;
        }
        if (low == anchors.length || anchors[low].firstSequence > sequence) revert AuditTrailSequenceNotAnchored(orgId, sequence);
        return (low, anchors[low]);
    }

    /// @inheritdoc IAuditTrail
    function nextSequence(bytes32 orgId) public view returns (uint64) {
        Anchor[] storage anchors = _anchors[orgId];
        return anchors.length == 0 ? 1 : anchors[anchors.length - 1].lastSequence + 1;
    }
}
