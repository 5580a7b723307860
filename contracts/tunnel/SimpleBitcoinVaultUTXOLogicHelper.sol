// SPDX-License-Identifier: MIT
pragma solidity ^0.8.0;

import "../hbk/IBitcoinKit.sol";
import "./TunnelConstants.sol";
import "./VaultUtils.sol";

/// @dev What the helper reads from a vault's state child.
interface IVaultStateReads {
    function isDepositAcknowledged(bytes32 txid) external view returns (bool);
    function calculateDepositFee(uint256 depositAmount) external view returns (uint256);
    function getCollectableFees(bytes32 depositTxId) external view returns (uint256);
    function getDepositOutputIndex(bytes32 depositTxId) external view returns (uint256);
    function checkPendingWithdrawalsForMatch(bytes32 scriptHash, uint256 outputAmount) external view returns (bool);
    function getWithdrawalAmountAndFee(uint32 uuid) external view returns (uint256 amount, uint256 fee,
        bytes32 destinationScriptHash);
}

/// @title SimpleBitcoinVaultUTXOLogicHelper (hemi-sdk)
/// @notice Stateless checks of Bitcoin transactions for the vaults, read through hBK: deposits, withdrawal payouts,
/// sweeps and misbehaviour reports. The rules are those of hemilabs/bitcoin-tunnel-contracts
/// contracts/vaults/SimpleBitcoinVault/SimpleBitcoinVaultUTXOLogicHelper.sol (see docs/tunnel.md); the code is
/// hemi-sdk's own. It reads only transactionExists, getTxConfirmations and getTransactionByTxId (fields outValue,
/// script, inValue, inputTxId, sourceIndex, totalInputs, totalOutputs), which both hBK ABIs share.
contract SimpleBitcoinVaultUTXOLogicHelper is VaultUtils {
    /// @notice Most outputs a deposit's recipient OP_RETURN and custody output are looked for in.
    uint256 public constant MAX_DEPOSIT_OUTPUTS = 8;
    /// @notice Inputs a sweep may have: the current sweep UTXO plus 1..7 confirmed deposits.
    uint256 public constant MIN_SWEEP_INPUTS = 2;
    uint256 public constant MAX_SWEEP_INPUTS = 8;

    function _kit() private pure returns (IBitcoinKit) {
        return IBitcoinKit(BITCOIN_KIT_ADDRESS);
    }

    /// @notice Checks a deposit: new txid, output index < 8, custody script, minimum, fee; reads the recipient from
    /// the first OP_RETURN of 22 or 42 bytes among the first 8 outputs (OP_RETURNs of other sizes are skipped).
    function checkDepositConfirmationValidity(bytes32 txid, uint256 outputIndex, bytes32 custodyScriptHash,
        address vaultState, uint256 minimumDepositSats)
        external
        view
        returns (uint256 netDepositSats, uint256 depositFeeSats, address depositor)
    {
        IVaultStateReads state = IVaultStateReads(vaultState);
        require(!state.isDepositAcknowledged(txid), "txid has already been confirmed");
        require(outputIndex < MAX_DEPOSIT_OUTPUTS, "output index must be one of the first 8 outputs");
        Transaction memory btx = _kit().getTransactionByTxId(txid);
        require(outputIndex < btx.outputs.length, "claimed output index is beyond the outputs of the transaction");
        uint256 n = btx.outputs.length < MAX_DEPOSIT_OUTPUTS ? btx.outputs.length : MAX_DEPOSIT_OUTPUTS;
        for (uint256 i = 0; i < n; i++) {
            bytes memory s = btx.outputs[i].script;
            if (s.length < 22 || uint8(s[0]) != 0x6a) continue;
            if (s.length == 22) {
                depositor = bytesToAddressOffset(s, 2); // 6a 14 <20 address bytes>
                break;
            }
            if (s.length == 42) {
                depositor = bytesToAddress(hexAsciiBytesToBytes(s, 2, 42)); // 6a 28 <40 hex characters>
                break;
            }
        }
        require(depositor != address(0), "could not extract an EVM address to credit from deposit");
        Output memory out = btx.outputs[outputIndex];
        require(keccak256(out.script) == custodyScriptHash,
            "claimed deposit output script must match vault custody script");
        require(out.outValue >= minimumDepositSats, "deposit must meet the minimum deposit size threshold");
        depositFeeSats = state.calculateDepositFee(out.outValue);
        require(out.outValue > depositFeeSats, "the amount of sats deposited must exceed the fees charged");
        netDepositSats = out.outValue - depositFeeSats;
    }

    /// @notice Big-endian uint32 from the first 4 pushed bytes of an OP_RETURN script.
    function extractWithdrawalIndexFromOpReturn(bytes memory script) public pure returns (uint32) {
        require(script.length >= 6, "op return script not long enough");
        require(uint8(script[0]) == 0x6a, "not an op_return script");
        uint256 c = script.length > 77 ? 3 : 2; // OP_PUSHDATA1 adds a length byte past 75 pushed bytes
        return (uint32(uint8(script[c])) << 24) | (uint32(uint8(script[c + 1])) << 16)
            | (uint32(uint8(script[c + 2])) << 8) | uint32(uint8(script[c + 3]));
    }

    /// @notice Checks a withdrawal payout: one input spending the current sweep UTXO; 2-3 outputs; out0 pays exactly
    /// amount - fee to the requested script; with 3 outputs out1 is change to custody (the new sweep UTXO) and
    /// out2 the OP_RETURN with the uuid, with 2 outputs out1 is the OP_RETURN and no sweep UTXO remains.
    function checkWithdrawalFinalizationValidity(bytes32 txid, uint32 withdrawalIndex, bytes32 custodyScriptHash,
        bytes32 currentSweepUTXO, uint256 currentSweepUTXOOutput, address vaultState)
        external
        view
        returns (uint256 feesOverpaid, uint256 feesCollected, uint256 withdrawalAmount, bool createdOutput,
            uint256 outputValue)
    {
        Transaction memory btx = _kit().getTransactionByTxId(txid);
        require(btx.totalInputs == 1 && btx.inputs.length == 1, "withdrawal transaction must only have one input");
        require(btx.inputs[0].inputTxId == currentSweepUTXO && btx.inputs[0].sourceIndex == currentSweepUTXOOutput,
            "withdrawal transaction must consume the current sweep utxo");
        uint256 nOut = btx.outputs.length;
        require(btx.totalOutputs == nOut && nOut >= 2 && nOut <= 3,
            "withdrawal transaction must have two or three outputs");
        uint256 fee;
        (withdrawalAmount, fee) = _checkPayee(btx.outputs[0], withdrawalIndex, vaultState);
        uint256 kept = btx.outputs[0].outValue;
        createdOutput = nOut == 3;
        if (createdOutput) {
            require(keccak256(btx.outputs[1].script) == custodyScriptHash,
                "withdrawal transaction's 2nd output does not return change to this vault's custody script");
            outputValue = btx.outputs[1].outValue;
            kept += outputValue;
        }
        Output memory marker = btx.outputs[nOut - 1];
        require(extractWithdrawalIndexFromOpReturn(marker.script) == withdrawalIndex,
            "extracted withdrawal index from op_return does not match withdrawal index");
        require(marker.outValue == 0, "op_return must not have a nonzero output value");
        uint256 btcFee = btx.inputs[0].inValue - kept; // miner fee of the payout
        if (fee > btcFee) feesCollected = fee - btcFee;
        else feesOverpaid = btcFee - fee;
    }

    /// @dev out0 must pay exactly amount - fee to the withdrawal's destination script.
    function _checkPayee(Output memory pay, uint32 withdrawalIndex, address vaultState)
        private
        view
        returns (uint256 amount, uint256 fee)
    {
        bytes32 destinationHash;
        (amount, fee, destinationHash) = IVaultStateReads(vaultState).getWithdrawalAmountAndFee(withdrawalIndex);
        require(amount > 0, "withdrawal does not exist");
        require(keccak256(pay.script) == destinationHash,
            "script of first output of withdrawal tx must match script of requested withdrawal");
        require(pay.outValue == amount - fee, "amount of first withdrawal tx output must exactly match net after fees");
    }

    /// @notice Checks a sweep: input 0 spends the current sweep UTXO, inputs 1.. spend confirmed, unswept deposits
    /// at their confirmed output index (2..8 inputs), one output paying the custody script.
    function checkSweepValidity(bytes32 sweepTxId, bytes32 custodyScriptHash, bytes32 currentSweepUTXO,
        uint256 currentSweepUTXOOutput, address vaultState)
        external
        view
        returns (int256 sweptValue, uint256 netDepositValue, uint256 newSweepOutputValue,
            bytes32[] memory sweptDeposits)
    {
        require(sweepTxId != bytes32(0), "sweep txid cannot be zero");
        IBitcoinKit kit = _kit();
        require(kit.transactionExists(sweepTxId), "sweep transaction is not known by hVM");
        Transaction memory btx = kit.getTransactionByTxId(sweepTxId);
        require(btx.totalInputs >= MIN_SWEEP_INPUTS && btx.totalInputs <= MAX_SWEEP_INPUTS
            && btx.inputs.length == btx.totalInputs, "a sweep transaction must have two to eight inputs");
        require(btx.totalOutputs == 1 && btx.outputs.length == 1, "a sweep transaction must have a single output");
        require(keccak256(btx.outputs[0].script) == custodyScriptHash,
            "a sweep transaction must pay this vault's custody script");
        require(btx.inputs[0].inputTxId == currentSweepUTXO && btx.inputs[0].sourceIndex == currentSweepUTXOOutput,
            "a sweep transaction must spend the current sweep utxo as its first input");
        IVaultStateReads state = IVaultStateReads(vaultState);
        sweptDeposits = new bytes32[](btx.inputs.length - 1);
        for (uint256 i = 1; i < btx.inputs.length; i++) {
            Input memory d = btx.inputs[i];
            uint256 fee = state.getCollectableFees(d.inputTxId);
            require(fee > 0, "swept input is not a confirmed, unswept deposit");
            require(state.getDepositOutputIndex(d.inputTxId) == d.sourceIndex,
                "sweep must spend the confirmed output of each deposit");
            netDepositValue += d.inValue - fee;
            sweptDeposits[i - 1] = d.inputTxId;
        }
        newSweepOutputValue = btx.outputs[0].outValue;
        sweptValue = int256(newSweepOutputValue) - int256(btx.inputs[0].inValue);
    }

    /// @notice Whether `txid`, which spends the current sweep UTXO at input `inputIndexToBlame`, is neither a
    /// payout matching a pending withdrawal nor a well-formed sweep.
    function checkSweepSpendInvalidity(bytes32 txid, uint32 inputIndexToBlame, bytes32 custodyScriptHash,
        bytes32 currentSweepUTXO, uint256 currentSweepUTXOOutput, address vaultState)
        external
        view
        returns (bool)
    {
        IBitcoinKit kit = _kit();
        require(kit.transactionExists(txid), "transaction is not known by hVM");
        Transaction memory btx = kit.getTransactionByTxId(txid);
        require(inputIndexToBlame < btx.inputs.length, "input does not exist in transaction");
        Input memory blamed = btx.inputs[inputIndexToBlame];
        require(blamed.inputTxId == currentSweepUTXO && blamed.sourceIndex == currentSweepUTXOOutput,
            "transaction does not spend the current sweep utxo");
        if (btx.totalInputs > MAX_SWEEP_INPUTS) return true;
        IVaultStateReads state = IVaultStateReads(vaultState);
        if (btx.totalInputs == 1) {
            if (btx.totalOutputs < 2 || btx.totalOutputs > 3) return true;
            Output memory pay = btx.outputs[0];
            if (!state.checkPendingWithdrawalsForMatch(keccak256(pay.script), pay.outValue)) return true;
            return btx.totalOutputs == 3 && keccak256(btx.outputs[1].script) != custodyScriptHash;
        }
        return _badSweepShape(btx, custodyScriptHash, state);
    }

    /// @notice Whether `txid`, which spends a confirmed but unswept deposit at input `inputIndexToBlame`, is not a
    /// well-formed sweep of the current sweep UTXO (the only transaction allowed to spend such a deposit).
    function checkConfirmedDepositSpendInvalidity(bytes32 txid, uint32 inputIndexToBlame, bytes32 custodyScriptHash,
        bytes32 currentSweepUTXO, uint256 currentSweepUTXOOutput, address vaultState)
        external
        view
        returns (bool)
    {
        IBitcoinKit kit = _kit();
        require(kit.transactionExists(txid), "transaction is not known by hVM");
        Transaction memory btx = kit.getTransactionByTxId(txid);
        require(inputIndexToBlame < btx.inputs.length, "input does not exist in transaction");
        IVaultStateReads state = IVaultStateReads(vaultState);
        Input memory blamed = btx.inputs[inputIndexToBlame];
        require(state.getCollectableFees(blamed.inputTxId) > 0
            && state.getDepositOutputIndex(blamed.inputTxId) == blamed.sourceIndex,
            "input does not spend a confirmed, unswept deposit");
        if (btx.totalInputs < MIN_SWEEP_INPUTS || btx.totalInputs > MAX_SWEEP_INPUTS || inputIndexToBlame == 0) {
            return true;
        }
        // hemi-sdk simplification: the sweep must spend the CURRENT sweep UTXO (BTC-TC also accepts a chain of up to
        // 10 not-yet-processed sweeps and payouts leading back to it).
        if (btx.inputs[0].inputTxId != currentSweepUTXO || btx.inputs[0].sourceIndex != currentSweepUTXOOutput) {
            return true;
        }
        return _badSweepShape(btx, custodyScriptHash, state);
    }

    function _badSweepShape(Transaction memory btx, bytes32 custodyScriptHash, IVaultStateReads state)
        private
        view
        returns (bool)
    {
        if (btx.totalOutputs != 1 || keccak256(btx.outputs[0].script) != custodyScriptHash) return true;
        for (uint256 i = 1; i < btx.inputs.length; i++) {
            Input memory d = btx.inputs[i];
            if (state.getCollectableFees(d.inputTxId) == 0 || state.getDepositOutputIndex(d.inputTxId) != d.sourceIndex)
            {
                return true;
            }
        }
        return false;
    }
}
