"""Wallet RPC options and answers as Bitcoin Core gives them: fundrawtransaction's options, sendtoaddress's
subtractfeefromamount and errors, getaddressinfo, getwalletinfo, gettransaction's fields, and two reject texts.

Core's behaviour is read in bitcoin/bitcoin src/wallet/rpc/spend.cpp (``FundTransaction``, ``sendtoaddress``,
``SendMoney``, ``InterpretSubtractFeeFromOutputInstructions``), src/wallet/spend.cpp (``CreateTransactionInternal``:
the fee shared by the outputs that pay it, the first one the remainder; "Transaction amount too small"),
src/wallet/rpc/addresses.cpp (``getaddressinfo``), src/wallet/rpc/wallet.cpp (``getwalletinfo``),
src/wallet/rpc/transactions.cpp (``WalletTxToJSON``, ``ListTransactions``), src/rpc/rawtransaction.cpp
(``getrawtransaction``: "Block hash not found") and src/policy/policy.cpp (``IsStandardTx``: reason "dust", no debug
text).
"""

from __future__ import annotations

from decimal import Decimal

import pytest
from rpc_tools import rpc_error

from hemi.btc import COIN
from hemi.btc.rpc import raw_proxy


@pytest.fixture
def raw(chain):
    return raw_proxy(chain)


def _outputs(raw, hexstring: str) -> list[Decimal]:
    return [o["value"] for o in raw.decoderawtransaction(hexstring)["vout"]]


def _unfunded(raw, chain, btc_amount=1):
    return raw.createrawtransaction([], [{chain.wallet("bob").address: btc_amount}])


def test_fundrawtransaction_fee_rate_options(chain, raw):
    """fee_rate is sat/vB, feeRate BTC/kvB: 50 sat/vB either way pays 50 times the fee of 1 sat/vB."""
    tx = _unfunded(raw, chain)
    one = raw.fundrawtransaction(tx, {"fee_rate": 1})
    fifty = raw.fundrawtransaction(tx, {"fee_rate": 50})
    fifty_kvb = raw.fundrawtransaction(tx, {"feeRate": "0.0005"})
    vsize = raw.decoderawtransaction(one["hex"])["vsize"]
    assert one["fee"] * COIN >= vsize and fifty["fee"] == fifty_kvb["fee"] == one["fee"] * 50
    assert rpc_error(raw.fundrawtransaction, tx, {"fee_rate": 1, "feeRate": "0.0001"}) == {
        "code": -8, "message": "Cannot specify both fee_rate (sat/vB) and feeRate (BTC/kvB)"}
    assert rpc_error(raw.fundrawtransaction, tx, {"feeRate": "0.0001", "estimate_mode": "economical"}) == {
        "code": -8, "message": "Cannot specify both estimate_mode and feeRate"}


def test_fundrawtransaction_change_position_address_and_type(chain, raw):
    tx = _unfunded(raw, chain)
    first = raw.fundrawtransaction(tx, {"changePosition": 0})
    assert first["changepos"] == 0 and _outputs(raw, first["hex"])[1] == Decimal("1.00000000")
    carol = chain.wallet("carol").address
    to_carol = raw.fundrawtransaction(tx, {"change_address": carol})
    change = raw.decoderawtransaction(to_carol["hex"])["vout"][to_carol["changepos"]]
    assert change["scriptPubKey"]["address"] == carol
    legacy = raw.fundrawtransaction(tx, {"change_type": "legacy"})
    assert raw.decoderawtransaction(legacy["hex"])["vout"][legacy["changepos"]]["scriptPubKey"]["type"] == \
        "pubkeyhash"
    assert rpc_error(raw.fundrawtransaction, tx, {"changePosition": 2}) == {
        "code": -8, "message": "changePosition out of bounds"}
    assert rpc_error(raw.fundrawtransaction, tx, {"change_address": carol, "change_type": "legacy"}) == {
        "code": -8, "message": "Cannot specify both change address and address type options"}
    assert rpc_error(raw.fundrawtransaction, tx, {"change_address": "nope"}) == {
        "code": -5, "message": "Change address must be a valid bitcoin address"}


