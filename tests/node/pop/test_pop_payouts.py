"""PoP payouts: keystone blocks carry a type-0x7D transaction from 0x8888…8888 paying the PoP miners of keystone
N − delay, to a PoPPayoutsV2-style contract (rules of hemilabs/pop-payouts ``contracts/PoPPayoutsV2.sol``: selector
0x1966be6c, system sender only, blockRewarded a multiple of the keystone interval, strictly increasing and below
block.number; scores 100000/100000/25000/… by relative publication height). The miner's EVM address is that of the
key signing its Bitcoin PoP tx (hemilabs/docs ``pop-mining.md``); the receipt carries ``popPayoutNonce``
(hemilabs/op-geth ``core/types/receipt.go``, ``internal/ethapi/api.go``)."""

from __future__ import annotations

import pytest
from eth_keys import keys
from eth_utils import keccak
from web3.logs import DISCARD

import hemi
from hemi.compiler import shipped

PAYOUTS = "0x5050000000000000000000000000000000000000"
SYSTEM = "0x8888888888888888888888888888888888888888"


@pytest.fixture(scope="module")
def paid():
    dev = hemi.Devchain(predeploy_tunnel=False, pop_payout_delay=25)
    dev.pop.add_miner("late", policy="offline")
    dev.btc.mine(5)
    dev.mine(25)  # keystone 25: the default miner publishes at once
    dev.btc.mine(2)
    dev.pop.publish(25, miner="late")  # two Bitcoin blocks after the first publication
    dev.btc.mine(1)
    dev.mine(25)  # block 50 pays keystone 25
    return dev


def _signer_address(dev: hemi.Devchain, txid) -> str:
    """The EVM address of the key in the PoP tx's P2PKH scriptSig (last push), through eth_keys."""
    from bitcoin.core.script import CScript

    tx = dev.btc.tx(txid).tx
    pubkey = list(CScript(tx.vin[0].scriptSig))[-1]
    return keys.PublicKey.from_compressed_bytes(bytes(pubkey)).to_checksum_address()


def test_keystone_block_pays_the_miners_of_keystone_n_minus_delay(paid):
    dev, w3 = paid, paid.w3
    payouts = w3.eth.contract(address=PAYOUTS, abi=shipped.load("PoPPayouts").abi)
    blocks = {n: [t.type for t in w3.eth.get_block(n, True).transactions] for n in range(1, 51)}
    assert [n for n, types in blocks.items() if 0x7D in types] == [50]  # keystone 25 had nothing to pay yet
    block = w3.eth.get_block(50, True)
    tx = next(t for t in block.transactions if t.type == 0x7D)
    assert block.transactions[0].type == 0x7E and tx.transactionIndex == 1  # after the deposits, before the rest
    assert (tx["from"], tx.to, tx.value, tx.gasPrice) == (SYSTEM, PAYOUTS, 0, 0)
    assert bytes(tx.input)[:4] == keccak(text="mintPoPRewards(uint64,address[],uint32[])")[:4] == \
        bytes.fromhex("1966be6c")
    fn, args = payouts.decode_function_input(bytes(tx.input))
    pubs = dev.pop.publications(dev.keystones.find(25))
    first = min(p.height for p in pubs)
    assert args["blockRewarded"] == 25
    assert sorted(zip(args["accounts"], args["relPubHeights"], strict=True)) == \
        sorted((_signer_address(dev, p.txid), p.height - first) for p in pubs)
    assert sorted(args["relPubHeights"]) == [0, 2]
    receipt = w3.eth.get_transaction_receipt(tx.hash)
    assert receipt.status == 1 and receipt.type == 0x7D and int(receipt.popPayoutNonce, 16) == tx.nonce
    assert "l1Fee" not in receipt and "depositNonce" not in receipt
    # the receipt holds the payout's other events too: DISCARD skips them instead of warning about each
    (round_,) = payouts.events.PayoutRoundExecuted().process_receipt(receipt, errors=DISCARD)
    assert (round_.args.blockRewarded, round_.args.popScore) == (25, 100_000 + 25_000)
    pool = round_.args.rewardPool
    by_height = dict(zip(args["relPubHeights"], args["accounts"], strict=True))
    assert payouts.functions.balanceOf(by_height[0]).call() == pool * 100_000 // 500_000
    assert payouts.functions.balanceOf(by_height[2]).call() == pool * 25_000 // 500_000
    assert payouts.functions.lastBlockRewarded().call() == 25


def test_payout_contract_rules(paid):
    dev, w3 = paid, paid.w3
    payouts = w3.eth.contract(address=PAYOUTS, abi=shipped.load("PoPPayouts").abi)
    with pytest.raises(Exception, match="0x" + keccak(text="NotSystemSender()")[:4].hex()):
        payouts.functions.mintPoPRewards(75, [], []).call({"from": dev.accounts[0]})
    for rewarded in (30, 25, 10**6):  # not a keystone; not increasing; not below block.number
        with pytest.raises(Exception):  # noqa: B017 - any revert, whichever web3 error reports it
            payouts.functions.mintPoPRewards(rewarded, [], []).call({"from": SYSTEM})
    dev.mine(1)  # calls run in the latest block's context: 50 is below block.number only from block 51 on
    assert payouts.functions.mintPoPRewards(50, [], []).call({"from": SYSTEM}) == []


def test_payouts_can_be_turned_off():
    dev = hemi.Devchain(predeploy_tunnel=False, pop_payout_delay=25, pop_payouts=False)
    dev.mine(50)
    assert all(t.type != 0x7D for t in dev.w3.eth.get_block(50, True).transactions)
    assert dev.w3.eth.get_code(PAYOUTS) == b""
