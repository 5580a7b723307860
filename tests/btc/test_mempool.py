"""Mempool acceptance with Bitcoin Core's reject reasons, and bad input that must leave the chain untouched."""

from __future__ import annotations

import pytest
from bitcoin.core import CMutableTransaction, COutPoint, CTransaction, CTxIn, CTxOut
from bitcoin.core.script import OP_RETURN, CScript

from hemi.btc import COIN
from hemi.errors import (
    HemiError,
    InvalidHexError,
    ScriptVerifyError,
    TransactionRejected,
    UnknownTransactionError,
    WrongNetworkError,
)
from hemi.types import Txid


def rejected(chain, tx, reason: str) -> TransactionRejected:
    """Assert ``tx`` is refused for ``reason`` and that chain, indexes and mempool are exactly as before."""
    before = chain.state_digest()
    with pytest.raises(TransactionRejected) as err:
        chain.send_raw(tx)
    assert err.value.reason == reason, str(err.value)
    assert chain.state_digest() == before
    return err.value


def with_witness_byte_flipped(tx: CTransaction, index: int = 0) -> CTransaction:
    from bitcoin.core import CTxInWitness, CTxWitness
    from bitcoin.core.script import CScriptWitness

    stacks = [list(w.scriptWitness.stack) for w in tx.wit.vtxinwit]
    sig = bytearray(stacks[index][0])
    sig[10] ^= 0x01
    stacks[index][0] = bytes(sig)
    return CTransaction(tx.vin, tx.vout, tx.nLockTime, tx.nVersion,
                        CTxWitness([CTxInWitness(CScriptWitness(s)) for s in stacks]))


def test_accepted_tx_is_in_mempool_with_fee_and_zero_confirmations(funded):
    alice = funded.wallet("alice")
    txid = alice.send(funded.wallet("bob").address, COIN, fee_rate=3)
    assert txid in funded.mempool and str(txid) in funded.mempool
    entry = funded.mempool.get(txid)
    assert entry.fee >= 3 * entry.vsize and entry.fee_rate >= 3
    assert funded.confirmations(txid) == 0 and funded.tx(txid).in_mempool


def test_malformed_hex_is_a_typed_error(funded):
    before = funded.state_digest()
    for bad in ("zz", "", "0200", "02000000" + "ff" * 5, b"\x00\x01", 12345):
        with pytest.raises(InvalidHexError, match="TX decode failed"):
            funded.send_raw(bad)
    assert funded.state_digest() == before


@pytest.mark.parametrize("kind", ["p2wpkh", "p2pkh", "p2tr"])
def test_bad_signature_is_rejected(funded, kind):
    alice, bob = funded.wallet("alice"), funded.wallet("bob")
    alice.send(bob.address_of(kind), 2 * COIN)
    funded.mine()
    tx = bob.build_tx(alice.address, COIN, from_kind=kind)
    if kind == "p2pkh":
        m = CMutableTransaction.from_tx(tx)
        sig, pub = list(m.vin[0].scriptSig)
        m.vin[0].scriptSig = CScript([sig[:10] + bytes([sig[10] ^ 1]) + sig[11:], pub])
        bad = CTransaction.from_tx(m)
    else:
        bad = with_witness_byte_flipped(tx)
    # Core re-checks a policy failure under consensus flags only and reports the consensus error
    # (bitcoin/bitcoin src/validation.cpp MemPoolAccept::PolicyScriptChecks)
    name, text = (("SCHNORR_SIG", "Invalid Schnorr signature") if kind == "p2tr" else
                  ("EVAL_FALSE", "Script evaluated without error but finished with a false/empty top stack element"))
    err = rejected(funded, bad, f"mandatory-script-verify-flag-failed ({text})")
    assert isinstance(err.__cause__, ScriptVerifyError) and err.__cause__.script_error == name
    funded.send_raw(tx)  # the honest one still goes in


def test_signature_for_other_amount_fails(funded):
    """BIP 143 commits to the spent amount: a signature made for another value does not verify."""
    alice, bob = funded.wallet("alice"), funded.wallet("bob")
    alice.send(bob.address, 2 * COIN)
    funded.mine()
    (u,) = bob.utxos
    m = CMutableTransaction([CTxIn(COutPoint(bytes(u.txid), u.vout))],
                            [CTxOut(u.value - 10_000, CScript(alice.script_of()))])
    lying = bob.sign(m, [(u.value + 1, u.script_pubkey)])
    rejected(funded, lying, "mandatory-script-verify-flag-failed (Script evaluated without error but finished with a "
                            "false/empty top stack element)")


