"""debug tracers (geth's struct logger and callTracer: ethereum/go-ethereum eth/tracers/logger/logger.go,
eth/tracers/native/call.go), eth_createAccessList (internal/ethapi/api.go ``AccessList``; EIP-2930 gas), and
eth_estimateGas with access lists (EIP-2930 intrinsic gas: 2,400 per address, 1,900 per storage key), on contracts
assembled here byte by byte."""

from __future__ import annotations

import pytest

from hemi.devchain import Devchain
from hemi.rpc import RPCError

# callee B: SSTORE(2, CALLVALUE + 1); then REVERT with Error("no") when CALLDATASIZE > 0
ERROR_NO = ("08c379a0" + (32).to_bytes(32, "big").hex() + (2).to_bytes(32, "big").hex()
            + b"no".hex().ljust(64, "0")).ljust(256, "0")  # Error("no"): 100 bytes, padded to four words
B_CODE = bytes.fromhex(
    "6001340160025500"[:-2] + "36" "600c" "57" "00" "5b"  # SSTORE(2, CALLVALUE + 1); STOP unless calldata
    + "".join("7f" + ERROR_NO[i * 64:(i + 1) * 64] + "60" + f"{i * 32:02x}" + "52" for i in range(4))
    + "6064" "6000" "fd")  # REVERT(0, 100)


def _init(runtime: bytes) -> str:
    return "0x" + (bytes([0x61]) + len(runtime).to_bytes(2, "big") + bytes.fromhex("80600c6000396000f3")
                   + runtime).hex()


@pytest.fixture(scope="module")
def world():
    dev = Devchain()
    api = dev.w3.provider.api
    frm = str(dev.accounts[0])
    b = api.request("eth_getTransactionReceipt", [api.request("eth_sendTransaction", [
        {"from": frm, "data": _init(B_CODE), "gas": hex(500_000)}])])["contractAddress"]
    # caller A: SLOAD(1) POP; CALL(gas, B, value 0, in 0..CALLDATASIZE, out 0..0) POP; STOP
    a_code = bytes.fromhex("600154" "50" "36600060003760006000" "36" "6000" "6000" "73") + bytes.fromhex(b[2:]) + \
        bytes.fromhex("5a" "f1" "50" "00")
    a = api.request("eth_getTransactionReceipt", [api.request("eth_sendTransaction", [
        {"from": frm, "data": _init(a_code), "gas": hex(500_000)}])])["contractAddress"]
    return api, frm, a, b


def test_call_tracer_shows_the_call_tree_with_the_revert_reason(world):
    api, frm, a, b = world
    h = api.request("eth_sendTransaction", [{"from": frm, "to": a, "data": "0x01", "gas": hex(200_000)}])
    receipt = api.request("eth_getTransactionReceipt", [h])
    tree = api.request("debug_traceTransaction", [h, {"tracer": "callTracer"}])
    assert tree["type"] == "CALL" and tree["from"].lower() == frm.lower() and tree["to"].lower() == a.lower()
    assert tree["gas"] == hex(200_000) and tree["gasUsed"] == receipt["gasUsed"] and "error" not in tree
    (inner,) = tree["calls"]
    assert inner["type"] == "CALL" and inner["to"].lower() == b.lower() and inner["input"] == "0x01"
    assert inner["error"] == "execution reverted" and inner["revertReason"] == "no"
    assert int(inner["gasUsed"], 16) < int(inner["gas"], 16)
    top = api.request("debug_traceTransaction", [h, {"tracer": "callTracer", "tracerConfig": {"onlyTopCall": True}}])
    assert "calls" not in top and top["gasUsed"] == receipt["gasUsed"]


def test_struct_logger_steps_add_up_to_the_receipt(world):
    api, frm, a, b = world
    h = api.request("eth_sendTransaction", [{"from": frm, "to": a, "gas": hex(200_000)}])
    receipt = api.request("eth_getTransactionReceipt", [h])
    out = api.request("debug_traceTransaction", [h])
    logs = out["structLogs"]
    assert out["failed"] is False and out["gas"] == int(receipt["gasUsed"], 16) and out["returnValue"] == "0x"
    assert logs[0] == {"pc": 0, "op": "PUSH1", "gas": 200_000 - 21_000, "gasCost": 3, "depth": 1, "stack": []}
    assert {s["depth"] for s in logs} == {1, 2}
    top_cost = sum(s["gasCost"] for s in logs if s["depth"] == 1)  # a CALL step's cost holds its callee's
    assert top_cost + 21_000 == out["gas"]
    (store,) = [s for s in logs if s["op"] == "SSTORE"]
    assert store["storage"] == {(2).to_bytes(32, "big").hex(): (1).to_bytes(32, "big").hex()}
    (load,) = [s for s in logs if s["op"] == "SLOAD"]
    assert load["stack"] == ["0x1"] and "storage" in load
    bare = api.request("debug_traceTransaction", [h, {"disableStack": True, "enableMemory": True, "limit": 5}])
    assert len(bare["structLogs"]) == 5 and all("stack" not in s and "memory" in s for s in bare["structLogs"])


