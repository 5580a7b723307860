// SPDX-License-Identifier: MIT
pragma solidity ^0.8.20;

// A value store that refuses 7: the real-client and web3-over-HTTP tests deploy it, call it, read its event and
// its revert message.
contract Box {
    uint256 public value;
    event Stored(uint256 value);
    function store(uint256 v) external { require(v != 7, "seven is unlucky"); value = v; emit Stored(v); }
}