def test_double_spend_is_rejected_in_mempool_and_after_confirmation(funded):
    alice, bob, carol = funded.wallet("alice"), funded.wallet("bob"), funded.wallet("carol")
    first = alice.build_tx(bob.address, COIN)
    second = alice.build_tx(carol.address, COIN)  # same coin, other payee
    assert first.vin[0].prevout == second.vin[0].prevout
    funded.send_raw(first)
    # full RBF (Core 28's default): a conflict is a replacement attempt, refused here for not paying more
    err = rejected(funded, second, "insufficient fee")
    assert "new feerate 0.00002000 BTC/kvB <= old feerate 0.00002000 BTC/kvB" in err.detail
    funded.mine()
    rejected(funded, second, "bad-txns-inputs-missingorspent")
    rejected(funded, first, "txn-already-known")


def test_already_in_mempool(funded):
    tx = funded.wallet("alice").build_tx(funded.wallet("bob").address, COIN)
    funded.send_raw(tx)
    rejected(funded, tx, "txn-already-in-mempool")


def test_unknown_txids_are_typed_errors(funded):
    missing = Txid("ab" * 32)
    with pytest.raises(UnknownTransactionError):
        funded.tx(missing)
    with pytest.raises(UnknownTransactionError):
        funded.confirmations(missing)
    with pytest.raises(UnknownTransactionError):
        funded.merkle_proof(missing)
    assert funded.get_txout(missing, 0) is None
    alice = funded.wallet("alice")
    m = CMutableTransaction([CTxIn(COutPoint(bytes(missing), 0))], [CTxOut(COIN, CScript(alice.script_of()))])
    orphan = alice.sign(m, [(2 * COIN, alice.script_of())])
    rejected(funded, orphan, "bad-txns-inputs-missingorspent")


def test_immature_coinbase_spend_is_rejected(funded):
    alice = funded.wallet("alice")
    young = funded.block(50).cblock.vtx[0]
    m = CMutableTransaction([CTxIn(COutPoint(young.GetTxid(), 0))], [CTxOut(COIN, CScript(alice.script_of()))])
    tx = alice.sign(m, [(young.vout[0].nValue, alice.script_of())])
    err = rejected(funded, tx, "bad-txns-premature-spend-of-coinbase")
    assert "depth 52" in str(err)


def test_wrong_network_addresses(funded):
    alice = funded.wallet("alice")
    for addr in ("bc1qar0srrr7xfkvy5l643lydnw9re59gtzzwf5mdq",  # mainnet P2WPKH
                 "tb1qw508d6qejxtdg4y5r3zarvary0c5xw7kxpjzsx",  # testnet P2WPKH
                 "1BvBMSEYstWetqTFn5Au4m4GFg7xJaNVN2",  # mainnet P2PKH
                 "3J98t1WpEZ73CNmQviecrnyiWrnqRhWNLy"):  # mainnet P2SH
        with pytest.raises(WrongNetworkError):
            alice.send(addr, COIN)
        with pytest.raises(WrongNetworkError):
            funded.balance(addr)
        with pytest.raises(WrongNetworkError):
            funded.mine(to=addr)
    assert funded.height == 101 and len(funded.mempool) == 0


def _spend(funded, outputs, *, fee=1000, version=2, locktime=0, sequence=0xFFFFFFFD):
    alice = funded.wallet("alice")
    (u,) = [u for u in alice.utxos if u.mature][:1]
    change = u.value - sum(v for _, v in outputs) - fee
    outs = [CTxOut(v, CScript(s)) for s, v in outputs] + ([CTxOut(change, CScript(alice.script_of()))]
                                                          if change > 0 else [])
    m = CMutableTransaction([CTxIn(COutPoint(bytes(u.txid), u.vout), nSequence=sequence)], outs, locktime, version)
    return alice.sign(m, [(u.value, u.script_pubkey)])


