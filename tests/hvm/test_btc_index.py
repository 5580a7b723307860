"""BitcoinIndexer: the hVM's UTXO / tx / address indexes, moved explicitly (hemilabs/op-geth core/vm/contracts.go
``TBCIndexToHashHeight``; UTXO order from hemilabs/heminetwork database/tbcd/level/level.go ``UtxosByScriptHash``).

The reference is the embedded chain's own UTXO view (``btc.balance`` / ``btc.utxos``) at the same tip, and a fresh
indexer indexed straight to the same block.
"""

from __future__ import annotations

import pytest

from hemi.btc import BitcoinChain
from hemi.errors import UnknownBlockError
from hemi.node.bitcoin_view.btc_index import BitcoinIndexer

KINDS = ("p2wpkh", "p2sh-p2wpkh", "p2pkh", "p2wsh", "p2tr")


def busy_chain(seed: int = 0) -> BitcoinChain:
    """Coinbases to alice, then payments to every address kind of bob and carol, spends of those, OP_RETURNs."""
    btc = BitcoinChain(seed=seed)
    alice, bob, carol = btc.wallet("alice"), btc.wallet("bob"), btc.wallet("carol")
    btc.mine(105, to=alice.address)
    for kind in KINDS:
        alice.send(bob.addresses[kind], 2_000_000)
        alice.send(carol.addresses[kind], 1_000_000, op_return=b"hemi")
    btc.mine(1)
    tx = bob.build_tx(outputs=[(carol.addresses["p2tr"], 3_000_000), (carol.addresses["p2pkh"], 500_000)],
                      inputs=bob.utxos, op_return=b"multi")
    btc.send_raw(tx)
    btc.mine(1)
    carol.send(alice.addresses["p2sh-p2wpkh"], 700_000)
    btc.mine(2)
    return btc


def addresses(btc: BitcoinChain) -> list[str]:
    return [w.addresses[k] for w in (btc.wallet("alice"), btc.wallet("bob"), btc.wallet("carol")) for k in KINDS]


def assert_matches_chain(ix: BitcoinIndexer, btc: BitcoinChain) -> None:
    """Index at the chain's tip == the chain's own UTXO view, for every address kind of every wallet."""
    assert ix.tip.hash == bytes(btc.tip) and ix.tip.height == btc.height
    reader = ix.reader(btc.height)
    from hemi.btc.address import address_to_script

    for addr in addresses(btc):
        spk = address_to_script(addr)
        assert reader.balance(spk) == btc.balance(addr), addr
        # heminetwork's leveldb key order: raw (internal) txid bytes, then vout
        want = sorted((bytes(u.txid), u.vout, u.value) for u in btc.utxos(addr))
        got = [(u.txid, u.vout, u.value) for u in reader.utxos(spk, 0, 10_000)]
        assert got == want, addr


def state(ix: BitcoinIndexer):
    """Everything the indexes hold (private attributes on purpose: two indexers must agree on all of it)."""
    coins = {op: (c.value, c.spk) for op, c in ix._coins.items()}
    by_spk = {spk: list(b) for spk, b in ix._by_spk.items()}
    return (ix.tip, coins, by_spk, dict(ix._balance), dict(ix._txindex), [b.hash for b in ix._active])


def test_starts_at_genesis_and_does_not_index_the_genesis_coinbase():
    btc = BitcoinChain(seed=0)
    ix = BitcoinIndexer(btc)
    assert ix.tip.height == 0 and ix.tip.hash == bytes(btc.genesis_hash)
    assert ix.tip.raw == btc.header(0).raw
    genesis_coinbase = bytes(btc.block(0).txids[0])
    assert ix.reader(0).transaction(genesis_coinbase) is None
    assert ix._coins == {}


def test_indexes_equal_the_chains_utxo_view_at_the_same_tip():
    btc = busy_chain()
    ix = BitcoinIndexer(btc)
    ix.index_to(bytes(btc.tip))
    assert_matches_chain(ix, btc)
    # Every tx of every indexed block is in the tx index, with its location.
    for h in range(1, btc.height + 1):
        block = btc.block(h)
        for pos, txid in enumerate(block.txids):
            assert ix._txindex[bytes(txid)] == (h, pos)


