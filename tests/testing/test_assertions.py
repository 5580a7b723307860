"""hemi.testing's assertions: they pass when the claim holds and otherwise say what was expected, what was found and
what to call. Used here without the plugin (plain objects), as any script could."""

from __future__ import annotations

import re

import pytest

from hemi.btc import COIN, BitcoinChain
from hemi.devchain import Devchain
from hemi.testing import (
    assert_btc_confirmed,
    assert_not_superfinal,
    assert_ordered_after,
    assert_superfinal,
    resolve_l2_block,
)


@pytest.fixture(scope="module")
def funded_dev():
    d = Devchain(predeploy_bitcoin_kit=False)
    d.btc.mine(101, to=d.btc.wallet("alice").address)
    d.sync_btc()
    return d


@pytest.fixture
def dev(funded_dev):
    with funded_dev.anchor():
        yield funded_dev


def _send_btc(chain: BitcoinChain):
    return chain.wallet("alice").send(chain.wallet("bob").address, COIN)


# ---------------------------------------------------------------------------------------------- assert_btc_confirmed


def test_btc_confirmed_passes_and_returns_the_count(funded):
    txid = _send_btc(funded)
    funded.mine(3)
    assert assert_btc_confirmed(funded, txid, 3) == 3
    assert assert_btc_confirmed(funded, str(txid), 1) == 3  # display hex works too
    assert assert_btc_confirmed(funded, txid, 0) == 3


def test_btc_confirmed_failure_says_expected_found_and_what_to_mine(funded):
    txid = _send_btc(funded)
    funded.mine(1)
    with pytest.raises(AssertionError) as e:
        assert_btc_confirmed(funded, txid, 6)
    msg = str(e.value)
    assert f"Bitcoin tx {txid}" in msg
    assert "at least 6 confirmation(s), found 1" in msg
    assert f"in block {funded.height} ({funded.tip}), tip height {funded.height}" in msg
    assert "mine 5 more Bitcoin block(s)" in msg and "dev.btc.mine(5)" in msg


def test_btc_confirmed_failure_for_a_mempool_tx(funded):
    txid = _send_btc(funded)
    with pytest.raises(AssertionError, match=r"at least 1 confirmation\(s\), found 0: it is in the mempool"):
        assert_btc_confirmed(funded, txid, 1)


def test_btc_confirmed_failure_for_an_unknown_tx(funded):
    with pytest.raises(AssertionError, match="it is unknown: in neither the mempool nor the active chain"):
        assert_btc_confirmed(funded, "11" * 32, 1)


def test_btc_confirmed_accepts_a_devchain(dev):
    txid = _send_btc(dev.btc)
    dev.btc.mine(2)
    assert assert_btc_confirmed(dev, txid, 2) == 2
    with pytest.raises(AssertionError, match="found 2"):
        assert_btc_confirmed(dev, txid, 3)


def test_btc_confirmed_rejects_bad_arguments(funded):
    txid = _send_btc(funded)
    with pytest.raises(TypeError, match="Devchain or a BitcoinChain"):
        assert_btc_confirmed(object(), txid, 1)
    with pytest.raises(TypeError, match="non-negative int"):
        assert_btc_confirmed(funded, txid, -1)


# ---------------------------------------------------------------------------------------------- targets


def test_targets_resolve_from_numbers_hashes_receipts_and_tags(dev):
    h = dev.w3.eth.send_transaction({"from": dev.accounts[0], "to": dev.accounts[1], "value": 1})
    n = dev.engine.tx_record(bytes(h)).block_number
    block_hash = dev.w3.eth.get_block(n)["hash"]
    receipt = dev.w3.eth.get_transaction_receipt(h)
    for target in (n, h, bytes(h), "0x" + bytes(h).hex(), bytes(h).hex(), receipt, block_hash,
                   "0x" + bytes(block_hash).hex(), "latest"):
        assert resolve_l2_block(dev, target)[0] == n, target
    assert "EVM tx 0x" in resolve_l2_block(dev, h)[1]
    with pytest.raises(AssertionError, match=rf"no L2 block {n + 5} \(head is {n}\)"):
        resolve_l2_block(dev, n + 5)
    with pytest.raises(AssertionError, match="neither a block hash nor a mined transaction"):
        resolve_l2_block(dev, b"\x01" * 32)
    with pytest.raises(TypeError):
        resolve_l2_block(dev, True)
    with pytest.raises(TypeError):
        resolve_l2_block(dev, "0x1234")


