"""Deposits through ``dev.tunnel``: the real Bitcoin transaction, confirmation on Hemi, every refusal.

The rules tested are hemilabs/bitcoin-tunnel-contracts' (BTC-TC SimpleBitcoinVault / checkDepositConfirmationValidity):
custody output, OP_RETURN recipient (``6a 14 <addr>`` or ``6a 28 <40 hex>``, first OP_RETURN among the first 8
outputs), >= 4 hBK confirmations, >= 0.01 BTC, one deposit per txid.
"""

from __future__ import annotations

import pytest
from bitcoin.core import CMutableTransaction, COutPoint, CScript, CTxIn, CTxOut
from web3.logs import DISCARD

from hemi.btc import COIN
from hemi.btc.script import op_return_script
from hemi.devchain import Devchain
from hemi.errors import (
    BelowMinimumError,
    DepositNotFound,
    DustOutputError,
    HemiValueError,
    InvalidRecipientError,
    TransactionRejected,
    TunnelRevert,
    TunnelValueError,
)
from hemi.types import Txid


def fee(sats: int) -> int:
    """The genesis vault's deposit fee: 10 bps with a 10,000-sat minimum (SimpleBitcoinVaultState.calculateDepositFee
    in hemilabs/bitcoin-tunnel-contracts; the rates are hemi-sdk's GlobalConfig minimums)."""
    return max(sats * 10 // 10_000, 10_000)



def test_deposit_builds_the_real_bitcoin_transaction(dev, alice):
    user = dev.accounts[1]
    d = dev.tunnel.deposit(alice, 2 * COIN, recipient=user)
    assert (d.vout, d.sats, d.recipient, d.wallet) == (0, 2 * COIN, user, "alice")
    info = dev.btc.tx(d.txid)
    assert info.in_mempool
    outs = info.tx.vout
    assert bytes(outs[0].scriptPubKey) == dev.tunnel.custody_script and outs[0].nValue == 2 * COIN
    assert bytes(outs[1].scriptPubKey) == b"\x6a\x14" + bytes.fromhex(user[2:])  # 22-byte form of §3.1
    assert outs[1].nValue == 0
    assert dev.tunnel.custody_address.startswith("bcrt1q")
    hexed = dev.tunnel.deposit(alice, 2 * COIN, recipient=user, recipient_format="hex")
    script = bytes(dev.btc.tx(hexed.txid).tx.vout[1].scriptPubKey)
    assert script == b"\x6a\x28" + user[2:].lower().encode()  # 42-byte form of §3.1


@pytest.mark.parametrize("form", ["raw", "hex"])
def test_confirm_mints_net_sats_to_the_recipient(dev, alice, form):
    t, user = dev.tunnel, dev.accounts[2]
    d = t.deposit(alice, 3 * COIN + 7, recipient=user, recipient_format=form)
    receipt = t.confirm(d)
    assert receipt.status == 1
    (ev,) = t.manager.events.DepositConfirmed().process_receipt(receipt, errors=DISCARD)
    assert (ev.args.vault, ev.args.recipient, ev.args.depositTxId) == (t.vault_address, user, d.txid.display_bytes)
    assert (ev.args.depositSats, ev.args.netSatsAfterFee) == (3 * COIN + 7, 3 * COIN + 7 - fee(3 * COIN + 7))
    assert t.balance_of(user) == t.total_supply == 3 * COIN + 7 - fee(3 * COIN + 7)
    assert t.is_confirmed(d)
    # exactly enough was mined: hBK counts 4 confirmations, and the view is in sync
    assert dev.bitcoin_kit.functions.getTxConfirmations(d.txid.display_bytes).call() == 4
    assert dev.btc.confirmations(d.txid) == 4
    # the sequencer ordered it as a Bitcoin-derived input that depends on the deposit
    o = dev.sequencer.ordering(receipt.transactionHash)
    system = sum(1 for x in dev.w3.eth.get_block(receipt.blockNumber, True).transactions if x["type"] in (0x7E, 0x7C))
    assert o.kind == "forced" and o.position == system == receipt.transactionIndex and d.txid in o.depends_on
    assert receipt["from"] == t.operator.address


@pytest.mark.parametrize("lag", [0, 5])
def test_confirm_follows_the_indexer_lag(lag):
    """With lag L a deposit is readable once block h + L is in the light view; 4 confirmations need h + 3."""
    dev = Devchain(hvm_indexer_lag=lag)
    alice = dev.btc.wallet("alice")
    dev.btc.mine(101, to=alice.address)
    d = dev.tunnel.deposit(alice, COIN, recipient=dev.accounts[1])
    dev.tunnel.confirm(d)
    assert dev.btc.confirmations(d.txid) == 1 + max(3, lag)
    assert dev.tunnel.balance_of(dev.accounts[1]) == COIN - fee(COIN)


def test_before_four_confirmations_confirm_reverts_with_the_count(dev, alice):
    t, user = dev.tunnel, dev.accounts[1]
    d = t.deposit(alice, COIN, recipient=user)
    with pytest.raises(TunnelRevert, match="not known by hVM.*mempool") as err:
        t.confirm(d, mine=False)
    assert err.value.reason == "btc deposit transaction is not known by hVM" and err.value.function == "confirmDeposit"
    dev.btc.mine(3)
    dev.sync_btc()  # readable (indexed tip = light tip - 2) with 3 confirmations
    with pytest.raises(TunnelRevert, match=r"btc deposit is not confirmed \(hBK counts 3 confirmation") as err:
        t.confirm(d, mine=False)
    assert err.value.reason == "btc deposit is not confirmed"
    assert t.total_supply == 0 and not t.is_confirmed(d)
    head = dev.engine.head_number
    dev.btc.mine(1)
    dev.sync_btc()
    t.confirm(d, mine=False)
    assert t.balance_of(user) == COIN - fee(COIN)
    assert dev.engine.head_number == head + 2  # one block for the view, one for confirmDeposit


def test_a_second_confirmation_of_the_same_txid_reverts(dev, alice):
    t = dev.tunnel
    d = t.deposit(alice, COIN, recipient=dev.accounts[1])
    t.confirm(d)
    with pytest.raises(TunnelRevert, match="txid has already been confirmed"):
        t.confirm(d)
    with pytest.raises(TunnelRevert, match="txid has already been confirmed"):
        t.confirm(d.txid, sender=dev.accounts[3])
    assert t.total_supply == COIN - fee(COIN)


def test_below_the_minimum(dev, alice):
    t = dev.tunnel
    before = dev.btc.mempool.txids
    with pytest.raises(BelowMinimumError, match="below the tunnel's minimum deposit"):
        t.deposit(alice, 999_999, recipient=dev.accounts[1])
    assert dev.btc.mempool.txids == before  # nothing broadcast
    d = t.deposit(alice, 999_999, recipient=dev.accounts[1], check=False)  # the vault keeps it, mints nothing
    with pytest.raises(TunnelRevert, match="minimum deposit size threshold.*999999 sats"):
        t.confirm(d)
    assert t.total_supply == 0
    assert dev.btc.balance(t.custody_script) == 999_999
    exact = t.deposit(alice, 1_000_000, recipient=dev.accounts[1])
    t.confirm(exact)
    assert t.balance_of(dev.accounts[1]) == 1_000_000 - fee(1_000_000)


@pytest.mark.parametrize("sats", [1, 293, 100])
def test_dust_is_refused_even_unchecked(dev, alice, sats):
    before = dev.btc.mempool.txids
    with pytest.raises(DustOutputError, match="dust"):
        dev.tunnel.deposit(alice, sats, recipient=dev.accounts[1], check=False)
    assert dev.btc.mempool.txids == before


@pytest.mark.parametrize("recipient", [
    "0x1234", "not an address", "0x" + "zz" * 20, "0x" + "00" * 20, b"\x11" * 19, 12345, None,
    "0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92267",  # mixed case with a wrong EIP-55 checksum
])
def test_malformed_recipients_are_refused_before_broadcasting(dev, alice, recipient):
    before = dev.btc.mempool.txids
    with pytest.raises(InvalidRecipientError):
        dev.tunnel.deposit(alice, COIN, recipient=recipient)
    assert dev.btc.mempool.txids == before
    assert issubclass(InvalidRecipientError, TunnelValueError) and issubclass(InvalidRecipientError, ValueError)


def test_bad_arguments(dev, alice):
    t = dev.tunnel
    for sats in (0, -5, 1.5, True, "100"):
        with pytest.raises(TunnelValueError):
            t.deposit(alice, sats, recipient=dev.accounts[1])
    with pytest.raises(TunnelValueError, match="recipient_format"):
        t.deposit(alice, COIN, recipient=dev.accounts[1], recipient_format="base64")
    with pytest.raises(TunnelValueError, match="another Bitcoin chain"):
        t.deposit(Devchain(seed=3).btc.wallet("alice"), COIN, recipient=dev.accounts[1])
    with pytest.raises(TunnelValueError, match="cannot send from"):
        t.confirm(t.deposit(alice, COIN, recipient=dev.accounts[1]), sender="0x" + "ab" * 20)
    with pytest.raises(HemiValueError):
        t.deposit("nobody-with-coins", COIN, recipient=dev.accounts[1])  # InsufficientFunds


def _mined(dev, tx) -> Txid:
    """Mine ``tx`` directly (relay policy may refuse it) and return its txid."""
    dev.btc.mine(1, txs=[tx])
    return Txid(tx.GetTxid())


def _raw_deposit(dev, alice, outputs):
    (u,) = [x for x in alice.utxos if x.mature and x.value >= 10 * COIN][:1]
    outs = [CTxOut(v, CScript(spk)) for spk, v in outputs]
    outs.append(CTxOut(u.value - sum(v for _, v in outputs) - 10_000, CScript(alice.script_of())))
    tx = CMutableTransaction([CTxIn(COutPoint(bytes(u.txid), u.vout), CScript(), 0xFFFFFFFD)], outs, 0, 2)
    return alice.sign(tx, [(u.value, u.script_pubkey)])


def test_deposit_without_op_return(dev, alice):
    t = dev.tunnel
    txid = alice.send(t.custody_address, 2 * COIN)
    d = t.deposit_of(txid)
    assert (d.vout, d.sats, d.recipient) == (0, 2 * COIN, None)
    with pytest.raises(TunnelRevert, match=r"could not extract an EVM address .* \(no OP_RETURN of 22 or 42 bytes"):
        t.confirm(d)
    assert t.total_supply == 0


def test_two_op_returns_are_not_relayed_and_the_first_one_counts(dev, alice):
    t = dev.tunnel
    a, b = dev.accounts[3], dev.accounts[4]
    tx = _raw_deposit(dev, alice, [(op_return_script(bytes.fromhex(a[2:])), 0), (t.custody_script, 3 * COIN),
                                   (op_return_script(bytes.fromhex(b[2:])), 0)])
    with pytest.raises(TransactionRejected, match="multi-op-return"):
        dev.btc.send_raw(tx)
    d = t.deposit_of(_mined(dev, tx))  # a miner may still include it
    assert (d.vout, d.recipient) == (1, a)
    t.confirm(d)
    assert t.balance_of(a) == 3 * COIN - fee(3 * COIN) and t.balance_of(b) == 0


@pytest.mark.parametrize("data, why", [
    (b"hemi", "skipped output 1: a 6-byte OP_RETURN"),
    (b"zz" + b"11" * 19, "not hex characters"),
    (b"11" * 13 + b" " * 14, "not hex characters"),  # Python's bytes.fromhex would skip the spaces; the vault does not
    (b"\x00" * 20, "zero address"),
    (b"\x11" * 21, "skipped output 1: a 23-byte OP_RETURN"),
])
def test_malformed_recipient_on_bitcoin_reverts_with_the_cause(dev, alice, data, why):
    t = dev.tunnel
    d = t.deposit_of(alice.send(t.custody_address, 2 * COIN, op_return=data))
    assert d.recipient is None
    with pytest.raises(TunnelRevert, match=f"(could not extract an EVM address|deposit recipient is not hex) .*{why}"):
        t.confirm(d)
    assert t.total_supply == 0


def test_deposit_to_the_wrong_address(dev, alice):
    t = dev.tunnel
    bob = dev.btc.wallet("bob")
    d = t.deposit_of(alice.send(bob.address, 2 * COIN, op_return=bytes.fromhex(dev.accounts[1][2:])))
    assert (d.vout, d.sats, d.recipient) == (0, 0, dev.accounts[1])
    with pytest.raises(TunnelRevert, match=f"must match vault custody script.*{t.custody_address}"):
        t.confirm(d)
    # the operator's own key, another address kind: still not the custody script
    p2tr = dev.btc.wallet("tunnel-operator").address_of("p2tr")
    d2 = t.deposit_of(alice.send(p2tr, 2 * COIN, op_return=bytes.fromhex(dev.accounts[1][2:])))
    with pytest.raises(TunnelRevert, match="must match vault custody script"):
        t.confirm(d2)
    with pytest.raises(TunnelRevert, match="one of the first 8 outputs"):
        t.confirm(t.deposit_of(d2.txid, vout=9))
    assert t.total_supply == 0


def test_an_unknown_txid(dev):
    with pytest.raises(DepositNotFound, match="neither the chain nor the mempool"):
        dev.tunnel.deposit_of("42" * 32)


def test_deposits_from_every_address_kind_of_the_sender(dev, alice):
    t = dev.tunnel
    for kind in ("p2pkh", "p2sh-p2wpkh", "p2wsh", "p2tr"):
        w = dev.btc.wallet(f"sender-{kind}")
        alice.send(w.address_of(kind), 2 * COIN)
        dev.btc.mine(1)
        t.deposit(w, COIN, recipient=dev.accounts[5])
    for d in t.deposits()[-4:]:
        t.confirm(d)
    assert t.balance_of(dev.accounts[5]) == 4 * (COIN - fee(COIN))
    assert [d.wallet for d in t.deposits()[-4:]] == ["sender-p2pkh", "sender-p2sh-p2wpkh", "sender-p2wsh",
                                                     "sender-p2tr"]


def test_confirm_with_automine_off(dev, alice):
    t = dev.tunnel
    d = t.deposit(alice, COIN, recipient=dev.accounts[1])
    dev.automine = False
    try:
        receipt = t.confirm(d)
    finally:
        dev.automine = True
    assert receipt.status == 1 and t.balance_of(dev.accounts[1]) == COIN - fee(COIN)