def test_utxo_order_is_raw_txid_then_vout_and_spent_outputs_disappear():
    """heminetwork database/tbcd/level/level.go UtxosByScriptHash iterates keys 'h' ‖ sha256(script) ‖ txid ‖ vout:
    an address's UTXOs come sorted by the txid's internal-order bytes, then the output index, whatever the height."""
    btc = BitcoinChain(seed=1)
    alice, bob = btc.wallet("alice"), btc.wallet("bob")
    btc.mine(103, to=alice.address)
    mature = [u for u in alice.utxos if u.mature]
    t1 = alice.build_tx(outputs=[(bob.address, 50_000), (bob.address, 40_000)], inputs=mature[0:1])
    t2 = alice.build_tx(outputs=[(bob.address, 30_000)], inputs=mature[1:2])
    btc.mine(1, txs=[t1, t2])
    t3 = alice.build_tx(outputs=[(bob.address, 20_000)])
    btc.mine(1, txs=[t3])
    ix = BitcoinIndexer(btc)
    ix.index_to(bytes(btc.tip))
    spk = btc.wallet("bob").script_of("p2wpkh")
    got = [(u.txid, u.vout, u.value) for u in ix.reader(btc.height).utxos(spk, 0, 100)]
    t1id, t2id, t3id = (t.GetTxid() for t in (t1, t2, t3))
    expected = sorted([(t1id, 0, 50_000), (t1id, 1, 40_000), (t2id, 0, 30_000), (t3id, 0, 20_000)])
    assert got == expected
    # skip / count
    assert [u.value for u in ix.reader(0).utxos(spk, 1, 2)] == [v for _, _, v in expected[1:3]]
    assert list(ix.reader(0).utxos(spk, 4, 10)) == []
    # bob spends the first two; once the spending block is indexed they are gone
    spend = bob.build_tx(alice.address, 60_000, inputs=[u for u in bob.utxos if u.value in (50_000, 40_000)],
                         change_kind="p2tr")
    btc.send_raw(spend)
    btc.mine(1)
    before = [u.value for u in ix.reader(0).utxos(spk, 0, 100)]
    assert before == [v for _, _, v in expected]  # the index has not moved yet
    ix.index_to(bytes(btc.tip))
    assert [u.value for u in ix.reader(0).utxos(spk, 0, 100)] == [v for _, _, v in expected if v < 35_000]
    itx = ix.reader(0).transaction(t1id)
    assert itx.output_unspent == (False, False, True)  # (the third output is alice's change)


def test_lagging_index_gives_the_older_balances():
    btc = busy_chain()
    old_height = btc.height - 3
    old_hash = bytes(btc.block_hash(old_height))
    ix = BitcoinIndexer(btc)
    ix.index_to(bytes(btc.tip))
    with btc.anchor():  # the chain's own view at the old tip is the reference
        btc.invalidate_block(btc.block_hash(old_height + 1))
        expected = {a: btc.balance(a) for a in addresses(btc)}
        expected_utxos = {a: sorted((bytes(u.txid), u.vout) for u in btc.utxos(a)) for a in addresses(btc)}
    ix.index_to(old_hash)
    assert ix.tip.height == old_height and ix.tip.hash == old_hash
    from hemi.btc.address import address_to_script

    r = ix.reader(btc.height)
    for a in addresses(btc):
        assert r.balance(address_to_script(a)) == expected[a], a
        assert [(u.txid, u.vout) for u in r.utxos(address_to_script(a), 0, 1000)] == expected_utxos[a]
    fresh = BitcoinIndexer(btc)
    fresh.index_to(old_hash)
    assert state(fresh) == state(ix)
    # and forward again to the tip
    ix.index_to(bytes(btc.tip))
    assert_matches_chain(ix, btc)


def test_index_to_across_a_bitcoin_reorg_equals_a_fresh_index():
    btc = busy_chain()
    ix = BitcoinIndexer(btc)
    ix.index_to(bytes(btc.tip))
    old_tip = bytes(btc.tip)
    dropped = btc.block(-3).txids[1]  # bob's multi-input spend: dropped, so it leaves the tx index
    new = btc.reorg(3, drop=[dropped])
    assert old_tip != bytes(btc.tip) and bytes(new[-1]) == bytes(btc.tip)
    ix.index_to(bytes(btc.tip))
    fresh = BitcoinIndexer(btc)
    fresh.index_to(bytes(btc.tip))
    assert state(ix) == state(fresh)
    assert_matches_chain(ix, btc)
    assert ix.reader(0).transaction(bytes(dropped)) is None  # removed from the tx index on disconnect
    # back to the stale branch (the chain still serves its blocks), then to the new tip again
    ix.index_to(old_tip)
    assert ix.tip.hash == old_tip
    assert ix.reader(0).transaction(bytes(dropped)) is not None
    ix.index_to(bytes(btc.tip))
    assert state(ix) == state(fresh)


