"""The ABI of the hBK that the devchain predeploys equals, function by function, the ABI hemi-viem calls on Hemi
mainnet's kit (hemilabs/hemi-viem src/contracts/bitcoin-kit-txs.ts, read from the pinned npm hemi-viem in node).

Names, parameter names, types, tuple components (with their names) and state mutability all count: a dapp that
imports contracts/hbk/IBitcoinKit.sol must encode calls and decode answers exactly as hemi-viem does.
"""

from __future__ import annotations

from typing import Any

import pytest

from hemi.compiler import shipped
from hemi.devchain import BITCOIN_KIT_ARTIFACTS


def _param(p: dict[str, Any]) -> tuple:
    """What of an ABI parameter reaches the wire or a decoder: name, type, and the components of a tuple."""
    return (p.get("name", ""), p["type"], tuple(_param(c) for c in p.get("components", ())))


def _functions(abi: list[dict[str, Any]]) -> dict[str, tuple]:
    return {e["name"]: (tuple(_param(p) for p in e["inputs"]), tuple(_param(p) for p in e["outputs"]),
                        e["stateMutability"])
            for e in abi if e["type"] == "function"}


@pytest.fixture(scope="module")
def hemi_viem_abi(run_js):
    return run_js("hemi_viem_abi.cjs", "bitcoinKit")


@pytest.mark.parametrize("artifact", ["IBitcoinKit", "BitcoinKit"])
def test_deployed_kit_abi_is_hemi_viems_function_by_function(hemi_viem_abi, artifact):
    ours = _functions(shipped.load(artifact).abi)
    theirs = _functions(hemi_viem_abi)
    assert len(theirs) == 13
    assert sorted(ours) == sorted(theirs)
    for name in theirs:
        assert ours[name] == theirs[name], name
    # nothing else callable: no fallback/receive that would answer selectors hemi-viem does not know
    assert [e["type"] for e in shipped.load(artifact).abi if e["type"] != "function"] == []


def test_the_default_profile_predeploys_the_deployed_kit():
    assert BITCOIN_KIT_ARTIFACTS["deployed"] == ("BitcoinKit", "IBitcoinKit")


def test_the_hvmphase0_kit_keeps_the_published_abi_and_differs_from_hemi_viems(hemi_viem_abi):
    """The published kit (hemilabs/bitcoin-tunnel-contracts) returns other tuples: hemi-viem cannot decode them."""
    phase0 = _functions(shipped.load("IBitcoinKitHvmPhase0").abi)
    theirs = _functions(hemi_viem_abi)
    assert {"getTransactionInputsByTxId", "getTransactionOutputsByTxId"} <= set(phase0)
    assert phase0["getTransactionByTxId"] != theirs["getTransactionByTxId"]
    input_fields = [c[0] for c in phase0["getSpecificTxInput"][1][0][2]]
    assert "witnessElements" not in input_fields and theirs["getSpecificTxInput"][1][0][2][0][0] == "witnessElements"
