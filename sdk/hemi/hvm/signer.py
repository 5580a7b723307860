"""Signing the devchain's own transactions (dev accounts, impersonation placeholders) with coincurve directly.

py-evm signs through eth-keys, whose coincurve backend builds a new coincurve key (a public-key derivation) for
every signature: two thirds of a signature's cost. :class:`Signer` holds the coincurve key and the address once
per secret (:func:`signer_for` caches them) and offers the one method py-evm's ``as_signed_transaction`` calls,
``sign_msg``; the signature is libsecp256k1's deterministic (RFC 6979) one either way, so the bytes are the same.
"""

from __future__ import annotations

from functools import lru_cache

import coincurve
from eth_keys.backends.coincurve import CoinCurveECCBackend
from eth_keys.datatypes import Signature
from eth_utils import keccak

_BACKEND = CoinCurveECCBackend()


class Signer:
    """A secp256k1 secret key, for py-evm's transaction signing (duck-typed as eth-keys' ``PrivateKey``)."""

    __slots__ = ("_key", "address")

    def __init__(self, secret: bytes) -> None:
        self._key = coincurve.PrivateKey(secret)
        self.address = keccak(self._key.public_key.format(compressed=False)[1:])[12:]

    def sign_msg(self, message: bytes) -> Signature:
        return Signature(self._key.sign_recoverable(keccak(message), hasher=None), backend=_BACKEND)


@lru_cache(maxsize=256)
def signer_for(secret: bytes) -> Signer:
    """The signer of ``secret`` (32 bytes), made once per process: dev accounts sign many transactions."""
    return Signer(secret)
