"""Shared by the Bitcoin RPC tests: the error object python-bitcoinlib's proxies raise."""

from __future__ import annotations

from typing import Any

import bitcoin.rpc
import pytest


def rpc_error(call: Any, *args: Any) -> dict:
    """The ``{"code", "message"}`` of the JSONRPCError that ``call(*args)`` raises (the test fails if none)."""
    with pytest.raises(bitcoin.rpc.JSONRPCError) as err:
        call(*args)
    return err.value.error
