"""The JSON-RPC error every method raises, and the error of a call that reverted or failed.

Codes (JSON-RPC 2.0, EIP-1474, as geth and anvil send them): -32601 unknown method, -32602 bad params, 3 execution
reverted (with the revert data), -32000 transaction rejected or protocol refusal, -32001 not found.
"""

from __future__ import annotations

from typing import Any, Protocol

from eth_abi import decode

from hemi.errors import HemiError

ERROR_STRING_SELECTOR = bytes.fromhex("08c379a0")  # Solidity's Error(string)


class RPCError(HemiError):
    """A JSON-RPC error object: ``code``, ``message`` and optional ``data`` (0x-hex)."""

    def __init__(self, code: int, message: str, data: str | None = None) -> None:
        self.code, self.message, self.data = code, message, data
        super().__init__(f"{code}: {message}")

    def to_dict(self) -> dict[str, Any]:
        err: dict[str, Any] = {"code": self.code, "message": self.message}
        if self.data is not None:
            err["data"] = self.data
        return err


class FailedRun(Protocol):
    """What :func:`revert_error` reads of a call's result (the engine's ``CallResult`` has these)."""

    @property
    def output(self) -> bytes: ...

    @property
    def is_revert(self) -> bool: ...

    @property
    def error(self) -> str | None: ...


class Reverted:
    """A reverted run known only by its output (a trace frame, a simulated call)."""

    output: bytes
    is_revert: bool
    error: str | None

    def __init__(self, output: bytes) -> None:
        self.output, self.is_revert, self.error = output, True, "execution reverted"


def revert_error(result: FailedRun) -> RPCError:
    """Code 3 with the revert data (and the Error(string) reason in the message) for a revert; -32000 with the VM's
    error for any other failure."""
    data = "0x" + bytes(result.output).hex() if result.output else None
    msg = "execution reverted"
    out = result.output or b""
    if out[:4] == ERROR_STRING_SELECTOR and len(out) >= 68:
        try:
            msg += ": " + decode(["string"], out[4:])[0]
        except Exception:  # noqa: BLE001 - a malformed Error(string) keeps the generic message
            pass
    if result.is_revert:
        return RPCError(3, msg, data)
    return RPCError(-32000, result.error or "execution failed", data)
