// SPDX-License-Identifier: MIT
pragma solidity ^0.8.0;

/// @dev The parts of Hemi's BitcoinTunnelManager a dapp calls (hemi-viem ``src/contracts/bitcoin-tunnel-manager.ts``).
interface IBitcoinTunnelManager {
    function confirmDeposit(uint32 vaultIndex, bytes32 txid, uint256 outputIndex, bytes calldata extraInfo)
        external returns (bool);
    function initiateWithdrawal(uint32 vaultIndex, string calldata btcAddress, uint256 amount)
        external returns (uint256 feeSats, uint64 uuid);
    function challengeWithdrawal(uint64 uuid, bytes calldata extraInfo) external returns (bool);
    function btcTokenContract() external view returns (address);
}

interface IERC20Balance {
    function balanceOf(address account) external view returns (uint256);
}

/// @notice A dapp that drives the Bitcoin tunnel from Solidity: it confirms deposits naming it, withdraws its own
/// hemiBTC to Bitcoin and challenges unpaid withdrawals; `try*` variants return the revert reason instead.
contract TunnelClient {
    IBitcoinTunnelManager public constant MANAGER =
        IBitcoinTunnelManager(0xEAcA824F46c000fB89403846Bb57e6b913321081); // Hemi mainnet
    uint64 public lastUuid;

    event Withdrew(uint64 uuid, uint256 feeSats);

    function hemiBtcBalance() external view returns (uint256) {
        return IERC20Balance(MANAGER.btcTokenContract()).balanceOf(address(this));
    }

    function confirm(bytes32 txid, uint256 vout) external {
        require(MANAGER.confirmDeposit(0, txid, vout, ""), "confirmDeposit returned false");
    }

    function tryConfirm(bytes32 txid, uint256 vout) external returns (string memory reason) {
        try MANAGER.confirmDeposit(0, txid, vout, "") returns (bool) {
            return "";
        } catch Error(string memory r) {
            return r;
        }
    }

    function withdraw(string calldata btcAddress, uint256 amount) external returns (uint64 uuid) {
        uint256 fee;
        (fee, uuid) = MANAGER.initiateWithdrawal(0, btcAddress, amount);
        lastUuid = uuid;
        emit Withdrew(uuid, fee);
    }

    function tryWithdraw(string calldata btcAddress, uint256 amount) external returns (string memory reason) {
        try MANAGER.initiateWithdrawal(0, btcAddress, amount) returns (uint256, uint64) {
            return "";
        } catch Error(string memory r) {
            return r;
        }
    }

    function challenge(uint64 uuid) external {
        MANAGER.challengeWithdrawal(uuid, "");
    }

    function tryChallenge(uint64 uuid) external returns (string memory reason) {
        try MANAGER.challengeWithdrawal(uuid, "") returns (bool) {
            return "";
        } catch Error(string memory r) {
            return r;
        }
    }
}
