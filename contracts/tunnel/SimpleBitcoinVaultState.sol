// SPDX-License-Identifier: MIT
pragma solidity ^0.8.0;

import "./TunnelConstants.sol";

interface IStateParentVault {
    function hasNeverGoneLive() external view returns (bool);
    function minCollateralAmount() external view returns (uint256);
    function MINIMUM_WITHDRAWAL_SATS() external view returns (uint256);
    function burnLiquidatedBTC(uint256 amountSats) external;
    function transferCollateralForChild(address recipient, uint256 amount) external returns (bool);
}

interface IStateConfig {
    function getMinDepositFeeSats() external view returns (uint256);
    function getMaxDepositFeeSats() external view returns (uint256);
    function getMinWithdrawalFeeSats() external view returns (uint256);
    function getMaxWithdrawalFeeSats() external view returns (uint256);
    function getMinDepositFeeBasisPoints() external view returns (uint256);
    function getMaxDepositFeeBasisPoints() external view returns (uint256);
    function getMinWithdrawalFeeBasisPoints() external view returns (uint256);
    function getMaxWithdrawalFeeBasisPoints() external view returns (uint256);
    function getSoftCollateralizationThreshold() external view returns (uint256);
    function getHardCollateralizationThreshold() external view returns (uint256);
    function getAssetQuantityToBTC() external view returns (uint256);
    function getPermittedCollateralAssetContract() external view returns (address);
}

interface IStateToken {
    function transfer(address to, uint256 value) external returns (bool);
    function transferFrom(address from, address to, uint256 value) external returns (bool);
}

