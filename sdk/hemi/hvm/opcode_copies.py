"""Build py-evm's fork opcode tables faster: give its plain opcode class a direct ``__deepcopy__``.

Each of py-evm's seventeen forks starts its opcode table from ``copy.deepcopy`` of the previous fork's (about 150
opcodes), and all of them are built when py-evm is imported (Prague's VM subclasses every fork before it). The
generic deep copy of py-evm's plain opcode (``eth.vm.opcode._FastOpcode``: three slots) goes through
``__reduce_ex__`` and rebuilds the slots' state as a tuple and a dict: those copies were about a fifth of py-evm's
import (some 20 ms of CPU in a new process). :func:`install` hooks the import of ``eth.vm.opcode``, which runs before
the first fork table is built, and gives the class a ``__deepcopy__`` that makes the same copy directly: a new opcode
whose logic function, mnemonic and gas cost are deep copies of the original's, as the generic path makes them.

Nothing else changes: the tables hold the same opcodes, the logic functions are the same objects (a function's deep
copy is itself) and a wrapped one (a toolz ``curry``) is copied as before. If py-evm is already imported, or its
layout differs (no ``_FastOpcode`` with those three slots), nothing is patched.
"""

from __future__ import annotations

import copy
import importlib.abc
import importlib.machinery
import sys
import types
from collections.abc import Sequence
from types import ModuleType
from typing import Any

TARGET = "eth.vm.opcode"
_SLOTS = ("logic_fn", "mnemonic", "gas_cost")
_ATOMIC = (str, int, types.FunctionType)  # copy.deepcopy returns values of exactly these types as they are


def _copy(value: Any, memo: dict[int, Any]) -> Any:
    return value if type(value) in _ATOMIC else copy.deepcopy(value, memo)


def _deepcopy(self: Any, memo: dict[int, Any]) -> Any:
    # what the generic path makes, without its detour: a new object, each slot's value deep-copied
    new = object.__new__(type(self))
    memo[id(self)] = new
    new.logic_fn = _copy(self.logic_fn, memo)
    new.mnemonic = _copy(self.mnemonic, memo)
    new.gas_cost = _copy(self.gas_cost, memo)
    if getattr(self, "__dict__", None):  # attributes beyond the slots (py-evm sets none; the class has a __dict__)
        new.__dict__.update(copy.deepcopy(self.__dict__, memo))
    return new


def patch(module: ModuleType) -> bool:
    """Give ``module._FastOpcode`` the direct ``__deepcopy__``; False if the class is not the expected one."""
    cls = getattr(module, "_FastOpcode", None)
    if not isinstance(cls, type) or tuple(getattr(cls, "__slots__", ())) != _SLOTS or "__deepcopy__" in vars(cls):
        return False
    cls.__deepcopy__ = _deepcopy  # type: ignore[attr-defined]
    return True


class _Hook(importlib.abc.MetaPathFinder):
    """Finds ``eth.vm.opcode`` as the path finder does and patches it once executed; then leaves ``sys.meta_path``."""

    def find_spec(self, fullname: str, path: Sequence[str] | None, target: ModuleType | None = None) -> Any:
        if fullname != TARGET:
            return None
        _remove(self)
        spec = importlib.machinery.PathFinder.find_spec(fullname, path)
        loader = getattr(spec, "loader", None)
        if loader is None or not hasattr(loader, "exec_module"):
            return None  # not a plain file on the path: the finders after this one import it unpatched
        run = loader.exec_module

        def exec_module(module: ModuleType) -> None:
            run(module)
            patch(module)

        loader.exec_module = exec_module  # this module's own loader object, made for this spec
        return spec


def _remove(hook: _Hook) -> None:
    try:
        sys.meta_path.remove(hook)
    except ValueError:
        pass


def install() -> bool:
    """Hook the import of ``eth.vm.opcode``; a no-op (False) once py-evm is imported."""
    if "eth" in sys.modules or TARGET in sys.modules:
        return False
    if not any(isinstance(f, _Hook) for f in sys.meta_path):
        sys.meta_path.insert(0, _Hook())
    return True
