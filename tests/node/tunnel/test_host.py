"""The tunnel reaches its devchain only through :class:`hemi.node.tunnel.host.TunnelHost`, and runs its contracts on
the engine, never through the devchain's web3 face; its receipts are the ones web3 gives for the same transactions."""

from __future__ import annotations

import pytest
from web3.logs import DISCARD

from hemi.btc import COIN
from hemi.devchain import HBK_ADDRESS, Devchain
from hemi.errors import TunnelRevert
from hemi.node.tunnel.genesis import BITCOIN_KIT_ADDRESS
from hemi.node.tunnel.host import TunnelHost


class _NoWeb3Devchain(Devchain):
    """A devchain whose web3 face fails loudly: whatever the tunnel does must not need it."""

    @property
    def w3(self):  # type: ignore[override]
        raise AssertionError("the tunnel went through the devchain's web3 face")


def test_the_devchain_has_every_member_the_tunnel_host_names():
    dev = Devchain()
    members = set(TunnelHost.__annotations__) | {n for n in vars(TunnelHost) if not n.startswith("_")}
    assert {"btc", "engine", "sequencer", "op", "config", "mine", "include", "key_for"} <= members
    assert [m for m in sorted(members) if not hasattr(dev, m)] == []
    assert dev.tunnel.host is dev and dev.tunnel.operator.host is dev


def test_the_tunnel_knows_the_address_the_devchain_predeploys_hbk_at():
    assert BITCOIN_KIT_ADDRESS == HBK_ADDRESS


def test_a_full_round_trip_never_touches_web3():
    dev = _NoWeb3Devchain()
    alice, bob = dev.btc.wallet("alice"), dev.btc.wallet("bob")
    dev.btc.mine(2, to=alice.address)
    dev.btc.mine(101)
    t, user = dev.tunnel, dev.accounts[1]
    receipt = t.confirm(t.deposit(alice, 3 * COIN, recipient=user))
    assert receipt.status == 1 and receipt["from"] == t.operator.address
    assert t.balance_of(user) == 3 * COIN - t.deposit_fee(3 * COIN) == t.total_supply
    w = t.withdraw(user, COIN, btc_address=bob.address)
    assert t.finalize(w).status == 1 and t.withdrawal(w).status == "finalized"
    assert bob.balance == COIN - t.withdrawal_fee(COIN)
    t.set_operator_policy("never")
    w2 = t.withdraw(user, COIN, btc_address=bob.address)
    with pytest.raises(TunnelRevert, match="grace"):
        t.challenge(w2)
    assert t.challenge(w2, wait=True).status == 1 and t.withdrawal(w2).status == "challenged"
    assert t.audit().ok and t.status() == "LIVE"


def test_receipts_equal_what_web3_answers_for_the_same_transaction(dev, alice):
    t, user, bob = dev.tunnel, dev.accounts[2], dev.btc.wallet("bob")
    confirmed = t.confirm(t.deposit(alice, 2 * COIN, recipient=user))
    w = t.withdraw(user, COIN, btc_address=bob.address)
    finalized = t.finalize(w)
    t.set_operator_policy("never")
    challenged = t.challenge(t.withdraw(user, COIN // 2, btc_address=bob.address), wait=True)
    for receipt in (confirmed, finalized, challenged):
        assert receipt == dev.w3.eth.get_transaction_receipt(receipt.transactionHash)
    (ev,) = t.manager.events.DepositConfirmed().process_receipt(confirmed, errors=DISCARD)
    assert ev.args.recipient == user
    assert confirmed.logs and "l1Fee" in confirmed  # an OP-stack devchain's receipt carries op-geth's L1 fee fields


def test_with_automine_off_a_sent_call_is_mined_and_an_impersonated_account_can_withdraw(dev, alice):
    t, stranger, bob = dev.tunnel, "0x00000000000000000000000000000000DeaDBeef", dev.btc.wallet("bob")
    t.confirm(t.deposit(alice, 2 * COIN, recipient=stranger))
    dev.set_balance(stranger, wei=10**18)
    dev.impersonate(stranger)
    dev.automine = False
    head = dev.engine.head_number
    w = t.withdraw(stranger, COIN, btc_address=bob.address)
    assert dev.engine.head_number == head + 1 and w.l2_block == head + 1 and w.withdrawer == stranger
    assert dev.w3.eth.get_transaction_receipt(w.tx_hash)["from"] == stranger


def test_a_sent_call_is_the_transaction_web3s_transact_would_send(dev, alice):
    """Same nonce, gas (web3's estimate + 100,000 buffer), fee caps and signature: the same transaction hash."""
    t, user, bob = dev.tunnel, dev.accounts[3], dev.btc.wallet("bob")
    t.confirm(t.deposit(alice, 2 * COIN, recipient=user))
    snap = dev.snapshot()
    by_web3 = bytes(t.manager.functions.initiateWithdrawal(0, bob.address, COIN).transact({"from": user}))
    dev.revert(snap)
    assert t.withdraw(user, COIN, btc_address=bob.address).tx_hash == by_web3
