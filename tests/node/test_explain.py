"""Errors that say what to do (issue 18): hBK's revert reasons and the devchain's explanations tell an unknown txid,
a txid in the other byte order and a transaction the hVM's view has not indexed yet apart.

The byte order and the indexed view are op-geth's: the txid precompiles read a display-order bytes32
(hemilabs/op-geth core/vm/contracts.go, btcTxByTxid and btcTxConfirmations), and transactions become readable only
up to the indexed tip, hVMIndexerTipLag (2) Bitcoin blocks behind the light tip (core/vm/contracts.go)."""

from __future__ import annotations

import pytest
from web3.exceptions import ContractLogicError

import hemi
from hemi.node import explain


@pytest.fixture(scope="module")
def dev():
    d = hemi.Devchain(seed=3)
    alice = d.btc.wallet("alice")
    d.btc.mine(101, to=alice.address)
    d.sync_btc()
    return d


def test_hbk_revert_names_the_byte_order(dev):
    txid = dev.btc.block(5).txids[0]  # a coinbase deep inside the indexed view
    kit = dev.bitcoin_kit
    assert kit.functions.getTxConfirmations(txid.display_bytes).call() > 0
    with pytest.raises(ContractLogicError, match="internal byte order.*display_bytes"):
        kit.functions.getTxConfirmations(bytes(txid)).call()  # the raw, internal order
    with pytest.raises(ContractLogicError, match="Bitcoin transaction not found: this txid is in internal byte"):
        kit.functions.getTransactionByTxId(bytes(txid)).call()


def test_hbk_revert_for_an_unknown_txid_says_what_the_view_lacks(dev):
    with pytest.raises(ContractLogicError, match="not in the hVM's indexed view") as e:
        dev.bitcoin_kit.functions.getTxConfirmations(b"\x42" * 32).call()
    # the deployed hBK's own prefix stays first, for code that matches on it
    assert "Static call to btcTxConfirmations precompile (0x43) contract failed" in str(e.value)


def test_explain_call_tells_not_indexed_yet_and_how_many_blocks(dev):
    with dev.anchor():
        alice, bob = dev.btc.wallet("alice"), dev.btc.wallet("bob")
        txid = alice.send(bob.address, 1_000_000)
        kit = dev.bitcoin_kit
        e = dev.explain_txid(txid)
        assert e.status == explain.MEMPOOL and "dev.btc.mine()" in e.message
        dev.btc.mine(1)
        dev.sync_btc()
        out = dev.explain_call(kit.functions.getTxConfirmations(txid.display_bytes).call)
        assert not out.ok and isinstance(out.error, ContractLogicError)
        (why,) = out.txids
        assert why.status == explain.NOT_INDEXED_YET and why.btc_blocks_needed == 2  # indexer lag 2
        assert "mine 2 more Bitcoin block(s)" in why.message and "dev.sync_btc()" in why.message
        assert str(txid) in str(out)
        dev.btc.mine(why.btc_blocks_needed)
        dev.sync_btc()  # doing what it said makes the call work
        done = dev.explain_call(kit.functions.getTxConfirmations(txid.display_bytes).call)
        assert done.ok and done.result == 3
        assert dev.explain_txid(txid).status == explain.INDEXED


def test_explain_txid_reversed_and_unknown(dev):
    txid = dev.btc.block(5).txids[0]
    reversed_ = hemi.Txid(bytes(txid)[::-1])
    e = dev.explain_txid(reversed_)
    assert e.status == explain.REVERSED and str(txid) in e.message and "display_bytes" in e.message
    out = dev.explain_call(dev.bitcoin_kit.functions.getTxConfirmations(bytes(txid)).call)
    assert [t.status for t in out.txids] == [explain.REVERSED]
    assert dev.explain_txid("ab" * 32).status == explain.UNKNOWN


