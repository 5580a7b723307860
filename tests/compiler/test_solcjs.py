"""The solcjs installer (locking, interrupted installs) and the Node wrapper's native-solc command line."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import solcx
from eth_utils import function_signature_to_4byte_selector
from packaging.version import Version

from hemi.compiler import DEFAULT_SOLC_VERSION, solcjs

NODE = shutil.which("node")
NPM = shutil.which("npm")
needs_node = pytest.mark.skipif(NODE is None, reason="node not installed")
needs_npm = pytest.mark.skipif(NODE is None or NPM is None, reason="node/npm not installed")

FAKE_MODULE = (
    "module.exports = { version: () => '0.8.28+commit.7893614a.Emscripten.clang', "
    "compile: () => JSON.stringify({ sources: {}, contracts: {} }) };"
)


@pytest.fixture
def fake_npm(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """PATH with the real node and an npm stand-in that takes a second and logs each run to ``npm-runs``."""
    if NODE is None:
        pytest.skip("node not installed")
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    (bin_dir / "node").symlink_to(os.path.realpath(NODE))
    log = tmp_path / "npm-runs"
    module_js = tmp_path / "fake-solc.js"
    module_js.write_text(FAKE_MODULE, encoding="utf-8")
    tools = {name: shutil.which(name) for name in ("sleep", "mkdir", "cp")}
    script = f"""#!/bin/sh
prefix=""
while [ $# -gt 0 ]; do
  case "$1" in --prefix) prefix="$2"; shift 2 ;; *) shift ;; esac