# ---------------------------------------------------------------------------------------------- assert_ordered_after


def test_ordered_after_passes_once_the_view_holds_the_btc_block(dev):
    txid = _send_btc(dev.btc)
    dev.btc.mine(1)
    dev.sync_btc()
    h = dev.w3.eth.send_transaction({"from": dev.accounts[0], "to": dev.accounts[1], "value": 1})
    view = assert_ordered_after(dev, h, txid)
    assert view.light_tip_height >= dev.btc.tx(txid).height
    dev.btc.mine(dev.config.hvm_indexer_lag)  # the index trails the light tip: bury the block under the lag
    dev.sync_btc()
    later = dev.w3.eth.send_transaction({"from": dev.accounts[0], "to": dev.accounts[1], "value": 1})
    assert_ordered_after(dev, dev.w3.eth.get_transaction_receipt(later), str(txid), indexed=True)


def test_ordered_after_fails_when_the_evm_tx_came_before_the_view_caught_up(dev):
    dev.btc.mine(10)  # the view lags: one L2 block adds at most 6 headers
    txid = _send_btc(dev.btc)
    dev.btc.mine(1)
    height = dev.btc.tx(txid).height
    h = dev.w3.eth.send_transaction({"from": dev.accounts[0], "to": dev.accounts[1], "value": 1})
    n = dev.engine.tx_record(bytes(h)).block_number
    tip = dev.hvm_view(n).light_tip_height
    assert tip < height
    with pytest.raises(AssertionError) as e:
        assert_ordered_after(dev, h, txid)
    msg = str(e.value)
    assert f"expected EVM tx 0x{bytes(h).hex()} (L2 block {n}) to be ordered after Bitcoin tx {txid}" in msg
    assert f"Bitcoin block {height}" in msg and f"above the light tip {tip}" in msg
    assert "dev.sync_btc()" in msg
    dev.sync_btc()
    later = dev.w3.eth.send_transaction({"from": dev.accounts[0], "to": dev.accounts[1], "value": 1})
    assert_ordered_after(dev, later, txid)


def test_ordered_after_indexed_needs_the_lagging_index(dev):
    txid = _send_btc(dev.btc)
    dev.btc.mine(1)
    h = dev.w3.eth.send_transaction({"from": dev.accounts[0], "to": dev.accounts[1], "value": 1})
    assert_ordered_after(dev, h, txid)  # the header is in the light view...
    with pytest.raises(AssertionError, match="above the indexed tip"):
        assert_ordered_after(dev, h, txid, indexed=True)  # ...but the index lags it by hvm_indexer_lag


def test_ordered_after_fails_for_a_mempool_tx_and_a_pending_evm_tx(dev):
    txid = _send_btc(dev.btc)
    h = dev.w3.eth.send_transaction({"from": dev.accounts[0], "to": dev.accounts[1], "value": 1})
    with pytest.raises(AssertionError, match="still in the mempool, in no block"):
        assert_ordered_after(dev, h, txid)
    with pytest.raises(AssertionError, match="the EVM tx is not in any L2 block"):
        assert_ordered_after(dev, b"\x02" * 32, txid)


def test_ordered_after_fails_when_a_reorg_moved_the_btc_tx(dev):
    txid = _send_btc(dev.btc)
    dev.btc.mine(1)
    old_block = dev.btc.tx(txid).block_hash
    dev.sync_btc()
    h = dev.w3.eth.send_transaction({"from": dev.accounts[0], "to": dev.accounts[1], "value": 1})
    assert_ordered_after(dev, h, txid)
    dev.btc.reorg(1)  # the tx is mined again, in the new branch's block at the same height
    new_block = dev.btc.tx(txid).block_hash
    assert new_block != old_block
    with pytest.raises(AssertionError) as e:
        assert_ordered_after(dev, h, txid)
    assert "is not on the light chain" in str(e.value) and str(old_block) in str(e.value)


