// SPDX-License-Identifier: MIT
pragma solidity ^0.8.0;

/// @dev The ERC-20 functions of hemiBTC this vault uses.
interface IERC20 {
    function transfer(address to, uint256 value) external returns (bool);
    function transferFrom(address from, address to, uint256 value) external returns (bool);
    function balanceOf(address account) external view returns (uint256);
    function decimals() external view returns (uint8);
}

/// @title HemiBTCVault
/// @notice A time-locked savings vault for hemiBTC, the token the Bitcoin tunnel mints (8 decimals: 1 unit = 1 sat).
/// Approve the vault, `deposit`; after `lockSeconds` from your latest deposit, `withdraw`.
/// @dev The token address is a constructor argument: hemiBTC is 0xAA40c0c7644e0b2B224509571e10ad20d9C4ef28 on Hemi
/// mainnet and on the hemi-sdk devchain.
contract HemiBTCVault {
    IERC20 public immutable hemiBTC;
    uint256 public immutable lockSeconds;
    mapping(address => uint256) public balanceOf;
    mapping(address => uint256) public unlockAt;
    uint256 public totalDeposits;

    event Deposited(address indexed account, uint256 sats, uint256 unlockAt);
    event Withdrawn(address indexed account, uint256 sats);

    constructor(address token, uint256 lockSeconds_) {
        require(token.code.length != 0, "no token at this address");
        require(IERC20(token).decimals() == 8, "not an 8-decimal BTC token");
        hemiBTC = IERC20(token);
        lockSeconds = lockSeconds_;
    }

    /// @notice Moves `sats` hemiBTC from the caller into the vault (approve the vault first) and restarts the lock.
    function deposit(uint256 sats) external {
        require(sats != 0, "nothing to deposit");
        require(hemiBTC.transferFrom(msg.sender, address(this), sats), "transfer failed");
        balanceOf[msg.sender] += sats;
        totalDeposits += sats;
        uint256 until = block.timestamp + lockSeconds;
        unlockAt[msg.sender] = until;
        emit Deposited(msg.sender, sats, until);
    }

    /// @notice Returns `sats` of the caller's hemiBTC once the lock has expired.
    function withdraw(uint256 sats) external {
        require(block.timestamp >= unlockAt[msg.sender], "still locked");
        uint256 balance = balanceOf[msg.sender];
        require(balance >= sats, "insufficient balance");
        balanceOf[msg.sender] = balance - sats;
        totalDeposits -= sats;
        require(hemiBTC.transfer(msg.sender, sats), "transfer failed");
        emit Withdrawn(msg.sender, sats);
    }
}