def test_trace_call_with_state_overrides(world):
    api, frm, a, b = world
    tree = api.request("debug_traceCall", [{"from": frm, "to": b}, "latest", {
        "tracer": "callTracer", "stateOverrides": {b: {"code": "0x60016000f3"}}}])  # RETURN(0, 1)
    assert tree["output"] == "0x00" and "error" not in tree


def test_tracer_errors(world):
    api, frm, a, b = world
    with pytest.raises(RPCError, match="^-32000: tracer not found"):
        api.request("debug_traceCall", [{"from": frm, "to": a}, "latest", {"tracer": "prestateTracerX"}])
    with pytest.raises(RPCError, match="^-32000: transaction 0x" + "11" * 32 + " not found"):
        api.request("debug_traceTransaction", ["0x" + "11" * 32])


def test_create_access_list_lists_touched_slots_and_accounts_and_its_gas_works(world):
    api, frm, a, b = world
    res = api.request("eth_createAccessList", [{"from": frm, "to": a}])
    slot = lambda n: "0x" + n.to_bytes(32, "big").hex()  # noqa: E731
    assert res["accessList"] == [{"address": a, "storageKeys": [slot(1)]}, {"address": b, "storageKeys": [slot(2)]}]
    assert "error" not in res
    h = api.request("eth_sendTransaction", [{"from": frm, "to": a, "gas": res["gasUsed"],
                                             "accessList": res["accessList"]}])
    receipt = api.request("eth_getTransactionReceipt", [h])
    assert receipt["status"] == "0x1" and api.request("eth_getTransactionByHash", [h])["accessList"] == \
        res["accessList"]
    failing = api.request("eth_createAccessList", [{"from": frm, "to": b, "data": "0x01"}])
    assert failing["error"] == "execution reverted: no"
    # the recipient is listed only for the slot it touched (geth keeps slots of excluded accounts)
    assert failing["accessList"] == [{"address": b, "storageKeys": [slot(2)]}]


def test_estimate_counts_the_access_list_and_is_exact_without_gas_dependence(world):
    api, frm, a, b = world
    to = "0x" + "77" * 20
    listed = [{"address": to, "storageKeys": ["0x" + "00" * 32, "0x" + "00" * 31 + "01"]}]
    assert api.request("eth_estimateGas", [{"from": frm, "to": to, "accessList": listed}]) == \
        hex(21_000 + 2_400 + 2 * 1_900)
    # a contract run with no gas-dependent opcode (no GAS, SSTORE or call): the estimate is exactly what it uses
    code = "0x600160020160005260206000f3"  # return 1 + 2
    api.request("anvil_setCode", [to, code])
    est = int(api.request("eth_estimateGas", [{"from": frm, "to": to}]), 16)
    h = api.request("eth_sendTransaction", [{"from": frm, "to": to, "gas": hex(est)}])
    assert api.request("eth_getTransactionReceipt", [h])["gasUsed"] == hex(est)
    with pytest.raises(RPCError):  # one gas less runs out
        api.request("eth_call", [{"from": frm, "to": to, "gas": hex(est - 1)}])
        raise AssertionError("unreachable")  # eth_call succeeds with less gas only if the estimate was loose


@pytest.mark.parametrize("precompile", ["0x" + "00" * 19 + "08", "0x" + "00" * 19 + "40", "0x" + "00" * 18 + "0100"])
def test_estimate_for_a_value_transfer_to_a_precompile_runs_it(precompile):
    """A precompile has no code but costs gas when called, even with empty input (ecPairing's base 45,000,
    EIP-1108; the hVM precompiles' fixed gas, hemilabs/op-geth params/protocol_params.go): the estimate must be
    enough to send with, as geth's is (it runs the call; only code-less non-precompile targets cost 21,000)."""
    dev = Devchain()
    w3, a = dev.w3, dev.w3.eth.accounts[0]
    tx = {"from": a, "to": w3.to_checksum_address(precompile), "value": 1}
    gas = w3.eth.estimate_gas(tx)
    assert gas > 21_000
    assert w3.eth.get_transaction_receipt(w3.eth.send_transaction({**tx, "gas": gas})).status == 1


