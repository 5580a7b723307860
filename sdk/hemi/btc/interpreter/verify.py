"""``verify_script``: scriptSig + scriptPubKey (+ P2SH redeem script) + witness program (segwit v0, taproot key
path and script path with BIP 342 tapscript), as Bitcoin Core's ``VerifyScript`` decides.

Source: bitcoin/bitcoin v26.0 src/script/interpreter.cpp ``VerifyScript``, ``VerifyWitnessProgram``,
``ExecuteWitnessScript``, ``VerifyTaprootCommitment``.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence

import coincurve

from hemi.btc.interpreter import scriptops as O
from hemi.btc.interpreter.checker import BASE, TAPROOT, TAPSCRIPT, WITNESS_V0, ExecData, TxChecker
from hemi.btc.interpreter.errors import fail
from hemi.btc.interpreter.evaluate import eval_script
from hemi.btc.keys import tagged_hash

ANNEX_TAG = 0x50
TAPROOT_LEAF_MASK = 0xFE
TAPROOT_LEAF_TAPSCRIPT = 0xC0
CONTROL_BASE_SIZE, CONTROL_NODE_SIZE, CONTROL_MAX_NODES = 33, 32, 128
VALIDATION_WEIGHT_OFFSET = 50


def _compact_size(n: int) -> bytes:
    if n < 0xFD:
        return bytes([n])
    if n <= 0xFFFF:
        return b"\xfd" + n.to_bytes(2, "little")
    if n <= 0xFFFFFFFF:
        return b"\xfe" + n.to_bytes(4, "little")
    return b"\xff" + n.to_bytes(8, "little")


def tapleaf_hash(leaf_version: int, script: bytes) -> bytes:
    """BIP 341 TapLeaf hash of a script with its leaf version (0xc0 for tapscript)."""
    return tagged_hash("TapLeaf", bytes([leaf_version]) + _compact_size(len(script)) + script)


def tapbranch_hash(a: bytes, b: bytes) -> bytes:
    return tagged_hash("TapBranch", min(a, b) + max(a, b))


def taproot_tweak_pubkey(internal_key: bytes, merkle_root: bytes) -> tuple[bytes, int]:
    """(x-only output key, y parity) for ``internal_key`` tweaked with ``merkle_root`` (b"" for key path only)."""
    tweak = tagged_hash("TapTweak", internal_key + merkle_root)
    point = coincurve.PublicKey(b"\x02" + internal_key).add(tweak)
    full = point.format(compressed=True)
    return full[1:], full[0] & 1


def _verify_commitment(control: bytes, program: bytes, leaf: bytes) -> bool:
    k = leaf
    for i in range((len(control) - CONTROL_BASE_SIZE) // CONTROL_NODE_SIZE):
        node = control[CONTROL_BASE_SIZE + CONTROL_NODE_SIZE * i:CONTROL_BASE_SIZE + CONTROL_NODE_SIZE * (i + 1)]
        k = tapbranch_hash(k, node)
    try:
        output, parity = taproot_tweak_pubkey(control[1:33], k)
    except (ValueError, TypeError):  # internal key not on the curve, or tweak out of range
        return False
    return output == program and parity == control[0] & 1


def _execute_witness_script(stack: list, script: bytes, flags: frozenset, sigversion: int, checker: TxChecker,
                            execdata: ExecData) -> None:
    if sigversion == TAPSCRIPT:
        # OP_SUCCESSx anywhere makes the spend valid before anything else (BIP 342), unless the script misparses
        try:
            for op, _, _ in O.iter_ops(script):
                if O.is_op_success(op):
                    if "DISCOURAGE_OP_SUCCESS" in flags:
                        fail("DISCOURAGE_OP_SUCCESS")
                    return
        except O.ParseError:
            fail("BAD_OPCODE")
        if len(stack) > O.MAX_STACK_SIZE:
            fail("STACK_SIZE")
    if any(len(item) > O.MAX_SCRIPT_ELEMENT_SIZE for item in stack):
        fail("PUSH_SIZE")
    eval_script(stack, script, flags, checker, sigversion, execdata)
    if len(stack) != 1:
        fail("CLEANSTACK")
    if not O.cast_to_bool(stack[-1]):
        fail("EVAL_FALSE")


def _verify_witness_program(witness: Sequence[bytes], version: int, program: bytes, flags: frozenset,
                            checker: TxChecker, is_p2sh: bool) -> None:
    stack = list(witness)
    execdata = ExecData()
    if version == 0:
        if len(program) == 32:
            if not stack:
                fail("WITNESS_PROGRAM_WITNESS_EMPTY")
            script = stack.pop()
            if hashlib.sha256(script).digest() != program:
                fail("WITNESS_PROGRAM_MISMATCH")
            return _execute_witness_script(stack, script, flags, WITNESS_V0, checker, execdata)
        if len(program) == 20:
            if len(stack) != 2:
                fail("WITNESS_PROGRAM_MISMATCH")
            script = b"\x76\xa9\x14" + program + b"\x88\xac"
            return _execute_witness_script(stack, script, flags, WITNESS_V0, checker, execdata)
        fail("WITNESS_PROGRAM_WRONG_LENGTH")
    if version == 1 and len(program) == 32 and not is_p2sh:
        if "TAPROOT" not in flags:
            return None
        if not stack:
            fail("WITNESS_PROGRAM_WITNESS_EMPTY")
        if len(stack) >= 2 and stack[-1] and stack[-1][0] == ANNEX_TAG:
            execdata.annex = stack.pop()
        if len(stack) == 1:
            checker.check_schnorr(stack[0], program, TAPROOT, execdata)
            return None
        control, script = stack.pop(), stack.pop()
        if (len(control) < CONTROL_BASE_SIZE or len(control) > CONTROL_BASE_SIZE + CONTROL_NODE_SIZE * CONTROL_MAX_NODES
                or (len(control) - CONTROL_BASE_SIZE) % CONTROL_NODE_SIZE):
            fail("TAPROOT_WRONG_CONTROL_SIZE")
        execdata.leaf_hash = tapleaf_hash(control[0] & TAPROOT_LEAF_MASK, script)
        if not _verify_commitment(control, program, execdata.leaf_hash):
            fail("WITNESS_PROGRAM_MISMATCH")
        if control[0] & TAPROOT_LEAF_MASK == TAPROOT_LEAF_TAPSCRIPT:
            # BIP 342 signature budget: the serialized witness (all of it) plus 50
            size = len(_compact_size(len(witness))) + sum(len(_compact_size(len(w))) + len(w) for w in witness)
            execdata.validation_weight_left = size + VALIDATION_WEIGHT_OFFSET
            return _execute_witness_script(stack, script, flags, TAPSCRIPT, checker, execdata)
        if "DISCOURAGE_UPGRADABLE_TAPROOT_VERSION" in flags:
            fail("DISCOURAGE_UPGRADABLE_TAPROOT_VERSION")
        return None
    # future versions (and taproot inside P2SH) are anyone-can-spend, left for soft forks
    if "DISCOURAGE_UPGRADABLE_WITNESS_PROGRAM" in flags:
        fail("DISCOURAGE_UPGRADABLE_WITNESS_PROGRAM")
    return None


def verify_script(script_sig: bytes, script_pubkey: bytes, witness: Sequence[bytes], flags: frozenset,
                  checker: TxChecker) -> None:
    """Core's VerifyScript; raises :class:`hemi.errors.ScriptVerifyError` naming Core's error on failure."""
    if "SIGPUSHONLY" in flags and not O.is_push_only(script_sig):
        fail("SIG_PUSHONLY")
    stack: list = []
    eval_script(stack, script_sig, flags, checker, BASE, ExecData())
    stack_copy = list(stack) if "P2SH" in flags else None
    eval_script(stack, script_pubkey, flags, checker, BASE, ExecData())
    if not stack or not O.cast_to_bool(stack[-1]):
        fail("EVAL_FALSE")
    had_witness = False
    if "WITNESS" in flags:
        wp = O.witness_program(script_pubkey)
        if wp is not None:
            had_witness = True
            if script_sig:
                fail("WITNESS_MALLEATED")
            _verify_witness_program(witness, wp[0], wp[1], flags, checker, False)
            stack = stack[:1]  # the witness ran on its own stack: skip the CLEANSTACK test below
    if stack_copy is not None and O.is_p2sh(script_pubkey):
        if not O.is_push_only(script_sig):
            fail("SIG_PUSHONLY")
        stack = stack_copy
        redeem = stack.pop()
        eval_script(stack, redeem, flags, checker, BASE, ExecData())
        if not stack or not O.cast_to_bool(stack[-1]):
            fail("EVAL_FALSE")
        if "WITNESS" in flags:
            wp = O.witness_program(redeem)
            if wp is not None:
                had_witness = True
                if script_sig != O.push_data(redeem):
                    fail("WITNESS_MALLEATED_P2SH")
                _verify_witness_program(witness, wp[0], wp[1], flags, checker, True)
                stack = stack[:1]
    if "CLEANSTACK" in flags and len(stack) != 1:
        fail("CLEANSTACK")
    if "WITNESS" in flags and not had_witness and witness:
        fail("WITNESS_UNEXPECTED")
