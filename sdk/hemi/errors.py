"""Typed errors of hemi-sdk.

Every error the SDK raises on bad input derives from :class:`HemiError`. Where a Python built-in category fits,
the error inherits it too (web3.py's habit), so callers may catch either ``HemiError`` or, say, ``ValueError``.
Messages name the reason; Bitcoin validation errors carry Bitcoin Core's reject reason in ``reason``.
"""

from __future__ import annotations


class HemiError(Exception):
    """Root of every error raised by hemi-sdk."""


class HemiValueError(HemiError, ValueError):
    """An argument has the wrong shape or value."""


class HemiLookupError(HemiError, LookupError):
    """Something asked for does not exist."""


BRIEF_LIMIT = 100  # characters of any other refused value's repr


def brief(value: object) -> str:
    """A refused value as an error message shows it: its repr, a long string cut (a 5 MB request's data would make
    a 5 MB message), a huge int by its size (its repr fails past Python's 4,300 digits), and any other repr cut to
    about 100 characters (a whole web3 receipt, block or dict never fills a message)."""
    if isinstance(value, str) and len(value) > 80:
        return repr(value[:80] + "...")
    if isinstance(value, int) and value.bit_length() > 256:
        return f"an int of {value.bit_length()} bits"
    try:
        text = repr(value)
    except Exception:  # noqa: BLE001 - a broken __repr__ must not hide the error being reported
        return f"<{type(value).__name__}>"
    return text if len(text) <= BRIEF_LIMIT else f"{text[:BRIEF_LIMIT - 3]}..."


def require_uint(name: str, value: object, *, bits: int = 256) -> int:
    """``value`` if it is an int (not a bool) in [0, 2**bits), else HemiValueError naming ``name``: a float (what
    ``datetime.timestamp()`` returns), a str or None is refused here rather than failing deep inside the chain."""
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value < 2**bits:
        raise HemiValueError(f"{name} must be an int from 0 to 2**{bits} - 1, got {brief(value)}")
    return int(value)  # an int subclass (an IntEnum) is kept as its value


# --- Bitcoin layer -------------------------------------------------------------------------------------------------


class BitcoinError(HemiError):
    """Root of the errors of the embedded Bitcoin chain."""


class InvalidHexError(BitcoinError, HemiValueError):
    """A hex string (transaction, txid, block hash) could not be decoded."""


class InvalidAddressError(BitcoinError, HemiValueError):
    """A Bitcoin address is malformed, of an unknown kind, or for another network."""


class WrongNetworkError(InvalidAddressError):
    """A well-formed Bitcoin address of another network (mainnet, testnet, signet) than regtest."""


class UnknownTransactionError(BitcoinError, HemiLookupError):
    """No transaction with this txid is in the chain or the mempool."""


class UnknownBlockError(BitcoinError, HemiLookupError):
    """No block with this hash or height is known."""


class TransactionRejected(BitcoinError, HemiValueError):
    """A transaction was refused by mempool acceptance.

    ``reason`` is Bitcoin Core's reject reason (``bad-txns-inputs-missingorspent``, ``txn-mempool-conflict``,
    ``mandatory-script-verify-flag-failed (...)`` ...), so messages read like ``sendrawtransaction``'s; ``detail`` is
    Core's debug message where Core gives one (``sendrawtransaction`` answers ``reason, detail``), ``hint`` an
    explanation of hemi's own, shown in ``str()`` only (``dust (output of 100 sats < 294)``).
    """

    def __init__(self, reason: str, detail: str = "", *, txid: object | None = None, hint: str = "") -> None:
        self.reason = reason
        self.detail = detail
        self.txid = txid
        extra = "; ".join(x for x in (detail, hint) if x)
        super().__init__(reason if not extra else f"{reason} ({extra})")


class ScriptVerifyError(BitcoinError, HemiValueError):
    """An input's scripts fail Bitcoin Core's script interpreter.

    ``script_error`` is Core's error name as its test vectors spell it (``EVAL_FALSE``, ``UNSATISFIED_LOCKTIME``,
    ...); ``str()`` is Core's ``ScriptErrorString`` text (``Locktime requirement not satisfied``).
    """

    def __init__(self, script_error: str, message: str = "") -> None:
        self.script_error = script_error
        super().__init__(message or script_error)


class BlockRejected(BitcoinError, HemiValueError):
    """A block was refused by validation; ``reason`` is Bitcoin Core's reject reason (``bad-txnmrklroot``, ...)."""

    def __init__(self, reason: str, detail: str = "") -> None:
        self.reason = reason
        self.detail = detail
        super().__init__(reason if not detail else f"{reason} ({detail})")


class InsufficientFunds(BitcoinError, HemiValueError):
    """A wallet cannot pay the amount plus fee from its mature, unspent outputs."""


