"""The EVM forks a devchain can run: Hemi's Prague (OP Isthmus) by default, Cancun on request, as py-evm classes.

Prague adds to py-evm's set RIP-7212's P256VERIFY at 0x100, which OP-stack chains run from Fjord on
(:mod:`hemi.hvm.p256`). The EIP-2935 history contract's constants are re-exported for the engine, which deploys the
contract in genesis and writes the parent hash itself (see docs/op-stack.md).
"""

from __future__ import annotations

from eth.vm.forks.cancun import CancunVM
from eth.vm.forks.cancun.computation import CancunComputation
from eth.vm.forks.cancun.state import CancunState
from eth.vm.forks.prague import PragueVM
from eth.vm.forks.prague.computation import PragueComputation
from eth.vm.forks.prague.constants import HISTORY_SERVE_WINDOW, HISTORY_STORAGE_ADDRESS, HISTORY_STORAGE_CONTRACT_CODE  # noqa: F401 - re-exported for the engine
from eth.vm.forks.prague.state import PragueState

from hemi.hvm import p256

FORKS = ("prague", "cancun")  # Hemi runs Prague (OP Isthmus); Cancun stays selectable
DEFAULT_FORK = "prague"
FORK_CLASSES = {"cancun": (CancunVM, CancunState, CancunComputation),
                "prague": (PragueVM, PragueState, PragueComputation)}


def fork_precompiles(fork: str) -> dict:
    """Ethereum's precompiles of ``fork`` as py-evm mounts them, plus, on Prague, RIP-7212's P256VERIFY at 0x100,
    which every OP-stack chain from Fjord on runs (so Hemi does)."""
    base = dict(FORK_CLASSES[fork][2]._precompiles)
    if fork == "prague":
        base[p256.P256VERIFY_ADDRESS] = p256.p256_precompile
    return base