def test_index_to_an_older_block_after_the_chain_forgot_the_indexed_blocks():
    btc = busy_chain()
    base = bytes(btc.tip)
    snap = btc.snapshot()
    alice, dave = btc.wallet("alice"), btc.wallet("dave")
    for kind in KINDS:
        alice.send(dave.addresses[kind], 123_456)
    btc.mine(2)
    btc.wallet("dave").send(alice.address, 100_000)
    btc.mine(3)
    ix = BitcoinIndexer(btc)
    ix.index_to(bytes(btc.tip))
    forgotten_tip = bytes(btc.tip)
    btc.revert(snap)
    with pytest.raises(UnknownBlockError):
        btc.block(forgotten_tip)
    ix.index_to(base)  # unwinds from the indexer's own copies and undo data
    fresh = BitcoinIndexer(btc)
    fresh.index_to(base)
    assert state(ix) == state(fresh)
    assert_matches_chain(ix, btc)
    # the chain moves on with a different history; the indexer follows
    btc.mine(4)
    ix.index_to(bytes(btc.tip))
    assert_matches_chain(ix, btc)


def test_index_to_a_forgotten_block_that_is_still_on_the_indexed_chain():
    btc = BitcoinChain(seed=2)
    btc.mine(3)
    snap = btc.snapshot()
    btc.mine(5)
    ix = BitcoinIndexer(btc)
    ix.index_to(bytes(btc.tip))
    mid = bytes(btc.block_hash(6))
    btc.revert(snap)
    ix.index_to(mid)  # the chain forgot it, the indexer did not: a pure unwind
    assert ix.tip.height == 6 and ix.tip.hash == mid


def test_unknown_block_raises_and_leaves_the_index_unchanged():
    btc = busy_chain()
    ix = BitcoinIndexer(btc)
    ix.index_to(bytes(btc.block_hash(50)))
    before = state(ix)
    with pytest.raises(UnknownBlockError):
        ix.index_to(b"\x11" * 32)
    assert state(ix) == before


def test_indexed_tx_reports_sizes_spent_values_and_location():
    btc = busy_chain()
    ix = BitcoinIndexer(btc)
    ix.index_to(bytes(btc.tip))
    reader = ix.reader(btc.height)
    for h in range(btc.height - 3, btc.height + 1):
        block = btc.block(h)
        for pos, tx in enumerate(block.txs):
            itx = reader.transaction(tx.GetTxid())
            assert itx.height == h and itx.block_hash == bytes(block.hash) and itx.tx == tx
            assert itx.size == len(tx.serialize())
            assert itx.stripped_size == len(tx.serialize(params={"include_witness": False}))
            if pos == 0:
                assert itx.spent_values == (None,)  # a coinbase's null source is not in the tx index
            else:
                want = tuple(btc.tx(i.prevout.hash).tx.vout[i.prevout.n].nValue for i in tx.vin)
                assert itx.spent_values == want


def test_header_at_answers_up_to_the_indexed_tip_only():
    btc = busy_chain()
    ix = BitcoinIndexer(btc)
    ix.index_to(bytes(btc.block_hash(100)))
    r = ix.reader(btc.height)
    assert r.light_tip_height == btc.height
    assert r.header_at(100).hash == bytes(btc.block_hash(100))
    assert r.header_at(0).raw == btc.header(0).raw
    assert r.header_at(101) is None and r.header_at(-1) is None
    assert r.indexed_tip == ix.tip


def test_indexing_unwinds_and_rewinds_to_the_same_index():
    """Moving the index back 590 blocks and forward again leaves exactly what indexing straight to the tip leaves
    (how fast that is belongs to benchmarks/, not to a timed test)."""
    btc = BitcoinChain(seed=3)
    btc.mine(600)
    straight = BitcoinIndexer(btc)
    straight.index_to(bytes(btc.tip))
    ix = BitcoinIndexer(btc)
    ix.index_to(bytes(btc.tip))
    ix.index_to(bytes(btc.block_hash(10)))
    assert ix.tip.height == 10
    ix.index_to(bytes(btc.tip))
    assert ix.tip == straight.tip
    assert (ix._coins, ix._by_spk, ix._balance, ix._txindex) == \
        (straight._coins, straight._by_spk, straight._balance, straight._txindex)
