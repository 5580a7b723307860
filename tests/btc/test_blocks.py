"""Blocks the chain makes are real regtest blocks (Bitcoin Core's consensus rules, chainparams.cpp regtest)."""

from __future__ import annotations

import hashlib

import pytest
from bitcoin.core import CheckBlock
from bitcoin.core.script import CScript

from hemi.btc import COIN, BitcoinChain, params
from hemi.btc.merkle import merkle_root
from hemi.errors import HemiValueError, UnknownBlockError

REGTEST_GENESIS = "0f9188f13cb7b2c71f2a335e3a4fc328bf5beb436012afca590b1a11466e2206"


def sha256d(b: bytes) -> bytes:
    return hashlib.sha256(hashlib.sha256(b).digest()).digest()


def test_starts_from_the_real_regtest_genesis(btc):
    assert btc.height == 0
    assert str(btc.tip) == REGTEST_GENESIS
    g = btc.header(0)
    assert g.time == 1296688602 and g.bits == 0x207FFFFF and g.nonce == 2
    # the genesis coinbase is not spendable and not indexed, as in Bitcoin Core
    assert btc.balance(btc.block(0).cblock.vtx[0].vout[0].scriptPubKey) == 0


def test_every_mined_block_passes_python_bitcoinlib_checkblock(funded):
    alice = funded.wallet("alice")
    alice.send(funded.wallet("bob").address, 10 * COIN)
    alice.send(funded.wallet("bob").address_of("p2tr"), 1 * COIN, op_return=b"hello")
    funded.mine(2)
    for h in range(1, funded.height + 1):
        CheckBlock(funded.block(h).cblock, cur_time=funded.header(h).time)


def test_proof_of_work_merkle_root_and_header_link(funded):
    funded.wallet("alice").send(funded.wallet("bob").address, COIN)
    (bh,) = funded.mine()
    blk = funded.block(bh)
    raw = blk.header.raw
    assert len(raw) == 80 and sha256d(raw) == bytes(bh)
    assert blk.header.bits == params.REGTEST_NBITS
    assert int.from_bytes(bytes(bh), "little") <= 0x7FFFFF << (8 * (0x20 - 3))
    assert blk.header.merkle_root == merkle_root([bytes(t) for t in blk.txids])
    assert blk.header.prev_hash == funded.block_hash(blk.height - 1)
    assert len(blk.txids) == 2


def test_witness_commitment_matches_bip141(funded):
    funded.wallet("alice").send(funded.wallet("bob").address, COIN)  # a segwit spend: wtxid != txid
    (bh,) = funded.mine()
    cb = funded.block(bh).cblock.vtx[0]
    wtxids = [bytes(32)] + [sha256d(tx.serialize()) for tx in funded.block(bh).cblock.vtx[1:]]
    root = merkle_root(wtxids)
    reserved = cb.wit.vtxinwit[0].scriptWitness.stack[0]
    assert reserved == bytes(32)
    commitment = [bytes(o.scriptPubKey) for o in cb.vout if bytes(o.scriptPubKey)[2:6] == bytes.fromhex("aa21a9ed")]
    assert commitment == [b"\x6a\x24\xaa\x21\xa9\xed" + sha256d(root + reserved)]


def _bip34_height(script_sig) -> int:
    first = list(CScript(script_sig))[0]
    if isinstance(first, bytes):  # a minimal CScriptNum push (little-endian, positive)
        assert first == first.rstrip(b"\x00") or first[-2] & 0x80, "non-minimal height push"
        return int.from_bytes(first, "little")
    return first - 0x50 if first > 0x50 else int(first)  # OP_1..OP_16


@pytest.mark.parametrize("height", [1, 16, 17, 127, 128, 255, 256, 1000, 70000])
def test_coinbase_script_sig_encodes_height_as_bip34_says(height):
    from hemi.btc.blocktools import coinbase_script_sig

    sig = coinbase_script_sig(height)
    assert _bip34_height(sig) == height
    assert 2 <= len(sig) <= 100  # bad-cb-length bounds


def test_bip34_height_in_mined_coinbases(btc):
    btc.mine(20)
    for h in (1, 16, 17, 20):
        assert _bip34_height(btc.block(h).cblock.vtx[0].vin[0].scriptSig) == h


def test_subsidy_halves_every_150_blocks_and_fees_go_to_the_miner():
    btc = BitcoinChain()
    miner = btc.wallet("m").address
    btc.mine(151, to=miner)
    assert btc.block(149).cblock.vtx[0].vout[0].nValue == 50 * COIN
    assert btc.block(150).cblock.vtx[0].vout[0].nValue == 25 * COIN
    assert params.block_subsidy(300) == 12.5 * COIN
    alice = btc.wallet("m")
    txid = alice.send(btc.wallet("bob").address, COIN, fee_rate=7)
    fee = btc.tx(txid).fee
    (bh,) = btc.mine(to=miner)
    assert fee > 0 and btc.tx(txid).fee == fee
    assert btc.block(bh).cblock.vtx[0].vout[0].nValue == 25 * COIN + fee


def test_simulated_clock_600s_per_block_and_median_time_past(btc):
    btc.mine(12)
    times = [btc.header(h).time for h in range(13)]
    assert all(b - a == 600 for a, b in zip(times, times[1:], strict=False))
    assert btc.median_time_past() == times[12 - 5]
    for h in range(1, 13):
        assert btc.header(h).time > btc.median_time_past(h - 1)


def test_block_lookup_by_height_hash_and_negative_index(funded):
    tip = funded.block(-1)
    assert tip.hash == funded.tip and tip.height == funded.height and tip.confirmations == 1
    assert funded.block(str(tip.hash)).height == funded.height
    assert funded.block(0).confirmations == funded.height + 1
    with pytest.raises(UnknownBlockError):
        funded.block(funded.height + 1)
    with pytest.raises(UnknownBlockError):
        funded.block("00" * 32)
    with pytest.raises(HemiValueError):
        funded.block(True)


def test_mine_rejects_bad_counts(btc):
    for bad in (-1, 1.5, "3", True):
        with pytest.raises(HemiValueError):
            btc.mine(bad)
    assert btc.height == 0
    assert btc.mine(0) == []
