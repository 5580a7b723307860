"""Bitcoin Core's script interpreter, in Python: legacy, P2SH, segwit v0 and taproot (BIP 341/342) with every
script verification flag Core has. Signatures go through libsecp256k1 (coincurve); transactions are
python-bitcoinlib objects.

Modules: ``scriptops`` (parsing, numbers), ``encoding`` (signature/key encodings, ECDSA), ``checker`` (sighash,
locktime), ``evaluate`` (EvalScript), ``sigops`` (CHECKSIG family), ``verify`` (VerifyScript, witness programs),
``flags`` and ``errors``.
"""

from hemi.btc.interpreter.checker import ExecData, TxChecker
from hemi.btc.interpreter.errors import TEXTS as SCRIPT_ERROR_TEXTS
from hemi.btc.interpreter.flags import ALL_FLAGS, MANDATORY_FLAGS, STANDARD_FLAGS, parse_flags
from hemi.btc.interpreter.verify import tapbranch_hash, tapleaf_hash, taproot_tweak_pubkey, verify_script

__all__ = [
    "ALL_FLAGS", "MANDATORY_FLAGS", "SCRIPT_ERROR_TEXTS", "STANDARD_FLAGS", "ExecData", "TxChecker", "parse_flags",
    "tapbranch_hash", "tapleaf_hash", "taproot_tweak_pubkey", "verify_script",
]
