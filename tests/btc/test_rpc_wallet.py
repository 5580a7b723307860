"""Wallet RPCs through python-bitcoinlib's ``bitcoin.rpc.Proxy`` / ``RawProxy``, in-process, with Bitcoin Core's
answer shapes and error codes (bitcoin/bitcoin src/wallet/rpc/{addresses,coins,spend,transactions,backup}.cpp,
src/rpc/rawtransaction.cpp, src/rpc/output_script.cpp; descriptor checksums per BIP 380)."""

from __future__ import annotations

from decimal import Decimal

import pytest
from bitcoin.core import b2lx
from rpc_tools import rpc_error

from hemi.btc import COIN
from hemi.btc.rpc import descriptor_checksum, proxy, raw_proxy


def test_addresses_balance_and_send(chain):
    p, raw = proxy(chain), raw_proxy(chain)
    addr = str(p.getnewaddress())
    assert addr == chain.wallet().address and addr.startswith("bcrt1q")
    assert raw.getnewaddress("", "bech32m").startswith("bcrt1p")
    assert str(p.getrawchangeaddress()) == addr  # one key: change goes to the same P2WPKH address
    assert rpc_error(raw.getnewaddress, "", "nope") == {"code": -5, "message": "Unknown address type 'nope'"}
    assert p.getbalance() == 50 * COIN  # one mature coinbase; python-bitcoinlib converts to sats
    bob = chain.wallet("bob")
    txid = raw.sendtoaddress(bob.address, 1.5)
    assert txid in chain.mempool
    chain.mine()
    assert bob.balance == int(1.5 * COIN)
    tx = raw.gettransaction(txid)
    assert tx["confirmations"] == 1 and tx["txid"] == txid and tx["fee"] < 0
    assert {d["category"] for d in tx["details"]} == {"send", "receive"}  # payment out, change back
    assert rpc_error(raw.gettransaction, "00" * 32) == {"code": -5, "message": "Invalid or non-wallet transaction id"}
    rows = raw.listtransactions("*", 3)
    assert len(rows) == 3 and rows[-1]["txid"] == txid


def test_listunspent_shape(chain):
    (u,) = raw_proxy(chain).listunspent()
    assert list(u) == ["txid", "vout", "address", "label", "scriptPubKey", "amount", "confirmations", "spendable",
                       "solvable", "desc", "parent_descs", "safe"]
    assert u["amount"] == Decimal("50.00000000") and u["confirmations"] == 101 and u["spendable"] is True
    # a coin the wallet holds the key of: the descriptor Core's InferDescriptor gives (src/wallet/rpc/coins.cpp
    # listunspent), here without HD key origin (the key comes from the chain seed)
    assert u["desc"] == descriptor_checksum(f"wpkh({chain.wallet().pubkey.hex()})")


def test_create_fund_sign_send(chain):
    """The raw-transaction workflow tools use: create, fund, sign with the wallet, test, send."""
    raw = raw_proxy(chain)
    bob = chain.wallet("bob")
    unsigned = raw.createrawtransaction([], {bob.address: 2})
    funded = raw.fundrawtransaction(unsigned)
    assert funded["changepos"] == 1 and Decimal(0) < funded["fee"] < Decimal("0.001")
    assert rpc_error(raw.signrawtransactionwithwallet, unsigned) == {
        "code": -22, "message": "TX decode failed. Make sure the tx has at least one input."}
    signed = raw.signrawtransactionwithwallet(funded["hex"])
    assert signed["complete"] is True and "errors" not in signed
    (result,) = raw.testmempoolaccept([signed["hex"]])
    assert result["allowed"] is True
    txid = raw.sendrawtransaction(signed["hex"])
    chain.mine()
    assert chain.confirmations(txid) == 1 and bob.balance == 2 * COIN


def test_signrawtransaction_reports_unknown_inputs(chain):
    raw = raw_proxy(chain)
    tx = raw.createrawtransaction([{"txid": "11" * 32, "vout": 0}], {chain.wallet("bob").address: 1})
    out = raw.signrawtransactionwithwallet(tx)
    assert out["complete"] is False and out["errors"][0]["error"] == "Input not found or already spent"


