"""``eval_script``: one script run on a stack, opcode by opcode, with Bitcoin Core's rules and errors for legacy,
segwit v0 and tapscript execution.

Source: bitcoin/bitcoin v26.0 src/script/interpreter.cpp ``EvalScript``. Stack items are ``bytes``; failures raise
:class:`hemi.errors.ScriptVerifyError` carrying Core's error name.
"""

from __future__ import annotations

import hashlib

from hemi.btc.interpreter import scriptops as O
from hemi.btc.interpreter.checker import BASE, TAPSCRIPT, WITNESS_V0, ExecData, TxChecker
from hemi.btc.interpreter.errors import fail
from hemi.btc.interpreter.sigops import eval_checksig, op_checkmultisig
from hemi.btc.keys import hash160

TRUE, FALSE = b"\x01", b""

_DISABLED = frozenset({0x7E, 0x7F, 0x80, 0x81, 0x83, 0x84, 0x85, 0x86, 0x8D, 0x8E, 0x95, 0x96, 0x97, 0x98, 0x99})
_UPGRADABLE_NOPS = frozenset({0xB0, 0xB3, 0xB4, 0xB5, 0xB6, 0xB7, 0xB8, 0xB9})
# stack-shape opcodes: how many items each needs
_NEEDS = {0x6D: 2, 0x6E: 2, 0x6F: 3, 0x70: 4, 0x71: 6, 0x72: 4, 0x73: 1, 0x75: 1, 0x76: 1, 0x77: 2, 0x78: 2,
          0x7B: 3, 0x7C: 2, 0x7D: 2, 0x82: 1, 0x87: 2, 0x88: 2, 0x8B: 1, 0x8C: 1, 0x8F: 1, 0x90: 1, 0x91: 1,
          0x92: 1, 0x93: 2, 0x94: 2, 0x9A: 2, 0x9B: 2, 0x9C: 2, 0x9D: 2, 0x9E: 2, 0x9F: 2, 0xA0: 2, 0xA1: 2,
          0xA2: 2, 0xA3: 2, 0xA4: 2, 0xA5: 3, 0xA6: 1, 0xA7: 1, 0xA8: 1, 0xA9: 1, 0xAA: 1, 0xAC: 2, 0xAD: 2,
          0xBA: 3}


def _stack_op(op: int, st: list) -> None:
    """Opcodes that only rearrange the main stack (their item counts already checked)."""
    if op == 0x6D:  # 2DROP
        del st[-2:]
    elif op == 0x6E:  # 2DUP
        st.extend(st[-2:])
    elif op == 0x6F:  # 3DUP
        st.extend(st[-3:])
    elif op == 0x70:  # 2OVER
        st.extend(st[-4:-2])
    elif op == 0x71:  # 2ROT
        moved = st[-6:-4]
        del st[-6:-4]
        st.extend(moved)
    elif op == 0x72:  # 2SWAP
        st[-4:] = st[-2:] + st[-4:-2]
    elif op == 0x73:  # IFDUP
        if O.cast_to_bool(st[-1]):
            st.append(st[-1])
    elif op == 0x75:  # DROP
        st.pop()
    elif op == 0x76:  # DUP
        st.append(st[-1])
    elif op == 0x77:  # NIP
        del st[-2]
    elif op == 0x78:  # OVER
        st.append(st[-2])
    elif op == 0x7B:  # ROT
        st.append(st.pop(-3))
    elif op == 0x7C:  # SWAP
        st[-2], st[-1] = st[-1], st[-2]
    elif op == 0x7D:  # TUCK
        st.insert(-2, st[-1])
    elif op == 0x82:  # SIZE
        st.append(O.encode_num(len(st[-1])))


def _arith(op: int, st: list, minimal: bool) -> None:
    """Numeric opcodes; operands are at most four bytes (Core's CScriptNum default)."""
    if op in (0x8B, 0x8C, 0x8F, 0x90, 0x91, 0x92):
        a = O.decode_num(st[-1], minimal)
        if op == 0x8B:
            r = a + 1
        elif op == 0x8C:
            r = a - 1
        elif op == 0x8F:
            r = -a
        elif op == 0x90:
            r = abs(a)
        elif op == 0x91:
            r = int(a == 0)
        else:
            r = int(a != 0)
        st[-1] = O.encode_num(r)
        return
    if op == 0xA5:  # WITHIN: min <= x < max
        x, lo, hi = (O.decode_num(v, minimal) for v in st[-3:])
        del st[-3:]
        st.append(TRUE if lo <= x < hi else FALSE)
        return
    a, b = O.decode_num(st[-2], minimal), O.decode_num(st[-1], minimal)
    results = {
        0x93: lambda: a + b, 0x94: lambda: a - b, 0x9A: lambda: int(a != 0 and b != 0),
        0x9B: lambda: int(a != 0 or b != 0), 0x9C: lambda: int(a == b), 0x9D: lambda: int(a == b),
        0x9E: lambda: int(a != b), 0x9F: lambda: int(a < b), 0xA0: lambda: int(a > b), 0xA1: lambda: int(a <= b),
        0xA2: lambda: int(a >= b), 0xA3: lambda: min(a, b), 0xA4: lambda: max(a, b),
    }
    r = results[op]()
    del st[-2:]
    if op == 0x9D:  # NUMEQUALVERIFY
        if not r:
            fail("NUMEQUALVERIFY")
        return
    st.append(O.encode_num(r))


