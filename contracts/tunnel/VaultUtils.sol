// SPDX-License-Identifier: MIT
pragma solidity ^0.8.0;

/// @title VaultUtils (hemi-sdk)
/// @notice Byte helpers the vault uses to read a deposit's EVM recipient from an OP_RETURN. Public, as on Hemi's
/// SimpleBitcoinVault (hemilabs/bitcoin-tunnel-contracts contracts/vaults/VaultUtils.sol), so hemi-viem's vault ABI
/// finds them. hemi-sdk's own implementation.
abstract contract VaultUtils {
    /// @notice Decodes ASCII hex characters `source[startIndex:endIndex]` (either case, no 0x) into bytes.
    /// Reverts on a character that is not a hex digit.
    function hexAsciiBytesToBytes(bytes memory source, uint256 startIndex, uint256 endIndex)
        public
        pure
        returns (bytes memory result)
    {
        require(endIndex <= source.length && startIndex <= endIndex && (endIndex - startIndex) % 2 == 0,
            "invalid hex range");
        result = new bytes((endIndex - startIndex) / 2);
        for (uint256 i = 0; i < result.length; i++) {
            uint256 at = startIndex + 2 * i;
            result[i] = bytes1((fromHexChar(uint8(source[at])) << 4) | fromHexChar(uint8(source[at + 1])));
        }
    }

    /// @notice Value of one ASCII hex digit; reverts on anything else.
    function fromHexChar(uint8 c) public pure returns (uint8) {
        if (c >= 0x30 && c <= 0x39) return c - 0x30; // 0-9
        if (c >= 0x61 && c <= 0x66) return c - 0x61 + 10; // a-f
        if (c >= 0x41 && c <= 0x46) return c - 0x41 + 10; // A-F
        revert("deposit recipient is not hex");
    }

    /// @notice The first 20 bytes of `input` as an address (zero-padded when shorter).
    function bytesToAddress(bytes memory input) public pure returns (address addr) {
        return bytesToAddressOffset(input, 0);
    }

    /// @notice 20 bytes of `input` from `offset` as an address (bytes past the end read as zero).
    function bytesToAddressOffset(bytes memory input, uint256 offset) public pure returns (address addr) {
        uint160 value = 0;
        for (uint256 i = 0; i < 20; i++) {
            uint256 at = offset + i;
            value = (value << 8) | (at < input.length ? uint8(input[at]) : 0);
        }
        return address(value);
    }
}
