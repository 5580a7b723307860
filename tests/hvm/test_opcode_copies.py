"""py-evm's fork opcode tables are copied through hemi.hvm.opcode_copies' direct ``__deepcopy__``, and the copies
are what the generic deep copy makes."""

from __future__ import annotations

import copy
import subprocess
import sys
import textwrap

from eth.vm import opcode
from eth.vm.forks.prague.opcodes import PRAGUE_OPCODES

from hemi.hvm import opcode_copies


def _fields(op):
    fn = op.logic_fn
    return (type(op), op.mnemonic, op.gas_cost, fn if callable(fn) and hasattr(fn, "__code__") else type(fn),
            getattr(fn, "keywords", None), dict(op.__dict__))


def test_the_direct_copy_is_the_generic_copy(monkeypatch):
    plain = {k: v for k, v in PRAGUE_OPCODES.items() if type(v) is opcode._FastOpcode}
    assert len(plain) > 100
    direct = {k: opcode_copies._deepcopy(v, {}) for k, v in plain.items()}
    monkeypatch.delattr(opcode._FastOpcode, "__deepcopy__", raising=False)
    generic = copy.deepcopy(plain)
    for k, v in plain.items():
        assert direct[k] is not v
        assert _fields(direct[k]) == _fields(generic[k]) == _fields(v)


def test_attributes_beyond_the_slots_are_copied_too():
    op = opcode._FastOpcode(len, "X", 3)
    op.note = ["a"]
    new = opcode_copies._deepcopy(op, {})
    assert new.note == ["a"] and new.note is not op.note and (new.mnemonic, new.gas_cost) == ("X", 3)


def test_a_fresh_interpreter_builds_the_tables_through_the_hook_and_drops_it():
    code = """
        import sys, hemi.hvm
        from hemi.hvm import opcode_copies
        hooked = any(isinstance(f, opcode_copies._Hook) for f in sys.meta_path)
        import eth.vm.forks
        from eth.vm import opcode
        left = any(isinstance(f, opcode_copies._Hook) for f in sys.meta_path)
        print(hooked, left, "__deepcopy__" in vars(opcode._FastOpcode), opcode_copies.install())
    """
    proc = subprocess.run([sys.executable, "-c", textwrap.dedent(code)], capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.split() == ["True", "False", "True", "False"]


def test_patch_leaves_an_unexpected_class_alone():
    class Other:
        __slots__ = ("a",)

    module = type(sys)("fake")
    module._FastOpcode = Other
    assert opcode_copies.patch(module) is False and "__deepcopy__" not in vars(Other)