def _hash(op: int, data: bytes) -> bytes:
    if op == 0xA6:
        return hashlib.new("ripemd160", data).digest()
    if op == 0xA7:
        return hashlib.sha1(data).digest()
    if op == 0xA8:
        return hashlib.sha256(data).digest()
    if op == 0xA9:
        return hash160(data)
    return hashlib.sha256(hashlib.sha256(data).digest()).digest()


def _if_condition(value: bytes, flags: frozenset, sigversion: int) -> bool:
    if sigversion == TAPSCRIPT:  # BIP 342 makes MINIMALIF consensus
        if len(value) > 1 or (len(value) == 1 and value[0] != 1):
            fail("TAPSCRIPT_MINIMALIF")
    elif sigversion == WITNESS_V0 and "MINIMALIF" in flags:
        if len(value) > 1 or (len(value) == 1 and value[0] != 1):
            fail("MINIMALIF")
    return O.cast_to_bool(value)


def eval_script(stack: list, script: bytes, flags: frozenset, checker: TxChecker, sigversion: int,
                execdata: ExecData) -> None:
    """Run ``script`` on ``stack`` (modified in place); raises ScriptVerifyError on failure."""
    if sigversion in (BASE, WITNESS_V0) and len(script) > O.MAX_SCRIPT_SIZE:
        fail("SCRIPT_SIZE")
    minimal = "MINIMALDATA" in flags
    altstack: list = []
    exec_stack: list[bool] = []
    op_count = 0
    code_start = 0  # position after the last executed OP_CODESEPARATOR
    execdata.codesep_pos = 0xFFFFFFFF
    ops = O.iter_ops(script)
    opcode_pos = -1
    try:
        while True:
            try:
                op, data, pc = next(ops)
            except StopIteration:
                break
            except O.ParseError:
                fail("BAD_OPCODE")
            opcode_pos += 1
            executing = all(exec_stack)
            if data is not None and len(data) > O.MAX_SCRIPT_ELEMENT_SIZE:
                fail("PUSH_SIZE")
            if sigversion in (BASE, WITNESS_V0) and op > O.OP_16:
                op_count += 1
                if op_count > O.MAX_OPS_PER_SCRIPT:
                    fail("OP_COUNT")
            if op in _DISABLED:  # even in an unexecuted branch (CVE-2010-5137)
                fail("DISABLED_OPCODE")
            if op == O.OP_CODESEPARATOR and sigversion == BASE and "CONST_SCRIPTCODE" in flags:
                fail("OP_CODESEPARATOR")
            if executing and op <= O.OP_PUSHDATA4:
                assert data is not None, "iter_ops yields the pushed bytes of every push opcode"
                if minimal and not O.is_minimal_push(data, op):
                    fail("MINIMALDATA")
                stack.append(data)
            elif executing or O.OP_IF <= op <= O.OP_ENDIF:
                op_count = _execute(op, stack, altstack, exec_stack, executing, script, pc, code_start, flags,
                                    checker, sigversion, execdata, op_count, opcode_pos)
                if op == O.OP_CODESEPARATOR:
                    code_start = pc
            if len(stack) + len(altstack) > O.MAX_STACK_SIZE:
                fail("STACK_SIZE")
    except O.ScriptNumError:
        fail("UNKNOWN_ERROR")
    if exec_stack:
        fail("UNBALANCED_CONDITIONAL")


