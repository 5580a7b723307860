// SPDX-License-Identifier: MIT
pragma solidity ^0.8.0;

import "../hbk/BitcoinKit.sol";

/// @title BitcoinKitHarness
/// @notice Test-only contract (not shipped) exposing BitcoinKit's and the libraries' parsers, so they can be
/// checked against hand-built precompile frames on any EVM, without the hVM precompiles.
contract BitcoinKitHarness is BitcoinKit {
    /// @notice Parses a full newest-layout 0x42 frame as getTransactionByTxId does.
    /// @param frame Raw 0x42 output.
    /// @return The parsed transaction.
    function parseTxFrame(bytes calldata frame) external pure returns (Transaction memory) {
        return parseTransaction(frame, true);
    }

    /// @notice BtcScript.opReturnData.
    /// @param script Output script.
    /// @return isReturn BtcScript.isOpReturn(script).
    /// @return data BtcScript.opReturnData(script).
    function opReturn(bytes calldata script) external pure returns (bool isReturn, bytes memory data) {
        return (BtcScript.isOpReturn(script), BtcScript.opReturnData(script));
    }

    /// @notice HvmPrecompiles.decodeHeader.
    /// @param frame 116-byte header frame.
    /// @return The decoded header.
    function header(bytes calldata frame) external pure returns (BitcoinHeader memory) {
        return HvmPrecompiles.decodeHeader(frame);
    }

    /// @notice HvmPrecompiles.decodeUtxos.
    /// @param frame Raw 0x41 output.
    /// @return The decoded UTXOs.
    function utxoList(bytes calldata frame) external pure returns (UTXO[] memory) {
        return HvmPrecompiles.decodeUtxos(frame);
    }

    /// @notice HvmPrecompiles.decodeBalance.
    /// @param frame Raw 0x40 output.
    /// @return The balance.
    function balanceOf(bytes calldata frame) external pure returns (uint64) {
        return HvmPrecompiles.decodeBalance(frame);
    }

    /// @notice HvmPrecompiles.slice.
    /// @param data Buffer.
    /// @param offset First byte.
    /// @param length Number of bytes.
    /// @return The copy.
    function sliceOf(bytes calldata data, uint256 offset, uint256 length) external pure returns (bytes memory) {
        return HvmPrecompiles.slice(data, offset, length);
    }
}
