"""The Solidity shipped inside the hemi package (``@hemi/...`` imports), ``hemi remappings``, and the compiler's
progress lines and install lock."""

from __future__ import annotations

import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from hemi._files import FileLock
from hemi.compiler import DEFAULT_SOLC_VERSION, compile, ensure_solc, resolve, solcjs
from hemi.compiler.solidity_sources import contracts_root, remapping, shipped_path, source_files
from hemi.errors import CompilerNotAvailable

REPO = Path(__file__).resolve().parents[2]

READER = """
// SPDX-License-Identifier: MIT
pragma solidity ^0.8.0;
import "@hemi/hbk/IBitcoinKit.sol";
import {HvmPrecompiles} from "@hemi/lib/HvmPrecompiles.sol";

contract Reader {
    function height(address kit) external view returns (uint32) {
        return IBitcoinKit(kit).getLastHeader().height;
    }
    function rawTip() external view returns (bool ok) {
        (ok, ) = HvmPrecompiles.lastHeader();
    }
}
"""


def test_the_shipped_folders_hold_every_sol_file_of_the_repository_folders():
    # the package folders are the repository's (symlinks in a checkout, copies in a wheel): nothing hand-listed
    for folder in ("hbk", "lib", "tunnel"):
        repo = sorted(p.name for p in (REPO / "contracts" / folder).glob("*.sol"))
        shipped = sorted(p.name for p in (contracts_root() / folder).glob("*.sol"))
        assert repo and shipped == repo, folder
    names = {p.relative_to(contracts_root()).as_posix() for p in source_files()}
    assert {"hbk/IBitcoinKit.sol", "hbk/BitcoinKitStructs.sol", "lib/HvmPrecompiles.sol"} <= names
    assert not any(n.startswith("test/") for n in names)  # the test harness does not ship
    assert shipped_path("@hemi/hbk/IBitcoinKit.sol") == contracts_root() / "hbk" / "IBitcoinKit.sol"
    assert shipped_path("@hemi/../pyproject.toml") is None and shipped_path("hbk/IBitcoinKit.sol") is None


def test_compile_resolves_hemi_imports_from_outside_the_repository(cache_dir: Path, tmp_path: Path):
    project = tmp_path / "dapp" / "src"
    project.mkdir(parents=True)
    (project / "Reader.sol").write_text(READER)
    arts = compile(project / "Reader.sol")
    assert "Reader.sol:Reader" in arts
    # shipped units keep their @hemi/ names, whatever the install location
    assert "@hemi/hbk/IBitcoinKit.sol:IBitcoinKit" in arts and "@hemi/lib/HvmPrecompiles.sol:HvmPrecompiles" in arts
    assert arts["Reader"].deployed_bytecode not in ("", "0x")


def test_a_users_own_hemi_remapping_wins(cache_dir: Path, tmp_path: Path):
    mine = tmp_path / "vendored" / "hbk"
    mine.mkdir(parents=True)
    (mine / "IBitcoinKit.sol").write_text("// SPDX-License-Identifier: MIT\npragma solidity ^0.8.0;\n"
                                          "interface IBitcoinKit { function mine() external; }\n")
    src = {"A.sol": 'pragma solidity ^0.8.0;\nimport "@hemi/hbk/IBitcoinKit.sol";\ncontract A {}\n'}
    arts = compile(src, remappings=[f"@hemi/={tmp_path / 'vendored'}/"], base_path=tmp_path)
    assert [e["name"] for e in arts["IBitcoinKit"].abi] == ["mine"]


def test_hemi_remappings_prints_the_folder_for_foundry_and_solc():
    out = subprocess.run([sys.executable, "-m", "hemi.cli", "remappings"], capture_output=True, text=True,
                         check=True).stdout.strip()
    assert out == remapping()
    prefix, _, target = out.partition("=")
    assert prefix == "@hemi/" and target.endswith("/")
    assert (Path(target) / "hbk" / "IBitcoinKit.sol").is_file()


# ------------------------------------------------------------------------------------------ progress and lock

def test_a_solcjs_compile_says_so_once_and_a_cached_one_is_silent(cache_dir: Path, solc_path: Path, capfd):
    compile({"P.sol": "pragma solidity ^0.8.0;\ncontract P { uint x; }\n"})
    first = capfd.readouterr().err
    if solcjs.is_hemi_launcher(solc_path):
        assert f"hemi: compiling 1 Solidity source(s) with solcjs {DEFAULT_SOLC_VERSION}" in first
    else:
        assert "hemi:" not in first  # a native solc is fast: nothing to announce
    compile({"P.sol": "pragma solidity ^0.8.0;\ncontract P { uint x; }\n"})
    assert capfd.readouterr().err == ""  # cached: quiet