def test_policy_reject_reasons(funded):
    bob = funded.wallet("bob").script_of()
    rejected(funded, _spend(funded, [(bob, 100)]), "dust")
    rejected(funded, _spend(funded, [(bytes(CScript([OP_RETURN, b"x" * 81])), 0)]), "scriptpubkey")
    two = [(bytes(CScript([OP_RETURN, b"a"])), 0), (bytes(CScript([OP_RETURN, b"b"])), 0)]
    rejected(funded, _spend(funded, two), "multi-op-return")
    rejected(funded, _spend(funded, [(bob, COIN)], fee=10), "min relay fee not met")
    rejected(funded, _spend(funded, [(bob, COIN)], fee=10 * COIN), "max-fee-exceeded")
    rejected(funded, _spend(funded, [(bob, COIN)], version=4), "version")
    rejected(funded, _spend(funded, [(bob, COIN)], locktime=500), "non-final")
    rejected(funded, _spend(funded, [(b"\x51", COIN)]), "scriptpubkey")  # bare OP_TRUE is nonstandard
    rejected(funded, _spend(funded, [(bob, 60 * COIN)]), "bad-txns-in-belowout")
    # an OP_RETURN of exactly 83 bytes of script is standard
    funded.send_raw(_spend(funded, [(bytes(CScript([OP_RETURN, b"x" * 80])), 0)]))


def test_consensus_reject_reasons(funded):
    alice = funded.wallet("alice")
    (u,) = [u for u in alice.utxos if u.mature][:1]
    op = COutPoint(bytes(u.txid), u.vout)
    dup = CMutableTransaction([CTxIn(op), CTxIn(op)], [CTxOut(COIN, CScript(alice.script_of()))])
    rejected(funded, alice.sign(dup, [(u.value, u.script_pubkey)] * 2), "bad-txns-inputs-duplicate")
    no_out = CTransaction([CTxIn(op)], [])
    rejected(funded, no_out, "bad-txns-vout-empty")
    rejected(funded, funded.block(5).cblock.vtx[0], "coinbase")


def test_mining_orders_by_fee_rate_and_respects_parents(funded):
    alice, bob = funded.wallet("alice"), funded.wallet("bob")
    funded.mine(3, to=alice.address)  # more mature coins
    low = alice.send(bob.address, COIN, fee_rate=1)
    high = alice.send(bob.address, COIN, fee_rate=20)
    mid = alice.send(bob.address, COIN, fee_rate=5)
    (bh,) = funded.mine()
    order = list(funded.block(bh).txids[1:])
    assert set(order) == {low, high, mid}
    for t in (low, high, mid):  # children of unconfirmed parents come after them
        for txin in funded.tx(t).tx.vin:
            parent = Txid(txin.prevout.hash)
            if parent in order:
                assert order.index(parent) < order.index(t)
    assert len(funded.mempool) == 0


def test_independent_txs_are_mined_highest_fee_rate_first(funded):
    funded.mine(5, to=funded.wallet("alice").address)
    alice, bob = funded.wallet("alice"), funded.wallet("bob")
    coins = [u for u in alice.utxos if u.mature][:4]
    rates = [2, 9, 4, 7]
    ids = [funded.send_raw(alice.build_tx(bob.address, COIN, inputs=[c], fee_rate=r))
           for c, r in zip(coins, rates, strict=True)]
    (bh,) = funded.mine()
    by_rate = [t for _, t in sorted(zip(rates, ids, strict=True), key=lambda p: -p[0])]
    assert list(funded.block(bh).txids[1:]) == by_rate


def test_mine_exact_txs_including_nonstandard(funded):
    alice, bob = funded.wallet("alice"), funded.wallet("bob")
    keep = alice.send(bob.address, COIN)
    nonstd = _spend(funded, [(b"\x51", COIN)])  # refused by relay policy, valid by consensus
    funded.mempool  # noqa: B018
    with pytest.raises(TransactionRejected):
        funded.send_raw(nonstd)
    # keep is in the mempool and spends the only mature coin... build nonstd from another coin instead
    funded.mine(to=alice.address)
    nonstd = _spend(funded, [(b"\x51", COIN)])
    (bh,) = funded.mine(txs=[nonstd])
    assert list(funded.block(bh).txids[1:]) == [Txid(nonstd.GetTxid())]
    assert keep in funded.mempool or funded.confirmations(keep) >= 1


