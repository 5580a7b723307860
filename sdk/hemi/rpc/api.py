"""``EthApi``: one devchain's JSON-RPC face, the object the web3 provider and the server dispatch to.

``EthApi(dev)`` is the devchain's :class:`~hemi.rpc.context.RpcContext` (filters, snapshot ids, block cache) with
its own method table (:func:`hemi.rpc.table.build_methods`) and :meth:`EthApi.request`, which checks the params
(:mod:`hemi.rpc.validation`) and maps the node's typed errors to JSON-RPC codes: -32601 unknown method, -32602 bad
params (and ``HemiValueError``, ``SnapshotError``), -32001 not found (``HemiLookupError``); methods raise
:class:`~hemi.rpc.errors.RPCError` themselves for the rest.
"""

from __future__ import annotations

from typing import Any

from hemi.errors import HemiLookupError, HemiValueError, SnapshotError
from hemi.rpc import arity, validation
from hemi.rpc.context import RpcContext
from hemi.rpc.errors import RPCError
from hemi.rpc.table import Method, build_methods


class EthApi(RpcContext):
    """The eth_*, net_*, web3_*, debug_*, txpool_*, devchain-control and Hemi methods of one Devchain."""

    def __init__(self, dev: Any) -> None:
        super().__init__(dev)
        self.methods: dict[str, Method] = build_methods(self)
        self._arities: dict[str, tuple[Method, arity.Arity | None]] = {}  # hemi.rpc.arity.check's cache

    def request(self, name: str, params: Any) -> Any:
        """Run method ``name`` with a params list; its JSON result, or :class:`RPCError`."""
        fn = self.methods.get(name)
        if fn is None:
            raise RPCError(-32601, f"the method {name} does not exist/is not available")
        if params is None:
            params = []
        if not isinstance(params, (list, tuple)):
            raise RPCError(-32602, "params must be an array")
        wrong_count = arity.check(name, fn, params, self._arities)
        if wrong_count is not None:  # "evm_revert expects 1 parameter (snapshot id), got 0"
            raise RPCError(-32602, wrong_count)
        try:
            validation.check(self, name, params)
        except validation.InvalidParams as err:
            raise RPCError(-32602, str(err)) from None
        try:
            return fn(*params)
        except TypeError as err:
            if "positional argument" in str(err) or "required" in str(err):
                raise RPCError(-32602, f"invalid params for {name}: {err}") from None
            raise
        except RPCError:
            raise
        except SnapshotError as err:
            raise RPCError(-32602, str(err)) from None
        except HemiLookupError as err:
            raise RPCError(-32001, str(err)) from None
        except HemiValueError as err:
            raise RPCError(-32602, str(err)) from None
