// SPDX-License-Identifier: MIT
pragma solidity ^0.8.0;

// The hBK interface and the hVM precompile library ship inside the hemi-sdk package; "@hemi/" resolves to them in
// hemi.compiler, in ape (the `hemi_sdk` dependency in ape-config.yaml) and in Foundry (`hemi remappings`).
import "@hemi/hbk/IBitcoinKit.sol";
import {HvmPrecompiles} from "@hemi/lib/HvmPrecompiles.sol";

/// Reads the Bitcoin tip the hVM sees, once through hBK and once through the raw precompile, and remembers it.
contract BtcTipReader {
    IBitcoinKit public immutable kit;
    uint32 public lastSeenHeight;

    event TipSeen(uint32 height, bytes32 blockHash);

    constructor(address kit_) {
        kit = IBitcoinKit(kit_);
    }

    function tipHeight() external view returns (uint32) {
        return kit.getLastHeader().height;
    }

    function precompileAnswers() external view returns (bool ok) {
        (ok, ) = HvmPrecompiles.lastHeader();
    }

    function record() external returns (uint32 height) {
        BitcoinHeader memory header = kit.getLastHeader();
        lastSeenHeight = header.height;
        emit TipSeen(header.height, header.blockHash);
        return header.height;
    }
}
