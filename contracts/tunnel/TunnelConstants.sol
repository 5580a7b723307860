// SPDX-License-Identifier: MIT
pragma solidity ^0.8.0;

// Addresses and limits shared by the hemi-sdk Bitcoin tunnel contracts (hemi-protocol.md §3.1).
// File-level constants: they are inlined where used, need no storage and produce no artifact of their own.
// The three tunnel contracts are placed at these addresses as RUNTIME code in the devchain's genesis state, so
// none of them has a constructor or immutables; their setup is done by one-time `initialize` calls instead.

/// @dev BitcoinTunnelManager, at its Hemi mainnet address.
address constant TUNNEL_MANAGER_ADDRESS = 0xEAcA824F46c000fB89403846Bb57e6b913321081;
/// @dev hemiBTC (HemiBitcoin), at the Hemi mainnet token address.
address constant HEMI_BTC_ADDRESS = 0xAA40c0c7644e0b2B224509571e10ad20d9C4ef28;
/// @dev hBK (IBitcoinKit), at the Hemi mainnet "BitcoinKit v1" address.
address constant BITCOIN_KIT_ADDRESS = 0x7007dd1C09527B92AEcd8Ae6570B73d09E0B8F12;
/// @dev The devchain's single SimpleBitcoinVault. Chosen by hemi-sdk (NOT a Hemi address): Hemi creates vaults
/// through a factory at addresses of its own.
address constant SIMPLE_BITCOIN_VAULT_ADDRESS = 0x84000000000000000000000000000000000000B7;

/// @dev Confirmations (as counted by hBK getTxConfirmations) a deposit or a withdrawal payout needs.
uint32 constant MIN_BITCOIN_CONFIRMATIONS = 4;
/// @dev Smallest deposit output accepted, in sats (0.01 BTC).
uint256 constant MINIMUM_DEPOSIT_SATS = 1_000_000;
/// @dev Smallest withdrawal accepted, in sats (0.01 BTC).
uint256 constant MINIMUM_WITHDRAWAL_SATS = 1_000_000;
/// @dev Time the operator has to pay a withdrawal out before anyone may challenge it.
uint256 constant WITHDRAWAL_GRACE_PERIOD_SECONDS = 12 hours;
/// @dev Most withdrawals a vault keeps pending (initiated, neither finalized nor challenged) at once.
uint256 constant MAX_WITHDRAWAL_QUEUE_SIZE = 5;
/// @dev Only the first this-many outputs of a deposit are looked at (deposit output and recipient OP_RETURN).
uint256 constant MAX_DEPOSIT_OUTPUT_INDEX = 8;
/// @dev Size bounds of a withdrawal destination script (P2WPKH 22, P2SH 23, P2PKH 25, P2WSH/P2TR 34 bytes).
uint256 constant MIN_WITHDRAWAL_SCRIPT_LENGTH = 20;
uint256 constant MAX_WITHDRAWAL_SCRIPT_LENGTH = 64;
