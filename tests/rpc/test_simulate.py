"""eth_simulateV1 (ethereum/execution-apis src/eth/execute.yaml): chained simulated blocks with block and state
overrides, validation, per-call results and ETH transfers as ERC-7528 logs; the devchain is untouched."""

from __future__ import annotations

import pytest

from hemi.devchain import Devchain
from hemi.rpc import RPCError

C1, C2 = "0xc100000000000000000000000000000000000000", "0xc200000000000000000000000000000000000000"
EEEE = "0xEeeeeEeeeEeEeeEeEeEeeEEEeeeeEeeeeeeeEEeE"


@pytest.fixture(scope="module")
def api():
    return Devchain().w3.provider.api


def test_blocks_chain_state_and_overrides(api):
    head = api.request("eth_getBlockByNumber", ["latest", False])
    res = api.request("eth_simulateV1", [{
        "blockStateCalls": [
            {"blockOverrides": {"baseFeePerGas": "0xa"}, "stateOverrides": {C1: {"balance": hex(10**18)}},
             "calls": [{"from": C1, "to": C2, "value": hex(1000), "maxFeePerGas": "0xa",
                        "maxPriorityFeePerGas": "0x0"}]},
            {"blockOverrides": {"time": hex(int(head["timestamp"], 16) + 100), "baseFeePerGas": "0x0"},
             "calls": [{"from": C2, "to": C1, "value": hex(400), "gas": hex(21000), "maxFeePerGas": "0x0"}]},
        ],
        "validation": True, "traceTransfers": True}, "latest"])
    assert [b["number"] for b in res] == [hex(int(head["number"], 16) + i) for i in (1, 2)]
    assert res[0]["parentHash"] == head["hash"] and res[1]["parentHash"] == res[0]["hash"]
    assert res[0]["baseFeePerGas"] == "0xa" and res[1]["timestamp"] == hex(int(head["timestamp"], 16) + 100)
    (first,), (second,) = res[0]["calls"], res[1]["calls"]
    assert first["status"] == "0x1" and first["gasUsed"] == hex(21000) and first["returnData"] == "0x"
    (transfer,) = first["logs"]
    assert transfer["address"] == EEEE and transfer["data"] == "0x" + (1000).to_bytes(32, "big").hex()
    assert transfer["topics"][1:] == ["0x" + C1[2:].rjust(64, "0"), "0x" + C2[2:].rjust(64, "0")]
    # block 2 runs on block 1's state: C2 holds the 1000 it received and pays 400 back
    assert second["status"] == "0x1" and second["logs"][0]["data"] == "0x" + (400).to_bytes(32, "big").hex()


def test_validation_refuses_what_a_node_would(api):
    with pytest.raises(RPCError, match="^-38014"):
        api.request("eth_simulateV1", [{"blockStateCalls": [{"calls": [{"from": C1, "to": C2, "value": "0x1"}]}],
                                        "validation": True}])
    with pytest.raises(RPCError, match="^-38021"):
        api.request("eth_simulateV1", [{"blockStateCalls": [{"blockOverrides": {"time": "0x1"}}]}])


def test_without_validation_calls_run_free_and_reverts_are_per_call(api):
    res = api.request("eth_simulateV1", [{"blockStateCalls": [{
        "stateOverrides": {C2: {"code": "0x60006000fd"}},  # REVERT(0, 0)
        "calls": [{"from": C1, "to": C2}, {"from": C1, "to": C1}]}]}])
    reverted, fine = res[0]["calls"]
    assert reverted["status"] == "0x0" and reverted["error"]["code"] == 3
    assert fine["status"] == "0x1" and res[0]["baseFeePerGas"] == "0x0"
    assert len(res[0]["transactions"]) == 2 and len(set(res[0]["transactions"])) == 2
    assert api.request("eth_getCode", [C2, "latest"]) == "0x"  # nothing reached the devchain