def test_signrawtransaction_signs_what_it_can_next_to_an_unknown_input(chain):
    """A known P2WPKH input next to an unknown one: the known input is signed and the unknown one reported, as Core's
    SignTransaction does ("Sign what we can", src/script/sign.cpp; bitcoin/bitcoin test/functional/
    rpc_signrawtransactionwithkey.py and wallet_signrawtransactionwithwallet.py, the "script_verification_error"
    cases); the answer is not complete."""
    raw = raw_proxy(chain)
    (u,) = raw.listunspent()
    tx = raw.createrawtransaction([{"txid": u["txid"], "vout": u["vout"]}, {"txid": "11" * 32, "vout": 0}],
                                  {chain.wallet("bob").address: 1})
    out = raw.signrawtransactionwithwallet(tx)
    assert out["complete"] is False and out["hex"] != tx
    assert [(e["txid"], e["error"]) for e in out["errors"]] == [("11" * 32, "Input not found or already spent")]
    witness = raw.decoderawtransaction(out["hex"])["vin"][0]["txinwitness"]
    assert len(witness) == 2 and witness[1] == chain.wallet().pubkey.hex()


def test_signrawtransaction_leaves_a_taproot_input_unsigned_next_to_an_unknown_input(chain):
    """A taproot signature commits to every spent output (BIP 341), so next to an unknown input the wallet's P2TR
    input cannot be signed: it is reported with the script error, and nothing crashes."""
    raw = raw_proxy(chain)
    w = chain.wallet()
    txid = w.send(w.address_of("p2tr"), COIN)
    chain.mine()
    vout = next(n for n, o in enumerate(chain.tx(txid).tx.vout) if bytes(o.scriptPubKey) == w.script_of("p2tr"))
    tx = raw.createrawtransaction([{"txid": str(txid), "vout": vout}, {"txid": "11" * 32, "vout": 0}],
                                  {chain.wallet("bob").address: 0.5})
    out = raw.signrawtransactionwithwallet(tx)
    assert out["complete"] is False and out["hex"] == tx
    assert [e["txid"] for e in out["errors"]] == [str(txid), "11" * 32]


@pytest.mark.parametrize("name,hash_type", [("ALL", 0x01), ("NONE", 0x02), ("SINGLE", 0x03),
                                            ("ALL|ANYONECANPAY", 0x81), ("NONE|ANYONECANPAY", 0x82),
                                            ("SINGLE|ANYONECANPAY", 0x83)])
def test_signrawtransaction_signs_with_every_sighash_type(chain, name, hash_type):
    """Core's SighashFromStr (src/core_read.cpp) accepts these six names and DEFAULT; the signature ends with the
    type's byte and the transaction is accepted by the mempool (the interpreter checks the signature)."""
    raw = raw_proxy(chain)
    (u,) = raw.listunspent()
    tx = raw.createrawtransaction([{"txid": u["txid"], "vout": u["vout"]}],
                                  [{chain.wallet("bob").address: 49.999}])
    out = raw.signrawtransactionwithwallet(tx, None, name)
    assert out["complete"] is True
    sig = raw.decoderawtransaction(out["hex"])["vin"][0]["txinwitness"][0]
    assert int(sig[-2:], 16) == hash_type
    assert raw.testmempoolaccept([out["hex"]])[0]["allowed"] is True
    assert rpc_error(raw.signrawtransactionwithwallet, tx, None, "ANYONECANPAY") == {
        "code": -8, "message": "ANYONECANPAY is not a valid sighash parameter."}


def test_taproot_signature_with_explicit_all_is_65_bytes(chain):
    """BIP 341: SIGHASH_DEFAULT signs with 64 bytes; an explicit ALL appends its byte (Core signs with the type it
    is given)."""
    raw = raw_proxy(chain)
    w = chain.wallet()
    txid = w.send(w.address_of("p2tr"), COIN)
    chain.mine()
    vout = next(n for n, o in enumerate(chain.tx(txid).tx.vout) if bytes(o.scriptPubKey) == w.script_of("p2tr"))
    tx = raw.createrawtransaction([{"txid": str(txid), "vout": vout}], {chain.wallet("bob").address: 0.999})
    for name, size in (("DEFAULT", 64), ("ALL", 65)):
        out = raw.signrawtransactionwithwallet(tx, None, name)
        assert out["complete"] is True
        assert len(bytes.fromhex(raw.decoderawtransaction(out["hex"])["vin"][0]["txinwitness"][0])) == size
        assert raw.testmempoolaccept([out["hex"]])[0]["allowed"] is True