done
echo "$prefix" >> '{log}'
{tools["sleep"]} 1
{tools["mkdir"]} -p "$prefix/node_modules/solc"
{tools["cp"]} '{module_js}' "$prefix/node_modules/solc/index.js"
echo '{{"name": "solc", "version": "{DEFAULT_SOLC_VERSION}"}}' > "$prefix/node_modules/solc/package.json"
"""
    npm = bin_dir / "npm"
    npm.write_text(script, encoding="utf-8")
    npm.chmod(0o755)
    monkeypatch.setenv("PATH", str(bin_dir))
    monkeypatch.setenv("HEMI_CACHE_DIR", str(tmp_path / "cache"))
    return log


def test_concurrent_installs_run_npm_once(fake_npm: Path, tmp_path: Path) -> None:
    code = f"from hemi.compiler import solcjs; print(solcjs.install({DEFAULT_SOLC_VERSION!r}))"
    procs = [
        subprocess.Popen([sys.executable, "-c", code], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        for _ in range(3)
    ]
    outs = [p.communicate(timeout=120) for p in procs]
    assert [p.returncode for p in procs] == [0, 0, 0], outs
    launchers = {out.strip() for out, _ in outs}
    assert launchers == {str(tmp_path / "cache" / "solcjs" / DEFAULT_SOLC_VERSION / "solc")}
    assert len(fake_npm.read_text().splitlines()) == 1
    assert solcx.wrapper.get_solc_version(launchers.pop()) == Version(DEFAULT_SOLC_VERSION)


def test_interrupted_install_is_redone(fake_npm: Path, tmp_path: Path) -> None:
    target = tmp_path / "cache" / "solcjs" / DEFAULT_SOLC_VERSION
    (target / "node_modules" / "half").mkdir(parents=True)  # no marker file: an install that died midway
    launcher = solcjs.install(DEFAULT_SOLC_VERSION)
    assert not (target / "node_modules" / "half").exists()
    assert solcjs.install(DEFAULT_SOLC_VERSION) == launcher
    assert len(fake_npm.read_text().splitlines()) == 1  # the second call found a complete install


def test_register_replaces_only_its_own_launchers(
    fake_npm: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    folder = tmp_path / "solcx"
    folder.mkdir()
    monkeypatch.setenv("SOLCX_BINARY_PATH", str(folder))
    launcher = solcjs.install(DEFAULT_SOLC_VERSION)
    entry = solcjs.register_with_solcx(DEFAULT_SOLC_VERSION, launcher)
    assert entry == folder / f"solc-v{DEFAULT_SOLC_VERSION}" and entry.read_text() == launcher.read_text()
    assert os.access(entry, os.X_OK)
    assert [p.name for p in folder.iterdir()] == [entry.name]  # no temporary files left behind
    entry.write_text(launcher.read_text() + "# older\n")
    assert solcjs.register_with_solcx(DEFAULT_SOLC_VERSION, launcher) == entry
    assert entry.read_text() == launcher.read_text()
    entry.write_bytes(b"\x7fELF not ours")
    assert solcjs.register_with_solcx(DEFAULT_SOLC_VERSION, launcher) == launcher
    assert entry.read_bytes() == b"\x7fELF not ours"


# --- the real wrapper --------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def launcher() -> Path:
    if NODE is None or NPM is None:
        pytest.skip("node/npm not installed")
    return solcjs.install(DEFAULT_SOLC_VERSION)  # ambient cache: installed once per machine


def run(launcher: Path, *args: str, stdin: str = "", cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run([str(launcher), *args], input=stdin, capture_output=True, text=True, cwd=cwd, timeout=120)


def standard_input(sources: dict[str, str]) -> str:
    return json.dumps(
        {
            "language": "Solidity",
            "sources": {k: {"content": v} for k, v in sources.items()},
            "settings": {"outputSelection": {"*": {"*": ["abi"]}}},
        }
    )


HEADER = "// SPDX-License-Identifier: MIT\npragma solidity ^0.8.0;\n"


def test_version_output_parses_like_native(launcher: Path) -> None:
    proc = run(launcher, "--version")
    assert proc.returncode == 0
    assert proc.stdout.startswith("solc, the solidity compiler commandline interface\nVersion: 0.8.28+commit.7893614a")
    assert solcx.wrapper.get_solc_version(launcher) == Version(DEFAULT_SOLC_VERSION)


def test_standard_json_reads_imports_from_base_and_include_paths(launcher: Path, tmp_path: Path) -> None:
    (tmp_path / "base" / "lib").mkdir(parents=True)
    (tmp_path / "inc").mkdir()
    (tmp_path / "base" / "lib" / "A.sol").write_text(HEADER + "contract A {}\n")
    (tmp_path / "inc" / "B.sol").write_text(HEADER + "contract B {}\n")
    src = {"Main.sol": HEADER + 'import "lib/A.sol";\nimport "B.sol";\ncontract Main {}\n'}
    proc = run(
        launcher,
        "--standard-json",
        "--base-path",
        str(tmp_path / "base"),
        "--include-path",
        str(tmp_path / "inc"),
        stdin=standard_input(src),
    )
    assert proc.returncode == 0, proc.stderr
    out = json.loads(proc.stdout)
    assert sorted(out["contracts"]) == ["B.sol", "Main.sol", "lib/A.sol"], out.get("errors")


def test_standard_json_keeps_imports_inside_allowed_paths(launcher: Path, tmp_path: Path) -> None:
    (tmp_path / "base").mkdir()
    (tmp_path / "outside").mkdir()
    secret = tmp_path / "outside" / "S.sol"
    secret.write_text(HEADER + "contract S {}\n")
    src = {"Main.sol": HEADER + f'import "{secret.as_posix()}";\n'}
    refused = json.loads(
        run(launcher, "--standard-json", "--base-path", str(tmp_path / "base"), stdin=standard_input(src)).stdout
    )
    assert any("outside of allowed directories" in e["formattedMessage"] for e in refused["errors"])
    allowed = json.loads(
        run(
            launcher,
            "--standard-json",
            "--base-path",
            str(tmp_path / "base"),
            "--allow-paths",
            str(tmp_path / "outside"),
            stdin=standard_input(src),
        ).stdout
    )
    assert secret.as_posix() in allowed["contracts"]


def test_combined_json_as_py_solc_x_and_ape_use_it(launcher: Path, tmp_path: Path) -> None:
    (tmp_path / "dep").mkdir()
    (tmp_path / "dep" / "D.sol").write_text(
        HEADER + "contract D { function d() external pure returns (uint) { return 7; } }\n"
    )
    out = solcx.compile_source(
        HEADER + 'import "x/D.sol";\ncontract C is D {}\n',
        solc_binary=launcher,
        base_path=tmp_path,
        import_remappings={"x/": "dep/"},
        optimize=True,
        evm_version="cancun",
    )
    assert {"<stdin>:C", "dep/D.sol:D"} <= set(out)
    c = out["<stdin>:C"]
    assert isinstance(c["abi"], list) and c["abi"][0]["name"] == "d"
    assert c["bin"] and c["bin-runtime"]
    assert c["hashes"] == {"d()": function_signature_to_4byte_selector("d()").hex()}
    assert c["ast"]["nodeType"] == "SourceUnit"
    with pytest.raises(solcx.exceptions.SolcError, match="ParserError"):
        solcx.compile_source("contract {", solc_binary=launcher)


def test_unknown_options_are_refused_like_native(launcher: Path) -> None:
    proc = run(launcher, "--frobnicate")
    assert proc.returncode == 1 and proc.stderr.startswith("unrecognised option '--frobnicate'")
    with pytest.raises(solcx.exceptions.UnknownOption):
        solcx.wrapper.solc_wrapper(solc_binary=launcher, frobnicate=True)
