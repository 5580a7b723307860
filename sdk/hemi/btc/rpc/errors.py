"""Bitcoin Core's JSON-RPC error codes, :class:`JSONRPCError`, and the mapping of hemi's errors onto them.

The codes and their names are Bitcoin Core's (``src/rpc/protocol.h``). Adapters raise :class:`JSONRPCError` with
Core's code and message for the failures they expect; :func:`to_rpc_error` maps any other hemi error that reaches
the dispatcher, so that nothing but :class:`JSONRPCError` leaves :meth:`CoreRPC.call`.
"""

from __future__ import annotations

from typing import Any

from hemi.errors import (
    BlockRejected,
    HemiError,
    HemiValueError,
    InvalidAddressError,
    InvalidHexError,
    ReorgError,
    TransactionRejected,
    UnknownBlockError,
    UnknownTransactionError,
)

RPC_INVALID_REQUEST = -32600
RPC_METHOD_NOT_FOUND = -32601
RPC_INVALID_PARAMS = -32602
RPC_INTERNAL_ERROR = -32603
RPC_PARSE_ERROR = -32700
RPC_MISC_ERROR = -1
RPC_TYPE_ERROR = -3
RPC_INVALID_ADDRESS_OR_KEY = -5
RPC_INVALID_PARAMETER = -8
RPC_DESERIALIZATION_ERROR = -22
RPC_VERIFY_ERROR = -25  # also RPC_TRANSACTION_ERROR
RPC_VERIFY_REJECTED = -26  # also RPC_TRANSACTION_REJECTED
RPC_VERIFY_ALREADY_IN_CHAIN = -27  # also RPC_VERIFY_ALREADY_IN_UTXO_SET
RPC_WALLET_ERROR = -4
RPC_WALLET_INSUFFICIENT_FUNDS = -6
RPC_WALLET_NOT_FOUND = -18
RPC_WALLET_ALREADY_LOADED = -35

NO_SUCH_TX = "No such mempool or blockchain transaction. Use gettransaction for wallet transactions."


class JSONRPCError(HemiError):
    """A JSON-RPC error as Bitcoin Core reports it: ``code`` (``RPC_*``) and ``message``."""

    def __init__(self, code: int, message: str) -> None:
        self.code = code
        self.message = message
        super().__init__(f"{message} (code {code})")

    def to_dict(self) -> dict[str, Any]:
        return {"code": self.code, "message": self.message}


def to_rpc_error(err: Exception) -> JSONRPCError:
    """Map an SDK error that reached the boundary to Core's code (the adapters map the expected ones first)."""
    if isinstance(err, UnknownBlockError):
        return JSONRPCError(RPC_INVALID_ADDRESS_OR_KEY, "Block not found")
    if isinstance(err, UnknownTransactionError):
        return JSONRPCError(RPC_INVALID_ADDRESS_OR_KEY, NO_SUCH_TX)
    if isinstance(err, InvalidAddressError):
        return JSONRPCError(RPC_INVALID_ADDRESS_OR_KEY, "Invalid address")
    if isinstance(err, TransactionRejected):
        return JSONRPCError(RPC_VERIFY_REJECTED, reject_text(err))
    if isinstance(err, BlockRejected):
        return JSONRPCError(RPC_VERIFY_ERROR, str(err))
    if isinstance(err, InvalidHexError):
        return JSONRPCError(RPC_DESERIALIZATION_ERROR, str(err))
    if isinstance(err, (HemiValueError, ReorgError)):
        return JSONRPCError(RPC_INVALID_PARAMETER, str(err))
    return JSONRPCError(RPC_MISC_ERROR, f"{type(err).__name__}: {err}" if not isinstance(err, HemiError) else str(err))


def reject_text(err: TransactionRejected) -> str:
    """Core's ValidationState::ToString: ``reason`` or ``reason, debug message``."""
    return f"{err.reason}, {err.detail}" if err.detail else err.reason
