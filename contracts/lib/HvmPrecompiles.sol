// SPDX-License-Identifier: MIT
pragma solidity ^0.8.0;

import "../hbk/BitcoinKitStructs.sol";

/// @title HvmPrecompiles
/// @notice Direct access to the ten hVM precompiles (0x40-0x49) for contracts that want to skip the hBK contract.
/// @dev Conventions of every hVM precompile (hemilabs/op-geth core/vm/contracts.go):
///  - Bitcoin addresses are passed as their raw ASCII bytes (`bytes(btcAddress)`), not ABI-encoded.
///  - Hashes (txids, block hashes, merkle roots) are in display order, both in input and in output: a `bytes32`
///    txid is the hex an explorer shows.
///  - Integers are big-endian in input and output (`abi.encodePacked(uintN)` is big-endian).
///  - "Not found" and bad input lengths give a successful call with EMPTY output. Two precompiles make the call
///    FAIL instead (all gas given to the call is burned): 0x43 for an unknown txid and 0x46 for an address that
///    does not decode on the tracked network.
/// The raw call functions return `(ok, out)` exactly as the staticcall gave them; they never revert. The
/// `decode*` functions turn an output into typed values and revert with Panic(0x32) (index out of bounds, the
/// same error a Solidity array read would give) when a non-empty output is shorter than its frame.
/// All functions are internal, so the library is inlined into the calling contract and needs no linking.
library HvmPrecompiles {
    /// @notice 0x40 btcBalAddr: ASCII address -> uint64 balance in sats (8 bytes).
    address internal constant BTC_BALANCE = address(0x40);
    /// @notice 0x41 btcUtxosAddrList: ASCII address || start(3) || count(1) -> n(1) || n x [txid(32) || vout(2) || value(8)].
    address internal constant BTC_UTXOS_ADDR_LIST = address(0x41);
    /// @notice 0x42 btcTxByTxid: txid(32) || bf1 || bf2 || bf3 || bf4 -> bitflag-selected transaction fields.
    address internal constant BTC_TX_BY_TXID = address(0x42);
    /// @notice 0x43 btcTxConfirmations: txid(32) -> uint32 confirmations (4 bytes); unknown txid fails the call.
    address internal constant BTC_TX_CONFIRMATIONS = address(0x43);
    /// @notice 0x44 btcLastHeader: (input ignored) -> 116-byte header frame of the indexed tip.
    address internal constant BTC_LAST_HEADER = address(0x44);
    /// @notice 0x45 btcHeaderN: height(4) -> 116-byte header frame.
    address internal constant BTC_HEADER_N = address(0x45);
    /// @notice 0x46 btcAddrToScript: ASCII address -> scriptPubKey bytes; undecodable address fails the call.
    address internal constant BTC_ADDR_TO_SCRIPT = address(0x46);
    /// @notice 0x47 btcInputByTxid: txid(32) || inputIdx(2) || maxSigScriptLen(2) -> one input (see inputByTxid).
    address internal constant BTC_INPUT_BY_TXID = address(0x47);
    /// @notice 0x48 btcOutputByTxid: txid(32) || outputIdx(2) || maxScriptLen(2) -> one unspent output (see outputByTxid).
    address internal constant BTC_OUTPUT_BY_TXID = address(0x48);
    /// @notice 0x49 btcTxGetInputWitness: txid(32) || inputIdx(2) || witnessIdx(2) || maxLen(2) -> len(2) || element.
    address internal constant BTC_TX_INPUT_WITNESS = address(0x49);

    /// @notice Length of the header frame returned by 0x44 and 0x45.
    uint256 internal constant HEADER_FRAME_LENGTH = 116;
    /// @notice Length of one UTXO entry in the 0x41 output: txid(32) + vout(2) + value(8).
    uint256 internal constant UTXO_ENTRY_LENGTH = 42;

    // ------------------------------------------------------------------------------------------------------------
    // Raw calls: build the exact input bytes, return the staticcall result untouched.
    // ------------------------------------------------------------------------------------------------------------

    /// @notice Calls 0x40 (balance of an address).
    /// @param btcAddress Address as raw ASCII bytes (`bytes(addressString)`); shorter than 24 bytes gives empty output.
    /// @return ok Whether the staticcall succeeded.
    /// @return out 8-byte big-endian uint64 sats; empty if the address is too short or does not decode.
    function balance(bytes memory btcAddress) internal view returns (bool ok, bytes memory out) {
        // input: ASCII address (variable length)
        return BTC_BALANCE.staticcall(btcAddress);
    }

    /// @notice Calls 0x41 (unspent outputs of an address, one slice at a time).
    /// @dev The 3-byte field is used by the precompile as the number of UTXOs to SKIP (an item offset), not as a
    /// page number; hBK passes its `pageNumber` through unchanged. `count` 0 means the precompile default of 10.
    /// @param btcAddress Address as raw ASCII bytes.
    /// @param start Number of UTXOs to skip (3 bytes, big-endian).
    /// @param count Maximum number of UTXOs to return (1 byte).
    /// @return ok Whether the staticcall succeeded.
    /// @return out n(1) || n x [txid(32, display) || vout(2) || value(8)]; empty if the input is shorter than 28 bytes.
    function utxos(bytes memory btcAddress, uint24 start, uint8 count) internal view returns (bool ok, bytes memory out) {
        // input: ASCII address || start uint24 (3 bytes BE) || count uint8 (1 byte)
        return BTC_UTXOS_ADDR_LIST.staticcall(abi.encodePacked(btcAddress, start, count));
    }

    /// @notice Calls 0x42 (a transaction by txid, fields selected by four bitflag bytes).
    /// @dev The frame depends on the flags and on the precompile version: hbk/BitcoinKit.sol parses the newest
    /// layout, hbk/hvmphase0/BitcoinKitHvmPhase0.sol the max/hvmphase0 one.
    /// @param txid Transaction id in display order.
    /// @param bf1 Bitflag byte 1 (block hash, version, sizes, locktime, inputs, prevouts, scriptSigs).
    /// @param bf2 Bitflag byte 2 (sequence, outputs, scripts, unspendables, spent flag, ...).
    /// @param bf3 (log2 maxInputs) << 3 | (log2 maxOutputs).
    /// @param bf4 (log2 maxSigLen - 4) << 2 | (log2 maxScriptLen - 4).
    /// @return ok Whether the staticcall succeeded.
    /// @return out The selected fields; empty if the txid is unknown or the input is not exactly 36 bytes.
    function txByTxid(bytes32 txid, uint8 bf1, uint8 bf2, uint8 bf3, uint8 bf4)
        internal
        view
        returns (bool ok, bytes memory out)
    {
        // input: txid(32) || bf1(1) || bf2(1) || bf3(1) || bf4(1) = 36 bytes
        return BTC_TX_BY_TXID.staticcall(abi.encodePacked(txid, bf1, bf2, bf3, bf4));
    }

    /// @notice Calls 0x43 (confirmations of a transaction).
    /// @dev An unknown txid makes the call FAIL (ok == false) and burns all gas forwarded to it.
    /// @param txid Transaction id in display order.
    /// @return ok Whether the staticcall succeeded.
    /// @return out 4-byte big-endian uint32 confirmations (1 = in the tip block).
    function txConfirmations(bytes32 txid) internal view returns (bool ok, bytes memory out) {
        // input: txid(32)
        return BTC_TX_CONFIRMATIONS.staticcall(abi.encodePacked(txid));
    }

    /// @notice Calls 0x44 (header of the indexed tip).
    /// @return ok Whether the staticcall succeeded.
    /// @return out The 116-byte header frame (see decodeHeader).
    function lastHeader() internal view returns (bool ok, bytes memory out) {
        // input: empty (ignored by the precompile)
        return BTC_LAST_HEADER.staticcall("");
    }

    /// @notice Calls 0x45 (header at a height).
    /// @param height Block height.
    /// @return ok Whether the staticcall succeeded.
    /// @return out The 116-byte header frame; empty if no canonical header is indexed at that height.
    function headerN(uint32 height) internal view returns (bool ok, bytes memory out) {
        // input: height uint32 (exactly 4 bytes BE)
        return BTC_HEADER_N.staticcall(abi.encodePacked(height));
    }

    /// @notice Calls 0x46 (output script paying an address), forwarding all available gas.
    /// @dev An address that does not decode on the tracked network makes the call FAIL and burns the gas given to
    /// it; use the overload with a gas limit to bound that cost.
    /// @param btcAddress Address as raw ASCII bytes.
    /// @return ok Whether the staticcall succeeded.
    /// @return out The scriptPubKey (P2PKH 25 bytes, P2WPKH 22, P2SH 23, P2WSH/P2TR 34); empty if shorter than 24 bytes.
    function addrToScript(bytes memory btcAddress) internal view returns (bool ok, bytes memory out) {
        // input: ASCII address (variable length)
        return BTC_ADDR_TO_SCRIPT.staticcall(btcAddress);
    }

    /// @notice Calls 0x46 forwarding at most `gasLimit` gas.
    /// @param btcAddress Address as raw ASCII bytes.
    /// @param gasLimit Gas forwarded to the precompile (0x46 costs 25000 on Hemi).
    /// @return ok Whether the staticcall succeeded (false also when `gasLimit` is below the precompile's cost).
    /// @return out The scriptPubKey, as for the overload without a limit.
    function addrToScript(bytes memory btcAddress, uint256 gasLimit) internal view returns (bool ok, bytes memory out) {
        // input: ASCII address (variable length)
        return BTC_ADDR_TO_SCRIPT.staticcall{gas: gasLimit}(btcAddress);
    }

    /// @notice Calls 0x47 (one input of a transaction).
    /// @param txid Transaction id in display order.
    /// @param inputIndex Zero-based input index.
    /// @param maxSigScriptLen Maximum number of scriptSig bytes to return.
    /// @return ok Whether the staticcall succeeded.
    /// @return out witnessCount(2) || spentValue(8) || prevTxid(32, display) || prevVout(2, clamped to 0xFFFF) ||
    /// fullSigScriptLen(2) || sigScript[:maxSigScriptLen] || sequence(4); empty if the tx or index is unknown.
    function inputByTxid(bytes32 txid, uint16 inputIndex, uint16 maxSigScriptLen)
        internal
        view
        returns (bool ok, bytes memory out)
    {
        // input: txid(32) || inputIdx uint16 (2) || maxSigScriptLen uint16 (2)
        return BTC_INPUT_BY_TXID.staticcall(abi.encodePacked(txid, inputIndex, maxSigScriptLen));
    }

    /// @notice Calls 0x48 (one output of a transaction).
    /// @dev The trailing flag byte is 1 when the output is UNSPENT. An output that is already spent gives EMPTY
    /// output (a known limitation of the precompile).
    /// @param txid Transaction id in display order.
    /// @param outputIndex Zero-based output index (vout).
    /// @param maxScriptLen Maximum number of script bytes to return.
    /// @return ok Whether the staticcall succeeded.
    /// @return out value(8) || fullPkScriptLen(2) || pkScript[:maxScriptLen] || flag(1).
    function outputByTxid(bytes32 txid, uint16 outputIndex, uint16 maxScriptLen)
        internal
        view
        returns (bool ok, bytes memory out)
    {
        // input: txid(32) || outputIdx uint16 (2) || maxScriptLen uint16 (2)
        return BTC_OUTPUT_BY_TXID.staticcall(abi.encodePacked(txid, outputIndex, maxScriptLen));
    }

    /// @notice Calls 0x49 (one witness element of one input).
    /// @param txid Transaction id in display order.
    /// @param inputIndex Zero-based input index.
    /// @param witnessIndex Zero-based index of the witness element.
    /// @param maxLen Maximum number of element bytes to return.
    /// @return ok Whether the staticcall succeeded.
    /// @return out len(2) || element[:maxLen]; empty if there is no witness or the index is past the last element.
    function txInputWitness(bytes32 txid, uint16 inputIndex, uint16 witnessIndex, uint16 maxLen)
        internal
        view
        returns (bool ok, bytes memory out)
    {
        // input: txid(32) || inputIdx uint16 (2) || witnessIdx uint16 (2) || maxLen uint16 (2)
        return BTC_TX_INPUT_WITNESS.staticcall(abi.encodePacked(txid, inputIndex, witnessIndex, maxLen));
    }

    // ------------------------------------------------------------------------------------------------------------
    // Typed decoders
    // ------------------------------------------------------------------------------------------------------------

    /// @notice Decodes a 0x40 output.
    /// @param out Raw output of `balance`.
    /// @return sats The balance; 0 for an empty output (address too short or not decodable).
    function decodeBalance(bytes memory out) internal pure returns (uint64 sats) {
        if (out.length == 0) return 0;
        // [0, 8): balance, uint64 big-endian
        return uint64(readUint(out, 0, 8));
    }

    /// @notice Decodes a 0x43 output.
    /// @param out Raw output of `txConfirmations` (the call must have succeeded).
    /// @return confirmations Confirmations; 1 means the transaction is in the tip block.
    function decodeConfirmations(bytes memory out) internal pure returns (uint32 confirmations) {
        // [0, 4): confirmations, uint32 big-endian
        return uint32(readUint(out, 0, 4));
    }

    /// @notice Decodes the 116-byte header frame of 0x44 / 0x45.
    /// @param out Raw output (at least 116 bytes; extra bytes are ignored).
    /// @return header The header fields with its height; hashes stay in display order.
    function decodeHeader(bytes memory out) internal pure returns (BitcoinHeader memory header) {
        requireLength(out, HEADER_FRAME_LENGTH);
        // [0, 4): height, uint32 BE
        header.height = uint32(readUint(out, 0, 4));
        // [4, 36): block hash, 32 bytes display order
        header.blockHash = readBytes32(out, 4);
        // [36, 40): version, uint32 BE
        header.version = uint32(readUint(out, 36, 4));
        // [40, 72): previous block hash, 32 bytes display order
        header.previousBlockHash = readBytes32(out, 40);
        // [72, 104): merkle root, 32 bytes display order
        header.merkleRoot = readBytes32(out, 72);
        // [104, 108): timestamp, uint32 BE
        header.timestamp = uint32(readUint(out, 104, 4));
        // [108, 112): bits, uint32 BE
        header.bits = uint32(readUint(out, 108, 4));
        // [112, 116): nonce, uint32 BE
        header.nonce = uint32(readUint(out, 112, 4));
    }

    /// @notice Decodes a 0x41 output into UTXO structs.
    /// @dev `scriptPubKey` is left empty (0x41 does not return it). An empty output decodes to an empty list.
    /// @param out Raw output of `utxos`.
    /// @return list The UTXOs in the order the precompile returned them.
    function decodeUtxos(bytes memory out) internal pure returns (UTXO[] memory list) {
        if (out.length == 0) return new UTXO[](0);
        // [0, 1): number of entries n, uint8
        uint256 n = readUint(out, 0, 1);
        requireLength(out, 1 + n * UTXO_ENTRY_LENGTH);
        list = new UTXO[](n);
        uint256 pos = 1;
        for (uint256 i = 0; i < n; i++) {
            // +0 (32): txid, display order
            list[i].txId = readBytes32(out, pos);
            // +32 (2): vout, uint16 BE
            list[i].index = readUint(out, pos + 32, 2);
            // +34 (8): value in sats, uint64 BE
            list[i].value = readUint(out, pos + 34, 8);
            pos += UTXO_ENTRY_LENGTH;
        }
    }

    // ------------------------------------------------------------------------------------------------------------
    // Bounds-checked readers (revert with Panic(0x32) past the end, like an out-of-range array read)
    // ------------------------------------------------------------------------------------------------------------

    /// @notice Reads a big-endian unsigned integer of `width` bytes (1-32) at `offset`.
    /// @param data Buffer.
    /// @param offset Byte offset of the first (most significant) byte.
    /// @param width Number of bytes.
    /// @return value The integer.
    function readUint(bytes memory data, uint256 offset, uint256 width) internal pure returns (uint256 value) {
        require(width != 0 && width <= 32, "HvmPrecompiles: width");
        requireLength(data, offset + width);
        assembly {
            value := shr(sub(256, shl(3, width)), mload(add(add(data, 32), offset)))
        }
    }

    /// @notice Reads 32 bytes at `offset` as a bytes32 (byte order unchanged).
    /// @param data Buffer.
    /// @param offset Byte offset.
    /// @return value The 32 bytes.
    function readBytes32(bytes memory data, uint256 offset) internal pure returns (bytes32 value) {
        requireLength(data, offset + 32);
        assembly {
            value := mload(add(add(data, 32), offset))
        }
    }

    /// @notice Copies `length` bytes starting at `offset` into a new buffer.
    /// @param data Buffer.
    /// @param offset First byte to copy.
    /// @param length Number of bytes.
    /// @return part The copy.
    function slice(bytes memory data, uint256 offset, uint256 length) internal pure returns (bytes memory part) {
        requireLength(data, offset + length);
        part = new bytes(length);
        assembly {
            let src := add(add(data, 32), offset)
            let dst := add(part, 32)
            // word-wise copy; the last word may write past `length` inside the freshly allocated, padded area
            for { let i := 0 } lt(i, length) { i := add(i, 32) } {
                mstore(add(dst, i), mload(add(src, i)))
            }
            // clear the bytes written past `length` in the last word so the buffer's padding stays zero
            let end := add(dst, length)
            mstore(end, 0)
        }
    }

    /// @notice Reverts with Panic(0x32) (array index out of bounds) unless `data` holds at least `end` bytes.
    /// @param data Buffer.
    /// @param end Minimum length.
    function requireLength(bytes memory data, uint256 end) internal pure {
        if (end > data.length) {
            assembly {
                mstore(0, shl(224, 0x4e487b71))
                mstore(4, 0x32)
                revert(0, 0x24)
            }
        }
    }
}
