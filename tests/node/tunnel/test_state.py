"""The tunnel's Python-side state (deposits seen, the operator's policy and withdrawals) follows the devchain's
snapshots, dumps to plain JSON and loads back; the same seed gives the same transactions."""

from __future__ import annotations

import json

import pytest

from hemi.btc import COIN
from hemi.devchain import Devchain
from hemi.errors import HemiValueError


def _flow(dev):
    alice = dev.btc.wallet("alice")
    t, user = dev.tunnel, dev.accounts[1]
    d = t.deposit(alice, 3 * COIN, recipient=user)
    t.confirm(d)
    w = t.withdraw(user, COIN, btc_address=dev.btc.wallet("carol").address)
    return d, w


def test_snapshot_and_revert_restore_the_tunnel(dev):
    t = dev.tunnel
    before = t.dump_state()
    snap = dev.snapshot()
    t.set_operator_policy("late", delay=60)
    _flow(dev)
    assert len(t.deposits()) == 1 and len(t.withdrawals()) == 1
    dev.revert(snap)
    assert t.dump_state() == before
    assert t.deposits() == [] and t.withdrawals() == [] and t.operator.policy == "prompt"
    assert t.total_supply == 0
    # the chain after the revert goes on as if nothing happened: the same flow gives the same uuid 0
    d, w = _flow(dev)
    assert w.uuid == 0 and t.withdrawal(w).payout_txid is not None


def test_snapshot_taken_mid_flow(dev):
    t = dev.tunnel
    _, w = _flow(dev)
    with dev.anchor():
        t.finalize(w)
        assert t.withdrawal(w).status == "finalized"
    assert t.withdrawal(w).status == "pending" and t.withdrawal(w).finalize_tx is None
    t.finalize(w)  # and it still works from there
    assert t.withdrawal(w).status == "finalized"


def test_dump_state_is_json_and_loads_back(dev):
    t = dev.tunnel
    t.set_operator_policy("prompt", fee_rate=3)
    d, w = _flow(dev)
    dumped = t.dump_state()
    text = json.dumps(dumped)
    snap = dev.snapshot()
    t.finalize(w)
    t.set_operator_policy("never")
    dev.revert(snap)  # the chains go back; the Python side is what load_state must restore
    t.operator.withdrawals.clear()
    t._deposits.clear()
    t.load_state(json.loads(text))
    assert t.dump_state() == dumped
    assert t.deposits() == [d] and t.withdrawal(w.uuid) == w and t.operator.fee_rate == 3.0
    t.finalize(w)
    assert t.withdrawal(w).status == "finalized"


def test_load_state_refuses_foreign_data(dev):
    with pytest.raises(HemiValueError):
        dev.tunnel.load_state({"deposits": []})
    with pytest.raises(HemiValueError):
        dev.tunnel.load_state("not a dict")


def test_same_seed_same_tunnel_transactions():
    runs = []
    for _ in range(2):
        dev = Devchain(seed=11)
        dev.btc.mine(101, to=dev.btc.wallet("alice").address)
        d, w = _flow(dev)
        receipt = dev.tunnel.finalize(w)
        runs.append((d.txid, w.payout_txid, bytes(receipt.transactionHash), bytes(receipt.blockHash),
                     dev.btc.tip))
    assert runs[0] == runs[1]
