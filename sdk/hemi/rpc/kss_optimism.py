"""The ``kss_*`` namespace of Hemi's op-geth and op-node's ``optimism_btcFinalityByBlockHash``.

- ``kss_getKeystone(abrevHash, count)`` and ``kss_getLatestKeystones(count)``. As in op-geth (``eth/api_hemi.go``)
  the result is an object ``{"keystones": [L2Keystone...]}``; a refused request (count over 50, malformed or unknown
  hash) is *not* a JSON-RPC error there but the same object with ``"error": {"timestamp", "trace", "message"}``
  (heminetwork ``protocol.Error``) and no keystones, which is what BFG and popm read. The hash is the abbreviated
  keystone hash in display hex (as BFG prints it); the raw digest order is accepted too.
- ``optimism_btcFinalityByBlockHash(hash)`` (the node's ``btc_finality_by_block_hash``): by default the newest
  op-node's BFG v2 object; with ``finality_rpc="v1"`` the legacy ``[L2BTCFinality{l2_keystone, btc_pub_height,
  btc_pub_header_hash, btc_finality}]``; hemi-viem's ``getBtcFinalityByBlockHash`` passes the object through and
  takes element 0 of the list. While the keystone providing finality is not mined, or for an unknown hash, JSON-RPC
  error -32000, on which hemi-viem falls back to ``btc_finality: -9``.
"""

from __future__ import annotations

import time
from collections.abc import Mapping
from types import MappingProxyType
from typing import Any

from hemi.errors import HemiLookupError, HemiValueError
from hemi.node.api import FinalityRpcError, KeystoneHash, btc_finality_by_block_hash
from hemi.rpc.context import RpcContext
from hemi.rpc.errors import RPCError
from hemi.rpc.params import Handler, parse_hash, parse_q

MAX_KEYSTONE_COUNT = 50  # op-geth maxL2KeystoneCount


def _count(v: Any) -> int:
    if isinstance(v, str):
        return parse_q(v, "count")
    if isinstance(v, bool) or not isinstance(v, int) or v < 0:
        raise RPCError(-32602, f"invalid count: expected a non-negative integer, got {v!r}")
    return v


def _kss_error(message: str) -> dict[str, Any]:
    return {"keystones": None, "error": {"timestamp": int(time.time()), "trace": "", "message": message}}


def _find_keystone(api: RpcContext, abrev_hash: Any) -> Any:
    if not isinstance(abrev_hash, str):
        raise HemiValueError(f"abrevHash is a hex string, got {abrev_hash!r}")
    s = abrev_hash[2:] if abrev_hash[:2] in ("0x", "0X") else abrev_hash
    display = KeystoneHash(s)  # validates length and hex (chainhash.NewHashFromStr)
    ks = api.dev.keystones.find(display)
    if ks is None:  # op-geth hex-decodes the string as is: accept the raw digest order too
        ks = api.dev.keystones.find(KeystoneHash(bytes.fromhex(s)))
    if ks is None:
        raise HemiLookupError(f"unknown keystone {s}")
    return ks


def get_keystone(api: RpcContext, abrev_hash: Any, count: Any = 0) -> dict[str, Any]:
    n = _count(count)
    if n > MAX_KEYSTONE_COUNT:
        return _kss_error("count too large")
    try:
        ks = _find_keystone(api, abrev_hash)
    except (HemiLookupError, HemiValueError) as err:
        return _kss_error(str(err))
    return {"keystones": [k.to_json() for k in [ks] + api.dev.keystones.descendants(ks, n)]}


def latest_keystones(api: RpcContext, count: Any) -> dict[str, Any]:
    n = _count(count)
    if n > MAX_KEYSTONE_COUNT:
        return _kss_error("count too large")
    return {"keystones": [k.to_json() for k in api.dev.keystones.latest(n)]}


def btc_finality(api: RpcContext, block_hash: Any) -> dict[str, Any] | list[Any]:
    try:
        return btc_finality_by_block_hash(api.dev, parse_hash(block_hash, "block hash"), api.dev.config.finality_rpc)
    except FinalityRpcError as err:
        raise RPCError(err.code, str(err)) from None


METHODS: Mapping[str, Handler] = MappingProxyType({
    "kss_getKeystone": get_keystone, "kss_getLatestKeystones": latest_keystones,
    "optimism_btcFinalityByBlockHash": btc_finality,
})
