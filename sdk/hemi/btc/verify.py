"""Input script verification against the output it spends.

The standard templates (P2PKH, P2SH-P2WPKH, P2WPKH, single-key and multisig P2WSH, P2TR key path) are checked
directly with libsecp256k1 through coincurve: python-bitcoinlib's interpreter knows neither segwit nor taproot.
Other legacy scripts (bare multisig, P2SH of arbitrary scripts) go through python-bitcoinlib's ``VerifyScript``.
Failures raise :class:`ScriptVerifyError` carrying Bitcoin Core's script error text.
"""

from __future__ import annotations

import hashlib
from typing import Sequence

from bitcoin.core import CTransaction
from bitcoin.core.script import CScript, CScriptInvalidError

from hemi.btc import script as S
from hemi.btc.keys import hash160, verify_ecdsa, verify_schnorr
from hemi.btc.sighash import legacy_sighash, segwit_v0_sighash, taproot_sighash

# Bitcoin Core's ScriptErrorString texts.
ERR_EVAL_FALSE = "Script evaluated without error but finished with a false/empty top stack element"
ERR_EQUALVERIFY = "Script failed an OP_EQUALVERIFY operation"
ERR_NULLFAIL = "Signature must be zero for failed CHECK(MULTI)SIG operation"
ERR_SIG_DER = "Non-canonical DER signature"
ERR_HASHTYPE = "Signature hash type missing or not understood"
ERR_PUSHONLY = "Only push operators allowed in signatures"
ERR_WITNESS_MISMATCH = "Witness program hash mismatch"
ERR_WITNESS_EMPTY = "Witness program was passed an empty witness"
ERR_WITNESS_MALLEATED = "Witness requires empty scriptSig"
ERR_WITNESS_MALLEATED_P2SH = "Witness requires only-redeemscript scriptSig"
ERR_WITNESS_UNEXPECTED = "Witness provided for non-witness script"
ERR_WITNESS_PUBKEYTYPE = "Using non-compressed keys in segwit"
ERR_SCHNORR_SIG = "Invalid Schnorr signature"
ERR_SCHNORR_SIG_SIZE = "Invalid Schnorr signature size"
ERR_SCHNORR_HASHTYPE = "Invalid Schnorr signature hash type"
ERR_STACK_SIZE = "Witness program mismatch: unexpected witness stack size"
ERR_UNSUPPORTED = "script form not supported by the embedded chain's verifier"


class ScriptVerifyError(Exception):
    """An input's scripts do not verify; ``str()`` is Bitcoin Core's script error text."""


def _pushes(script_sig: bytes) -> list[bytes]:
    s = CScript(script_sig)
    try:
        if not s.is_push_only():
            raise ScriptVerifyError(ERR_PUSHONLY)
        return [bytes(op) if isinstance(op, bytes) else _small_int_bytes(op) for op in s]
    except CScriptInvalidError:
        raise ScriptVerifyError(ERR_PUSHONLY) from None


def _small_int_bytes(op: int) -> bytes:
    if op == 0:
        return b""
    return bytes([op - 0x50]) if 0x51 <= op <= 0x60 else bytes([0x81])


def _check_ecdsa(sig: bytes, pubkey: bytes, digest_fn) -> None:
    if not sig:
        raise ScriptVerifyError(ERR_EVAL_FALSE)
    hash_type = sig[-1]
    if hash_type & ~0x80 not in (1, 2, 3):
        raise ScriptVerifyError(ERR_HASHTYPE)
    if not verify_ecdsa(pubkey, sig[:-1], digest_fn(hash_type)):
        raise ScriptVerifyError(ERR_NULLFAIL)


def witness_stack(tx: CTransaction, index: int) -> list[bytes]:
    vin_wit = tx.wit.vtxinwit
    if index < len(vin_wit):
        return [bytes(x) for x in vin_wit[index].scriptWitness.stack]
    return []


def verify_input(tx: CTransaction, index: int, spent: Sequence[tuple[int, bytes]]) -> None:
    """Verify input ``index`` of ``tx``; ``spent`` lists (value, scriptPubKey) of every input's spent output."""
    value, spk = spent[index]
    script_sig = bytes(tx.vin[index].scriptSig)
    witness = witness_stack(tx, index)
    kind, program = S.solve(spk)

    if kind == S.SCRIPTHASH:
        pushes = _pushes(script_sig)
        if not pushes or hash160(pushes[-1]) != program:
            raise ScriptVerifyError(ERR_EVAL_FALSE)
        redeem = pushes[-1]
        r_kind, r_program = S.solve(redeem)
        if r_kind in (S.WITNESS_V0_KEYHASH, S.WITNESS_V0_SCRIPTHASH):
            if len(pushes) != 1:
                raise ScriptVerifyError(ERR_WITNESS_MALLEATED_P2SH)
            return _verify_witness_v0(tx, index, value, r_kind, r_program, witness)
        if witness:
            raise ScriptVerifyError(ERR_WITNESS_UNEXPECTED)
        return _verify_legacy_generic(tx, index, script_sig, spk)

    if kind in (S.WITNESS_V0_KEYHASH, S.WITNESS_V0_SCRIPTHASH):
        if script_sig:
            raise ScriptVerifyError(ERR_WITNESS_MALLEATED)
        return _verify_witness_v0(tx, index, value, kind, program, witness)

    if kind == S.WITNESS_V1_TAPROOT:
        if script_sig:
            raise ScriptVerifyError(ERR_WITNESS_MALLEATED)
        return _verify_taproot(tx, index, program, witness, spent)

    if kind == S.WITNESS_UNKNOWN:
        return  # future witness versions are anyone-can-spend by consensus (policy refuses them earlier)

    if witness:
        raise ScriptVerifyError(ERR_WITNESS_UNEXPECTED)
    if kind == S.PUBKEYHASH:
        pushes = _pushes(script_sig)
        if len(pushes) != 2:
            raise ScriptVerifyError(ERR_EVAL_FALSE)
        sig, pubkey = pushes
        if hash160(pubkey) != program:
            raise ScriptVerifyError(ERR_EQUALVERIFY)
        _check_ecdsa(sig, pubkey, lambda ht: legacy_sighash(spk, tx, index, ht))
        return
    _verify_legacy_generic(tx, index, script_sig, spk)


