// SPDX-License-Identifier: MIT
pragma solidity ^0.8.0;

import "./TunnelConstants.sol";

/// @title HemiBitcoin (hemiBTC)
/// @notice ERC-20 "Hemi Bitcoin" / "hemiBTC" with 8 decimals (1 token unit = 1 sat), minted when a Bitcoin deposit
/// is confirmed and burned when a withdrawal is initiated. Only the Bitcoin tunnel manager may mint or burn.
/// @dev hemi-sdk's own implementation, ABI-compatible with the token Hemi deploys at
/// 0xAA40c0c7644e0b2B224509571e10ad20d9C4ef28 for the ERC-20 functions and `mintBTC`/`burnBTC`.
/// The devchain writes this RUNTIME code at that address in genesis: no constructor runs, so name, symbol,
/// decimals and the manager address are constants, and the supply starts at zero in empty storage.
contract HemiBitcoin {
    /// @notice Emitted on every balance move, with `from == address(0)` for mints and `to == address(0)` for burns.
    event Transfer(address indexed from, address indexed to, uint256 value);
    /// @notice Emitted when `owner` sets the allowance of `spender`.
    event Approval(address indexed owner, address indexed spender, uint256 value);

    mapping(address => uint256) private _balances;
    mapping(address => mapping(address => uint256)) private _allowances;
    uint256 private _totalSupply;

    /// @notice The only account allowed to call mintBTC and burnBTC.
    /// @return The BitcoinTunnelManager address (Hemi mainnet's).
    function tunnelManager() external pure returns (address) {
        return TUNNEL_MANAGER_ADDRESS;
    }

    /// @notice Token name.
    /// @return "Hemi Bitcoin".
    function name() external pure returns (string memory) {
        return "Hemi Bitcoin";
    }

    /// @notice Token symbol.
    /// @return "hemiBTC".
    function symbol() external pure returns (string memory) {
        return "hemiBTC";
    }

    /// @notice Decimals: 8, so one unit is one satoshi.
    /// @return 8.
    function decimals() external pure returns (uint8) {
        return 8;
    }

    /// @notice Tokens in existence.
    /// @return The total supply in sats.
    function totalSupply() external view returns (uint256) {
        return _totalSupply;
    }

    /// @notice Balance of an account.
    /// @param account The holder.
    /// @return The balance in sats.
    function balanceOf(address account) external view returns (uint256) {
        return _balances[account];
    }

    /// @notice What `spender` may still move from `owner`'s balance.
    /// @param owner The holder.
    /// @param spender The approved spender.
    /// @return The remaining allowance.
    function allowance(address owner, address spender) external view returns (uint256) {
        return _allowances[owner][spender];
    }

    /// @notice Moves `value` from the caller to `to`.
    /// @param to Recipient (not the zero address).
    /// @param value Amount in sats.
    /// @return True (reverts on failure).
    function transfer(address to, uint256 value) external returns (bool) {
        _move(msg.sender, to, value);
        return true;
    }

    /// @notice Lets `spender` move up to `value` of the caller's tokens (replacing any previous allowance).
    /// @param spender The approved account (not the zero address).
    /// @param value The new allowance; type(uint256).max means unlimited (never decreased by transferFrom).
    /// @return True.
    function approve(address spender, uint256 value) external returns (bool) {
        require(spender != address(0), "hemiBTC: approve to the zero address");
        _allowances[msg.sender][spender] = value;
        emit Approval(msg.sender, spender, value);
        return true;
    }

    /// @notice Moves `value` from `from` to `to` using the caller's allowance.
    /// @param from Holder.
    /// @param to Recipient (not the zero address).
    /// @param value Amount in sats.
    /// @return True (reverts on failure).
    function transferFrom(address from, address to, uint256 value) external returns (bool) {
        uint256 allowed = _allowances[from][msg.sender];
        if (allowed != type(uint256).max) {
            require(allowed >= value, "hemiBTC: insufficient allowance");
            unchecked {
                _allowances[from][msg.sender] = allowed - value;
            }
        }
        _move(from, to, value);
        return true;
    }

    /// @notice Mints hemiBTC for a confirmed deposit or a successful withdrawal challenge. Tunnel manager only.
    /// @param recipient Account credited (not the zero address).
    /// @param amount Sats minted.
    function mintBTC(address recipient, uint256 amount) external {
        require(msg.sender == TUNNEL_MANAGER_ADDRESS, "hemiBTC: caller is not the tunnel manager");
        require(recipient != address(0), "hemiBTC: mint to the zero address");
        _totalSupply += amount;
        unchecked {
            _balances[recipient] += amount; // cannot overflow: bounded by _totalSupply
        }
        emit Transfer(address(0), recipient, amount);
    }

    /// @notice Burns hemiBTC of a withdrawer. Tunnel manager only (no allowance needed).
    /// @param account Account debited.
    /// @param amount Sats burned.
    function burnBTC(address account, uint256 amount) external {
        require(msg.sender == TUNNEL_MANAGER_ADDRESS, "hemiBTC: caller is not the tunnel manager");
        uint256 balance = _balances[account];
        require(balance >= amount, "hemiBTC: burn amount exceeds balance");
        unchecked {
            _balances[account] = balance - amount;
            _totalSupply -= amount;
        }
        emit Transfer(account, address(0), amount);
    }

    function _move(address from, address to, uint256 value) private {
        require(to != address(0), "hemiBTC: transfer to the zero address");
        uint256 balance = _balances[from];
        require(balance >= value, "hemiBTC: transfer amount exceeds balance");
        unchecked {
            _balances[from] = balance - value;
            _balances[to] += value; // cannot overflow: bounded by _totalSupply
        }
        emit Transfer(from, to, value);
    }
}
