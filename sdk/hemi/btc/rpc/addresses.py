"""``validateaddress``'s answers: what Core says of a valid address, and its error text for an invalid one.

:func:`validate_address` builds the whole answer. :func:`address_error` re-derives Core's DecodeDestination error
message (and bech32 error positions) for a string the SDK's own address codec refused, so the reason matches
Core's word for word.
"""

from __future__ import annotations

from typing import Any

from bitcoin.core import Hash
from bitcoin.segwit_addr import bech32_hrp_expand, bech32_polymod, convertbits

from hemi.btc import params
from hemi.btc import script as S
from hemi.btc.address import address_to_script, script_to_address
from hemi.errors import InvalidAddressError

from .scripts import script_type

_BECH32_CHARSET = "qpzry9x8gf2tvdw0s3jn54khce6mua7l"
_BECH32M_CONST = 0x2BC830A3
_BASE58_ALPHABET = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz"


def _base58_decode(text: str) -> bytes | None:
    if not text or any(c not in _BASE58_ALPHABET for c in text):
        return None
    n = 0
    for c in text:
        n = n * 58 + _BASE58_ALPHABET.index(c)
    body = n.to_bytes((n.bit_length() + 7) // 8, "big") if n else b""
    return b"\x00" * (len(text) - len(text.lstrip("1"))) + body


def address_error(addr: str) -> tuple[str, list[int]] | None:
    """Core's DecodeDestination error text (and bech32 error positions) for an address it refuses; None if Core
    would accept it.

    Checksum errors of bech32 strings are reported without positions ("Invalid checksum"): Core locates up to two
    wrong characters with BCH syndromes, which this does not reproduce.
    """
    hrp_want = params.BECH32_HRP
    if addr[:len(hrp_want)].lower() != hrp_want:
        raw = _base58_decode(addr)
        if raw is not None and 4 < len(raw) <= 25 and Hash(raw[:-4])[:4] == raw[-4:]:
            if raw[0] in (params.P2PKH_VERSION, params.P2SH_VERSION):
                return "Invalid length for Base58 address (P2PKH or P2SH)", []
            return "Invalid or unsupported Base58-encoded address.", []
        if raw is not None and len(raw) <= 100:
            return "Invalid checksum or length of Base58 address (P2PKH or P2SH)", []
        return "Invalid or unsupported Segwit (Bech32) or Base58 encoding.", []
    if len(addr) > 90:
        return "Bech32 string too long", list(range(90, len(addr)))
    bad, lower, upper = [], False, False
    for i, c in enumerate(addr):
        if "a" <= c <= "z":
            if upper:
                bad.append(i)
            lower = True
        elif "A" <= c <= "Z":
            if lower:
                bad.append(i)
            upper = True
        elif not 33 <= ord(c) <= 126:
            bad.append(i)
    if bad:
        return "Invalid character or mixed case", bad
    pos = addr.rfind("1")
    if pos < 0:
        return "Missing separator", []
    if pos == 0 or pos + 6 >= len(addr):
        return "Invalid separator position", [pos]
    hrp = addr[:pos].lower()
    values = []
    for i in range(pos + 1, len(addr)):
        v = _BECH32_CHARSET.find(addr[i].lower())
        if v < 0:
            return "Invalid Base 32 character", [i]
        values.append(v)
    const = bech32_polymod(bech32_hrp_expand(hrp) + values)
    if const not in (1, _BECH32M_CONST):
        return "Invalid checksum", []
    data = values[:-6]
    if not data:
        return "Empty Bech32 data section", []
    if hrp != hrp_want:
        return f"Invalid or unsupported prefix for Segwit (Bech32) address (expected {hrp_want}, got {hrp}).", []
    version = data[0]
    if version == 0 and const != 1:
        return "Version 0 witness address must use Bech32 checksum", []
    if version != 0 and const != _BECH32M_CONST:
        return "Version 1+ witness address must use Bech32m checksum", []
    program = convertbits(data[1:], 5, 8, False)
    if program is None:
        return "Invalid padding in Bech32 data section", []
    unit = "byte" if len(program) == 1 else "bytes"
    if version == 0:
        if len(program) in (20, 32):
            return None
        return f"Invalid Bech32 v0 address program size ({len(program)} {unit}), per BIP141", []
    if version > 16:
        return "Invalid Bech32 address witness version", []
    if not 2 <= len(program) <= 40:
        return f"Invalid Bech32 address program size ({len(program)} {unit})", []
    return None


def validate_address(address: str) -> dict[str, Any]:
    """Core's ``validateaddress`` answer for ``address`` (no wallet fields: there is no wallet)."""
    try:
        spk = address_to_script(address)
    except InvalidAddressError as err:
        message, locations = address_error(address) or (str(err), [])
        return {"isvalid": False, "error_locations": locations, "error": message}
    kind = script_type(spk)
    out: dict[str, Any] = {"isvalid": True, "address": script_to_address(spk), "scriptPubKey": spk.hex()}
    if kind in (S.PUBKEYHASH, S.SCRIPTHASH):
        out.update(isscript=kind == S.SCRIPTHASH, iswitness=False)
    elif kind in (S.WITNESS_V0_KEYHASH, S.WITNESS_V0_SCRIPTHASH, S.WITNESS_V1_TAPROOT, "anchor"):
        out.update(isscript=kind != S.WITNESS_V0_KEYHASH, iswitness=True,
                   witness_version=0 if spk[0] == 0 else spk[0] - 0x50, witness_program=spk[2:].hex())
    else:  # witness_unknown
        out.update(iswitness=True, witness_version=spk[0] - 0x50, witness_program=spk[2:].hex())
    return out
