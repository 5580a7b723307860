"""The L1-attributes deposit applied without the interpreter (:mod:`hemi.hvm.system_shortcut`) gives the blocks the
interpreter gives, byte for byte: two devchains with the same seed run the same script, one with the shortcut and
one without, and every block hash (hence every state root, receipt root and gas figure) must agree.

The script goes through each case the shortcut prices or declines: a slot keeping its value, set from zero, changed
(EIP-2929/2200 store prices, ethereum/execution-specs ``cancun/vm/instructions/storage.py``), a store that clears a
slot (a refund: declined), an empty coinbase (EIP-161 would delete it: declined), other code at L1Block (declined),
a depositor whose nonce was reset, a revert to a snapshot, and a call whose last store would be left the EIP-2200
stipend or less (declined: it fails in the interpreter).
"""

from __future__ import annotations

import dataclasses

import pytest

import hemi
from hemi.compiler import shipped
from hemi.node.op_stack import OpConfig

L1_BLOCK = "0x4200000000000000000000000000000000000015"
DEPOSITOR = "0xDeaDDEaDDeAdDeAdDEAdDEaddeAddEAdDEAd0001"


def _script(dev: hemi.Devchain) -> list[bytes]:
    w3, (a, b) = dev.w3, dev.accounts[:2]
    coinbase = "0x" + dev.engine.coinbase.hex()
    dev.mine(3)
    for i in range(3):
        w3.eth.send_transaction({"from": a, "to": b, "value": i + 1})  # the coinbase gets tips: it exists
    dev.time_travel(seconds=40)  # a new L1 origin: number, timestamp and hash change
    dev.mine(2)
    dev.set_storage(L1_BLOCK, 2, 0)  # the hash slot is set again from zero
    dev.set_storage(L1_BLOCK, 5, 7)  # a slot the deposit does not write
    dev.mine()
    dev.set_storage(L1_BLOCK, 7, 5)  # blobBaseFee changed back to the configured value
    dev.mine()
    snap = dev.snapshot()
    dev.op.config = dataclasses.replace(dev.op.config, l1_blob_base_fee=0)  # slot 7 cleared: a refund
    dev.mine(2)
    dev.revert(snap)
    dev.mine()
    dev.set_balance(coinbase, wei=0)  # an empty coinbase, touched by the deposit
    dev.mine()
    w3.eth.send_transaction({"from": a, "to": b, "value": 1})
    dev.set_code(L1_BLOCK, "0x00")  # other code: the call stops at once
    dev.mine()
    dev.set_code(L1_BLOCK, shipped.load("L1Block").deployed_bytecode)
    dev.set_nonce(DEPOSITOR, 0)
    dev.mine(2)
    w3.eth.send_transaction({"from": b, "to": a, "value": 3})
    dev.mine(3)
    return [bytes(w3.eth.get_block(n).hash) for n in range(w3.eth.block_number + 1)]


@pytest.mark.parametrize("automine", [True, False])
def test_the_shortcut_gives_the_interpreters_blocks(automine):
    fast = hemi.Devchain(predeploy_tunnel=False, automine=automine)
    slow = hemi.Devchain(predeploy_tunnel=False, automine=automine)
    slow.engine.system_shortcut = None
    assert fast.engine.system_shortcut is not None
    hashes = _script(fast)
    assert hashes == _script(slow)
    shortcut = fast.engine.system_shortcut
    assert shortcut.applied >= 8  # most blocks took it (the declined cases are what the hashes check)


def test_the_shortcut_prices_stores_as_the_interpreter():
    """Each store price against what py-evm's SSTORE charged in the same block (the receipts' gas, one by one)."""
    fast = hemi.Devchain(predeploy_tunnel=False)
    slow = hemi.Devchain(predeploy_tunnel=False)
    slow.engine.system_shortcut = None
    for dev in (fast, slow):
        dev.mine(4)
        dev.set_storage(L1_BLOCK, 2, 0)
        dev.set_storage(L1_BLOCK, 1, 1)
        dev.mine(2)
    gas = [[dev.w3.eth.get_transaction_receipt(dev.w3.eth.get_block(n).transactions[0]).gasUsed
            for n in range(1, 7)] for dev in (fast, slow)]
    assert gas[0] == gas[1]
    assert len(set(gas[0])) >= 2  # the prices differ between blocks: a constant would not pass
    assert fast.engine.system_shortcut.applied >= 3


def test_a_config_with_other_fields_still_matches():
    """Other fee parameters change the calldata's zero bytes, hence its intrinsic gas."""
    fast = hemi.Devchain(predeploy_tunnel=False)
    slow = hemi.Devchain(predeploy_tunnel=False)
    slow.engine.system_shortcut = None
    for dev in (fast, slow):
        dev.op.config = OpConfig(l1_base_fee=2**200 + 1, base_fee_scalar=0, blob_base_fee_scalar=2**32 - 1)
        dev.mine(5)
    assert fast.w3.eth.get_block("latest").hash == slow.w3.eth.get_block("latest").hash
    assert fast.engine.system_shortcut.applied >= 2


def test_a_devchain_without_the_op_stack_saves_its_state():
    dev = hemi.Devchain(op_stack=False, predeploy_tunnel=False)
    dev.mine()
    data = dev.dump_state_data()
    assert data


def _deposit_to_l1_block(gas: int, *, shortcut: bool) -> tuple[int, int, bytes, int]:
    """A user deposit from the depositor that repeats the block's L1-attributes call (every store keeps its value:
    the cheapest store, 2,200 gas) with ``gas``: (status, gas used, block hash, calls the shortcut applied)."""
    dev = hemi.Devchain(predeploy_tunnel=False, automine=False)
    if not shortcut:
        dev.engine.system_shortcut = None
    dev.mine(2)
    data = bytes(dev.w3.eth.get_block(2, full_transactions=True).transactions[0].input)  # block 3 repeats it
    h = dev.op.deposit(sender=DEPOSITOR, to=L1_BLOCK, gas=gas, data=data, mine=False)
    dev.mine()
    receipt = dev.w3.eth.get_transaction_receipt(h)
    applied = dev.engine.system_shortcut.applied if shortcut else 0
    return receipt.status, receipt.gasUsed, bytes(dev.w3.eth.get_block("latest").hash), applied


def test_a_call_left_with_the_stipend_or_less_at_a_store_fails_as_in_the_interpreter():
    """EIP-2200: SSTORE fails when 2,300 gas or less is left (ethereum/execution-specs
    ``src/ethereum/cancun/vm/instructions/storage.py``, ``if evm.gas_left <= GAS_CALL_STIPEND``). A call that would
    leave its last store that little gas, though enough to pay for everything, fails in the interpreter; the
    shortcut must decline it rather than apply it as a success."""
    status, needed, _, _ = _deposit_to_l1_block(200_000, shortcut=False)
    assert status == 1
    assert _deposit_to_l1_block(200_000, shortcut=True)[3] == 3  # such a deposit takes the shortcut when it can
    statuses = []
    for gas in (needed - 1, needed, needed + 40, needed + 300, needed + 2_400):
        slow = _deposit_to_l1_block(gas, shortcut=False)
        assert _deposit_to_l1_block(gas, shortcut=True)[:3] == slow[:3]
        statuses.append(slow[0])
    assert statuses[:3] == [0, 0, 0] and statuses[-1] == 1  # the window was reached: enough gas, yet a failure
