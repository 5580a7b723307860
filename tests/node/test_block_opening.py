"""Opening an L2 block is all or nothing.

A block opens with its system transactions in op-geth's order (L1 attributes, the queued deposits, the PoP payout,
Hemi's Bitcoin-attributes transaction: hemilabs/op-geth miner/worker.go ``generateWork``, which builds the whole
block or returns the error and keeps nothing). When a step fails part-way (here a fault injected into the
Bitcoin-attributes step, standing in for any bug), the devchain must not keep half a block: the light view, the
deposit queue and the pending block are as before, and the next attempt builds the block the fault-free chain builds.
"""

from __future__ import annotations

import pytest

import hemi.node.op_stack as op_stack
from hemi import Devchain


def _prepare(dev: Devchain) -> None:
    """A deposit queued and a Bitcoin block the next L2 block carries: every system step has something to do."""
    dev.btc.mine(1)
    dev.op.deposit(sender=dev.accounts[2], to=dev.accounts[3], value=2, mint=5, mine=False)


def test_a_failed_opening_keeps_nothing_and_the_next_block_is_whole(monkeypatch: pytest.MonkeyPatch) -> None:
    reference = Devchain()
    _prepare(reference)
    (expected,) = reference.mine()

    dev = Devchain()
    _prepare(dev)
    head, light, queued = dev.engine.head_number, list(dev.light_hashes), dev.op.queued
    real = op_stack.btc_attributes_data

    def broken(*args: object) -> bytes:
        raise RuntimeError("injected fault in the Bitcoin-attributes step")

    monkeypatch.setattr(op_stack, "btc_attributes_data", broken)
    with pytest.raises(RuntimeError, match="injected fault"):
        dev.mine()
    assert dev.engine.head_number == head
    assert list(dev.light_hashes) == light  # the view did not take the step
    assert dev.op.queued == queued  # the deposit is still queued, not lost in a block that was never sealed
    assert dev.pending_view is None and dev.engine.pending_records == []

    monkeypatch.setattr(op_stack, "btc_attributes_data", real)
    (number,) = dev.mine()
    assert number == expected
    block, ref = dev.engine.block_record(number), reference.engine.block_record(expected)
    assert block.block.hash == ref.block.hash  # the same block the fault-free chain built, byte for byte
    assert len(block.tx_hashes) == 3  # L1 attributes, the deposit, the Bitcoin-attributes transaction


def test_a_failed_opening_under_a_transaction_leaves_the_sender_free_to_retry(monkeypatch: pytest.MonkeyPatch) -> None:
    """The automined path opens the block for the transaction: after the failure the same transaction goes in."""
    dev = Devchain()
    _prepare(dev)
    real = op_stack.btc_attributes_data
    monkeypatch.setattr(op_stack, "btc_attributes_data", lambda *a: (_ for _ in ()).throw(RuntimeError("fault")))
    tx = {"from": dev.accounts[0], "to": dev.accounts[1], "value": 1}
    with pytest.raises(RuntimeError, match="fault"):
        dev.w3.eth.send_transaction(tx)
    assert dev.w3.eth.get_transaction_count(dev.accounts[0]) == 0
    monkeypatch.setattr(op_stack, "btc_attributes_data", real)
    receipt = dev.w3.eth.wait_for_transaction_receipt(dev.w3.eth.send_transaction(tx))
    assert receipt.status == 1
    assert len(dev.engine.block_record(receipt.blockNumber).tx_hashes) == 4  # L1 info, deposit, 0x7C, the transfer
