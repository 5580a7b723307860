"""Balances are uint256 and overflow wraps, as in go-ethereum's state (op-geth's is the same code): py-evm refuses
such a balance, which used to escape from ``eth_sendTransaction`` and ``mine()`` as an untyped ValidationError."""

from __future__ import annotations

from hemi import Devchain


def test_a_balance_past_the_largest_uint256_wraps_as_in_geth():
    """go-ethereum ``core/state/state_object.go`` ``AddBalance`` adds in uint256 (holiman/uint256 ``Add`` wraps
    mod 2**256); py-evm refuses such a balance with ValidationError, which escaped ``eth_sendTransaction`` untyped.
    A transfer to an account at 2**256 - 1 and a deposit whose mint overflows after a queued one both go through."""
    dev = Devchain(predeploy_tunnel=False, automine=False)
    a, b = dev.accounts[:2]
    dev.set_balance(a, wei=2**256 - 1)
    t = dev.w3.eth.send_transaction({"from": b, "to": a, "value": 10})
    dev.mine()
    assert dev.w3.eth.get_transaction_receipt(t).status == 1
    assert dev.w3.eth.get_balance(a) == 9
    fresh = "0x" + "Ab" * 20
    dev.op.deposit(sender=fresh, to=a, value=2**256 - 1, mint=2**256 - 1, gas=50_000, mine=False)
    dev.op.deposit(sender=a, to=b, mint=2**256 - 10, gas=50_000, mine=False)  # fits a's balance when queued
    dev.mine()
    block = dev.w3.eth.get_block("latest")
    assert len(block.transactions) == 3  # L1 attributes and the two deposits
    assert dev.w3.eth.get_balance(a) == (9 + 2**256 - 1 + 2**256 - 10) % 2**256
