"""hBK (IBitcoinKit) on the devchain: a contract written against Hemi's interface reads the embedded Bitcoin chain.

Expected values are built here from the Bitcoin chain's own objects (python-bitcoinlib): display-order txids as
bytes32, big-endian precompile integers decoded by the contract, headers from the *indexed* tip, confirmations from
the *light* tip. Each test runs under both profiles: "deployed" (the kit answering hemi-viem's ABI, hemilabs/hemi-viem
src/contracts/bitcoin-kit-txs.ts) and "hvmphase0" (the published kit, hemilabs/bitcoin-tunnel-contracts
contracts/bitcoinkit/BitcoinKit.sol). tests/node/test_bitcoin_kit_deployed.py checks the deployed kit field by field.
"""

from __future__ import annotations

import pytest

from hemi.btc import COIN
from hemi.devchain import HBK_ADDRESS, Devchain


@pytest.fixture(scope="module", params=["deployed", "hvmphase0"])
def world(request):
    """A devchain whose Bitcoin side has funded wallets, a multi-output tx with OP_RETURN, and a synced view."""
    dev = Devchain(hvm_profile=request.param)
    btc = dev.btc
    alice, bob = btc.wallet("alice"), btc.wallet("bob")
    btc.mine(101, to=alice.address)
    pay = alice.build_tx(outputs=[(bob.address, 3 * COIN), (bob.address_of("p2tr"), COIN)], op_return=b"hemi")
    txid = btc.send_raw(pay)
    btc.mine(1)
    spend = bob.send(alice.address_of("p2pkh"), COIN // 2, from_kind="p2tr")
    btc.mine(3)
    dev.sync_btc()
    return dev, txid, spend


def kit(dev):
    return dev.bitcoin_kit


def test_hbk_is_predeployed_at_the_mainnet_address(world):
    dev, _, _ = world
    assert dev.w3.eth.get_code(HBK_ADDRESS) != b""
    assert kit(dev).address == HBK_ADDRESS


def test_balance_and_utxos_match_the_lagging_index(world):
    """OPG-T1 TestSyntheticFullNodeBalanceAndTip / UtxosByAddress: the index lags the light tip by 2 blocks."""
    dev, txid, spend = world
    view = dev.hvm_view()
    assert view.light_tip_height == dev.btc.height and view.indexed_height == dev.btc.height - 2
    bob = dev.btc.wallet("bob")
    for kind in ("p2wpkh", "p2tr"):
        addr = bob.address_of(kind)
        assert kit(dev).functions.getBitcoinAddressBalance(addr).call() == dev.btc.balance(addr)
    utxos = kit(dev).functions.getUTXOsForBitcoinAddress(bob.address, 0, 10).call()
    expected = [(u.txid.display_bytes, u.vout, u.value) for u in dev.btc.utxos(bob.address)]
    assert [(u[0], u[1], u[2]) for u in utxos] == expected
    assert kit(dev).functions.getBitcoinAddressBalance(dev.btc.wallet("nobody").address).call() == 0


def test_transaction_outputs_and_op_return(world):
    dev, txid, _ = world
    tx = dev.btc.tx(txid).tx
    t = kit(dev).functions.getTransactionByTxId(txid.display_bytes).call()
    block_hash = t[0]
    assert block_hash == dev.btc.tx(txid).block_hash.display_bytes
    outputs = t[6]
    # BitcoinKit.sol asks 0x42 with bf2=0xFE: outputs, scripts and unspendable (OP_RETURN) outputs included
    assert [o[0] for o in outputs] == [o.nValue for o in tx.vout]
    assert outputs[0][1] == bytes(tx.vout[0].scriptPubKey)
    assert kit(dev).functions.transactionExists(txid.display_bytes).call() is True
    assert kit(dev).functions.transactionExists(b"\x11" * 32).call() is False
    assert kit(dev).functions.getTxOutputCount(txid.display_bytes).call() >= 3
    assert kit(dev).functions.getTxInputCount(txid.display_bytes).call() == len(tx.vin)


def test_confirmations_count_from_the_light_tip(world):
    """OPG-T1 TestSyntheticFullNodeTxConfirmations: light tip height − tx height + 1."""
    dev, txid, _ = world
    expected = dev.hvm_view().light_tip_height - dev.btc.tx(txid).height + 1
    assert kit(dev).functions.getTxConfirmations(txid.display_bytes).call() == expected


def test_unknown_txid_confirmations_fails_the_call(world):
    """OPG-T1: an unknown txid at 0x43 is a raw error: the call fails (hBK reverts), the chain stays usable."""
    dev, _, _ = world
    with pytest.raises(Exception):  # noqa: B017 - any failure of the call, whichever web3 error reports it
        kit(dev).functions.getTxConfirmations(b"\x42" * 32).call()
    assert dev.w3.eth.block_number >= 0


def test_last_header_is_the_indexed_tip(world):
    """OPG-T1 TestSyntheticFullNodeBalanceAndTip: 0x44 reports the UTXO-indexed tip, not the light tip."""
    dev, _, _ = world
    h = kit(dev).functions.getLastHeader().call()
    view = dev.hvm_view()
    hdr = dev.btc.header(view.indexed_height)
    assert h[0] == view.indexed_height and h[1] == hdr.hash.display_bytes
    assert h[3] == hdr.prev_hash.display_bytes and h[5] == hdr.time and h[6] == hdr.bits and h[7] == hdr.nonce


def test_reorg_changes_what_solidity_sees(world):
    """A BTC reorg that drops a payment: later L2 blocks see balances and headers of the new branch."""
    dev, txid, _ = world
    carol = dev.btc.wallet("carol")
    with dev.anchor():
        alice = dev.btc.wallet("alice")
        pay = alice.send(carol.address, 2 * COIN)
        dev.btc.mine(3)
        dev.sync_btc()
        assert kit(dev).functions.getBitcoinAddressBalance(carol.address).call() == 2 * COIN
        confs = kit(dev).functions.getTxConfirmations(pay.display_bytes).call()
        last_before = kit(dev).functions.getLastHeader().call()
        dev.btc.reorg(3, drop=[pay])
        dev.sync_btc()
        assert kit(dev).functions.getBitcoinAddressBalance(carol.address).call() == 0
        last_after = kit(dev).functions.getLastHeader().call()
        assert last_after[1] != last_before[1] and last_after[0] == dev.hvm_view().indexed_height
        assert confs == 3
        # a call at an older L2 block still sees that block's view
        old = dev.w3.eth.block_number - 1
        assert dev.hvm_view(old).light_tip_height <= dev.hvm_view().light_tip_height
