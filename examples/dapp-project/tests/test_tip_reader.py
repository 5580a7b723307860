"""The dapp's contract reads Bitcoin through hBK on the devchain; each test starts from the same two chains."""

import pytest

from hemi.testing import assert_btc_confirmed


def test_reads_the_tip_the_hvm_sees(reader, btc, devchain):
    assert reader.functions.tipHeight().call() == 0
    btc.mine(3)
    devchain.sync_btc()  # L2 blocks carry the new Bitcoin headers into the hVM
    assert reader.functions.tipHeight().call() == 3
    assert reader.functions.precompileAnswers().call()


def test_records_the_tip_in_a_transaction(reader, btc, devchain, deployer, w3):
    btc.mine(2)
    devchain.sync_btc()
    receipt = w3.eth.wait_for_transaction_receipt(reader.functions.record().transact({"from": deployer}))
    assert receipt.status == 1 and reader.functions.lastSeenHeight().call() == 2
    (event,) = reader.events.TipSeen().process_receipt(receipt)
    assert event.args.height == 2 and event.args.blockHash == bytes(btc.tip)[::-1]  # hBK: display byte order


@pytest.mark.parametrize("run", [1, 2])
def test_every_test_starts_from_genesis(run, btc, devchain, w3):
    assert btc.height == 0 and devchain.hvm_view().light_tip_height == 0
    btc.mine(5)
    devchain.sync_btc()


def test_a_bitcoin_payment_is_confirmed(btc, devchain):
    alice, bob = btc.wallet("alice"), btc.wallet("bob")
    btc.mine(101, to=alice.address)
    txid = alice.send(bob.address, sats=50_000)
    btc.mine(6)
    assert assert_btc_confirmed(devchain, txid, 6) == 6
