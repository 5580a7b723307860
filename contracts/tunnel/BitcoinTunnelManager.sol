// SPDX-License-Identifier: MIT
pragma solidity ^0.8.0;

import "../hbk/IBitcoinKit.sol";
import "./TunnelConstants.sol";
import "./HemiBitcoin.sol";
import "./SimpleBitcoinVault.sol";

/// @title BitcoinTunnelManager (hemi-sdk)
/// @notice Entry point of the hemi-sdk Bitcoin tunnel: confirms Bitcoin deposits (minting hemiBTC), initiates
/// withdrawals (burning hemiBTC) and settles challenges (re-minting hemiBTC) for its vaults. The function
/// signatures, return values and events listed in hemi-protocol.md §3.1 match Hemi's BitcoinTunnelManager, so
/// clients written for Hemi (hemi-viem, the portal) can call it; the implementation is hemi-sdk's own.
/// @dev Placed as RUNTIME code at Hemi mainnet's manager address 0xEAcA824F46c000fB89403846Bb57e6b913321081 in the
/// devchain's genesis: no constructor, so the vault is registered by a one-time `initialize(vault)` that the
/// devchain runs when it sets the tunnel up (after `SimpleBitcoinVault.initialize`). The token and hBK addresses
/// are constants. There is exactly one vault, index 0; `createVault` is not offered.
/// Not modelled: GlobalConfig (globalConfig() returns address(0)), pausing, whitelists, operator fee minting,
/// liquidations, deposit preconfirmation (reverts, as SimpleBitcoinVault does on Hemi).
contract BitcoinTunnelManager {
    /// @notice Emitted once by initialize: `setupAdmin` is the caller, `operatorAdmin` the vault's operator.
    event VaultCreated(address indexed setupAdmin, address indexed operatorAdmin, address indexed vaultAddress);
    /// @notice A Bitcoin deposit was verified and `netSatsAfterFee` hemiBTC minted to `recipient`.
    event DepositConfirmed(address indexed vault, address indexed recipient, bytes32 indexed depositTxId,
        uint256 depositSats, uint256 netSatsAfterFee);
    /// @notice `withdrawalSats` hemiBTC were burned; the operator owes `netSatsAfterFee` sats to `btcAddress`.
    /// (`btcAddress` is indexed, so the topic is the keccak of the string.)
    event WithdrawalInitiated(address indexed vault, address indexed withdrawer, string indexed btcAddress,
        uint256 withdrawalSats, uint256 netSatsAfterFee, uint64 uuid);
    /// @notice A withdrawal not paid in time was challenged and its hemiBTC re-minted to `withdrawer`.
    event WithdrawalChallengeSuccess(address indexed vault, address indexed withdrawer, uint64 indexed uuid);

    /// @notice Vault by index (index 0 is the devchain's SimpleBitcoinVault once initialized).
    mapping(uint32 => address) public vaults;
    /// @notice Number of vaults (0 before initialize, then 1).
    uint32 public vaultCounter;

    // ------------------------------------------------------------------------------------------------ setup

    /// @notice One-time setup: registers `vault` as vault 0. Anyone may call it once (the genesis state has no
    /// constructor run); the devchain does, right after initializing the vault.
    /// @param vault An initialized SimpleBitcoinVault (the devchain passes SIMPLE_BITCOIN_VAULT_ADDRESS).
    function initialize(address vault) external {
        require(vaultCounter == 0, "tunnel manager already initialized");
        require(vault.code.length != 0, "vault has no code");
        require(SimpleBitcoinVault(vault).initialized(), "vault not initialized");
        vaults[0] = vault;
        vaultCounter = 1;
        emit VaultCreated(msg.sender, SimpleBitcoinVault(vault).operator(), vault);
    }

    // ------------------------------------------------------------------------------------------------ getters

    /// @notice The hemiBTC token this manager mints and burns.
    /// @return hemiBTC's address.
    function btcTokenContract() external pure returns (address) {
        return HEMI_BTC_ADDRESS;
    }

    /// @notice The hBK (IBitcoinKit) the tunnel checks Bitcoin with.
    /// @return hBK's address.
    function originalBitcoinKitContract() external pure returns (address) {
        return BITCOIN_KIT_ADDRESS;
    }

    /// @notice Hemi's GlobalConfig contract; hemi-sdk has none.
    /// @return address(0).
    function globalConfig() external pure returns (address) {
        return address(0);
    }

    // ------------------------------------------------------------------------------------------------ deposits

    /// @notice Not used: SimpleBitcoinVault deposits are confirmed directly with confirmDeposit.
    function preconfirmDeposit(uint32, bytes32, uint256, bytes calldata) external pure returns (bool) {
        revert("deposit preconfirmation is not used");
    }

    /// @notice Confirms a Bitcoin deposit to a vault's custody address and mints hemiBTC to the recipient named in
    /// its OP_RETURN (see SimpleBitcoinVault.confirmDeposit for every check). Anyone may call it.
    /// @param vaultIndex Vault to credit (0).
    /// @param txid Deposit txid (display order, as shown by explorers).
    /// @param outputIndex vout of the output paying the custody script (< 8).
    /// @param extraInfo Unused by SimpleBitcoinVault.
    /// @return True (reverts otherwise).
    function confirmDeposit(uint32 vaultIndex, bytes32 txid, uint256 outputIndex, bytes calldata extraInfo)
        external
        returns (bool)
    {
        address vault = _vault(vaultIndex);
        (address recipient, uint256 depositSats, uint256 netSats) =
            SimpleBitcoinVault(vault).confirmDeposit(txid, outputIndex, extraInfo);
        HemiBitcoin(HEMI_BTC_ADDRESS).mintBTC(recipient, netSats);
        emit DepositConfirmed(vault, recipient, txid, depositSats, netSats);
        return true;
    }

    // ------------------------------------------------------------------------------------------------ withdrawals

    /// @notice Burns `amount` hemiBTC of the caller and asks the vault's operator to pay `amount - fee` sats to
    /// `btcAddress` on Bitcoin.
    /// @param vaultIndex Vault to withdraw from (0).
    /// @param btcAddress Destination address on the tracked Bitcoin network (regtest on the devchain).
    /// @param amount hemiBTC to burn, in sats (>= MINIMUM_WITHDRAWAL_SATS).
    /// @return feeSats Withdrawal fee kept by the vault.
    /// @return uuid `(vaultIndex << 32) | vault uuid`; the payout's OP_RETURN starts with the low 32 bits (BE).
    function initiateWithdrawal(uint32 vaultIndex, string calldata btcAddress, uint256 amount)
        external
        returns (uint256 feeSats, uint64 uuid)
    {
        address vault = _vault(vaultIndex);
        require(amount >= MINIMUM_WITHDRAWAL_SATS, "below minimum withdrawal");
        require(HemiBitcoin(HEMI_BTC_ADDRESS).balanceOf(msg.sender) >= amount, "insufficient hemiBTC balance");
        bytes memory script = _scriptForAddress(btcAddress);
        require(
            script.length >= MIN_WITHDRAWAL_SCRIPT_LENGTH && script.length <= MAX_WITHDRAWAL_SCRIPT_LENGTH,
            "invalid bitcoin address"
        );
        HemiBitcoin(HEMI_BTC_ADDRESS).burnBTC(msg.sender, amount);
        uint32 vaultUuid;
        (feeSats, vaultUuid) = SimpleBitcoinVault(vault).initiateWithdrawal(script, amount, msg.sender);
        uuid = (uint64(vaultIndex) << 32) | uint64(vaultUuid);
        emit WithdrawalInitiated(vault, msg.sender, btcAddress, amount, amount - feeSats, uuid);
    }

    /// @notice Re-mints the hemiBTC of a withdrawal the operator did not pay within
    /// WITHDRAWAL_GRACE_PERIOD_SECONDS (12 h of L2 block time). Anyone may call it.
    /// @param uuid The uuid returned by initiateWithdrawal.
    /// @param extraInfo Unused by SimpleBitcoinVault.
    /// @return True (reverts otherwise).
    function challengeWithdrawal(uint64 uuid, bytes calldata extraInfo) external returns (bool) {
        address vault = _vault(uint32(uuid >> 32));
        (address withdrawer, uint256 amount) = SimpleBitcoinVault(vault).challengeWithdrawal(uint32(uuid), extraInfo);
        HemiBitcoin(HEMI_BTC_ADDRESS).mintBTC(withdrawer, amount);
        emit WithdrawalChallengeSuccess(vault, withdrawer, uuid);
        return true;
    }

    // ------------------------------------------------------------------------------------------------ internals

    function _vault(uint32 vaultIndex) internal view returns (address vault) {
        vault = vaults[vaultIndex];
        require(vault != address(0), "unknown vault");
    }

    /// @dev The scriptPubKey of a Bitcoin address through hBK, or empty if hBK says it is not valid on the tracked
    /// network (or reverts: Hemi's kit reverts where hemi-sdk's returns false).
    function _scriptForAddress(string calldata btcAddress) internal view returns (bytes memory) {
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
