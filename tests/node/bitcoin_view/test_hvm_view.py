"""The hVM's Bitcoin view as op-geth moves it (hemilabs/op-geth core/blockchain.go getBitcoinAttributesForNextBlock,
updateFullTBCToLightweight; core/vm/contracts.go): ≤ 8 headers per block, indexes lag the light tip by 2, a block's
headers become visible after it, every call reads the live view, BTC reorgs walk back to the ancestor."""

from __future__ import annotations

import pytest

from hemi.btc import COIN
from hemi.constants import MAX_BTC_HEADERS_PER_BLOCK_LIMIT
from hemi.devchain import Devchain
from hemi.errors import HemiValueError

BALANCE = "0x0000000000000000000000000000000000000040"


def balance_at(dev, address, block="latest"):
    out = dev.w3.eth.call({"to": BALANCE, "data": "0x" + address.encode().hex()}, block)
    return int.from_bytes(out, "big")


def test_at_most_eight_headers_per_block_and_lag_of_two():
    dev = Devchain(predeploy_bitcoin_kit=False)
    dev.btc.mine(20)
    mined = dev.sync_btc()
    assert mined == 3  # 8 + 8 + 4
    views = [dev.hvm_view(n) for n in range(1, 4)]
    assert [len(v.headers_added) for v in views] == [8, 8, 4]
    assert [v.light_tip_height for v in views] == [8, 16, 20]
    assert [v.indexed_height for v in views] == [6, 14, 18]
    assert dev.hvm_view(0).light_tip_height == 0
    assert dev.sync_btc() == 0
    assert [str(h) for h in views[0].headers_added] == [str(dev.btc.block_hash(h)) for h in range(1, 9)]


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


def test_the_largest_header_cap_fits_the_0x7c_transactions_gas_and_a_larger_one_is_refused():
    """A block carrying MAX_BTC_HEADERS_PER_BLOCK_LIMIT headers seals and its 0x7C transaction pays for its calldata,
    EIP-7623's floor included (hemilabs/op-geth ``core/state_transition.go`` ``innerExecute`` refuses a limit under
    the floor), out of the fixed system-transaction gas; a cap above it is a HemiValueError naming the limit, not a
    py-evm ValidationError from the first block that carries that many headers."""
    limit = MAX_BTC_HEADERS_PER_BLOCK_LIMIT
    dev = Devchain(predeploy_bitcoin_kit=False, max_btc_headers_per_block=limit, hvm_indexer_lag=0)
    dev.btc.mine(limit)
    dev.mine()
    assert len(dev.hvm_view().headers_added) == limit
    tx = dev.w3.eth.get_block("latest", True).transactions[1]
    data = bytes(tx.input)
    floor = 21_000 + 10 * (data.count(0) + 4 * (len(data) - data.count(0)))
    assert tx.type == 0x7C and dev.w3.eth.get_transaction_receipt(tx.hash).gasUsed == floor < tx.gas
    assert dev.hvm_view().light_tip_height == limit
    with pytest.raises(HemiValueError, match=f"at most {limit}"):
        Devchain(max_btc_headers_per_block=limit + 1)


# runtime code: STATICCALL 0x44 (btcLastHeader), store the frame's leading uint32 (the indexed tip height) in slot 0
TIP_RECORDER = bytes.fromhex("60206000600060006044" + "5afa50" + "600051" + "60e01c" + "600055" + "00")


def test_a_blocks_headers_are_visible_from_the_next_block_and_calls_read_the_live_view():
    """op-geth moves its view after a block becomes head (core/blockchain.go updateHvmHeaderConsensus ->
    updateFullTBCToLightweight) and its precompiles read that one live TBC (core/vm/contracts.go: the per-block
    context "is never assigned"): block N's own transactions do not see the headers N carries, block N+1's do, and an
    eth_call at an older block reads the live view, not that block's."""
    dev = Devchain(predeploy_bitcoin_kit=False, predeploy_tunnel=False, hvm_indexer_lag=0)
    recorder = "0x00000000000000000000000000000000000000AA"
    dev.set_code(recorder, TIP_RECORDER)
    w = dev.btc.wallet("w")
    dev.btc.mine(3, to=w.address)
    dev.sync_btc()
    first = dev.w3.eth.block_number
    dev.btc.mine(2, to=w.address)
    tx = dev.w3.eth.send_transaction({"from": dev.accounts[0], "to": recorder, "gas": 100_000})
    n = dev.w3.eth.get_transaction_receipt(tx).blockNumber
    assert len(dev.hvm_view(n).headers_added) == 2 and dev.hvm_view(n).light_tip_height == 5
    assert dev.w3.eth.get_storage_at(recorder, 0) == (3).to_bytes(32, "big")  # block n read the view before it
    assert dev.sequencer.ordering(tx).view == dev.hvm_view(n - 1)
    dev.w3.eth.send_transaction({"from": dev.accounts[0], "to": recorder, "gas": 100_000})
    assert dev.w3.eth.get_storage_at(recorder, 0) == (5).to_bytes(32, "big")  # block n+1 sees n's headers
    assert balance_at(dev, w.address) == 5 * 50 * COIN
    assert balance_at(dev, w.address, first) == 5 * 50 * COIN  # an older block: still the live view
    assert balance_at(dev, w.address, 0) == 5 * 50 * COIN


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
