"""The Bitcoin view each L2 block sees (hemi-protocol.md §1.1): ≤ 6 headers per block, indexes lag the light tip
by 2, each block records its view, calls at older blocks see older views, BTC reorgs walk back to the ancestor."""

from __future__ import annotations

import pytest

from hemi.btc import COIN
from hemi.errors import HemiValueError
from hemi.node.devchain import Devchain

BALANCE = "0x0000000000000000000000000000000000000040"


def balance_at(dev, address, block="latest"):
    out = dev.w3.eth.call({"to": BALANCE, "data": "0x" + address.encode().hex()}, block)
    return int.from_bytes(out, "big")


def test_at_most_six_headers_per_block_and_lag_of_two():
    dev = Devchain(predeploy_bitcoin_kit=False)
    dev.btc.mine(20)
    mined = dev.sync_btc()
    assert mined == 4  # 6 + 6 + 6 + 2
    views = [dev.hvm_view(n) for n in range(1, 5)]
    assert [len(v.headers_added) for v in views] == [6, 6, 6, 2]
    assert [v.light_tip_height for v in views] == [6, 12, 18, 20]
    assert [v.indexed_height for v in views] == [4, 10, 16, 18]
    assert dev.hvm_view(0).light_tip_height == 0
    assert dev.sync_btc() == 0
    assert [str(h) for h in views[0].headers_added] == [str(dev.btc.block_hash(h)) for h in range(1, 7)]


def test_header_cap_and_lag_are_configurable():
    dev = Devchain(predeploy_bitcoin_kit=False, max_btc_headers_per_block=2, hvm_indexer_lag=0)
    dev.btc.mine(5)
    assert dev.sync_btc() == 3
    v = dev.hvm_view()
    assert v.light_tip_height == 5 and v.indexed_height == 5
    with pytest.raises(HemiValueError):
        Devchain(max_btc_headers_per_block=0)
    with pytest.raises(HemiValueError):
        Devchain(hvm_profile="nope")


def test_calls_at_older_blocks_see_older_views():
    dev = Devchain(predeploy_bitcoin_kit=False, hvm_indexer_lag=0)
    w = dev.btc.wallet("w")
    dev.btc.mine(3, to=w.address)
    dev.sync_btc()
    first = dev.w3.eth.block_number
    dev.btc.mine(2, to=w.address)
    dev.sync_btc()
    assert balance_at(dev, w.address) == 5 * 50 * COIN
    assert balance_at(dev, w.address, first) == 3 * 50 * COIN
    assert balance_at(dev, w.address, 0) == 0
    assert balance_at(dev, w.address) == 5 * 50 * COIN  # and the index is back at the latest view


def test_btc_reorg_walks_back_and_matches_a_fresh_chain():
    dev = Devchain(predeploy_bitcoin_kit=False)
    alice = dev.btc.wallet("alice")
    dev.btc.mine(101, to=alice.address)
    pay = alice.send(dev.btc.wallet("bob").address, COIN)
    dev.btc.mine(5)
    dev.sync_btc()
    dev.btc.reorg(5, drop=[pay])
    dev.sync_btc()
    v = dev.hvm_view()
    assert v.light_tip_hash == dev.btc.tip and v.fork_height == dev.btc.height - 6
    # a fresh devchain fed the same Bitcoin branch sees the same balances
    fresh = Devchain(predeploy_bitcoin_kit=False)
    for h in range(1, dev.btc.height + 1):
        fresh.btc.submit_block(dev.btc.block(h).cblock)
    fresh.sync_btc()
    for addr in (alice.address, dev.btc.wallet("bob").address):
        assert balance_at(dev, addr) == balance_at(fresh, addr)
    assert fresh.hvm_view().indexed_hash == v.indexed_hash
