"""Deterministic wallets: every standard address kind, and spending from each under its own signature rules."""

from __future__ import annotations

import pytest
from bitcoin.core import CTransaction

from hemi.btc import ADDRESS_KINDS, COIN, BitcoinChain
from hemi.btc import script as S
from hemi.btc.address import address_to_script, script_to_address
from hemi.errors import HemiValueError, InsufficientFunds, InvalidAddressError, WrongNetworkError

EXPECTED_PREFIX = {"p2wpkh": "bcrt1q", "p2sh-p2wpkh": "2", "p2pkh": ("m", "n"), "p2wsh": "bcrt1q", "p2tr": "bcrt1p"}
EXPECTED_TYPE = {"p2wpkh": S.WITNESS_V0_KEYHASH, "p2sh-p2wpkh": S.SCRIPTHASH, "p2pkh": S.PUBKEYHASH,
                 "p2wsh": S.WITNESS_V0_SCRIPTHASH, "p2tr": S.WITNESS_V1_TAPROOT}


def test_wallet_addresses_of_every_kind_round_trip(btc):
    w = btc.wallet("alice")
    assert set(w.addresses) == set(ADDRESS_KINDS)
    assert w.address == w.addresses["p2wpkh"]
    for kind, addr in w.addresses.items():
        assert addr.startswith(EXPECTED_PREFIX[kind])
        spk = address_to_script(addr)
        assert S.solve(spk).kind == EXPECTED_TYPE[kind]
        assert script_to_address(spk) == addr
        assert w.owns(addr)
    assert len(w.addresses["p2wsh"]) == 64 and len(w.addresses["p2tr"]) == 64


def test_wallets_are_deterministic_per_seed_and_name():
    a, b = BitcoinChain(seed=7), BitcoinChain(seed=7)
    assert a.wallet("x").addresses == b.wallet("x").addresses
    assert a.wallet("x").address != a.wallet("y").address
    assert BitcoinChain(seed=8).wallet("x").address != a.wallet("x").address
    assert a.wallet("x") is a.wallet("x")


@pytest.mark.parametrize("kind", ADDRESS_KINDS)
def test_spend_from_each_address_kind(funded, kind):
    """Receive on `kind`, then spend that output alone: legacy, BIP 143 or BIP 341 signing must verify."""
    alice, bob = funded.wallet("alice"), funded.wallet("bob")
    alice.send(bob.address_of(kind), 3 * COIN)
    funded.mine()
    (utxo,) = [u for u in bob.utxos if u.address == bob.address_of(kind)]
    tx = bob.build_tx(alice.address, 2 * COIN, from_kind=kind, fee_rate=5)
    assert [(i.prevout.hash, i.prevout.n) for i in tx.vin] == [(bytes(utxo.txid), utxo.vout)]
    txid = funded.send_raw(tx)
    assert funded.confirmations(txid) == 0
    funded.mine()
    info = funded.tx(txid)
    assert info.confirmations == 1 and info.fee >= 5 * funded.mempool.__len__()  # fee known from the undo data
    assert info.fee >= tx_vsize(tx) * 5
    assert funded.get_txout(utxo.txid, utxo.vout) is None
    assert bob.balance == 3 * COIN - 2 * COIN - info.fee


def tx_vsize(tx: CTransaction) -> int:
    base = len(tx.serialize(params={"include_witness": False}))
    return (base * 3 + len(tx.serialize()) + 3) // 4


