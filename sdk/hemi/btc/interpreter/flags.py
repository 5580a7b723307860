"""Script verification flags, named as in Bitcoin Core's vector files, and Core's consensus/policy split.

Sources (bitcoin/bitcoin v26.0): src/script/interpreter.h (the flags), src/policy/policy.h
(``MANDATORY_SCRIPT_VERIFY_FLAGS``, ``STANDARD_SCRIPT_VERIFY_FLAGS``), src/validation.cpp ``GetBlockScriptFlags``
(every deployment is active from genesis on regtest here, so blocks verify with the mandatory set).
"""

from __future__ import annotations

from collections.abc import Iterable

from hemi.errors import HemiValueError

ALL_FLAGS: frozenset[str] = frozenset({
    "P2SH", "STRICTENC", "DERSIG", "LOW_S", "NULLDUMMY", "SIGPUSHONLY", "MINIMALDATA", "DISCOURAGE_UPGRADABLE_NOPS",
    "CLEANSTACK", "CHECKLOCKTIMEVERIFY", "CHECKSEQUENCEVERIFY", "WITNESS", "DISCOURAGE_UPGRADABLE_WITNESS_PROGRAM",
    "MINIMALIF", "NULLFAIL", "WITNESS_PUBKEYTYPE", "CONST_SCRIPTCODE", "TAPROOT",
    "DISCOURAGE_UPGRADABLE_TAPROOT_VERSION", "DISCOURAGE_OP_SUCCESS", "DISCOURAGE_UPGRADABLE_PUBKEYTYPE",
})

# What a block's transactions must satisfy (consensus); a failure here is "mandatory-script-verify-flag-failed".
MANDATORY_FLAGS: frozenset[str] = frozenset({
    "P2SH", "DERSIG", "NULLDUMMY", "CHECKLOCKTIMEVERIFY", "CHECKSEQUENCEVERIFY", "WITNESS", "TAPROOT",
})

# What the mempool demands on top (policy); a failure only here is "non-mandatory-script-verify-flag".
STANDARD_FLAGS: frozenset[str] = MANDATORY_FLAGS | {
    "STRICTENC", "MINIMALDATA", "DISCOURAGE_UPGRADABLE_NOPS", "CLEANSTACK", "MINIMALIF", "NULLFAIL", "LOW_S",
    "DISCOURAGE_UPGRADABLE_WITNESS_PROGRAM", "WITNESS_PUBKEYTYPE", "CONST_SCRIPTCODE",
    "DISCOURAGE_UPGRADABLE_TAPROOT_VERSION", "DISCOURAGE_OP_SUCCESS", "DISCOURAGE_UPGRADABLE_PUBKEYTYPE",
}


def parse_flags(flags: Iterable[str] | str) -> frozenset[str]:
    """A frozenset of flag names from an iterable or Core's comma-separated spelling ("" and "NONE" = none)."""
    if isinstance(flags, str):
        flags = [] if flags in ("", "NONE") else flags.split(",")
    out = frozenset(flags)
    unknown = out - ALL_FLAGS
    if unknown:
        raise HemiValueError(f"unknown script verification flag(s): {', '.join(sorted(unknown))}")
    # Core asserts these combinations (interpreter.cpp VerifyScript): CLEANSTACK needs P2SH and WITNESS,
    # WITNESS needs P2SH. Refuse them rather than give answers Core never gives.
    if "CLEANSTACK" in out and not {"P2SH", "WITNESS"} <= out:
        raise HemiValueError("flag CLEANSTACK requires P2SH and WITNESS")
    if "WITNESS" in out and "P2SH" not in out:
        raise HemiValueError("flag WITNESS requires P2SH")
    return out