class ReorgError(BitcoinError, HemiValueError):
    """A reorganisation was asked for that cannot be carried out (too deep, bad arguments)."""


class SnapshotError(HemiValueError):
    """A snapshot is unknown, already used, or belongs to another chain."""


class NpmUnavailable(HemiError):
    """An npm package hemi-sdk needs (a JavaScript tool for benchmarks or tests) could not be installed or found."""


# --- Solidity compiler layer ---------------------------------------------------------------------------------------


class StateFileError(HemiValueError):
    """A devchain state file could not be written or is not one ``Devchain.load_state`` can read."""


class CompilerError(HemiError):
    """Root of the compiler layer's errors."""


class CompilerNotAvailable(CompilerError):
    """No Solidity compiler could be found or installed; the message lists every attempt and why it failed."""

    def __init__(self, version: str, attempts: list[str]) -> None:
        self.version = version
        self.attempts = list(attempts)
        lines = "\n".join(f"  - {a}" for a in self.attempts)
        super().__init__(f"no solc {version} available; tried:\n{lines}")


class CompilationFailed(CompilerError, HemiValueError):
    """solc reported errors; ``errors`` holds solc's formatted messages."""

    def __init__(self, errors: list[str]) -> None:
        self.errors = list(errors)
        super().__init__("Solidity compilation failed:\n" + "\n".join(self.errors))


# --- Bitcoin tunnel (hemi.node.tunnel) -----------------------------------------------------------------------------


class TunnelError(HemiError):
    """Root of the errors of the devchain's Bitcoin tunnel (``dev.tunnel``)."""


class TunnelValueError(TunnelError, HemiValueError):
    """Bad input to a tunnel flow, refused in Python before anything is sent to either chain."""


class InvalidRecipientError(TunnelValueError):
    """A deposit's EVM recipient is not a 20-byte address (or is the zero address, which the vault refuses)."""


class BelowMinimumError(TunnelValueError):
    """A deposit or withdrawal amount below the tunnel's minimum (0.01 BTC), or an output Bitcoin would not relay."""


class DustOutputError(BelowMinimumError):
    """A deposit output below Bitcoin's dust threshold: no node would relay the transaction."""


class InsufficientHemiBTC(TunnelValueError):
    """A withdrawal of more hemiBTC than the account holds."""


class WithdrawalQueueFull(TunnelValueError):
    """The vault already has MAX_WITHDRAWAL_QUEUE_SIZE (5) withdrawals neither finalized nor challenged."""


class TunnelRevert(TunnelError):
    """A tunnel contract call reverted; nothing was minted or burned. ``reason`` is the contract's revert string,
    ``function`` the call (``confirmDeposit``...); the message adds what the devchain saw (confirmations...)."""

    def __init__(self, function: str, reason: str, hint: str = "") -> None:
        self.function = function
        self.reason = reason
        self.hint = hint
        super().__init__(f"{function} reverted: {reason}" + (f" ({hint})" if hint else ""))


class DepositNotFound(TunnelError, HemiLookupError):
    """A deposit's Bitcoin transaction is in neither the chain nor the mempool (a reorg or a conflicting spend
    removed it)."""


class UnknownWithdrawalError(TunnelError, HemiLookupError):
    """No tunnel withdrawal with this uuid."""


class OperatorError(TunnelError):
    """The simulated tunnel operator has not paid (its policy, or custody coins it lacks); the message says why."""


# --- Proof-of-Proof finality (hemi.node.pop.finality; also importable from there) -----------------------------------


class UnknownFinalityTarget(HemiLookupError):
    """No L2 block or EVM transaction with this hash on the current L2 chain."""


class FutureBlockError(HemiLookupError):
    """An L2 block number above the current head."""


class NotSuperfinalizable(HemiError):
    """``dev.superfinalize(target)`` cannot reach superfinality; the message names what is missing (no online PoP
    miner, more L2 blocks than ``max_l2_blocks``, a publication that never confirmed)."""


# --- Fork mode (hemi.node.fork) ------------------------------------------------------------------------------------


class ForkError(HemiError):
    """A forked devchain cannot use its remote (``fork_url``); the message names the URL and what failed."""

    def __init__(self, url: str, reason: str) -> None:
        self.url = url
        self.reason = reason
        super().__init__(f"fork remote {url}: {reason}")


class ForkUnreachable(ForkError):
    """The remote did not answer at start (bad URL, refused, timed out, not a JSON-RPC node): raised at once."""


class ForkRemoteFailed(ForkError):
    """The remote failed or rate-limited a read after every retry."""


class ForkValueError(ForkError, HemiValueError):
    """A fork option is wrong for this remote (e.g. a fork block above its head)."""
