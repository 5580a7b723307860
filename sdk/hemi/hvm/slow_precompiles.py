"""The call deadline inside py-evm's slow precompiles, which run no opcodes for :mod:`hemi.hvm.deadline` to check.

Measured on py-evm's pure-Python implementations (a shared 2-core machine), a single precompile call at the server's
50M gas cap runs for: BN254 pairing (0x08) ~150 s, BLAKE2 F (0x09) ~280 s, BLS12-381 G1 MSM (0x0c) ~60 s, G2 MSM
(0x0e) ~130 s, pairing (0x0f) ~290 s, and modexp (0x05) 2-4 s (one ``pow`` in C, the exponent up to megabytes
long). Each gets :func:`~hemi.hvm.deadline.check` per unit of work, under a call's limit only:

- the pairings and MSMs: before each point's pairing or scalar multiplication, through the module-level names
  py-evm's loops call (``_process_point`` of ``ecpairing``, ``bls12_multiply_optimized`` and ``pairing`` of the
  ``bls12_381`` modules), wrapped in place: the loops themselves stay py-evm's;
- BLAKE2 F: every 4096 rounds, by a ``range`` in the compression module's namespace (its round loop is
  ``for r in range(num_rounds)``) that checks the clock as it counts; a range of at most 4096 is the builtin one;
- modexp: ``pow`` in the modexp module's namespace splits an exponent longer than about 50 ms of work into chunks
  (``b^e = (b^hi)^(2^k) * b^lo``), checking between them; the result is the same number.

Everything else is a single step of a few milliseconds at most (the MAP precompiles, ECADD/ECMUL, the point
evaluation in C), bounded by the CALL that reaches it, which the opcode check already covers.
Without a limit (transactions, which must not depend on the clock) every path is py-evm's own, at the cost of one
thread-local read. The BN254 and BLS12-381 modules load on first use (:mod:`hemi.hvm.lazy_bls`): :func:`guard_loaded`
runs again then.
"""

from __future__ import annotations

import builtins
import sys
from collections.abc import Callable, Iterator
from typing import Any

from eth_utils.toolz import curry

from hemi.hvm.deadline import active, check

_BLAKE2_STEP = 4096  # rounds between two checks: ~25 ms of py-evm's BLAKE2
_MODEXP_WORK = 1 << 18  # squarings of a 64-bit word per modexp chunk, scaled by the modulus: ~50 ms of pow

# py-evm module -> the names its slow loops call once per point (a check before each)
_PER_POINT = {
    "eth.precompiles.ecpairing": ("_process_point",),
    "eth.precompiles.bls12_381.bls12_381_g1": ("bls12_multiply_optimized",),
    "eth.precompiles.bls12_381.bls12_381_g2": ("bls12_multiply_optimized",),
    "eth.precompiles.bls12_381.bls12_381_pairing": ("bls12_multiply_optimized", "pairing"),
}


def _checking(fn: Callable[..., Any]) -> Callable[..., Any]:
    def run(*args: Any, **kwargs: Any) -> Any:
        check()
        return fn(*args, **kwargs)

    run.__name__ = run.__qualname__ = getattr(fn, "__name__", "precompile_step")
    run.__wrapped__ = fn  # type: ignore[attr-defined]
    return run


def _range(*args: int) -> Any:
    rounds = range(*args)
    if len(rounds) <= _BLAKE2_STEP or not active():
        return rounds
    return _counted(rounds)


def _counted(rounds: range) -> Iterator[int]:
    for i, r in enumerate(rounds):
        if not i % _BLAKE2_STEP:
            check()
        yield r


def _pow(base: Any, exponent: Any, modulus: Any = None) -> Any:
    if modulus is None or not isinstance(exponent, int) or not active():
        return builtins.pow(base, exponent, modulus)
    words = max(1, (modulus.bit_length() + 63) // 64)
    step = max(16, _MODEXP_WORK // (words * words))  # exponent bits per chunk
    bits = exponent.bit_length()
    if bits <= step or modulus <= 0:
        return builtins.pow(base, exponent, modulus)
    result = 1 % modulus
    mask = (1 << step) - 1
    for shift in range((bits - 1) // step * step, -1, -step):  # most significant chunk first
        check()
        result = builtins.pow(result, 1 << step, modulus) * builtins.pow(base, (exponent >> shift) & mask,
                                                                          modulus) % modulus
    return result


# py-evm module -> builtins shadowed in its namespace (its code looks names up there before the builtins)
_SHADOWED: dict[str, dict[str, Callable[..., Any]]] = {
    "eth._utils.blake2.compression": {"range": _range},
    "eth.precompiles.modexp": {"pow": _pow},
}


def guard_loaded() -> None:
    """Put the checks into each of py-evm's slow precompile modules that is loaded and not yet guarded (a deferred
    stand-in of :mod:`hemi.hvm.lazy_bls` is left alone: this runs again when the real module loads)."""
    for name, attrs in _PER_POINT.items():
        module = sys.modules.get(name)
        # vars(), not getattr: any other attribute read on a stand-in loads the real module, which defers it no more
        if module is None or "__file__" not in vars(module) or vars(module).get("_hemi_deadline"):
            continue
        for attr in attrs:
            fn = getattr(module, attr)
            if isinstance(fn, curry):  # ecpairing's _process_point(data)(exponent): check when the pairing runs
                setattr(module, attr, curry(_checking(fn.func)))
            else:
                setattr(module, attr, _checking(fn))
        module._hemi_deadline = True  # type: ignore[attr-defined]
    for name, names in _SHADOWED.items():
        module = sys.modules.get(name)
        if module is not None:
            vars(module).update(names)
