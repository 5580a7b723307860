// SPDX-License-Identifier: MIT
pragma solidity ^0.8.0;

import "./BitcoinKitStructs.sol";

/// @title Hemi Bitcoin Kit (hBK)
/// @notice Read-only view of the Bitcoin chain that Hemi nodes track, served by the hVM precompiles.
/// @dev The ABI of the kit at 0x7007dd1C09527B92AEcd8Ae6570B73d09E0B8F12 on Hemi mainnet, as hemi-viem calls it
/// (hemilabs/hemi-viem src/contracts/bitcoin-kit-txs.ts): these 13 functions, uint64 balance, uint32 paging.
/// Contracts call the deployed kit through it: `IBitcoinKit(0x7007dd1C09527B92AEcd8Ae6570B73d09E0B8F12)`.
interface IBitcoinKit {
    /// @notice Lists unspent outputs of a Bitcoin address, one page at a time.
    /// @param btcAddress Bitcoin address in its usual text form.
    /// @param pageNumber Zero-based page to return.
    /// @param pageSize Number of outputs per page.
    /// @return The outputs on the requested page (empty past the last page).
    function getUTXOsForBitcoinAddress(string calldata btcAddress, uint32 pageNumber, uint32 pageSize)
        external
        view
        returns (UTXO[] memory);

    /// @notice Counts the confirmations of a Bitcoin transaction.
    /// @param txId Transaction id.
    /// @return confirmations Number of blocks from the one containing the transaction to the tip, inclusive.
    function getTxConfirmations(bytes32 txId) external view returns (uint32 confirmations);

    /// @notice Sums what a Bitcoin address holds.
    /// @param btcAddress Bitcoin address in its usual text form.
    /// @return balance Total of the address's unspent outputs, in satoshis.
    function getBitcoinAddressBalance(string calldata btcAddress) external view returns (uint64 balance);

    /// @notice Converts a Bitcoin address to the output script that pays it.
    /// @param btcAddress Bitcoin address in its usual text form.
    /// @return script The scriptPubKey for the address; empty if the address is not valid.
    function getScriptForAddress(string calldata btcAddress) external view returns (bytes memory script);

    /// @notice Checks whether a string is a Bitcoin address of the tracked network.
    /// @param btcAddress Candidate address.
    /// @return True if the address converts to a non-empty output script.
    function isAddressValid(string calldata btcAddress) external view returns (bool);

    /// @notice Checks whether the tracked Bitcoin chain holds a transaction.
    /// @param txId Transaction id.
    /// @return exists True if the transaction is known.
    function transactionExists(bytes32 txId) external view returns (bool exists);

    /// @notice Fetches a Bitcoin transaction with its inputs and outputs.
    /// @param txId Transaction id.
    /// @return The transaction, including the hash of the block that contains it.
    function getTransactionByTxId(bytes32 txId) external view returns (Transaction memory);



    /// @notice Counts the inputs of a Bitcoin transaction.
    /// @param txId Transaction id.
    /// @return txInputCount Number of inputs.
    function getTxInputCount(bytes32 txId) external view returns (uint32 txInputCount);

    /// @notice Counts the outputs of a Bitcoin transaction.
    /// @param txId Transaction id.
    /// @return txOutputCount Number of outputs.
    function getTxOutputCount(bytes32 txId) external view returns (uint32 txOutputCount);

    /// @notice Fetches one input of a Bitcoin transaction.
    /// @param txId Transaction id.
    /// @param inputIndex Zero-based position of the input.
    /// @return The input at that position.
    function getSpecificTxInput(bytes32 txId, uint32 inputIndex) external view returns (Input memory);

    /// @notice Fetches one output of a Bitcoin transaction.
    /// @param txId Transaction id.
    /// @param outputIndex Zero-based position (vout) of the output.
    /// @return The output at that position.
    function getSpecificTxOutput(bytes32 txId, uint32 outputIndex) external view returns (Output memory);

    /// @notice Reads the header at the tip of the tracked Bitcoin chain.
    /// @return The newest header and its height.
    function getLastHeader() external view returns (BitcoinHeader memory);

    /// @notice Reads the header of the block at a given height.
    /// @param height Block height on the tracked Bitcoin chain.
    /// @return The header at that height.
    function getHeaderN(uint32 height) external view returns (BitcoinHeader memory);
}
