"""Hemi-specific JSON-RPC methods, registered into :data:`hemi.rpc.eth.METHODS` when this module is imported.

- op-geth's ``kss`` namespace: ``kss_getKeystone(abrevHash, count)`` and ``kss_getLatestKeystones(count)``. As in
  op-geth (``eth/api_hemi.go``) the result is an object ``{"keystones": [L2Keystone...]}``; a refused request (count
  over 50, malformed or unknown hash) is *not* a JSON-RPC error there but the same object with
  ``"error": {"timestamp", "trace", "message"}`` (heminetwork ``protocol.Error``) and no keystones, which is what
  BFG and popm read. The hash is the abbreviated keystone hash in display hex (as BFG prints it); the raw digest
  order is accepted too.
- op-node's legacy ``optimism_btcFinalityByBlockHash(hash)``: ``[L2BTCFinality{l2_keystone, btc_pub_height,
  btc_pub_header_hash, btc_finality}]`` (hemi-viem's ``getBtcFinalityByBlockHash`` takes element 0). While the
  keystone providing finality is not mined, or for an unknown hash, JSON-RPC error -32000, on which hemi-viem
  falls back to ``btc_finality: -9``.
- ``hemi_*`` controls mirroring the Python API of :class:`~hemi.node.devchain.Devchain` (results are plain JSON;
  Bitcoin hashes in display hex, EVM hashes 0x-hex):

  ======================================  ===============================================================
  ``hemi_mineBitcoin(n=1, address?)``     ``dev.btc.mine(n, to=address)`` -> list of block hashes
  ``hemi_reorgBitcoin(depth, newBlocks?,  ``dev.btc.reorg(...)`` -> list of the new branch's block hashes
  drop?)``
  ``hemi_syncBitcoin()``                  ``dev.sync_btc()`` -> ``{"l2_blocks_mined", "hvm_view"}``
  ``hemi_superfinalize(target?)``         ``dev.superfinalize(target).to_json()``
  ``hemi_finality(target?)``              ``dev.finality(target).to_json()``
  ``hemi_provenance(txHash)``             ``dev.provenance(tx).to_json()`` (verified first)
  ``hemi_hvmView(block?)``                ``dev.hvm_view(block).to_dict()``
  ``hemi_popPublish(keystone?, miner?)``  ``dev.pop.publish(...)`` -> txid
  ``hemi_dumpState(path)``                ``dev.dump_state(path)`` when the devchain has it, else -32004
  ======================================  ===============================================================

  A target is an L2 block number (int or hex quantity), ``"latest"``, or a 32-byte L2 block / EVM tx hash. Errors
  of the protocol layer that are neither lookups nor bad values (``NotSuperfinalizable``, ``ProvenanceError``,
  ``ReorgError``...) answer -32000 with their message.
"""

from __future__ import annotations

import functools
import time
from typing import Any, Callable, Optional

from hemi.errors import HemiError, HemiLookupError, HemiValueError
from hemi.rpc.eth import EthApi, RPCError, method, parse_q

MAX_KEYSTONE_COUNT = 50  # op-geth maxL2KeystoneCount
MAX_BTC_BLOCKS = 100_000  # one request holds the devchain (~0.2 ms a block): a typo'd count must not hang it
METHOD_NOT_SUPPORTED = -32004  # EIP-1474


def _protocol_errors(fn: Callable[..., Any]) -> Callable[..., Any]:
    """Map protocol errors that EthApi.request does not map itself (it maps lookups and bad values) to -32000."""

    @functools.wraps(fn)
    def wrapper(api: EthApi, *params: Any) -> Any:
        try:
            return fn(api, *params)
        except (RPCError, HemiLookupError, HemiValueError, TypeError):
            raise
        except HemiError as err:
            raise RPCError(-32000, f"{type(err).__name__}: {err}") from None

    return wrapper


def _count(v: Any) -> int:
    if isinstance(v, str):
        return parse_q(v, "count")
    if isinstance(v, bool) or not isinstance(v, int) or v < 0:
        raise RPCError(-32602, f"invalid count: expected a non-negative integer, got {v!r}")
    return v


def _int(v: Any, name: str) -> int:
    if isinstance(v, str) and not v[:2] in ("0x", "0X"):
        try:
            return int(v)
        except ValueError:
            pass
    return parse_q(v, name)


def _target(v: Any) -> Any:
    """An L2 block number, "latest", or a 32-byte hash string, for Devchain.finality and friends."""
    if v is None or v == "latest":
        return "latest"
    if isinstance(v, int) and not isinstance(v, bool):
        return v
    if isinstance(v, str):
        s = v[2:] if v[:2] in ("0x", "0X") else v
        if len(s) == 64:
            return "0x" + s
        return parse_q(v, "block number")
    raise RPCError(-32602, f"invalid target: an L2 block number, 'latest' or a 32-byte hash, got {v!r}")


# ---------------------------------------------------------------------------------------------- kss (op-geth)

def _kss_error(message: str) -> dict:
    return {"keystones": None, "error": {"timestamp": int(time.time()), "trace": "", "message": message}}