def _execute(op: int, st: list, alt: list, exec_stack: list, executing: bool, script: bytes, pc: int,
             code_start: int, flags: frozenset, checker: TxChecker, sigversion: int, execdata: ExecData,
             op_count: int, opcode_pos: int) -> int:
    """One non-push opcode (flow control also when not executing); returns the updated opcode count."""
    minimal = "MINIMALDATA" in flags
    need = _NEEDS.get(op)
    if need is not None and len(st) < need:
        if op == 0xBA and sigversion in (BASE, WITNESS_V0):
            fail("BAD_OPCODE")
        fail("INVALID_STACK_OPERATION")
    if op == O.OP_1NEGATE or O.OP_1 <= op <= O.OP_16:
        st.append(O.encode_num(op - (O.OP_1 - 1)))
    elif op == 0x61:  # NOP
        pass
    elif op == 0xB1 and "CHECKLOCKTIMEVERIFY" in flags:
        if not st:
            fail("INVALID_STACK_OPERATION")
        # five bytes: lock times reach 2^39 - 1 although arithmetic stops at four
        lock = O.decode_num(st[-1], minimal, 5)
        if lock < 0:
            fail("NEGATIVE_LOCKTIME")
        if not checker.check_locktime(lock):
            fail("UNSATISFIED_LOCKTIME")
    elif op == 0xB2 and "CHECKSEQUENCEVERIFY" in flags:
        if not st:
            fail("INVALID_STACK_OPERATION")
        seq = O.decode_num(st[-1], minimal, 5)
        if seq < 0:
            fail("NEGATIVE_LOCKTIME")
        if not seq & O.SEQUENCE_LOCKTIME_DISABLE_FLAG and not checker.check_sequence(seq):
            fail("UNSATISFIED_LOCKTIME")
    elif op in _UPGRADABLE_NOPS or op in (0xB1, 0xB2):
        if "DISCOURAGE_UPGRADABLE_NOPS" in flags:
            fail("DISCOURAGE_UPGRADABLE_NOPS")
    elif op in (O.OP_IF, O.OP_NOTIF):
        value = False
        if executing:
            if not st:
                fail("UNBALANCED_CONDITIONAL")
            value = _if_condition(st[-1], flags, sigversion)
            if op == O.OP_NOTIF:
                value = not value
            st.pop()
        exec_stack.append(value)
    elif op == 0x67:  # ELSE
        if not exec_stack:
            fail("UNBALANCED_CONDITIONAL")
        exec_stack[-1] = not exec_stack[-1]
    elif op == O.OP_ENDIF:
        if not exec_stack:
            fail("UNBALANCED_CONDITIONAL")
        exec_stack.pop()
    elif op == 0x69:  # VERIFY
        if not st:
            fail("INVALID_STACK_OPERATION")
        if not O.cast_to_bool(st[-1]):
            fail("VERIFY")
        st.pop()
    elif op == 0x6A:
        fail("OP_RETURN")
    elif op == 0x6B:  # TOALTSTACK
        if not st:
            fail("INVALID_STACK_OPERATION")
        alt.append(st.pop())
    elif op == 0x6C:  # FROMALTSTACK
        if not alt:
            fail("INVALID_ALTSTACK_OPERATION")
        st.append(alt.pop())
    elif op == 0x74:  # DEPTH
        st.append(O.encode_num(len(st)))
    elif op in (0x79, 0x7A):  # PICK, ROLL
        if len(st) < 2:
            fail("INVALID_STACK_OPERATION")
        n = O.clamp_int32(O.decode_num(st[-1], minimal))
        st.pop()
        if n < 0 or n >= len(st):
            fail("INVALID_STACK_OPERATION")
        item = st[-n - 1]
        if op == 0x7A:
            del st[-n - 1]
        st.append(item)
    elif op in (0x87, 0x88):  # EQUAL, EQUALVERIFY
        equal = st[-2] == st[-1]
        del st[-2:]
        if op == 0x88:
            if not equal:
                fail("EQUALVERIFY")
        else:
            st.append(TRUE if equal else FALSE)
    elif 0x8B <= op <= 0xA5:
        _arith(op, st, minimal)
    elif 0xA6 <= op <= 0xAA:
        st[-1] = _hash(op, st[-1])
    elif op == O.OP_CODESEPARATOR:
        execdata.codesep_pos = opcode_pos
    elif op in (0xAC, 0xAD):  # CHECKSIG(VERIFY)
        ok = eval_checksig(st[-2], st[-1], script[code_start:], flags, checker, sigversion, execdata)
        del st[-2:]
        if op == 0xAD:
            if not ok:
                fail("CHECKSIGVERIFY")
        else:
            st.append(TRUE if ok else FALSE)
    elif op == O.OP_CHECKSIGADD:
        if sigversion in (BASE, WITNESS_V0):
            fail("BAD_OPCODE")
        num = O.decode_num(st[-2], minimal)
        ok = eval_checksig(st[-3], st[-1], b"", flags, checker, sigversion, execdata)
        del st[-3:]
        st.append(O.encode_num(num + (1 if ok else 0)))
    elif op in (0xAE, 0xAF):
        op_count = op_checkmultisig(st, script[code_start:], flags, checker, sigversion, op_count, op == 0xAF)
    elif need is not None:
        _stack_op(op, st)
    else:
        fail("BAD_OPCODE")
    return op_count
