"""examples/dapp-project, copied to a temporary folder outside this repository, passes its own tests the three ways a
user runs them: plain ``pytest``, ``pytest -n 2`` and ``ape test``. Its contract imports ``@hemi/hbk/IBitcoinKit.sol``
and ``@hemi/lib/HvmPrecompiles.sol`` from the installed package (hemi.compiler for the web3 tests, ape-solidity
through the ``hemi_sdk`` dependency for the ape one); its tests use the plugin's fixtures with no option given."""

from __future__ import annotations

import importlib.util
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "dapp-project"
HAVE_APE = all(importlib.util.find_spec(m) is not None for m in ("ape", "ape_hemi"))
HAVE_XDIST = importlib.util.find_spec("xdist") is not None
N_TESTS = 6


def run(cmd: list[str], cwd: Path) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PYTEST_", "APE_"))}
    proc = subprocess.run(cmd, cwd=cwd, env=env, capture_output=True, text=True, timeout=600,
                          stdin=subprocess.DEVNULL)
    proc.output = proc.stdout + proc.stderr  # type: ignore[attr-defined]
    return proc


def passed(proc: subprocess.CompletedProcess) -> int:
    found = re.search(r"(\d+) passed", proc.stdout)
    return int(found.group(1)) if found else 0


@pytest.fixture(scope="module")
def project(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("my-dapp") / "my-hemi-dapp"
    shutil.copytree(EXAMPLE, root, ignore=shutil.ignore_patterns("__pycache__", ".build", ".cache"))
    assert EXAMPLE.parents[1] not in root.parents  # outside the repository: nothing found through its layout
    return root


@pytest.mark.skipif(not (HAVE_APE and HAVE_XDIST), reason="needs eth-ape, ape-hemi and pytest-xdist installed")
def test_the_example_dapp_passes_under_pytest_xdist_and_ape_test(project: Path):
    quiet = ["-q", "-p", "no:cacheprovider"]
    # plain pytest first: its ape test compiles through ape once, so the xdist workers only read .build
    plain = run([sys.executable, "-m", "pytest", *quiet], project)
    assert plain.returncode == 0 and passed(plain) == N_TESTS, plain.output
    assert "hemi:" not in plain.stdout  # nothing stood down, nothing chosen for the user (default_ecosystem: hemi)

    xdist = run([sys.executable, "-m", "pytest", *quiet, "-n", "2"], project)
    assert xdist.returncode == 0 and passed(xdist) == N_TESTS, xdist.output

    ape = run([str(Path(sys.executable).with_name("ape")), "test", *quiet], project)
    assert ape.returncode == 0 and passed(ape) == N_TESTS, ape.output
    assert "DeprecationWarning" not in plain.output + xdist.output + ape.output
