"""py-evm's simplest opcodes, each as one function: same gas, same stack, same errors, about half the calls.

py-evm runs every opcode through three layers: ``_FastOpcode.__call__`` charges the gas through the computation's
and then the gas meter's ``consume_gas``, then calls the logic function, which pops through the computation's
stack wrappers and a generator (``Stack.pop_ints``) and pushes through a validating ``push_int``. For an ``ADD`` that
is about ten Python calls around one addition. Every Hemi block opens with the L1-attributes deposit (about 740
opcodes through L1Block's proxy), and most of those opcodes are PUSH, DUP, SWAP, POP, JUMP and simple arithmetic.

:func:`fast_table` returns a fork's opcode table with those opcodes replaced by functions that do the same work
directly on the gas meter and the stack's list (and CALLER, ADDRESS, CALLVALUE, CALLDATASIZE and CALLDATALOAD, which
read the message):

- the gas is checked first and charged as py-evm charges it; when it is short, py-evm's own ``consume_gas`` raises
  the same ``OutOfGas``;
- values keep py-evm's types on the stack: PUSHn pushes the bytes read from the code (zero-padded at the end of the
  code, PUSH0 an empty byte string), arithmetic pushes ints, DUP and SWAP move whatever is there;
- a short stack raises py-evm's ``InsufficientStack`` with py-evm's message and pops nothing; a full one raises
  ``FullStack``;
- JUMP and JUMPI check the destination as py-evm does (``InvalidJumpDestination``, then ``InvalidInstruction``);
- a value that is neither an exact int nor exact bytes (an int subclass such as a caller's IntEnum message value)
  goes through py-evm's own ``to_int``.

The one thing left out is py-evm's DEBUG2 log line per gas charge; while that logging is on when a table is made,
:func:`fast_table` returns py-evm's table unchanged.

Only opcodes whose table entry is py-evm's own ``_FastOpcode`` around the exact logic function named here are
replaced, so a fork that changes one keeps its version (and a py-evm without that class keeps its whole table).
``tests/hvm/test_fast_opcodes.py`` runs random programs through both tables and compares gas, stack (values and
types), memory, output and errors.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from eth.exceptions import FullStack, InsufficientStack, InvalidInstruction, InvalidJumpDestination
from eth.vm import opcode as _opcode
from eth.vm.gas_meter import GasMeter
from eth.vm.logic import arithmetic, comparison, context, duplication, flow, swap
from eth.vm.logic import stack as stack_logic
from eth.vm.stack import to_int

_FAST_OPCODE = getattr(_opcode, "_FastOpcode", None)  # py-evm's class of a plain opcode (a private name)
_MAX = (1 << 256) - 1
_JUMPDEST = 0x5B
_STACK_LIMIT = 1024

OpFn = Callable[[Any], None]


def _int(v: int | bytes) -> int:
    """py-evm's ``to_int``, the two common cases first (an int subclass, from a caller's message value say, is kept
    as it is, as py-evm keeps it)."""
    if v.__class__ is int:
        return v
    if v.__class__ is bytes:
        return int.from_bytes(v, "big")
    return to_int(v)


# Each factory returns one function that charges the gas and does the work itself: the opcode is one Python call.
# A short gas meter goes to py-evm's own consume_gas, which raises OutOfGas with py-evm's message.


def _binary(cost: int, mnemonic: str, fn: Callable[[int, int], int]) -> OpFn:
    """``fn(top, second)``, as py-evm's ``left, right = stack_pop_ints(2)``."""

    def op(computation: Any) -> None:
        meter = computation._gas_meter
        if meter.gas_remaining < cost:
            computation.consume_gas(cost, mnemonic)
            return
        meter.gas_remaining -= cost
        values = computation._stack.values
        if len(values) < 2:
            raise InsufficientStack(f"Wanted 2 stack items, only had {len(values)}")
        a = values.pop()
        b = values[-1]
        # _int inlined for both operands: PUSH leaves bytes, so most binary opcodes convert one
        values[-1] = fn(a if a.__class__ is int else int.from_bytes(a, "big") if a.__class__ is bytes else to_int(a),
                        b if b.__class__ is int else int.from_bytes(b, "big") if b.__class__ is bytes else to_int(b))

    return op


def _unary(cost: int, mnemonic: str, fn: Callable[[int], int]) -> OpFn:
    def op(computation: Any) -> None:
        meter = computation._gas_meter
        if meter.gas_remaining < cost:
            computation.consume_gas(cost, mnemonic)
            return
        meter.gas_remaining -= cost
        values = computation._stack.values
        if not values:
            raise InsufficientStack("Wanted 1 stack item, had none")
        a = values[-1]
        values[-1] = fn(a if a.__class__ is int else int.from_bytes(a, "big") if a.__class__ is bytes else to_int(a))

    return op


