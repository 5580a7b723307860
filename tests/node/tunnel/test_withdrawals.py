"""Withdrawals through ``dev.tunnel``: burn, the simulated operator's Bitcoin payout, finalization through hBK, the
12-hour challenge, operator policies, and every refusal.

Rules: hemilabs/bitcoin-tunnel-contracts (BTC-TC SimpleBitcoinVault / checkWithdrawalFinalizationValidity): payout
spends one input, out0 = amount - fee to the requested script, optional change to custody, last output OP_RETURN with
the 4-byte uuid (BE); MINIMUM_WITHDRAWAL_SATS = 1_000_000, MAX_WITHDRAWAL_QUEUE_SIZE = 5, grace period 12 h.
"""

from __future__ import annotations

import pytest
from web3.logs import DISCARD

from hemi.btc import COIN
from hemi.errors import (
    BelowMinimumError,
    InsufficientHemiBTC,
    InvalidAddressError,
    OperatorError,
    TunnelError,
    TunnelRevert,
    TunnelValueError,
    UnknownWithdrawalError,
    WithdrawalQueueFull,
    WrongNetworkError,
)

GRACE = 12 * 3600


def fund(dev, account, sats):
    """hemiBTC for ``account`` through a real deposit (``sats`` net of the deposit fee)."""
    d = dev.tunnel.deposit(dev.btc.wallet("alice"), dev.tunnel.gross_for_net(net_sats=sats), recipient=account)
    dev.tunnel.confirm(d)
    return d


def test_withdraw_burns_and_the_operator_pays_promptly(dev):
    t, user = dev.tunnel, dev.accounts[1]
    carol = dev.btc.wallet("carol")
    fund(dev, user, 3 * COIN)
    w = t.withdraw(user, 2 * COIN, btc_address=carol.address)
    assert (w.uuid, w.index, w.status, w.withdrawer) == (0, 0, "pending", user)  # BTC-TC counts from 0
    fee = t.withdrawal_fee(2 * COIN)
    assert fee == 2 * COIN * 10 // 10_000  # 10 bps, above the 10,000-sat minimum
    assert (w.amount_sats, w.fee_sats, w.net_sats) == (2 * COIN, fee, 2 * COIN - fee)
    assert w.btc_address == carol.address and w.destination_script == carol.script_of()
    assert t.balance_of(user) == t.total_supply == COIN  # burned at once
    assert w.requested_at == dev.w3.eth.get_block(w.l2_block).timestamp
    assert w.grace_ends_at == w.requested_at + GRACE
    # the payout is already in the Bitcoin mempool, shaped as the vault checks it
    info = dev.btc.tx(w.payout_txid)
    assert info.in_mempool and len(info.tx.vin) == 1
    spent = dev.btc.tx(info.tx.vin[0].prevout.hash).tx.vout[info.tx.vin[0].prevout.n]
    assert bytes(spent.scriptPubKey) == t.custody_script
    outs = info.tx.vout
    assert len(outs) == 3
    assert (bytes(outs[0].scriptPubKey), outs[0].nValue) == (carol.script_of(), 2 * COIN - fee)
    assert bytes(outs[1].scriptPubKey) == t.custody_script
    assert bytes(outs[2].scriptPubKey) == b"\x6a\x04" + (0).to_bytes(4, "big")
    assert (info.tx.vin[0].prevout.hash, info.tx.vin[0].prevout.n) == \
        (bytes(t.operator.sweep_utxo()[0]), t.operator.sweep_utxo()[1])  # the vault's sweep UTXO
    assert info.fee == sum([spent.nValue]) - sum(o.nValue for o in outs) > 0

    receipt = t.finalize(w)
    assert receipt.status == 1 and receipt["to"] == t.vault_address  # the deployed vault emits no event here
    assert bytes(t.vault_state.functions.withdrawalsToStatus(0).call()) == w.payout_txid.display_bytes
    assert t.vault_state.functions.isWithdrawalFulfilled(0).call() is True
    assert t.operator.sweep_utxo()[:2] == (w.payout_txid, 1)  # the change is the new sweep UTXO
    assert receipt["from"] == t.operator.address
    assert dev.sequencer.ordering(receipt.transactionHash).kind == "forced"
    w = t.withdrawal(w)
    assert w.status == "finalized" and w.finalize_tx == bytes(receipt.transactionHash)
    assert dev.btc.balance(carol.address) == 2 * COIN - dev.tunnel.withdrawal_fee(2 * COIN)
    assert t.finalize(w).transactionHash == receipt.transactionHash  # again: the same receipt, nothing mined
    report = t.audit()
    assert report.ok and report.total_supply == COIN and report.withdrawn_sats == 2 * COIN
    with pytest.raises(TunnelRevert, match="withdrawal was successfully processed"):
        t.challenge(w, wait=True)


