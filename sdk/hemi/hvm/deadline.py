"""A wall-clock limit for EVM calls that are not transactions (``eth_call``, ``eth_estimateGas``...).

The EVM runs in-process (py-evm), so a call cannot be killed from outside: :func:`time_limit` makes the execution
itself check the clock. While the limit is active, the opcodes through which execution can go on for long — the
backward jumps of a loop (``JUMP``, ``JUMPI``) and the opcodes that start a new frame (``CALL``, ``CALLCODE``,
``DELEGATECALL``, ``STATICCALL``, ``CREATE``, ``CREATE2``) — first compare the clock with the deadline and raise
:class:`CallTimeout` once it has passed. Straight-line code between two of them is bounded by the code size, so the
overrun past the deadline is small. The exception is not an EVM error: it leaves py-evm unhandled, and the caller's
snapshot revert (``Engine.call`` reverts every call) throws the partial state away.

Precompiles run no opcodes: py-evm's slow ones (the pairings, multi-scalar multiplications, BLAKE2 rounds and
modular exponentiation, see :mod:`hemi.hvm.slow_precompiles`) call :func:`check` inside their loops, which reads the
limit this thread runs under. :func:`abort` ends a running call at its next check (the server's shutdown), with
:class:`CallAborted`.

Outside :func:`time_limit` the opcode table is py-evm's own, so transactions (which must be deterministic and
never depend on the clock) run exactly as before. The table is swapped on the computation class the engine's VM runs
(``EvmEngine.computation_class``, hemi's ``HvmComputation`` of the devchain's fork); callers hold the devchain lock,
so no transaction runs meanwhile.
geth's equivalent is its RPC EVM timeout (``--rpc.evmtimeout``, 5 s by default; ethereum/go-ethereum
internal/ethapi/api.go, ``DoCall``).
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

from eth.vm.forks.cancun.computation import CancunComputation

from hemi.errors import HemiError

_CHECKED = (0x56, 0x57, 0xF0, 0xF1, 0xF2, 0xF4, 0xF5, 0xFA)  # JUMP JUMPI CREATE CALL CALLCODE DELEGATECALL CREATE2
# STATICCALL


class CallTimeout(HemiError, TimeoutError):
    """An EVM call ran past its wall-clock limit and was aborted (nothing it did is kept)."""

    def __init__(self, seconds: float) -> None:
        super().__init__(f"execution aborted (timeout = {seconds:g}s)")
        self.seconds = seconds


class CallAborted(CallTimeout):
    """An EVM call was stopped before its limit because the server is shutting down (nothing it did is kept)."""

    def __init__(self, seconds: float) -> None:
        super().__init__(seconds)
        self.args = ("execution aborted (the server is stopping)",)


_local = threading.local()  # .state: the limit this thread runs under (the precompiles' check reads it)


def _expired(state: dict) -> CallTimeout:
    return CallAborted(state["seconds"]) if state["aborted"] else CallTimeout(state["seconds"])


def check() -> None:
    """Raise :class:`CallTimeout` if this thread runs under :func:`time_limit` and its deadline has passed; nothing
    otherwise (transactions run under no limit). For loops that run no opcodes: a few hundred nanoseconds."""
    state = getattr(_local, "state", None)
    if state is not None and time.monotonic() > state["deadline"]:
        raise _expired(state)


def active() -> bool:
    """Whether this thread runs under :func:`time_limit`."""
    return getattr(_local, "state", None) is not None


def abort(cls: Any = CancunComputation) -> None:
    """Stop the call running under :func:`time_limit` on ``cls`` (if one is) at its next check, with
    :class:`CallAborted`; from any thread. The next :func:`time_limit` starts afresh."""
    kept = cls.__dict__.get("_hemi_limited")
    if kept is not None:
        kept[2]["aborted"] = True
        kept[2]["deadline"] = float("-inf")


def _checked(fn: Callable[..., Any], state: dict) -> Callable[..., Any]:
    def run(computation: Any) -> Any:
        if time.monotonic() > state["deadline"]:
            raise _expired(state)
        return fn(computation=computation)

    return run


@contextmanager
def time_limit(seconds: float, cls: Any = CancunComputation) -> Iterator[None]:
    """Run the block with EVM execution aborted by :class:`CallTimeout` after ``seconds`` of wall-clock time."""
    original = cls.__dict__.get("opcodes")
    limited, state = _limited(cls, cls.opcodes)
    saved = dict(state)  # an enclosing limit's, put back on the way out
    outer = getattr(_local, "state", None)
    deadline = time.monotonic() + seconds
    if outer is not state:  # not within a limit on this class: start afresh (an abort after a call ended is forgotten)
        state["deadline"], state["seconds"], state["aborted"] = deadline, seconds, False
    elif deadline < state["deadline"]:  # within another limit: never past the enclosing deadline, nor un-aborted
        state["deadline"], state["seconds"] = deadline, seconds
    _local.state = state
    cls.opcodes = limited
    try:
        yield
    finally:
        state.update(saved)
        _local.state = outer
        if original is None:
            del cls.opcodes
        else:
            cls.opcodes = original


def _limited(cls: Any, table: dict) -> tuple[dict, dict]:
    """The clock-checking copy of ``table`` and the deadline it reads, made once per class and table and kept on
    the class: the same table object on every call, so what is built on top of it (hemi.hvm.trace's traced
    classes) is built once too. Within an enclosing limit ``table`` is already the checking one."""
    kept = cls.__dict__.get("_hemi_limited")
    if kept is not None and (kept[0] is table or kept[1] is table):
        return kept[1], kept[2]
    state: dict = {"deadline": float("inf"), "seconds": 0.0, "aborted": False}
    limited = dict(table)
    for op in _CHECKED:
        if op in table:
            limited[op] = _checked(table[op], state)
    cls._hemi_limited = (table, limited, state)
    return limited, state