def _pop(cost: int, mnemonic: str) -> OpFn:
    def op(computation: Any) -> None:
        meter = computation._gas_meter
        if meter.gas_remaining < cost:
            computation.consume_gas(cost, mnemonic)
            return
        meter.gas_remaining -= cost
        values = computation._stack.values
        if not values:
            raise InsufficientStack("Wanted 1 stack item, had none")
        values.pop()

    return op


def _jumpdest(cost: int, mnemonic: str) -> OpFn:
    def op(computation: Any) -> None:
        meter = computation._gas_meter
        if meter.gas_remaining < cost:
            computation.consume_gas(cost, mnemonic)
            return
        meter.gas_remaining -= cost

    return op


def _dup(cost: int, mnemonic: str, n: int) -> OpFn:
    def op(computation: Any) -> None:
        meter = computation._gas_meter
        if meter.gas_remaining < cost:
            computation.consume_gas(cost, mnemonic)
            return
        meter.gas_remaining -= cost
        values = computation._stack.values
        if len(values) >= _STACK_LIMIT:
            raise FullStack("Stack limit reached")
        if len(values) < n:
            raise InsufficientStack(f"Insufficient stack items for DUP{n}")
        values.append(values[-n])

    return op


def _swap(cost: int, mnemonic: str, n: int) -> OpFn:
    def op(computation: Any) -> None:
        meter = computation._gas_meter
        if meter.gas_remaining < cost:
            computation.consume_gas(cost, mnemonic)
            return
        meter.gas_remaining -= cost
        values = computation._stack.values
        if len(values) <= n:
            raise InsufficientStack(f"Insufficient stack items for SWAP{n}")
        values[-1], values[-1 - n] = values[-1 - n], values[-1]

    return op


def _shl(shift: int, value: int) -> int:
    return 0 if shift >= 256 else (value << shift) & _MAX


def _shr(shift: int, value: int) -> int:
    return 0 if shift >= 256 else value >> shift


def _div(num: int, den: int) -> int:
    return 0 if den == 0 else num // den


def _byte(position: int, value: int) -> int:
    return 0 if position >= 32 else (value >> (8 * (31 - position))) & 0xFF


_BINARY: dict[Callable, Callable[[int, int], int]] = {
    arithmetic.add: lambda a, b: (a + b) & _MAX,
    arithmetic.sub: lambda a, b: (a - b) & _MAX,
    arithmetic.mul: lambda a, b: (a * b) & _MAX,
    arithmetic.div: _div,
    arithmetic.shl: _shl,
    arithmetic.shr: _shr,
    comparison.lt: lambda a, b: 1 if a < b else 0,
    comparison.gt: lambda a, b: 1 if a > b else 0,
    comparison.eq: lambda a, b: 1 if a == b else 0,
    comparison.and_op: lambda a, b: a & b,
    comparison.or_op: lambda a, b: a | b,
    comparison.xor: lambda a, b: a ^ b,
    comparison.byte_op: _byte,
}

_UNARY: dict[Callable, Callable[[int], int]] = {
    comparison.iszero: lambda a: 1 if a == 0 else 0,
    comparison.not_op: lambda a: _MAX - a,
}


def _push(size: int, cost: int, mnemonic: str) -> OpFn:
    def op(computation: Any) -> None:
        meter = computation._gas_meter
        if meter.gas_remaining < cost:
            computation.consume_gas(cost, mnemonic)
            return
        meter.gas_remaining -= cost
        code = computation.code
        pc = code.program_counter
        raw = code._raw_code_bytes[pc:pc + size]
        code.program_counter = pc + size
        values = computation._stack.values
        if len(values) >= _STACK_LIMIT:
            raise FullStack("Stack limit reached")
        values.append(raw if len(raw) == size else raw.ljust(size, b"\x00"))

    return op


def _jump_to(code: Any, dest: int) -> None:
    code.program_counter = dest
    if code.peek() != _JUMPDEST:
        raise InvalidJumpDestination("Invalid Jump Destination")
    if not code.is_valid_opcode(dest):
        raise InvalidInstruction("Jump resulted in invalid instruction")


def _jump(cost: int, mnemonic: str) -> OpFn:
    def op(computation: Any) -> None:
        meter = computation._gas_meter
        if meter.gas_remaining < cost:
            computation.consume_gas(cost, mnemonic)
            return
        meter.gas_remaining -= cost
        values = computation._stack.values
        if not values:
            raise InsufficientStack("Wanted 1 stack item, had none")
        _jump_to(computation.code, _int(values.pop()))

    return op


