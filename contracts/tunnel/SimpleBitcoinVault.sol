// SPDX-License-Identifier: MIT
pragma solidity ^0.8.0;

import "../hbk/IBitcoinKit.sol";
import "../lib/BtcScript.sol";
import "./TunnelConstants.sol";

/// @title SimpleBitcoinVault (hemi-sdk)
/// @notice One Bitcoin custody vault of the hemi-sdk tunnel: it holds the custody scriptPubKey and the operator,
/// records deposits (one per Bitcoin txid) and withdrawals, and checks everything against the Bitcoin chain
/// through hBK (IBitcoinKit at its Hemi mainnet address). Deposits, withdrawal requests and challenges arrive
/// through the BitcoinTunnelManager; `finalizeWithdrawal` is called directly (by anyone) with the payout txid.
/// @dev hemi-sdk's own simplified vault: no collateral, liquidation, sweeps or fee-change delays (hemi-protocol.md
/// §3.1 "Other vault mechanics" are not modelled). The devchain places this RUNTIME code at
/// SIMPLE_BITCOIN_VAULT_ADDRESS (0x84000000000000000000000000000000000000B7, a hemi-sdk choice) in genesis, so there
/// is no constructor; `initialize` sets it up once.
///
/// Checks on a deposit (`confirmDeposit`): txid not confirmed before; output index < 8; the tx is known to hBK with
/// at least MIN_BITCOIN_CONFIRMATIONS (4) confirmations; the output pays exactly the custody script (keccak of the
/// full script; hBK cuts scripts to 64 bytes, custody scripts are at most 34); value >= MINIMUM_DEPOSIT_SATS and
/// > the deposit fee; the recipient is read from the FIRST OP_RETURN among the first 8 outputs, whose pushed data
/// is either 20 raw address bytes (`6a 14 <addr>`) or 40 ASCII hex characters, any case, no 0x (`6a 28 <hex>`).
///
/// Checks on a payout (`finalizeWithdrawal`): the withdrawal is pending; the txid was not used for another
/// withdrawal; at least 4 confirmations; exactly one input, which spends an output paying the custody script
/// (of a non-coinbase transaction: hBK cannot read coinbase transactions; so with several custody outputs the
/// operator first consolidates them into one with a custody-to-custody sweep, which the vault does not track);
/// 2 or 3 outputs: out0 pays exactly `amount - fee` to the requested script, with 3 outputs out1 is change to the
/// custody script; the last output is an OP_RETURN whose first 4 pushed bytes are the vault uuid (uint32 BE).
///
/// OP_RETURN outputs are recognised from the output script itself (BtcScript), not from hBK's `isOpReturn` /
/// `opReturnData` fields, so the vault also works with Hemi's published kit, which leaves those fields empty.
contract SimpleBitcoinVault {
    /// @notice Life cycle of a withdrawal.
    enum WithdrawalStatus {
        NONE, // no such withdrawal
        PENDING, // hemiBTC burned, waiting for the operator's Bitcoin payout
        FINALIZED, // payout verified on Bitcoin
        CHALLENGED // not paid within the grace period: hemiBTC re-minted to the withdrawer
    }

    /// @notice A confirmed deposit.
    struct Deposit {
        address recipient; // EVM account credited (from the OP_RETURN)
        uint256 outputIndex; // vout of the custody output
        uint256 depositSats; // value of the custody output
        uint256 feeSats; // deposit fee kept by the vault
        uint256 netSats; // hemiBTC minted: depositSats - feeSats
        uint256 confirmedAt; // L2 block timestamp of confirmDeposit
    }

    /// @notice A withdrawal request.
    struct Withdrawal {
        address withdrawer; // account whose hemiBTC was burned (and re-minted on a challenge)
        uint256 amountSats; // hemiBTC burned
        uint256 feeSats; // withdrawal fee: the payout is amountSats - feeSats
        bytes destinationScript; // scriptPubKey to pay on Bitcoin
        uint256 requestedAt; // L2 block timestamp of initiateWithdrawal
        WithdrawalStatus status;
        bytes32 payoutTxId; // Bitcoin txid that finalized it (0 until FINALIZED)
    }

    /// @notice Emitted by finalizeWithdrawal. hemi-sdk's own event: Hemi's vault emits nothing here.
    event WithdrawalFinalized(uint32 indexed withdrawalIndex, bytes32 indexed payoutTxId, address indexed withdrawer,
        uint256 netSats);
    /// @notice Emitted by setFees. hemi-sdk's own event.
    event FeesChanged(uint256 depositFeeSats, uint256 withdrawalFeeSats);

    /// @notice Deposit fee set by `initialize` (sats per deposit, kept in custody as operator revenue).
    uint256 public constant DEFAULT_DEPOSIT_FEE_SATS = 1_000;
    /// @notice Withdrawal fee set by `initialize` (sats per withdrawal; pays the operator's Bitcoin miner fee).
    uint256 public constant DEFAULT_WITHDRAWAL_FEE_SATS = 10_000;

    bytes private _custodyScript;
    bytes32 private _custodyScriptHash;
    address public operator;
    bool public initialized;
    uint256 public depositFeeSats;
    uint256 public withdrawalFeeSats;

    mapping(bytes32 => Deposit) private _deposits;
    mapping(uint32 => Withdrawal) private _withdrawals;
    mapping(bytes32 => bool) private _payoutUsed;
    /// @notice Vault-specific uuid of the newest withdrawal (uuids count from 1).
    uint32 public withdrawalCounter;
    /// @notice Withdrawals neither finalized nor challenged.
    uint256 public pendingWithdrawals;

    /// @notice Sum of confirmed deposit outputs (gross sats).
    uint256 public totalDepositedSats;
    /// @notice Sum of deposit fees kept.
    uint256 public totalDepositFeesSats;
    /// @notice hemiBTC minted for deposits (net of fees).
    uint256 public totalMintedSats;
    /// @notice hemiBTC burned by initiated withdrawals.
    uint256 public totalWithdrawnSats;
    /// @notice hemiBTC re-minted by successful challenges.
    uint256 public totalRemintedSats;
    /// @notice Amount (gross, fee included) of withdrawals finalized by a Bitcoin payout.
    uint256 public totalFinalizedSats;

    modifier onlyManager() {
        require(msg.sender == TUNNEL_MANAGER_ADDRESS, "caller is not the tunnel manager");
        _;
    }

    modifier whenInitialized() {
        require(initialized, "vault not initialized");
        _;
    }

    // ------------------------------------------------------------------------------------------------ setup

    /// @notice One-time setup (the genesis state has no constructor run). Anyone may call it once; the devchain
    /// calls it before `BitcoinTunnelManager.initialize`. Fees start at the DEFAULT_* constants.
    /// @param custodyScriptPubKey scriptPubKey of the custody address (the operator's Bitcoin wallet), 1..64 bytes.
    /// @param operatorAccount EVM account of the (simulated) operator; may change fees.
    function initialize(bytes calldata custodyScriptPubKey, address operatorAccount) external {
        require(!initialized, "vault already initialized");
        require(custodyScriptPubKey.length != 0 && custodyScriptPubKey.length <= 64, "invalid custody script");
        require(operatorAccount != address(0), "invalid operator");
        _custodyScript = custodyScriptPubKey;
        _custodyScriptHash = keccak256(custodyScriptPubKey);
        operator = operatorAccount;
        depositFeeSats = DEFAULT_DEPOSIT_FEE_SATS;
        withdrawalFeeSats = DEFAULT_WITHDRAWAL_FEE_SATS;
        initialized = true;
        emit FeesChanged(DEFAULT_DEPOSIT_FEE_SATS, DEFAULT_WITHDRAWAL_FEE_SATS);
    }

    /// @notice Changes the fees at once (Hemi delays fee changes by 1-4 h; hemi-sdk does not). Operator only.
    /// Pending withdrawals keep the fee they were created with.
    /// @param newDepositFeeSats Fee per deposit; below MINIMUM_DEPOSIT_SATS.
    /// @param newWithdrawalFeeSats Fee per withdrawal; below MINIMUM_WITHDRAWAL_SATS.
    function setFees(uint256 newDepositFeeSats, uint256 newWithdrawalFeeSats) external whenInitialized {
        require(msg.sender == operator, "caller is not the operator");
        require(newDepositFeeSats < MINIMUM_DEPOSIT_SATS && newWithdrawalFeeSats < MINIMUM_WITHDRAWAL_SATS,
            "fee too high");
        depositFeeSats = newDepositFeeSats;
        withdrawalFeeSats = newWithdrawalFeeSats;
        emit FeesChanged(newDepositFeeSats, newWithdrawalFeeSats);
    }

    // ------------------------------------------------------------------------------------------------ views

    /// @notice The custody scriptPubKey deposits must pay.
    /// @return The script given to initialize.
    function custodyScript() external view returns (bytes memory) {
        return _custodyScript;
    }

    /// @notice Whether a Bitcoin txid has been confirmed as a deposit.
    /// @param txid Deposit txid (display order, as hBK takes it).
    /// @return True once confirmDeposit succeeded for it.
    function isDepositConfirmed(bytes32 txid) external view returns (bool) {
        return _deposits[txid].recipient != address(0);
    }

    /// @notice A confirmed deposit (all zero if none).
    /// @param txid Deposit txid.
    /// @return The deposit record.
    function getDeposit(bytes32 txid) external view returns (Deposit memory) {
        return _deposits[txid];
    }

    /// @notice A withdrawal (status NONE if unknown).
    /// @param withdrawalIndex Vault-specific uuid (the low 32 bits of the manager's uuid).
    /// @return The withdrawal record.
    function getWithdrawal(uint32 withdrawalIndex) external view returns (Withdrawal memory) {
        return _withdrawals[withdrawalIndex];
    }

    /// @notice Whether a Bitcoin txid already finalized a withdrawal.
    /// @param txid Payout txid.
    /// @return True if used.
    function isPayoutUsed(bytes32 txid) external view returns (bool) {
        return _payoutUsed[txid];
    }

    /// @notice hemiBTC this vault accounts for: minted for deposits - burned by withdrawals + re-minted.
    /// With one vault this equals hemiBTC's totalSupply.
    /// @return Sats outstanding.
    function outstandingSats() public view returns (uint256) {
        return totalMintedSats + totalRemintedSats - totalWithdrawnSats;
    }

    /// @notice All accounting totals at once (see the individual getters).
    function totals()
        external
        view
        returns (
            uint256 depositedSats,
            uint256 depositFeesSats,
            uint256 mintedSats,
            uint256 withdrawnSats,
            uint256 remintedSats,
            uint256 finalizedSats,
            uint256 outstanding
        )
    {
        return (totalDepositedSats, totalDepositFeesSats, totalMintedSats, totalWithdrawnSats, totalRemintedSats,
            totalFinalizedSats, outstandingSats());
    }

    // ------------------------------------------------------------------------------------------------ deposits

    /// @notice Verifies a Bitcoin deposit through hBK and records it. Called by the manager's confirmDeposit,
    /// which then mints `netSats` to `recipient`.
    /// @param txid Deposit txid (display order).
    /// @param outputIndex vout of the output paying the custody script (< 8).
    /// @return recipient EVM account named by the deposit's OP_RETURN.
    /// @return depositSats Value of the custody output.
    /// @return netSats depositSats minus the deposit fee.
    function confirmDeposit(bytes32 txid, uint256 outputIndex, bytes calldata /* extraInfo: unused */)
        external
        onlyManager
        whenInitialized
        returns (address recipient, uint256 depositSats, uint256 netSats)
    {
        require(_deposits[txid].recipient == address(0), "deposit already confirmed");
        require(outputIndex < MAX_DEPOSIT_OUTPUT_INDEX, "deposit output index must be below 8");
        IBitcoinKit kit = IBitcoinKit(BITCOIN_KIT_ADDRESS);
        // an unknown txid would make getTxConfirmations' precompile call fail and burn its gas: ask first
        require(kit.transactionExists(txid), "deposit transaction not found");
        require(kit.getTxConfirmations(txid) >= MIN_BITCOIN_CONFIRMATIONS, "not enough bitcoin confirmations");
        Transaction memory btx = kit.getTransactionByTxId(txid);
        require(outputIndex < btx.outputs.length, "deposit output index out of range");
        Output memory out = btx.outputs[outputIndex];
        require(_paysCustody(out), "deposit output does not pay the custody script");
        depositSats = out.outValue;
        require(depositSats >= MINIMUM_DEPOSIT_SATS, "below minimum deposit");
        uint256 fee = depositFeeSats;
        require(depositSats > fee, "deposit does not cover the fee");
        recipient = _depositRecipient(btx.outputs);
        require(recipient != address(0), "invalid deposit recipient");
        netSats = depositSats - fee;
        _deposits[txid] = Deposit(recipient, outputIndex, depositSats, fee, netSats, block.timestamp);
        totalDepositedSats += depositSats;
        totalDepositFeesSats += fee;
        totalMintedSats += netSats;
    }

    /// @dev Recipient from the first OP_RETURN among the first 8 outputs; address(0) if there is none or its data
    /// is neither 20 raw bytes nor 40 hex characters.
    function _depositRecipient(Output[] memory outputs) internal pure returns (address) {
        uint256 n = outputs.length < MAX_DEPOSIT_OUTPUT_INDEX ? outputs.length : MAX_DEPOSIT_OUTPUT_INDEX;
        for (uint256 i = 0; i < n; i++) {
            bytes memory script = outputs[i].script;
            if (!BtcScript.isOpReturn(script)) continue;
            bytes memory data = BtcScript.opReturnData(script);
            if (data.length == 20) return address(bytes20(data));
            if (data.length == 40) return _parseHexAddress(data);
            return address(0);
        }
        return address(0);
    }

    /// @dev 40 ASCII hex digits (either case, no 0x) as an address; address(0) if any character is not hex.
    function _parseHexAddress(bytes memory hexChars) internal pure returns (address) {
        uint160 value = 0;
        for (uint256 i = 0; i < 40; i++) {
            uint8 c = uint8(hexChars[i]);
            uint8 digit;
            if (c >= 0x30 && c <= 0x39) digit = c - 0x30; // 0-9
            else if (c >= 0x61 && c <= 0x66) digit = c - 0x61 + 10; // a-f
            else if (c >= 0x41 && c <= 0x46) digit = c - 0x41 + 10; // A-F
            else return address(0);
            value = (value << 4) | digit;
        }
        return address(value);
    }

    /// @dev Whether an output pays exactly the custody script (complete script, same keccak).
    function _paysCustody(Output memory out) internal view returns (bool) {
        return out.fullScriptLength == out.script.length && keccak256(out.script) == _custodyScriptHash;
    }

    // ------------------------------------------------------------------------------------------------ withdrawals

    /// @notice Records a withdrawal whose hemiBTC the manager has just burned.
    /// @param destinationScript scriptPubKey to pay (20..64 bytes, checked by the manager).
    /// @param amountSats hemiBTC burned (>= MINIMUM_WITHDRAWAL_SATS, checked by the manager).
    /// @param withdrawer Account whose hemiBTC was burned.
    /// @return feeSats Withdrawal fee (the payout is amountSats - feeSats).
    /// @return withdrawalIndex Vault-specific uuid (from 1), the 4 bytes the payout's OP_RETURN must start with.
    function initiateWithdrawal(bytes calldata destinationScript, uint256 amountSats, address withdrawer)
        external
        onlyManager
        whenInitialized
        returns (uint256 feeSats, uint32 withdrawalIndex)
    {
        require(pendingWithdrawals < MAX_WITHDRAWAL_QUEUE_SIZE, "withdrawal queue full");
        feeSats = withdrawalFeeSats;
        require(amountSats > feeSats, "withdrawal does not cover the fee");
        withdrawalIndex = ++withdrawalCounter;
        _withdrawals[withdrawalIndex] = Withdrawal(withdrawer, amountSats, feeSats, destinationScript, block.timestamp,
            WithdrawalStatus.PENDING, bytes32(0));
        pendingWithdrawals += 1;
        totalWithdrawnSats += amountSats;
    }

    /// @notice Marks a withdrawal not paid within WITHDRAWAL_GRACE_PERIOD_SECONDS as challenged; the manager then
    /// re-mints `amountSats` to `withdrawer`.
    /// @param withdrawalIndex Vault-specific uuid.
    /// @return withdrawer Account to re-mint to.
    /// @return amountSats hemiBTC to re-mint (the full amount burned, fee included).
    function challengeWithdrawal(uint32 withdrawalIndex, bytes calldata /* extraInfo: unused */)
        external
        onlyManager
        returns (address withdrawer, uint256 amountSats)
    {
        Withdrawal storage w = _withdrawals[withdrawalIndex];
        _requirePending(w.status);
        require(block.timestamp >= w.requestedAt + WITHDRAWAL_GRACE_PERIOD_SECONDS,
            "withdrawal grace period not over");
        w.status = WithdrawalStatus.CHALLENGED;
        pendingWithdrawals -= 1;
        totalRemintedSats += w.amountSats;
        return (w.withdrawer, w.amountSats);
    }

    /// @notice Proves through hBK that the operator paid a withdrawal out on Bitcoin, and marks it finalized.
    /// Anyone may call it (the proof is the Bitcoin transaction). Emits hemi-sdk's WithdrawalFinalized.
    /// @param txid Payout txid (display order).
    /// @param withdrawalIndex Vault-specific uuid of the withdrawal paid.
    function finalizeWithdrawal(bytes32 txid, uint32 withdrawalIndex) external whenInitialized {
        Withdrawal storage w = _withdrawals[withdrawalIndex];
        _requirePending(w.status);
        require(!_payoutUsed[txid], "payout transaction already used");
        IBitcoinKit kit = IBitcoinKit(BITCOIN_KIT_ADDRESS);
        require(kit.transactionExists(txid), "payout transaction not found");
        require(kit.getTxConfirmations(txid) >= MIN_BITCOIN_CONFIRMATIONS, "not enough bitcoin confirmations");
        Transaction memory btx = kit.getTransactionByTxId(txid);
        require(btx.totalInputs == 1 && btx.inputs.length == 1, "payout must spend exactly one input");
        uint256 nOut = btx.totalOutputs;
        require((nOut == 2 || nOut == 3) && btx.outputs.length == nOut, "payout must have 2 or 3 outputs");
        Output memory pay = btx.outputs[0];
        require(pay.outValue == w.amountSats - w.feeSats, "payout amount mismatch");
        require(pay.fullScriptLength == pay.script.length && keccak256(pay.script) == keccak256(w.destinationScript),
            "payout destination mismatch");
        if (nOut == 3) require(_paysCustody(btx.outputs[1]), "payout change must return to the custody script");
        bytes memory last = btx.outputs[nOut - 1].script;
        bytes memory data = BtcScript.opReturnData(last);
        require(BtcScript.isOpReturn(last) && data.length >= 4 && _beUint32(data) == withdrawalIndex,
            "payout OP_RETURN does not carry the withdrawal uuid");
        Input memory input = btx.inputs[0];
        // hBK cannot read coinbase transactions (0x42 returns nothing for them), so a coinbase output is never
        // accepted as the custody output spent; the operator pays from deposit outputs or its own sweep outputs.
        require(kit.transactionExists(input.inputTxId), "payout input transaction not found");
        Output memory spent = kit.getSpecificTxOutput(input.inputTxId, uint32(input.sourceIndex));
        require(_paysCustody(spent), "payout must spend a custody output");
        w.status = WithdrawalStatus.FINALIZED;
        w.payoutTxId = txid;
        _payoutUsed[txid] = true;
        pendingWithdrawals -= 1;
        totalFinalizedSats += w.amountSats;
        emit WithdrawalFinalized(withdrawalIndex, txid, w.withdrawer, w.amountSats - w.feeSats);
    }

    /// @dev First 4 bytes as a big-endian uint32.
    function _beUint32(bytes memory data) internal pure returns (uint32) {
        return (uint32(uint8(data[0])) << 24) | (uint32(uint8(data[1])) << 16) | (uint32(uint8(data[2])) << 8)
            | uint32(uint8(data[3]));
    }

    function _requirePending(WithdrawalStatus status) internal pure {
        require(status != WithdrawalStatus.NONE, "unknown withdrawal");
        require(status != WithdrawalStatus.FINALIZED, "withdrawal already finalized");
        require(status != WithdrawalStatus.CHALLENGED, "withdrawal already challenged");
    }
}
