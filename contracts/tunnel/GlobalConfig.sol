// SPDX-License-Identifier: MIT
pragma solidity ^0.8.0;

import "./TunnelConstants.sol";

interface ITunnelManagerVaultList {
    function vaultList(address vault) external view returns (bool);
}

/// @title GlobalConfig (hemi-sdk)
/// @notice Tunnel-wide switches the BitcoinTunnelManager consults (withdrawal and vault-creation pauses and
/// whitelists, as hemilabs/bitcoin-tunnel-contracts contracts/governance/GlobalConfig.sol has them), plus the
/// vault parameters of BTC-TC's SimpleGlobalVaultConfig (fee bounds, collateral thresholds, collateral token) and
/// the collateral price a price oracle would give. One contract plays the three roles on the devchain: the
/// manager's `globalConfig()`, every vault's `vaultConfig()` and the config's `getPriceOracle()` all return it.
/// @dev hemi-sdk's own implementation. Changes take effect at once (Hemi delays admin changes); the admin is set by
/// a one-time `initialize` (the devchain's genesis state holds its result: the simulated operator's account).
contract GlobalConfig {
    event WithdrawalsPausedSet(bool paused);
    event VaultCreationPausedSet(bool paused);
    event CollateralPriceSet(uint256 collateralAtomicUnitsPerBTC);

    /// @notice Smallest deposit / withdrawal fee a vault may charge, in sats (BTC-TC SimpleGlobalVaultConfig
    /// DEFAULT_DEPOSIT_FEE_SATS / DEFAULT_WITHDRAWAL_FEE_SATS).
    uint256 public constant MIN_FEE_SATS = 10_000;
    /// @notice Largest minimum fee a vault may set, in sats (hemi-sdk choice).
    uint256 public constant MAX_FEE_SATS = 100_000;
    /// @notice Fee bounds in basis points (hemi-sdk choice: 0.1 % .. 10 %; BTC-TC caps fees at 10 * 100 bps).
    uint256 public constant MIN_FEE_BPS = 10;
    uint256 public constant MAX_FEE_BPS = 1_000;
    /// @notice Collateral ratios in percent (hemi-sdk choice; BTC-TC requires both > 100 and soft >= hard).
    uint256 public constant SOFT_COLLATERALIZATION_THRESHOLD = 150;
    uint256 public constant HARD_COLLATERALIZATION_THRESHOLD = 120;
    /// @notice Smallest collateral a vault must post before going live (10,000 tokens of 18 decimals).
    uint256 public constant MIN_COLLATERAL_ASSET_AMOUNT = 10_000 ether;

    address public admin;
    bool public withdrawalsPaused;
    bool public withdrawalWhitelistEnabled;
    bool public vaultCreationPaused;
    bool public vaultCreationWhitelistEnabled;
    mapping(address => bool) public withdrawalWhitelist;
    mapping(address => bool) public vaultCreationWhitelist;
    /// @notice Collateral atomic units worth one BTC (the price oracle's answer).
    uint256 public collateralAtomicUnitsPerBTC;
    /// @notice Custody scripts already claimed by a vault (keccak256 of the script).
    mapping(bytes32 => bool) public custodyScriptHashUsed;

    modifier onlyAdmin() {
        require(msg.sender == admin, "caller is not the config admin");
        _;
    }

    /// @notice One-time setup. The devchain's genesis state holds its result.
    function initialize(address admin_, uint256 collateralPerBTC) external {
        require(admin == address(0), "global config already initialized");
        require(admin_ != address(0) && collateralPerBTC != 0, "invalid config");
        admin = admin_;
        collateralAtomicUnitsPerBTC = collateralPerBTC;
    }

    // ----------------------------------------------------------------------------------- the manager's checks

    function isAddressPermittedToWithdraw(address account) external view returns (bool) {
        return withdrawalWhitelist[account];
    }

    function isAddressPermittedToCreateVault(address account) external view returns (bool) {
        return vaultCreationWhitelist[account];
    }

    function bitcoinKitAddr() external pure returns (address) {
        return BITCOIN_KIT_ADDRESS;
    }

    // ----------------------------------------------------------------------------------- admin switches

    function setWithdrawalsPaused(bool paused) external onlyAdmin {
        withdrawalsPaused = paused;
        emit WithdrawalsPausedSet(paused);
    }

    function setWithdrawalWhitelistEnabled(bool enabled) external onlyAdmin {
        withdrawalWhitelistEnabled = enabled;
    }

    function setWithdrawalWhitelisted(address account, bool permitted) external onlyAdmin {
        withdrawalWhitelist[account] = permitted;
    }

    function setVaultCreationPaused(bool paused) external onlyAdmin {
        vaultCreationPaused = paused;
        emit VaultCreationPausedSet(paused);
    }

    function setVaultCreationWhitelistEnabled(bool enabled) external onlyAdmin {
        vaultCreationWhitelistEnabled = enabled;
    }

    function setVaultCreationWhitelisted(address account, bool permitted) external onlyAdmin {
        vaultCreationWhitelist[account] = permitted;
    }

    /// @notice Sets the collateral price (what an oracle would report); lowering it can make vaults liquidatable.
    function setCollateralPrice(uint256 collateralPerBTC) external onlyAdmin {
        require(collateralPerBTC != 0, "price must be positive");
        collateralAtomicUnitsPerBTC = collateralPerBTC;
        emit CollateralPriceSet(collateralPerBTC);
    }

    // ----------------------------------------------------------------------------------- vault config role

    function getMinDepositFeeSats() external pure returns (uint256) { return MIN_FEE_SATS; }
    function getMaxDepositFeeSats() external pure returns (uint256) { return MAX_FEE_SATS; }
    function getMinWithdrawalFeeSats() external pure returns (uint256) { return MIN_FEE_SATS; }
    function getMaxWithdrawalFeeSats() external pure returns (uint256) { return MAX_FEE_SATS; }
    function getMinDepositFeeBasisPoints() external pure returns (uint256) { return MIN_FEE_BPS; }
    function getMaxDepositFeeBasisPoints() external pure returns (uint256) { return MAX_FEE_BPS; }
    function getMinWithdrawalFeeBasisPoints() external pure returns (uint256) { return MIN_FEE_BPS; }
    function getMaxWithdrawalFeeBasisPoints() external pure returns (uint256) { return MAX_FEE_BPS; }
    function getSoftCollateralizationThreshold() external pure returns (uint256) {
        return SOFT_COLLATERALIZATION_THRESHOLD;
    }
    function getHardCollateralizationThreshold() external pure returns (uint256) {
        return HARD_COLLATERALIZATION_THRESHOLD;
    }
    function getMinCollateralAssetAmount() external pure returns (uint256) { return MIN_COLLATERAL_ASSET_AMOUNT; }
    function getPermittedCollateralAssetContract() external pure returns (address) { return COLLATERAL_TOKEN_ADDRESS; }
    function getBitcoinKitContract() external pure returns (address) { return BITCOIN_KIT_ADDRESS; }
    /// @notice Vault-system deprecation is not modelled: always false.
    function isVaultSystemDeprecated() external pure returns (bool) { return false; }
    function getPriceOracle() external view returns (address) { return address(this); }

    /// @notice Price oracle role: collateral atomic units per BTC.
    function getAssetQuantityToBTC() external view returns (uint256) {
        return collateralAtomicUnitsPerBTC;
    }

    /// @notice Claims a custody script for the calling vault; each script serves one vault only.
    function markBtcCustodianshipScriptHashUsed(bytes32 scriptHash) external {
        require(ITunnelManagerVaultList(TUNNEL_MANAGER_ADDRESS).vaultList(msg.sender), "caller is not a vault");
        require(!custodyScriptHashUsed[scriptHash], "custody script already used by another vault");
        custodyScriptHashUsed[scriptHash] = true;
    }
}