def test_the_operator_finalizes_by_itself_once_the_payout_is_buried(dev):
    """No finalize() call: mining Bitcoin and syncing the view is enough for the operator's finalizeWithdrawal."""
    t, user = dev.tunnel, dev.accounts[1]
    fund(dev, user, COIN)
    w = t.withdraw(user, COIN, btc_address=dev.btc.wallet("carol").address)
    dev.btc.mine(4)
    dev.sync_btc()
    dev.mine(1)  # the operator's input is ordered at the front of the next block
    assert t.withdrawal(w).status == "finalized"
    n = dev.w3.eth.get_transaction(t.withdrawal(w).finalize_tx).blockNumber
    assert dev.sequencer.block(n).forced == (t.withdrawal(w).finalize_tx,)


@pytest.mark.parametrize("kind", ["p2pkh", "p2sh-p2wpkh", "p2wpkh", "p2wsh", "p2tr"])
def test_every_address_kind_is_paid(dev, kind):
    t, user = dev.tunnel, dev.accounts[1]
    dest = dev.btc.wallet("carol").address_of(kind)
    fund(dev, user, COIN)
    w = t.withdraw(user, COIN, btc_address=dest)
    t.finalize(w)
    assert dev.btc.balance(dest) == COIN - dev.tunnel.withdrawal_fee(COIN)


def test_withdrawals_refused_in_python_burn_nothing(dev):
    t, user = dev.tunnel, dev.accounts[1]
    carol = dev.btc.wallet("carol").address
    fund(dev, user, 2 * COIN)
    cases = [
        (InvalidAddressError, dict(sats=COIN, btc_address="not an address")),
        (InvalidAddressError, dict(sats=COIN, btc_address="")),
        (InvalidAddressError, dict(sats=COIN, btc_address=carol[:-1] + ("q" if carol[-1] != "q" else "p"))),
        (WrongNetworkError, dict(sats=COIN, btc_address="bc1qar0srrr7xfkvy5l643lydnw9re59gtzzwf5mdq")),  # mainnet
        (WrongNetworkError, dict(sats=COIN, btc_address="1BoatSLRHtKNngkdXEeobR76b53LETtpyT")),  # mainnet P2PKH
        (WrongNetworkError, dict(sats=COIN, btc_address="tb1qw508d6qejxtdg4y5r3zarvary0c5xw7kxpjzsx")),  # testnet
        (BelowMinimumError, dict(sats=999_999, btc_address=carol)),
        (InsufficientHemiBTC, dict(sats=2 * COIN + 1, btc_address=carol)),
        (TunnelValueError, dict(sats=0, btc_address=carol)),
        (TunnelValueError, dict(sats=COIN, btc_address=b"bcrt1q")),
    ]
    head = dev.engine.head_number
    for error, kw in cases:
        with pytest.raises(error):
            t.withdraw(user, **kw)
    with pytest.raises(InsufficientHemiBTC, match="holds 0 hemiBTC"):
        t.withdraw(dev.accounts[2], COIN, btc_address=carol)
    with pytest.raises(TunnelValueError, match="cannot send from"):
        t.withdraw("0x" + "cd" * 20, COIN, btc_address=carol)
    assert dev.engine.head_number == head  # nothing was sent
    assert t.balance_of(user) == t.total_supply == 2 * COIN
    assert t.withdrawals() == []


def test_the_queue_holds_five_pending_withdrawals(dev):
    t, user = dev.tunnel, dev.accounts[1]
    t.set_operator_policy("never")
    fund(dev, user, 6 * COIN)
    ws = [t.withdraw(user, COIN, btc_address=dev.btc.wallet("carol").address) for _ in range(5)]
    assert [w.uuid for w in ws] == [0, 1, 2, 3, 4] and all(w.payout_txid is None for w in ws)
    with pytest.raises(WithdrawalQueueFull, match="5 withdrawals pending"):
        t.withdraw(user, COIN, btc_address=dev.btc.wallet("carol").address)
    assert t.balance_of(user) == COIN
    t.challenge(ws[0], wait=True)  # frees a place
    assert t.withdraw(user, COIN, btc_address=dev.btc.wallet("carol").address).uuid == 5


