"""hemi.hvm points eth-hash at safe-pysha3 (its fastest installed backend) without leaving ``ETH_HASH_BACKEND`` in
the environment that child processes inherit, and a user's own ``ETH_HASH_BACKEND`` wins."""

from __future__ import annotations

import os
import subprocess
import sys

PROBE = """
import os, hemi.hvm
from eth_hash.auto import keccak
from eth_utils import keccak as utils_keccak
assert utils_keccak(b"").hex() == "c5d2460186f7233c927e7db2dcc703c0e500b653ca82273b7bfad8045d85a470"
print(type(keccak._backend.keccak256.__self__).__name__, os.environ.get("ETH_HASH_BACKEND"))
"""


def _run(env_backend: str | None) -> str:
    env = {k: v for k, v in os.environ.items() if k != "ETH_HASH_BACKEND"}
    if env_backend is not None:
        env["ETH_HASH_BACKEND"] = env_backend
    out = subprocess.run([sys.executable, "-c", PROBE], env=env, capture_output=True, text=True, check=True)
    return out.stdout.strip()


def test_safe_pysha3_is_chosen_and_the_variable_is_not_left_behind():
    assert _run(None) == "PySha3Backend None"


def test_the_users_choice_wins():
    assert _run("pycryptodome") == "CryptodomeBackend pycryptodome"