@pytest.mark.parametrize("stored", [0, 1])
def test_estimate_with_an_sstore_at_the_end_is_enough_and_exact_when_the_sentry_allows(world, stored):
    """SSTORE fails with 2,300 gas or less left, whatever it costs (EIP-2200's sentry, py-evm
    eth/vm/forks/istanbul/storage.py). Writing 1 over 0 costs 22,100 (more than the sentry: the gas the run used is
    exactly enough); writing 1 over 1 costs 2,200, so with exactly the gas used SSTORE would start with 2,200 left
    and fail: the estimate must then be more than the run used."""
    api, frm, _a, _b = world
    to = "0x" + ("66" if stored else "55") * 20
    api.request("anvil_setCode", [to, "0x600160005500"])  # SSTORE(0, 1) STOP
    if stored:
        api.request("anvil_setStorageAt", [to, "0x0", "0x" + "00" * 31 + "01"])
    est = int(api.request("eth_estimateGas", [{"from": frm, "to": to}]), 16)
    assert api.request("eth_call", [{"from": frm, "to": to, "gas": hex(est)}]) == "0x"
    used = 21_000 + 3 + 3 + (2_200 if stored else 22_100)  # two PUSH1, the SSTORE (cold slot)
    if stored:
        assert est > used
        with pytest.raises(RPCError):  # the gas the run used is not enough: the sentry stops it
            api.request("eth_call", [{"from": frm, "to": to, "gas": hex(used)}])
            raise AssertionError("unreachable")
    else:
        assert est == used
        with pytest.raises(RPCError):
            api.request("eth_call", [{"from": frm, "to": to, "gas": hex(est - 1)}])
            raise AssertionError("unreachable")


def _factory_code() -> str:
    """A factory: CREATE2 (salt = calldata[32:64]) of a child whose runtime is CALLER SELFDESTRUCT, its address in
    slot 0; when calldata[0] is 1 it also calls the child (which destroys itself in the same transaction)."""
    init = "600154" "600255" "602a600155" "6133ff600052" "6002601ef3"  # copy slot 1 to 2, slot 1 = 42; runtime 33ff
    code = bytearray()
    code += bytes.fromhex("75" + init + "600052")  # the init code at memory 10..32
    code += bytes.fromhex("602035" "6016" "600a" "6000" "f5")  # CREATE2(0, 10, 22, salt) -> address
    code += bytes.fromhex("80600055" "600035" "60f81c" "15")  # slot 0 = address; mode == 0?
    jump = len(code)
    code += bytes.fromhex("61ffff57")  # to the end when mode is 0
    code += bytes.fromhex("6000" "6000" "6000" "6000" "6000" "85" "5a" "f1" "50")  # CALL the child, pop
    end = len(code)
    code += bytes.fromhex("5b00")
    code[jump + 1:jump + 3] = end.to_bytes(2, "big")
    return "0x" + code.hex()


@pytest.mark.filterwarnings("ignore:SELFDESTRUCT opcode present:DeprecationWarning")  # py-evm's, on every run of it
def test_a_traced_call_creating_and_destroying_a_contract_leaves_later_calls_working(world):
    """py-evm cannot undo the storage wipe of a contract a call created (CREATE2) and destroyed (SELFDESTRUCT in the
    same transaction) when the call's state settles, as a traced call's does: the shared call state it ran on is
    dropped, and the calls after it run as before instead of failing on py-evm's storage clear count."""
    api, frm, _a, _b = world
    factory = "0x" + "44" * 20
    api.request("anvil_setCode", [factory, _factory_code()])
    call = {"from": frm, "to": factory, "data": "0x01" + "00" * 31 + (9).to_bytes(32, "big").hex()}
    assert api.request("eth_call", [call]) == "0x"
    assert api.request("debug_traceCall", [call, "latest", {}])["failed"] is False
    assert api.request("eth_call", [call]) == "0x"
    assert int(api.request("eth_estimateGas", [call]), 16) > 21_000
    assert "error" not in api.request("eth_createAccessList", [call])