def test_challenge_after_the_grace_period_remints(dev):
    t, user = dev.tunnel, dev.accounts[1]
    t.set_operator_policy("never")
    fund(dev, user, 2 * COIN)
    w = t.withdraw(user, 2 * COIN, btc_address=dev.btc.wallet("carol").address)
    assert t.balance_of(user) == 0
    with pytest.raises(OperatorError, match="policy 'never'"):
        t.finalize(w)
    with pytest.raises(TunnelRevert, match=r"grace period has not elapsed \(the grace period ends at L2 time"):
        t.challenge(w)
    dev.time_travel(seconds=GRACE - 60)
    dev.mine(1)
    with pytest.raises(TunnelRevert, match="grace period has not elapsed"):
        t.challenge(w)
    dev.time_travel(seconds=60)  # not mined yet: challenge() sees the clock of the next block
    receipt = t.challenge(w, sender=dev.accounts[6])
    (ev,) = t.manager.events.WithdrawalChallengeSuccess().process_receipt(receipt, errors=DISCARD)
    assert (ev.args.vault, ev.args.withdrawer, ev.args.uuid) == (t.vault_address, user, w.uuid)
    assert dev.w3.eth.get_block(receipt.blockNumber).timestamp >= w.grace_ends_at
    assert t.balance_of(user) == 2 * COIN  # the full amount, fee included
    w = t.withdrawal(w)
    assert w.status == "challenged" and w.challenge_tx == bytes(receipt.transactionHash)
    report = t.audit()
    assert report.ok and report.reminted_sats == 2 * COIN and report.total_supply == 2 * COIN
    with pytest.raises(TunnelRevert, match="withdrawal has already been challenged"):
        t.challenge(w)
    with pytest.raises(TunnelError, match="was challenged"):
        t.finalize(w)


def test_challenge_wait_moves_the_clock(dev):
    t, user = dev.tunnel, dev.accounts[1]
    t.set_operator_policy("never")
    fund(dev, user, COIN)
    w = t.withdraw(user, COIN, btc_address=dev.btc.wallet("carol").address)
    receipt = t.challenge(w, wait=True)
    assert receipt.status == 1
    assert dev.w3.eth.get_block(receipt.blockNumber).timestamp - w.requested_at < GRACE + 60
    assert t.balance_of(user) == COIN


def test_late_operator_can_be_challenged_first(dev):
    t, user = dev.tunnel, dev.accounts[1]
    t.set_operator_policy("late")
    fund(dev, user, COIN)
    w = t.withdraw(user, COIN, btc_address=dev.btc.wallet("carol").address)
    assert w.payout_txid is None
    with pytest.raises(OperatorError, match="policy 'late'"):
        t.finalize(w)
    t.challenge(w, wait=True)
    dev.time_travel(seconds=2 * 3600, blocks=3)  # well past the operator's time: it does not pay a challenged one
    assert t.withdrawal(w).payout_txid is None
    assert t.balance_of(user) == COIN and t.audit().ok


def test_late_operator_pays_after_grace_plus_delay(dev):
    t, user = dev.tunnel, dev.accounts[1]
    t.set_operator_policy("late", delay=600)
    fund(dev, user, COIN)
    w = t.withdraw(user, COIN, btc_address=dev.btc.wallet("carol").address)
    dev.set_next_timestamp(w.grace_ends_at + 599)
    dev.mine(1)
    assert t.withdrawal(w).payout_txid is None
    dev.set_next_timestamp(w.grace_ends_at + 600)
    dev.mine(1)
    assert t.withdrawal(w).payout_txid is not None
    t.finalize(w)
    assert t.withdrawal(w).status == "finalized"
    assert dev.btc.balance(dev.btc.wallet("carol").address) == COIN - dev.tunnel.withdrawal_fee(COIN)


def test_a_never_operator_turned_prompt_pays_pending_withdrawals(dev):
    t, user = dev.tunnel, dev.accounts[1]
    t.set_operator_policy("never")
    fund(dev, user, COIN)
    w = t.withdraw(user, COIN, btc_address=dev.btc.wallet("carol").address)
    dev.mine(2)
    assert t.withdrawal(w).payout_txid is None
    t.set_operator_policy("prompt")
    dev.mine(1)
    assert t.withdrawal(w).payout_txid is not None