def test_fundrawtransaction_subtracts_the_fee_from_outputs(chain, raw):
    """subtractFeeFromOutputs: the named outputs pay the fee in equal shares, the first of them the remainder, and the
    change is the inputs' excess over the outputs as written."""
    bob, carol = chain.wallet("bob").address, chain.wallet("carol").address
    tx = raw.createrawtransaction([], [{bob: 1}, {carol: 2}])
    funded = raw.fundrawtransaction(tx, {"subtractFeeFromOutputs": [0, 1], "changePosition": 2})
    fee = int(funded["fee"] * COIN)
    values = [int(v * COIN) for v in _outputs(raw, funded["hex"])]
    assert values[2] == 47 * COIN  # the change: 50 BTC in, 3 BTC to the outputs as written
    assert values[0] == COIN - fee // 2 - fee % 2 and values[1] == 2 * COIN - fee // 2
    assert rpc_error(raw.fundrawtransaction, tx, {"subtractFeeFromOutputs": [2]}) == {
        "code": -8, "message": "Invalid parameter 'subtract fee from output', position too large: 2"}
    assert rpc_error(raw.fundrawtransaction, tx, {"subtractFeeFromOutputs": [0, 0]}) == {
        "code": -8, "message": "Invalid parameter 'subtract fee from output', duplicated position: 0"}


def test_fundrawtransaction_refuses_unknown_and_mistyped_options(chain, raw):
    """RPCTypeCheckObj with strict keys: -3 for an unknown key or a value of the wrong JSON type; options the
    embedded wallet cannot honour are refused, never ignored."""
    tx = _unfunded(raw, chain)
    assert rpc_error(raw.fundrawtransaction, tx, {"bogus": 1}) == {"code": -3, "message": "Unexpected key bogus"}
    assert rpc_error(raw.fundrawtransaction, tx, {"changePosition": "0"}) == {
        "code": -3, "message": "Expected type number for changePosition, got string"}
    assert rpc_error(raw.fundrawtransaction, tx, {"input_weights": []})["code"] == -8


def test_fundrawtransaction_replaceable_add_inputs_and_minconf(chain, raw):
    tx = _unfunded(raw, chain)
    final = raw.fundrawtransaction(tx, {"replaceable": False})
    assert raw.decoderawtransaction(final["hex"])["vin"][0]["sequence"] == 0xFFFFFFFE
    (u,) = raw.listunspent()
    w = chain.wallet()
    small = w.send(w.address, COIN)  # an unconfirmed coin of the wallet's own
    vout = next(n for n, o in enumerate(chain.tx(small).tx.vout) if o.nValue == COIN)
    own = raw.createrawtransaction([{"txid": str(small), "vout": vout}], [{chain.wallet("bob").address: 2}])
    assert rpc_error(raw.fundrawtransaction, own, {"add_inputs": False}) == {
        "code": -4, "message": "The preselected coins total amount does not cover the transaction target. "
                               "Please allow other inputs to be automatically selected or include more coins "
                               "manually"}
    assert rpc_error(raw.fundrawtransaction, _unfunded(raw, chain, 40), {"minconf": 1}) == {
        "code": -4, "message": "Insufficient funds"}  # the only coin left is unconfirmed change
    assert raw.fundrawtransaction(_unfunded(raw, chain, 40))["changepos"] >= 0


def test_sendtoaddress_subtractfeefromamount_and_errors(chain, raw):
    bob = chain.wallet("bob")
    txid = raw.sendtoaddress(bob.address, 1, "", "", True)
    tx = raw.getrawtransaction(txid, 1)
    paid = [o["value"] for o in tx["vout"] if o["scriptPubKey"].get("address") == bob.address]
    fee = Decimal(50) - sum(o["value"] for o in tx["vout"])
    assert paid == [Decimal(1) - fee] and fee > 0
    assert rpc_error(raw.sendtoaddress, "nope", 1) == {"code": -5, "message": "Invalid Bitcoin address: nope"}
    assert rpc_error(raw.sendtoaddress, bob.address, 0) == {"code": -6, "message": "Transaction amount too small"}
    assert rpc_error(raw.sendtoaddress, bob.address, "0.00000300", "", "", True) == {
        "code": -6, "message": "The transaction amount is too small to send after the fee has been deducted"}


