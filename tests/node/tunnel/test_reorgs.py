"""Bitcoin reorgs under the tunnel: before confirmation a removed deposit cannot be confirmed; after minting it is
an unbacked mint that ``audit()`` reports; a removed payout is paid again (or reported once finalized).

Reorg semantics of the hVM view: hemilabs/op-geth ``core/blockchain.go`` ``updateHvmHeaderConsensus`` (the view
walks back to the common ancestor)."""

from __future__ import annotations

import pytest

from hemi.btc import COIN
from hemi.errors import DepositNotFound, UnknownTransactionError


def test_reorg_removing_a_deposit_before_confirmation(dev, alice):
    t, user = dev.tunnel, dev.accounts[1]
    d = t.deposit(alice, 2 * COIN, recipient=user)
    dev.btc.mine(2)
    dev.sync_btc()
    dev.btc.reorg(2, drop=[d.txid])
    with pytest.raises(DepositNotFound, match="a Bitcoin reorg .* removed it before it was confirmed; nothing was "
                                              "minted"):
        t.confirm(d)
    with pytest.raises(DepositNotFound, match="removed it"):
        t.confirm(d, mine=False)  # the hVM view has not followed the reorg yet: its next block will
    dev.sync_btc()
    fn = t.manager.functions.confirmDeposit(0, d.txid.display_bytes, 0, b"")
    with pytest.raises(Exception, match="btc deposit transaction is not known by hVM"):  # what the contract itself says
        fn.call({"from": dev.accounts[1]})
    assert t.total_supply == 0 and t.audit().ok


def test_a_reorg_that_mines_the_deposit_again_changes_nothing(dev, alice):
    t, user = dev.tunnel, dev.accounts[1]
    d = t.deposit(alice, 2 * COIN, recipient=user)
    dev.btc.mine(2)
    old_block = dev.btc.tx(d.txid).block_hash
    dev.btc.reorg(2)  # the deposit returns to the mempool and is mined again in the new branch
    assert dev.btc.tx(d.txid).block_hash != old_block
    t.confirm(d)
    assert t.balance_of(user) == 2 * COIN - dev.tunnel.deposit_fee(2 * COIN)


def test_reorg_after_minting_is_an_unbacked_mint(dev, alice):
    t, user, other = dev.tunnel, dev.accounts[1], dev.accounts[2]
    kept = t.deposit(alice, COIN, recipient=other)
    t.confirm(kept)
    d = t.deposit(alice, 3 * COIN, recipient=user)
    receipt = t.confirm(d)
    before = t.audit()
    assert before.ok and before.confirmed_deposits == 2
    depth = dev.btc.height - dev.btc.tx(d.txid).height + 1
    dev.btc.reorg(depth, drop=[d.txid])
    dev.sync_btc()
    report = t.audit()
    assert report.reconciles  # the EVM books still add up...
    assert not report.ok  # ...but one mint has no Bitcoin behind it
    (m,) = report.unbacked_mints
    assert (m.txid, m.net_sats, m.l2_block, m.l2_tx_hash) == \
        (d.txid, 3 * COIN - dev.tunnel.deposit_fee(3 * COIN), receipt.blockNumber, bytes(receipt.transactionHash))
    assert report.unbacked_sats == 3 * COIN - dev.tunnel.deposit_fee(3 * COIN)
    assert "UNBACKED" in str(report) and report.to_json()["unbacked_mints"][0]["txid"] == str(d.txid)


def test_reorg_returning_a_minted_deposit_to_the_mempool(dev, alice):
    t = dev.tunnel
    d = t.deposit(alice, COIN, recipient=dev.accounts[1])
    t.confirm(d)
    dev.btc.invalidate_block(dev.btc.tx(d.txid).block_hash)  # back to the mempool, not in any block
    (m,) = t.audit().unbacked_mints
    assert m.txid == d.txid and "back in the Bitcoin mempool" in m.reason


def test_payout_removed_by_a_reorg_is_paid_again(dev, alice):
    t, user = dev.tunnel, dev.accounts[1]
    t.confirm(t.deposit(alice, dev.tunnel.gross_for_net(net_sats=COIN), recipient=user))
    w = t.withdraw(user, COIN, btc_address=dev.btc.wallet("carol").address)
    first = w.payout_txid
    dev.btc.mine(1)
    dev.btc.reorg(1, drop=[first])
    with pytest.raises(UnknownTransactionError):
        dev.btc.tx(first)
    dev.mine(1)  # the operator notices in its next block hook and pays again
    # same coin, same outputs, deterministic signature: the very same transaction, broadcast again
    assert t.withdrawal(w).payout_txid == first and dev.btc.tx(first).in_mempool
    t.finalize(w)
    assert t.withdrawal(w).status == "finalized"
    assert dev.btc.balance(dev.btc.wallet("carol").address) == COIN - dev.tunnel.withdrawal_fee(COIN)
    assert t.audit().ok


def test_finalized_payout_removed_by_a_reorg_is_reported(dev, alice):
    t, user = dev.tunnel, dev.accounts[1]
    t.confirm(t.deposit(alice, dev.tunnel.gross_for_net(net_sats=COIN), recipient=user))
    w = t.withdraw(user, COIN, btc_address=dev.btc.wallet("carol").address)
    t.finalize(w)
    depth = dev.btc.height - dev.btc.tx(w.payout_txid).height + 1
    dev.btc.reorg(depth, drop=[w.payout_txid])
    report = t.audit()
    (issue,) = report.unpaid_finalized
    assert issue.uuid == w.uuid and "removed its payout" in issue.reason
    assert report.reconciles and not report.ok


def test_reorg_under_a_queued_finalization(dev, alice):
    """The operator queued finalizeWithdrawal (payout at 4 hVM confirmations), then Bitcoin dropped the payout: the
    stale input is withdrawn from the sequencer, the payout broadcast again, and finalization still happens."""
    t, user = dev.tunnel, dev.accounts[1]
    t.confirm(t.deposit(alice, dev.tunnel.gross_for_net(net_sats=COIN), recipient=user))
    w = t.withdraw(user, COIN, btc_address=dev.btc.wallet("carol").address)
    dev.btc.mine(4)  # payout at h, tip h + 3
    dev.sync_btc()  # the block bringing h + 3 into the view lets the operator queue its input for the next block
    queued = t.withdrawal(w).finalize_input
    assert queued is not None and t.withdrawal(w).status == "pending"
    assert [item.id for item, _ in dev.sequencer.waiting()] == [queued]
    depth = dev.btc.height - dev.btc.tx(w.payout_txid).height + 1
    dev.btc.reorg(depth, drop=[w.payout_txid])
    dev.mine(1)
    assert dev.sequencer.tx_of(queued) is None and queued not in [i.id for i, _ in dev.sequencer.waiting()]
    assert dev.btc.tx(t.withdrawal(w).payout_txid).in_mempool  # paid again
    t.finalize(w)
    assert t.withdrawal(w).status == "finalized" and t.audit().ok


def test_confirming_again_after_a_reorg_removed_a_minted_deposit(dev, alice):
    t = dev.tunnel
    d = t.deposit(alice, COIN, recipient=dev.accounts[1])
    t.confirm(d)
    dev.btc.reorg(dev.btc.height - dev.btc.tx(d.txid).height + 1, drop=[d.txid])
    with pytest.raises(DepositNotFound, match="after its hemiBTC was minted"):
        t.confirm(d)