def _find_keystone(api: EthApi, abrev_hash: Any):
    from hemi.node.keystones import KeystoneHash

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


@method("kss_getKeystone")
def _kss_get_keystone(api: EthApi, abrev_hash: Any, count: Any = 0) -> dict:
    n = _count(count)
    if n > MAX_KEYSTONE_COUNT:
        return _kss_error("count too large")
    try:
        ks = _find_keystone(api, abrev_hash)
    except (HemiLookupError, HemiValueError) as err:
        return _kss_error(str(err))
    return {"keystones": [k.to_json() for k in [ks] + api.dev.keystones.descendants(ks, n)]}


@method("kss_getLatestKeystones")
def _kss_latest(api: EthApi, count: Any) -> dict:
    n = _count(count)
    if n > MAX_KEYSTONE_COUNT:
        return _kss_error("count too large")
    return {"keystones": [k.to_json() for k in api.dev.keystones.latest(n)]}


# ---------------------------------------------------------------------------------------------- op-node (legacy)

@method("optimism_btcFinalityByBlockHash")
def _btc_finality_by_block_hash(api: EthApi, block_hash: Any) -> list:
    from hemi.rpc.eth import parse_hash

    h = parse_hash(block_hash, "block hash")
    n = api.engine.block_number_of(h)
    if n is None:
        raise RPCError(-32000, f"block 0x{h.hex()} not found")
    f = api.dev.finality(n)
    if f.keystone is None:
        raise RPCError(-32000, f"no keystone provides finality for L2 block {n} yet (the next keystone is "
                               f"{api.dev.keystones.keystone_number_for(n)}, head is {api.engine.head_number})")
    return [f.to_legacy()]


# ---------------------------------------------------------------------------------------------- hemi_* controls

@method("hemi_mineBitcoin")
@_protocol_errors
def _mine_bitcoin(api: EthApi, n: Any = 1, address: Optional[str] = None) -> list[str]:
    count = _int(n, "n")
    if count > MAX_BTC_BLOCKS:
        raise RPCError(-32602, f"cannot mine {count} Bitcoin blocks in one request (at most {MAX_BTC_BLOCKS})")
    return [str(h) for h in api.dev.btc.mine(count, to=address)]


@method("hemi_reorgBitcoin")
@_protocol_errors
def _reorg_bitcoin(api: EthApi, depth: Any, new_blocks: Any = None, drop: Any = None) -> list[str]:
    if drop is not None and not isinstance(drop, list):
        raise RPCError(-32602, "drop is a list of txids")
    new = None if new_blocks is None else _int(new_blocks, "newBlocks")
    if new is not None and new > MAX_BTC_BLOCKS:
        raise RPCError(-32602, f"cannot mine {new} Bitcoin blocks in one request (at most {MAX_BTC_BLOCKS})")
    hashes = api.dev.btc.reorg(_int(depth, "depth"), new_blocks=new,
                               drop=drop or ())
    return [str(h) for h in hashes]


@method("hemi_syncBitcoin")
@_protocol_errors
def _sync_bitcoin(api: EthApi) -> dict:
    mined = api.dev.sync_btc()
    return {"l2_blocks_mined": mined, "hvm_view": api.dev.hvm_view("latest").to_dict()}


@method("hemi_superfinalize")
@_protocol_errors
def _superfinalize(api: EthApi, target: Any = "latest") -> dict:
    return api.dev.superfinalize(_target(target)).to_json()


@method("hemi_finality")
@_protocol_errors
def _finality(api: EthApi, target: Any = "latest") -> dict:
    return api.dev.finality(_target(target)).to_json()


@method("hemi_provenance")
@_protocol_errors
def _provenance(api: EthApi, tx_hash: Any) -> dict:
    from hemi.rpc.eth import parse_hash

    return api.dev.provenance(parse_hash(tx_hash, "transaction hash")).verify().to_json()


@method("hemi_hvmView")
@_protocol_errors
def _hvm_view(api: EthApi, block: Any = "latest") -> dict:
    if isinstance(block, str) and block not in ("latest", "earliest", "pending", "safe", "finalized"):
        block = parse_q(block, "block number")
    return api.dev.hvm_view(block).to_dict()


@method("hemi_popPublish")
@_protocol_errors
def _pop_publish(api: EthApi, keystone: Any = None, miner: str = "default") -> str:
    if isinstance(keystone, str) and len(keystone.removeprefix("0x")) != 64:
        keystone = parse_q(keystone, "keystone")
    return str(api.dev.pop.publish(keystone, miner=miner))


@method("hemi_dumpState")
@_protocol_errors
def _dump_state(api: EthApi, path: Any) -> Any:
    if not hasattr(api.dev, "dump_state"):
        raise RPCError(METHOD_NOT_SUPPORTED, "hemi_dumpState is not supported yet: this Devchain has no dump_state")
    if not isinstance(path, str) or not path:
        raise RPCError(-32602, "path is a non-empty string")
    out = api.dev.dump_state(path)
    return out if isinstance(out, (str, int, bool, type(None), dict, list)) else True

