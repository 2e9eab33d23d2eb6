// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.24;

import {IConsortiumRegistry} from "./IConsortiumRegistry.sol";
import {IAuditTrail} from "./IAuditTrail.sol";
import {ConsortiumMember} from "./utils/ConsortiumMember.sol";

/**
 * @title AuditTrail
 * @notice Append-only anchors of each producer's batches. See IAuditTrail.
 * @dev Anchors of an org cover contiguous sequence ranges in order, so the anchor of a sequence
 * is found by binary search; they are made in time order too, so are the anchors since a time.
 */
contract AuditTrail is IAuditTrail, ConsortiumMember {
    uint64 private constant MAX_RANGE = 100_000;
    /// Statements per batch at most (the nodes' batch limit).
    uint64 private constant MAX_STATEMENTS_PER_BATCH = 1000;

    mapping(bytes32 orgId => Anchor[]) private _anchors;

    constructor(IConsortiumRegistry registry_) ConsortiumMember(registry_) {}

    /// @inheritdoc IAuditTrail
    function anchor(bytes32 root, uint64 firstSequence, uint64 lastSequence, uint64 indicatorCount, uint64 sightingCount) external returns (uint256 index) {
        bytes32 orgId = _callerActiveOrg();
        if (orgId == bytes32(0)) revert AuditTrailNotMember(msg.sender);
        if (root == bytes32(0)) revert AuditTrailEmptyRoot();
        uint64 expected = nextSequence(orgId);
        if (firstSequence != expected) revert AuditTrailSequenceGap(orgId, expected, firstSequence);
        if (lastSequence < firstSequence || lastSequence - firstSequence >= MAX_RANGE) revert AuditTrailInvalidRange(firstSequence, lastSequence);
        uint64 batches = lastSequence - firstSequence + 1;
        uint64 statements = indicatorCount + sightingCount;
        if (statements < batches || statements > batches * MAX_STATEMENTS_PER_BATCH) revert AuditTrailInvalidCounts(indicatorCount, sightingCount);
        Anchor[] storage anchors = _anchors[orgId];
        index = anchors.length;
        (uint64 indicatorsBefore, uint64 sightingsBefore) = index == 0 ? (0, 0) : (anchors[index - 1].cumulativeIndicators, anchors[index - 1].cumulativeSightings);
        anchors.push(
            Anchor({
                root: root,
                firstSequence: firstSequence,
                lastSequence: lastSequence,
                anchoredAt: uint64(block.timestamp),
                blockNumber: uint64(block.number),
                indicatorCount: indicatorCount,
                sightingCount: sightingCount,
                cumulativeIndicators: indicatorsBefore + indicatorCount,
                cumulativeSightings: sightingsBefore + sightingCount
            })
        );
        emit BatchesAnchored(orgId, index, root, firstSequence, lastSequence, indicatorCount, sightingCount);
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

    /// @inheritdoc IAuditTrail
    function anchoredVolume(bytes32 orgId) external view returns (uint64 indicators, uint64 sightings) {
        Anchor[] storage anchors = _anchors[orgId];
        if (anchors.length == 0) return (0, 0);
        Anchor storage last = anchors[anchors.length - 1];
        return (last.cumulativeIndicators, last.cumulativeSightings);
    }

    /// @inheritdoc IAuditTrail
    function sightingsAnchoredSince(bytes32 orgId, uint64 since) external view returns (uint64) {
        Anchor[] storage anchors = _anchors[orgId];
        uint256 length = anchors.length;
        if (length == 0) return 0;
        // The first anchor made at or after `since`.
        uint256 low = 0;
        uint256 high = length;
        while (low < high) {
            uint256 mid = (low + high) / 2;
            if (anchors[mid].anchoredAt < since) low = mid + 1;
            else high = mid;
        }
        uint64 total = anchors[length - 1].cumulativeSightings;
        return low == 0 ? total : total - anchors[low - 1].cumulativeSightings;
    }
}
