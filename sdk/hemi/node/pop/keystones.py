"""Keystones: every 25th L2 block, abbreviated to 76 bytes for Proof-of-Proof (heminetwork ``hemi/hemi.go``).

A keystone is an L2 block whose ``number % interval == 0`` and ``number != 0`` (``hemi.KeystoneHeaderPeriod = 25`` in
heminetwork ``hemi/hemi.go``). Its wire form :class:`L2Keystone` carries the block's hash (``ep_hash``), its parent's
hash, its state root, the hash of the block ``interval`` blocks earlier (the previous keystone; zeros when that is
block 0 or below) and the block's L1 origin. PoP miners publish its 76-byte abbreviation
(:class:`L2KeystoneAbrev`, ``L2KeystoneAbrev.Serialize`` in ``hemi/hemi.go``) and it is known by the double SHA-256
of those 76 bytes (:class:`KeystoneHash`, shown reversed as Bitcoin hashes are).

**L1 origin.** The devchain has no L1 (Ethereum) chain. ``l1_block_number`` is a simulated L1 origin equal to the L2
block number: one 12 s L1 block per 12 s L2 block. It only feeds bytes ``[1:5]`` of the abbreviation.

:class:`KeystoneIndex` derives every keystone from the engine's blocks on demand (cached by block hash, so a revert
or re-mined block never serves a stale keystone); it holds no state a snapshot must save.
"""

from __future__ import annotations

import hashlib
import struct
from collections.abc import Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING

from hemi.constants import KEYSTONE_INTERVAL
from hemi.errors import HemiLookupError, HemiValueError
from hemi.types import Hash32, HashLike

if TYPE_CHECKING:
    from hemi.node.context import Chains

__all__ = [
    "KEYSTONE_INTERVAL", "KEYSTONE_VERSION", "L2_KEYSTONE_ABREV_SIZE", "MAX_KEYSTONE_COUNT", "KeystoneHash",
    "L2Keystone", "L2KeystoneAbrev", "KeystoneIndex", "UnknownKeystoneError",
]

KEYSTONE_VERSION = 1  # hemi.L2KeystoneAbrevVersion
L2_KEYSTONE_ABREV_SIZE = 76  # hemi.L2KeystoneAbrevSize
MAX_KEYSTONE_COUNT = 50  # op-geth kss_getLatestKeystones / kss_getKeystone cap
ZERO_HASH = bytes(32)


class UnknownKeystoneError(HemiLookupError):
    """No keystone with this number or abbreviated hash exists on the current L2 chain."""


class KeystoneHash(Hash32):
    """The id of a keystone: double SHA-256 of its 76-byte abbreviation (``L2KeystoneAbrev.Hash()``).

    ``bytes(h)`` is the raw digest (Go's ``Hash()`` bytes, what TBC indexes by); ``str(h)`` is the reversed
    chainhash display hex, as BFG's ``/v2/keystonefinality/{hash}`` takes it.
    """

    __slots__ = ()
    _kind = "keystone hash"


def _dsha256(data: bytes) -> bytes:
    return hashlib.sha256(hashlib.sha256(data).digest()).digest()


@dataclass(frozen=True)
class L2KeystoneAbrev:
    """The 76-byte abbreviated keystone (``hemi.L2KeystoneAbrev``): hashes clipped to their leading bytes."""

    version: int
    l1_block_number: int
    l2_block_number: int
    parent_ep_hash: bytes  # 11 bytes
    prev_keystone_ep_hash: bytes  # 12 bytes
    state_root: bytes  # 32 bytes
    ep_hash: bytes  # 12 bytes

    def serialize(self) -> bytes:
        """``[0] version | [1:5] L1 BE | [5:9] L2 BE | [9:20] parent | [20:32] prev keystone | [32:64] state root |
        [64:76] ep hash``."""
        return (struct.pack(">BII", self.version, self.l1_block_number, self.l2_block_number)
                + self.parent_ep_hash + self.prev_keystone_ep_hash + self.state_root + self.ep_hash)

    @property
    def hash(self) -> KeystoneHash:
        return KeystoneHash(_dsha256(self.serialize()))

    @classmethod
    def from_bytes(cls, data: bytes) -> L2KeystoneAbrev:
        """Parse 76 bytes as ``hemi.NewL2KeystoneAbrevFromBytes`` does: version 1 and exactly 76 bytes, else error."""
        b = bytes(data)
        if len(b) < 1:
            raise HemiValueError("an abbreviated keystone is 76 bytes, got 0")
        if b[0] != KEYSTONE_VERSION:
            raise HemiValueError(f"unsupported abbreviated keystone version {b[0]}")
        if len(b) != L2_KEYSTONE_ABREV_SIZE:
            raise HemiValueError(f"an abbreviated keystone is {L2_KEYSTONE_ABREV_SIZE} bytes, got {len(b)}")
        l1, l2 = struct.unpack(">II", b[1:9])
        return cls(b[0], l1, l2, b[9:20], b[20:32], b[32:64], b[64:76])