def test_getaddressinfo_of_the_wallets_addresses(chain, raw):
    w = chain.wallet()
    info = raw.getaddressinfo(w.address)
    assert list(info)[:5] == ["address", "scriptPubKey", "ismine", "solvable", "desc"]
    assert info["ismine"] is True and info["pubkey"] == w.pubkey.hex() and info["labels"] == [""]
    assert info["desc"].startswith(f"wpkh({w.pubkey.hex()})#") and info["witness_version"] == 0
    wrapped = raw.getaddressinfo(w.address_of("p2sh-p2wpkh"))
    assert wrapped["isscript"] is True and wrapped["script"] == "witness_v0_keyhash"
    assert wrapped["embedded"]["address"] == w.address and wrapped["pubkey"] == w.pubkey.hex()
    legacy = raw.getaddressinfo(w.address_of("p2pkh"))
    assert legacy["iscompressed"] is True and legacy["desc"].startswith("pkh(")
    other = raw.getaddressinfo(chain.wallet("bob").address)
    assert other["ismine"] is False and other["solvable"] is False and "pubkey" not in other
    assert other["labels"] == [] and "desc" not in other
    assert rpc_error(raw.getaddressinfo, "nope")["code"] == -5


def test_getwalletinfo(chain, raw):
    info = raw.getwalletinfo()
    assert info["balance"] == Decimal(50) and info["immature_balance"] == Decimal(5000)
    assert info["txcount"] == 101 and info["descriptors"] is True and info["private_keys_enabled"] is True
    assert info["lastprocessedblock"] == {"hash": str(chain.tip), "height": 101}
    raw.sendtoaddress(chain.wallet("bob").address, 1)
    assert raw.getwalletinfo()["txcount"] == 102


def test_gettransaction_fields_and_detail_order(chain, raw):
    """WalletTxToJSON: trusted while unconfirmed, time and timereceived, mempoolconflicts, lastprocessedblock,
    generated for a coinbase; ListTransactions puts the send entries before the receive ones."""
    txid = raw.sendtoaddress(chain.wallet("bob").address, 1)
    pending = raw.gettransaction(txid)
    assert pending["trusted"] is True and pending["mempoolconflicts"] == []
    assert pending["time"] == pending["timereceived"] > 0
    # the change returns to the wallet's one (address-book) address, so Core lists it as received
    assert [d["category"] for d in pending["details"]] == ["send", "receive"]
    chain.mine()
    mined = raw.gettransaction(txid)
    assert "trusted" not in mined and mined["time"] == mined["blocktime"]
    assert mined["lastprocessedblock"]["height"] == 102
    coinbase = raw.gettransaction(str(chain.block(1).txs[0].GetTxid()[::-1].hex()))
    assert coinbase["generated"] is True


def test_reject_texts_as_core(chain, raw):
    """Dust is refused with Core's bare reason (no debug text); an unknown block hash given to getrawtransaction is
    "Block hash not found"."""
    w = chain.wallet()
    (u,) = raw.listunspent()
    tx = raw.createrawtransaction([{"txid": u["txid"], "vout": u["vout"]}],
                                  [{chain.wallet("bob").address: "0.00000100"}, {w.address: 49.99}])
    signed = raw.signrawtransactionwithwallet(tx)["hex"]
    assert rpc_error(raw.sendrawtransaction, signed) == {"code": -26, "message": "dust"}
    assert rpc_error(raw.getrawtransaction, u["txid"], 0, "ab" * 32) == {"code": -5, "message": "Block hash not found"}
