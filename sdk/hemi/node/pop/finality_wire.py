"""Finality on the wire: BFG v2's HTTP answer and op-node's ``optimism_btcFinalityByBlockHash``, byte for byte.

The servers call these and only serialize what they return, so every transport (the HTTP server of
:mod:`hemi.server`, or any replacement) answers the same:

- :func:`keystone_finality_http` is BFG's ``GET /v2/keystonefinality/{hash}`` (heminetwork ``service/bfg/bfg.go``
  ``handleKeystoneFinality``): the path hash is parsed like ``chainhash.NewHashFromStr`` (display-order hex, at most
  64 digits, shorter ones zero-extended at the most significant end); a bad one is 400, an unknown keystone 404,
  both with BFG's ``HTTPError`` body ``{timestamp, trace, error}``; otherwise 200 with
  :meth:`~hemi.node.pop.finality.Finality.to_bfg_v2`.
- :func:`btc_finality_by_block_hash` is op-node's RPC. ``"v2"`` (the default) is the newest op-node, which asks BFG
  for the keystone providing the block's finality and returns BFG's object (hemilabs/optimism
  ``op-node/node/bvm_api_helper.go``); ``"v1"`` is the BSS-era list ``[L2BTCFinality]`` (heminetwork v1.6.3
  ``hemi/hemi.go``). Both raise :class:`FinalityRpcError` (JSON-RPC -32000, as op-node's plain errors) for an unknown
  block or a keystone not yet produced; hemi-viem falls back to ``btc_finality: -9`` on exactly that code.
"""

from __future__ import annotations

import secrets
import time
from typing import Any, Protocol

from hemi.errors import HemiLookupError, HemiValueError
from hemi.hvm.engine import EvmEngine
from hemi.node.pop.finality import Finality, Target
from hemi.node.pop.keystones import KeystoneHash, KeystoneIndex

__all__ = ["FINALITY_RPC_VERSIONS", "FinalityRpcError", "parse_bfg_hash", "bfg_error", "keystone_finality_http",
           "btc_finality_by_block_hash"]

FINALITY_RPC_VERSIONS = ("v2", "v1")


class FinalitySource(Protocol):
    """What the wire answers read from a devchain: its engine, keystones and finality service."""

    @property
    def engine(self) -> EvmEngine: ...

    @property
    def keystones(self) -> KeystoneIndex: ...

    def finality(self, target: Target = "latest") -> Finality: ...
_MAX_HASH_DIGITS = 64  # chainhash.MaxHashStringSize


class FinalityRpcError(HemiLookupError):
    """op-node cannot give the finality of this block (unknown, or its keystone is not produced yet): -32000."""

    code = -32000


def parse_bfg_hash(text: str) -> bytes:
    """The 32 internal-order bytes ``chainhash.NewHashFromStr(text)`` gives, or ``HemiValueError``.

    btcd ``chainhash.Decode``: at most 64 hex digits; an odd count gets a leading "0"; the digits fill the END of a
    32-byte buffer (so "" is the zero hash), which is then reversed. No "0x" prefix (not hex)."""
    if len(text) > _MAX_HASH_DIGITS:
        raise HemiValueError(f"hash string of {len(text)} characters is longer than {_MAX_HASH_DIGITS}")
    digits = text if len(text) % 2 == 0 else "0" + text
    try:
        raw = bytes.fromhex(digits)
    except ValueError:
        raise HemiValueError(f"not hex: {text!r}") from None
    if len(raw) * 2 != len(digits):  # bytes.fromhex skips whitespace; hex.Decode does not
        raise HemiValueError(f"not hex: {text!r}")
    return (bytes(32 - len(raw)) + raw)[::-1]


def bfg_error(message: str) -> dict:
    """BFG's ``HTTPError`` body: ``{"timestamp": unix seconds, "trace": 16 hex digits, "error": message}``."""
    return {"timestamp": int(time.time()), "trace": secrets.token_hex(8), "error": message}


def keystone_finality_http(dev: FinalitySource, hash_text: str) -> tuple[int, dict]:
    """(HTTP status, JSON body) of BFG's ``GET /v2/keystonefinality/{hash_text}`` on this devchain."""
    try:
        raw = parse_bfg_hash(hash_text)
    except HemiValueError:
        return 400, bfg_error("invalid keystone length")  # BadRequestf's text for any NewHashFromStr error
    ks = dev.keystones.find(KeystoneHash(raw))
    if ks is None:
        return 404, bfg_error(f"unknown keystone: keystone not found: {KeystoneHash(raw).hex}")
    return 200, dev.finality(ks).to_bfg_v2()


def btc_finality_by_block_hash(dev: FinalitySource, block_hash: bytes, version: str = "v2") -> dict | list[Any]:
    """op-node's ``optimism_btcFinalityByBlockHash(block_hash)`` in wire form: ``"v2"`` BFG's object for the
    keystone providing finality, ``"v1"`` ``[L2BTCFinality]``. :class:`FinalityRpcError` when op-node errors."""
    if version not in FINALITY_RPC_VERSIONS:
        raise HemiValueError(f"finality RPC version is 'v2' or 'v1', got {version!r}")
    n = dev.engine.block_number_of(bytes(block_hash))
    if n is None:
        raise FinalityRpcError(f"block 0x{bytes(block_hash).hex()} not found")
    f = dev.finality(n)
    if f.keystone is None:
        # bvm_api_helper.go getBTCFinalityForBlockNum: the same check and wording in v1 and v2
        raise FinalityRpcError(f"keystone {dev.keystones.keystone_number_for(n)} providing finality for block {n} "
                               f"not yet produced, L2 tip = {dev.engine.head_number}")
    return f.to_bfg_v2() if version == "v2" else [f.to_legacy()]