def test_explain_balance_before_the_view_catches_up(dev):
    with dev.anchor():
        carol = dev.btc.wallet("carol")
        dev.btc.mine(1, to=carol.address)
        kit = dev.bitcoin_kit
        assert kit.functions.getBitcoinAddressBalance(carol.address).call() == 0  # the view has not indexed it
        b = dev.explain_balance(carol.address)
        assert b.chain_sats > 0 and b.visible_sats == 0
        assert "not indexed yet" in b.message and "mine 2 more Bitcoin block(s)" in b.message
        dev.btc.mine(2)
        dev.sync_btc()
        b = dev.explain_balance(carol.address)
        assert b.visible_sats == b.chain_sats == kit.functions.getBitcoinAddressBalance(carol.address).call()


def test_explain_call_on_a_raw_precompile_call(dev):
    # a contract's own HvmPrecompiles call (here: 0x43 directly) fails alike; explain_call names the case
    txid = dev.btc.block(5).txids[0]
    call = {"to": "0x0000000000000000000000000000000000000043", "data": "0x" + bytes(txid).hex()}
    out = dev.explain_call(dev.w3.eth.call, call)
    assert not out.ok and [t.status for t in out.txids] == [explain.REVERSED]
    good = {"to": call["to"], "data": "0x" + txid.display_bytes.hex()}
    assert dev.explain_call(dev.w3.eth.call, good).ok


def test_explain_balance_counts_what_the_index_counts_when_a_spend_is_above_the_indexed_tip():
    """0x40 counts the index's UTXOs: an output spent in a block the view has not indexed still counts (hemilabs/op-geth
    core/vm/contracts.go btcBalAddr reads TBC's balance at the indexed tip), and explain_balance says the same."""
    dev = hemi.Devchain(seed=4)
    btc = dev.btc
    alice, bob = btc.wallet("alice"), btc.wallet("bob")
    btc.mine(101, to=btc.wallet("miner").address)
    btc.send_raw(btc.wallet("miner").build_tx(outputs=[(alice.address, 10**8)]))
    btc.mine(3)
    dev.sync_btc()
    alice.send(bob.address, 5 * 10**7)
    btc.mine(1)  # the spend is confirmed above the indexed tip
    why = dev.explain_balance(alice.address)
    assert why.visible_sats == dev.bitcoin_kit.functions.getBitcoinAddressBalance(alice.address).call() == 10**8
    assert why.chain_sats < 10**8  # the change output is above the indexed tip too
    assert f"still counts {10**8} sats spent there" in why.message and "not indexed yet" in why.message
    btc.mine(2)
    dev.sync_btc()
    why = dev.explain_balance(alice.address)
    kit_balance = dev.bitcoin_kit.functions.getBitcoinAddressBalance(alice.address).call()
    assert why.visible_sats == why.chain_sats == kit_balance


def test_explain_txid_after_a_bitcoin_reorg_does_not_claim_the_view_holds_the_new_branch():
    """After a reorg the view still holds the replaced block at that height until L2 blocks walk it over
    (op-geth core/blockchain.go getBitcoinAttributesForNextBlock walks back to the common ancestor): a transaction
    re-mined on the new branch is not readable yet, whatever its height."""
    dev = hemi.Devchain(seed=5)
    btc = dev.btc
    btc.mine(110, to=btc.wallet("miner").address)
    dev.sync_btc()
    txid = btc.send_raw(btc.wallet("miner").build_tx(outputs=[(btc.wallet("a").address, 10**7)]))
    btc.mine(1)  # block 111: above the indexed tip (109) after the sync
    dev.sync_btc()
    assert dev.explain_txid(txid).status == explain.NOT_INDEXED_YET
    btc.reorg(3, new_blocks=4)  # the transaction goes back to the mempool and into the new branch's block 109
    assert btc.tx(txid).height is not None and btc.tx(txid).height <= dev.hvm_view().indexed_height
    why = dev.explain_txid(txid)
    assert not dev.bitcoin_kit.functions.transactionExists(txid.display_bytes).call()
    assert why.status == explain.NOT_INDEXED_YET and "reorg" in why.message
    dev.sync_btc()
    assert dev.explain_txid(txid).status == explain.INDEXED
    assert dev.bitcoin_kit.functions.transactionExists(txid.display_bytes).call()
