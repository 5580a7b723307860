// SPDX-License-Identifier: MIT
pragma solidity ^0.8.0;

import "../hbk/IBitcoinKit.sol";
import "./TunnelConstants.sol";
import "./HemiBitcoin.sol";
import "./GlobalConfig.sol";
import "./SimpleBitcoinVault.sol";
import "./SimpleBitcoinVaultFactory.sol";

/// @dev Hemi's IBitcoinVault declares preconfirmDeposit state-changing (other vault types may record something).
interface IVaultPreconfirm {
    function preconfirmDeposit(bytes32 txid, uint256 outputIndex, bytes calldata extraInfo) external returns (bool);
}

/// @title BitcoinTunnelManager (hemi-sdk)
/// @notice Entry point of the Bitcoin tunnel: creates vaults, confirms Bitcoin deposits (minting hemiBTC), initiates
/// withdrawals (burning hemiBTC), settles challenges (re-minting hemiBTC) and mints operator fees. Signatures,
/// return values and events are those hemilabs/hemi-viem src/contracts/bitcoin-tunnel-manager.ts calls; the rules
/// follow hemilabs/bitcoin-tunnel-contracts contracts/BitcoinTunnelManager.sol; the code is hemi-sdk's own.
/// @dev Placed as RUNTIME code at Hemi mainnet's manager address in the devchain's genesis, with vault 0 already
/// registered in its storage (hemi.node.tunnel_genesis). GlobalConfig, hemiBTC and hBK sit at constant addresses.
/// `createVault` deploys a SimpleBitcoinVault and its SimpleBitcoinVaultState through the factories at constant
/// addresses (Hemi's factory is named by GlobalConfig); only vault type 0, SimpleBitcoinVault, exists.
contract BitcoinTunnelManager {
    event VaultCreated(address indexed setupAdmin, address indexed operatorAdmin, address indexed vaultAddress);
    event DepositConfirmed(address indexed vault, address indexed recipient, bytes32 indexed depositTxId,
        uint256 depositSats, uint256 netSatsAfterFee);
    event WithdrawalInitiated(address indexed vault, address indexed withdrawer, string indexed btcAddress,
        uint256 withdrawalSats, uint256 netSatsAfterFee, uint64 uuid);
    event WithdrawalChallengeSuccess(address indexed vault, address indexed withdrawer, uint64 indexed uuid);

    mapping(uint32 => address) public vaults; // slot 0
    mapping(address => bool) public vaultList; // slot 1
    uint32 public vaultCounter; // slot 2

    function globalConfig() external pure returns (address) {
        return GLOBAL_CONFIG_ADDRESS;
    }

    function btcTokenContract() external pure returns (address) {
        return HEMI_BTC_ADDRESS;
    }

    function originalBitcoinKitContract() external pure returns (address) {
        return BITCOIN_KIT_ADDRESS;
    }

    function _config() private pure returns (GlobalConfig) {
        return GlobalConfig(GLOBAL_CONFIG_ADDRESS);
    }

    function _vault(uint32 vaultIndex) private view returns (SimpleBitcoinVault) {
        require(vaultIndex < vaultCounter, "vault does not exist");
        return SimpleBitcoinVault(vaults[vaultIndex]);
    }

    /// @notice Deploys a SimpleBitcoinVault (vaultType 0) for `operatorAdmin`, with its state child. The vault starts
    /// CREATED; its operator deposits collateral, sets the custody address and calls goLive.
    function createVault(address setupAdmin, address operatorAdmin, uint256 vaultType, bytes memory) external {
        require(!_config().vaultCreationPaused(), "vault creation is paused");
        if (_config().vaultCreationWhitelistEnabled()) {
            require(_config().isAddressPermittedToCreateVault(msg.sender), "caller is not whitelisted to create vaults");
        }
        require(vaultType == 0, "unknown vault type (0 = SimpleBitcoinVault)");
        require(operatorAdmin != address(0), "operator admin not specified");
        SimpleBitcoinVault vault = SimpleBitcoinVault(
            SimpleBitcoinVaultFactory(SIMPLE_BITCOIN_VAULT_FACTORY_ADDRESS).createSimpleBitcoinVault(operatorAdmin));
        address state = SimpleBitcoinVaultStateFactory(SIMPLE_BITCOIN_VAULT_STATE_FACTORY_ADDRESS)
            .createSimpleBitcoinVaultState(address(vault), operatorAdmin);
        vault.setVaultStateChild(state);
        uint32 index = vaultCounter;
        vaults[index] = address(vault);
        vaultList[address(vault)] = true;
        vaultCounter = index + 1;
        emit VaultCreated(setupAdmin, operatorAdmin, address(vault));
    }

    /// @notice Not used by SimpleBitcoinVault (it reverts), kept with Hemi's signature: a state-changing call there.
    function preconfirmDeposit(uint32 vaultIndex, bytes32 txid, uint256 outputIndex, bytes memory extraInfo) external {
        SimpleBitcoinVault vault = _vault(vaultIndex);
        require(vault.getStatus() == SimpleBitcoinVault.Status.LIVE, "vault must be live to accept predeposits");
        require(IVaultPreconfirm(address(vault)).preconfirmDeposit(txid, outputIndex, extraInfo),
            "preconfirmation failed");
    }

    /// @notice Confirms a Bitcoin deposit (anyone may call it) and mints its net amount to the OP_RETURN recipient.
    function confirmDeposit(uint32 vaultIndex, bytes32 txid, uint256 outputIndex, bytes memory extraInfo)
        public
        returns (bool successful)
    {
        SimpleBitcoinVault vault = _vault(vaultIndex);
        require(vault.getStatus() == SimpleBitcoinVault.Status.LIVE, "vault must be live to accept deposits");
        (bool success, uint256 total, uint256 net, address recipient) = vault.confirmDeposit(txid, outputIndex, extraInfo);
        if (success) {
            HemiBitcoin(HEMI_BTC_ADDRESS).mintBTC(recipient, net);
            emit DepositConfirmed(address(vault), recipient, txid, total, net);
        }
        return success;
    }

    /// @notice Burns `amount` hemiBTC of the caller; the vault's operator owes `amount - fee` sats to `btcAddress`.
    /// uuid = (vaultIndex << 32) | the vault's own withdrawal number.
    function initiateWithdrawal(uint32 vaultIndex, string memory btcAddress, uint256 amount)
        external
        returns (uint256 feeSats, uint64 uuid)
    {
        require(!_config().withdrawalsPaused(), "withdrawals are paused");
        SimpleBitcoinVault vault = _vault(vaultIndex);
        if (_config().withdrawalWhitelistEnabled()) {
            require(_config().isAddressPermittedToWithdraw(msg.sender), "caller is not whitelisted to withdraw");
        }
        SimpleBitcoinVault.Status status = vault.getStatus();
        require(status == SimpleBitcoinVault.Status.LIVE || status == SimpleBitcoinVault.Status.CLOSING_INIT,
            "can only withdraw from a vault that is LIVE or CLOSING_INIT");
        bytes memory script = _scriptForAddress(btcAddress);
        require(script.length > 0, "btc address could not be converted to a valid withdrawal script");
        HemiBitcoin(HEMI_BTC_ADDRESS).burnBTC(msg.sender, amount);
        (bool success, uint256 fee, uint32 vaultUuid) = vault.initiateWithdrawal(script, amount, msg.sender);
        require(success, "withdrawal initialization failed");
        uuid = (uint64(vaultIndex) << 32) | uint64(vaultUuid);
        emit WithdrawalInitiated(address(vault), msg.sender, btcAddress, amount, amount - fee, uuid);
        return (fee, uuid);
    }

    /// @notice Re-mints the hemiBTC of a withdrawal not paid within the 12-hour grace period (anyone may call it).
    function challengeWithdrawal(uint64 uuid, bytes memory extraInfo) external returns (bool success) {
        SimpleBitcoinVault vault = _vault(uint32(uuid >> 32));
        (bool ok, uint256 sats, address withdrawer) = vault.challengeWithdrawal(uint32(uuid), extraInfo);
        if (ok) {
            HemiBitcoin(HEMI_BTC_ADDRESS).mintBTC(withdrawer, sats);
            emit WithdrawalChallengeSuccess(address(vault), withdrawer, uuid);
        }
        return ok;
    }

    /// @notice Mints collected operator fees as hemiBTC to the calling operator admin.
    function mintOperatorFees(uint32 vaultIndex, uint256 amountToMint) external returns (uint256 amountMinted) {
        (bool success, uint256 mintable) = _vault(vaultIndex).mintOperatorFees(msg.sender, amountToMint);
        require(success, "vault does not permit minting the specified amount");
        HemiBitcoin(HEMI_BTC_ADDRESS).mintBTC(msg.sender, mintable);
        return mintable;
    }

    /// @notice Burns hemiBTC a vault holds after a liquidation sale (vaults only).
    function burnLiquidatedBTC(uint256 amount) external {
        require(vaultList[msg.sender], "caller is not a vault");
        HemiBitcoin(HEMI_BTC_ADDRESS).burnBTC(msg.sender, amount);
    }

    /// @dev The scriptPubKey of a Bitcoin address through hBK, empty if hBK rejects it (Hemi's kit reverts on an
    /// undecodable address where the devchain's returns false: both end up empty here).
    function _scriptForAddress(string memory btcAddress) private view returns (bytes memory) {
        IBitcoinKit kit = IBitcoinKit(BITCOIN_KIT_ADDRESS);
        try kit.isAddressValid(btcAddress) returns (bool valid) {
            if (!valid) return "";
        } catch {
            return "";
        }
        try kit.getScriptForAddress(btcAddress) returns (bytes memory script) {
            return script;
        } catch {
            return "";
        }
    }
}
