"""The devchain's answers validated against the result schemas of ethereum/execution-apis (copied, CC0, in
tests/rpc/execution_apis/), method by method, with ``jsonschema``: each method is called on a small chain holding a
legacy, an EIP-1559 and an EIP-2930 transaction, a contract with a log, and a revert."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml
from jsonschema import Draft202012Validator
from referencing import Registry, Resource

from hemi.devchain import Devchain

HERE = Path(__file__).resolve().parent / "execution_apis"


def _load() -> tuple[dict, dict]:
    schemas: dict = {}
    methods: dict = {}
    for path in sorted(HERE.glob("*.yaml")):
        doc = yaml.safe_load(path.read_text())
        if path.name.startswith("schemas__"):
            schemas.update(doc)
        else:
            methods.update({m["name"]: m for m in doc})
    return schemas, methods


SCHEMAS, METHODS = _load()
ROOT = {"components": {"schemas": SCHEMAS}}
REGISTRY = Registry().with_resource("urn:execution-apis", Resource.opaque(ROOT))


def validate(method: str, result) -> None:
    schema = dict(METHODS[method]["result"]["schema"])
    schema["components"] = ROOT["components"]
    errors = sorted(Draft202012Validator(schema, registry=REGISTRY).iter_errors(result), key=str)
    assert not errors, f"{method}: {errors[0].message} at {list(errors[0].absolute_path)}"




@pytest.fixture(scope="module")
def chain():
    # Ethereum's schemas describe an Ethereum node: the OP-stack additions (type-0x7E/0x7C/0x7D system transactions,
    # op-geth's L1-fee receipt fields) are outside them and are checked against op-geth in tests/node; here the
    # devchain serves plain EVM blocks (op_stack=False), as anvil does without --optimism
    dev = Devchain(op_stack=False)
    api = dev.w3.provider.api
    a, b = (str(x) for x in dev.accounts[:2])
    hashes = {
        "legacy": api.request("eth_sendTransaction", [{"from": a, "to": b, "value": "0x1",
                                                       "gasPrice": hex(2 * 10**9)}]),
        "1559": api.request("eth_sendTransaction", [{"from": a, "to": b, "value": "0x2"}]),
        "2930": api.request("eth_sendTransaction", [{"from": a, "to": b, "gasPrice": hex(2 * 10**9), "accessList": [
            {"address": b, "storageKeys": ["0x" + "00" * 32]}]}]),
    }
    code = "0x6001601f53600160206000a100"  # MSTORE8(31, 1); LOG1(0, 32, topic 1): one log
    api.request("anvil_setCode", ["0x" + "55" * 20, code])
    hashes["log"] = api.request("eth_sendTransaction", [{"from": a, "to": "0x" + "55" * 20}])
    return api, a, b, hashes


CASES = {
    "eth_blockNumber": lambda c: [],
    "eth_chainId": lambda c: [],
    "eth_gasPrice": lambda c: [],
    "eth_maxPriorityFeePerGas": lambda c: [],
    "eth_blobBaseFee": lambda c: [],
    "eth_syncing": lambda c: [],
    "eth_coinbase": lambda c: [],
    "eth_accounts": lambda c: [],
    "eth_getBalance": lambda c: [c[1], "latest"],
    "eth_getTransactionCount": lambda c: [c[1], "latest"],
    "eth_getCode": lambda c: ["0x" + "55" * 20, "latest"],
    "eth_getStorageAt": lambda c: [c[1], "0x0", "latest"],
    "eth_getProof": lambda c: ["0x" + "55" * 20, ["0x0"], "latest"],
    "eth_call": lambda c: [{"from": c[1], "to": "0x" + "55" * 20}, "latest"],
    "eth_estimateGas": lambda c: [{"from": c[1], "to": c[2]}],
    "eth_createAccessList": lambda c: [{"from": c[1], "to": "0x" + "55" * 20}, "latest"],
    "eth_feeHistory": lambda c: ["0x3", "latest", [25, 75]],
    "eth_getBlockByNumber": lambda c: ["latest", True],
    "eth_getBlockByHash": lambda c: [c[0].request("eth_getBlockByNumber", ["0x1", False])["hash"], True],
    "eth_getBlockTransactionCountByNumber": lambda c: ["0x1"],
    "eth_getBlockReceipts": lambda c: ["latest"],
    "eth_getTransactionByHash": lambda c: [c[3]["1559"]],
    "eth_getTransactionByBlockNumberAndIndex": lambda c: ["0x1", "0x0"],
    "eth_getTransactionReceipt": lambda c: [c[3]["log"]],
    "eth_getLogs": lambda c: [{"fromBlock": "0x0", "toBlock": "latest"}],
    "eth_sign": lambda c: [c[1], "0xdeadbeef"],
    "eth_signTransaction": lambda c: [{"from": c[1], "to": c[2], "gas": "0x5208", "value": "0x1"}],
    "eth_simulateV1": lambda c: [{"blockStateCalls": [{"calls": [{"from": c[1], "to": "0x" + "55" * 20}]}],
                                  "traceTransfers": True}, "latest"],
    "debug_traceTransaction": lambda c: [c[3]["log"]],
    "debug_getRawTransaction": lambda c: [c[3]["1559"]],
    "debug_getRawHeader": lambda c: ["0x1"],
    "debug_getRawBlock": lambda c: ["latest"],
    "debug_getRawReceipts": lambda c: ["latest"],
}


def test_raw_getters_decode_to_what_the_json_says(chain):
    """The raw header hashes to the block hash; the raw receipts are the receipts' canonical encodings."""
    import rlp
    from eth_hash.auto import keccak

    api = chain[0]
    block = api.request("eth_getBlockByNumber", ["0x1", False])
    assert "0x" + keccak(bytes.fromhex(api.request("debug_getRawHeader", ["0x1"])[2:])).hex() == block["hash"]
    raw_block = bytes.fromhex(api.request("debug_getRawBlock", ["0x1"])[2:])
    assert "0x" + keccak(rlp.encode(rlp.decode(raw_block)[0])).hex() == block["hash"]
    (receipt,) = api.request("debug_getRawReceipts", ["0x1"])
    status, cumulative, _bloom, logs = rlp.decode(bytes.fromhex(receipt[2:]))
    assert int.from_bytes(cumulative, "big") == 21000 and status == b"\x01" and logs == []


@pytest.mark.parametrize("method", [m for m, f in CASES.items()])
def test_result_matches_the_schema(chain, method):
    api = chain[0]
    validate(method, api.request(method, CASES[method](chain)))


@pytest.mark.parametrize("kind", ["legacy", "1559", "2930"])
def test_each_transaction_type_matches(chain, kind):
    api = chain[0]
    validate("eth_getTransactionByHash", api.request("eth_getTransactionByHash", [chain[3][kind]]))
    validate("eth_getTransactionReceipt", api.request("eth_getTransactionReceipt", [chain[3][kind]]))
