"""Reorganisations: ``reorg``, ``invalidate_block`` / ``reconsider_block`` and ``submit_block`` of a heavier branch.

After every reorg the UTXO set, address index, tx index and mempool must be exactly those of a fresh chain built from
genesis on the new branch (blocks submitted one by one, then the same candidate txs broadcast).
"""

from __future__ import annotations

import pytest
from bitcoin.core import CBlock

from hemi.btc import COIN, BitcoinChain
from hemi.errors import BlockRejected, InvalidHexError, ReorgError, UnknownBlockError, UnknownTransactionError
from hemi.types import Txid


def fresh_replay(chain: BitcoinChain, candidate_txs=()) -> BitcoinChain:
    """A new chain fed the active chain's blocks through submit_block, then ``candidate_txs`` (refusals ignored)."""
    fresh = BitcoinChain(seed=chain.seed)
    for h in range(1, chain.height + 1):
        assert fresh.submit_block(chain.block(h).cblock) is None
    for tx in candidate_txs:
        try:
            fresh.send_raw(tx)
        except Exception:  # noqa: BLE001 - a tx the new branch invalidates is refused, as expected
            pass
    return fresh


def history(chain: BitcoinChain) -> list:
    """A busy recent history: transfers to every address kind, OP_RETURN, chains of unconfirmed spends."""
    alice, bob, carol = (chain.wallet(n) for n in ("alice", "bob", "carol"))
    chain.mine(105, to=alice.address)
    for i in range(4):
        for kind, addr in bob.addresses.items():
            alice.send(addr, (i + 1) * COIN, op_return=f"{kind}-{i}" if i == 2 else None)
        chain.mine()
        if i >= 1:
            bob.send(carol.address_of("p2tr"), COIN // 2)
            chain.mine()
    return [alice, bob, carol]


def assert_same_state(a: BitcoinChain, b: BitcoinChain) -> None:
    da, db = a.state_digest(), b.state_digest()
    for key in da:
        assert da[key] == db[key], f"{key} differs from a fresh chain built on the new branch"


@pytest.mark.parametrize("depth", [1, 3, 6])
def test_reorg_equals_fresh_chain_on_new_branch(depth):
    chain = BitcoinChain()
    history(chain)
    old_tip, old_height = chain.tip, chain.height
    old_blocks = [chain.block(h) for h in range(old_height - depth + 1, old_height + 1)]
    pending = [t.tx for t in chain.mempool]
    new = chain.reorg(depth)
    assert len(new) == depth + 1 and chain.height == old_height + 1 and chain.tip == new[-1]
    assert old_tip not in [chain.block_hash(h) for h in range(chain.height + 1)]
    # every non-coinbase tx of the old branch was mined again in the new one
    for blk in old_blocks:
        for txid in blk.txids[1:]:
            assert chain.confirmations(txid) >= 1
    # the old branch is remembered as a valid fork, as getchaintips shows it
    tips = {str(t.hash): t for t in chain.chain_tips()}
    assert tips[str(old_tip)].status == "valid-fork" and tips[str(old_tip)].branchlen == depth
    assert tips[str(chain.tip)].status == "active"
    old_txs = [tx for blk in old_blocks for tx in blk.txs[1:]]
    assert_same_state(chain, fresh_replay(chain, old_txs + pending))


def test_reorg_drop_leaves_out_the_tx_and_its_descendants():
    chain = BitcoinChain()
    alice, bob, carol = (chain.wallet(n) for n in ("alice", "bob", "carol"))
    chain.mine(101, to=alice.address)
    pay_bob = alice.send(bob.address, 5 * COIN)
    chain.mine()
    pay_carol = bob.send(carol.address, 2 * COIN)  # spends pay_bob's output
    other = alice.send(carol.address_of("p2pkh"), COIN)
    chain.mine()
    old_txs = [chain.tx(t).tx for t in (pay_bob, pay_carol, other)]
    chain.reorg(2, drop=[pay_bob])
    for gone in (pay_bob, pay_carol):
        with pytest.raises(UnknownTransactionError):
            chain.confirmations(gone)
        assert gone not in chain.mempool
    assert chain.confirmations(other) >= 1
    assert bob.balance == 0 and carol.balance == COIN
    assert_same_state(chain, fresh_replay(chain, [tx for tx in old_txs if Txid(tx.GetTxid()) != pay_bob]))


def test_reorg_with_a_longer_branch_and_bad_arguments(funded):
    h = funded.height
    assert len(funded.reorg(2, new_blocks=5)) == 5 and funded.height == h + 3
    before = funded.state_digest()
    for kwargs in ({"depth": 0}, {"depth": funded.height + 1}, {"depth": 2, "new_blocks": 2},
                   {"depth": 2, "new_blocks": 1}, {"depth": "3"}, {"depth": 1, "drop": ["ab" * 32]}):
        with pytest.raises(ReorgError):
            funded.reorg(**kwargs)
    with pytest.raises(ReorgError, match="coinbase"):
        funded.reorg(1, drop=[funded.block(-1).txids[0]])
    assert funded.state_digest() == before


def test_invalidate_and_reconsider_block_like_bitcoin_core(funded):
    alice, bob = funded.wallet("alice"), funded.wallet("bob")
    t1 = alice.send(bob.address, COIN)
    funded.mine()
    t2 = alice.send(bob.address, 2 * COIN)
    funded.mine()
    tip, bad = funded.tip, funded.block_hash(funded.height - 1)
    funded.invalidate_block(bad)
    assert funded.height == 101 and t1 in funded.mempool and t2 in funded.mempool
    assert funded.confirmations(t1) == 0
    tips = {t.status for t in funded.chain_tips()}
    assert "invalid" in tips
    assert_same_state(funded, fresh_replay(funded, [funded.tx(t1).tx, funded.tx(t2).tx]))
    funded.reconsider_block(bad)
    assert funded.tip == tip and funded.confirmations(t1) == 2 and len(funded.mempool) == 0


def test_invalidated_branch_is_not_extended_and_new_blocks_go_elsewhere(funded):
    bad = funded.block_hash(-1)
    funded.invalidate_block(bad)
    (new,) = funded.mine()
    assert funded.block(new).header.prev_hash == funded.block_hash(100)
    assert new != bad  # different extranonce: a different block at the same height


def test_submit_heavier_branch_from_another_node_switches_chain():
    a, b = BitcoinChain(), BitcoinChain()
    a.mine(101, to=a.wallet("alice").address)
    for h in range(1, 102):
        b.submit_block(a.block(h).cblock)
    assert a.tip == b.tip
    txid = a.wallet("alice").send(a.wallet("bob").address, COIN)
    a.mine(1)  # a's branch: 102 with the tx
    b.mine(2, to=b.wallet("miner").address)  # b's branch: 102', 103' (heavier)
    assert a.submit_block(b.block(102).cblock) is None
    assert a.tip != b.tip  # equal work: first seen stays active
    assert a.submit_block(b.block(103).cblock) is None
    assert a.tip == b.tip
    assert txid in a.mempool  # back in the mempool after its block was disconnected
    assert a.submit_block(b.block(103).cblock) == "duplicate"


def test_submit_block_rejects_bad_blocks_without_changing_state(funded):
    other = BitcoinChain()
    other.mine(101, to=other.wallet("alice").address)
    other.mine(1)
    good: CBlock = other.block(-1).cblock
    before = funded.state_digest()

    def variant(**fields) -> bytes:
        """The good block's bytes with header fields replaced (CBlock() itself refuses a wrong merkle root)."""
        import struct

        h = dict(nVersion=good.nVersion, hashPrevBlock=good.hashPrevBlock, hashMerkleRoot=good.hashMerkleRoot,
                 nTime=good.nTime, nBits=good.nBits, nNonce=good.nNonce)
        h.update(fields)
        header = struct.pack("<i32s32sIII", h["nVersion"], h["hashPrevBlock"], h["hashMerkleRoot"], h["nTime"],
                             h["nBits"], h["nNonce"])
        return header + good.serialize()[80:]

    def pow_ok(raw: bytes) -> bool:
        import hashlib

        return int.from_bytes(hashlib.sha256(hashlib.sha256(raw[:80]).digest()).digest(), "little") <= 0x7FFFFF << 232

    def solved(**fields) -> bytes:
        return next(r for n in range(1000) if pow_ok(r := variant(**fields, nNonce=n)))

    with pytest.raises(BlockRejected, match="bad-txnmrklroot"):
        funded.submit_block(solved(hashMerkleRoot=b"\x11" * 32))
    with pytest.raises(BlockRejected, match="prev-blk-not-found"):
        funded.submit_block(variant(hashPrevBlock=b"\x22" * 32))
    high = next(r for n in range(1000) if not pow_ok(r := variant(nNonce=n)))
    with pytest.raises(BlockRejected, match="high-hash"):
        funded.submit_block(high)
    with pytest.raises(BlockRejected, match="time-too-old"):
        funded.submit_block(solved(nTime=funded.header(50).time))
    with pytest.raises(InvalidHexError):
        funded.submit_block("00ff")
    assert funded.state_digest() == before


def test_block_spending_an_already_spent_coin_is_rejected_when_connected():
    """Contextual validation (ConnectBlock): a heavier block whose tx double-spends is refused and marked invalid."""
    from hemi.btc import params
    from hemi.btc.blocktools import assemble_block, create_coinbase, solve
    from hemi.btc.merkle import merkle_root
    from hemi.btc.tx import tx_hashes

    a = BitcoinChain()
    alice = a.wallet("alice")
    a.mine(101, to=alice.address)
    x = alice.build_tx(a.wallet("bob").address, COIN)  # spends coin C
    a.send_raw(alice.build_tx(a.wallet("carol").address, COIN))  # also spends C: this one confirms
    a.mine()
    height = a.height + 1
    cb = create_coinbase(height, value=params.block_subsidy(height), script_pubkey=alice.script_of(),
                         wtxids=[tx_hashes(x).wtxid])
    merkle = merkle_root([tx_hashes(cb).txid, tx_hashes(x).txid])
    _, header, _ = solve(params.BLOCK_VERSION, bytes(a.tip), merkle, a.header().time + 600, params.REGTEST_NBITS)
    bad = assemble_block(header, [cb, x])
    before = a.state_digest()
    with pytest.raises(BlockRejected, match="bad-txns-inputs-missingorspent"):
        a.submit_block(bad)
    assert a.state_digest() == before
    statuses = {str(t.hash): t.status for t in a.chain_tips()}
    assert statuses[str(Txid(bad.GetHash()))] == "invalid"
    assert a.submit_block(bad) == "duplicate-invalid"


def test_unknown_block_hash_in_reorg_controls(funded):
    with pytest.raises(UnknownBlockError):
        funded.invalidate_block("ab" * 32)
    with pytest.raises(UnknownBlockError):
        funded.reconsider_block("ab" * 32)
    with pytest.raises(ReorgError):
        funded.invalidate_block(funded.genesis_hash)
