// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.24;

/**
 * @title IAuditTrail
 * @notice Each producer's published batches, anchored on chain: an anchor is the Merkle root of
 * the SHA-256 digests of the signed payloads of the producer's batches `firstSequence` to
 * `lastSequence`, in order. With an indicator's proof in its batch and the batch's proof in an
 * anchor, anyone can prove that the org published the indicator no later than the anchor's block
 * time. Anchors are append-only and contiguous: nobody can deny, reorder or backdate them.
 *
 * Each anchor also states how many indicators and sightings its batches hold. The root commits
 * to every batch header, which states its own counts, so anyone holding the batches can check
 * the sums; the Reputation contract uses them to bound reports by what a producer published and
 * what a reporter sighted.
 */
interface IAuditTrail {
    struct Anchor {
        bytes32 root;
        uint64 firstSequence;
        uint64 lastSequence;
        uint64 anchoredAt;
        uint64 blockNumber;
        /// Indicators and sightings in the batches of this anchor.
        uint64 indicatorCount;
        uint64 sightingCount;
        /// Of every anchor of the org up to and including this one.
        uint64 cumulativeIndicators;
        uint64 cumulativeSightings;
    }

    error AuditTrailNotMember(address account);
    error AuditTrailEmptyRoot();
    error AuditTrailSequenceGap(bytes32 orgId, uint64 expected, uint64 firstSequence);
    error AuditTrailInvalidRange(uint64 firstSequence, uint64 lastSequence);
    error AuditTrailInvalidCounts(uint64 indicatorCount, uint64 sightingCount);
    error AuditTrailUnknownAnchor(bytes32 orgId, uint256 index);
    error AuditTrailSequenceNotAnchored(bytes32 orgId, uint64 sequence);

    event BatchesAnchored(
        bytes32 indexed orgId,
        uint256 indexed index,
        bytes32 root,
        uint64 firstSequence,
        uint64 lastSequence,
        uint64 indicatorCount,
        uint64 sightingCount
    );

    /**
     * @notice Anchors the caller org's batches `firstSequence` to `lastSequence`, which hold
     * `indicatorCount` indicators and `sightingCount` sightings in all.
     *
     * Requirements:
     * - the caller is the wallet of an active member (a suspended member's wallet may be the stolen part);
     * - `root` is not zero;
     * - `firstSequence` is the first sequence not anchored yet (1 at first);
     * - `firstSequence` <= `lastSequence` < `firstSequence` + 100,000;
     * - every batch holds 1 to 1,000 statements: the batches <= the counts' sum <= 1,000 per batch.
     */
    function anchor(bytes32 root, uint64 firstSequence, uint64 lastSequence, uint64 indicatorCount, uint64 sightingCount) external returns (uint256 index);

    function anchorCount(bytes32 orgId) external view returns (uint256);
    function getAnchor(bytes32 orgId, uint256 index) external view returns (Anchor memory);
    /// @notice The anchor holding a sequence number of an org's batches.
    function anchorOf(bytes32 orgId, uint64 sequence) external view returns (uint256 index, Anchor memory);
    /// @notice The first sequence number of the org's batches that is not anchored yet.
    function nextSequence(bytes32 orgId) external view returns (uint64);
    /// @notice Indicators and sightings the org anchored in all.
    function anchoredVolume(bytes32 orgId) external view returns (uint64 indicators, uint64 sightings);
    /// @notice Sightings in the org's anchors made at or after `since` (Unix seconds).
    function sightingsAnchoredSince(bytes32 orgId, uint64 since) external view returns (uint64);
}