def test_mine_exact_txs_validates_them(funded):
    bad = with_witness_byte_flipped(funded.wallet("alice").build_tx(funded.wallet("bob").address, COIN))
    before = funded.state_digest()
    with pytest.raises(HemiError):
        funded.mine(txs=[bad])
    assert funded.state_digest() == before


def test_test_accept_reports_without_changing_anything(funded):
    alice, bob = funded.wallet("alice"), funded.wallet("bob")
    tx = alice.build_tx(bob.address, COIN, fee_rate=4)
    before = funded.state_digest()
    ok = funded.test_accept(tx)
    assert ok.allowed and ok.reason is None and ok.fee >= 4 * ok.vsize and ok.txid == Txid(tx.GetTxid())
    too_rich = funded.test_accept(tx, max_fee_rate=1000)  # 1 sat/vB cap
    assert not too_rich.allowed and too_rich.reason == "max-fee-exceeded"
    assert funded.state_digest() == before
    funded.send_raw(tx)
    assert funded.test_accept(tx).reason == "txn-already-in-mempool"


def test_replace_by_fee_full_rbf(funded):
    """Full RBF (bitcoin/bitcoin src/policy/rbf.cpp, Core 28 mempoolfullrbf=1): a conflicting spend that pays a
    higher fee rate and at least the old fees plus the incremental relay fee replaces the original and its
    descendants, without any opt-in signal; a too-cheap one is "insufficient fee" and changes nothing."""
    alice, bob, carol = funded.wallet("alice"), funded.wallet("bob"), funded.wallet("carol")
    coin = alice.utxos[0]
    first = alice.build_tx(bob.address, COIN, inputs=[coin])
    funded.send_raw(first)
    child = bob.build_tx(carol.address, COIN // 2)  # spends first's output
    funded.send_raw(child)
    # pays a higher fee rate but less than first + child together
    pricier = alice.build_tx(carol.address, COIN, inputs=[coin], fee_rate=3)
    err = rejected(funded, pricier, "insufficient fee")
    assert "less fees than conflicting txs" in err.detail
    replacement = alice.build_tx(carol.address, COIN, inputs=[coin], fee_rate=20)
    txid = funded.send_raw(replacement)
    assert txid in funded.mempool and first.GetTxid()[::-1].hex() not in funded.mempool
    assert child.GetTxid()[::-1].hex() not in funded.mempool  # descendants leave with the replaced tx
    funded.mine()
    assert funded.confirmations(txid) == 1


def test_replacement_may_not_add_unconfirmed_inputs(funded):
    alice, bob = funded.wallet("alice"), funded.wallet("bob")
    funded.mine(2, to=alice.address)
    funded.mine(100)
    c1, c2 = alice.utxos[0], alice.utxos[1]
    funded.send_raw(alice.build_tx(bob.address, COIN, inputs=[c1]))
    unconfirmed = funded.send_raw(alice.build_tx(bob.address, COIN, inputs=[c2]))
    mine_out = next(u for u in alice.utxos if u.txid == unconfirmed)
    attempt = alice.build_tx(bob.address, 2 * COIN, inputs=[c1, mine_out], fee_rate=50)
    err = rejected(funded, attempt, "replacement-adds-unconfirmed")
    assert err.detail.endswith("adds unconfirmed input, idx 1")


def test_too_many_potential_replacements(funded):
    """A replacement may evict at most 100 transactions (MAX_REPLACEMENT_CANDIDATES, bitcoin/bitcoin
    src/policy/rbf.h): one conflicting with 101 mempool transactions is refused and changes nothing."""
    alice, bob = funded.wallet("alice"), funded.wallet("bob")
    fan = alice.build_tx(outputs=[(bob.address, 100_000)] * 101)
    funded.send_raw(fan)
    funded.mine()
    coins = [u for u in bob.utxos if u.value == 100_000]
    assert len(coins) == 101
    for u in coins:
        funded.send_raw(bob.build_tx(alice.address, 50_000, inputs=[u]))
    sweep = bob.build_tx(alice.address, 101 * 100_000 - 1_000_000, inputs=coins, fee_rate=50)
    err = rejected(funded, sweep, "too many potential replacements")
    assert err.detail.endswith("too many potential replacements (101 > 100)")
