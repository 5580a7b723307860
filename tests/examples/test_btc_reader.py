"""examples/contracts/BtcReader.sol driven through web3 on the devchain: it reads a BTC balance and a transaction's
outputs from Solidity via hBK, and records a deposit once Bitcoin has confirmed it enough (docs/hbk.md)."""

from __future__ import annotations

import pathlib

import pytest
from web3.exceptions import ContractLogicError

from hemi.btc import COIN
from hemi.compiler import compile as compile_sol
from hemi.devchain import Devchain

SOURCE = pathlib.Path(__file__).resolve().parents[2] / "examples" / "contracts" / "BtcReader.sol"


@pytest.fixture(scope="module")
def setup():
    dev = Devchain()
    btc, w3 = dev.btc, dev.w3
    alice, vault = btc.wallet("alice"), btc.wallet("vault")
    btc.mine(101, to=alice.address)
    art = compile_sol(SOURCE)["BtcReader"]
    h = w3.eth.contract(abi=art.abi, bytecode=art.bytecode).constructor(vault.script_of()).transact(
        {"from": dev.accounts[0]})
    reader = w3.eth.contract(address=w3.eth.get_transaction_receipt(h).contractAddress, abi=art.abi)
    return dev, reader


def test_reads_balance_and_outputs(setup):
    dev, reader = setup
    btc = dev.btc
    vault = btc.wallet("vault")
    with dev.anchor():
        pay = btc.wallet("alice").build_tx(outputs=[(vault.address, 2 * COIN), (vault.address, COIN)],
                                          op_return=b"to hemi")
        txid = btc.send_raw(pay)
        btc.mine(3)
        dev.sync_btc()
        assert reader.functions.balanceOf(vault.address).call() == 3 * COIN
        values, scripts = reader.functions.outputsOf(txid.display_bytes).call()
        assert values == [o.nValue for o in pay.vout]
        assert scripts == [bytes(o.scriptPubKey)[:64] for o in pay.vout]


def test_record_deposit_needs_confirmations_and_only_once(setup):
    dev, reader = setup
    btc, w3 = dev.btc, dev.w3
    vault = btc.wallet("vault")
    with dev.anchor():
        txid = btc.wallet("alice").send(vault.address, COIN)
        btc.mine(3)
        dev.sync_btc()  # light tip = tx height + 2: 3 confirmations
        with pytest.raises(ContractLogicError):
            reader.functions.recordDeposit(txid.display_bytes, 6).transact({"from": dev.accounts[1]})
        btc.mine(3)
        dev.sync_btc()
        h = reader.functions.recordDeposit(txid.display_bytes, 6).transact({"from": dev.accounts[1]})
        (ev,) = reader.events.DepositRecorded().process_receipt(w3.eth.get_transaction_receipt(h))
        assert ev.args.sats == COIN and ev.args.confirmations == 6
        assert reader.functions.deposits(txid.display_bytes).call() == COIN
        with pytest.raises(ContractLogicError):
            reader.functions.recordDeposit(txid.display_bytes, 6).transact({"from": dev.accounts[1]})