def test_prompt_payout_challenged_before_finalization_is_a_double_payout(dev):
    """Bitcoin was slow (no blocks for 12 hours of L2 time): the withdrawer gets both; audit says so."""
    t, user = dev.tunnel, dev.accounts[1]
    fund(dev, user, COIN)
    w = t.withdraw(user, COIN, btc_address=dev.btc.wallet("carol").address)
    t.challenge(w, wait=True)
    report = t.audit()
    assert report.reconciles and not report.ok
    (issue,) = report.double_payouts
    assert issue.uuid == w.uuid and issue.payout_txid == w.payout_txid and "re-minted" in issue.reason


def test_deposits_are_swept_into_the_sweep_utxo_before_a_payout(dev):
    """The first deposit is the sweep UTXO; later ones are swept into it (input 0 the sweep UTXO, one output to
    custody) and proven with processSweep, which collects their fees; the payout then spends the new sweep UTXO
    (hemilabs/bitcoin-tunnel-contracts SimpleBitcoinVault.confirmDeposit / processSweep)."""
    t, user = dev.tunnel, dev.accounts[1]
    first = fund(dev, user, COIN)
    assert t.operator.sweep_utxo()[0] == first.txid
    later = [fund(dev, user, COIN) for _ in range(2)]
    w = t.withdraw(user, 2 * COIN, btc_address=dev.btc.wallet("carol").address)
    t.finalize(w)
    payout = dev.btc.tx(t.withdrawal(w).payout_txid).tx
    assert len(payout.vin) == 1
    # walk the sweep chain back from the payout's input to the first deposit
    swept, at = set(), (payout.vin[0].prevout.hash, payout.vin[0].prevout.n)
    while at != (bytes(first.txid), first.vout):
        sweep = dev.btc.tx(at[0]).tx
        assert 2 <= len(sweep.vin) <= 8 and len(sweep.vout) == 1 and at[1] == 0
        assert bytes(sweep.vout[0].scriptPubKey) == t.custody_script
        swept |= {(i.prevout.hash, i.prevout.n) for i in sweep.vin[1:]}
        at = (sweep.vin[0].prevout.hash, sweep.vin[0].prevout.n)
    assert swept == {(bytes(d.txid), d.vout) for d in later}
    assert [t.vault_state.functions.getCollectableFees(d.txid.display_bytes).call() for d in later] == [0, 0]
    assert dev.btc.balance(dev.btc.wallet("carol").address) == 2 * COIN - dev.tunnel.withdrawal_fee(2 * COIN)
    assert t.audit().ok


def test_operator_without_custody_coins_records_why(dev):
    """hemiBTC minted without BTC in custody (the supply is re-minted by a challenge, then the custody spent):
    the operator cannot pay; finalize says why, the block production goes on."""
    t, user = dev.tunnel, dev.accounts[1]
    fund(dev, user, COIN)
    op = t.operator.wallet
    dev.btc.send_raw(op.build_tx(dev.btc.wallet("bob").address, COIN - 5_000, fee_rate=2))  # custody emptied
    w = t.withdraw(user, COIN, btc_address=dev.btc.wallet("carol").address)
    assert w.payout_txid is None
    (failure,) = [f for f in t.operator.failures if f.uuid == w.uuid]
    assert "sweep UTXO" in failure.error and "no longer in custody" in failure.error
    with pytest.raises(OperatorError, match="no longer in custody"):
        t.finalize(w)
    dev.mine(3)  # failures are recorded once per cause, not once per block
    assert len([f for f in t.operator.failures if f.uuid == w.uuid]) == 1


def test_unknown_withdrawal(dev):
    with pytest.raises(UnknownWithdrawalError):
        dev.tunnel.withdrawal(99)
    with pytest.raises(TunnelValueError):
        dev.tunnel.withdrawal("1")
    with pytest.raises(UnknownWithdrawalError):
        dev.tunnel.challenge(7)


def test_operator_policy_arguments(dev):
    t = dev.tunnel
    for bad in (dict(policy="eager"), dict(policy="late", delay=-1), dict(policy="prompt", fee_rate=0.5)):
        with pytest.raises(TunnelValueError.__mro__[2]):  # HemiValueError
            t.set_operator_policy(**bad)
    assert t.set_operator_policy("late", delay=5, fee_rate=3).policy == "late"
    assert (t.operator.delay, t.operator.fee_rate) == (5, 3.0)
