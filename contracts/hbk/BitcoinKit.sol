// SPDX-License-Identifier: MIT
pragma solidity ^0.8.0;

import "./IBitcoinKit.sol";
import "../lib/HvmPrecompiles.sol";
import "../lib/BtcScript.sol";

/// @title BitcoinKit (hemi-sdk's implementation of hBK as deployed on Hemi)
/// @notice Answers the ABI that hemi-viem calls on Hemi mainnet's kit (IBitcoinKit) by reading the hVM precompiles
/// with the NEWEST 0x42 frame (hemilabs/op-geth core/vm/contracts.go btcTxByTxid and its synthetic full-node tests).
/// @dev The SDK places this runtime code at 0x7007dd1C09527B92AEcd8Ae6570B73d09E0B8F12 at genesis: the
/// constructor never runs there, so the contract has no constructor, no storage and no immutables.
///
/// Hemi has not published the source of the kit that answers this ABI; this one is written from the ABI and the
/// precompile layouts. Choices, all documented in docs/hbk.md:
///  - Transactions are read with at most 32 inputs and 32 outputs, scriptSigs and scripts cut to 64 bytes (the
///    limits of Hemi's published kit); `total*`, `full*Length`, `containsAll*` and `containsFull*` tell what was cut.
///  - A transaction whose inputs the hVM cannot describe (a coinbase: 0x42 looks up each input's source
///    transaction and gives up on the null prevout) is still returned, without inputs: `inputs` empty,
///    `totalInputs` 0 and `containsAllInputs` false.
///  - `Output.isSpent` is true when the output is spent (0x42's flag byte is 1 for UNSPENT and is inverted here).
///  - `Output.isOpReturn`, `Output.opReturnData` and `UTXO.scriptPubKey` are filled; `Output.outputAddress` is
///    left empty (deriving address text on chain is costly and network-dependent).
///  - `isAddressValid` returns false for any string the hVM cannot decode.
contract BitcoinKit is IBitcoinKit {
    /// @dev 0x42 flags (newest layout), bf1 = 0x7F: bit6 containing block hash AND a u16 witness-count word
    /// before each input (the two share the bit), bit5 version, bit4 size + stripped size, bit3 locktime,
    /// bit2 inputs, bit1 prevout txid + u32 vout, bit0 scriptSig.
    uint8 internal constant BF1_FULL = 0x7F;
    /// @dev bf1 without inputs (bit2..bit0 clear): block hash, version, sizes, locktime.
    uint8 internal constant BF1_NO_INPUTS = 0x78;
    /// @dev bf2 = 0xBC: bit7 sequence, bit5 outputs, bit4 output script, bit3 include unspendable (OP_RETURN)
    /// outputs, bit2 spent flag.
    uint8 internal constant BF2_FULL = 0xBC;
    /// @dev bf2 for the outputs section alone.
    uint8 internal constant BF2_OUTPUTS = 0x3C;
    /// @dev bf1 = 0x20 (version only): the cheapest frame that is non-empty for every known txid.
    uint8 internal constant BF1_EXISTS = 0x20;
    /// @dev log2 of the input/output limits: bf3 = (5 << 3) | 5 gives 32 inputs and 32 outputs.
    uint8 internal constant LOG2_MAX_ENTRIES = 5;
    /// @dev bf4 = (2 << 2) | 2: scriptSigs and scripts cut to 2^(4+2) = 64 bytes.
    uint8 internal constant BF4 = (2 << 2) | 2;
    uint256 internal constant MAX_SCRIPT_SIG_LENGTH = 64;
    uint256 internal constant MAX_SCRIPT_LENGTH = 64;
    /// @dev Largest exponent bf3 can carry (3 bits): 2^7 = 128 outputs.
    uint8 internal constant LOG2_MAX_OUTPUTS_LIMIT = 7;
    /// @dev Gas forwarded to 0x46 where a failing call must not burn the caller's gas (0x46 costs 25000).
    uint256 internal constant ADDR_TO_SCRIPT_GAS = 100_000;

    /// @notice Lists unspent outputs of a Bitcoin address, one slice at a time (0x41).
    /// @dev Sends `address || uint24(pageNumber) || uint8(pageSize)`. The precompile reads the 3-byte field as the
    /// number of UTXOs to SKIP: to walk pages of size k pass pageNumber = 0, k, 2k, ... A pageSize of 0 means 10.
    /// Order: by txid bytes, then vout. `scriptPubKey` is the address's script (0x46). An address the hVM cannot
    /// read (shorter than 24 characters, or undecodable) reverts with Panic(0x32) at the missing count byte.
    function getUTXOsForBitcoinAddress(string calldata btcAddress, uint32 pageNumber, uint32 pageSize)
        external
        view
        override
        returns (UTXO[] memory)
    {
        bytes memory addr = bytes(btcAddress);
        (bool ok, bytes memory out) = HvmPrecompiles.utxos(addr, uint24(pageNumber), uint8(pageSize));
        require(ok, "Static call to btcUtxosAddrList precompile (0x41) contract failed");
        HvmPrecompiles.requireLength(out, 1);
        UTXO[] memory list = HvmPrecompiles.decodeUtxos(out);
        if (list.length == 0) return list;
        (bool scriptOk, bytes memory script) = HvmPrecompiles.addrToScript(addr, ADDR_TO_SCRIPT_GAS);
        if (scriptOk) {
            for (uint256 i = 0; i < list.length; i++) {
                list[i].scriptPubKey = script;
            }
        }
        return list;
    }

    /// @notice Counts the confirmations of a Bitcoin transaction (0x43): 1 = in the tip block of the light view.
    /// @dev An unknown txid makes the 0x43 call fail and this function reverts.
    function getTxConfirmations(bytes32 txId) external view override returns (uint32 confirmations) {
        (bool ok, bytes memory out) = HvmPrecompiles.txConfirmations(txId);
        // 0x43 fails for a txid its view does not hold: say whether the bytes were reversed or the tx is not there
        if (!ok) revert(notFound(txId, "Static call to btcTxConfirmations precompile (0x43) contract failed"));
        if (out.length == 0) revert(notFound(txId, "Bitcoin transaction not found"));
        return HvmPrecompiles.decodeConfirmations(out);
    }

    /// @notice Sums the indexed unspent outputs of a Bitcoin address (0x40), in sats; 0 if unreadable.
    function getBitcoinAddressBalance(string calldata btcAddress) external view override returns (uint64 balance) {
        (bool ok, bytes memory out) = HvmPrecompiles.balance(bytes(btcAddress));
        require(ok, "Static call to btcBalAddr precompile (0x40) contract failed");
        return HvmPrecompiles.decodeBalance(out);
    }

    /// @notice The output script paying a Bitcoin address (0x46); empty for a string under 24 characters.
    /// @dev An undecodable address makes 0x46 fail and this function revert.
    function getScriptForAddress(string calldata btcAddress) external view override returns (bytes memory script) {
        (bool ok, bytes memory out) = HvmPrecompiles.addrToScript(bytes(btcAddress));
        require(ok, "Static call to btcAddrToScript precompile (0x46) contract failed");
        return out;
    }

    /// @notice True iff 0x46 turns the string into a non-empty output script; false otherwise (never reverts).
    function isAddressValid(string calldata btcAddress) external view override returns (bool) {
        (bool ok, bytes memory out) = HvmPrecompiles.addrToScript(bytes(btcAddress), ADDR_TO_SCRIPT_GAS);
        return ok && out.length != 0;
    }

    /// @notice Whether the hVM has indexed a Bitcoin transaction (0x42 asked for the version only).
    function transactionExists(bytes32 txId) external view override returns (bool exists) {
        (bool ok, bytes memory out) = HvmPrecompiles.txByTxid(txId, BF1_EXISTS, 0, 0, 0);
        require(ok, "Static call to btcTxByTxid precompile (0x42) contract failed");
        return out.length > 0;
    }

    /// @notice Fetches a Bitcoin transaction with up to 32 inputs and 32 outputs (0x42, newest frame).
    /// @dev Never reverts for a txid the hVM has indexed. Reverts "Bitcoin transaction not found" otherwise.
    function getTransactionByTxId(bytes32 txId) public view override returns (Transaction memory) {
        uint8 bf3 = (LOG2_MAX_ENTRIES << 3) | LOG2_MAX_ENTRIES;
        (bool ok, bytes memory out) = HvmPrecompiles.txByTxid(txId, BF1_FULL, BF2_FULL, bf3, BF4);
        require(ok, "Static call to btcTxByTxid precompile (0x42) contract failed");
        if (out.length > 0) return parseTransaction(out, true);
        // empty: unknown txid, or inputs the hVM cannot look up (coinbase); ask again without inputs
        (ok, out) = HvmPrecompiles.txByTxid(txId, BF1_NO_INPUTS, BF2_FULL, bf3, BF4);
        require(ok, "Static call to btcTxByTxid precompile (0x42) contract failed");
        if (out.length == 0) revert(notFound(txId, "Bitcoin transaction not found"));
        return parseTransaction(out, false);
    }

    /// @notice Number of inputs (the real count, above 32 too; 0 when the hVM cannot describe the inputs).
    function getTxInputCount(bytes32 txId) external view override returns (uint32 txInputCount) {
        return uint32(getTransactionByTxId(txId).totalInputs);
    }

    /// @notice Number of outputs, OP_RETURN outputs included (the real count, above 32 too).
    function getTxOutputCount(bytes32 txId) external view override returns (uint32 txOutputCount) {
        return uint32(getTransactionByTxId(txId).totalOutputs);
    }

    /// @notice One input of a Bitcoin transaction, at any index (0x47).
    /// @dev Reverts "Bitcoin transaction input not found" for an unknown txid, an index past the last input, or an
    /// input the hVM cannot describe (a coinbase's). 0x47 reports the prevout index clamped to 0xFFFF.
    function getSpecificTxInput(bytes32 txId, uint32 inputIndex) external view override returns (Input memory) {
        require(inputIndex <= type(uint16).max, "Bitcoin transaction input not found");
        (bool ok, bytes memory out) =
            HvmPrecompiles.inputByTxid(txId, uint16(inputIndex), uint16(MAX_SCRIPT_SIG_LENGTH));
        require(ok, "Static call to btcInputByTxid precompile (0x47) contract failed");
        require(out.length > 0, "Bitcoin transaction input not found");
        // witnessCount(2) || value(8) || prevTxid(32) || prevVout(2) || sigLen(2) || sig || sequence(4)
        Input memory input;
        input.witnessElements = HvmPrecompiles.readUint(out, 0, 2);
        input.inValue = HvmPrecompiles.readUint(out, 2, 8);
        input.inputTxId = HvmPrecompiles.readBytes32(out, 10);
        input.sourceIndex = HvmPrecompiles.readUint(out, 42, 2);
        uint256 offset;
        (input.scriptSig, input.fullScriptSigLength, input.containsFullScriptSig, offset) =
            readScript(out, 44, MAX_SCRIPT_SIG_LENGTH);
        input.sequence = HvmPrecompiles.readUint(out, offset, 4);
        return input;
    }

    /// @notice One output of a Bitcoin transaction (0x42 outputs section), spent or not.
    /// @dev Indices up to 127 are read from 0x42 (which describes spent outputs too); a larger index falls back
    /// to 0x48, which knows only unspent outputs. Reverts "Bitcoin transaction output not found" past the end.
    function getSpecificTxOutput(bytes32 txId, uint32 outputIndex) external view override returns (Output memory) {
        uint8 log2Max = 0;
        while (log2Max < LOG2_MAX_OUTPUTS_LIMIT && (uint256(1) << log2Max) <= outputIndex) log2Max++;
        if (outputIndex < (uint256(1) << log2Max)) {
            (bool ok, bytes memory out) = HvmPrecompiles.txByTxid(txId, 0, BF2_OUTPUTS, log2Max, BF4);
            require(ok, "Static call to btcTxByTxid precompile (0x42) contract failed");
            if (out.length == 0) revert(notFound(txId, "Bitcoin transaction not found"));
            (Output[] memory outputs,,) = parseOutputs(out, 0, uint256(1) << log2Max);
            require(outputIndex < outputs.length, "Bitcoin transaction output not found");
            return outputs[outputIndex];
        }
        return outputFrom0x48(txId, outputIndex);
    }

    /// @notice The header at the tip the hVM has indexed (0x44); hashes in display order.
    function getLastHeader() external view override returns (BitcoinHeader memory) {
        (bool ok, bytes memory out) = HvmPrecompiles.lastHeader();
        require(ok, "Static call to btcLastHeader precompile (0x44) contract failed");
        require(out.length > 0, "Failed to retrieve last Bitcoin header");
        return HvmPrecompiles.decodeHeader(out);
    }

    /// @notice The header at a height (0x45). On deployed Hemi 0x45 answers empty, so this reverts.
    function getHeaderN(uint32 height) external view override returns (BitcoinHeader memory) {
        (bool ok, bytes memory out) = HvmPrecompiles.headerN(height);
        require(ok, "Static call to btcHeaderN precompile (0x45) contract failed");
        require(out.length > 0, "Failed to retrieve specified Bitcoin header");
        return HvmPrecompiles.decodeHeader(out);
    }

    // ------------------------------------------------------------------------------------------------------------
    // Newest 0x42 frame. Offsets are relative to the start of each field; a short frame reverts with Panic(0x32).
    // ------------------------------------------------------------------------------------------------------------

    /// @dev Parses a frame asked with BF1_FULL (withInputs) or BF1_NO_INPUTS, and BF2_FULL.
    function parseTransaction(bytes memory out, bool withInputs) internal pure returns (Transaction memory txn) {
        // [0, 32) block hash (display) | [32, 36) version | [36, 40) size | [40, 44) stripped size | [44, 48) locktime
        txn.containingBlockHash = HvmPrecompiles.readBytes32(out, 0);
        txn.transactionVersion = HvmPrecompiles.readUint(out, 32, 4);
        txn.size = HvmPrecompiles.readUint(out, 36, 4);
        txn.vSize = HvmPrecompiles.readUint(out, 40, 4);
        txn.lockTime = HvmPrecompiles.readUint(out, 44, 4);
        uint256 offset = 48;
        if (withInputs) {
            (txn.inputs, txn.totalInputs, offset) = parseInputs(out, offset);
            txn.containsAllInputs = txn.totalInputs == txn.inputs.length;
        } else {
            txn.inputs = new Input[](0);
        }
        (txn.outputs, txn.totalOutputs, offset) = parseOutputs(out, offset, uint256(1) << LOG2_MAX_ENTRIES);
        txn.containsAllOutputs = txn.totalOutputs == txn.outputs.length;
    }

    /// @dev count(2, the real count clamped at 0xFFFF) then min(count, 32) inputs.
    function parseInputs(bytes memory out, uint256 offset)
        internal
        pure
        returns (Input[] memory inputs, uint256 total, uint256 next)
    {
        total = HvmPrecompiles.readUint(out, offset, 2);
        offset += 2;
        uint256 max = uint256(1) << LOG2_MAX_ENTRIES;
        inputs = new Input[](total < max ? total : max);
        for (uint256 i = 0; i < inputs.length; i++) {
            Input memory input = inputs[i];
            // witnessCount(2) || value(8) || prevTxid(32) || prevVout(4) || sigLen(2) || sig || sequence(4)
            input.witnessElements = HvmPrecompiles.readUint(out, offset, 2);
            input.inValue = HvmPrecompiles.readUint(out, offset + 2, 8);
            input.inputTxId = HvmPrecompiles.readBytes32(out, offset + 10);
            input.sourceIndex = HvmPrecompiles.readUint(out, offset + 42, 4);
            (input.scriptSig, input.fullScriptSigLength, input.containsFullScriptSig, offset) =
                readScript(out, offset + 46, MAX_SCRIPT_SIG_LENGTH);
            input.sequence = HvmPrecompiles.readUint(out, offset, 4);
            offset += 4;
        }
        next = offset;
    }

    /// @dev count(2, OP_RETURN outputs included, clamped at 0xFFFF) then min(count, max) outputs.
    function parseOutputs(bytes memory out, uint256 offset, uint256 max)
        internal
        pure
        returns (Output[] memory outputs, uint256 total, uint256 next)
    {
        total = HvmPrecompiles.readUint(out, offset, 2);
        offset += 2;
        uint256 n = total < max ? total : max;
        outputs = new Output[](n);
        for (uint256 i = 0; i < n; i++) {
            Output memory output = outputs[i];
            // value(8) || scriptLen(2) || script[:64] || flag(1)
            output.outValue = HvmPrecompiles.readUint(out, offset, 8);
            (output.script, output.fullScriptLength, output.containsFullScript, offset) =
                readScript(out, offset + 8, MAX_SCRIPT_LENGTH);
            // flag byte: 1 = still unspent (ScriptHashAvailableToSpend), 0 = spent
            output.isSpent = HvmPrecompiles.readUint(out, offset, 1) == 0;
            offset += 1;
            output.isOpReturn = BtcScript.isOpReturn(output.script);
            if (output.isOpReturn) output.opReturnData = BtcScript.opReturnData(output.script);
        }
        next = offset;
    }

    /// @dev len(2, full length clamped at 0xFFFF) || min(len, max) bytes; returns the bytes, the full length,
    /// whether the bytes are complete, and the offset after them.
    function readScript(bytes memory out, uint256 offset, uint256 max)
        internal
        pure
        returns (bytes memory script, uint256 fullLength, bool complete, uint256 next)
    {
        fullLength = HvmPrecompiles.readUint(out, offset, 2);
        uint256 have = fullLength < max ? fullLength : max;
        complete = fullLength <= max;
        script = HvmPrecompiles.slice(out, offset + 2, have);
        next = offset + 2 + have;
    }

    /// @dev The revert reason for a txid the hVM's view does not hold, `what` followed by why. The same 32 bytes
    /// reversed naming an indexed transaction means the caller passed the internal byte order (a raw transaction's,
    /// or a precompile output's prevout): the precompiles take txids in display (explorer) order. Otherwise the txid
    /// is unknown to the view: not a Bitcoin transaction, or one the hVM has not indexed yet (the contract cannot
    /// tell these apart; off-chain, the devchain's `explain_call` can). Only a failing lookup pays for this check.
    function notFound(bytes32 txId, string memory what) internal view returns (string memory) {
        (bool ok, bytes memory out) = HvmPrecompiles.txByTxid(reverseBytes32(txId), BF1_EXISTS, 0, 0, 0);
        if (ok && out.length > 0) {
            return string.concat(what, ": this txid is in internal byte order; the hVM knows the reversed bytes, "
                "pass the display (explorer) order (hemi.types.Txid.display_bytes)");
        }
        return string.concat(what, ": not in the hVM's indexed view (unknown txid, or not indexed yet: mine "
            "Bitcoin blocks and sync; on the devchain dev.explain_call tells which)");
    }

    function reverseBytes32(bytes32 x) internal pure returns (bytes32 r) {
        for (uint256 i = 0; i < 32; i++) {
            r |= bytes32(uint256(uint8(x[i])) << (8 * i));
        }
    }

    /// @dev 0x48 for an output index past 127: value(8) || len(2) || script || flag(1); empty when spent.
    function outputFrom0x48(bytes32 txId, uint32 outputIndex) internal view returns (Output memory output) {
        require(outputIndex <= type(uint16).max, "Bitcoin transaction output not found");
        (bool ok, bytes memory out) =
            HvmPrecompiles.outputByTxid(txId, uint16(outputIndex), uint16(MAX_SCRIPT_LENGTH));
        require(ok, "Static call to btcOutputByTxid precompile (0x48) contract failed");
        require(out.length > 0, "Bitcoin transaction output not found");
        output.outValue = HvmPrecompiles.readUint(out, 0, 8);
        uint256 offset;
        (output.script, output.fullScriptLength, output.containsFullScript, offset) =
            readScript(out, 8, MAX_SCRIPT_LENGTH);
        output.isSpent = HvmPrecompiles.readUint(out, offset, 1) == 0;
        output.isOpReturn = BtcScript.isOpReturn(output.script);
        if (output.isOpReturn) output.opReturnData = BtcScript.opReturnData(output.script);
    }
}
