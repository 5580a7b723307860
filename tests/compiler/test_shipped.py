"""Shipped artifacts: they must equal a fresh compile of contracts/, and the hBK interface must match Hemi's."""

from __future__ import annotations

import json
import shutil
from dataclasses import fields
from pathlib import Path
from typing import Any

import pytest

from hemi.compiler import ContractArtifact, build_shipped, shipped
from hemi.errors import HemiLookupError, HemiValueError


def test_shipped_artifacts_equal_a_fresh_compile(cache_dir: Path) -> None:
    fresh = build_shipped.build(cache=False)
    assert "IBitcoinKit" in fresh
    assert sorted(fresh) == shipped.names(), "run `python -m hemi.compiler.build_shipped`"
    for name, art in fresh.items():
        packaged = shipped.load(name)
        assert packaged.abi == art.abi, name
        assert packaged.bytecode == art.bytecode, name
        assert packaged.deployed_bytecode == art.deployed_bytecode, name
        assert packaged == art, name
    assert build_shipped.differences(fresh) == []


def test_a_changed_source_makes_the_check_fail(cache_dir: Path, tmp_path: Path) -> None:
    contracts = tmp_path / "contracts"
    shutil.copytree(build_shipped.CONTRACTS_DIR, contracts)
    kit = contracts / "hbk" / "IBitcoinKit.sol"  # the deployed ABI
    # rename a parameter: the ABI changes, and BitcoinKit (which implements the interface) still compiles
    changed = kit.read_text().replace("getHeaderN(uint32 height)", "getHeaderN(uint32 blockHeight)") \
        .replace("@param height ", "@param blockHeight ")
    assert changed != kit.read_text()
    kit.write_text(changed)
    assert build_shipped.main(["--contracts", str(contracts), "--check"]) == 1
    diffs = build_shipped.differences(build_shipped.build(contracts))
    assert "IBitcoinKit.json is out of date" in diffs and "BitcoinKit.json is out of date" in diffs
    assert build_shipped.main(["--contracts", str(build_shipped.CONTRACTS_DIR), "--check"]) == 0


def test_build_is_deterministic_and_skips_test_and_examples(cache_dir: Path, tmp_path: Path) -> None:
    contracts = tmp_path / "contracts"
    shutil.copytree(build_shipped.CONTRACTS_DIR, contracts)
    for sub in ("test", "examples"):
        (contracts / sub).mkdir(exist_ok=True)
        (contracts / sub / f"Only{sub.title()}.sol").write_text(
            f"// SPDX-License-Identifier: MIT\npragma solidity ^0.8.0;\ncontract Only{sub.title()} {{}}\n"
        )
    out = tmp_path / "artifacts"
    out.mkdir()
    (out / "Stale.json").write_text("{}")
    assert build_shipped.main(["--contracts", str(contracts), "--out", str(out)]) == 0
    first = {p.name: p.read_bytes() for p in sorted(out.iterdir())}
    assert sorted(first) == [f"{n}.json" for n in shipped.names()]  # no Stale, OnlyTest or OnlyExamples
    for name, data in first.items():
        assert data == (shipped.ARTIFACTS_DIR / name).read_bytes()
        assert data.endswith(b"}\n")
        assert sorted(json.loads(data)) == sorted(f.name for f in fields(ContractArtifact))  # nothing time-dependent
    assert build_shipped.main(["--contracts", str(contracts), "--out", str(out)]) == 0
    assert {p.name: p.read_bytes() for p in sorted(out.iterdir())} == first


def test_load_errors() -> None:
    with pytest.raises(HemiLookupError, match="IBitcoinKit"):
        shipped.load("NoSuchContract")
    with pytest.raises(HemiValueError):
        shipped.load("../errors")


def _type(param: dict[str, Any]) -> str:
    t = param["type"]
    if t.startswith("tuple"):
        return "(" + ",".join(_type(c) for c in param["components"]) + ")" + t[len("tuple") :]
    return t


def _struct(param: dict[str, Any]) -> list[tuple[str, str]]:
    return [(c["name"], _type(c)) for c in param["components"]]


