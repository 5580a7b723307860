"""The Bitcoin Core RPC of the server: :class:`CoreRPC` with the server's per-call block cap and batch time budget.

``generatetoaddress`` mines as many blocks as it is asked for; over the network one request must not hold the
devchain for minutes, so the server refuses counts above ``Limits.max_blocks`` with Core's invalid-parameter error
(-8), before anything is mined. Nor may a batch of them: a request body runs for at most ``Limits.batch_timeout``
seconds, and the entries after that get Core's misc error (-1) ``request timed out`` without running (Core has no
such budget; geth answers -32002 on its port). The Python API (``CoreRPC``) keeps Core's behaviour.
"""

from __future__ import annotations

import time
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from typing import Any

from hemi.btc.rpc import CoreRPC, JSONRPCError
from hemi.btc.rpc.errors import RPC_INVALID_PARAMETER, RPC_MISC_ERROR

from .limits import Limits


class CappedCoreRPC(CoreRPC):
    """:class:`CoreRPC` refusing ``generatetoaddress`` counts above ``limits.max_blocks``, and the calls of a request
    body past ``limits.batch_timeout`` (within :meth:`budget`)."""

    def __init__(self, chain: Any, limits: Limits) -> None:
        super().__init__(chain)
        self.limits = limits
        self._until: float | None = None  # the end of the body being answered (time.monotonic())

    @contextmanager
    def budget(self) -> Iterator[None]:
        """Answer one request body (a batch) within the batch time budget; under the server's lock."""
        self._until = time.monotonic() + self.limits.batch_timeout
        try:
            yield
        finally:
            self._until = None

    def abort(self) -> None:
        """End the batch being answered, if one is, before its next entry (the server is stopping; any thread)."""
        if self._until is not None:
            self._until = float("-inf")

    def call(self, method: str, params: Sequence[Any] | Mapping[str, Any] | None = None) -> Any:
        if self._until is not None and time.monotonic() >= self._until:
            raise JSONRPCError(RPC_MISC_ERROR, f"request timed out: the batch used up its "
                                               f"{self.limits.batch_timeout:g}s (hemi devchain --batch-timeout); "
                                               f"send smaller batches")
        if method == "generatetoaddress":
            n = params.get("nblocks") if isinstance(params, Mapping) else (params[0] if params else None)
            if isinstance(n, int) and not isinstance(n, bool) and n > self.limits.max_blocks:
                raise JSONRPCError(RPC_INVALID_PARAMETER, f"Invalid parameter: cannot mine {n} blocks in one "
                                                          f"request (at most {self.limits.max_blocks}, hemi devchain "
                                                          f"--max-blocks-per-call)")
        return super().call(method, params)


__all__ = ["CappedCoreRPC"]
