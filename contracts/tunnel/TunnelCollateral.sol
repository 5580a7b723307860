// SPDX-License-Identifier: MIT
pragma solidity ^0.8.0;

/// @title TunnelCollateral (hemi-sdk devchain test token)
/// @notice The ERC-20 vault operators post as collateral on the devchain ("Devchain Vault Collateral", dCOL,
/// 18 decimals). Anyone may `mint` (a faucet: it exists only so tests can create and fund vaults). On Hemi the
/// permitted collateral asset is whatever the vault config names; this token stands in for it.
contract TunnelCollateral {
    event Transfer(address indexed from, address indexed to, uint256 value);
    event Approval(address indexed owner, address indexed spender, uint256 value);

    uint256 public totalSupply;
    mapping(address => uint256) public balanceOf;
    mapping(address => mapping(address => uint256)) public allowance;

    function name() external pure returns (string memory) { return "Devchain Vault Collateral"; }
    function symbol() external pure returns (string memory) { return "dCOL"; }
    function decimals() external pure returns (uint8) { return 18; }

    /// @notice Faucet: creates `amount` tokens for `to`.
    function mint(address to, uint256 amount) external {
        require(to != address(0), "mint to the zero address");
        totalSupply += amount;
        balanceOf[to] += amount;
        emit Transfer(address(0), to, amount);
    }

    function transfer(address to, uint256 value) external returns (bool) {
        _move(msg.sender, to, value);
        return true;
    }

    function approve(address spender, uint256 value) external returns (bool) {
        allowance[msg.sender][spender] = value;
        emit Approval(msg.sender, spender, value);
        return true;
    }

    function transferFrom(address from, address to, uint256 value) external returns (bool) {
        uint256 allowed = allowance[from][msg.sender];
        require(allowed >= value, "insufficient allowance");
        if (allowed != type(uint256).max) allowance[from][msg.sender] = allowed - value;
        _move(from, to, value);
        return true;
    }

    function _move(address from, address to, uint256 value) private {
        require(to != address(0), "transfer to the zero address");
        require(balanceOf[from] >= value, "transfer amount exceeds balance");
        balanceOf[from] -= value;
        balanceOf[to] += value;
        emit Transfer(from, to, value);
    }
}