@dataclass(frozen=True)
class L2Keystone:
    """A keystone in its wire form (``hemi.L2Keystone``; JSON keys as in heminetwork, hex without ``0x``)."""

    version: int
    l1_block_number: int
    l2_block_number: int
    parent_ep_hash: bytes
    prev_ep_keystone_hash: bytes
    state_root: bytes
    ep_hash: bytes

    def abbreviate(self) -> L2KeystoneAbrev:
        """``hemi.L2KeystoneAbbreviate``: Go ``copy`` into fixed arrays keeps the LEADING bytes."""
        return L2KeystoneAbrev(self.version, self.l1_block_number, self.l2_block_number,
                               _clip(self.parent_ep_hash, 11), _clip(self.prev_ep_keystone_hash, 12),
                               _clip(self.state_root, 32), _clip(self.ep_hash, 12))

    def abbreviated(self) -> bytes:
        """The exact 76 bytes a PoP miner publishes after ``HEMI``."""
        return self.abbreviate().serialize()

    @property
    def hash(self) -> KeystoneHash:
        """The abbreviated hash: double SHA-256 of :meth:`abbreviated`."""
        return KeystoneHash(_dsha256(self.abbreviated()))

    @property
    def number(self) -> int:
        return self.l2_block_number

    def to_json(self) -> dict:
        return {
            "version": self.version,
            "l1_block_number": self.l1_block_number,
            "l2_block_number": self.l2_block_number,
            "parent_ep_hash": self.parent_ep_hash.hex(),
            "prev_ep_keystone_hash": self.prev_ep_keystone_hash.hex(),
            "state_root": self.state_root.hex(),
            "ep_hash": self.ep_hash.hex(),
        }

    def __repr__(self) -> str:
        return f"L2Keystone(l2_block_number={self.l2_block_number}, hash={self.hash.hex})"


def _clip(b: bytes, n: int) -> bytes:
    return bytes(b[:n]).ljust(n, b"\x00")


def _check_count(count: int) -> int:
    if isinstance(count, bool) or not isinstance(count, int) or not 0 <= count <= MAX_KEYSTONE_COUNT:
        raise HemiValueError(f"count is an int in [0, {MAX_KEYSTONE_COUNT}], got {count!r}")
    return count


