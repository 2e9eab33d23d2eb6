// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.24;

/**
 * @title CurveKeys
 * @notice Refuses the public keys of small order on the two curves members register: an X25519
 * encryption key of small order makes every key agreement with it yield zero (node:crypto then
 * throws, so sealing a batch for a group holding such a member fails), and an ed25519 signing key
 * of small order lets a signature with R of small order and S = 0 verify any message (its owner
 * could later deny its own batches).
 * @dev Each curve has seven small-order values once the top bit of the last byte (the sign of x
 * for ed25519, ignored by X25519) is masked: 14 encodings each, found by decoding with the
 * noble-curves library (ZIP-215 rules for ed25519). This is a blocklist of known encodings, not curve validation:
 * nodes check every key fully when they read it (node/src/wire/key-checks.ts).
 */
library CurveKeys {
    bytes32 private constant TOP_BIT = bytes32(uint256(0x80));

    function isSmallOrderEd25519(bytes32 key) internal pure returns (bool) {
        bytes32 k = key & ~TOP_BIT;
        return
            k == 0x0000000000000000000000000000000000000000000000000000000000000000 ||
            k == 0x0100000000000000000000000000000000000000000000000000000000000000 ||
            k == 0x26e8958fc2b227b045c3f489f2ef98f0d5dfac05d3c63339b13802886d53fc05 ||
            k == 0xc7176a703d4dd84fba3c0b760d10670f2a2053fa2c39ccc64ec7fd7792ac037a ||
            k == 0xecffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f ||
            k == 0xedffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f ||
            k == 0xeeffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f;
    }

    function isSmallOrderX25519(bytes32 key) internal pure returns (bool) {
        bytes32 k = key & ~TOP_BIT;
        return
            k == 0x0000000000000000000000000000000000000000000000000000000000000000 ||
            k == 0x0100000000000000000000000000000000000000000000000000000000000000 ||
            k == 0xe0eb7a7c3b41b8ae1656e3faf19fc46ada098deb9c32b1fd866205165f49b800 ||
            k == 0x5f9c95bca3508c24b1d0b1559c83ef5b04445cc4581c8e86d8224eddd09f1157 ||
            k == 0xecffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f ||
            k == 0xedffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f ||
            k == 0xeeffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f;
    }
}