def test_descriptors(chain):
    raw = raw_proxy(chain)
    w = chain.wallet()
    info = raw.getdescriptorinfo(f"wpkh({w.pubkey.hex()})")
    assert info["descriptor"] == descriptor_checksum(f"wpkh({w.pubkey.hex()})") and info["issolvable"] is True
    assert raw.deriveaddresses(info["descriptor"]) == [w.address]
    assert raw.deriveaddresses(descriptor_checksum(f"pkh({w.pubkey.hex()})")) == [w.address_of("p2pkh")]
    assert raw.deriveaddresses(descriptor_checksum(f"sh(wpkh({w.pubkey.hex()}))")) == [w.address_of("p2sh-p2wpkh")]
    assert raw.deriveaddresses(descriptor_checksum(f"tr({w.key.xonly_pubkey.hex()})")) == [w.address_of("p2tr")]
    assert rpc_error(raw.deriveaddresses, f"wpkh({w.pubkey.hex()})") == {"code": -5, "message": "Missing checksum"}
    bad = info["descriptor"][:-1] + ("q" if info["descriptor"][-1] != "q" else "p")
    assert rpc_error(raw.getdescriptorinfo, bad)["code"] == -5


def test_import(chain):
    raw = raw_proxy(chain)
    bob = chain.wallet("bob")
    assert rpc_error(raw.importaddress, bob.address) == {
        "code": -4, "message": "Only legacy wallets are supported by this command"}
    assert raw.importdescriptors([{"desc": descriptor_checksum(f"addr({bob.address})"), "timestamp": "now"}]) == [
        {"success": True}]
    chain.wallet().send(bob.address, COIN)
    chain.mine()
    rows = raw.listunspent(1, 9999999, [bob.address])
    assert len(rows) == 1 and rows[0]["spendable"] is False and rows[0]["amount"] == Decimal("1.00000000")


def test_estimatesmartfee_and_proxy_types(chain):
    p = proxy(chain)
    assert p._call("estimatesmartfee", 6) == {"errors": ["Insufficient data or no feerate found"], "blocks": 0}
    txid = p.sendtoaddress(chain.wallet("bob").address, COIN)
    assert b2lx(txid) in chain.mempool


def test_fundrawtransaction_pays_the_fee_rate_for_legacy_inputs(chain):
    """Inputs are sized by kind: funding from a P2PKH coin still pays at least the wallet's 2 sat/vB."""
    raw = raw_proxy(chain)
    w = chain.wallet()
    w.send(w.address_of("p2pkh"), 5 * COIN)
    chain.mine()
    chain.mine(101, to=chain.wallet("miner2").address)  # the coinbase stays the largest coin, so spend it first
    w.send(chain.wallet("x").address, 50 * COIN - 5 * COIN - 10_000)  # leaves only the P2PKH coin and dust change
    chain.mine()
    funded = raw.fundrawtransaction(raw.createrawtransaction([], {chain.wallet("bob").address: 4}))
    signed = raw.signrawtransactionwithwallet(funded["hex"])
    (res,) = raw.testmempoolaccept([signed["hex"]])
    assert res["allowed"] is True
    assert res["fees"]["base"] * 100_000_000 * 1000 / res["vsize"] >= 2000  # sat/kvB


def test_python_bitcoinlib_proxy_wallet_helpers(chain):
    """python-bitcoinlib's typed helpers parse the answers: listunspent, fundrawtransaction,
    signrawtransactionwithwallet, sendrawtransaction, gettransaction."""
    from bitcoin.core import CMutableTransaction, CTxOut
    from bitcoin.wallet import CBitcoinAddress

    p = proxy(chain)
    (u,) = p.listunspent()
    assert u["amount"] == 50 * COIN and str(u["address"]) == chain.wallet().address
    assert u["outpoint"].n == 0 and u["scriptPubKey"] == chain.wallet().script_of()
    bob = CBitcoinAddress(chain.wallet("bob").address)
    unfunded = CMutableTransaction([], [CTxOut(3 * COIN, bob.to_scriptPubKey())])
    funded = p.fundrawtransaction(unfunded)
    assert funded["changepos"] == 1 and 0 < funded["fee"] < 100_000
    signed = p.signrawtransactionwithwallet(funded["tx"])
    assert signed["complete"] is True
    txid = p.sendrawtransaction(signed["tx"])
    assert p.gettransaction(txid)["confirmations"] == 0
