// SPDX-License-Identifier: MIT
pragma solidity ^0.8.0;

import "./TunnelConstants.sol";
import "./SimpleBitcoinVault.sol";
import "./SimpleBitcoinVaultState.sol";

/// @title SimpleBitcoinVaultFactory (hemi-sdk)
/// @notice Deploys SimpleBitcoinVaults for the BitcoinTunnelManager's `createVault` (only the manager may call it).
/// A separate contract, as on Hemi (hemilabs/bitcoin-tunnel-contracts SimpleBitcoinVaultFactory.sol), because a
/// contract that embeds the vault's creation code exceeds the 24 KiB code-size limit otherwise.
contract SimpleBitcoinVaultFactory {
    function createSimpleBitcoinVault(address operatorAdmin) external returns (address vault) {
        require(msg.sender == TUNNEL_MANAGER_ADDRESS, "caller is not the tunnel manager");
        return address(new SimpleBitcoinVault(operatorAdmin));
    }
}

/// @title SimpleBitcoinVaultStateFactory (hemi-sdk)
/// @notice Deploys the SimpleBitcoinVaultState child of a new vault (only the manager may call it).
contract SimpleBitcoinVaultStateFactory {
    function createSimpleBitcoinVaultState(address parentVault, address operatorAdmin) external returns (address) {
        require(msg.sender == TUNNEL_MANAGER_ADDRESS, "caller is not the tunnel manager");
        return address(new SimpleBitcoinVaultState(parentVault, operatorAdmin));
    }
}
