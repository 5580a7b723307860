"""Signature opcodes: OP_CHECKSIG(VERIFY), OP_CHECKMULTISIG(VERIFY) and tapscript's OP_CHECKSIGADD.

Source: bitcoin/bitcoin v26.0 src/script/interpreter.cpp ``EvalChecksigPreTapscript``, ``EvalChecksigTapscript``
and the OP_CHECKMULTISIG case of ``EvalScript``.
"""

from __future__ import annotations

from hemi.btc.interpreter import scriptops as O
from hemi.btc.interpreter.checker import BASE, TAPSCRIPT, WITNESS_V0, ExecData, TxChecker
from hemi.btc.interpreter.encoding import check_pubkey_encoding, check_signature_encoding
from hemi.btc.interpreter.errors import fail

VALIDATION_WEIGHT_PER_SIGOP_PASSED = 50


def _script_code_without_sig(script_code: bytes, sig: bytes, flags: frozenset) -> bytes:
    """Legacy scripts: a signature cannot sign itself, so Core deletes it from the scriptCode first."""
    script_code, found = O.find_and_delete(script_code, O.push_data(sig))
    if found and "CONST_SCRIPTCODE" in flags:
        fail("SIG_FINDANDDELETE")
    return script_code


def eval_checksig(sig: bytes, pubkey: bytes, script_code: bytes, flags: frozenset, checker: TxChecker,
                  sigversion: int, execdata: ExecData) -> bool:
    """The boolean OP_CHECKSIG pushes; raises where Core's EvalChecksig fails the script."""
    if sigversion == TAPSCRIPT:
        success = bool(sig)
        if success:
            # BIP 342: every signature check spends budget that the witness size paid for
            execdata.validation_weight_left -= VALIDATION_WEIGHT_PER_SIGOP_PASSED
            if execdata.validation_weight_left < 0:
                fail("TAPSCRIPT_VALIDATION_WEIGHT")
        if not pubkey:
            fail("PUBKEYTYPE")
        if len(pubkey) == 32:
            if success:
                checker.check_schnorr(sig, pubkey, TAPSCRIPT, execdata)
        elif "DISCOURAGE_UPGRADABLE_PUBKEYTYPE" in flags:
            fail("DISCOURAGE_UPGRADABLE_PUBKEYTYPE")
        return success
    if sigversion == BASE:
        script_code = _script_code_without_sig(script_code, sig, flags)
    check_signature_encoding(sig, flags)
    check_pubkey_encoding(pubkey, flags, sigversion == WITNESS_V0)
    success = checker.check_ecdsa(sig, pubkey, script_code, sigversion)
    if not success and "NULLFAIL" in flags and sig:
        fail("NULLFAIL")
    return success


def op_checkmultisig(stack: list, script_code: bytes, flags: frozenset, checker: TxChecker, sigversion: int,
                     op_count: int, verify: bool) -> int:
    """Run OP_CHECKMULTISIG(VERIFY) on ``stack``; returns the updated opcode count."""
    if sigversion == TAPSCRIPT:
        fail("TAPSCRIPT_CHECKMULTISIG")
    minimal = "MINIMALDATA" in flags
    i = 1
    if len(stack) < i:
        fail("INVALID_STACK_OPERATION")
    keys_count = O.clamp_int32(O.decode_num(stack[-i], minimal))
    if keys_count < 0 or keys_count > O.MAX_PUBKEYS_PER_MULTISIG:
        fail("PUBKEY_COUNT")
    op_count += keys_count
    if op_count > O.MAX_OPS_PER_SCRIPT:
        fail("OP_COUNT")
    i += 1
    ikey = i
    # ikey2 is the position of the last non-signature item, for the NULLFAIL sweep below
    ikey2 = keys_count + 2
    i += keys_count
    if len(stack) < i:
        fail("INVALID_STACK_OPERATION")
    sigs_count = O.clamp_int32(O.decode_num(stack[-i], minimal))
    if sigs_count < 0 or sigs_count > keys_count:
        fail("SIG_COUNT")
    i += 1
    isig = i
    i += sigs_count
    if len(stack) < i:
        fail("INVALID_STACK_OPERATION")
    if sigversion == BASE:
        for k in range(sigs_count):
            script_code = _script_code_without_sig(script_code, stack[-isig - k], flags)
    success = True
    while success and sigs_count > 0:
        sig, pubkey = stack[-isig], stack[-ikey]
        # encoding is checked before the signature, so a badly encoded one fails even if it would not be needed
        check_signature_encoding(sig, flags)
        check_pubkey_encoding(pubkey, flags, sigversion == WITNESS_V0)
        if checker.check_ecdsa(sig, pubkey, script_code, sigversion):
            isig += 1
            sigs_count -= 1
        ikey += 1
        keys_count -= 1
        # more signatures left than keys: there is no way to succeed
        if sigs_count > keys_count:
            success = False
    nullfail = "NULLFAIL" in flags
    while i > 1:
        i -= 1
        if not success and nullfail and not ikey2 and stack[-1]:
            fail("NULLFAIL")
        if ikey2 > 0:
            ikey2 -= 1
        stack.pop()
    # the extra item every CHECKMULTISIG consumes (the historical off-by-one)
    if len(stack) < 1:
        fail("INVALID_STACK_OPERATION")
    if "NULLDUMMY" in flags and stack[-1]:
        fail("SIG_NULLDUMMY")
    stack.pop()
    if verify:
        if not success:
            fail("CHECKMULTISIGVERIFY")
    else:
        stack.append(b"\x01" if success else b"")
    return op_count
