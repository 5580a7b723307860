"""What the faces (``hemi.rpc``, ``hemi.web3``, ``hemi.server``...) use of the node and of the engine below it.

The faces never import :mod:`hemi.hvm` (an import-linter contract in pyproject.toml): the engine's records, errors
and helpers they need are re-exported here, so the engine can change behind this one list of names. Sections: the
engine's records and call helpers, tracing, proofs and simulation, the call deadline, and the node's protocol reads.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

# ------------------------------------------------------------------ the engine: records, calls, logs (rpc helper)
from hemi.hvm.deadline import CallAborted, CallTimeout, time_limit
from hemi.hvm.deadline import abort as abort_call
from hemi.hvm.engine import AccountOverride, CallResult, EstimateFailed, TxRecord, all_logs

# ------------------------------------------------------------------ the CLI banner's 0x45 mode (faces helper)
from hemi.hvm.precompiles import default_header_n

# ------------------------------------------------------------------ tracing, proofs, simulation (rpc helper)
from hemi.hvm.trace import AccessListTracer, CallTracer, StructLogger, Tracer, instrument
from hemi.node.op_stack import user_tx_hashes

# ------------------------------------------------------------------ the node's protocol reads (rpc helper)
from hemi.node.pop.finality_wire import FinalityRpcError, btc_finality_by_block_hash
from hemi.node.pop.keystones import KeystoneHash

if TYPE_CHECKING:  # loaded on first use (module __getattr__ below)
    from hemi.hvm.proof import AccountProof, prove_at, state_root_at
    from hemi.hvm.simulate import SimBlock, SimulationError, simulate

# name -> module: eth_getProof's and eth_simulateV1's engine helpers load when first asked for, not with every web3
# face (their modules and dataclasses are a few milliseconds of a new process's start)
_LAZY = {"AccountProof": "hemi.hvm.proof", "prove_at": "hemi.hvm.proof", "state_root_at": "hemi.hvm.proof",
         "SimBlock": "hemi.hvm.simulate", "SimulationError": "hemi.hvm.simulate", "simulate": "hemi.hvm.simulate"}

__all__ = [
    "AccessListTracer", "AccountOverride", "AccountProof", "CallAborted", "CallResult", "CallTimeout", "CallTracer",
    "EstimateFailed", "FinalityRpcError", "KeystoneHash", "SimBlock", "SimulationError", "StructLogger", "Tracer",
    "abort_call", "default_header_n",
    "TxRecord", "all_logs", "btc_finality_by_block_hash", "instrument", "prove_at", "simulate", "state_root_at",
    "time_limit", "user_tx_hashes",
]


def __getattr__(name: str) -> Any:
    if name not in _LAZY:
        raise AttributeError(f"module 'hemi.node.api' has no attribute {name!r}")
    value = getattr(importlib.import_module(_LAZY[name]), name)
    globals()[name] = value
    return value