class KeystoneIndex:
    """The keystones of a devchain's L2 chain, read from the engine's blocks on demand (``dev.keystones``).

    Lookups follow op-geth's ``kss`` namespace: :meth:`latest` is ``kss_getLatestKeystones`` and
    :meth:`get_with_descendants` is ``kss_getKeystone``.
    """

    def __init__(self, chains: Chains, *, interval: int = KEYSTONE_INTERVAL) -> None:
        if isinstance(interval, bool) or not isinstance(interval, int) or interval < 1:
            raise HemiValueError(f"interval must be a positive int, got {interval!r}")
        self.chains = chains
        self.interval = interval
        self._by_block: dict[bytes, L2Keystone] = {}  # ep_hash -> keystone (a block hash fixes its ancestors)
        self._by_abrev: dict[bytes, L2Keystone] = {}  # raw abbreviated hash -> keystone, checked before use

    # ------------------------------------------------------------------ numbers

    @property
    def head_number(self) -> int:
        return self.chains.engine.head_number

    def is_keystone(self, number: int) -> bool:
        """Whether L2 block ``number`` is (or will be, once mined) a keystone."""
        return isinstance(number, int) and not isinstance(number, bool) and number > 0 and \
            number % self.interval == 0

    def keystone_number_for(self, block_number: int) -> int:
        """The number of the keystone providing finality for ``block_number``: the next keystone at or above it
        (``ceil(n / interval) * interval``; block 0 maps to the first keystone)."""
        if isinstance(block_number, bool) or not isinstance(block_number, int) or block_number < 0:
            raise HemiValueError(f"an L2 block number is a non-negative int, got {block_number!r}")
        return max(1, -(-block_number // self.interval)) * self.interval

    def latest_number(self) -> int | None:
        n = self.head_number // self.interval * self.interval
        return n if n > 0 else None

    # ------------------------------------------------------------------ building

    def _build(self, number: int) -> L2Keystone:
        engine = self.chains.engine
        block = engine.block(number)
        key = bytes(block.hash)
        ks = self._by_block.get(key)
        if ks is None:
            prev_n = number - self.interval
            prev = bytes(engine.block(prev_n).hash) if prev_n > 0 else ZERO_HASH
            ks = L2Keystone(KEYSTONE_VERSION, number, number, bytes(block.header.parent_hash), prev,
                            bytes(block.header.state_root), key)
            self._by_block[key] = ks
            self._by_abrev[bytes(ks.hash)] = ks
        return ks

    def _canonical(self, ks: L2Keystone) -> bool:
        n = ks.l2_block_number
        return n <= self.head_number and bytes(self.chains.engine.block(n).hash) == ks.ep_hash

    # ------------------------------------------------------------------ lookups

    def get(self, key: int | HashLike) -> L2Keystone:
        """The keystone at L2 block ``key`` (an int), or with abbreviated hash ``key`` (KeystoneHash, 32 raw digest
        bytes, or display hex). Raises :class:`UnknownKeystoneError`."""
        if isinstance(key, bool):
            raise HemiValueError(f"a keystone is looked up by L2 block number or abbreviated hash, got {key!r}")
        if isinstance(key, int):
            if not self.is_keystone(key):
                raise UnknownKeystoneError(f"L2 block {key} is not a keystone (keystones are the blocks whose "
                                           f"number is a positive multiple of {self.interval})")
            if key > self.head_number:
                raise UnknownKeystoneError(f"keystone {key} is not mined yet (L2 head is {self.head_number})")
            return self._build(key)
        try:
            h = bytes(KeystoneHash(key))
        except HemiValueError as e:
            raise HemiValueError(f"a keystone is looked up by L2 block number or abbreviated hash: {e}") from None
        ks = self._by_abrev.get(h)
        if ks is None or not self._canonical(ks):
            for k in self:  # fills the cache for every canonical keystone
                if bytes(k.hash) == h:
                    return k
            raise UnknownKeystoneError(f"unknown keystone {KeystoneHash(h)}")
        return ks

    def find(self, key: int | HashLike) -> L2Keystone | None:
        """:meth:`get`, or None instead of :class:`UnknownKeystoneError`."""
        try:
            return self.get(key)
        except UnknownKeystoneError:
            return None

    def keystone_for(self, block_number: int) -> L2Keystone | None:
        """The keystone providing finality for L2 block ``block_number`` (the next at or above it); None while that
        keystone is not mined."""
        n = self.keystone_number_for(block_number)
        return self._build(n) if n <= self.head_number else None

    def latest(self, count: int = 1) -> list[L2Keystone]:
        """Like ``kss_getLatestKeystones(count)``: the newest ``count`` keystones, newest first (count ≤ 50)."""
        _check_count(count)
        top = self.latest_number()
        if top is None:
            return []
        return [self._build(n) for n in range(top, 0, -self.interval)[:count]]

    def descendants(self, keystone: int | HashLike | L2Keystone, count: int) -> list[L2Keystone]:
        """Up to ``count`` keystones after ``keystone`` on the current chain, oldest first."""
        ks = keystone if isinstance(keystone, L2Keystone) else self.get(keystone)
        start = ks.l2_block_number + self.interval
        stop = min(self.head_number, ks.l2_block_number + count * self.interval)
        return [self._build(n) for n in range(start, stop + 1, self.interval)]

    def get_with_descendants(self, key: int | HashLike, count: int = 0) -> list[L2Keystone]:
        """Like ``kss_getKeystone(abrevHash, count)``: the keystone, then up to ``count`` descendants (≤ 50)."""
        _check_count(count)
        ks = self.get(key)
        return [ks] + self.descendants(ks, count)

    def __iter__(self) -> Iterator[L2Keystone]:
        """Every mined keystone, oldest first."""
        for n in range(self.interval, self.head_number + 1, self.interval):
            yield self._build(n)

    def __len__(self) -> int:
        return self.head_number // self.interval

    def __contains__(self, key: object) -> bool:
        try:
            self.get(key)  # type: ignore[arg-type]
        except (UnknownKeystoneError, HemiValueError):
            return False
        return True

    def __repr__(self) -> str:
        return f"<KeystoneIndex interval={self.interval} keystones={len(self)}>"
