// SPDX-License-Identifier: MIT
pragma solidity ^0.8.0;

// Addresses and values shared by the hemi-sdk Bitcoin tunnel contracts (see docs/tunnel.md for the sources).
// File-level constants: inlined where used, no storage, no artifact of their own.
// The genesis contracts are placed at these addresses as RUNTIME code with the storage their setup would leave
// (hemi.node.tunnel_genesis), so their cross-references are constants rather than constructor arguments.

/// @dev BitcoinTunnelManager, at its Hemi mainnet address (hemilabs/hemi-viem src/contracts/bitcoin-tunnel-manager.ts).
address constant TUNNEL_MANAGER_ADDRESS = 0xEAcA824F46c000fB89403846Bb57e6b913321081;
/// @dev hemiBTC, at the Hemi mainnet token address (hemilabs/token-list src/hemi.tokenlist.json).
address constant HEMI_BTC_ADDRESS = 0xAA40c0c7644e0b2B224509571e10ad20d9C4ef28;
/// @dev hBK (IBitcoinKit), at the Hemi mainnet "BitcoinKit v1" address.
address constant BITCOIN_KIT_ADDRESS = 0x7007dd1C09527B92AEcd8Ae6570B73d09E0B8F12;
/// @dev The devchain's genesis SimpleBitcoinVault (vault 0). hemi-sdk's choice, NOT a Hemi address.
address constant SIMPLE_BITCOIN_VAULT_ADDRESS = 0x84000000000000000000000000000000000000B7;
/// @dev The genesis vault's SimpleBitcoinVaultState child. hemi-sdk's choice.
address constant SIMPLE_BITCOIN_VAULT_STATE_ADDRESS = 0x84000000000000000000000000000000000000b8;
/// @dev GlobalConfig (also the vaults' config and price oracle). hemi-sdk's choice.
address constant GLOBAL_CONFIG_ADDRESS = 0x84000000000000000000000000000000000000b9;
/// @dev The ERC-20 vault operators post as collateral (a devchain test token). hemi-sdk's choice.
address constant COLLATERAL_TOKEN_ADDRESS = 0x84000000000000000000000000000000000000Ba;
/// @dev The stateless SimpleBitcoinVaultUTXOLogicHelper every vault uses. hemi-sdk's choice.
address constant UTXO_LOGIC_HELPER_ADDRESS = 0x84000000000000000000000000000000000000bb;
/// @dev The factories `createVault` deploys vaults and their state children through. hemi-sdk's choice.
address constant SIMPLE_BITCOIN_VAULT_FACTORY_ADDRESS = 0x84000000000000000000000000000000000000Bc;
address constant SIMPLE_BITCOIN_VAULT_STATE_FACTORY_ADDRESS = 0x84000000000000000000000000000000000000bD;
