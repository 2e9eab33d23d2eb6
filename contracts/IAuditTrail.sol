// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.24;

/**
 * @title IAuditTrail
 * @notice Each producer's published batches, anchored on chain: an anchor is the Merkle root of
 * the SHA-256 digests of the signed payloads of the producer's batches `firstSequence` to
 * `lastSequence`, in order. With an indicator's proof in its batch and the batch's proof in an
 * anchor, anyone can prove that the org published the indicator no later than the anchor's block
 * time. Anchors are append-only and contiguous: nobody can deny, reorder or backdate them.
 */
interface IAuditTrail {
    struct Anchor {
        bytes32 root;
        uint64 firstSequence;
        uint64 lastSequence;
        uint64 anchoredAt;
        uint64 blockNumber;
    }

    error AuditTrailNotMember(address account);
    error AuditTrailEmptyRoot();
    error AuditTrailSequenceGap(bytes32 orgId, uint64 expected, uint64 firstSequence);
    error AuditTrailInvalidRange(uint64 firstSequence, uint64 lastSequence);
    error AuditTrailUnknownAnchor(bytes32 orgId, uint256 index);
    error AuditTrailSequenceNotAnchored(bytes32 orgId, uint64 sequence);

    event BatchesAnchored(bytes32 indexed orgId, uint256 indexed index, bytes32 root, uint64 firstSequence, uint64 lastSequence);

    /**
     * @notice Anchors the caller org's batches `firstSequence` to `lastSequence`.
     *
     * Requirements:
     * - the caller is the wallet of a member that is not removed;
     * - `root` is not zero;
     * - `firstSequence` is the first sequence not anchored yet (1 at first);
     * - `firstSequence` <= `lastSequence` < `firstSequence` + 100,000.
     */
    function anchor(bytes32 root, uint64 firstSequence, uint64 lastSequence) external returns (uint256 index);

    function anchorCount(bytes32 orgId) external view returns (uint256);
    function getAnchor(bytes32 orgId, uint256 index) external view returns (Anchor memory);
    /// @notice The anchor holding a sequence number of an org's batches.
    function anchorOf(bytes32 orgId, uint64 sequence) external view returns (uint256 index, Anchor memory);
    /// @notice The first sequence number of the org's batches that is not anchored yet.
    function nextSequence(bytes32 orgId) external view returns (uint64);
}
