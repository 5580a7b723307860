// SPDX-License-Identifier: MIT
pragma solidity ^0.8.0;

// Data shapes returned by the Hemi Bitcoin Kit (hBK) deployed on Hemi, as hemi-viem decodes them
// (hemilabs/hemi-viem src/contracts/bitcoin-kit-txs.ts, "Update bitcoin kit abi", 2025-02-27). They are declared
// at file level so that `IBitcoinKit` and any contract importing this file can use them without a qualifier.
// Field order is part of the ABI: changing it changes how return data decodes.

/// @notice An unspent output held by a Bitcoin address.
/// @dev `scriptPubKey` may be left empty by implementations that do not look the script up.
struct UTXO {
    bytes32 txId;
    uint256 index;
    uint256 value;
    bytes scriptPubKey;
}

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

/// @notice One transaction input: the output it spends, its unlocking script and its witness size.
/// @dev `witnessElements` is the number of witness stack items of the input (0 for a non-segwit input).
/// `scriptSig` may be a prefix of the real script; `fullScriptSigLength` is its real length and
/// `containsFullScriptSig` says whether `scriptSig` is complete.
struct Input {
    uint256 witnessElements;
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
/// Implementations may leave `outputAddress`, `isOpReturn` and `opReturnData` unset.
struct Output {
    uint256 outValue;
    bytes script;
    string outputAddress;
    bool isOpReturn;
    bytes opReturnData;
    bool isSpent;
    uint256 fullScriptLength;
    bool containsFullScript;
}

/// @notice A Bitcoin block header together with the height it sits at.
struct BitcoinHeader {
    uint32 height;
    bytes32 blockHash;
    uint32 version;
    bytes32 previousBlockHash;
    bytes32 merkleRoot;
    uint32 timestamp;
    uint32 bits;
    uint32 nonce;
}