def _jumpi(cost: int, mnemonic: str) -> OpFn:
    def op(computation: Any) -> None:
        meter = computation._gas_meter
        if meter.gas_remaining < cost:
            computation.consume_gas(cost, mnemonic)
            return
        meter.gas_remaining -= cost
        values = computation._stack.values
        if len(values) < 2:
            raise InsufficientStack(f"Wanted 2 stack items, only had {len(values)}")
        dest = values.pop()
        check = values.pop()
        if _int(check):
            _jump_to(computation.code, _int(dest))

    return op


def _pushing(cost: int, mnemonic: str, value: Callable[[Any], int | bytes]) -> OpFn:
    """An opcode that pushes ``value(computation)``: CALLER, ADDRESS (bytes), CALLVALUE, CALLDATASIZE (ints)."""

    def op(computation: Any) -> None:
        meter = computation._gas_meter
        if meter.gas_remaining < cost:
            computation.consume_gas(cost, mnemonic)
            return
        meter.gas_remaining -= cost
        values = computation._stack.values
        if len(values) >= _STACK_LIMIT:
            raise FullStack("Stack limit reached")
        values.append(value(computation))

    return op


def _calldataload(cost: int, mnemonic: str) -> OpFn:
    def op(computation: Any) -> None:
        meter = computation._gas_meter
        if meter.gas_remaining < cost:
            computation.consume_gas(cost, mnemonic)
            return
        meter.gas_remaining -= cost
        values = computation._stack.values
        if not values:
            raise InsufficientStack("Wanted 1 stack item, had none")
        start = _int(values[-1])
        data = computation.msg.data
        if data.__class__ is not bytes:  # py-evm slices bytes(data): a memoryview's items may be wider than a byte
            data = bytes(data)
        # py-evm's: 32 bytes from ``start``, zero-padded, pushed with its leading zeros stripped
        values[-1] = data[start:start + 32].ljust(32, b"\x00").lstrip(b"\x00")

    return op


_PUSHED: dict[Callable, Callable[[Any], int | bytes]] = {
    context.caller: lambda c: c.msg.sender,
    context.address: lambda c: c.msg.storage_address,
    context.callvalue: lambda c: c.msg.value,
    context.calldatasize: lambda c: len(c.msg.data),
}


def _replacement(fn: Any) -> OpFn | None:
    """The fast version of one py-evm table entry, or None to keep py-evm's."""
    if _FAST_OPCODE is None or type(fn) is not _FAST_OPCODE:
        return None
    logic, cost, mnemonic = fn.logic_fn, fn.gas_cost, fn.mnemonic
    if logic in _BINARY:
        return _binary(cost, mnemonic, _BINARY[logic])
    if logic in _UNARY:
        return _unary(cost, mnemonic, _UNARY[logic])
    if logic in _PUSHED:
        return _pushing(cost, mnemonic, _PUSHED[logic])
    if logic is context.calldataload:
        return _calldataload(cost, mnemonic)
    if logic is stack_logic.pop:
        return _pop(cost, mnemonic)
    if logic is flow.jumpdest:
        return _jumpdest(cost, mnemonic)
    if logic is flow.jump:
        return _jump(cost, mnemonic)
    if logic is flow.jumpi:
        return _jumpi(cost, mnemonic)
    for n in range(33):
        if logic is getattr(stack_logic, f"push{n}", None):
            return _push(n, cost, mnemonic)
    for n in range(1, 17):
        if logic is getattr(duplication, f"dup{n}", None):
            return _dup(cost, mnemonic, n)
        if logic is getattr(swap, f"swap{n}", None):
            return _swap(cost, mnemonic, n)
    return None


def fast_table(opcodes: Mapping[int, Any]) -> dict[int, Any]:
    """``opcodes`` (a py-evm computation class's table) with the opcodes this module knows replaced; unchanged while
    py-evm's gas meter logs at DEBUG2 (the replaced opcodes charge the meter directly, without its log line), so a
    devchain made with that logging on writes every line py-evm writes."""
    table = dict(opcodes)
    if GasMeter.logger.show_debug2:
        return table
    for op, fn in opcodes.items():
        fast = _replacement(fn)
        if fast is not None:
            fast.mnemonic = fn.mnemonic  # type: ignore[attr-defined]  # py-evm's debug log and the tracers read it
            fast.gas_cost = fn.gas_cost  # type: ignore[attr-defined]
            table[op] = fast
    return table
