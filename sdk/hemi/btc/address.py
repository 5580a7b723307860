"""Regtest addresses of every standard kind, both ways: script ⇄ address.

Base58 (P2PKH, P2SH) and bech32 v0 (P2WPKH, P2WSH) use python-bitcoinlib's codecs; bech32m (BIP 350, for P2TR and
future witness versions) reuses its bech32 polymod with the BIP 350 constant, the only part it lacks.
Addresses of another network raise :class:`~hemi.errors.WrongNetworkError`.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Protocol

from bitcoin import base58
from bitcoin.core import Hash
from bitcoin.segwit_addr import bech32_hrp_expand, bech32_polymod, convertbits

from hemi.btc import params
from hemi.btc.script import (
    PUBKEYHASH,
    SCRIPTHASH,
    WITNESS_UNKNOWN,
    WITNESS_V0_KEYHASH,
    WITNESS_V0_SCRIPTHASH,
    WITNESS_V1_TAPROOT,
    solve,
)
from hemi.errors import InvalidAddressError, WrongNetworkError

_CHARSET = "qpzry9x8gf2tvdw0s3jn54khce6mua7l"
_BECH32_CONST = 1
_BECH32M_CONST = 0x2BC830A3
MAX_ADDRESS_LENGTH = 90  # BIP-173's bech32 limit; base58 addresses are at most 35. Checked before decoding: base58's
# big-integer decode is quadratic in the length, so an RPC argument of a megabyte would hold the devchain for minutes


def _bech32_encode(hrp: str, witver: int, program: bytes) -> str:
    data = [witver] + convertbits(program, 8, 5)
    const = _BECH32_CONST if witver == 0 else _BECH32M_CONST
    polymod = bech32_polymod(bech32_hrp_expand(hrp) + data + [0] * 6) ^ const
    checksum = [(polymod >> 5 * (5 - i)) & 31 for i in range(6)]
    return hrp + "1" + "".join(_CHARSET[d] for d in data + checksum)


def _bech32_decode(addr: str) -> tuple[str, int, bytes]:
    if addr.lower() != addr and addr.upper() != addr:
        raise InvalidAddressError(f"mixed-case bech32 address: {addr!r}")
    addr = addr.lower()
    pos = addr.rfind("1")
    if pos < 1 or pos + 7 > len(addr) or len(addr) > 90:
        raise InvalidAddressError(f"malformed bech32 address: {addr!r}")
    hrp = addr[:pos]
    try:
        data = [_CHARSET.index(c) for c in addr[pos + 1 :]]
    except ValueError:
        raise InvalidAddressError(f"invalid bech32 character in {addr!r}") from None
    const = bech32_polymod(bech32_hrp_expand(hrp) + data)
    if const not in (_BECH32_CONST, _BECH32M_CONST):
        raise InvalidAddressError(f"bad bech32 checksum: {addr!r}")
    witver, program5 = data[0], data[1:-6]
    program = convertbits(program5, 5, 8, False)
    if program is None or witver > 16 or not 2 <= len(program) <= 40:
        raise InvalidAddressError(f"invalid witness program in {addr!r}")
    if (witver == 0) != (const == _BECH32_CONST):
        raise InvalidAddressError(f"wrong checksum variant for witness v{witver} (BIP 350): {addr!r}")
    if witver == 0 and len(program) not in (20, 32):
        raise InvalidAddressError(f"witness v0 program must be 20 or 32 bytes: {addr!r}")
    return hrp, witver, bytes(program)


def address_to_script(address: str) -> bytes:
    """The scriptPubKey paying ``address``; raises ``InvalidAddressError`` / ``WrongNetworkError``."""
    if not isinstance(address, str) or not address:
        raise InvalidAddressError(f"an address is a non-empty string, got {address!r}")
    if len(address) > MAX_ADDRESS_LENGTH:
        raise InvalidAddressError(f"not a valid Bitcoin address: {len(address)} characters (at most "
                                  f"{MAX_ADDRESS_LENGTH})")
    return _address_to_script(address)


@lru_cache(maxsize=65536)  # addresses repeat constantly (wallet sends, balance queries); decoding is pure
def _address_to_script(address: str) -> bytes:
    if "1" in address and address.lower().split("1")[0] in ("bcrt", "bc", "tb"):
        hrp, witver, program = _bech32_decode(address)
        if hrp != params.BECH32_HRP:
            net = params.OTHER_NETWORK_HRPS.get(hrp, f"hrp {hrp!r}")
            raise WrongNetworkError(f"{address} is a {net} address; this chain is regtest (bcrt1...)")
        return bytes([0 if witver == 0 else 0x50 + witver, len(program)]) + program
    try:
        raw = base58.decode(address)
    except (base58.InvalidBase58Error, ValueError):
        raise InvalidAddressError(f"not a valid Bitcoin address: {address!r}") from None
    if len(raw) != 25:
        raise InvalidAddressError(f"not a valid Bitcoin address: {address!r}")
    payload, check = raw[:-4], raw[-4:]
    if Hash(payload)[:4] != check:
        raise InvalidAddressError(f"bad base58 checksum: {address!r}")
    version, h = payload[0], bytes(payload[1:])
    if version == params.P2PKH_VERSION:
        return b"\x76\xa9\x14" + h + b"\x88\xac"
    if version == params.P2SH_VERSION:
        return b"\xa9\x14" + h + b"\x87"
    if version in params.OTHER_NETWORK_BASE58:
        raise WrongNetworkError(f"{address} is a {params.OTHER_NETWORK_BASE58[version]} address; this chain is regtest")
    raise InvalidAddressError(f"unknown base58 address version {version}: {address!r}")


@lru_cache(maxsize=65536)
def script_to_address(spk: bytes) -> str | None:
    """The regtest address of a scriptPubKey, or None for scripts without one (OP_RETURN, bare multisig, ...)."""
    kind, program = solve(spk)
    if kind == PUBKEYHASH:
        return str(base58.CBase58Data.from_bytes(program, params.P2PKH_VERSION))
    if kind == SCRIPTHASH:
        return str(base58.CBase58Data.from_bytes(program, params.P2SH_VERSION))
    if kind in (WITNESS_V0_KEYHASH, WITNESS_V0_SCRIPTHASH):
        return _bech32_encode(params.BECH32_HRP, 0, program)
    if kind in (WITNESS_V1_TAPROOT, WITNESS_UNKNOWN):
        return _bech32_encode(params.BECH32_HRP, spk[0] - 0x50, program)
    return None


def script_address(spk: bytes) -> str:
    """The regtest address of a script that has one (every standard output kind); ``InvalidAddressError`` for
    scripts without one."""
    address = script_to_address(spk)
    if address is None:
        raise InvalidAddressError(f"script {spk.hex()} has no address")
    return address


def is_valid_address(address: str) -> bool:
    try:
        address_to_script(address)
        return True
    except InvalidAddressError:
        return False


class HasAddress(Protocol):
    """Anything with a default ``address`` (a :class:`~hemi.btc.wallet.Wallet`)."""

    @property
    def address(self) -> str: ...


def destination_script(dest: str | bytes | bytearray | HasAddress) -> bytes:
    """The scriptPubKey that pays ``dest``: script bytes as given, an address decoded, or an object's default
    ``address`` (a wallet)."""
    if isinstance(dest, (bytes, bytearray)):
        return bytes(dest)
    address: object = dest if isinstance(dest, str) else getattr(dest, "address", dest)
    if not isinstance(address, str):
        raise InvalidAddressError(f"an address is a non-empty string, got {address!r}")
    return address_to_script(address)
