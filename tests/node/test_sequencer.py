"""The sequencer orders Bitcoin-derived inputs only once their Bitcoin transactions are in the block's hVM view,
puts them before mempool transactions, and records what every block saw and ordered (hemilabs/op-geth
``miner/worker.go``, ``core/blockchain.go``)."""

from __future__ import annotations

import pytest

from hemi.btc import COIN
from hemi.devchain import Devchain
from hemi.errors import HemiLookupError, HemiValueError, UnknownTransactionError

CONFS = "0x0000000000000000000000000000000000000043"


@pytest.fixture
def dev():
    d = Devchain(predeploy_bitcoin_kit=False)
    d.btc.mine(101, to=d.btc.wallet("alice").address)
    d.sync_btc()
    return d


def test_forced_input_waits_for_the_view_then_goes_first(dev):
    alice = dev.btc.wallet("alice")
    btc_txid = alice.send(dev.btc.wallet("bob").address, COIN)
    ask = {"from": dev.accounts[0], "to": CONFS, "data": "0x" + btc_txid.display_bytes.hex()}
    fid = dev.sequencer.submit(ask, depends_on=[btc_txid], label="read confirmations")
    (item, why), = dev.sequencer.waiting()
    assert item.id == fid and "mempool" in why
    dev.btc.mine(1)
    dev.mine(1)
    (_, why), = dev.sequencer.waiting()
    assert "indexed tip" in why  # mined, but the index lags the light tip by 2
    dev.btc.mine(2)
    # op-geth core/blockchain.go: the headers a block carries move the view after that block, so the block that
    # carries them (here the user's) still reads the old view; the forced input goes first in the block after it
    carrier = dev.w3.eth.send_transaction({"from": dev.accounts[1], "to": dev.accounts[2], "value": 1})
    assert len(dev.hvm_view().headers_added) == 2
    (_, why), = dev.sequencer.waiting()
    assert why.startswith("ready")
    before = dev.engine.head_number
    user = dev.w3.eth.send_transaction({"from": dev.accounts[1], "to": dev.accounts[2], "value": 1})
    assert dev.sequencer.waiting() == [] and carrier != user
    block = dev.sequencer.block(before + 1)
    assert len(block.forced) == 1 and block.mempool == (bytes(user),)
    forced = dev.sequencer.ordering(block.forced[0])
    # first after the block's system transactions (the L1-attributes deposit, a 0x7C when headers came in)
    first_user = sum(1 for t in dev.w3.eth.get_block(before + 1, True).transactions if t["type"] in (0x7E, 0x7C))
    assert forced.kind == "forced" and forced.position == first_user and forced.label == "read confirmations"
    assert btc_txid in forced.depends_on
    assert forced.view.indexed_height >= dev.btc.tx(btc_txid).height
    rcpt = dev.w3.eth.get_transaction_receipt(block.forced[0])
    assert rcpt.status == 1 and rcpt.transactionIndex == first_user
    assert dev.sequencer.ordering(user).position == first_user + 1


def test_precompile_reads_are_recorded_as_dependencies(dev):
    alice = dev.btc.wallet("alice")
    t = alice.send(dev.btc.wallet("bob").address, COIN)
    dev.btc.mine(3)
    dev.sync_btc()
    h = dev.w3.eth.send_transaction({"from": dev.accounts[0], "to": CONFS, "data": "0x" + t.display_bytes.hex(),
                                     "gas": 100_000})
    o = dev.sequencer.ordering(h)
    assert o.kind == "mempool" and o.depends_on == (t,)


def test_bad_submissions(dev):
    with pytest.raises(UnknownTransactionError):
        dev.sequencer.submit({"from": dev.accounts[0], "to": CONFS}, depends_on=["ab" * 32])
    with pytest.raises(HemiValueError):
        dev.sequencer.submit({"to": CONFS})
    with pytest.raises(HemiLookupError):
        dev.sequencer.ordering("0x" + "00" * 32)
    with pytest.raises(HemiValueError):
        dev.sequencer.ordering("nope")


def test_snapshot_restores_the_queue_and_records(dev):
    alice = dev.btc.wallet("alice")
    t = alice.send(dev.btc.wallet("bob").address, COIN)
    with dev.anchor():
        dev.sequencer.submit({"from": dev.accounts[0], "to": CONFS}, depends_on=[t])
        dev.btc.mine(3)
        dev.sync_btc()
        assert dev.sequencer.waiting() == []
    assert dev.sequencer.waiting() == []  # the submission was made inside the anchor: gone
    dev.sequencer.submit({"from": dev.accounts[0], "to": CONFS}, depends_on=[t])
    assert len(dev.sequencer.waiting()) == 1


def test_submit_without_mining_and_cancel(dev):
    """mine=False queues a ready input for the next block (what a block hook needs); cancel withdraws one."""
    alice = dev.btc.wallet("alice")
    t = alice.send(dev.btc.wallet("bob").address, COIN)
    dev.btc.mine(3)
    dev.sync_btc()
    head = dev.engine.head_number
    ask = {"from": dev.accounts[0], "to": CONFS, "data": "0x" + t.display_bytes.hex()}
    later = dev.sequencer.submit(ask, depends_on=[t], mine=False)
    assert dev.engine.head_number == head and dev.sequencer.tx_of(later) is None
    dropped = dev.sequencer.submit(ask, depends_on=[t], mine=False)
    assert dev.sequencer.cancel(dropped) is True and dev.sequencer.cancel(dropped) is False
    dev.mine(1)
    assert dev.sequencer.tx_of(later) is not None and dev.sequencer.tx_of(dropped) is None
    assert dev.sequencer.block(head + 1).forced == (dev.sequencer.tx_of(later),)
