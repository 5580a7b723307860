"""Bitcoin Core's JSON-RPC interface, served in-process over a :class:`~hemi.btc.chain.BitcoinChain`.

Bitcoin tools (python-bitcoinlib, bitcoin-cli style scripts, indexers) speak Bitcoin Core's JSON-RPC. This package
answers the subset they use, shaped as Bitcoin Core 28 answers it (field names and order, BTC amounts with 8
decimals, display-order hashes, Core's error codes and messages), without a network or a bitcoind:

- :class:`CoreRPC` maps a method name to a small adapter over the chain (one dispatch table, web3.py style);
  ``CoreRPC(btc).call("getblock", [hash, 2])`` returns JSON-compatible values, with BTC amounts as
  :class:`decimal.Decimal` of exactly 8 places (the type python-bitcoinlib parses them into), and raises only
  :class:`JSONRPCError`.
- :func:`handle_jsonrpc` turns a JSON-RPC request body (1.0/1.1/2.0, single or batch) into the response body,
  as Bitcoin Core's HTTP handler does; :func:`respond` also gives the HTTP status.
- :class:`InProcessConnection` is an ``http.client.HTTPConnection`` look-alike, so python-bitcoinlib's
  ``bitcoin.rpc.Proxy`` / ``RawProxy`` talk to the chain in-process: :func:`proxy` and :func:`raw_proxy`.

What differs from Bitcoin Core is stated where it happens; in short: one single-key test wallet, no P2P, the chain has
a transaction index (``-txindex=1``), and a wrong argument count answers Core's -1 with a usage line, not the help
text.

Modules, split as Bitcoin Core splits ``src/rpc/``:

- ``errors`` (codes, :class:`JSONRPCError`, hemi errors mapped to codes), ``encoding`` (amounts, JSON text),
  ``scripts`` (asm, descriptors, scriptPubKey and tx objects), ``addresses`` (validateaddress's answers),
  ``arguments`` (parameter binding and Core's value parsers);
- ``server`` (the dispatch table and :class:`CoreRPC`);
- the adapters ``blockchain``, ``rawtransaction``, ``mempool``, ``mining``, ``node``, ``wallet``,
  ``wallet_funding``, ``wallet_history`` and ``wallet_info``, which register their methods in the table when
  imported here;
- ``transport`` (JSON-RPC bodies, HTTP statuses, the in-process connection for python-bitcoinlib).
"""

from __future__ import annotations

# Importing the adapter modules registers their methods in the dispatch table.
from . import (  # noqa: F401
    blockchain,
    mempool,
    mining,
    node,
    rawtransaction,
    wallet,
    wallet_funding,
    wallet_history,
    wallet_info,
)

# Besides __all__, the names hemi.btc.rpc offered before it became a package stay importable from it
# (Arg, btc_amount, NO_SUCH_TX, RPC_INTERNAL_ERROR, CORE_VERSION, Prevout, op_name, script_pubkey_json, tx_json).
from .arguments import Arg  # noqa: F401
from .encoding import btc_amount, dumps
from .errors import (
    NO_SUCH_TX,
    RPC_DESERIALIZATION_ERROR,
    RPC_INTERNAL_ERROR,
    RPC_INVALID_ADDRESS_OR_KEY,
    RPC_INVALID_PARAMETER,
    RPC_INVALID_PARAMS,
    RPC_INVALID_REQUEST,
    RPC_METHOD_NOT_FOUND,
    RPC_MISC_ERROR,
    RPC_PARSE_ERROR,
    RPC_TYPE_ERROR,
    RPC_VERIFY_ALREADY_IN_CHAIN,
    RPC_VERIFY_ERROR,
    RPC_VERIFY_REJECTED,
    JSONRPCError,
)
from .node import CORE_VERSION
from .scripts import Prevout, descriptor_checksum, op_name, script_asm, script_pubkey_json, tx_json
from .server import CoreRPC
from .transport import (
    SERVICE_URL,
    InProcessConnection,
    InProcessResponse,
    RPCResponse,
    handle_jsonrpc,
    proxy,
    raw_proxy,
    respond,
)

__all__ = [
    "CoreRPC", "InProcessConnection", "InProcessResponse", "JSONRPCError", "RPCResponse", "SERVICE_URL", "dumps",
    "handle_jsonrpc", "proxy", "raw_proxy", "respond", "script_asm", "descriptor_checksum",
    "RPC_MISC_ERROR", "RPC_TYPE_ERROR", "RPC_INVALID_ADDRESS_OR_KEY", "RPC_INVALID_PARAMETER",
    "RPC_DESERIALIZATION_ERROR", "RPC_VERIFY_ERROR", "RPC_VERIFY_REJECTED", "RPC_VERIFY_ALREADY_IN_CHAIN",
    "RPC_INVALID_REQUEST", "RPC_METHOD_NOT_FOUND", "RPC_INVALID_PARAMS", "RPC_PARSE_ERROR",
    # importable from hemi.btc.rpc since before it became a package
    "btc_amount", "NO_SUCH_TX", "RPC_INTERNAL_ERROR", "CORE_VERSION", "Prevout", "op_name", "script_pubkey_json",
    "tx_json",
]
