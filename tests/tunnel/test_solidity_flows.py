"""The tunnel driven from Solidity (tests/tunnel/contracts/TunnelClient.sol): a dapp confirms a deposit naming it,
withdraws its hemiBTC to Bitcoin (the simulated operator pays and finalizes as for any withdrawal), challenges an
unpaid one, and reads every revert reason of the manager and the vault (hemi-protocol.md §3.1)."""

from __future__ import annotations

from pathlib import Path

import pytest

from hemi.btc import COIN
from hemi.compiler import compile as compile_sol

CONTRACT = Path(__file__).resolve().parent / "contracts" / "TunnelClient.sol"
DEPOSIT_FEE, WITHDRAWAL_FEE = 1_000, 10_000


@pytest.fixture(scope="module")
def art():
    return compile_sol(CONTRACT)["TunnelClient"]


@pytest.fixture
def client(dev, art):
    w3 = dev.w3
    h = w3.eth.contract(abi=art.abi, bytecode=art.bytecode).constructor().transact({"from": dev.accounts[0]})
    return w3.eth.contract(address=w3.eth.get_transaction_receipt(h).contractAddress, abi=art.abi)


def call(dev, fn, sender=None):
    """Run a state-changing function and return (its return value as eth_call saw it, the receipt)."""
    frm = {"from": sender or dev.accounts[0]}
    value = fn.call(frm)
    return value, dev.w3.eth.get_transaction_receipt(fn.transact(frm))


def buried(dev, d):
    dev.btc.mine(4)
    dev.sync_btc()


def test_a_contract_confirms_a_deposit_and_reads_each_revert_reason(dev, alice, client):
    t = dev.tunnel
    d = t.deposit(alice, 2 * COIN, recipient=client.address)
    assert client.functions.tryConfirm(d.txid.display_bytes, 0).call() == "deposit transaction not found"
    dev.btc.mine(3)
    dev.sync_btc()  # readable at 3 confirmations (indexed tip = light tip - 2), confirmable at 4
    assert client.functions.tryConfirm(d.txid.display_bytes, 0).call() == "not enough bitcoin confirmations"
    buried(dev, d)
    assert client.functions.tryConfirm(d.txid.display_bytes, 1).call() == \
        "deposit output does not pay the custody script"
    assert client.functions.tryConfirm(d.txid.display_bytes, 8).call() == "deposit output index must be below 8"
    assert client.functions.tryConfirm(b"\x42" * 32, 0).call() == "deposit transaction not found"
    _, receipt = call(dev, client.functions.confirm(d.txid.display_bytes, 0))
    assert receipt.status == 1
    assert client.functions.hemiBtcBalance().call() == t.balance_of(client.address) == 2 * COIN - DEPOSIT_FEE
    assert client.functions.tryConfirm(d.txid.display_bytes, 0).call() == "deposit already confirmed"
    small = t.deposit(alice, 999_999, recipient=client.address, check=False)
    none = t.deposit_of(alice.send(t.custody_address, 2 * COIN))
    buried(dev, small)
    assert client.functions.tryConfirm(small.txid.display_bytes, 0).call() == "below minimum deposit"
    assert client.functions.tryConfirm(none.txid.display_bytes, 0).call() == "invalid deposit recipient"
    assert t.audit().ok and t.audit().confirmed_deposits == 1


def test_a_contract_withdraws_to_bitcoin_and_the_operator_pays(dev, alice, client):
    t = dev.tunnel
    carol = dev.btc.wallet("carol")
    t.confirm(t.deposit(alice, 3 * COIN, recipient=client.address))
    reasons = {
        "below minimum withdrawal": (carol.address, 999_999),
        "insufficient hemiBTC balance": (carol.address, 4 * COIN),
        # mainnet base58 (btcd DecodeAddress: another network's version byte); a mainnet bc1 address would decode
        "invalid bitcoin address": ("1BoatSLRHtKNngkdXEeobR76b53LETtpyT", COIN),
    }
    for reason, (addr, amount) in reasons.items():
        assert client.functions.tryWithdraw(addr, amount).call() == reason
    uuid, receipt = call(dev, client.functions.withdraw(carol.address, 2 * COIN))
    w = t.withdrawal(uuid)  # the operator saw the contract's withdrawal in the block's logs
    assert (w.withdrawer, w.amount_sats, w.btc_address) == (client.address, 2 * COIN, carol.address)
    assert w.l2_block == receipt.blockNumber and w.payout_txid is not None  # paid at once ("prompt")
    assert client.functions.hemiBtcBalance().call() == COIN - DEPOSIT_FEE
    t.finalize(uuid)
    assert dev.btc.balance(carol.address) == 2 * COIN - WITHDRAWAL_FEE
    assert client.functions.tryChallenge(uuid).call() == "withdrawal already finalized"
    assert t.audit().ok


def test_a_contract_challenges_an_unpaid_withdrawal(dev, alice, client):
    t = dev.tunnel
    t.set_operator_policy("never")
    t.confirm(t.deposit(alice, 2 * COIN, recipient=client.address))
    uuid, _ = call(dev, client.functions.withdraw(dev.btc.wallet("carol").address, COIN))
    assert client.functions.tryChallenge(uuid).call() == "withdrawal grace period not over"
    assert client.functions.tryChallenge(uuid + 1).call() == "unknown withdrawal"
    dev.time_travel(seconds=12 * 3600, blocks=1)
    _, receipt = call(dev, client.functions.challenge(uuid), sender=dev.accounts[4])
    assert receipt.status == 1
    assert client.functions.hemiBtcBalance().call() == 2 * COIN - DEPOSIT_FEE  # re-minted to the contract
    assert t.withdrawal(uuid).status == "challenged"
    assert client.functions.tryChallenge(uuid).call() == "withdrawal already challenged"
    assert t.audit().ok
