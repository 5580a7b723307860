"""Input script verification against the outputs a transaction spends: the public entry point to
:mod:`hemi.btc.interpreter` (Bitcoin Core's ``VerifyScript`` for one input of a transaction).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from bitcoin.core import CTransaction

from hemi.btc.interpreter import TxChecker, parse_flags, verify_script
from hemi.errors import HemiValueError, ScriptVerifyError

__all__ = ["ScriptVerifyError", "verify_input", "witness_stack"]


def witness_stack(tx: CTransaction, index: int) -> list[bytes]:
    vin_wit = tx.wit.vtxinwit
    if index < len(vin_wit):
        return [bytes(x) for x in vin_wit[index].scriptWitness.stack]
    return []


def verify_input(tx: CTransaction, index: int, spent: Sequence[tuple[int, bytes]], *,
                 flags: Iterable[str]) -> None:
    """Verify input ``index`` of ``tx`` as Bitcoin Core would under ``flags``.

    ``spent`` lists the (value, scriptPubKey) of the output each input spends (all of them: taproot signatures
    commit to every one). ``flags`` are Core's flag names (``{"P2SH", "WITNESS", ...}``; empty for none; see
    :data:`hemi.btc.MANDATORY_FLAGS` and :data:`hemi.btc.STANDARD_FLAGS`). Returns None when the input is valid,
    raises :class:`hemi.errors.ScriptVerifyError` (``.script_error`` = Core's error name, message = Core's text)
    when it is not, and :class:`hemi.errors.HemiValueError` for malformed arguments.
    """
    flagset = parse_flags(flags)
    if not 0 <= index < len(tx.vin):
        raise HemiValueError(f"input index {index} out of range (transaction has {len(tx.vin)} inputs)")
    if len(spent) != len(tx.vin):
        raise HemiValueError(f"spent lists {len(spent)} outputs for {len(tx.vin)} inputs")
    value, spk = spent[index]
    checker = TxChecker(tx, index, int(value), [(int(v), bytes(s)) for v, s in spent])
    verify_script(bytes(tx.vin[index].scriptSig), bytes(spk), witness_stack(tx, index), flagset, checker)
