"""The dispatcher: the table of RPC methods, the :func:`rpc_method` decorator that fills it, and :class:`CoreRPC`.

As Bitcoin Core's CRPCTable (``src/rpc/server.cpp``) and web3.py's provider defaults: a method name maps to a small
adapter ``fn(rpc, *params)``. The adapters live in the modules named after Core's own (``blockchain``,
``rawtransaction``, ``mempool``, ``mining``, ``node``) and register themselves when the package is imported.
:class:`CoreRPC` binds the params, runs the adapter under a lock and turns any other error into a
:class:`JSONRPCError`; it also holds the lookups several adapters share.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Mapping, Sequence
from typing import Any, TypeVar

from bitcoin.core import CTransaction

from hemi.btc.blocktools import block_work
from hemi.btc.chain import BitcoinChain
from hemi.btc.models import Block
from hemi.btc.wallet import Wallet
from hemi.errors import HemiValueError, UnknownBlockError, UnknownTransactionError
from hemi.types import BlockHash, Txid

from .arguments import Arg, Method, bind
from .encoding import difficulty
from .errors import RPC_INVALID_ADDRESS_OR_KEY, RPC_METHOD_NOT_FOUND, JSONRPCError, to_rpc_error
from .scripts import Prevout

_METHODS: dict[str, Method] = {}
_Adapter = TypeVar("_Adapter", bound=Callable[..., Any])


def rpc_method(name: str, *args: Arg) -> Callable[[_Adapter], _Adapter]:
    """Register an adapter ``fn(rpc, *params)`` for the RPC ``name`` in the dispatch table."""

    def register(fn: _Adapter) -> _Adapter:
        _METHODS[name] = Method(name, args, fn)
        return fn

    return register


class CoreRPC:
    """Bitcoin Core's JSON-RPC methods over a :class:`BitcoinChain`: ``call(method, params)``.

    Results are JSON-compatible (BTC amounts as 8-place ``Decimal``; :func:`dumps` writes them as Core does);
    every failure is a :class:`JSONRPCError` with Core's code and message. Calls are serialized by a lock, so a
    threaded HTTP server may share one instance.
    """

    def __init__(self, chain: BitcoinChain) -> None:
        if not isinstance(chain, BitcoinChain):
            raise HemiValueError(f"CoreRPC serves a BitcoinChain, got {type(chain).__name__}")
        self.chain = chain
        self._lock = threading.RLock()
        self._block_sizes: dict[bytes, int] = {}
        self.wallet_name: str | None = None  # the loaded wallet (createwallet / loadwallet); None: the chain's default
        self.created_wallets: set[str] = set()  # names createwallet made (loadwallet finds them)

    def wallet(self) -> Wallet:
        """The wallet the wallet calls use: one loaded at a time (the chain's default until createwallet or
        loadwallet names another)."""
        return self.chain.wallet() if self.wallet_name is None else self.chain.wallet(self.wallet_name)

    @property
    def methods(self) -> list[str]:
        """The RPC methods served, sorted."""
        return sorted(_METHODS)

    def usage(self, method: str) -> str:
        """The usage line of ``method`` (``getblock "blockhash" ( verbosity )`` style)."""
        return _METHODS[method].usage

    def call(self, method: str, params: Sequence[Any] | Mapping[str, Any] | None = None) -> Any:
        """Run RPC ``method`` with positional (list) or named (dict) ``params``; raises only ``JSONRPCError``."""
        spec = _METHODS.get(method) if isinstance(method, str) else None
        if spec is None:
            raise JSONRPCError(RPC_METHOD_NOT_FOUND, "Method not found")
        with self._lock:
            try:
                return spec.fn(self, *bind(spec, params))
            except JSONRPCError:
                raise
            except Exception as err:  # noqa: BLE001 - the boundary: nothing but JSONRPCError leaves
                raise to_rpc_error(err) from err

    def __repr__(self) -> str:
        return f"<CoreRPC over {self.chain!r}>"

    # ------------------------------------------------------------------ helpers the adapters share

    def block(self, hexhash: str, missing: str = "Block not found") -> Block:
        """The block ``hexhash``, or -5 ``missing`` (Core's texts differ by method: getrawtransaction says
        ``Block hash not found``)."""
        try:
            return self.chain.block(BlockHash(hexhash))
        except UnknownBlockError:
            raise JSONRPCError(RPC_INVALID_ADDRESS_OR_KEY, missing) from None

    def header_json(self, block: Block) -> dict[str, Any]:
        """Core's blockheaderToJSON."""
        chain, hdr = self.chain, block.header
        out: dict[str, Any] = {
            "hash": str(hdr.hash),
            "confirmations": block.confirmations,
            "height": hdr.height,
            "version": hdr.version,
            "versionHex": f"{hdr.version & 0xFFFFFFFF:08x}",
            "merkleroot": hdr.merkle_root[::-1].hex(),
            "time": hdr.time,
            "mediantime": chain.median_time_past(hdr.hash),
            "nonce": hdr.nonce,
            "bits": f"{hdr.bits:08x}",
            "difficulty": difficulty(hdr.bits),
            "chainwork": self.chainwork(hdr.height, hdr.bits),
            "nTx": len(block.txids),
        }
        if hdr.height > 0:
            out["previousblockhash"] = str(hdr.prev_hash)
        if block.confirmations > 1:
            out["nextblockhash"] = str(chain.block_hash(hdr.height + 1))
        return out

    @staticmethod
    def chainwork(height: int, bits: int) -> str:
        """Total work up to a block, as 64 hex digits. Regtest has one fixed target (the chain refuses blocks with
        other bits, genesis included), so it is the work of one block times the number of blocks."""
        return f"{(height + 1) * block_work(bits):064x}"

    def prevouts(self, tx: CTransaction) -> list[Prevout | None]:
        """The outputs ``tx`` spends, from the transaction index (None where the spent tx is unknown)."""
        out: list[Prevout | None] = []
        for txin in tx.vin:
            try:
                src = self.chain.tx(Txid(txin.prevout.hash))
            except UnknownTransactionError:
                out.append(None)
                continue
            if src.height is None or txin.prevout.n >= len(src.tx.vout):
                out.append(None)
                continue
            o = src.tx.vout[txin.prevout.n]
            out.append(Prevout(src.position == 0, src.height, o.nValue, bytes(o.scriptPubKey)))
        return out

    def block_size(self, bhash: BlockHash) -> int:
        key = bytes(bhash)
        size = self._block_sizes.get(key)
        if size is None:
            size = self._block_sizes[key] = len(self.chain.block(bhash).serialize())
        return size