def _verify_legacy_generic(tx: CTransaction, index: int, script_sig: bytes, spk: bytes) -> None:
    # imported here: python-bitcoinlib's script interpreter loads OpenSSL through ctypes (~50 ms of every cold
    # start), and only these rare scripts need it
    from bitcoin.core.scripteval import SCRIPT_VERIFY_P2SH, VerifyScript, VerifyScriptError

    try:
        VerifyScript(CScript(script_sig), CScript(spk), tx, index, flags=(SCRIPT_VERIFY_P2SH,))
    except (VerifyScriptError, CScriptInvalidError, ValueError) as err:
        raise ScriptVerifyError(f"{ERR_EVAL_FALSE}: {err}") from None


def _verify_witness_v0(
    tx: CTransaction, index: int, value: int, kind: str, program: bytes, witness: list[bytes]
) -> None:
    if not witness:
        raise ScriptVerifyError(ERR_WITNESS_EMPTY)
    if kind == S.WITNESS_V0_KEYHASH:
        if len(witness) != 2:
            raise ScriptVerifyError(ERR_STACK_SIZE)
        sig, pubkey = witness
        if len(pubkey) != 33:
            raise ScriptVerifyError(ERR_WITNESS_PUBKEYTYPE)
        if hash160(pubkey) != program:
            raise ScriptVerifyError(ERR_EQUALVERIFY)
        code = S.p2pkh_script(program)
        _check_ecdsa(sig, pubkey, lambda ht: segwit_v0_sighash(code, tx, index, value, ht))
        return
    witness_script = witness[-1]
    if hashlib.sha256(witness_script).digest() != program:
        raise ScriptVerifyError(ERR_WITNESS_MISMATCH)
    args = witness[:-1]
    ws_kind, ws_program = S.solve(witness_script)

    def digest(ht: int) -> bytes:
        return segwit_v0_sighash(witness_script, tx, index, value, ht)

    if ws_kind == S.PUBKEY:
        if len(args) != 1:
            raise ScriptVerifyError(ERR_EVAL_FALSE)
        if len(ws_program) != 33:
            raise ScriptVerifyError(ERR_WITNESS_PUBKEYTYPE)
        _check_ecdsa(args[0], ws_program, digest)
        return
    if ws_kind == S.MULTISIG:
        ops = list(CScript(witness_script))
        m, pubkeys = ops[0] - 0x50, [bytes(p) for p in ops[1:-2]]
        if not args or args[0] != b"" or len(args) - 1 != m:
            raise ScriptVerifyError(ERR_EVAL_FALSE)
        sigs, k = args[1:], 0
        for sig in sigs:  # CHECKMULTISIG: signatures in key order
            while k < len(pubkeys):
                k += 1
                try:
                    _check_ecdsa(sig, pubkeys[k - 1], digest)
                    break
                except ScriptVerifyError:
                    continue
            else:
                raise ScriptVerifyError(ERR_NULLFAIL)
        return
    raise ScriptVerifyError(ERR_UNSUPPORTED)


def _verify_taproot(
    tx: CTransaction, index: int, output_key: bytes, witness: list[bytes], spent: Sequence[tuple[int, bytes]]
) -> None:
    if not witness:
        raise ScriptVerifyError(ERR_WITNESS_EMPTY)
    if len(witness) >= 2 and witness[-1][:1] == b"\x50":
        raise ScriptVerifyError(f"annex: {ERR_UNSUPPORTED}")
    if len(witness) != 1:
        raise ScriptVerifyError(f"taproot script path: {ERR_UNSUPPORTED}")
    sig = witness[0]
    if len(sig) == 64:
        hash_type = 0
    elif len(sig) == 65:
        hash_type = sig[64]
        if hash_type == 0:
            raise ScriptVerifyError(ERR_SCHNORR_HASHTYPE)
    else:
        raise ScriptVerifyError(ERR_SCHNORR_SIG_SIZE)
    try:
        digest = taproot_sighash(tx, index, spent, hash_type)
    except ValueError:
        raise ScriptVerifyError(ERR_SCHNORR_HASHTYPE) from None
    if not verify_schnorr(output_key, sig[:64], digest):
        raise ScriptVerifyError(ERR_SCHNORR_SIG)