def test_installing_solc_is_announced_and_finding_it_is_silent(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                              capfd):
    folder, cache = tmp_path / "solcx", tmp_path / "cache"
    folder.mkdir()
    monkeypatch.setenv("SOLCX_BINARY_PATH", str(folder))
    monkeypatch.setenv("HEMI_CACHE_DIR", str(cache))
    monkeypatch.setenv("PATH", str(tmp_path / "nothing"))  # no solc, no npm: every install step fails fast
    monkeypatch.setattr(resolve, "_from_solcx_install", _fail("solcx.install_solc: offline (test)"))
    resolve.forget()
    try:
        with pytest.raises(CompilerNotAvailable):
            ensure_solc(DEFAULT_SOLC_VERSION)
        err = capfd.readouterr().err
        assert f"hemi: installing solc {DEFAULT_SOLC_VERSION} (a native download, else solcjs from npm)" in err
        _fake_solc(folder / f"solc-v{DEFAULT_SOLC_VERSION}")
        assert ensure_solc(DEFAULT_SOLC_VERSION) == folder / f"solc-v{DEFAULT_SOLC_VERSION}"
        assert capfd.readouterr().err == ""
    finally:
        resolve.forget()


def test_a_second_process_waits_for_the_install_lock_and_uses_the_first_ones_solc(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    folder, cache = tmp_path / "solcx", tmp_path / "cache"
    folder.mkdir()
    monkeypatch.setenv("SOLCX_BINARY_PATH", str(folder))
    monkeypatch.setenv("HEMI_CACHE_DIR", str(cache))
    monkeypatch.setenv("PATH", str(tmp_path / "nothing"))
    installs: list[str] = []
    monkeypatch.setattr(resolve, "_from_solcx_install", lambda v: installs.append(v) or _fail("no")(v))
    resolve.forget()
    result: dict[str, object] = {}
    lock = FileLock(cache / f".solc-{DEFAULT_SOLC_VERSION}.lock")
    try:
        with lock:  # "the first process" is installing
            worker = threading.Thread(target=lambda: result.setdefault("path", ensure_solc(DEFAULT_SOLC_VERSION)))
            worker.start()
            time.sleep(0.5)
            assert worker.is_alive()  # waiting for the lock, not installing alongside
            _fake_solc(folder / f"solc-v{DEFAULT_SOLC_VERSION}")  # the first one's install lands
        worker.join(30)
    finally:
        resolve.forget()
    assert result["path"] == folder / f"solc-v{DEFAULT_SOLC_VERSION}" and installs == []


def _fail(message: str):
    from hemi.compiler._versions import StepFailed

    def step(version: str) -> Path:
        raise StepFailed(message)

    return step


def _fake_solc(path: Path) -> Path:
    path.write_text(f'#!/bin/sh\necho "solc, the solidity compiler commandline interface"\n'
                    f'echo "Version: {DEFAULT_SOLC_VERSION}+commit.7893614a.Linux.g++"\n')
    path.chmod(0o755)
    return path


def test_foundry_builds_a_project_with_the_printed_remapping(tmp_path: Path, solc_path: Path):
    """forge reads remappings.txt (``@hemi/=<folder>/``), as `hemi remappings >> remappings.txt` writes it."""
    from hemi._npm import find_foundry_binary
    from hemi.compiler import cache_root

    forge = find_foundry_binary(cache_root() / "forge", "forge")
    if forge is None:
        pytest.skip("no forge in hemi-sdk's cache (npm @foundry-rs/forge)")
    if solcjs.is_hemi_launcher(solc_path):
        pytest.skip("forge is given a native solc here; the solcjs launcher is not what forge is tested with")
    (tmp_path / "src").mkdir()
    (tmp_path / "src" / "Reader.sol").write_text(READER)
    (tmp_path / "remappings.txt").write_text(remapping() + "\n")
    proc = subprocess.run([str(forge), "build", "--offline", "--use", str(solc_path)], cwd=tmp_path,
                          capture_output=True, text=True, timeout=300, stdin=subprocess.DEVNULL)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    out = tmp_path / "out"
    assert (out / "Reader.sol" / "Reader.json").is_file() and (out / "IBitcoinKit.sol" / "IBitcoinKit.json").is_file()
