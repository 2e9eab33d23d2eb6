// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.24;

/**
 * @title IRingKeys
 * @notice Each member's ring public key (a ristretto255 point, 32 bytes), beside its other keys in
 * the ConsortiumRegistry: the key it signs anonymous statements with, as one of a ring. The ring of
 * a block is every active member with a ring key at that block, in the order of `ring`; a verifier
 * reads it at the block a signature names, so every node rebuilds the same ring. Nodes check that
 * each key is a ristretto255 point and leave out one that is not (the contract cannot afford to).
 */
interface IRingKeys {
    error RingKeysNotMember(address account);
    error RingKeysZeroKey();
    error RingKeysKeyTaken(bytes32 key, bytes32 holder);
    error RingKeysUnchanged(bytes32 orgId);

    /// A member set or rotated its ring key (`previous` is zero for a first key).
    event RingKeySet(bytes32 indexed orgId, bytes32 key, bytes32 previous);

    /**
     * @notice Sets the caller org's ring key, replacing any before.
     *
     * Requirements:
     * - the caller is the wallet of an active member;
     * - `key` is not zero, differs from the caller's current key, and is no other org's key, now or before
     *   (a key once used stays its org's: two orgs with one key would sign as one).
     */
    function setRingKey(bytes32 key) external;

    /// @notice The org's ring key (zero if none).
    function ringKeyOf(bytes32 orgId) external view returns (bytes32);

    /// @notice Orgs that ever set a ring key.
    function ringKeyHolders() external view returns (uint256);

    /**
     * @notice The ring now: the active members with a ring key, in the order they first set one,
     * from position `offset` of that order, at most `limit`. Read with a block tag for the ring of a block.
     */
    function ring(uint256 offset, uint256 limit) external view returns (bytes32[] memory orgIds, bytes32[] memory keys);
}
