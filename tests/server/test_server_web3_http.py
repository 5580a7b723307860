"""web3.py's own HTTPProvider against the server: transfers, a compiled contract, a revert."""

from __future__ import annotations

import pathlib

import pytest
from web3 import Web3
from web3.exceptions import ContractLogicError

SOURCE = pathlib.Path(__file__).parent / "contracts" / "Box.sol"


@pytest.fixture(scope="module")
def w3(server):
    w3 = Web3(Web3.HTTPProvider(server.url, request_kwargs={"timeout": 10}))
    assert w3.is_connected()
    return w3


@pytest.fixture(scope="module")
def box(w3):
    from hemi.compiler import compile

    art = compile(SOURCE)["Box"]
    factory = w3.eth.contract(abi=art.abi, bytecode=art.bytecode)
    tx = factory.constructor().transact({"from": w3.eth.accounts[0]})
    receipt = w3.eth.wait_for_transaction_receipt(tx, timeout=10)
    return w3.eth.contract(address=receipt.contractAddress, abi=art.abi)


def test_chain_id_and_accounts(w3, server):
    assert w3.eth.chain_id == server.dev.config.chain_id == 31337
    assert w3.eth.accounts[0] == "0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266"


def test_transfer_with_eth_send_transaction(w3):
    a, b = w3.eth.accounts[:2]
    before = w3.eth.get_balance(b)
    tx = w3.eth.send_transaction({"from": a, "to": b, "value": 12345})
    receipt = w3.eth.wait_for_transaction_receipt(tx, timeout=10)
    assert receipt.status == 1
    assert w3.eth.get_balance(b) == before + 12345


def test_transfer_signed_locally(w3, server):
    acct = w3.eth.account.from_key(server.dev.accounts[2].private_key)
    to = w3.eth.accounts[3]
    before = w3.eth.get_balance(to)
    tx = {"to": to, "value": 777, "gas": 21000, "nonce": w3.eth.get_transaction_count(acct.address),
          "chainId": w3.eth.chain_id, "maxFeePerGas": 10**10, "maxPriorityFeePerGas": 10**9}
    signed = acct.sign_transaction(tx)
    h = w3.eth.send_raw_transaction(signed.raw_transaction)
    assert w3.eth.wait_for_transaction_receipt(h, timeout=10).status == 1
    assert w3.eth.get_balance(to) == before + 777


def test_deploy_and_call(w3, box):
    tx = box.functions.store(42).transact({"from": w3.eth.accounts[0]})
    receipt = w3.eth.wait_for_transaction_receipt(tx, timeout=10)
    assert box.functions.value().call() == 42
    (ev,) = box.events.Stored().process_receipt(receipt)
    assert ev.args.value == 42


def test_revert_is_contract_logic_error(w3, box):
    with pytest.raises(ContractLogicError, match="seven is unlucky") as info:
        box.functions.store(7).call({"from": w3.eth.accounts[0]})
    assert info.value.data.startswith("0x08c379a0")
    with pytest.raises(ContractLogicError, match="seven is unlucky"):
        box.functions.store(7).transact({"from": w3.eth.accounts[0]})  # estimateGas reverts first
