// SPDX-License-Identifier: MIT
pragma solidity ^0.8.0;

import "../hbk/IBitcoinKit.sol";
import "./TunnelConstants.sol";
import "./VaultUtils.sol";
import "./SimpleBitcoinVaultState.sol";
import "./SimpleBitcoinVaultUTXOLogicHelper.sol";

interface IVaultConfig {
    function getMinCollateralAssetAmount() external view returns (uint256);
    function getPermittedCollateralAssetContract() external view returns (address);
    function markBtcCustodianshipScriptHashUsed(bytes32 scriptHash) external;
}

interface IVaultCollateralToken {
    function transfer(address to, uint256 value) external returns (bool);
    function transferFrom(address from, address to, uint256 value) external returns (bool);
    function balanceOf(address account) external view returns (uint256);
}

interface IManagerBurn {
    function burnLiquidatedBTC(uint256 amount) external;
}

/// @title SimpleBitcoinVault (hemi-sdk)
/// @notice One Bitcoin custody vault of the tunnel: its operator holds the BTC at `bitcoinCustodyAddress()` and
/// posts collateral; the vault checks deposits, withdrawal payouts and sweeps against Bitcoin through hBK, keeps
/// the current sweep UTXO (the one coin payouts must spend) and its books in a SimpleBitcoinVaultState child.
/// Life cycle: CREATED -> (collateral) INITIALIZING -> (custody address, goLive) LIVE -> (wind down)
/// CLOSING_INIT -> CLOSING_VERIF -> CLOSED.
/// @dev Rules from hemilabs/bitcoin-tunnel-contracts contracts/vaults/SimpleBitcoinVault/SimpleBitcoinVault.sol,
/// ABI from hemilabs/hemi-viem src/contracts/simple-bitcoin-vault.ts; hemi-sdk's own code (docs/tunnel.md). The
/// devchain's vault 0 is written into genesis as runtime code plus the storage its setup leaves
/// (hemi.node.tunnel_genesis relies on the declaration order below); `createVault` deploys more.
contract SimpleBitcoinVault is VaultUtils {
    enum Status { CREATED, INITIALIZING, LIVE, CLOSING_INIT, CLOSING_VERIF, CLOSED }

    event CollateralDeposited(uint256 amountDeposited, uint256 totalCollateral);
    event CollateralWithdrawn(uint256 amountWithdrawn, uint256 totalCollateral);
    event VaultInitializing();
    event VaultLive();
    event VaultClosingInit();
    event VaultClosingVerif();
    event VaultClosed();

    uint32 public constant MIN_BITCOIN_CONFIRMATIONS = 4;
    uint256 public constant MAX_WITHDRAWAL_QUEUE_SIZE = 5;
    uint256 public constant WITHDRAWAL_GRACE_PERIOD_SECONDS = 12 hours;
    uint256 public constant MINIMUM_DEPOSIT_SATS = 1_000_000;
    uint256 public constant MINIMUM_WITHDRAWAL_SATS = 1_000_000;
    uint256 public constant MIN_VALID_BTC_SCRIPT_SIZE = 20;
    uint256 public constant MAX_VALID_BTC_SCRIPT_SIZE = 64;
    uint256 public constant WIND_DOWN_DEPOSIT_GRACE_PERIOD = 4 hours;

    // ---- storage (slot order used by hemi.node.tunnel_genesis) ----
    address public operatorAdmin; // 0
    address public pendingActivationOperatorAdmin; // 1
    address public vaultStateChild; // 2
    uint256 public minCollateralAmount; // 3
    string public bitcoinCustodyAddress; // 4
    bytes32 private custodyScriptHash; // 5
    uint256 private totalPendingFeesCollected; // 6
    bytes32 private currentSweepUTXO; // 7
    uint256 private currentSweepUTXOOutput; // 8
    uint256 private currentSweepUTXOValue; // 9
    uint256 public windDownTime; // 10
    Status private vaultStatus; // 11 (packed)
    bool private custodyAddressSet; // 11 (packed)

    modifier onlyTunnelAdmin() {
        require(msg.sender == TUNNEL_MANAGER_ADDRESS, "caller is not the tunnel manager");
        _;
    }

    modifier onlyOperatorAdmin() {
        require(msg.sender == operatorAdmin, "caller is not the operator admin");
        _;
    }

    modifier onlyStateChild() {
        require(msg.sender == vaultStateChild, "caller is not the vault state child");
        _;
    }

    constructor(address operatorAdmin_) {
        operatorAdmin = operatorAdmin_;
    }

    /// @notice One-time link to the state child, by the manager right after creating both.
    function setVaultStateChild(address child) external onlyTunnelAdmin {
        require(vaultStateChild == address(0), "state child already set");
        vaultStateChild = child;
    }

    function _state() private view returns (SimpleBitcoinVaultState) {
        return SimpleBitcoinVaultState(vaultStateChild);
    }

    function _helper() private pure returns (SimpleBitcoinVaultUTXOLogicHelper) {
        return SimpleBitcoinVaultUTXOLogicHelper(UTXO_LOGIC_HELPER_ADDRESS);
    }

    function _kit() private pure returns (IBitcoinKit) {
        return IBitcoinKit(BITCOIN_KIT_ADDRESS);
    }

    function _collateral() private pure returns (IVaultCollateralToken) {
        return IVaultCollateralToken(COLLATERAL_TOKEN_ADDRESS);
    }

    function tunnelAdmin() external pure returns (address) {
        return TUNNEL_MANAGER_ADDRESS;
    }

    function vaultConfig() external pure returns (address) {
        return GLOBAL_CONFIG_ADDRESS;
    }

    /// @notice hemi-sdk view of the sweep UTXO the next payout or sweep must spend (txid, vout, value in sats).
    function currentSweep() external view returns (bytes32 txid, uint256 outputIndex, uint256 valueSats) {
        return (currentSweepUTXO, currentSweepUTXOOutput, currentSweepUTXOValue);
    }

    /// @notice hemi-sdk view of the operator's fees not yet minted as hemiBTC.
    function pendingOperatorFees() external view returns (uint256) {
        return totalPendingFeesCollected;
    }

    // ------------------------------------------------------------------------------------------------ operator admin

    /// @notice Two steps: the operator admin names a successor, who then calls with its own address.
    function updateOperatorAdmin(address newOperatorAdmin) external {
        require(newOperatorAdmin != address(0), "zero address");
        if (msg.sender == operatorAdmin) {
            pendingActivationOperatorAdmin = newOperatorAdmin;
        } else {
            require(msg.sender == pendingActivationOperatorAdmin && newOperatorAdmin == msg.sender,
                "only the operator admin or its named successor");
            operatorAdmin = newOperatorAdmin;
            pendingActivationOperatorAdmin = address(0);
            _state().updateOperatorAdmin(newOperatorAdmin);
        }
    }

    // ------------------------------------------------------------------------------------------------ life cycle

    function depositCollateral(uint256 amount) external onlyOperatorAdmin returns (bool success) {
        Status s = vaultStatus;
        if (s == Status.CREATED) {
            require(amount > IVaultConfig(GLOBAL_CONFIG_ADDRESS).getMinCollateralAssetAmount(),
                "the first collateral deposit must exceed the minimum collateral amount");
        }
        require(s == Status.CREATED || s == Status.INITIALIZING || s == Status.LIVE,
            "can only deposit collateral to a created, initializing or live vault");
        require(!isWindingDown(), "cannot deposit collateral to a vault that is winding down");
        uint256 before = _collateral().balanceOf(address(this));
        require(_collateral().transferFrom(msg.sender, address(this), amount), "collateral transfer failed");
        require(_collateral().balanceOf(address(this)) == before + amount, "collateral balance did not grow");
        uint256 total = _state().creditOperatorCollateralDeposit(amount);
        if (s == Status.CREATED) {
            vaultStatus = Status.INITIALIZING;
            minCollateralAmount = IVaultConfig(GLOBAL_CONFIG_ADDRESS).getMinCollateralAssetAmount();
            emit VaultInitializing();
        }
        emit CollateralDeposited(amount, total);
        return true;
    }

    /// @notice Sets the custody address once; hBK must convert it to a script of >= 15 bytes that holds no coins.
    function setBtcCustodianshipAddress(string memory btcAddress) external onlyOperatorAdmin {
        require(!custodyAddressSet, "btc custodianship address can only be set once");
        bytes memory script = _kit().getScriptForAddress(btcAddress);
        require(script.length >= 15, "bitcoin address must convert to a script of at least 15 bytes");
        require(_kit().getUTXOsForBitcoinAddress(btcAddress, 0, 1).length == 0,
            "btc custodianship address cannot have any utxos");
        custodyScriptHash = keccak256(script);
        IVaultConfig(GLOBAL_CONFIG_ADDRESS).markBtcCustodianshipScriptHashUsed(custodyScriptHash);
        bitcoinCustodyAddress = btcAddress;
        custodyAddressSet = true;
    }

    function goLive() external onlyOperatorAdmin {
        require(custodyAddressSet, "btc custodianship address must be set before going live");
        require(_state().getOperatorCollateralDeposited() >= minCollateralAmount, "not enough collateral");
        require(vaultStatus == Status.INITIALIZING, "vault must be initializing before going live");
        vaultStatus = Status.LIVE;
        emit VaultLive();
    }

    function hasNeverGoneLive() external view returns (bool) {
        return vaultStatus == Status.CREATED || vaultStatus == Status.INITIALIZING;
    }

    function getStatus() external view returns (Status status) {
        return vaultStatus;
    }

    function requiresDepositPreconfirmation() external pure returns (bool requiresPreconfirmation) {
        return false;
    }

    function preconfirmDeposit(bytes32, uint256, bytes memory) external pure returns (bool) {
        revert("preconfirmations not used for SimpleBitcoinVault");
    }

    function windDownVault() external onlyOperatorAdmin {
        require(windDownTime == 0, "vault is already winding down");
        windDownTime = block.timestamp + WIND_DOWN_DEPOSIT_GRACE_PERIOD;
    }

    function isWindingDown() public view returns (bool windingDown) {
        return windDownTime != 0;
    }

    function finalizeWindDown() external {
        require(isWindingDown(), "vault must be winding down to finalize");
        require(block.timestamp >= windDownTime, "wind down time has not yet occurred");
        require(vaultStatus == Status.LIVE, "can only wind down a live vault");
        vaultStatus = Status.CLOSING_INIT;
        emit VaultClosingInit();
    }

    function enterClosingVerif() external onlyOperatorAdmin {
        require(vaultStatus == Status.CLOSING_INIT, "can only enter CLOSING_VERIF from CLOSING_INIT");
        require(_state().getPendingWithdrawalAmountSat() == _state().getTotalDepositsHeld(),
            "pending withdrawals do not match total deposits held");
        vaultStatus = Status.CLOSING_VERIF;
        emit VaultClosingVerif();
    }

    function closeVault() external onlyOperatorAdmin {
        require(vaultStatus == Status.CLOSING_VERIF, "can only close a vault that is in CLOSING_VERIF");
        require(_state().getTotalDepositsHeld() == 0, "can not close a vault until it has no deposits held");
        vaultStatus = Status.CLOSED;
        totalPendingFeesCollected = 0;
        _returnCollateral();
        emit VaultClosed();
    }

    function closeVaultAfterFullLiquidation() external onlyOperatorAdmin {
        require(_state().isFullLiquidationStarted(), "a full liquidation has not yet started");
        require(_state().hasFullLiquidationDepositGracePeriodElapsed(), "the full liquidation grace period is ongoing");
        require(_state().getTotalDepositsHeld() == 0, "there are unliquidated net deposits held by the vault");
        vaultStatus = Status.CLOSED;
        _returnCollateral();
        emit VaultClosed();
    }

    function _returnCollateral() private {
        uint256 balance = _collateral().balanceOf(address(this));
        require(_collateral().transfer(operatorAdmin, balance), "unable to return collateral to operator");
        emit CollateralWithdrawn(balance, 0);
    }

    // ------------------------------------------------------------------------------------------------ deposits

    /// @notice Checks a deposit (>= 4 hBK confirmations, then SimpleBitcoinVaultUTXOLogicHelper's rules and the
    /// soft collateral limit) and books it. The first deposit with no sweep UTXO becomes the sweep UTXO (its fee
    /// is the operator's at once); later deposits wait, fee pending, for a sweep (processSweep).
    function confirmDeposit(bytes32 txid, uint256 outputIndex, bytes memory)
        external
        onlyTunnelAdmin
        returns (bool success, uint256 totalDepositSats, uint256 netDepositSats, address depositor)
    {
        SimpleBitcoinVaultState state = _state();
        if (state.isFullLiquidationStarted()) {
            require(!state.hasFullLiquidationDepositGracePeriodElapsed(), "vault liquidation grace period elapsed");
        }
        require(_kit().transactionExists(txid), "btc deposit transaction is not known by hVM");
        require(_kit().getTxConfirmations(txid) >= MIN_BITCOIN_CONFIRMATIONS, "btc deposit is not confirmed");
        uint256 fee;
        (netDepositSats, fee, depositor) = _helper().checkDepositConfirmationValidity(
            txid, outputIndex, custodyScriptHash, address(state), MINIMUM_DEPOSIT_SATS);
        totalDepositSats = netDepositSats + fee;
        require(!state.doesDepositExceedSoftCollateralThreshold(totalDepositSats),
            "deposit would exceed soft collateralization threshold");
        state.increaseTotalDepositsHeld(netDepositSats);
        if (currentSweepUTXO == bytes32(0)) {
            (currentSweepUTXO, currentSweepUTXOOutput, currentSweepUTXOValue) = (txid, outputIndex, totalDepositSats);
            _creditFees(fee);
            fee = 0;
        }
        state.acknowledgeDeposit(txid, outputIndex, fee);
        return (true, totalDepositSats, netDepositSats, depositor);
    }

    function _creditFees(uint256 fees) private {
        totalPendingFeesCollected += _state().processCollectedFeesToDecrementPartialPendingLiquidation(fees);
    }

    /// @dev Charges `loss` sats against the operator's pending fees, the rest becomes pending liquidation sats.
    function _charge(uint256 loss) private {
        uint256 fromFees = loss < totalPendingFeesCollected ? loss : totalPendingFeesCollected;
        totalPendingFeesCollected -= fromFees;
        if (loss > fromFees) _state().creditPartialPendingLiquidationSats(loss - fromFees);
    }

    /// @notice The operator admin makes a confirmed, unswept deposit the sweep UTXO (abandoning any current one,
    /// whose value is charged to the operator).
    function assignConfirmedDepositAsSweep(bytes32 depositTxId, bool abandonExistingUTXO) external onlyOperatorAdmin {
        uint256 fee = _state().getCollectableFees(depositTxId);
        require(fee > 0, "deposit txid either not confirmed or already swept");
        if (currentSweepUTXO != bytes32(0)) {
            require(abandonExistingUTXO, "sweep utxo exists and abandoning not permitted");
            _charge(currentSweepUTXOValue);
        }
        uint256 vout = _state().getDepositOutputIndex(depositTxId);
        Transaction memory btx = _kit().getTransactionByTxId(depositTxId);
        (currentSweepUTXO, currentSweepUTXOOutput, currentSweepUTXOValue) = (depositTxId, vout, btx.outputs[vout].outValue);
        _creditFees(fee);
        _state().saveFeesCollected(depositTxId);
    }

    /// @notice Books a sweep of confirmed deposits into a new sweep UTXO (anyone may call it). Deposit fees are
    /// collected; a sweep that kept less than the net deposits is charged to the operator.
    function processSweep(bytes32 sweepTxId) external {
        (int256 swept, uint256 netDeposits, uint256 newValue, bytes32[] memory deposits) = _helper().checkSweepValidity(
            sweepTxId, custodyScriptHash, currentSweepUTXO, currentSweepUTXOOutput, vaultStateChild);
        require(_kit().getTxConfirmations(sweepTxId) >= MIN_BITCOIN_CONFIRMATIONS, "btc sweep tx not confirmed");
        for (uint256 i = 0; i < deposits.length; i++) _state().saveFeesCollected(deposits[i]);
        if (swept < int256(netDeposits)) _charge(uint256(int256(netDeposits) - swept));
        else _creditFees(uint256(swept) - netDeposits);
        (currentSweepUTXO, currentSweepUTXOOutput, currentSweepUTXOValue) = (sweepTxId, 0, newValue);
    }

    // ------------------------------------------------------------------------------------------------ withdrawals

    function getNetDeposits() public view returns (uint256) {
        return _state().getTotalDepositsHeld() - _state().getPendingWithdrawalAmountSat();
    }

    function initiateWithdrawal(bytes memory destinationScript, uint256 amountSats, address originator)
        external
        onlyTunnelAdmin
        returns (bool success, uint256 feeSats, uint32 uuid)
    {
        SimpleBitcoinVaultState state = _state();
        require(amountSats <= getNetDeposits(), "withdrawal exceeds net deposits");
        require(amountSats >= MINIMUM_WITHDRAWAL_SATS, "withdrawal is lower than minimum");
        require(destinationScript.length >= MIN_VALID_BTC_SCRIPT_SIZE, "withdrawal destination script too small");
        require(destinationScript.length <= MAX_VALID_BTC_SCRIPT_SIZE, "withdrawal destination script too large");
        Status s = vaultStatus;
        require(s == Status.LIVE || s == Status.CLOSING_INIT, "can only process a withdrawal on a live or closing vault");
        require(!state.isFullLiquidationStarted(), "vault is being fully liquidated and cannot accept withdrawals");
        require(keccak256(destinationScript) != custodyScriptHash, "cannot initiate a withdrawal to this vault's address");
        require(state.pendingWithdrawalCount() < MAX_WITHDRAWAL_QUEUE_SIZE, "withdrawal queue is full");
        uint256 held = state.getTotalDepositsHeld();
        uint256 pendingBefore = state.getPendingWithdrawalAmountSat();
        feeSats = state.calculateWithdrawalFee(amountSats);
        require(amountSats > feeSats, "withdrawal does not cover the fee");
        uint256 pendingAfter;
        (uuid, pendingAfter) =
            state.internalInitializeWithdrawal(amountSats, feeSats, block.timestamp, destinationScript, originator);
        if (s == Status.CLOSING_INIT) {
            uint256 left = held - (pendingBefore + amountSats);
            require(left == 0 || left >= MINIMUM_WITHDRAWAL_SATS, "withdrawal would leave less than the minimum");
            if (pendingAfter == held) {
                vaultStatus = Status.CLOSING_VERIF;
                emit VaultClosingVerif();
            }
        }
        return (true, feeSats, uuid);
    }

    /// @notice Proves (anyone may call it) that a payout spending the current sweep UTXO paid withdrawal
    /// `withdrawalIndex`; its change becomes the new sweep UTXO.
    function finalizeWithdrawal(bytes32 txid, uint32 withdrawalIndex) external returns (bool success) {
        SimpleBitcoinVaultState state = _state();
        require(!state.isWithdrawalFulfilled(withdrawalIndex), "withdrawal must not already be fulfilled");
        require(!state.isWithdrawalAlreadyChallenged(withdrawalIndex), "withdrawal was challenged");
        require(!state.isTransactionAcknowledgedWithdrawalFulfillment(txid), "transaction was already finalized");
        require(_kit().transactionExists(txid), "btc withdrawal transaction is not known by hVM");
        require(_kit().getTxConfirmations(txid) >= MIN_BITCOIN_CONFIRMATIONS, "btc withdrawal not confirmed");
        (uint256 overpaid, uint256 collected, uint256 amount, bool created, uint256 newValue) =
            _helper().checkWithdrawalFinalizationValidity(txid, withdrawalIndex, custodyScriptHash, currentSweepUTXO,
                currentSweepUTXOOutput, address(state));
        if (overpaid > 0) _charge(overpaid);
        else _creditFees(collected);
        if (created) (currentSweepUTXO, currentSweepUTXOOutput, currentSweepUTXOValue) = (txid, 1, newValue);
        else (currentSweepUTXO, currentSweepUTXOOutput, currentSweepUTXOValue) = (bytes32(0), 0, 0);
        state.saveWithdrawalFulfillment(withdrawalIndex, txid, amount);
        return true;
    }

    /// @notice A withdrawal not fulfilled within WITHDRAWAL_GRACE_PERIOD_SECONDS: the manager re-mints its amount
    /// and the vault becomes open to full liquidation.
    function challengeWithdrawal(uint32 uuid, bytes memory)
        external
        onlyTunnelAdmin
        returns (bool success, uint256 satsToCredit, address withdrawer)
    {
        SimpleBitcoinVaultState state = _state();
        SimpleBitcoinVaultState.Withdrawal memory w = state.getWithdrawal(uuid);
        require(!state.isWithdrawalFulfilled(uuid), "withdrawal was successfully processed");
        require(!state.isWithdrawalAlreadyChallenged(uuid), "withdrawal has already been challenged");
        require(block.timestamp >= w.timestampRequested + WITHDRAWAL_GRACE_PERIOD_SECONDS,
            "the withdrawal grace period has not elapsed");
        state.setFullCollateralLiquidationAllowed();
        state.saveSuccessfulWithdrawalChallenge(uuid);
        return (true, w.amount, w.evmOriginator);
    }

    function mintOperatorFees(address operator, uint256 amountToMint)
        external
        onlyTunnelAdmin
        returns (bool success, uint256 sats)
    {
        require(operator == operatorAdmin, "only the operator admin may mint operator fees");
        if (vaultStatus == Status.CLOSED) {
            uint256 reserves = _state().getFullLiquidationOperatorReserves();
            if (reserves > 0) {
                _state().saveFullLiquidationOperatorReservesReminted();
                return (true, reserves);
            }
        }
        require(totalPendingFeesCollected > 0, "there are no pending fees to mint");
        require(amountToMint <= totalPendingFeesCollected, "cannot mint more operator fees than have been collected");
        require(vaultStatus == Status.LIVE, "can only mint fees on a vault that is live");
        _state().increaseTotalDepositsHeld(amountToMint);
        totalPendingFeesCollected -= amountToMint;
        return (true, amountToMint);
    }

    // ------------------------------------------------------------------------------------------------ reports

    function reportInvalidSweepSpend(bytes32 txid, uint32 inputIndexToBlame) external returns (bool success) {
        _reportable(txid);
        success = _helper().checkSweepSpendInvalidity(txid, inputIndexToBlame, custodyScriptHash, currentSweepUTXO,
            currentSweepUTXOOutput, vaultStateChild);
        if (success) _state().setFullCollateralLiquidationAllowed();
    }

    function reportInvalidConfirmedDepositSpend(bytes32 txid, uint32 inputIndexToBlame) external returns (bool success) {
        _reportable(txid);
        success = _helper().checkConfirmedDepositSpendInvalidity(txid, inputIndexToBlame, custodyScriptHash,
            currentSweepUTXO, currentSweepUTXOOutput, vaultStateChild);
        if (success) _state().setFullCollateralLiquidationAllowed();
    }

    function _reportable(bytes32 txid) private view {
        require(vaultStatus != Status.CLOSED, "vault is closed");
        require(!_state().isFullCollateralLiquidationAllowed(), "a full liquidation is already allowed");
        require(!_state().isTransactionAcknowledgedWithdrawalFulfillment(txid), "transaction was a valid withdrawal");
        require(_kit().getTxConfirmations(txid) >= MIN_BITCOIN_CONFIRMATIONS, "btc transaction not confirmed");
    }

    // ------------------------------------------------------------------------------------------------ views

    function isAcceptingDeposits() external view returns (bool acceptingDeposits) {
        return vaultStatus == Status.LIVE;
    }

    function isWithdrawalAvailable() external view returns (bool withdrawalAvailable) {
        return (vaultStatus == Status.LIVE || vaultStatus == Status.CLOSING_INIT)
            && getNetDeposits() >= MINIMUM_WITHDRAWAL_SATS;
    }

    function getWithdrawalLimits() external view returns (uint256 minWithdrawal, uint256 maxWithdrawal) {
        uint256 available = getNetDeposits();
        return available >= MINIMUM_WITHDRAWAL_SATS ? (MINIMUM_WITHDRAWAL_SATS, available) : (0, 0);
    }

    // ------------------------------------------------------------------------------------------------ for the child

    function burnLiquidatedBTC(uint256 amountSats) external onlyStateChild {
        IManagerBurn(TUNNEL_MANAGER_ADDRESS).burnLiquidatedBTC(amountSats);
    }

    function transferCollateralForChild(address recipient, uint256 amount) external onlyStateChild returns (bool success) {
        return _collateral().transfer(recipient, amount);
    }
}
