"""Compiler resolution order and failure reporting, in an isolated environment.

Each test gets its own HEMI_CACHE_DIR and py-solc-x folder, a PATH holding only what the test puts there, and an
HTTPS proxy on a closed local port, so ``solcx.install_solc`` fails at once instead of downloading.
"""

from __future__ import annotations

import os
import shutil
import stat
import time
from dataclasses import dataclass
from pathlib import Path

import pytest
import solcx
from packaging.version import Version

from hemi.compiler import DEFAULT_SOLC_VERSION, ensure_solc, resolve, solcjs
from hemi.errors import CompilerNotAvailable

OTHER_VERSION_LINE = "Version: 0.8.1+commit.df193b15.Linux.g++"
RIGHT_VERSION_LINE = f"Version: {DEFAULT_SOLC_VERSION}+commit.7893614a.Linux.g++"
NODE = shutil.which("node")  # looked up before any test narrows PATH
NPM = shutil.which("npm")


@dataclass
class Env:
    bin: Path
    solcx: Path
    cache: Path


def fake_solc(path: Path, version_line: str | None, exit_code: int = 0) -> Path:
    lines = ["#!/bin/sh"]
    if version_line is not None:
        lines += ['echo "solc, the solidity compiler commandline interface"', f'echo "{version_line}"']
    lines.append(f"exit {exit_code}")
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    path.chmod(path.stat().st_mode | stat.S_IEXEC | stat.S_IXGRP | stat.S_IXOTH)
    return path


def block_downloads(monkeypatch: pytest.MonkeyPatch) -> None:
    for var in ("https_proxy", "HTTPS_PROXY", "http_proxy", "HTTP_PROXY", "all_proxy", "ALL_PROXY"):
        monkeypatch.setenv(var, "http://127.0.0.1:9")
    for var in ("no_proxy", "NO_PROXY"):
        monkeypatch.delenv(var, raising=False)


@pytest.fixture
def env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):  # type: ignore[no-untyped-def]
    e = Env(tmp_path / "bin", tmp_path / "solcx", tmp_path / "cache")
    e.bin.mkdir()
    e.solcx.mkdir()
    monkeypatch.setenv("HEMI_CACHE_DIR", str(e.cache))
    monkeypatch.setenv("SOLCX_BINARY_PATH", str(e.solcx))
    monkeypatch.setenv("PATH", str(e.bin))
    block_downloads(monkeypatch)
    resolve.forget()
    yield e
    resolve.forget()


def test_not_available_lists_every_attempt(env: Env) -> None:
    fake_solc(env.bin / "solc", OTHER_VERSION_LINE)
    started = time.monotonic()
    with pytest.raises(CompilerNotAvailable) as info:
        ensure_solc(DEFAULT_SOLC_VERSION)
    assert time.monotonic() - started < 30  # the download attempt fails fast
    err = info.value
    assert err.version == DEFAULT_SOLC_VERSION
    assert len(err.attempts) == 4, err.attempts
    folder, path, download, npm = err.attempts
    assert folder.startswith("py-solc-x install folder") and f"solc-v{DEFAULT_SOLC_VERSION}" in folder
    assert path.startswith("PATH") and "0.8.1+commit.df193b15" in path and "not 0.8.28" in path
    assert download.startswith(f"solcx.install_solc('{DEFAULT_SOLC_VERSION}')")
    assert npm == "solcjs: node and npm not found on PATH"
    for attempt in err.attempts:
        assert attempt in str(err)
    assert solcx.get_installed_solc_versions() == []  # nothing half-installed was left behind


def test_matching_solc_on_path_is_used_before_any_install(env: Env) -> None:
    exe = fake_solc(env.bin / "solc", RIGHT_VERSION_LINE)
    assert ensure_solc(DEFAULT_SOLC_VERSION) == exe
    assert list(env.solcx.iterdir()) == [] and not env.cache.exists()


def test_py_solc_x_install_folder_comes_first(env: Env) -> None:
    fake_solc(env.bin / "solc", RIGHT_VERSION_LINE)
    installed = fake_solc(env.solcx / f"solc-v{DEFAULT_SOLC_VERSION}", RIGHT_VERSION_LINE)
    assert ensure_solc("v" + DEFAULT_SOLC_VERSION) == installed


def test_broken_installed_solc_is_reported_and_left_alone(env: Env) -> None:
    broken = fake_solc(env.solcx / f"solc-v{DEFAULT_SOLC_VERSION}", None, exit_code=3)
    with pytest.raises(CompilerNotAvailable) as info:
        ensure_solc(DEFAULT_SOLC_VERSION)
    assert "exited with 3" in info.value.attempts[0]
    assert info.value.attempts[1] == "PATH: no `solc` executable on PATH"
    assert broken.exists()  # not ours to delete


def test_failed_npm_install_is_reported(env: Env, monkeypatch: pytest.MonkeyPatch) -> None:
    if NODE is None:
        pytest.skip("node not installed")
    (env.bin / "node").symlink_to(os.path.realpath(NODE))
    npm = env.bin / "npm"
    npm.write_text("#!/bin/sh\necho 'npm error 404 No match found for version 0.8.28' >&2\nexit 1\n", encoding="utf-8")
    npm.chmod(0o755)
    with pytest.raises(CompilerNotAvailable) as info:
        ensure_solc(DEFAULT_SOLC_VERSION)
    assert info.value.attempts[-1].startswith("solcjs: `") and "npm install" in info.value.attempts[-1]
    assert "solc@0.8.28` exited with 1" in info.value.attempts[-1]
    assert "No match found" in info.value.attempts[-1]


def test_ensure_solc_registers_solcjs_with_py_solc_x(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Real solcjs (installed once per machine in the ambient cache), registered into an empty py-solc-x folder."""
    if NODE is None or NPM is None:
        pytest.skip("node/npm not installed")
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    (bin_dir / "node").symlink_to(os.path.realpath(NODE))
    (bin_dir / "npm").symlink_to(os.path.realpath(NPM))
    folder = tmp_path / "solcx"
    folder.mkdir()
    monkeypatch.setenv("SOLCX_BINARY_PATH", str(folder))
    monkeypatch.setenv("PATH", str(bin_dir))  # no native solc can be found
    block_downloads(monkeypatch)
    resolve.forget()
    try:
        exe = ensure_solc(DEFAULT_SOLC_VERSION)
    finally:
        resolve.forget()
    assert exe == folder / f"solc-v{DEFAULT_SOLC_VERSION}"
    assert solcjs.is_hemi_launcher(exe)
    assert Version(DEFAULT_SOLC_VERSION) in solcx.get_installed_solc_versions()
    assert solcx.install.get_executable(DEFAULT_SOLC_VERSION) == exe  # what ape-solidity asks for
    assert solcx.wrapper.get_solc_version(exe) == Version(DEFAULT_SOLC_VERSION)
    assert solcx.wrapper.get_solc_version(exe, with_commit_hash=True) == Version(
        f"{DEFAULT_SOLC_VERSION}+commit.7893614a"
    )
