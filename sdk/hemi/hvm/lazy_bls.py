"""Defer py-evm's BLS12-381 precompiles until one is called.

``import eth`` imports ``eth.precompiles``, which imports the EIP-2537 BLS12-381 precompiles of Prague and with them
py_ecc's pairing code: about half of the devchain's cold start, for precompiles that a Cancun devchain never runs.
:func:`install` puts a stand-in for ``eth.precompiles.bls12_381`` in ``sys.modules`` before py-evm is imported. Its
seven functions load the real module on their first call and run it, so a process that does run Prague (stock
eth-tester next to a devchain, say) gets the real precompiles, only later; any other attribute, or a submodule
import, loads the real module too.
"""

from __future__ import annotations

import importlib
import importlib.util
import os
import sys
import types
from collections.abc import Callable
from typing import Any

_REAL = "eth.precompiles.bls12_381"
_NAMES = ("bls12_g1_add", "bls12_g1_msm", "bls12_map_fp_to_g1", "bls12_g2_add", "bls12_g2_msm",
          "bls12_map_fp2_to_g2", "bls12_pairing_check")


class _StandIn(types.ModuleType):
    def __getattr__(self, name: str) -> Any:
        if name.startswith("__"):
            raise AttributeError(name)
        return getattr(_real(), name)


def _real() -> types.ModuleType:
    module = sys.modules.get(_REAL)
    if isinstance(module, _StandIn):
        del sys.modules[_REAL]
        module = importlib.import_module(_REAL)
        parent = sys.modules.get("eth.precompiles")
        if parent is not None:
            parent.bls12_381 = module  # type: ignore[attr-defined]
    assert module is not None
    return module


def _deferred(name: str) -> Callable[..., Any]:
    def precompile(*args: Any, **kwargs: Any) -> Any:
        return getattr(_real(), name)(*args, **kwargs)

    precompile.__name__ = precompile.__qualname__ = name
    return precompile


def install() -> bool:
    """Put the stand-in in place; a no-op (False) once py-evm's precompiles are imported or if py-evm is absent."""
    if "eth.precompiles" in sys.modules or _REAL in sys.modules:
        return False
    spec = importlib.util.find_spec("eth")  # a top-level lookup: imports nothing
    if spec is None or not spec.submodule_search_locations:
        return False
    package_dir = os.path.join(list(spec.submodule_search_locations)[0], "precompiles", "bls12_381")
    if not os.path.isdir(package_dir):
        return False
    stand_in = _StandIn(_REAL, __doc__)
    stand_in.__path__ = [package_dir]  # submodule imports (…bls12_381.constants) still find the real files
    stand_in.__package__ = _REAL
    for name in _NAMES:
        setattr(stand_in, name, _deferred(name))
    sys.modules[_REAL] = stand_in
    return True
