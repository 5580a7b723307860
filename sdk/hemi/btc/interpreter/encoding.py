"""Signature and public-key encoding rules (BIP 66 strict DER, low S, defined hash types, key formats) and
ECDSA verification the way Bitcoin Core does it: lax DER parsing, S normalised, then libsecp256k1 (coincurve).

Sources (bitcoin/bitcoin v26.0): src/script/interpreter.cpp ``IsValidSignatureEncoding``, ``IsLowDERSignature``,
``CheckSignatureEncoding``, ``CheckPubKeyEncoding``; src/pubkey.cpp ``ecdsa_signature_parse_der_lax``,
``CPubKey::Verify``.
"""

from __future__ import annotations

import coincurve

from hemi.btc.interpreter.errors import fail

N = 0xFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFEBAAEDCE6AF48A03BBFD25E8CD0364141
HALF_N = N // 2


def is_valid_der(sig: bytes) -> bool:
    """BIP 66 strict DER (with the trailing hash-type byte)."""
    n = len(sig)
    if n < 9 or n > 73 or sig[0] != 0x30 or sig[1] != n - 3:
        return False
    len_r = sig[3]
    if 5 + len_r >= n:
        return False
    len_s = sig[5 + len_r]
    if len_r + len_s + 7 != n:
        return False
    if sig[2] != 0x02 or len_r == 0 or sig[4] & 0x80:
        return False
    if len_r > 1 and sig[4] == 0 and not sig[5] & 0x80:
        return False
    if sig[len_r + 4] != 0x02 or len_s == 0 or sig[len_r + 6] & 0x80:
        return False
    if len_s > 1 and sig[len_r + 6] == 0 and not sig[len_r + 7] & 0x80:
        return False
    return True


def _is_low_s(sig: bytes) -> bool:
    parsed = parse_der_lax(sig[:-1])
    return parsed is not None and parsed[1] <= HALF_N


def check_signature_encoding(sig: bytes, flags: frozenset) -> None:
    """Raise Core's error if ``sig`` breaks DERSIG / LOW_S / STRICTENC; the empty signature always passes."""
    if not sig:
        return
    if ("DERSIG" in flags or "LOW_S" in flags or "STRICTENC" in flags) and not is_valid_der(sig):
        fail("SIG_DER")
    if "LOW_S" in flags and not _is_low_s(sig):
        fail("SIG_HIGH_S")
    if "STRICTENC" in flags:
        hash_type = sig[-1] & ~0x80
        if hash_type < 1 or hash_type > 3:
            fail("SIG_HASHTYPE")


def is_compressed_or_uncompressed(pubkey: bytes) -> bool:
    if len(pubkey) < 33:
        return False
    if pubkey[0] == 0x04:
        return len(pubkey) == 65
    if pubkey[0] in (0x02, 0x03):
        return len(pubkey) == 33
    return False


def check_pubkey_encoding(pubkey: bytes, flags: frozenset, witness_v0: bool) -> None:
    if "STRICTENC" in flags and not is_compressed_or_uncompressed(pubkey):
        fail("PUBKEYTYPE")
    if "WITNESS_PUBKEYTYPE" in flags and witness_v0 and not (len(pubkey) == 33 and pubkey[0] in (2, 3)):
        fail("WITNESS_PUBKEYTYPE")


def _read_len(data: bytes, pos: int) -> tuple[int, int] | None:
    """A DER length (lax: long form, leading zeros skipped) -> (length, new pos), or None."""
    if pos >= len(data):
        return None
    length = data[pos]
    pos += 1
    if length & 0x80:
        nbytes = length - 0x80
        if nbytes > len(data) - pos:
            return None
        while nbytes > 0 and data[pos] == 0:
            pos += 1
            nbytes -= 1
        if nbytes >= 4:
            return None
        length = int.from_bytes(data[pos:pos + nbytes], "big") if nbytes else 0
        pos += nbytes
    return length, pos


def parse_der_lax(der: bytes) -> tuple[int, int] | None:
    """(r, s) as Core's lax parser reads them (overflowing values become 0), or None if unparseable."""
    n, pos = len(der), 0
    if pos >= n or der[pos] != 0x30:
        return None
    pos += 1
    if pos >= n:
        return None
    seq_len = der[pos]
    pos += 1
    if seq_len & 0x80:
        seq_len -= 0x80
        if seq_len > n - pos:
            return None
        pos += seq_len
    values = []
    for _ in range(2):
        if pos >= n or der[pos] != 0x02:
            return None
        read = _read_len(der, pos + 1)
        if read is None:
            return None
        length, pos = read
        if length > n - pos:
            return None
        values.append(der[pos:pos + length])
        pos += length
    r_bytes, s_bytes = (v.lstrip(b"\x00") for v in values)
    if len(r_bytes) > 32 or len(s_bytes) > 32:
        return 0, 0
    r, s = int.from_bytes(r_bytes, "big"), int.from_bytes(s_bytes, "big")
    if r >= N or s >= N:
        return 0, 0
    return r, s


def _pubkey_size_ok(pubkey: bytes) -> bool:
    """CPubKey::IsValid: the length the header byte announces (hybrid 0x06/0x07 keys are 65 bytes)."""
    if not pubkey:
        return False
    if pubkey[0] in (2, 3):
        return len(pubkey) == 33
    if pubkey[0] in (4, 6, 7):
        return len(pubkey) == 65
    return False


def _der(r: int, s: int) -> bytes:
    def integer(v: int) -> bytes:
        b = v.to_bytes(32, "big").lstrip(b"\x00") or b"\x00"
        if b[0] & 0x80:
            b = b"\x00" + b
        return b"\x02" + bytes([len(b)]) + b

    body = integer(r) + integer(s)
    return b"\x30" + bytes([len(body)]) + body


def verify_ecdsa_lax(pubkey: bytes, der_sig: bytes, digest: bytes) -> bool:
    """CPubKey::Verify: lax DER, S normalised to the low half, libsecp256k1 verification."""
    if not _pubkey_size_ok(pubkey):
        return False
    parsed = parse_der_lax(der_sig)
    if parsed is None:
        return False
    r, s = parsed
    if r == 0 or s == 0:
        return False
    if s > HALF_N:
        s = N - s
    try:
        return coincurve.PublicKey(pubkey).verify(_der(r, s), digest, hasher=None)
    except (ValueError, TypeError):
        return False
