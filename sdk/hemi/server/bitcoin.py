"""The Bitcoin Core RPC of the server: :class:`CoreRPC` with the server's per-call block cap.

``generatetoaddress`` mines as many blocks as it is asked for; over the network one request must not hold the
devchain for minutes, so the server refuses counts above ``Limits.max_blocks`` with Core's invalid-parameter error
(-8), before anything is mined. The Python API (``CoreRPC``) keeps Core's behaviour.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from hemi.btc.rpc import CoreRPC, JSONRPCError
from hemi.btc.rpc.errors import RPC_INVALID_PARAMETER

from .limits import Limits


class CappedCoreRPC(CoreRPC):
    """:class:`CoreRPC` refusing ``generatetoaddress`` counts above ``limits.max_blocks``."""

    def __init__(self, chain: Any, limits: Limits) -> None:
        super().__init__(chain)
        self.limits = limits

    def call(self, method: str, params: Sequence[Any] | Mapping[str, Any] | None = None) -> Any:
        if method == "generatetoaddress":
            n = params.get("nblocks") if isinstance(params, Mapping) else (params[0] if params else None)
            if isinstance(n, int) and not isinstance(n, bool) and n > self.limits.max_blocks:
                raise JSONRPCError(RPC_INVALID_PARAMETER, f"Invalid parameter: cannot mine {n} blocks in one "
                                                          f"request (at most {self.limits.max_blocks}, hemi devchain "
                                                          f"--max-blocks-per-call)")
        return super().call(method, params)


__all__ = ["CappedCoreRPC"]