def test_ordered_after_mentions_the_sequencer_record_when_there_is_one(dev):
    if getattr(dev, "sequencer", None) is None or not hasattr(dev.sequencer, "ordering"):
        pytest.skip("Devchain has no sequencer with ordering() yet: the message falls back to the hVM view only")
    dev.btc.mine(10)
    txid = _send_btc(dev.btc)
    dev.btc.mine(1)
    h = dev.w3.eth.send_transaction({"from": dev.accounts[0], "to": dev.accounts[1], "value": 1})
    ordered = r"The sequencer ordered it at position \d+ of L2 block \d+ as a mempool tx"
    with pytest.raises(AssertionError, match=ordered):
        assert_ordered_after(dev, h, txid)


# ---------------------------------------------------------------------------------------------- superfinality


def _needs_finality():
    if not (hasattr(Devchain, "finality") and hasattr(Devchain, "superfinalize")):
        pytest.skip("Devchain.finality/superfinalize are not wired in yet: superfinality assertions are untested")


def test_superfinal_after_superfinalize(dev):
    _needs_finality()
    h = dev.w3.eth.send_transaction({"from": dev.accounts[0], "to": dev.accounts[1], "value": 1})
    assert_not_superfinal(dev, h)
    dev.superfinalize(h)
    f = assert_superfinal(dev, h)
    assert f.superfinal
    with pytest.raises(AssertionError, match="expected .* not to be superfinal, but it is"):
        assert_not_superfinal(dev, h)


def test_not_superfinal_message_names_the_block_and_the_hint(dev):
    _needs_finality()
    h = dev.w3.eth.send_transaction({"from": dev.accounts[0], "to": dev.accounts[1], "value": 1})
    n = dev.engine.tx_record(bytes(h)).block_number
    with pytest.raises(AssertionError) as e:
        assert_superfinal(dev, "0x" + bytes(h).hex())
    msg = str(e.value)
    assert f"expected EVM tx 0x{bytes(h).hex()} (in L2 block {n}) to be superfinal, but it is not" in msg
    assert "the keystone covering it is not mined yet" in msg and "keystone=None (not mined yet)" in msg
    assert f"l2_block={n}" in msg and "effective_confirmations=0" in msg
    assert re.search(rf"dev\.superfinalize\({n}\)", msg)


class _FakeFinality:
    def __init__(self, superfinal: bool, publication=None) -> None:
        self.l2_block, self.l2_block_hash, self.keystone = 3, b"\xaa" * 32, 25
        self.publication, self.effective_confirmations = publication, 2
        self.superfinal, self.btc_finality, self.btc_tip_height = superfinal, 2, 120


class _Pub:
    block_hash, height, txid = "00" * 32, 118, "ab" * 32


def test_superfinality_messages_against_the_finality_contract(dev, monkeypatch):
    """The message shape, checked against a stand-in dev.finality() until the real one lands."""
    dev.mine(3)
    monkeypatch.setattr(dev, "finality", lambda n: _FakeFinality(False, _Pub()), raising=False)
    with pytest.raises(AssertionError) as e:
        assert_superfinal(dev, 3)
    msg = str(e.value)
    assert "expected L2 block 3 to be superfinal, but it is not" in msg
    assert "published in Bitcoin block 118 with 2 effective confirmations" in msg
    assert "l2_block_hash=0x" + "aa" * 32 in msg and "btc_tip_height=120" in msg
    assert "dev.superfinalize(3)" in msg
    assert_not_superfinal(dev, 3)
    monkeypatch.setattr(dev, "finality", lambda n: _FakeFinality(False), raising=False)
    with pytest.raises(AssertionError, match="its keystone is not published to Bitcoin yet"):
        assert_superfinal(dev, 3)
    monkeypatch.setattr(dev, "finality", lambda n: _FakeFinality(True, _Pub()), raising=False)
    assert assert_superfinal(dev, 3).superfinal
    with pytest.raises(AssertionError, match="expected L2 block 3 not to be superfinal, but it is"):
        assert_not_superfinal(dev, 3)
