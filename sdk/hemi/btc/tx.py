"""Transaction encoding helpers: decode raw hex/bytes, and the hashes and sizes every layer needs.

python-bitcoinlib's ``GetTxid()`` re-serializes on every call; the chain computes txid, wtxid and sizes once per
transaction here and keeps them next to it.
"""

from __future__ import annotations

import hashlib
from typing import NamedTuple, TypeAlias

from bitcoin.core import CMutableTransaction, CTransaction
from bitcoin.core.serialize import DeserializationExtraDataError, SerializationTruncationError

from hemi.errors import InvalidHexError

RawTx: TypeAlias = str | bytes | bytearray | CTransaction | CMutableTransaction


def sha256d(data: bytes) -> bytes:
    return hashlib.sha256(hashlib.sha256(data).digest()).digest()


class TxHashes(NamedTuple):
    txid: bytes  # internal byte order
    wtxid: bytes
    size: int  # total serialized size, witness included
    base_size: int  # size without witness
    weight: int

    @property
    def vsize(self) -> int:
        return (self.weight + 3) // 4


def tx_hashes(tx: CTransaction, raw: bytes | None = None) -> TxHashes:
    full = raw if raw is not None else tx.serialize()
    if tx.has_witness():
        base = tx.serialize(params={"include_witness": False})
    else:
        base = full
    return TxHashes(sha256d(base), sha256d(full), len(full), len(base), len(base) * 3 + len(full))


def decode_tx(data: RawTx) -> tuple[CTransaction, bytes]:
    """(immutable transaction, its raw bytes) from hex, bytes or a python-bitcoinlib transaction.

    Raises ``InvalidHexError`` naming the reason (Bitcoin Core says "TX decode failed").
    """
    if isinstance(data, (CTransaction, CMutableTransaction)):
        tx = CTransaction.from_tx(data)
        return tx, tx.serialize()
    if isinstance(data, str):
        s = data.strip()
        if s[:2] in ("0x", "0X"):
            s = s[2:]
        try:
            raw = bytes.fromhex(s)
        except ValueError:
            raise InvalidHexError("TX decode failed: not hex") from None
    elif isinstance(data, (bytes, bytearray, memoryview)):
        raw = bytes(data)
    else:
        raise InvalidHexError(f"TX decode failed: cannot decode a {type(data).__name__}")
    if not raw:
        raise InvalidHexError("TX decode failed: empty")
    try:
        tx = CTransaction.deserialize(raw)
    except (SerializationTruncationError, DeserializationExtraDataError, ValueError, IndexError, TypeError) as err:
        raise InvalidHexError(f"TX decode failed: {err or type(err).__name__}") from None
    except Exception as err:  # noqa: BLE001 - python-bitcoinlib raises assorted errors on garbage
        raise InvalidHexError(f"TX decode failed: {type(err).__name__}: {err}") from None
    return tx, raw
