// SPDX-License-Identifier: MIT
pragma solidity ^0.8.20;

/// The benchmarks' contract: one storage write per bump(), one read per count().
contract Counter {
    uint256 private n;

    function bump() external {
        n += 1;
    }

    function count() external view returns (uint256) {
        return n;
    }
}
