// SPDX-License-Identifier: MIT
pragma solidity ^0.8.0;

import "./IBitcoinKitHvmPhase0.sol";
// named imports: the library file also brings the deployed structs, whose names clash with this ABI's
import {HvmPrecompiles} from "../../lib/HvmPrecompiles.sol";
import {BtcScript} from "../../lib/BtcScript.sol";

/// @title BitcoinKitHvmPhase0 (hemi-sdk implementation of the published hBK interface, profile `hvmphase0`)
/// @notice Reads the Bitcoin chain tracked by the hVM through the precompiles 0x40-0x46, the same way Hemi's
/// published hBK implementation does, so a contract written against IBitcoinKit sees what Hemi mainnet returns.
/// @dev Under hvm_profile "hvmphase0" the SDK places this runtime code at the Hemi mainnet hBK address
/// 0x7007dd1C09527B92AEcd8Ae6570B73d09E0B8F12 at genesis: the constructor never runs there, so the contract has no
/// constructor, no storage and no immutables. Everything is read from the precompiles on each call.
///
/// Transactions come from 0x42 with the `max/hvmphase0` frame (hemi-sdk profile `hvmphase0`), requested with the
/// same flags as Hemi's implementation: at most 32 inputs and 32 outputs, scriptSigs and scripts cut to 64 bytes.
/// Count fields always report the real totals; `containsAll*` / `containsFull*` say whether anything was cut.
///
/// Differences from Hemi's implementation, all additive:
///  - `Output.isOpReturn` and `Output.opReturnData` are filled (Hemi's leave them false/empty).
///  - `UTXO.scriptPubKey` is filled with the queried address's script from 0x46 (Hemi's leaves it empty).
///  - `getTransactionInputsByTxId` / `getTransactionOutputsByTxId` are implemented (Hemi's contract lacks them).
///  - `isAddressValid` returns false when 0x46 fails (Hemi's reverts), and bounds the gas 0x46 may burn.
///  - Both UTXO signatures are answered: IBitcoinKit's (string,uint32,uint32) and the (string,uint256,uint256)
///    of Hemi's published implementation and docs (through the fallback).
/// Left empty as in Hemi's implementation: `Output.outputAddress` (deriving base58/bech32 text on chain is
/// costly and network-dependent) and `Output.spentDetail` ("not implemented yet" in the struct definition).
contract BitcoinKitHvmPhase0 is IBitcoinKitHvmPhase0 {
    /// @dev 0x42 flags for a full transaction (hvmphase0 / max/hvmphase0 meaning):
    /// bf1 = 0x7F: bit6 containing block hash, bit5 version, bit4 size+vsize, bit3 locktime, bit2 inputs,
    ///             bit1 prevout txid+vout, bit0 scriptSig.
    /// bf2 = 0xFE: bit7 sequence, bit6 outputs, bit5 output script, bit4 output address (emits nothing),
    ///             bit3 include unspendable outputs, bit2 spent flag, bit1 spent-by (emits nothing).
    uint8 internal constant TX_FLAGS1_FULL = 0x7F;
    uint8 internal constant TX_FLAGS2_FULL = 0xFE;
    /// @dev bf3 = (5 << 3) | 5: at most 2^5 = 32 inputs and 2^5 = 32 outputs.
    uint8 internal constant TX_FLAGS3 = (5 << 3) | 5;
    /// @dev bf4 = (2 << 2) | 2: scriptSigs and scripts cut to 2^(4+2) = 64 bytes.
    uint8 internal constant TX_FLAGS4 = (2 << 2) | 2;
    /// @dev bf1 = 0x04 (inputs only): the cheapest non-empty frame, used by transactionExists.
    uint8 internal constant TX_FLAGS1_EXISTS = 0x04;
    /// @dev Limits matching TX_FLAGS3 / TX_FLAGS4.
    uint256 internal constant MAX_INPUTS = 32;
    uint256 internal constant MAX_OUTPUTS = 32;
    uint256 internal constant MAX_SCRIPT_SIG_LENGTH = 64;
    uint256 internal constant MAX_SCRIPT_LENGTH = 64;
    /// @dev Gas forwarded to 0x46 where a failing call must not burn the caller's gas (0x46 costs 25000).
    uint256 internal constant ADDR_TO_SCRIPT_GAS = 100_000;
    /// @dev Selector of getUTXOsForBitcoinAddress(string,uint256,uint256), answered by the fallback.
    bytes4 internal constant UTXOS_UINT256_SELECTOR =
        bytes4(keccak256("getUTXOsForBitcoinAddress(string,uint256,uint256)"));

    /// @notice Lists unspent outputs of a Bitcoin address, one slice at a time.
    /// @dev Sends `address || uint24(pageNumber) || uint8(pageSize)` to 0x41, truncating both numbers to those
    /// widths as Hemi's implementation does. The precompile uses the 3-byte field as the number of UTXOs to SKIP,
    /// not as a page number: to walk pages of size k pass pageNumber = 0, k, 2k, ... A pageSize of 0 means 10.
    /// `scriptPubKey` of every entry is the address's script from 0x46 (every UTXO of the address pays it); it is
    /// left empty if that lookup fails. An empty 0x41 output (address shorter than 24 characters or not
    /// decodable) reverts with Panic(0x32), as Hemi's implementation does when it reads the missing count byte.
    /// @param btcAddress Bitcoin address in its usual text form.
    /// @param pageNumber Number of UTXOs to skip (see above); only the low 24 bits are used.
    /// @param pageSize Maximum number of UTXOs to return; only the low 8 bits are used.
    /// @return list The UTXOs in the precompile's order.
    function getUTXOsForBitcoinAddress(string calldata btcAddress, uint32 pageNumber, uint32 pageSize)
        external
        view
        override
        returns (UTXO[] memory list)
    {
        return utxosOf(bytes(btcAddress), pageNumber, pageSize);
    }

    /// @notice Also answers `getUTXOsForBitcoinAddress(string,uint256,uint256)`, the signature of Hemi's
    /// published implementation and of the hBK docs, which has a different selector from IBitcoinKit's uint32
    /// version. It behaves exactly like the uint32 version (only the low 24 / 8 bits are used). Handled here rather
    /// than as an overload so the ABI stays IBitcoinKit's and callers by name are not ambiguous. Any other unknown
    /// call reverts with empty data, as for a contract without a fallback.
    /// @param input Calldata: selector || abi.encode(string btcAddress, uint256 pageNumber, uint256 pageSize).
    /// @return The ABI-encoded UTXO[] (returned as raw returndata).
    fallback(bytes calldata input) external returns (bytes memory) {
        require(input.length >= 4 && bytes4(input[:4]) == UTXOS_UINT256_SELECTOR);
        (string memory btcAddress, uint256 pageNumber, uint256 pageSize) =
            abi.decode(input[4:], (string, uint256, uint256));
        return abi.encode(utxosOf(bytes(btcAddress), pageNumber, pageSize));
    }

    /// @dev 0x41 query and decode shared by both UTXO signatures; numbers are truncated to uint24 / uint8 as in
    /// Hemi's implementation.
    function utxosOf(bytes memory addr, uint256 pageNumber, uint256 pageSize) internal view returns (UTXO[] memory list) {
        (bool ok, bytes memory out) = HvmPrecompiles.utxos(addr, uint24(pageNumber), uint8(pageSize));
        require(ok, "Static call to btcUtxosAddrList precompile (0x41) contract failed");
        // byte 0 (the count) must exist: Panic(0x32) otherwise, like Hemi's out[0]
        HvmPrecompiles.requireLength(out, 1);
        list = HvmPrecompiles.decodeUtxos(out);
        if (list.length == 0) return list;
        (bool scriptOk, bytes memory script) = HvmPrecompiles.addrToScript(addr, ADDR_TO_SCRIPT_GAS);
        if (scriptOk) {
            for (uint256 i = 0; i < list.length; i++) {
                list[i].scriptPubKey = script;
            }
        }
    }

    /// @notice Counts the confirmations of a Bitcoin transaction (0x43).
    /// @dev 1 means the transaction is in the tip block of the hVM light view. An unknown txid makes the 0x43
    /// call fail (burning the gas forwarded to it) and this function reverts, as on Hemi.
    /// @param txId Transaction id (explorer hex, display order).
    /// @return confirmations Number of blocks from the containing block to the tip, inclusive.
    function getTxConfirmations(bytes32 txId) public view override returns (uint32 confirmations) {
        (bool ok, bytes memory out) = HvmPrecompiles.txConfirmations(txId);
        require(ok, "Static call to btcTxConfirmations precompile (0x43) contract failed");
        require(out.length > 0, "Bitcoin transaction not found");
        // [0, 4): confirmations, uint32 BE
        return HvmPrecompiles.decodeConfirmations(out);
    }

    /// @notice Sums what a Bitcoin address holds (0x40).
    /// @param btcAddress Bitcoin address in its usual text form.
    /// @return balance Total of the address's indexed unspent outputs in sats; 0 if the precompile returns nothing
    /// (address shorter than 24 characters or not decodable).
    function getBitcoinAddressBalance(string calldata btcAddress) external view override returns (uint64 balance) {
        (bool ok, bytes memory out) = HvmPrecompiles.balance(bytes(btcAddress));
        require(ok, "Static call to btcBalAddr precompile (0x40) contract failed");
        // [0, 8): balance, uint64 BE (empty -> 0)
        return HvmPrecompiles.decodeBalance(out);
    }

    /// @notice Converts a Bitcoin address to the output script that pays it (0x46).
    /// @dev Returns empty bytes for an input shorter than 24 characters. An address that does not decode on the
    /// tracked network makes 0x46 fail, and this function then reverts, as Hemi's implementation does (the revert
    /// string is Hemi's, including its "btcBalAddr" wording).
    /// @param btcAddress Bitcoin address in its usual text form.
    /// @return script The scriptPubKey paying the address.
    function getScriptForAddress(string calldata btcAddress) external view override returns (bytes memory script) {
        (bool ok, bytes memory out) = HvmPrecompiles.addrToScript(bytes(btcAddress));
        require(ok, "Static call to btcBalAddr precompile (0x46) contract failed");
        return out;
    }

    /// @notice Checks whether a string is a Bitcoin address of the tracked network.
    /// @dev True iff 0x46 succeeds with a non-empty script. Deliberate difference from Hemi's implementation, which
    /// reverts when 0x46 fails on an undecodable address: here that case returns false. The call gets at most
    /// 100000 gas (0x46 costs 25000), so a failing lookup burns that much instead of nearly all remaining gas.
    /// @param btcAddress Candidate address.
    /// @return True if the address converts to a non-empty output script.
    function isAddressValid(string calldata btcAddress) external view override returns (bool) {
        (bool ok, bytes memory out) = HvmPrecompiles.addrToScript(bytes(btcAddress), ADDR_TO_SCRIPT_GAS);
        return ok && out.length != 0;
    }

    /// @notice Checks whether the hVM has indexed a Bitcoin transaction (0x42 with bf1 = 0x04, inputs only).
    /// @param txId Transaction id (explorer hex, display order).
    /// @return exists True if the precompile returned any data for the txid.
    function transactionExists(bytes32 txId) external view override returns (bool exists) {
        (bool ok, bytes memory out) = HvmPrecompiles.txByTxid(txId, TX_FLAGS1_EXISTS, 0, TX_FLAGS3, TX_FLAGS4);
        require(ok, "Static call to btcTxByTxid precompile (0x42) contract failed");
        return out.length > 0;
    }

    /// @notice Fetches a Bitcoin transaction with its inputs and outputs (0x42, hvmphase0 frame).
    /// @dev At most 32 inputs and 32 outputs are returned, scriptSigs and scripts cut to 64 bytes; `totalInputs`,
    /// `totalOutputs`, `fullScriptSigLength` and `fullScriptLength` give the real sizes. `size` and `vSize` are the
    /// precompile's size and stripped size. Outputs include OP_RETURN outputs; `isOpReturn` and `opReturnData`
    /// are filled (from the possibly cut script). `isSpent` is the precompile's flag byte != 0 exactly as in
    /// Hemi's implementation, although that byte is 1 when the output is UNSPENT (hVM `ScriptHashAvailableToSpend`):
    /// so on Hemi `isSpent == true` means the output is still unspent. `outputAddress` and `spentDetail` stay empty.
    /// Reverts "Bitcoin transaction not found" if the hVM has not indexed the txid.
    /// @param txId Transaction id (explorer hex, display order).
    /// @return txn The transaction, including the hash of the block that contains it (display order).
    function getTransactionByTxId(bytes32 txId) public view override returns (Transaction memory txn) {
        (bool ok, bytes memory out) =
            HvmPrecompiles.txByTxid(txId, TX_FLAGS1_FULL, TX_FLAGS2_FULL, TX_FLAGS3, TX_FLAGS4);
        require(ok, "Static call to btcTxByTxid precompile (0x42) contract failed");
        require(out.length > 0, "Bitcoin transaction not found");
        return parseTransaction(out);
    }

    /// @notice Fetches only the inputs of a Bitcoin transaction.
    /// @dev Same 0x42 query as getTransactionByTxId (so at most the first 32 inputs); not present in Hemi's
    /// deployed implementation. Reverts "Bitcoin transaction not found" for an unknown txid.
    /// @param txId Transaction id (explorer hex, display order).
    /// @return The transaction's inputs, in order (first 32 at most).
    function getTransactionInputsByTxId(bytes32 txId) external view override returns (Input[] memory) {
        return getTransactionByTxId(txId).inputs;
    }

    /// @notice Fetches only the outputs of a Bitcoin transaction.
    /// @dev Same 0x42 query as getTransactionByTxId (so at most the first 32 outputs, same field meanings); not
    /// present in Hemi's deployed implementation. Reverts "Bitcoin transaction not found" for an unknown txid.
    /// @param txId Transaction id (explorer hex, display order).
    /// @return The transaction's outputs, in order (first 32 at most).
    function getTransactionOutputsByTxId(bytes32 txId) external view override returns (Output[] memory) {
        return getTransactionByTxId(txId).outputs;
    }

    /// @notice Counts the inputs of a Bitcoin transaction.
    /// @dev Implemented over the same full 0x42 query as getTransactionByTxId (as Hemi's implementation does), so
    /// it costs the same precompile gas and gives the real count even above 32. Chosen over 0x47 because 0x42 is
    /// the precompile whose layout Hemi's kit is known to parse.
    /// @param txId Transaction id (explorer hex, display order).
    /// @return txInputCount Number of inputs.
    function getTxInputCount(bytes32 txId) external view override returns (uint32 txInputCount) {
        return uint32(getTransactionByTxId(txId).totalInputs);
    }

    /// @notice Counts the outputs of a Bitcoin transaction, OP_RETURN outputs included.
    /// @dev Full 0x42 query as in getTransactionByTxId (as Hemi's implementation does).
    /// @param txId Transaction id (explorer hex, display order).
    /// @return txOutputCount Number of outputs.
    function getTxOutputCount(bytes32 txId) external view override returns (uint32 txOutputCount) {
        return uint32(getTransactionByTxId(txId).totalOutputs);
    }

    /// @notice Fetches one input of a Bitcoin transaction.
    /// @dev Picked from the full 0x42 query (as Hemi's implementation does; 0x47 is not used), so only indices
    /// 0-31 are reachable: a larger index, or one past the last input, reverts with Panic(0x32) as on Hemi.
    /// @param txId Transaction id (explorer hex, display order).
    /// @param inputIndex Zero-based position of the input.
    /// @return The input at that position.
    function getSpecificTxInput(bytes32 txId, uint32 inputIndex) external view override returns (Input memory) {
        return getTransactionByTxId(txId).inputs[inputIndex];
    }

    /// @notice Fetches one output of a Bitcoin transaction.
    /// @dev Picked from the full 0x42 query (as Hemi's implementation does; 0x48 is not used because it returns
    /// nothing for spent outputs), so only indices 0-31 are reachable: a larger index, or one past the last output,
    /// reverts with Panic(0x32) as on Hemi. Field meanings as in getTransactionByTxId.
    /// @param txId Transaction id (explorer hex, display order).
    /// @param outputIndex Zero-based position (vout) of the output.
    /// @return The output at that position.
    function getSpecificTxOutput(bytes32 txId, uint32 outputIndex) external view override returns (Output memory) {
        return getTransactionByTxId(txId).outputs[outputIndex];
    }

    /// @notice Reads the header at the tip the hVM has indexed (0x44).
    /// @return The header and its height; hashes in display order.
    function getLastHeader() external view override returns (BitcoinHeader memory) {
        (bool ok, bytes memory out) = HvmPrecompiles.lastHeader();
        require(ok, "Static call to btcLastHeader precompile (0x44) contract failed");
        require(out.length > 0, "Failed to retrieve last Bitcoin header");
        return HvmPrecompiles.decodeHeader(out);
    }

    /// @notice Reads the header of the canonical block at a given height (0x45).
    /// @dev Reverts "Failed to retrieve specified Bitcoin header" if the hVM has no indexed header there.
    /// @param height Block height on the tracked Bitcoin chain.
    /// @return The header at that height; hashes in display order.
    function getHeaderN(uint32 height) external view override returns (BitcoinHeader memory) {
        (bool ok, bytes memory out) = HvmPrecompiles.headerN(height);
        require(ok, "Static call to btcHeaderN precompile (0x45) contract failed");
        require(out.length > 0, "Failed to retrieve specified Bitcoin header");
        return HvmPrecompiles.decodeHeader(out);
    }

    // ------------------------------------------------------------------------------------------------------------
    // 0x42 frame parser, hvmphase0 (op-geth max/hvmphase0) layout for bf1 = 0x7F, bf2 = 0xFE, bf3 = 0x2D, bf4 = 0x0A.
    // A frame shorter than its fields reverts with Panic(0x32).
    // ------------------------------------------------------------------------------------------------------------

    /// @dev Parses a full 0x42 frame (see the flag constants) into a Transaction.
    function parseTransaction(bytes memory out) internal pure returns (Transaction memory txn) {
        // [0, 32): containing block hash, display order (bf1 bit6)
        txn.containingBlockHash = HvmPrecompiles.readBytes32(out, 0);
        // [32, 36): version, uint32 BE (bf1 bit5)
        txn.transactionVersion = HvmPrecompiles.readUint(out, 32, 4);
        // [36, 40): size, uint32 BE (bf1 bit4)
        txn.size = HvmPrecompiles.readUint(out, 36, 4);
        // [40, 44): stripped size, reported as vSize, uint32 BE (bf1 bit4)
        txn.vSize = HvmPrecompiles.readUint(out, 40, 4);
        // [44, 48): locktime, uint32 BE (bf1 bit3)
        txn.lockTime = HvmPrecompiles.readUint(out, 44, 4);
        uint256 offset = 48;
        (txn.inputs, txn.totalInputs, offset) = parseInputs(out, offset);
        (txn.outputs, txn.totalOutputs, offset) = parseOutputs(out, offset);
        txn.containsAllInputs = txn.totalInputs == txn.inputs.length;
        txn.containsAllOutputs = txn.totalOutputs == txn.outputs.length;
    }

    /// @dev Parses the input section: count(2) then up to MAX_INPUTS entries.
    function parseInputs(bytes memory out, uint256 offset)
        internal
        pure
        returns (Input[] memory inputs, uint256 total, uint256 next)
    {
        // +0 (2): total input count, uint16 BE (real count, entries may be fewer)
        total = HvmPrecompiles.readUint(out, offset, 2);
        offset += 2;
        uint256 n = total < MAX_INPUTS ? total : MAX_INPUTS;
        inputs = new Input[](n);
        for (uint256 i = 0; i < n; i++) {
            (inputs[i], offset) = parseInput(out, offset);
        }
        next = offset;
    }

    /// @dev Parses one input entry: value(8) || prevTxid(32) || prevVout(2) || sigLen(2) || sig || sequence(4).
    function parseInput(bytes memory out, uint256 offset) internal pure returns (Input memory input, uint256 next) {
        // +0 (8): value of the spent output in sats, uint64 BE (always present)
        input.inValue = HvmPrecompiles.readUint(out, offset, 8);
        // +8 (32): previous txid, display order (bf1 bit1)
        input.inputTxId = HvmPrecompiles.readBytes32(out, offset + 8);
        // +40 (2): previous vout, uint16 BE (hvmphase0 width; bf1 bit1)
        input.sourceIndex = HvmPrecompiles.readUint(out, offset + 40, 2);
        // +42 (2): full scriptSig length, uint16 BE (bf1 bit0)
        uint256 fullLen = HvmPrecompiles.readUint(out, offset + 42, 2);
        input.fullScriptSigLength = fullLen;
        uint256 have = fullLen;
        if (have > MAX_SCRIPT_SIG_LENGTH) {
            have = MAX_SCRIPT_SIG_LENGTH;
        } else {
            input.containsFullScriptSig = true;
        }
        // +44 (min(fullLen, 64)): scriptSig bytes (bf1 bit0)
        input.scriptSig = HvmPrecompiles.slice(out, offset + 44, have);
        // +44+have (4): sequence, uint32 BE (bf2 bit7)
        input.sequence = HvmPrecompiles.readUint(out, offset + 44 + have, 4);
        next = offset + 48 + have;
    }

    /// @dev Parses the output section: count(2) then up to MAX_OUTPUTS entries.
    function parseOutputs(bytes memory out, uint256 offset)
        internal
        pure
        returns (Output[] memory outputs, uint256 total, uint256 next)
    {
        // +0 (2): total output count incl. unspendable outputs (bf2 bit3 set), uint16 BE
        total = HvmPrecompiles.readUint(out, offset, 2);
        offset += 2;
        uint256 n = total < MAX_OUTPUTS ? total : MAX_OUTPUTS;
        outputs = new Output[](n);
        for (uint256 i = 0; i < n; i++) {
            (outputs[i], offset) = parseOutput(out, offset);
        }
        next = offset;
    }

    /// @dev Parses one output entry: value(8) || scriptLen(2) || script || flag(1).
    function parseOutput(bytes memory out, uint256 offset) internal pure returns (Output memory output, uint256 next) {
        // +0 (8): value in sats, uint64 BE
        output.outValue = HvmPrecompiles.readUint(out, offset, 8);
        // +8 (2): full script length, uint16 BE (bf2 bit5)
        uint256 fullLen = HvmPrecompiles.readUint(out, offset + 8, 2);
        output.fullScriptLength = fullLen;
        uint256 have = fullLen;
        if (have > MAX_SCRIPT_LENGTH) {
            have = MAX_SCRIPT_LENGTH;
        } else {
            output.containsFullScript = true;
        }
        // +10 (min(fullLen, 64)): script bytes (bf2 bit5)
        output.script = HvmPrecompiles.slice(out, offset + 10, have);
        // +10+have (1): flag byte (bf2 bit2); 1 = UNSPENT, but reported as isSpent = (flag != 0) like Hemi's kit
        output.isSpent = HvmPrecompiles.readUint(out, offset + 10 + have, 1) != 0;
        // bf2 bit4 (address) and bit1 (spent-by) emit nothing in this layout
        output.isOpReturn = BtcScript.isOpReturn(output.script);
        if (output.isOpReturn) output.opReturnData = BtcScript.opReturnData(output.script);
        next = offset + 11 + have;
    }
}
