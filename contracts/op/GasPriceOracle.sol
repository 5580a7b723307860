// SPDX-License-Identifier: MIT
pragma solidity ^0.8.20;

import {L1Block} from "./L1Block.sol";

/// @title GasPriceOracle: the devchain's predeploy at 0x420000000000000000000000000000000000000F
/// @notice Answers what the L1 data fee of a transaction is, from the L1 values the L1Block predeploy holds.
/// @dev Written for hemi-sdk to the interface of ethereum-optimism/optimism
///      packages/contracts-bedrock/src/L2/GasPriceOracle.sol, in its Ecotone mode: the fee of a transaction's
///      RLP is calldataGas * (16 * baseFeeScalar * l1BaseFee + blobBaseFeeScalar * blobBaseFee) / (16 * 10**6),
///      calldataGas counting 4 per zero byte, 16 per other byte and 68 * 16 for the signature an unsigned
///      transaction lacks. The storage layout is upstream's (snapshots/storageLayout/GasPriceOracle.json):
///      isEcotone at slot 0 byte 0, isFjord at slot 0 byte 1; the devchain's genesis sets isEcotone. The Fjord
///      mode (FastLZ size estimate) is not implemented: isFjord stays false and setFjord() reverts.
contract GasPriceOracle {
    /// @notice Decimals of the fee scalars.
    uint256 public constant DECIMALS = 6;

    L1Block internal constant L1_BLOCK = L1Block(0x4200000000000000000000000000000000000015);

    bool public isEcotone; // slot 0, byte 0
    bool public isFjord; // slot 0, byte 1

    function version() external pure returns (string memory) {
        return "hemi-sdk-1";
    }

    /// @notice The L1 data fee, in wei, of a transaction whose unsigned RLP is `_data`.
    function getL1Fee(bytes memory _data) external view returns (uint256) {
        uint256 perGas = 16 * uint256(L1_BLOCK.baseFeeScalar()) * L1_BLOCK.basefee()
            + uint256(L1_BLOCK.blobBaseFeeScalar()) * L1_BLOCK.blobBaseFee();
        return _calldataGas(_data) * perGas / (16 * 10 ** DECIMALS);
    }

    /// @notice The L1 gas the transaction's data counts for (Ecotone: calldata gas, no overhead).
    function getL1GasUsed(bytes memory _data) external pure returns (uint256) {
        return _calldataGas(_data);
    }

    /// @notice Only answered in Fjord mode upstream; this oracle runs the Ecotone formula.
    function getL1FeeUpperBound(uint256) external pure returns (uint256) {
        revert("GasPriceOracle: getL1FeeUpperBound only supports Fjord");
    }

    function setEcotone() external {
        require(msg.sender == L1_BLOCK.DEPOSITOR_ACCOUNT(), "GasPriceOracle: only the depositor account can set isEcotone flag");
        require(!isEcotone, "GasPriceOracle: Ecotone already active");
        isEcotone = true;
    }

    function setFjord() external pure {
        revert("GasPriceOracle: Fjord is not modelled on this devchain");
    }

    /// @notice The L2 gas price (the block's base fee).
    function gasPrice() external view returns (uint256) {
        return block.basefee;
    }

    function baseFee() external view returns (uint256) {
        return block.basefee;
    }

    function overhead() external view returns (uint256) {
        require(!isEcotone, "GasPriceOracle: overhead() is deprecated");
        return L1_BLOCK.l1FeeOverhead();
    }

    function scalar() external view returns (uint256) {
        require(!isEcotone, "GasPriceOracle: scalar() is deprecated");
        return L1_BLOCK.l1FeeScalar();
    }

    function l1BaseFee() external view returns (uint256) {
        return L1_BLOCK.basefee();
    }

    function blobBaseFee() external view returns (uint256) {
        return L1_BLOCK.blobBaseFee();
    }

    function baseFeeScalar() external view returns (uint32) {
        return L1_BLOCK.baseFeeScalar();
    }

    function blobBaseFeeScalar() external view returns (uint32) {
        return L1_BLOCK.blobBaseFeeScalar();
    }

    function decimals() external pure returns (uint256) {
        return DECIMALS;
    }

    function _calldataGas(bytes memory _data) internal pure returns (uint256 total) {
        for (uint256 i = 0; i < _data.length; i++) {
            total += _data[i] == 0 ? 4 : 16;
        }
        total += 68 * 16;
    }
}