UTXO = "(bytes32,uint256,uint256,bytes)"
SPENT = "(bytes32,uint256)"
INPUT = "(uint256,bytes32,uint256,bytes,uint256,uint256,bool)"
OUTPUT = f"(uint256,bytes,string,bool,bytes,bool,uint256,bool,{SPENT})"
TX = f"(bytes32,uint256,uint256,uint256,uint256,{INPUT}[],{OUTPUT}[],uint256,uint256,bool,bool)"
HEADER = "(uint32,bytes32,uint32,bytes32,bytes32,uint32,uint32,uint32)"

# The hBK interface Hemi published in hemilabs/bitcoin-tunnel-contracts contracts/bitcoinkit/IBitcoinKit.sol and
# BitcoinKitStructs.sol, shipped as IBitcoinKitHvmPhase0 (profile "hvmphase0"): (inputs, outputs) per function. The
# deployed ABI (IBitcoinKit) is checked against hemi-viem's own ABI in tests/server/test_hbk_abi.py.
EXPECTED = {
    "getUTXOsForBitcoinAddress": (["string", "uint32", "uint32"], [f"{UTXO}[]"]),
    "getTxConfirmations": (["bytes32"], ["uint32"]),
    "getBitcoinAddressBalance": (["string"], ["uint64"]),
    "getScriptForAddress": (["string"], ["bytes"]),
    "isAddressValid": (["string"], ["bool"]),
    "transactionExists": (["bytes32"], ["bool"]),
    "getTransactionByTxId": (["bytes32"], [TX]),
    "getTransactionInputsByTxId": (["bytes32"], [f"{INPUT}[]"]),
    "getTransactionOutputsByTxId": (["bytes32"], [f"{OUTPUT}[]"]),
    "getTxInputCount": (["bytes32"], ["uint32"]),
    "getTxOutputCount": (["bytes32"], ["uint32"]),
    "getSpecificTxInput": (["bytes32", "uint32"], [INPUT]),
    "getSpecificTxOutput": (["bytes32", "uint32"], [OUTPUT]),
    "getLastHeader": ([], [HEADER]),
    "getHeaderN": (["uint32"], [HEADER]),
}


def test_hvmphase0_kit_matches_the_published_interface() -> None:
    abi = shipped.load("IBitcoinKitHvmPhase0").abi
    functions = {e["name"]: e for e in abi if e["type"] == "function"}
    assert len(functions) == len(abi) == 15
    got = {n: ([_type(p) for p in f["inputs"]], [_type(p) for p in f["outputs"]]) for n, f in functions.items()}
    assert got == EXPECTED
    assert {f["stateMutability"] for f in functions.values()} == {"view"}

    tx = functions["getTransactionByTxId"]["outputs"][0]
    assert tx["internalType"] == "struct Transaction"
    assert [n for n, _ in _struct(tx)] == [
        "containingBlockHash",
        "transactionVersion",
        "size",
        "vSize",
        "lockTime",
        "inputs",
        "outputs",
        "totalInputs",
        "totalOutputs",
        "containsAllInputs",
        "containsAllOutputs",
    ]
    assert [n for n, _ in _struct(functions["getSpecificTxInput"]["outputs"][0])] == [
        "inValue",
        "inputTxId",
        "sourceIndex",
        "scriptSig",
        "sequence",
        "fullScriptSigLength",
        "containsFullScriptSig",
    ]
    output = functions["getSpecificTxOutput"]["outputs"][0]
    assert [n for n, _ in _struct(output)] == [
        "outValue",
        "script",
        "outputAddress",
        "isOpReturn",
        "opReturnData",
        "isSpent",
        "fullScriptLength",
        "containsFullScript",
        "spentDetail",
    ]
    assert output["components"][-1]["internalType"] == "struct SpentDetail"
    assert [n for n, _ in _struct(output["components"][-1])] == ["spendingTxId", "inputIndex"]
    assert [n for n, _ in _struct(functions["getUTXOsForBitcoinAddress"]["outputs"][0])] == [
        "txId",
        "index",
        "value",
        "scriptPubKey",
    ]
    assert [n for n, _ in _struct(functions["getLastHeader"]["outputs"][0])] == [
        "height",
        "blockHash",
        "version",
        "previousBlockHash",
        "merkleRoot",
        "timestamp",
        "bits",
        "nonce",
    ]
