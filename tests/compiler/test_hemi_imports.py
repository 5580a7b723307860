"""Users import hemi-sdk's shipped interfaces as ``@hemi/hbk/IBitcoinKit.sol``: with hemi.compiler (no setting), with
plain solc and Foundry through ``hemi remappings``, and the contract then reads the devchain's Bitcoin chain."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from hemi.compiler import compile
from hemi.compiler.solidity_sources import contracts_root, remapping
from hemi.devchain import HBK_ADDRESS, Devchain

DAPP = f"""// SPDX-License-Identifier: MIT
pragma solidity ^0.8.20;
import "@hemi/hbk/IBitcoinKit.sol";

contract Dapp {{
    IBitcoinKit constant KIT = IBitcoinKit({HBK_ADDRESS});

    function firstOutput(bytes32 txid) external view returns (uint256 value, bytes memory script, uint256 inputs) {{
        Transaction memory t = KIT.getTransactionByTxId(txid);
        Output memory o = t.outputs[0];
        return (o.outValue, o.script, t.totalInputs);
    }}
}}
"""


def test_hemi_compiler_resolves_hemi_imports_and_the_dapp_reads_bitcoin(cache_dir):
    art = compile({"Dapp.sol": DAPP})["Dapp"]
    dev = Devchain(hvm_profile="deployed")
    alice = dev.btc.wallet("alice")
    dev.btc.mine(101, to=alice.address)
    txid = alice.send(dev.btc.wallet("bob").address, 12_345_678)
    dev.btc.mine(3)
    dev.sync_btc()
    w3 = dev.w3
    factory = w3.eth.contract(abi=art.abi, bytecode=art.bytecode)
    receipt = w3.eth.wait_for_transaction_receipt(factory.constructor().transact({"from": dev.accounts[0]}))
    dapp = w3.eth.contract(address=receipt.contractAddress, abi=art.abi)
    tx = dev.btc.tx(txid).tx
    assert dapp.functions.firstOutput(txid.display_bytes).call() == \
        [tx.vout[0].nValue, bytes(tx.vout[0].scriptPubKey), len(tx.vin)]


def test_plain_solc_with_the_printed_remapping(solc_path, tmp_path):
    remap = subprocess.run([sys.executable, "-m", "hemi.cli", "remappings"], capture_output=True, text=True,
                           check=True).stdout.strip()
    assert remap == remapping() == f"@hemi/={contracts_root().as_posix()}/"
    (tmp_path / "Dapp.sol").write_text(DAPP)
    allowed = f"{contracts_root()},{(contracts_root() / 'hbk').resolve().parent}"
    proc = subprocess.run([str(solc_path), remap, "--base-path", str(tmp_path), "--allow-paths", allowed,
                           "--combined-json", "abi", str(tmp_path / "Dapp.sol")],
                          capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr
    contracts = json.loads(proc.stdout)["contracts"]
    (abi,) = [c["abi"] for name, c in contracts.items() if name.endswith(":Dapp")]
    assert [f["name"] for f in abi] == ["firstOutput"]
    assert any(name.endswith("IBitcoinKit.sol:IBitcoinKit") for name in contracts)
    assert (contracts_root() / "hbk" / "IBitcoinKit.sol").is_file()


def test_foundry_builds_with_the_printed_remapping(solc_path, tmp_path):
    """forge (npm @foundry-rs/forge, pinned like cast in tests/server/conftest.py) with the remapping in
    remappings.txt and our solc: `forge build` resolves @hemi/ and emits Dapp and IBitcoinKit."""
    from hemi._npm import foundry_binary, npm_missing
    from hemi.errors import NpmUnavailable

    if npm_missing():
        pytest.skip(npm_missing())
    try:
        forge = foundry_binary("forge", "1.7.1")
    except NpmUnavailable as exc:
        pytest.skip(f"forge unavailable: {exc}")
    (tmp_path / "src").mkdir()
    (tmp_path / "src" / "Dapp.sol").write_text(DAPP)
    (tmp_path / "remappings.txt").write_text(remapping() + "\n")
    (tmp_path / "foundry.toml").write_text(
        f'[profile.default]\nsrc = "src"\nout = "out"\nsolc = "{solc_path.as_posix()}"\noffline = true\n')
    proc = subprocess.run([str(forge), "build"], cwd=tmp_path, capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    abi = json.loads((tmp_path / "out" / "Dapp.sol" / "Dapp.json").read_text())["abi"]
    assert [f["name"] for f in abi] == ["firstOutput"]
    assert (tmp_path / "out" / "IBitcoinKit.sol" / "IBitcoinKit.json").is_file()