/// @title SimpleBitcoinVaultState (hemi-sdk)
/// @notice The books of one SimpleBitcoinVault (its `vaultStateChild()`): fees (basis points with a minimum in sats,
/// increases delayed), acknowledged deposits and their collectable fees, the withdrawal queue, collateral, and the
/// partial and full liquidation auctions. Only the parent vault writes the books; the operator admin changes fees,
/// thresholds and withdraws collateral; anyone may start and bid in liquidations once they are allowed.
/// @dev The functions, events and rules follow hemilabs/bitcoin-tunnel-contracts
/// contracts/vaults/SimpleBitcoinVault/SimpleBitcoinVaultState.sol with the ABI hemilabs/hemi-viem
/// src/contracts/simple-bitcoin-vault-state.ts calls; the code is hemi-sdk's own (docs/tunnel.md). The state
/// variables are declared in an order hemi.node.tunnel_genesis relies on (it writes the genesis vault's state).
contract SimpleBitcoinVaultState {
    event MinDepositFeeSatsUpdated(uint256 newMinDepositFeeSats);
    event DepositFeeBpsUpdated(uint256 newDepositFeeBps);
    event MinWithdrawalFeeSatsUpdated(uint256 newMinWithdrawalFeeSats);
    event WithdrawalFeeBpsUpdated(uint256 newWithdrawalFeeBps);
    event SoftCollateralizationThresholdIncreaseInit(uint256 currentThreshold, uint256 newThreshold);
    event SoftCollateralizationThresholdIncreaseFinalized(uint256 previousThreshold, uint256 newThreshold);
    event SoftCollateralizationThresholdDecreased(uint256 previousThreshold, uint256 newThreshold);
    event PartialLiquidationStarted(uint256 satsToRepurchase, uint256 startingBid);
    event PartialLiquidationBid(address indexed bidder, uint256 satsToRepurchase, uint256 newBid);
    event PartialLiquidationFinalized(address indexed auctionWinner, uint256 satsRepurchased, uint256 finalBid);
    event FullLiquidationStarted(uint256 satsToRepurchase, uint256 startingPricePerBTC);
    event FullLiquidationCollateralPurchased(address indexed buyer, uint256 satsLiquidated, uint256 collateralSold,
        uint256 pricePerBTC);

    /// @notice A withdrawal request (`withdrawalCounter` is its vault-specific uuid).
    struct Withdrawal {
        uint32 withdrawalCounter;
        uint256 amount;
        uint256 fee;
        uint256 timestampRequested;
        bytes destinationScript;
        address evmOriginator;
    }

    struct PartialLiquidation {
        uint256 amountSatsToRecover;
        uint256 startTimestamp;
        uint256 currentBidAmount;
        uint256 currentBidTime;
        address currentBidder;
        bool finished;
    }

    uint256 public constant SATS_PER_BTC = 100_000_000;
    uint256 public constant BPS_DIVISOR = 10_000;
    uint256 public constant PARTIAL_COLLATERAL_WITHDRAWAL_DELAY = 4 hours;
    uint256 public constant FULL_LIQUIDATION_DEPOSIT_GRACE_PERIOD = 4 hours;
    uint256 public constant PARTIAL_LIQUIDATION_BID_TIME = 15 minutes;
    uint256 public constant FULL_LIQUIDATION_INCREASE_TIME = 60;
    uint256 public constant FULL_LIQUIDATION_INCREASE_INCREMENT_BPS = 3;
    uint256 public constant SOFT_COLLATERALIZATION_THRESHOLD_INCREASE_DELAY_SECONDS = 4 hours;
    uint256 public constant DEPOSIT_FEE_INCREASE_DELAY_SECONDS = 4 hours;
    uint256 public constant WITHDRAWAL_FEE_INCREASE_DELAY_SECONDS = 1 hours;
    uint256 public constant MAX_WITHDRAWAL_ARRAY_SIZE = 10;

    // ---- storage (slot order used by hemi.node.tunnel_genesis) ----
    address public operatorAdmin; // 0
    address private parentVault; // 1
    uint256 public softCollateralizationThreshold; // 2
    uint256 public pendingSoftCollateralizationThreshold; // 3
    uint256 public pendingSoftCollateralizationThresholdUpdateTime; // 4
    uint256 public hardCollateralizationThreshold; // 5
    uint256 public minDepositFeeSats; // 6
    uint256 public pendingMinDepositFeeSats; // 7
    uint256 public pendingMinDepositFeeSatsUpdateTime; // 8
    uint256 public depositFeeBps; // 9
    uint256 public pendingDepositFeeBps; // 10
    uint256 public pendingDepositFeeBpsUpdateTime; // 11
    uint256 public minWithdrawalFeeSats; // 12
    uint256 public pendingMinWithdrawalFeeSats; // 13
    uint256 public pendingMinWithdrawalFeeSatsUpdateTime; // 14
    uint256 public withdrawalFeeBps; // 15
    uint256 public pendingWithdrawalFeeBps; // 16
    uint256 public pendingWithdrawalFeeBpsUpdateTime; // 17
    mapping(uint32 => bytes32) public withdrawalsToStatus; // 18: fulfilling payout txid
    mapping(uint32 => bool) public withdrawalsChallenged; // 19
    mapping(bytes32 => bool) public acknowledgedWithdrawalTxids; // 20
    mapping(uint32 => Withdrawal) public withdrawals; // 21
    uint256 public pendingWithdrawalCount; // 22
    uint256 public pendingWithdrawalAmountSat; // 23
    uint32 public withdrawalCounter; // 24
    uint256 private totalDepositsHeld; // 25
    uint256 private fullLiquidationOperatorReserves; // 26
    mapping(bytes32 => bool) public acknowledgedDeposits; // 27
    mapping(bytes32 => uint256) public acknowledgedDepositOutputIndexes; // 28
    mapping(bytes32 => uint256) public acknowledgedDepositsToFees; // 29
    uint256 private depositedCollateralBalance; // 30
    uint256 private pendingCollateralWithdrawal; // 31
    uint256 private pendingCollateralWithdrawalRequestTime; // 32
    bool private fullLiquidationAllowed; // 33 (packed)
    bool private fullLiquidationStarted; // 33 (packed)
    uint256 private fullLiquidationStartTime; // 34
    uint256 private fullLiquidationStartingPrice; // 35
    uint256 private pendingPartialLiquidationSats; // 36
    uint32 private partialLiquidationCounter; // 37 (packed)
    bool private partialLiquidationInProgress; // 37 (packed)
    mapping(uint32 => PartialLiquidation) public partialLiquidationStatus; // 38
    uint32[] private pendingIds; // 39: uuids of pending withdrawals (at most MAX_WITHDRAWAL_ARRAY_SIZE)

    modifier onlyParentVault() {
        require(msg.sender == parentVault, "caller is not the parent vault");
        _;
    }

    modifier onlyOperatorAdmin() {
        require(msg.sender == operatorAdmin, "caller is not the operator admin");
        _;
    }

    /// @notice Fees and thresholds start at the config's minimums (as BTC-TC's constructor does).
    constructor(address parentVault_, address operatorAdmin_) {
        parentVault = parentVault_;
        operatorAdmin = operatorAdmin_;
        IStateConfig c = _config();
        minDepositFeeSats = c.getMinDepositFeeSats();
        depositFeeBps = c.getMinDepositFeeBasisPoints();
        minWithdrawalFeeSats = c.getMinWithdrawalFeeSats();
        withdrawalFeeBps = c.getMinWithdrawalFeeBasisPoints();
        softCollateralizationThreshold = c.getSoftCollateralizationThreshold();
        hardCollateralizationThreshold = c.getHardCollateralizationThreshold();
    }

    function _config() private pure returns (IStateConfig) {
        return IStateConfig(GLOBAL_CONFIG_ADDRESS);
    }

    function _parent() private view returns (IStateParentVault) {
        return IStateParentVault(parentVault);
    }

    function getParentSimpleBitcoinVault() external view returns (address) {
        return parentVault;
    }

    function updateOperatorAdmin(address newOperatorAdmin) external onlyParentVault {
        operatorAdmin = newOperatorAdmin;
    }

    // ------------------------------------------------------------------------------------------------ fees

    function calculateDepositFee(uint256 depositAmount) external view returns (uint256 depositFeeSats) {
        depositFeeSats = depositAmount * depositFeeBps / BPS_DIVISOR;
        if (depositFeeSats < minDepositFeeSats) depositFeeSats = minDepositFeeSats;
    }

    function calculateWithdrawalFee(uint256 withdrawalAmount) external view returns (uint256 withdrawalFeeSats) {
        withdrawalFeeSats = withdrawalAmount * withdrawalFeeBps / BPS_DIVISOR;
        if (withdrawalFeeSats < minWithdrawalFeeSats) withdrawalFeeSats = minWithdrawalFeeSats;
    }

    /// @dev A lower value (or any value before the vault first went live) applies at once; a higher one after
    /// `delay`. Returns whether it applied at once.
    function _feeChange(uint256 current, uint256 proposed, uint256 lo, uint256 hi) private view returns (bool) {
        require(proposed >= lo && proposed <= hi, "new fee is outside the bounds of the config");
        require(proposed != current, "new fee is not different");
        return _parent().hasNeverGoneLive() || proposed < current;
    }

    function changeMinDepositFeeSats(uint256 v) external onlyOperatorAdmin {
        IStateConfig c = _config();
        bool now_ = _feeChange(minDepositFeeSats, v, c.getMinDepositFeeSats(), c.getMaxDepositFeeSats());
        require(v < _parent().MINIMUM_WITHDRAWAL_SATS(), "min deposit fee must be below the minimum withdrawal");
        if (now_) {
            minDepositFeeSats = v;
            (pendingMinDepositFeeSats, pendingMinDepositFeeSatsUpdateTime) = (0, 0);
            emit MinDepositFeeSatsUpdated(v);
        } else {
            (pendingMinDepositFeeSats, pendingMinDepositFeeSatsUpdateTime) = (v, block.timestamp);
        }
    }

    function finalizeMinDepositFeeSatsUpdate() external {
        _ripe(pendingMinDepositFeeSatsUpdateTime, DEPOSIT_FEE_INCREASE_DELAY_SECONDS);
        minDepositFeeSats = pendingMinDepositFeeSats;
        (pendingMinDepositFeeSats, pendingMinDepositFeeSatsUpdateTime) = (0, 0);
        emit MinDepositFeeSatsUpdated(minDepositFeeSats);
    }

    function changeDepositFeeBps(uint256 v) external onlyOperatorAdmin {
        IStateConfig c = _config();
        if (_feeChange(depositFeeBps, v, c.getMinDepositFeeBasisPoints(), c.getMaxDepositFeeBasisPoints())) {
            depositFeeBps = v;
            (pendingDepositFeeBps, pendingDepositFeeBpsUpdateTime) = (0, 0);
            emit DepositFeeBpsUpdated(v);
        } else {
            (pendingDepositFeeBps, pendingDepositFeeBpsUpdateTime) = (v, block.timestamp);
        }
    }

    function finalizeDepositFeeBpsUpdate() external {
        _ripe(pendingDepositFeeBpsUpdateTime, DEPOSIT_FEE_INCREASE_DELAY_SECONDS);
        depositFeeBps = pendingDepositFeeBps;
        (pendingDepositFeeBps, pendingDepositFeeBpsUpdateTime) = (0, 0);
        emit DepositFeeBpsUpdated(depositFeeBps);
    }

    function changeMinWithdrawalFeeSats(uint256 v) external onlyOperatorAdmin {
        IStateConfig c = _config();
        if (_feeChange(minWithdrawalFeeSats, v, c.getMinWithdrawalFeeSats(), c.getMaxWithdrawalFeeSats())) {
            minWithdrawalFeeSats = v;
            (pendingMinWithdrawalFeeSats, pendingMinWithdrawalFeeSatsUpdateTime) = (0, 0);
            emit MinWithdrawalFeeSatsUpdated(v);
        } else {
            (pendingMinWithdrawalFeeSats, pendingMinWithdrawalFeeSatsUpdateTime) = (v, block.timestamp);
        }
    }

    function finalizeMinWithdrawalFeeSatsUpdate() external {
        _ripe(pendingMinWithdrawalFeeSatsUpdateTime, WITHDRAWAL_FEE_INCREASE_DELAY_SECONDS);
        minWithdrawalFeeSats = pendingMinWithdrawalFeeSats;
        (pendingMinWithdrawalFeeSats, pendingMinWithdrawalFeeSatsUpdateTime) = (0, 0);
        emit MinWithdrawalFeeSatsUpdated(minWithdrawalFeeSats);
    }

    function changeWithdrawalFeeBps(uint256 v) external onlyOperatorAdmin {
        IStateConfig c = _config();
        if (_feeChange(withdrawalFeeBps, v, c.getMinWithdrawalFeeBasisPoints(), c.getMaxWithdrawalFeeBasisPoints())) {
            withdrawalFeeBps = v;
            (pendingWithdrawalFeeBps, pendingWithdrawalFeeBpsUpdateTime) = (0, 0);
            emit WithdrawalFeeBpsUpdated(v);
        } else {
            (pendingWithdrawalFeeBps, pendingWithdrawalFeeBpsUpdateTime) = (v, block.timestamp);
        }
    }

    function finalizeWithdrawalFeeBpsUpdate() external {
        _ripe(pendingWithdrawalFeeBpsUpdateTime, WITHDRAWAL_FEE_INCREASE_DELAY_SECONDS);
        withdrawalFeeBps = pendingWithdrawalFeeBps;
        (pendingWithdrawalFeeBps, pendingWithdrawalFeeBpsUpdateTime) = (0, 0);
        emit WithdrawalFeeBpsUpdated(withdrawalFeeBps);
    }

    function getSoftCollateralizationThreshold() external view returns (uint256) {
        return softCollateralizationThreshold;
    }

    function changeSoftCollateralizationThreshold(uint256 v) external onlyOperatorAdmin {
        require(v >= _config().getSoftCollateralizationThreshold(), "threshold below the config's minimum");
        require(v != softCollateralizationThreshold, "threshold is not different");
        uint256 previous = softCollateralizationThreshold;
        if (_parent().hasNeverGoneLive() || v < previous) {
            softCollateralizationThreshold = v;
            (pendingSoftCollateralizationThreshold, pendingSoftCollateralizationThresholdUpdateTime) = (0, 0);
            if (v < previous) emit SoftCollateralizationThresholdDecreased(previous, v);
        } else {
            (pendingSoftCollateralizationThreshold, pendingSoftCollateralizationThresholdUpdateTime) =
                (v, block.timestamp);
            emit SoftCollateralizationThresholdIncreaseInit(previous, v);
        }
    }

    function finalizeSoftCollateralizationThresholdUpdate() external {
        _ripe(pendingSoftCollateralizationThresholdUpdateTime, SOFT_COLLATERALIZATION_THRESHOLD_INCREASE_DELAY_SECONDS);
        uint256 previous = softCollateralizationThreshold;
        softCollateralizationThreshold = pendingSoftCollateralizationThreshold;
        (pendingSoftCollateralizationThreshold, pendingSoftCollateralizationThresholdUpdateTime) = (0, 0);
        emit SoftCollateralizationThresholdIncreaseFinalized(previous, softCollateralizationThreshold);
    }

    function _ripe(uint256 since, uint256 delay) private view {
        require(since != 0, "no pending update");
        require(since + delay <= block.timestamp, "not enough time has elapsed for the update");
    }

    // ------------------------------------------------------------------------------------------------ deposits

    function isDepositAcknowledged(bytes32 txid) external view returns (bool isAcknowledged) {
        return acknowledgedDeposits[txid];
    }

    function acknowledgeDeposit(bytes32 txid, uint256 outputIndex, uint256 feesCollected) external onlyParentVault {
        acknowledgedDeposits[txid] = true;
        acknowledgedDepositOutputIndexes[txid] = outputIndex;
        acknowledgedDepositsToFees[txid] = feesCollected;
    }

    /// @notice Fee still to collect when the deposit is swept (0: not confirmed, already swept, or the sweep UTXO).
    function getCollectableFees(bytes32 depositTxId) external view returns (uint256 collectableFees) {
        return acknowledgedDepositsToFees[depositTxId];
    }

    function getDepositOutputIndex(bytes32 depositTxId) external view returns (uint256 outputIndex) {
        return acknowledgedDepositOutputIndexes[depositTxId];
    }

    function saveFeesCollected(bytes32 depositTxId) external onlyParentVault {
        acknowledgedDepositsToFees[depositTxId] = 0;
    }

    function increaseTotalDepositsHeld(uint256 increase) external onlyParentVault {
        uint256 reserves = fullLiquidationOperatorReserves;
        if (fullLiquidationStarted && reserves > 0) {
            uint256 used = increase < reserves ? increase : reserves;
            fullLiquidationOperatorReserves = reserves - used;
            increase -= used;
        }
        totalDepositsHeld += increase;
    }

    function getTotalDepositsHeld() external view returns (uint256 depositsHeld) {
        return totalDepositsHeld;
    }

    // ------------------------------------------------------------------------------------------------ withdrawals

    function internalInitializeWithdrawal(uint256 amount, uint256 fee, uint256 timestampRequested,
        bytes memory destinationScript, address evmOriginator)
        external
        onlyParentVault
        returns (uint32 withdrawalNum, uint256 pendingWithdrawalAmount)
    {
        require(pendingWithdrawalCount < MAX_WITHDRAWAL_ARRAY_SIZE, "there are too many pending withdrawals");
        withdrawalNum = withdrawalCounter;
        withdrawals[withdrawalNum] =
            Withdrawal(withdrawalNum, amount, fee, timestampRequested, destinationScript, evmOriginator);
        withdrawalCounter = withdrawalNum + 1;
        pendingWithdrawalCount += 1;
        pendingWithdrawalAmountSat += amount;
        pendingIds.push(withdrawalNum);
        return (withdrawalNum, pendingWithdrawalAmountSat);
    }

    function getWithdrawal(uint32 uuid) external view returns (Withdrawal memory storedWithdrawal) {
        require(uuid < withdrawalCounter, "withdrawal does not exist");
        return withdrawals[uuid];
    }

    /// @notice hemi-sdk helper for the UTXO logic helper: amount, fee and keccak of the destination script.
    function getWithdrawalAmountAndFee(uint32 uuid) external view returns (uint256 amount, uint256 fee,
        bytes32 destinationScriptHash)
    {
        Withdrawal storage w = withdrawals[uuid];
        return (w.amount, w.fee, keccak256(w.destinationScript));
    }

    function checkPendingWithdrawalsForMatch(bytes32 scriptHash, uint256 outputAmount)
        external
        view
        returns (bool matchFound)
    {
        for (uint256 i = 0; i < pendingIds.length; i++) {
            Withdrawal storage w = withdrawals[pendingIds[i]];
            if (w.amount - w.fee == outputAmount && keccak256(w.destinationScript) == scriptHash) return true;
        }
        return false;
    }

    function _removePending(uint32 uuid) private {
        uint256 n = pendingIds.length;
        for (uint256 i = 0; i < n; i++) {
            if (pendingIds[i] == uuid) {
                pendingIds[i] = pendingIds[n - 1];
                pendingIds.pop();
                return;
            }
        }
        revert("withdrawal is not pending");
    }

    function saveWithdrawalFulfillment(uint32 uuid, bytes32 fulfillmentTxId, uint256 withdrawalAmount)
        external
        onlyParentVault
    {
        require(withdrawalAmount == withdrawals[uuid].amount, "actual withdrawal amount does not match");
        require(!withdrawalsChallenged[uuid], "successfully challenged withdrawal cannot be fulfilled");
        _removePending(uuid);
        pendingWithdrawalCount -= 1;
        withdrawalsToStatus[uuid] = fulfillmentTxId;
        acknowledgedWithdrawalTxids[fulfillmentTxId] = true;
        pendingWithdrawalAmountSat -= withdrawalAmount;
        totalDepositsHeld = withdrawalAmount > totalDepositsHeld ? 0 : totalDepositsHeld - withdrawalAmount;
    }

    function saveSuccessfulWithdrawalChallenge(uint32 uuid) external onlyParentVault {
        _removePending(uuid);
        withdrawalsChallenged[uuid] = true;
        pendingWithdrawalCount -= 1;
        pendingWithdrawalAmountSat -= withdrawals[uuid].amount;
    }

    function isTransactionAcknowledgedWithdrawalFulfillment(bytes32 txid)
        external
        view
        returns (bool isAcknowledgedWithdrawalFulfillment)
    {
        return acknowledgedWithdrawalTxids[txid];
    }

    function isWithdrawalFulfilled(uint32 uuid) external view returns (bool isFulfilled) {
        return withdrawalsToStatus[uuid] != bytes32(0);
    }

    function isWithdrawalAlreadyChallenged(uint32 uuid) external view returns (bool isChallenged) {
        return withdrawalsChallenged[uuid];
    }

    function getPendingWithdrawalAmountSat() external view returns (uint256) {
        return pendingWithdrawalAmountSat;
    }

    // ------------------------------------------------------------------------------------------------ collateral

    function creditOperatorCollateralDeposit(uint256 depositedCollateral)
        external
        onlyParentVault
        returns (uint256 totalCollateral)
    {
        depositedCollateralBalance += depositedCollateral;
        return depositedCollateralBalance;
    }

    function getOperatorCollateralDeposited() external view returns (uint256 totalCollateral) {
        return depositedCollateralBalance;
    }

    /// @dev Collateral (atomic units) that `sats` need at `ratioPercent` at the config's price.
    function _collateralFor(uint256 sats, uint256 ratioPercent) private view returns (uint256) {
        return sats * _config().getAssetQuantityToBTC() * ratioPercent / 100 / SATS_PER_BTC;
    }

    function getUtilizedCollateralSoft() public view returns (uint256 utilizedCollateralAtomicUnits) {
        uint256 used = _collateralFor(totalDepositsHeld, softCollateralizationThreshold);
        return used > depositedCollateralBalance ? depositedCollateralBalance : used;
    }

    function getFreeCollateral() public view returns (uint256 freeCollateralAtomicUnits) {
        uint256 used = getUtilizedCollateralSoft();
        uint256 held = depositedCollateralBalance - pendingCollateralWithdrawal;
        return used >= held ? 0 : held - used;
    }

    function doesDepositExceedSoftCollateralThreshold(uint256 depositAmount)
        external
        view
        returns (bool exceedsCollateral)
    {
        return _collateralFor(totalDepositsHeld + depositAmount, softCollateralizationThreshold)
            > depositedCollateralBalance;
    }

    function isPendingPartialCollateralWithdrawal() public view returns (bool isPendingWithdrawal) {
        return pendingCollateralWithdrawal != 0;
    }

    function canOperatorInitiateCollateralWithdraw() public view returns (bool collateralWithdrawalAllowed) {
        return !isPendingPartialCollateralWithdrawal() && !partialLiquidationInProgress
            && pendingPartialLiquidationSats == 0 && !fullLiquidationAllowed && !fullLiquidationStarted;
    }

    function initiatePartialCollateralWithdrawal(uint256 amount) external onlyOperatorAdmin {
        require(amount > 0, "withdrawal amount must not be zero");
        require(canOperatorInitiateCollateralWithdraw(), "operator cannot initiate collateral withdraw");
        require(amount <= getFreeCollateral(), "amount exceeds free collateral");
        require(depositedCollateralBalance - amount >= _parent().minCollateralAmount(),
            "collateral would drop below the vault's minimum");
        (pendingCollateralWithdrawal, pendingCollateralWithdrawalRequestTime) = (amount, block.timestamp);
    }

    function finalizePartialCollateralWithdrawal() external onlyOperatorAdmin {
        require(isPendingPartialCollateralWithdrawal(), "there is no pending collateral withdrawal");
        require(!partialLiquidationInProgress && pendingPartialLiquidationSats == 0, "a partial liquidation is due");
        require(!fullLiquidationAllowed && !fullLiquidationStarted, "a full liquidation is allowed or started");
        require(pendingCollateralWithdrawalRequestTime + PARTIAL_COLLATERAL_WITHDRAWAL_DELAY <= block.timestamp,
            "the waiting period for a partial collateral withdrawal has not elapsed");
        uint256 amount = pendingCollateralWithdrawal;
        uint256 used = getUtilizedCollateralSoft();
        uint256 free = depositedCollateralBalance > used ? depositedCollateralBalance - used : 0;
        if (amount > free) amount = free;
        uint256 aboveMinimum = depositedCollateralBalance - _parent().minCollateralAmount();
        if (amount > aboveMinimum) amount = aboveMinimum;
        (pendingCollateralWithdrawal, pendingCollateralWithdrawalRequestTime) = (0, 0);
        depositedCollateralBalance -= amount;
        require(_parent().transferCollateralForChild(operatorAdmin, amount), "collateral transfer failed");
    }

    // ------------------------------------------------------------------------------------------------ liquidation

    function setFullCollateralLiquidationAllowed() external onlyParentVault {
        fullLiquidationAllowed = true;
    }

    function isFullCollateralLiquidationAllowed() external view returns (bool) {
        return fullLiquidationAllowed;
    }

    function isFullLiquidationStarted() public view returns (bool) {
        return fullLiquidationStarted;
    }

    /// @notice Starts the full liquidation: allowed after operator misbehaviour (a successful withdrawal challenge
    /// or an invalid-spend report) or when collateral falls below the hard threshold at the current price.
    function beginFullCollateralLiquidation() external {
        require(!fullLiquidationStarted, "full liquidation already started");
        if (!fullLiquidationAllowed) {
            require(depositedCollateralBalance < _collateralFor(totalDepositsHeld, hardCollateralizationThreshold),
                "no operator misbehavior and hard collateral threshold has not been surpassed");
            fullLiquidationAllowed = true;
        }
        if (partialLiquidationInProgress) { // refund the running auction's bidder
            PartialLiquidation storage pl = partialLiquidationStatus[partialLiquidationCounter - 1];
            require(IStateToken(HEMI_BTC_ADDRESS).transfer(pl.currentBidder, pl.amountSatsToRecover), "refund failed");
            pl.finished = true;
            partialLiquidationInProgress = false;
        }
        fullLiquidationStarted = true;
        fullLiquidationStartTime = block.timestamp;
        fullLiquidationStartingPrice = _config().getAssetQuantityToBTC() * 105 / 100;
        emit FullLiquidationStarted(totalDepositsHeld, fullLiquidationStartingPrice);
    }

    /// @notice Collateral per BTC a buyer gets now: 105 % of the price, rising 3 bps of it per minute.
    function getCurrentFullLiquidationCollateralPrice() public view returns (uint256 collateralAtomicUnitsPerBTC) {
        uint256 base = _config().getAssetQuantityToBTC() * 105 / 100;
        uint256 periods = (block.timestamp - fullLiquidationStartTime) / FULL_LIQUIDATION_INCREASE_TIME;
        uint256 price = base + base * FULL_LIQUIDATION_INCREASE_INCREMENT_BPS / BPS_DIVISOR * periods;
        return price < fullLiquidationStartingPrice ? fullLiquidationStartingPrice : price;
    }

    /// @notice Burns the caller's hemiBTC against the vault's deposits and pays collateral at the current price.
    function purchaseCollateralDuringFullLiquidation(uint256 hBTCQuantity, address recipient) external {
        require(fullLiquidationStarted, "there is not an ongoing liquidation");
        require(totalDepositsHeld > 0, "there are no deposits to bid on currently");
        if (recipient == address(0)) recipient = msg.sender;
        if (hBTCQuantity > totalDepositsHeld) hBTCQuantity = totalDepositsHeld;
        uint256 price = getCurrentFullLiquidationCollateralPrice();
        uint256 collateral = hBTCQuantity * price / SATS_PER_BTC;
        require(collateral <= depositedCollateralBalance, "not enough collateral left");
        totalDepositsHeld -= hBTCQuantity;
        depositedCollateralBalance -= collateral;
        _burnFrom(msg.sender, hBTCQuantity);
        require(_parent().transferCollateralForChild(recipient, collateral), "collateral transfer failed");
        emit FullLiquidationCollateralPurchased(msg.sender, hBTCQuantity, collateral, price);
    }

    function hasFullLiquidationDepositGracePeriodElapsed() external view returns (bool gracePeriodElapsed) {
        return fullLiquidationStarted && fullLiquidationStartTime + FULL_LIQUIDATION_DEPOSIT_GRACE_PERIOD < block.timestamp;
    }

    function getFullLiquidationOperatorReserves() external view returns (uint256) {
        return fullLiquidationOperatorReserves;
    }

    function saveFullLiquidationOperatorReservesReminted() external onlyParentVault {
        fullLiquidationOperatorReserves = 0;
    }

    function creditPartialPendingLiquidationSats(uint256 additionalSats) external onlyParentVault {
        pendingPartialLiquidationSats += additionalSats;
    }

    function getPendingPartialLiquidationSats() external view returns (uint256) {
        return pendingPartialLiquidationSats;
    }

    function processCollectedFeesToDecrementPartialPendingLiquidation(uint256 fees)
        external
        onlyParentVault
        returns (uint256 remainingFees)
    {
        return _decrementPendingLiquidation(fees);
    }

    function _decrementPendingLiquidation(uint256 amount) private returns (uint256 unused) {
        uint256 pending = pendingPartialLiquidationSats;
        uint256 used = amount < pending ? amount : pending;
        pendingPartialLiquidationSats = pending - used;
        return amount - used;
    }

    /// @notice Starts a reverse auction for the sats the operator lost (fee overpayments, abandoned sweeps): the
    /// caller escrows exactly that much hemiBTC and asks `startingBid` collateral for it.
    function beginPartialLiquidation(uint256 startingBid, uint256 hBTCQuantity, uint256 maxAcceptanceTimestamp)
        external
    {
        require(!partialLiquidationInProgress, "there is already a partial liquidation in progress");
        require(pendingPartialLiquidationSats > 0, "there must be a nonzero pending liquidation amount");
        require(pendingPartialLiquidationSats == hBTCQuantity, "hBTC quantity is not the amount to be liquidated");
        require(block.timestamp <= maxAcceptanceTimestamp, "this bid is no longer valid");
        require(!fullLiquidationAllowed, "a full liquidation is permitted");
        require(IStateToken(HEMI_BTC_ADDRESS).transferFrom(msg.sender, address(this), hBTCQuantity), "escrow failed");
        partialLiquidationStatus[partialLiquidationCounter] =
            PartialLiquidation(hBTCQuantity, block.timestamp, startingBid, block.timestamp, msg.sender, false);
        partialLiquidationCounter += 1;
        pendingPartialLiquidationSats = 0;
        partialLiquidationInProgress = true;
        emit PartialLiquidationStarted(hBTCQuantity, startingBid);
    }

    function bidOnPartialCollateralLiquidation(uint256 newBid, uint256 hBTCQuantity, uint256 maxAcceptanceTimestamp)
        external
    {
        require(partialLiquidationInProgress, "no partial liquidation is in progress");
        require(block.timestamp <= maxAcceptanceTimestamp, "this bid is no longer valid");
        PartialLiquidation storage pl = partialLiquidationStatus[partialLiquidationCounter - 1];
        require(newBid < pl.currentBidAmount, "new bid is not low enough");
        require(hBTCQuantity == pl.amountSatsToRecover, "amount of hBTC is incorrect");
        require(IStateToken(HEMI_BTC_ADDRESS).transferFrom(msg.sender, address(this), hBTCQuantity), "escrow failed");
        require(IStateToken(HEMI_BTC_ADDRESS).transfer(pl.currentBidder, hBTCQuantity), "refund failed");
        (pl.currentBidAmount, pl.currentBidTime, pl.currentBidder) = (newBid, block.timestamp, msg.sender);
        emit PartialLiquidationBid(msg.sender, hBTCQuantity, newBid);
    }

    function finalizePartialCollateralLiquidation() external {
        require(partialLiquidationInProgress, "no partial liquidation is in progress");
        PartialLiquidation storage pl = partialLiquidationStatus[partialLiquidationCounter - 1];
        require(pl.currentBidTime + PARTIAL_LIQUIDATION_BID_TIME <= block.timestamp, "bid is not old enough");
        require(pl.currentBidAmount <= depositedCollateralBalance, "not enough collateral");
        pl.finished = true;
        partialLiquidationInProgress = false;
        totalDepositsHeld -= pl.amountSatsToRecover;
        depositedCollateralBalance -= pl.currentBidAmount;
        require(IStateToken(HEMI_BTC_ADDRESS).transfer(parentVault, pl.amountSatsToRecover), "transfer failed");
        _parent().burnLiquidatedBTC(pl.amountSatsToRecover);
        require(_parent().transferCollateralForChild(pl.currentBidder, pl.currentBidAmount), "collateral transfer failed");
        emit PartialLiquidationFinalized(pl.currentBidder, pl.amountSatsToRecover, pl.currentBidAmount);
    }

    /// @notice The operator burns its own hemiBTC to cover pending liquidation sats, or to reduce net deposits.
    function voluntaryhBTCBurn(uint256 amountSats) external onlyOperatorAdmin {
        _burnFrom(operatorAdmin, amountSats);
        uint256 remaining = _decrementPendingLiquidation(amountSats);
        if (fullLiquidationStarted) {
            uint256 cut = remaining > totalDepositsHeld ? totalDepositsHeld : remaining;
            totalDepositsHeld -= cut;
            fullLiquidationOperatorReserves += remaining - cut;
        } else {
            require(remaining <= totalDepositsHeld - pendingWithdrawalAmountSat,
                "cannot burn more hBTC than needed to zero out net deposits");
            totalDepositsHeld -= remaining;
        }
    }

    /// @dev Moves `amount` hemiBTC of `from` to the parent vault, which has the manager burn it.
    function _burnFrom(address from, uint256 amount) private {
        require(IStateToken(HEMI_BTC_ADDRESS).transferFrom(from, parentVault, amount), "hBTC transfer failed");
        _parent().burnLiquidatedBTC(amount);
    }
}
