"""Pickle support for python-bitcoinlib's immutable objects (a saved devchain holds blocks and transactions).

python-bitcoinlib's immutable classes refuse attribute assignment, which is how pickle restores an object by
default; each is reduced instead to its Bitcoin serialization and rebuilt with ``deserialize``.
"""

from __future__ import annotations

import copyreg

from bitcoin.core import (
    CBlock,
    CBlockHeader,
    COutPoint,
    CTransaction,
    CTxIn,
    CTxInWitness,
    CTxOut,
    CTxWitness,
)

_IMMUTABLE = (CBlock, CBlockHeader, COutPoint, CTransaction, CTxIn, CTxInWitness, CTxOut, CTxWitness)


def _reduce(obj: object) -> tuple:
    return (type(obj).deserialize, (obj.serialize(),))  # type: ignore[attr-defined]


def register() -> None:
    for cls in _IMMUTABLE:
        copyreg.pickle(cls, _reduce)


register()
