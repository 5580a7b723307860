"""The layering of docs/architecture.md: hemi.btc knows nothing of the EVM; the plain modules know nothing of the
layers above."""

from __future__ import annotations

import ast
import pathlib

import pytest

SDK = pathlib.Path(__file__).resolve().parents[1] / "sdk" / "hemi"
EVM_WORLD = ("web3", "eth_tester", "eth", "eth_abi", "eth_utils", "eth_account", "eth_typing", "solcx", "ape",
             "hemi.hvm", "hemi.node", "hemi.compiler", "hemi.testing", "hemi.rpc", "hemi.cli", "hemi.web3")
PLAIN = ("hemi/types.py", "hemi/errors.py")


def imports_of(path: pathlib.Path) -> set[str]:
    names = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            names |= {a.name for a in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
    return names


def btc_modules():
    return sorted((SDK / "btc").rglob("*.py"))


@pytest.mark.parametrize("path", btc_modules(), ids=lambda p: p.name)
def test_btc_layer_imports_nothing_of_the_evm(path):
    bad = {m for m in imports_of(path) for top in EVM_WORLD if m == top or m.startswith(top + ".")}
    assert not bad, f"{path.name} imports {bad}: hemi.btc must not know the EVM"


@pytest.mark.parametrize("rel", PLAIN)
def test_plain_modules_import_only_plain_modules(rel):
    mods = imports_of(SDK.parent / rel)
    assert all(not m.startswith("hemi.") or m in ("hemi.errors", "hemi.types") for m in mods), mods


def test_importing_hemi_btc_loads_no_evm_library():
    import subprocess
    import sys

    code = ("import sys, hemi.btc; bad=[m for m in sys.modules if m.split('.')[0] in "
            "('web3','eth_tester','eth','solcx','ape')]; print(bad); assert not bad")
    subprocess.run([sys.executable, "-c", code], check=True)


HVM_FORBIDDEN = ("hemi.node", "hemi.btc.chain", "hemi.btc.wallet", "hemi.btc.mempool", "hemi.btc.rpc", "hemi.rpc",
                 "hemi.web3", "hemi.testing", "hemi.cli", "web3")


@pytest.mark.parametrize("path", sorted((SDK / "hvm").rglob("*.py")), ids=lambda p: p.name)
def test_hvm_sees_bitcoin_only_through_the_narrow_view(path):
    """hemi.hvm may use Bitcoin data types and pure codecs, never the chain object or the layers above."""
    bad = {m for m in imports_of(path) for top in HVM_FORBIDDEN if m == top or m.startswith(top + ".")}
    assert not bad, f"{path.name} imports {bad}"


@pytest.mark.parametrize("path", sorted((SDK / "node").rglob("*.py")), ids=lambda p: p.name)
def test_protocol_layer_does_not_import_the_faces(path):
    bad = {m for m in imports_of(path) for top in ("hemi.rpc", "hemi.testing", "hemi.cli", "ape")
           if m == top or m.startswith(top + ".")}
    assert not bad, f"{path.name} imports {bad}"


def test_top_level_modules_import_first_in_a_fresh_interpreter():
    """A module imported before anything else of hemi must not meet a half-initialised package: a cycle through a
    package's ``__init__`` (hemi._npm -> hemi.compiler -> ... -> hemi._npm, once) passes every test that happens to
    import the package first. Each top-level module and each package is imported alone, one interpreter each."""
    import subprocess
    import sys

    modules = sorted(f"hemi.{p.stem}" for p in SDK.glob("*.py") if p.stem != "__init__") + \
        sorted(f"hemi.{p.parent.name}" for p in SDK.glob("*/__init__.py"))
    script = ("import subprocess, sys\n"
              "bad = [m for m in sys.argv[1:]\n"
              "       if subprocess.run([sys.executable, '-c', f'import {m}'], capture_output=True).returncode]\n"
              "print(bad)\n"
              "sys.exit(1 if bad else 0)\n")
    result = subprocess.run([sys.executable, "-c", script, *modules], capture_output=True, text=True, timeout=600)
    assert result.returncode == 0, result.stdout + result.stderr
