// SPDX-License-Identifier: MIT
pragma solidity ^0.8.20;

/// @title L1Block: the devchain's predeploy at 0x4200000000000000000000000000000000000015
/// @notice Holds the attributes of the L1 block that the current L2 block derives from. The L1-attributes deposit
///         transaction (type 0x7E, from the depositor account) writes them at the start of every L2 block.
/// @dev Written for hemi-sdk to the interface of ethereum-optimism/optimism
///      packages/contracts-bedrock/src/L2/L1Block.sol: the same public getters, the same storage layout
///      (snapshots/storageLayout/L1Block.json; op-geth's L1 cost function reads slots 1, 3 and 7 directly) and the
///      same packed calldata for setL1BlockValuesEcotone(): after the selector, baseFeeScalar (4 bytes),
///      blobBaseFeeScalar (4), sequenceNumber (8), timestamp (8), number (8), basefee (32), blobBaseFee (32),
///      hash (32), batcherHash (32).
contract L1Block {
    /// @notice The only account allowed to set the L1 values (OP's Constants.DEPOSITOR_ACCOUNT).
    address public constant DEPOSITOR_ACCOUNT = 0xDeaDDEaDDeAdDeAdDEAdDEaddeAddEAdDEAd0001;

    uint64 public number; // slot 0, bytes 24..31
    uint64 public timestamp; // slot 0, bytes 16..23
    uint256 public basefee; // slot 1
    bytes32 public hash; // slot 2
    uint64 public sequenceNumber; // slot 3, bytes 24..31
    uint32 public blobBaseFeeScalar; // slot 3, bytes 20..23
    uint32 public baseFeeScalar; // slot 3, bytes 16..19
    bytes32 public batcherHash; // slot 4
    uint256 public l1FeeOverhead; // slot 5 (Bedrock fee parameter; unused after Ecotone)
    uint256 public l1FeeScalar; // slot 6 (Bedrock fee parameter; unused after Ecotone)
    uint256 public blobBaseFee; // slot 7

    /// @notice A caller other than the depositor account tried to set the L1 values.
    error NotDepositor();

    function version() external pure returns (string memory) {
        return "hemi-sdk-1";
    }

    /// @notice The chain pays gas in ETH (no custom gas token).
    function gasPayingToken() external pure returns (address addr_, uint8 decimals_) {
        return (0xEeeeeEeeeEeEeeEeEeEeeEEEeeeeEeeeeeeeEEeE, 18);
    }

    function isCustomGasToken() external pure returns (bool) {
        return false;
    }

    /// @notice Sets the L1 values from the packed calldata described above (no ABI head: the L1-attributes deposit
    ///         sends the fields back to back after the selector 0x440a5e20).
    /// @dev As upstream's _setL1BlockValuesEcotone does it: six whole-slot stores in assembly, since the calldata
    ///      already lays each packed slot out as storage holds it (slot 3: baseFeeScalar, blobBaseFeeScalar,
    ///      sequenceNumber; slot 0: timestamp, number; the 16 bytes after each are its low half). The upper half of
    ///      slots 0 and 3 is left zero, and so is every byte past the calldata's end. A block's deposit thereby runs
    ///      a few dozen opcodes rather than Solidity's per-field read-modify-write of the packed slots.
    function setL1BlockValuesEcotone() external {
        address depositor = DEPOSITOR_ACCOUNT;
        assembly {
            if iszero(eq(caller(), depositor)) {
                mstore(0, 0x3cc50b45) // NotDepositor()
                revert(28, 4)
            }
            sstore(3, shr(128, calldataload(4))) // baseFeeScalar | blobBaseFeeScalar | sequenceNumber
            sstore(0, shr(128, calldataload(20))) // timestamp | number
            sstore(1, calldataload(36)) // basefee
            sstore(7, calldataload(68)) // blobBaseFee
            sstore(2, calldataload(100)) // hash
            sstore(4, calldataload(132)) // batcherHash
        }
    }
}
