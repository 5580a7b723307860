// SPDX-License-Identifier: MIT
pragma solidity ^0.8.0;

/// @title BtcScript
/// @notice Small helpers over Bitcoin output scripts (scriptPubKey bytes).
/// @dev Internal functions only: the library is inlined into the caller and needs no linking.
library BtcScript {
    /// @notice The OP_RETURN opcode; an output whose script starts with it is provably unspendable.
    uint8 internal constant OP_RETURN = 0x6a;
    /// @notice Push opcode followed by a 1-byte length.
    uint8 internal constant OP_PUSHDATA1 = 0x4c;
    /// @notice Push opcode followed by a 2-byte little-endian length.
    uint8 internal constant OP_PUSHDATA2 = 0x4d;
    /// @notice Push opcode followed by a 4-byte little-endian length.
    uint8 internal constant OP_PUSHDATA4 = 0x4e;

    /// @notice Whether a script is an OP_RETURN (null data) script.
    /// @param script Output script, possibly only a prefix of it.
    /// @return True if the first byte is OP_RETURN (0x6a).
    function isOpReturn(bytes memory script) internal pure returns (bool) {
        return script.length != 0 && uint8(script[0]) == OP_RETURN;
    }

    /// @notice The data pushed right after OP_RETURN.
    /// @dev Reads only the FIRST push after OP_RETURN: a direct push (opcodes 0x01-0x4b push that many bytes),
    /// OP_PUSHDATA1 (1-byte length), OP_PUSHDATA2 (2-byte little-endian length) or OP_PUSHDATA4 (4-byte
    /// little-endian length). Anything else after OP_RETURN (nothing, OP_0, OP_1..OP_16, other opcodes) gives empty
    /// bytes, as does a script that is not an OP_RETURN. When `script` is a truncated prefix (the hVM precompiles
    /// cut scripts to a maximum length) the push is cut at the end of the available bytes, so the result is then
    /// a prefix of the real data.
    /// @param script Output script, possibly only a prefix of it.
    /// @return data The pushed bytes (possibly a prefix), or empty.
    function opReturnData(bytes memory script) internal pure returns (bytes memory data) {
        uint256 n = script.length;
        if (n < 2 || uint8(script[0]) != OP_RETURN) return data;
        uint8 op = uint8(script[1]);
        uint256 start;
        uint256 len;
        if (op >= 0x01 && op <= 0x4b) {
            // [1]: direct push opcode = length; data from [2]
            len = op;
            start = 2;
        } else if (op == OP_PUSHDATA1) {
            // [1]: OP_PUSHDATA1; [2]: length uint8; data from [3]
            if (n < 3) return data;
            len = uint8(script[2]);
            start = 3;
        } else if (op == OP_PUSHDATA2) {
            // [1]: OP_PUSHDATA2; [2, 4): length uint16 LITTLE-endian; data from [4]
            if (n < 4) return data;
            len = uint256(uint8(script[2])) | (uint256(uint8(script[3])) << 8);
            start = 4;
        } else if (op == OP_PUSHDATA4) {
            // [1]: OP_PUSHDATA4; [2, 6): length uint32 LITTLE-endian; data from [6]
            if (n < 6) return data;
            len = uint256(uint8(script[2])) | (uint256(uint8(script[3])) << 8) | (uint256(uint8(script[4])) << 16)
                | (uint256(uint8(script[5])) << 24);
            start = 6;
        } else {
            return data;
        }
        if (start >= n) return data;
        if (len > n - start) len = n - start; // truncated script: keep what is there
        data = new bytes(len);
        for (uint256 i = 0; i < len; i++) {
            data[i] = script[start + i];
        }
    }
}