def test_one_transaction_spending_all_kinds_at_once(funded):
    alice, carol = funded.wallet("alice"), funded.wallet("carol")
    for kind in ADDRESS_KINDS:
        alice.send(carol.address_of(kind), COIN)
    funded.mine()
    assert len(carol.utxos) == 5
    tx = carol.build_tx(alice.address, 4 * COIN + COIN // 2)
    assert len(tx.vin) == 5
    funded.send_raw(tx)
    funded.mine()
    assert carol.utxos and all(u.address == carol.address for u in carol.utxos)  # only change is left


def test_send_with_op_return_and_multiple_outputs(funded):
    alice, bob = funded.wallet("alice"), funded.wallet("bob")
    tx = alice.build_tx(outputs=[(bob.address, COIN), (bob.address_of("p2tr"), 2 * COIN)], op_return="hemi")
    kinds = [S.solve(bytes(o.scriptPubKey)).kind for o in tx.vout]
    assert kinds[:3] == [S.WITNESS_V0_KEYHASH, S.WITNESS_V1_TAPROOT, S.NULL_DATA]
    assert bytes(tx.vout[2].scriptPubKey) == b"\x6a\x04hemi" and tx.vout[2].nValue == 0
    funded.send_raw(tx)
    funded.mine()
    assert bob.balance == 3 * COIN


def test_wallet_spends_its_unconfirmed_change(funded):
    alice, bob = funded.wallet("alice"), funded.wallet("bob")
    ids = [alice.send(bob.address, COIN) for _ in range(3)]  # one mature coin: each send spends the last change
    assert len(funded.mempool) == 3
    assert [funded.confirmations(t) for t in ids] == [0, 0, 0]
    funded.mine()
    assert bob.balance == 3 * COIN
    assert [funded.confirmations(t) for t in ids] == [1, 1, 1]


def test_balance_counts_mature_outputs_and_mempool_effects(funded):
    alice = funded.wallet("alice")
    assert alice.balance == 50 * COIN and alice.immature_balance == 100 * 50 * COIN
    assert funded.balance(alice.address) == 101 * 50 * COIN  # the UTXO set view counts immature coinbase too
    txid = alice.send(funded.wallet("bob").address, COIN)
    fee = funded.tx(txid).fee
    assert alice.balance == 49 * COIN - fee


def test_insufficient_funds_and_bad_amounts_are_typed_errors(funded):
    alice, bob = funded.wallet("alice"), funded.wallet("bob")
    before = funded.state_digest()
    with pytest.raises(InsufficientFunds, match="immature"):
        alice.send(bob.address, 51 * COIN)
    with pytest.raises(InsufficientFunds):
        bob.send(alice.address, 1000)
    for bad in (0, -5, 1.5, True):
        with pytest.raises(HemiValueError):
            alice.send(bob.address, bad)
    with pytest.raises(HemiValueError, match="dust"):
        alice.send(bob.address, 100)
    with pytest.raises(HemiValueError, match="80-byte"):
        alice.send(bob.address, COIN, op_return=b"x" * 81)
    with pytest.raises(HemiValueError):
        alice.send(bob.address, COIN, fee_rate=0)
    with pytest.raises(WrongNetworkError):
        alice.send("bc1qar0srrr7xfkvy5l643lydnw9re59gtzzwf5mdq", COIN)
    with pytest.raises(HemiValueError):
        alice.address_of("p2xyz")
    assert funded.state_digest() == before


def test_a_payment_goes_to_an_address_a_script_or_a_wallet_and_anything_else_is_a_typed_error():
    """``mine(to=...)``, ``utxos`` and ``balance`` take a wallet (its default P2WPKH address), an address or a raw
    scriptPubKey alike; a value with no address is refused with InvalidAddressError and the chain does not move."""
    chain = BitcoinChain(seed=3)
    bob = chain.wallet("bob")
    chain.mine(1, to=bob)
    chain.mine(1, to=bob.address)
    chain.mine(1, to=bob.script_of("p2wpkh"))
    assert chain.balance(bob) == chain.balance(bob.address) == chain.balance(bob.script_of()) == 3 * 50 * COIN
    assert [u.height for u in chain.utxos(bob)] == [1, 2, 3]
    for bad in (12345, None, object()):
        with pytest.raises(InvalidAddressError):
            chain.balance(bad)
    with pytest.raises(InvalidAddressError):
        chain.mine(1, to=12345)
    assert chain.height == 3
