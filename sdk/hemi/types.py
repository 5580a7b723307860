"""Value types for identifiers that come in two byte orders.

Bitcoin hashes (txids, block hashes) are stored and hashed in *internal* byte order but shown by every explorer,
RPC and hVM precompile in the reversed *display* order. ``Txid`` and ``BlockHash`` keep the canonical internal bytes
inside and print display-order hex, so there is one obvious way to hold them:

- ``Txid("ab12...")`` / ``Txid("0xab12...")``: a 64-char hex string is read in display (explorer) order;
- ``Txid(b"...32 bytes...")``: raw bytes are read as internal (canonical, python-bitcoinlib ``GetTxid()``) order;
- ``Txid.from_display_bytes(b)``: 32 bytes in display order (what hVM precompiles and hBK's ``bytes32`` carry).

``bytes(txid)`` gives the internal bytes, ``str(txid)`` and ``txid.hex`` the display hex.
"""

from __future__ import annotations

from hemi.errors import HemiValueError, InvalidHexError

__all__ = ["Hash32", "Txid", "BlockHash", "HashLike", "L2_BLOCK_TAGS", "bytes32", "l2_target"]


class Hash32:
    """A 32-byte Bitcoin hash; see the module docstring for the two byte orders."""

    __slots__ = ("_b",)
    _b: bytes  # internal byte order
    _kind = "hash"

    def __init__(self, value: HashLike) -> None:
        if isinstance(value, Hash32):
            self._b = value._b
        elif isinstance(value, (bytes, bytearray, memoryview)):
            b = bytes(value)
            if len(b) != 32:
                raise HemiValueError(f"a {self._kind} is 32 bytes, got {len(b)}")
            self._b = b
        elif isinstance(value, str):
            s = value[2:] if value[:2] in ("0x", "0X") else value
            if len(s) != 64:
                raise InvalidHexError(f"a {self._kind} is 64 hex characters, got {len(s)}: {value!r}")
            try:
                self._b = bytes.fromhex(s)[::-1]
            except ValueError:
                raise InvalidHexError(f"not hex: {value!r}") from None
        else:
            raise HemiValueError(f"cannot make a {self._kind} from {type(value).__name__}")

    @classmethod
    def from_display_bytes(cls, data: bytes) -> Hash32:
        """32 bytes in display (explorer) order, as hVM precompiles take and return them."""
        if len(data) != 32:
            raise HemiValueError(f"a {cls._kind} is 32 bytes, got {len(data)}")
        return cls(bytes(data)[::-1])

    @property
    def hex(self) -> str:
        """Display-order hex, as explorers and Bitcoin Core RPC print it."""
        return self._b[::-1].hex()

    @property
    def display_bytes(self) -> bytes:
        """The 32 bytes in display order (hBK's ``bytes32 txId``)."""
        return self._b[::-1]

    def __bytes__(self) -> bytes:
        return self._b

    def __str__(self) -> str:
        return self.hex

    def __repr__(self) -> str:
        return f"{type(self).__name__}('{self.hex}')"

    def __eq__(self, other: object) -> bool:
        if isinstance(other, Hash32):
            return self._b == other._b and (type(self) is type(other))
        if isinstance(other, (str, bytes)):
            try:
                return self._b == type(self)(other)._b
            except HemiValueError:
                return False
        return NotImplemented

    def __hash__(self) -> int:
        return hash(self._b)

    def __lt__(self, other: Hash32) -> bool:
        return self._b[::-1] < bytes(other)[::-1]


class Txid(Hash32):
    """A transaction id (or wtxid)."""

    __slots__ = ()
    _kind = "txid"


class BlockHash(Hash32):
    """A block hash."""

    __slots__ = ()
    _kind = "block hash"


HashLike = Hash32 | bytes | bytearray | memoryview | str


def bytes32(value: object) -> bytes | None:
    """32 bytes as given (no byte-order change) from bytes-like or 0x/plain hex; None when not hash-shaped.

    For EVM hashes (blocks, transactions), which have one byte order; Bitcoin hashes use Txid / BlockHash."""
    if isinstance(value, (bytes, bytearray, memoryview)):
        b = bytes(value)
        return b if len(b) == 32 else None
    if isinstance(value, str):
        s = value[2:] if value[:2] in ("0x", "0X") else value
        if len(s) != 64:
            return None
        try:
            return bytes.fromhex(s)
        except ValueError:
            return None
    return None


L2_BLOCK_TAGS = ("latest", "safe", "finalized", "pending", "earliest")  # the tags an L2 target may be


def l2_target(value: object) -> object:
    """What an L2 target (``Devchain.finality``/``superfinalize``, the ``assert_*superfinal`` assertions) names,
    before it is looked up: a web3 receipt or log (anything with ``transactionHash``, as a key or an attribute)
    becomes that transaction hash; everything else (block number, hash, tag, keystone) is returned as it is, for
    the caller to look up or refuse. The one place both the devchain and :mod:`hemi.testing` unwrap a receipt."""
    if isinstance(value, (str, bytes, bytearray, memoryview, int)):
        return value
    getter = getattr(value, "get", None)
    if callable(getter):
        try:
            found = getter("transactionHash")
        except Exception:  # noqa: BLE001 - a .get that is not a mapping's: not a receipt
            found = None
        if found is not None:
            return found
    found = getattr(value, "transactionHash", None)
    return value if found is None else found

