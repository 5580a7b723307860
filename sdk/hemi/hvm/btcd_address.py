"""Bitcoin address strings as the hVM precompiles decode them: btcd's ``btcutil.DecodeAddress`` on regtest.

Hemi's op-geth hands the address bytes of 0x40, 0x41 and 0x46 to btcd's ``btcutil.DecodeAddress`` (directly for 0x46,
through heminetwork's ``tbc.Server.BalanceByAddress`` / ``UtxosByAddress`` for 0x40 / 0x41), then to
``txscript.PayToAddrScript``. The devchain's node runs btcd's regression-test parameters (op-geth
``core/vm/contracts.go`` ``paramsForNetwork("localnet")``). What that decoder does, from btcsuite/btcd
``btcutil/address.go`` (tag btcutil/v1.1.5, the version op-geth's ``go.mod`` pins), ``btcutil/bech32/bech32.go`` and
``chaincfg/params.go``:

- **bech32 / bech32m** when the text before the last ``1`` is the segwit prefix of *any registered network*
  (``bc``, ``tb``, ``bcrt``, ``sb``; ``chaincfg.IsBech32SegwitPrefix``, case-insensitive). The prefix is never
  compared with the node's own network, so a mainnet ``bc1...`` address decodes on regtest. Checksums follow BIP 173 /
  BIP 350 (v0 needs bech32, v1 bech32m), strings are at most 90 characters, and only witness versions 0 and 1 are
  accepted. A 20-byte program is read as P2WPKH *whatever its version* (so a v1 20-byte program pays ``OP_0 <20>``),
  32 bytes as P2WSH (v0) or P2TR (v1); any other length fails.
- **hex public key** when the string is exactly 66 or 130 characters long: pay-to-pubkey, if the bytes are a point of
  secp256k1 (compressed, uncompressed or hybrid).
- **base58check** otherwise: a 20-byte payload whose version byte is regtest's (0x6f P2PKH, 0xc4 P2SH, shared with
  testnet3). Other networks' version bytes (mainnet 0x00 / 0x05) fail (``ErrUnknownAddressType``).

Decoding is linear in the input: nothing longer than :data:`MAX_ADDRESS_CHARS` can decode on any path (bech32 caps at
90 characters, a hex key is 66 or 130, a 25-byte base58check string is at most 35), so longer input is refused before
any work, and a contract sending megabytes costs one length check.
"""

from __future__ import annotations

import re
from functools import lru_cache

from bitcoin import base58
from bitcoin.core import Hash
from bitcoin.segwit_addr import bech32_hrp_expand, bech32_polymod, convertbits

__all__ = ["MAX_ADDRESS_CHARS", "SEGWIT_PREFIXES", "decode_address_script"]

MAX_ADDRESS_CHARS = 130  # the longest decodable form: an uncompressed public key in hex
SEGWIT_PREFIXES = frozenset({"bc1", "tb1", "bcrt1", "sb1"})  # btcd chaincfg: mainnet, testnet3/signet, regtest, simnet
_BECH32_MAX = 90
_BASE58_MAX = 35  # 25 bytes of base58check never need more characters
_CHARSET = "qpzry9x8gf2tvdw0s3jn54khce6mua7l"
_BECH32, _BECH32M = 1, 0x2BC830A3
_REGTEST_P2PKH, _REGTEST_P2SH = 0x6F, 0xC4
_HEX = re.compile(r"[0-9a-fA-F]*")
_P = 2**256 - 2**32 - 977  # secp256k1 field prime


def decode_address_script(data: bytes) -> bytes | None:
    """The scriptPubKey btcd's ``DecodeAddress`` + ``PayToAddrScript`` give for ``data`` on regtest, or None."""
    if len(data) > MAX_ADDRESS_CHARS:
        return None
    try:
        text = bytes(data).decode("ascii")
    except UnicodeDecodeError:
        return None  # every decoding path refuses bytes outside printable ASCII
    return _decode(text)


@lru_cache(maxsize=4096)  # contracts ask about the same few addresses over and over
def _decode(s: str) -> bytes | None:
    one = s.rfind("1")
    if one > 1 and s[: one + 1].lower() in SEGWIT_PREFIXES:
        return _segwit_script(s)
    if len(s) in (66, 130):
        if not _HEX.fullmatch(s):
            return None
        raw = bytes.fromhex(s)
        return bytes([len(raw)]) + raw + b"\xac" if _on_curve(raw) else None
    return _base58_script(s)


def _segwit_script(s: str) -> bytes | None:
    """btcd ``bech32.DecodeGeneric`` + ``decodeSegWitAddress`` + the version / length switch of DecodeAddress."""
    if not 8 <= len(s) <= _BECH32_MAX or any(not 33 <= ord(c) <= 126 for c in s):
        return None
    if s.lower() != s and s.upper() != s:
        return None  # mixed case
    s = s.lower()
    one = s.rfind("1")
    if one < 1 or one + 7 > len(s):
        return None
    try:
        data = [_CHARSET.index(c) for c in s[one + 1:]]
    except ValueError:
        return None
    const = bech32_polymod(bech32_hrp_expand(s[:one]) + data)
    if const not in (_BECH32, _BECH32M):
        return None
    payload = data[:-6]
    if not payload or payload[0] > 16:
        return None
    version = payload[0]
    program = convertbits(payload[1:], 5, 8, False)
    if program is None or not 2 <= len(program) <= 40:
        return None
    if version == 0 and (len(program) not in (20, 32) or const != _BECH32):
        return None
    if version == 1 and const != _BECH32M:
        return None
    if version not in (0, 1):
        return None  # UnsupportedWitnessVerError
    prog = bytes(program)
    if len(prog) == 20:
        return b"\x00\x14" + prog  # newAddressWitnessPubKeyHash, for v0 and v1 alike
    if len(prog) == 32:
        return (b"\x51\x20" if version == 1 else b"\x00\x20") + prog
    return None  # UnsupportedWitnessProgLenError


def _base58_script(s: str) -> bytes | None:
    """btcd ``base58.CheckDecode`` and the 20-byte P2PKH / P2SH switch, against regtest's version bytes."""
    if len(s) > _BASE58_MAX:
        return None
    try:
        raw = base58.decode(s)
    except (base58.InvalidBase58Error, ValueError):
        return None
    if len(raw) != 25 or Hash(raw[:-4])[:4] != raw[-4:]:
        return None
    version, h160 = raw[0], raw[1:21]
    if version == _REGTEST_P2PKH:
        return b"\x76\xa9\x14" + bytes(h160) + b"\x88\xac"
    if version == _REGTEST_P2SH:
        return b"\xa9\x14" + bytes(h160) + b"\x87"
    return None


def _on_curve(raw: bytes) -> bool:
    """btcec ``ParsePubKey``'s acceptance: compressed (02/03), uncompressed (04) and hybrid (06/07) secp256k1 points."""
    if len(raw) == 33 and raw[0] in (2, 3):
        x = int.from_bytes(raw[1:], "big")
        if x >= _P:
            return False
        a = (pow(x, 3, _P) + 7) % _P
        return a == 0 or pow(a, (_P - 1) // 2, _P) == 1
    if len(raw) == 65 and raw[0] in (4, 6, 7):
        x, y = int.from_bytes(raw[1:33], "big"), int.from_bytes(raw[33:], "big")
        if x >= _P or y >= _P or (y * y - pow(x, 3, _P) - 7) % _P:
            return False
        return raw[0] == 4 or (raw[0] & 1) == (y & 1)  # a hybrid key's tag carries y's parity
    return False
