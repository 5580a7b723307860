"""Script parsing primitives as Bitcoin Core defines them: opcodes, ``GetOp``, script numbers, minimal pushes,
push-only and witness-program tests, ``FindAndDelete``.

Source: bitcoin/bitcoin v26.0 src/script/script.h and script.cpp.
"""

from __future__ import annotations

from collections.abc import Iterator

OP_0, OP_PUSHDATA1, OP_PUSHDATA2, OP_PUSHDATA4, OP_1NEGATE, OP_RESERVED = 0x00, 0x4C, 0x4D, 0x4E, 0x4F, 0x50
OP_1, OP_16 = 0x51, 0x60
OP_IF, OP_NOTIF, OP_ENDIF = 0x63, 0x64, 0x68
OP_EQUAL, OP_HASH160, OP_CODESEPARATOR = 0x87, 0xA9, 0xAB
OP_CHECKSIG, OP_CHECKMULTISIG, OP_CHECKSIGADD = 0xAC, 0xAE, 0xBA
INVALID_OPCODE = 0xFF

MAX_SCRIPT_ELEMENT_SIZE = 520
MAX_OPS_PER_SCRIPT = 201
MAX_PUBKEYS_PER_MULTISIG = 20
MAX_SCRIPT_SIZE = 10_000
MAX_STACK_SIZE = 1000
LOCKTIME_THRESHOLD = 500_000_000
SEQUENCE_FINAL = 0xFFFFFFFF
SEQUENCE_LOCKTIME_DISABLE_FLAG = 1 << 31
SEQUENCE_LOCKTIME_TYPE_FLAG = 1 << 22
SEQUENCE_LOCKTIME_MASK = 0x0000FFFF


class ParseError(Exception):
    """Truncated push: Core's GetOp returns false (reported as BAD_OPCODE)."""


class ScriptNumError(Exception):
    """Core's scriptnum_error (overflow or non-minimal); EvalScript reports it as UNKNOWN_ERROR."""


def iter_ops(script: bytes, start: int = 0) -> Iterator[tuple[int, bytes | None, int]]:
    """(opcode, pushed data or None, position after the op); raises ParseError where GetOp would fail."""
    pc, end = start, len(script)
    while pc < end:
        op = script[pc]
        pc += 1
        data = None
        if op <= OP_PUSHDATA4:
            if op < OP_PUSHDATA1:
                size = op
            elif op == OP_PUSHDATA1:
                if end - pc < 1:
                    raise ParseError
                size = script[pc]
                pc += 1
            elif op == OP_PUSHDATA2:
                if end - pc < 2:
                    raise ParseError
                size = int.from_bytes(script[pc:pc + 2], "little")
                pc += 2
            else:
                if end - pc < 4:
                    raise ParseError
                size = int.from_bytes(script[pc:pc + 4], "little")
                pc += 4
            if end - pc < size:
                raise ParseError
            data = script[pc:pc + size]
            pc += size
        yield op, data, pc


def is_push_only(script: bytes) -> bool:
    """Core's ``CScript::IsPushOnly``: every op parses and is at most OP_16 (OP_RESERVED counts as a push)."""
    try:
        return all(op <= OP_16 for op, _, _ in iter_ops(script))
    except ParseError:
        return False


def is_p2sh(script: bytes) -> bool:
    return len(script) == 23 and script[0] == OP_HASH160 and script[1] == 0x14 and script[22] == OP_EQUAL


def witness_program(script: bytes) -> tuple[int, bytes] | None:
    """(version, program) if ``script`` is a witness program (Core's ``IsWitnessProgram``), else None."""
    n = len(script)
    if n < 4 or n > 42:
        return None
    if script[0] != OP_0 and not OP_1 <= script[0] <= OP_16:
        return None
    if script[1] + 2 != n:
        return None
    return (0 if script[0] == OP_0 else script[0] - (OP_1 - 1)), script[2:]


def decode_num(data: bytes, require_minimal: bool, max_size: int = 4) -> int:
    """CScriptNum from stack bytes (little-endian sign-magnitude), with Core's size and minimality checks."""
    if len(data) > max_size:
        raise ScriptNumError("script number overflow")
    if not data:
        return 0
    if require_minimal and data[-1] & 0x7F == 0 and (len(data) <= 1 or data[-2] & 0x80 == 0):
        raise ScriptNumError("non-minimally encoded script number")
    value = int.from_bytes(data, "little")
    if data[-1] & 0x80:
        return -(value & ~(0x80 << (8 * (len(data) - 1))))
    return value


def encode_num(value: int) -> bytes:
    """CScriptNum::serialize (minimal encoding; results of arithmetic may exceed four bytes)."""
    if value == 0:
        return b""
    neg, mag = value < 0, abs(value)
    out = bytearray()
    while mag:
        out.append(mag & 0xFF)
        mag >>= 8
    if out[-1] & 0x80:
        out.append(0x80 if neg else 0x00)
    elif neg:
        out[-1] |= 0x80
    return bytes(out)


def clamp_int32(value: int) -> int:
    """CScriptNum::getint()."""
    return max(-(2**31), min(2**31 - 1, value))


def cast_to_bool(data: bytes) -> bool:
    """Any non-zero byte is true, except a lone sign bit in the last byte (negative zero)."""
    for i, b in enumerate(data):
        if b:
            return not (i == len(data) - 1 and b == 0x80)
    return False


def is_minimal_push(data: bytes, opcode: int) -> bool:
    """Core's ``CheckMinimalPush``."""
    n = len(data)
    if n == 0:
        return opcode == OP_0
    if n == 1 and 1 <= data[0] <= 16:
        return opcode == OP_1 + data[0] - 1
    if n == 1 and data[0] == 0x81:
        return opcode == OP_1NEGATE
    if n <= 75:
        return opcode == n
    if n <= 255:
        return opcode == OP_PUSHDATA1
    if n <= 65535:
        return opcode == OP_PUSHDATA2
    return True


def push_data(data: bytes) -> bytes:
    """``CScript() << data``: the push a signature has when FindAndDelete looks for it."""
    n = len(data)
    if n < OP_PUSHDATA1:
        return bytes([n]) + data
    if n <= 0xFF:
        return bytes([OP_PUSHDATA1, n]) + data
    if n <= 0xFFFF:
        return bytes([OP_PUSHDATA2]) + n.to_bytes(2, "little") + data
    return bytes([OP_PUSHDATA4]) + n.to_bytes(4, "little") + data


def find_and_delete(script: bytes, pattern: bytes) -> tuple[bytes, int]:
    """Core's ``FindAndDelete``: drop every occurrence of ``pattern`` starting at an op boundary."""
    if not pattern:
        return script, 0
    found, out, pc, kept_from, end, plen = 0, bytearray(), 0, 0, len(script), len(pattern)
    ops = iter_ops(script)
    while True:
        out += script[kept_from:pc]
        while end - pc >= plen and script[pc:pc + plen] == pattern:
            pc += plen
            found += 1
        kept_from = pc
        if pc >= end:
            break
        try:
            ops = iter_ops(script, pc)
            _, _, pc = next(ops)
        except (ParseError, StopIteration):
            break
    if not found:
        return script, 0
    out += script[kept_from:]
    return bytes(out), found


def is_op_success(opcode: int) -> bool:
    """BIP 342 OP_SUCCESSx opcodes."""
    return (opcode == 80 or opcode == 98 or 126 <= opcode <= 129 or 131 <= opcode <= 134 or 137 <= opcode <= 138
            or 141 <= opcode <= 142 or 149 <= opcode <= 153 or 187 <= opcode <= 254)
