"""Choose the fastest Keccak-256 backend for eth-hash before anything hashes.

eth-hash (behind ``eth_utils.keccak``, py-evm's tries, web3's) picks its backend on the first hash, from the
``ETH_HASH_BACKEND`` environment variable, else the first one installed: pycryptodome, which builds a hash object
per call. safe-pysha3 hashes a 32-byte word in about 1.8 µs against pycryptodome's 8.5 µs (measured on the
devchain's machine; a transfer hashes a few hundred times: trie nodes, addresses, storage keys). :func:`choose`
selects it when the user has not chosen one and it is installed; the user's own ``ETH_HASH_BACKEND`` wins. The
variable is set only while eth-hash makes its choice, then removed, so that child processes (another Python
environment, perhaps without safe-pysha3) do not inherit it.
"""

from __future__ import annotations

import importlib.util
import os

from eth_hash.auto import keccak

BACKEND = "pysha3"  # safe-pysha3's module is ``sha3``


def choose() -> bool:
    """Select safe-pysha3 (True) unless ``ETH_HASH_BACKEND`` is set or it is not installed (False). Takes effect
    only if eth-hash has not hashed yet in this process, which holds when hemi is imported before first use."""
    if "ETH_HASH_BACKEND" in os.environ or importlib.util.find_spec("sha3") is None:
        return False
    os.environ["ETH_HASH_BACKEND"] = BACKEND
    try:
        keccak(b"")  # eth-hash's shared auto backend reads the variable on its first hash, once
    finally:
        del os.environ["ETH_HASH_BACKEND"]
    return True
