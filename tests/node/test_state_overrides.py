"""eth_call / eth_estimateGas with a state override set (geth's third parameter; anvil and ape pass it): the call
sees the overridden balance, nonce, code and storage, and nothing of it stays (geth ``internal/ethapi`` StateOverride:
``state`` replaces the whole storage, ``stateDiff`` only the slots it names, both at once is an error)."""

from __future__ import annotations

import pytest
from web3.exceptions import Web3RPCError

from hemi.compiler import compile as compile_sol
from hemi.devchain import Devchain

PROBE = """
// SPDX-License-Identifier: MIT
pragma solidity ^0.8.20;
contract Probe {
    uint256 public a;   // slot 0
    uint256 public b;   // slot 1
    function balanceOf(address who) external view returns (uint256) { return who.balance; }
    function set(uint256 x) external { a = x; }
}
"""


@pytest.fixture(scope="module")
def probe_artifact():
    return compile_sol({"Probe.sol": PROBE})["Probe"]


@pytest.fixture
def setup(probe_artifact):
    dev = Devchain()
    w3 = dev.w3
    rcpt = w3.eth.wait_for_transaction_receipt(
        w3.eth.contract(abi=probe_artifact.abi, bytecode=probe_artifact.bytecode).constructor().transact(
            {"from": dev.accounts[0]}))
    probe = w3.eth.contract(address=rcpt.contractAddress, abi=probe_artifact.abi)
    probe.functions.set(5).transact({"from": dev.accounts[0]})
    dev.set_storage(probe.address, 1, 9)
    return dev, w3, probe


def slot(n: int) -> str:
    return "0x" + n.to_bytes(32, "big").hex()


def test_balance_and_storage_overrides_apply_to_one_call_only(setup):
    dev, w3, probe = setup
    who = w3.to_checksum_address("0x" + "ab" * 20)
    override = {who: {"balance": hex(12345)}, probe.address: {"stateDiff": {slot(0): slot(77)}}}
    assert probe.functions.balanceOf(who).call(state_override=override) == 12345
    assert probe.functions.a().call(state_override=override) == 77
    assert probe.functions.b().call(state_override=override) == 9  # stateDiff keeps the other slots
    assert probe.functions.balanceOf(who).call() == 0
    assert probe.functions.a().call() == 5


def test_state_replaces_the_whole_storage(setup):
    dev, w3, probe = setup
    override = {probe.address: {"state": {slot(0): slot(1)}}}
    assert probe.functions.a().call(state_override=override) == 1
    assert probe.functions.b().call(state_override=override) == 0
    assert probe.functions.b().call() == 9


def test_code_override_and_estimate(setup, probe_artifact):
    dev, w3, probe = setup
    empty = w3.to_checksum_address("0x" + "cd" * 20)
    code = w3.eth.get_code(probe.address)
    at_empty = w3.eth.contract(address=empty, abi=probe_artifact.abi)
    assert at_empty.functions.a().call(state_override={empty: {"code": code.to_0x_hex(),
                                                                "state": {slot(0): slot(3)}}}) == 3
    tx = {"from": dev.accounts[0], "to": empty, "data": probe.functions.set(1)._encode_transaction_data()}
    plain = w3.eth.estimate_gas(tx)
    assert plain < 21000 + 16 * 36  # no code there: only the intrinsic cost of 36 bytes of calldata
    with_code = w3.eth.estimate_gas(tx, None, {empty: {"code": code.to_0x_hex()}})
    assert with_code > plain + 20000  # the SSTORE of a fresh slot is now paid
    assert w3.eth.get_code(empty) == b""


def test_nonce_override_and_bad_override_sets(setup):
    dev, w3, probe = setup
    provider = w3.provider
    call = {"to": probe.address, "data": "0x0dbe671f"}  # a()
    ok = provider.make_request("eth_call", [call, "latest", {dev.accounts[3]: {"nonce": "0x7"}}])
    assert "result" in ok
    bad = [
        "not an object",
        {"0x1234": {"balance": "0x1"}},
        {probe.address: {"balance": "lots"}},
        {probe.address: {"frobnicate": "0x1"}},
        {probe.address: {"state": {slot(0): slot(1)}, "stateDiff": {slot(1): slot(2)}}},
        {probe.address: {"state": {"0x01": slot(1)}}},
        {probe.address: {"balance": hex(2**256)}},
        {probe.address: {"nonce": hex(2**64)}},
    ]
    for overrides in bad:
        reply = provider.make_request("eth_call", [call, "latest", overrides])
        assert reply["error"]["code"] == -32602, overrides
        reply = provider.make_request("eth_estimateGas", [call, "latest", overrides])
        assert reply["error"]["code"] == -32602, overrides
    with pytest.raises(Web3RPCError):
        w3.eth.call(call, "latest", {probe.address: {"balance": "lots"}})
    assert probe.functions.a().call() == 5
