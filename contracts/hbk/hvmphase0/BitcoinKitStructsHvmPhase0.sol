// SPDX-License-Identifier: MIT
pragma solidity ^0.8.0;

import {UTXO, BitcoinHeader} from "../BitcoinKitStructs.sol";

// Data shapes of the hBK ABI that Hemi published in hemilabs/bitcoin-tunnel-contracts
// (contracts/bitcoinkit/BitcoinKitStructs.sol), for the `hvmphase0` profile. `UTXO` and `BitcoinHeader` are the
// same as in the deployed ABI and are imported from it; `Transaction`, `Input` and `Output` differ (no
// `witnessElements`, a `spentDetail` field), so a file must not import both this file and ../BitcoinKitStructs.sol.
// Field order is part of the ABI: changing it changes how return data decodes.

/// @notice A Bitcoin transaction as seen by the hVM, with its inputs and outputs.
/// @dev `inputs`/`outputs` may be truncated; `totalInputs`/`totalOutputs` give the real counts and
/// `containsAllInputs`/`containsAllOutputs` say whether nothing was cut off.
struct Transaction {
    bytes32 containingBlockHash;
    uint256 transactionVersion;
    uint256 size;
    uint256 vSize;
    uint256 lockTime;
    Input[] inputs;
    Output[] outputs;
    uint256 totalInputs;
    uint256 totalOutputs;
    bool containsAllInputs;
    bool containsAllOutputs;
}

/// @notice One transaction input: the output it spends and its unlocking script.
/// @dev `scriptSig` may be a prefix of the real script; `fullScriptSigLength` is its real length and
/// `containsFullScriptSig` says whether `scriptSig` is complete.
struct Input {
    uint256 inValue;
    bytes32 inputTxId;
    uint256 sourceIndex;
    bytes scriptSig;
    uint256 sequence;
    uint256 fullScriptSigLength;
    bool containsFullScriptSig;
}

/// @notice One transaction output: its value, locking script and spend status.
/// @dev `script` may be a prefix of the real script (`fullScriptLength`, `containsFullScript`).
/// Implementations may leave `outputAddress`, `isOpReturn`, `opReturnData` and `spentDetail` unset.
struct Output {
    uint256 outValue;
    bytes script;
    string outputAddress;
    bool isOpReturn;
    bytes opReturnData;
    bool isSpent;
    uint256 fullScriptLength;
    bool containsFullScript;
    SpentDetail spentDetail;
}

/// @notice Where an output was spent: the spending transaction and the index of its input.
struct SpentDetail {
    bytes32 spendingTxId;
    uint256 inputIndex;
}
