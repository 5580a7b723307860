// SPDX-License-Identifier: MIT
pragma solidity ^0.8.0;

import "../../contracts/hbk/IBitcoinKit.sol";

/// @title BtcReader
/// @notice Example: read Bitcoin data from Solidity through the Hemi Bitcoin Kit (hBK), and record a Bitcoin
/// deposit in storage once it has enough confirmations.
/// @dev Uses only functions that Hemi's deployed hBK provides, so it runs unchanged on Hemi mainnet and on the
/// hemi-sdk devchain (which puts its kit at the same address). Txids are the explorer hex (display order).
contract BtcReader {
    /// @notice The hBK contract at its Hemi mainnet address.
    IBitcoinKit public constant HBK = IBitcoinKit(0x7007dd1C09527B92AEcd8Ae6570B73d09E0B8F12);

    /// @notice The output script deposits must pay (e.g. from `HBK.getScriptForAddress(address)`).
    bytes public depositScript;
    /// @notice Sats recorded per Bitcoin transaction (0 = not recorded).
    mapping(bytes32 => uint256) public deposits;
    /// @notice Sum of all recorded deposits, in sats.
    uint256 public totalDeposited;

    /// @notice Emitted when a Bitcoin transaction paying `depositScript` is recorded.
    /// @param txid Bitcoin transaction id.
    /// @param sats Total value of its outputs paying `depositScript`.
    /// @param confirmations Confirmations when recorded.
    /// @param recorder Account that recorded it.
    event DepositRecorded(bytes32 indexed txid, uint256 sats, uint32 confirmations, address indexed recorder);

    /// @notice Sets the script deposits must pay.
    /// @param depositScript_ A non-empty Bitcoin output script (scriptPubKey).
    constructor(bytes memory depositScript_) {
        require(depositScript_.length != 0, "BtcReader: empty deposit script");
        depositScript = depositScript_;
    }

    /// @notice Balance of a Bitcoin address as seen by the hVM.
    /// @param btcAddress Bitcoin address in its usual text form.
    /// @return Balance in sats.
    function balanceOf(string calldata btcAddress) external view returns (uint256) {
        return HBK.getBitcoinAddressBalance(btcAddress);
    }

    /// @notice Values and scripts of a Bitcoin transaction's outputs.
    /// @dev hBK returns at most the first 32 outputs and scripts cut to 64 bytes.
    /// @param txid Bitcoin transaction id.
    /// @return values Output values in sats, by vout.
    /// @return scripts Output scripts (possibly cut), by vout.
    function outputsOf(bytes32 txid) external view returns (uint256[] memory values, bytes[] memory scripts) {
        Output[] memory outs = HBK.getTransactionByTxId(txid).outputs;
        values = new uint256[](outs.length);
        scripts = new bytes[](outs.length);
        for (uint256 i = 0; i < outs.length; i++) {
            values[i] = outs[i].outValue;
            scripts[i] = outs[i].script;
        }
    }

    /// @notice Records a Bitcoin transaction that pays `depositScript`, once it has enough confirmations.
    /// @dev Sums the outputs whose full script equals `depositScript` (only the first 32 outputs are visible).
    /// Reverts if the txid was recorded before, has fewer than `minConfirmations`, or pays nothing to the script.
    /// @param txid Bitcoin transaction id.
    /// @param minConfirmations Confirmations required (1 = in the tip block of the hVM view).
    /// @return sats The recorded amount.
    function recordDeposit(bytes32 txid, uint32 minConfirmations) external returns (uint256 sats) {
        require(deposits[txid] == 0, "BtcReader: already recorded");
        uint32 confirmations = HBK.getTxConfirmations(txid);
        require(confirmations >= minConfirmations, "BtcReader: not enough confirmations");
        Output[] memory outs = HBK.getTransactionByTxId(txid).outputs;
        bytes32 wanted = keccak256(depositScript);
        for (uint256 i = 0; i < outs.length; i++) {
            if (outs[i].containsFullScript && keccak256(outs[i].script) == wanted) {
                sats += outs[i].outValue;
            }
        }
        require(sats > 0, "BtcReader: no output pays the deposit script");
        deposits[txid] = sats;
        totalDeposited += sats;
        emit DepositRecorded(txid, sats, confirmations, msg.sender);
    }
}
