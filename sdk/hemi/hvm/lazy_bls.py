"""Defer py-evm's pairing-curve precompiles (BLS12-381 and BN254) until one is called.

``import eth`` imports ``eth.precompiles``, which imports the EIP-2537 BLS12-381 precompiles of Prague and with them
py_ecc's BLS pairing code (about half of the devchain's cold start), and the BN254 precompiles ``ecadd``, ``ecmul``
and ``ecpairing`` (0x06-0x08) with py_ecc's ``optimized_bn128``, whose pairing module alone takes 0.1 s to import:
precompiles that most devchain sessions never run. :func:`install` puts a stand-in for each of these py-evm modules
in ``sys.modules`` before py-evm is imported. Their functions load the real module on their first call and run it,
so a process that does use them (a contract verifying a SNARK, stock eth-tester next to a devchain) gets the real
precompiles, only later; any other attribute, or a submodule import, loads the real module too.
"""

from __future__ import annotations

import functools
import importlib
import importlib.util
import os
import sys
import types
from collections.abc import Callable
from typing import Any

# py-evm module -> the functions eth.precompiles imports from it
_DEFERRED = {
    "eth.precompiles.bls12_381": ("bls12_g1_add", "bls12_g1_msm", "bls12_map_fp_to_g1", "bls12_g2_add",
                                  "bls12_g2_msm", "bls12_map_fp2_to_g2", "bls12_pairing_check"),
    "eth.precompiles.ecadd": ("ecadd",),
    "eth.precompiles.ecmul": ("ecmul",),
    "eth.precompiles.ecpairing": ("ecpairing",),
}


class _StandIn(types.ModuleType):
    def __getattr__(self, name: str) -> Any:
        if name.startswith("__"):
            raise AttributeError(name)
        return getattr(_real(self.__name__), name)


def _real(module_name: str) -> types.ModuleType:
    module = sys.modules.get(module_name)
    if isinstance(module, _StandIn):
        del sys.modules[module_name]
        module = importlib.import_module(module_name)
        parent = sys.modules.get("eth.precompiles")
        if parent is not None:
            setattr(parent, module_name.rsplit(".", 1)[1], module)
        # deferred: it imports py-evm, which this module must not do before install()
        from hemi.hvm.slow_precompiles import guard_loaded

        guard_loaded()  # the call deadline inside the pairing and MSM loops of the module just loaded
    assert module is not None
    return module


def _deferred(module_name: str, name: str) -> Callable[..., Any]:
    def precompile(*args: Any, **kwargs: Any) -> Any:
        if not args:
            # py-evm fixes a fork's gas price by partial application (``ecadd(gas_cost=...)``, a toolz curry) when
            # it builds the fork's precompile table: stay deferred until the precompile itself runs
            return functools.partial(precompile, **kwargs)
        return getattr(_real(module_name), name)(*args, **kwargs)

    precompile.__name__ = precompile.__qualname__ = name
    return precompile


def install() -> bool:
    """Put the stand-ins in place; a no-op (False) once py-evm's precompiles are imported or if py-evm is absent."""
    if "eth.precompiles" in sys.modules or any(m in sys.modules for m in _DEFERRED):
        return False
    spec = importlib.util.find_spec("eth")  # a top-level lookup: imports nothing
    if spec is None or not spec.submodule_search_locations:
        return False
    precompiles_dir = os.path.join(list(spec.submodule_search_locations)[0], "precompiles")
    for module_name, names in _DEFERRED.items():
        path = os.path.join(precompiles_dir, module_name.rsplit(".", 1)[1])
        stand_in = _StandIn(module_name, __doc__)
        if os.path.isdir(path):  # a package (bls12_381): submodule imports still find the real files
            stand_in.__path__ = [path]
        elif not os.path.isfile(path + ".py"):
            continue  # another py-evm layout: leave that module as it is
        stand_in.__package__ = module_name if os.path.isdir(path) else "eth.precompiles"
        for name in names:
            setattr(stand_in, name, _deferred(module_name, name))
        sys.modules[module_name] = stand_in
    return True
