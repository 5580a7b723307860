"""Params read loosely would give silent wrong answers or break later blocks: booleans as strings, timestamps past
uint64 (a block header's timestamp is 64 bits: ethereum/go-ethereum core/types/block.go, ``Time uint64``),
non-integer or non-numeric ids, malformed log topics (geth's FilterCriteria: null, 32-byte hash, or a list of
those; at most 4). Each is -32602 and nothing changes."""

from __future__ import annotations

import pytest
from security_helpers import chain_state, rpc

U64 = 2**64


@pytest.mark.parametrize("method,params", [
    ("evm_setAutomine", ["false"]), ("anvil_setAutomine", ["true"]), ("evm_setAutomine", [0]),
    ("eth_getBlockByNumber", ["latest", "false"]), ("eth_getBlockByHash", ["0x" + "00" * 32, 1]),
])
def test_booleans_given_as_strings_or_numbers(server, method, params):
    before = chain_state(server)
    reply = rpc(server, method, *params)
    assert reply["error"]["code"] == -32602 and "boolean" in reply["error"]["message"]
    assert chain_state(server) == before


@pytest.mark.parametrize("method,params", [
    ("evm_setNextBlockTimestamp", [U64]), ("anvil_setNextBlockTimestamp", [hex(U64 + 5)]),
    ("evm_mine", [hex(U64 + 1)]), ("evm_mine", [{"timestamp": hex(U64)}]),
    ("evm_increaseTime", [hex(U64 - 1)]), ("anvil_increaseTime", [U64 * 1000]),
])
def test_timestamps_beyond_uint64(server, method, params):
    before = chain_state(server)
    reply = rpc(server, method, *params)
    assert reply["error"]["code"] == -32602 and "uint64" in reply["error"]["message"]
    assert chain_state(server) == before
    assert rpc(server, "evm_mine")["result"] == "0x0"  # the next block is sealed with a valid timestamp
    assert int(rpc(server, "eth_getBlockByNumber", "latest", False)["result"]["timestamp"], 16) < U64


@pytest.mark.parametrize("method,param", [
    ("evm_revert", 1.5), ("evm_revert", "NaN"), ("evm_revert", "0xzz"), ("evm_revert", True), ("evm_revert", [1]),
    ("eth_getFilterChanges", 2.5), ("eth_getFilterChanges", "Infinity"), ("eth_uninstallFilter", {"id": 1}),
    ("eth_getFilterLogs", None),
])
def test_non_integer_ids(server, method, param):
    before = chain_state(server)
    reply = rpc(server, method, param)
    assert reply["error"]["code"] == -32602
    assert chain_state(server) == before


@pytest.mark.parametrize("flt", [
    {"topics": ["0x12"]}, {"topics": ["zz"]}, {"topics": [["0x" + "ab" * 32, 5]]}, {"topics": "0x" + "ab" * 32},
    {"topics": [None] * 5}, {"topics": ["0x" + "gg" * 32]}, {"topics": [[["0x" + "ab" * 32]]]},
])
@pytest.mark.parametrize("method", ["eth_getLogs", "eth_newFilter"])
def test_malformed_topics(server, method, flt):
    before = chain_state(server)
    filters = len(server.api._filters)
    reply = rpc(server, method, flt)
    assert reply["error"]["code"] == -32602 and "topic" in reply["error"]["message"]
    assert chain_state(server) == before and len(server.api._filters) == filters


def test_well_formed_topics_still_work(server):
    topic = "0x" + "ab" * 32
    assert rpc(server, "eth_getLogs", {"topics": [None, [topic, None], topic]})["result"] == []
