"""The tunnel driven from Solidity (tests/node/tunnel/contracts/TunnelClient.sol): a dapp confirms a deposit naming it,
withdraws its hemiBTC to Bitcoin (the simulated operator pays and finalizes as for any withdrawal), challenges an
unpaid one, and reads every revert reason of the manager and the vault (hemilabs/bitcoin-tunnel-contracts
BitcoinTunnelManager.sol, SimpleBitcoinVault.sol, SimpleBitcoinVaultUTXOLogicHelper.sol)."""

from __future__ import annotations

from pathlib import Path

import pytest

from hemi.btc import COIN
from hemi.compiler import compile as compile_sol

CONTRACT = Path(__file__).resolve().parent / "contracts" / "TunnelClient.sol"


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
    assert client.functions.tryConfirm(d.txid.display_bytes, 0).call() == "btc deposit transaction is not known by hVM"
    dev.btc.mine(3)
    dev.sync_btc()  # readable at 3 confirmations (indexed tip = light tip - 2), confirmable at 4
    assert client.functions.tryConfirm(d.txid.display_bytes, 0).call() == "btc deposit is not confirmed"
    buried(dev, d)
    assert client.functions.tryConfirm(d.txid.display_bytes, 1).call() == \
        "claimed deposit output script must match vault custody script"
    assert client.functions.tryConfirm(d.txid.display_bytes, 8).call() == \
        "output index must be one of the first 8 outputs"
    assert client.functions.tryConfirm(b"\x42" * 32, 0).call() == "btc deposit transaction is not known by hVM"
    _, receipt = call(dev, client.functions.confirm(d.txid.display_bytes, 0))
    assert receipt.status == 1
    assert client.functions.hemiBtcBalance().call() == t.balance_of(client.address) == \
        2 * COIN - t.deposit_fee(2 * COIN)
    assert client.functions.tryConfirm(d.txid.display_bytes, 0).call() == "txid has already been confirmed"
    small = t.deposit(alice, 999_999, recipient=client.address, check=False)
    none = t.deposit_of(alice.send(t.custody_address, 2 * COIN))
    buried(dev, small)
    assert client.functions.tryConfirm(small.txid.display_bytes, 0).call() == \
        "deposit must meet the minimum deposit size threshold"
    assert client.functions.tryConfirm(none.txid.display_bytes, 0).call() == \
        "could not extract an EVM address to credit from deposit"
    assert t.audit().ok and t.audit().confirmed_deposits == 1


def test_a_contract_withdraws_to_bitcoin_and_the_operator_pays(dev, alice, client):
    t = dev.tunnel
    carol = dev.btc.wallet("carol")
    t.confirm(t.deposit(alice, 3 * COIN, recipient=client.address))
    reasons = {
        "withdrawal is lower than minimum": (carol.address, 999_999),
        "hemiBTC: burn amount exceeds balance": (carol.address, 4 * COIN),
        "btc address could not be converted to a valid withdrawal script": ("not-a-bitcoin-address", COIN),
    }
    for reason, (addr, amount) in reasons.items():
        assert client.functions.tryWithdraw(addr, amount).call() == reason
    uuid, receipt = call(dev, client.functions.withdraw(carol.address, 2 * COIN))
    w = t.withdrawal(uuid)  # the operator saw the contract's withdrawal in the block's logs
    assert (w.withdrawer, w.amount_sats, w.btc_address) == (client.address, 2 * COIN, carol.address)
    assert w.l2_block == receipt.blockNumber and w.payout_txid is not None  # paid at once ("prompt")
    assert client.functions.hemiBtcBalance().call() == 3 * COIN - dev.tunnel.deposit_fee(3 * COIN) - 2 * COIN
    t.finalize(uuid)
    assert dev.btc.balance(carol.address) == 2 * COIN - dev.tunnel.withdrawal_fee(2 * COIN)
    assert client.functions.tryChallenge(uuid).call() == "withdrawal was successfully processed"
    assert t.audit().ok


def test_a_contract_challenges_an_unpaid_withdrawal(dev, alice, client):
    t = dev.tunnel
    t.set_operator_policy("never")
    t.confirm(t.deposit(alice, 2 * COIN, recipient=client.address))
    uuid, _ = call(dev, client.functions.withdraw(dev.btc.wallet("carol").address, COIN))
    assert client.functions.tryChallenge(uuid).call() == "the withdrawal grace period has not elapsed"
    assert client.functions.tryChallenge(uuid + 1).call() == "withdrawal does not exist"
    dev.time_travel(seconds=12 * 3600, blocks=1)
    _, receipt = call(dev, client.functions.challenge(uuid), sender=dev.accounts[4])
    assert receipt.status == 1
    assert client.functions.hemiBtcBalance().call() == 2 * COIN - t.deposit_fee(2 * COIN)  # re-minted to the contract
    assert t.withdrawal(uuid).status == "challenged"
    assert client.functions.tryChallenge(uuid).call() == "withdrawal has already been challenged"
    assert t.audit().ok
