"""ape's command line with the plugin installed, run as a user runs it: ``ape plugins list`` shows hemi,
``ape compile`` builds contracts/ on a machine without a native solc, and ``ape test`` runs the ape example suite
(examples/ape_tests) on hemi:local.

The project is a copy of this repository's ape project (ape-config.yaml, contracts/, examples/) in a temporary
folder, with py-solc-x's install folder pointed at an empty one: solc must come through hemi-sdk's fallback
(a native download when the host is reachable, else solcjs from npm).
"""

from __future__ import annotations

import json
import os
import pathlib
import re
import shutil
import subprocess
import sys
from importlib.metadata import version

import pytest

REPO = pathlib.Path(__file__).resolve().parents[2]
APE = pathlib.Path(sys.executable).with_name("ape")


def ape(*args: str, cwd: pathlib.Path, env: dict | None = None, timeout: float = 600) -> subprocess.CompletedProcess:
    proc = subprocess.run([str(APE), *args], cwd=cwd, env={**os.environ, **(env or {})}, capture_output=True,
                          text=True, timeout=timeout, stdin=subprocess.DEVNULL)
    proc.output = proc.stdout + proc.stderr  # type: ignore[attr-defined]
    return proc


@pytest.fixture(scope="module")
def project(tmp_path_factory) -> tuple[pathlib.Path, dict]:
    root = tmp_path_factory.mktemp("ape-project")
    shutil.copy(REPO / "ape-config.yaml", root)
    shutil.copytree(REPO / "contracts", root / "contracts")
    for part in ("ape_tests", "contracts"):
        shutil.copytree(REPO / "examples" / part, root / "examples" / part,
                        ignore=shutil.ignore_patterns("__pycache__"))
    solcx_folder = tmp_path_factory.mktemp("solcx")  # as on a fresh machine: no solc installed
    return root, {"SOLCX_BINARY_PATH": str(solcx_folder)}


@pytest.fixture(scope="module")
def compiled(project) -> subprocess.CompletedProcess:
    root, env = project
    return ape("compile", cwd=root, env=env)


def test_ape_plugins_list_shows_hemi(tmp_path):
    proc = ape("plugins", "list", cwd=tmp_path)
    assert proc.returncode == 0, proc.output
    third_party = proc.stdout.split("Third-party Plugins", 1)[1]
    listed = ["hemi", version("ape-hemi")]  # the version in plugins/ape-hemi/pyproject.toml, as installed
    assert any(line.split()[:2] == listed for line in third_party.splitlines()), proc.stdout


def test_ape_networks_list_shows_the_hemi_networks(tmp_path):
    proc = ape("networks", "list", "--ecosystem", "hemi", "--format", "yaml", cwd=tmp_path)
    assert proc.returncode == 0, proc.output
    assert "name: hemi" in proc.stdout
    for network, provider in (("local", "devchain"), ("mainnet", "node"), ("testnet", "node")):
        assert f"name: {network}" in proc.stdout and f"name: {provider}" in proc.stdout


def test_ape_compile_builds_every_contract_without_a_native_solc(project, compiled):
    root, env = project
    assert compiled.returncode == 0, compiled.output
    assert "through hemi-sdk" in compiled.output  # ape-solidity asked hemi-sdk for solc 0.8.28
    assert (pathlib.Path(env["SOLCX_BINARY_PATH"]) / "solc-v0.8.28").exists()
    manifest = json.loads((root / ".build" / "__local__.json").read_text())
    built = set(manifest["contractTypes"])
    sources = {p.stem for p in (root / "contracts").rglob("*.sol")} - {
        "BitcoinKitStructs", "BitcoinKitStructsHvmPhase0", "TunnelConstants"}  # files without a contract
    assert sources <= built, sources - built
    # the same contracts hemi-sdk ships precompiled: same interface
    from hemi.compiler import shipped

    for name in ("IBitcoinKit", "SimpleBitcoinVault"):
        abi = {(e.get("name"), e["type"]) for e in manifest["contractTypes"][name]["abi"]}
        assert abi == {(e.get("name"), e["type"]) for e in shipped.load(name).abi}, name


def test_a_second_ape_compile_compiles_nothing_struct_only_sources_included(project, compiled):
    """ape recompiles a source that no contract type names (ape's ContractManager._detect_change, "New file"):
    BitcoinKitStructs.sol and TunnelConstants.sol hold no contract, so ape-solidity compiled them on every run."""
    root, env = project
    assert compiled.returncode == 0, compiled.output
    again = ape("compile", cwd=root, env=env)
    assert again.returncode == 0, again.output
    assert "Compiling" not in again.output and ".sol" not in again.output, again.output
    manifest = json.loads((root / ".build" / "__local__.json").read_text())
    structs = manifest["contractTypes"]["BitcoinKitStructs"]  # the placeholder that records the source as compiled
    assert structs["sourceId"] == "contracts/hbk/BitcoinKitStructs.sol" and structs["abi"] == []
    assert not structs.get("deploymentBytecode", {}).get("bytecode")


def test_ape_test_runs_the_example_suite_on_hemi_local(project, compiled):
    root, env = project
    assert compiled.returncode == 0, compiled.output
    proc = ape("test", "examples/ape_tests", "--network", "hemi:local:devchain", "-p", "no:cacheprovider",
               cwd=root, env=env)
    assert proc.returncode == 0, proc.output
    collected = int(re.search(r"collected (\d+) items", proc.stdout).group(1))
    assert collected >= 6 and re.search(rf"\b{collected} passed\b", proc.stdout), proc.stdout
    # hemi's fixtures (devchain, btc) are views of ape's chain under `ape test`
    assert "hemi: devchain fixtures on ape's chain" in proc.stdout
