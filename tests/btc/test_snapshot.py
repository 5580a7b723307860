"""snapshot / revert / anchor: everything done after a snapshot is undone, exactly."""

from __future__ import annotations

import pytest

from hemi.btc import COIN, BitcoinChain
from hemi.errors import SnapshotError


def test_anchor_undoes_mining_sends_and_reorgs(funded):
    alice, bob = funded.wallet("alice"), funded.wallet("bob")
    pending = alice.send(bob.address, COIN)
    before, tip = funded.state_digest(), funded.tip
    with funded.anchor():
        funded.mine(5)
        alice.send(bob.address_of("p2tr"), 2 * COIN)
        funded.reorg(3)
        funded.invalidate_block(funded.block_hash(-2))
        assert funded.tip != tip
    assert funded.state_digest() == before and funded.tip == tip
    assert pending in funded.mempool and bob.balance == COIN
    assert {t.status for t in funded.chain_tips()} == {"active"}  # blocks made inside are forgotten


def test_revert_is_deterministic_replay(funded):
    s = funded.snapshot()
    first = funded.mine(3)
    funded.revert(s)
    assert funded.mine(3) == first  # same clock, same extranonce: the same blocks again


def test_snapshot_survives_revert_but_later_ones_do_not(funded):
    s1 = funded.snapshot()
    funded.mine(2)
    s2 = funded.snapshot()
    funded.mine(2)
    funded.revert(s1)
    with pytest.raises(SnapshotError):
        funded.revert(s2)
    funded.mine(1)
    funded.revert(s1)  # still usable
    assert funded.height == 101


def test_revert_across_an_invalidated_tip(funded):
    s = funded.snapshot()
    before = funded.state_digest()
    funded.invalidate_block(funded.tip)
    funded.mine(4)
    funded.revert(s)
    assert funded.state_digest() == before


def test_foreign_or_bogus_snapshots_are_typed_errors(funded):
    other = BitcoinChain()
    s = other.snapshot()
    with pytest.raises(SnapshotError):
        funded.revert(s)
    with pytest.raises(SnapshotError):
        funded.revert("not a snapshot")


def test_anchor_forgets_its_snapshot_and_quiet_reverts_do_not_notify(funded):
    calls = []
    funded.subscribe(lambda chain: calls.append(chain.height))
    for _ in range(3):
        with funded.anchor():
            pass
    assert calls == [] and len(funded._snapshots) == 0
    with funded.anchor():
        funded.mine()
    assert calls == [102, 101]


def test_active_tip_is_listed_even_with_invalid_descendants(btc):
    btc.mine(3)
    btc.invalidate_block(btc.block_hash(2))
    tips = {(t.height, t.status) for t in btc.chain_tips()}
    assert tips == {(1, "active"), (3, "invalid")}
