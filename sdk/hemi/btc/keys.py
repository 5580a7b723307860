"""Deterministic secp256k1 keys for the embedded regtest chain.

##############################################################################################################
#  TEST-ONLY KEYS. Every private key here is derived from a public seed and a wallet name. Anyone can          #
#  recompute them. Never send real bitcoin to an address made by this module.                                   #
##############################################################################################################

Signing goes through coincurve (libsecp256k1): ECDSA with RFC 6979 nonces (low-S, DER) and BIP 340 Schnorr with a
fixed auxiliary value, so the same seed gives the same signatures, txids and block hashes on every machine.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from functools import cached_property

import coincurve

from hemi.errors import HemiValueError

SECP256K1_ORDER = 0xFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFEBAAEDCE6AF48A03BBFD25E8CD0364141
_DERIVATION_TAG = b"hemi-sdk/btc-test-key/v1"
_ZERO_AUX = bytes(32)  # BIP 340 allows any aux value; a fixed one keeps signatures deterministic


def tagged_hash(tag: str, data: bytes) -> bytes:
    """BIP 340 tagged hash: sha256(sha256(tag) || sha256(tag) || data)."""
    t = hashlib.sha256(tag.encode()).digest()
    return hashlib.sha256(t + t + data).digest()


def hash160(data: bytes) -> bytes:
    return hashlib.new("ripemd160", hashlib.sha256(data).digest()).digest()


def derive_secret(seed: int, name: str, index: int = 0) -> bytes:
    """The 32-byte secret of test key ``index`` of wallet ``name`` under chain ``seed`` (deterministic)."""
    counter = 0
    while True:
        material = b"|".join(
            [_DERIVATION_TAG, str(seed).encode(), name.encode("utf-8"), str(index).encode(), str(counter).encode()]
        )
        secret = hashlib.sha256(material).digest()
        if 0 < int.from_bytes(secret, "big") < SECP256K1_ORDER:
            return secret
        counter += 1  # astronomically rare; keeps derivation total


@dataclass(frozen=True)
class TestKey:
    """A private key with the encodings each address kind needs."""

    secret: bytes

    def __reduce__(self) -> tuple:
        # only the secret is state; the cached coincurve objects hold a C context that cannot be pickled
        return (type(self), (self.secret,))

    def __post_init__(self) -> None:
        if len(self.secret) != 32 or not 0 < int.from_bytes(self.secret, "big") < SECP256K1_ORDER:
            raise HemiValueError("a secp256k1 secret is 32 bytes in [1, n-1]")

    @cached_property
    def _priv(self) -> coincurve.PrivateKey:
        return coincurve.PrivateKey(self.secret)

    @cached_property
    def pubkey(self) -> bytes:
        """33-byte compressed public key."""
        return self._priv.public_key.format(compressed=True)

    @cached_property
    def pubkey_hash(self) -> bytes:
        return hash160(self.pubkey)

    @cached_property
    def xonly_pubkey(self) -> bytes:
        """BIP 340 x-only internal key."""
        return self.pubkey[1:]

    @cached_property
    def _taproot_tweaked(self) -> tuple[bytes, coincurve.PrivateKey]:
        # BIP 341 key-path only output: Q = P + H_TapTweak(P)·G with P the even-y lift of the internal key.
        tweak = int.from_bytes(tagged_hash("TapTweak", self.xonly_pubkey), "big")
        if tweak >= SECP256K1_ORDER:
            raise HemiValueError("taproot tweak out of range")
        d = int.from_bytes(self.secret, "big")
        if self.pubkey[0] == 3:  # odd y: use the negated key so that d·G has even y
            d = SECP256K1_ORDER - d
        tweaked = coincurve.PrivateKey(((d + tweak) % SECP256K1_ORDER).to_bytes(32, "big"))
        return tweaked.public_key.format(compressed=True)[1:], tweaked

    @property
    def taproot_output_key(self) -> bytes:
        """The 32-byte x-only output key of a key-path-only P2TR output."""
        return self._taproot_tweaked[0]

    def sign_ecdsa(self, digest: bytes) -> bytes:
        """DER signature (low-S, RFC 6979) over a 32-byte sighash."""
        return self._priv.sign(digest, hasher=None)

    def sign_schnorr(self, digest: bytes) -> bytes:
        """64-byte BIP 340 signature with the untweaked key (x-only ``xonly_pubkey``): tapscript leaves."""
        return self._priv.sign_schnorr(digest, _ZERO_AUX)

    def sign_taproot(self, digest: bytes) -> bytes:
        """64-byte BIP 340 signature with the tweaked key, for a P2TR key-path spend."""
        return self._taproot_tweaked[1].sign_schnorr(digest, _ZERO_AUX)


def verify_ecdsa(pubkey: bytes, der_sig: bytes, digest: bytes) -> bool:
    """True if ``der_sig`` is a valid low-S signature of ``digest`` by ``pubkey``; malformed input is False."""
    try:
        return coincurve.PublicKey(pubkey).verify(der_sig, digest, hasher=None)
    except (ValueError, TypeError):
        return False


def verify_schnorr(xonly: bytes, sig: bytes, digest: bytes) -> bool:
    """BIP 340 verification; malformed input is False."""
    try:
        return coincurve.PublicKeyXOnly(xonly).verify(sig, digest)
    except (ValueError, TypeError):
        return False
