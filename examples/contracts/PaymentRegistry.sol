// SPDX-License-Identifier: MIT
pragma solidity ^0.8.20;

/// @title PaymentRegistry: acts on a Bitcoin payment, read straight from Hemi's hVM precompiles.
/// @notice `record` accepts a Bitcoin output once it has enough confirmations and remembers its value. The
///         precompiles take and return big-endian integers and display-order txids (explorer hex as bytes32).
contract PaymentRegistry {
    address private constant BTC_TX_CONFIRMATIONS = address(0x43);
    address private constant BTC_OUTPUT_BY_TXID = address(0x48);

    /// @notice Sats recorded per Bitcoin txid (0: nothing recorded).
    mapping(bytes32 => uint64) public paid;

    event PaymentRecorded(bytes32 indexed txid, uint16 vout, uint64 sats, uint32 confirmations);

    /// @notice Record output `vout` of Bitcoin tx `txid` once it has `minConfirmations` (counted by the hVM from
    ///         its light tip). Reverts with a reason when the hVM does not know the tx, the output is spent or
    ///         unknown, the confirmations are too few, or the txid was already recorded.
    function record(bytes32 txid, uint16 vout, uint32 minConfirmations) external returns (uint64 sats) {
        require(paid[txid] == 0, "already recorded");
        // 0x43 fails the call outright for a txid the hVM does not know (op-geth's frozen quirk)
        (bool ok, bytes memory confs) = BTC_TX_CONFIRMATIONS.staticcall(abi.encodePacked(txid));
        require(ok && confs.length == 4, "bitcoin tx unknown to the hVM");
        uint32 confirmations = uint32(bytes4(confs));
        require(confirmations >= minConfirmations, "not enough confirmations");
        // 0x48: value u64 | full script length u16 | script[:max] | flag (1 = unspent); empty when spent
        (bool ok2, bytes memory out) = BTC_OUTPUT_BY_TXID.staticcall(abi.encodePacked(txid, vout, uint16(64)));
        require(ok2 && out.length >= 11, "output unknown or spent");
        sats = uint64(bytes8(out));
        paid[txid] = sats;
        emit PaymentRecorded(txid, vout, sats, confirmations);
    }
}
