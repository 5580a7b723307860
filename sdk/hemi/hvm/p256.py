"""P256VERIFY (RIP-7212): secp256r1 signature verification at 0x0000…0100, as OP-stack chains (Fjord and later, so
Hemi) run it.

Input is exactly 160 bytes, ``hash(32) ‖ r(32) ‖ s(32) ‖ x(32) ‖ y(32)``; a valid signature returns the 32-byte word 1,
anything else (wrong length, r or s outside [1, n−1], a point off the curve or at infinity, a wrong signature)
returns empty output. The fixed cost, 3450 gas, is charged whatever the outcome (ethereum/RIPs ``RIPS/rip-7212.md``;
ethereum-optimism/op-geth ``core/vm/contracts.go`` ``p256Verify``, ``params.P256VerifyGas``).

The curve arithmetic is the ``cryptography`` package's (OpenSSL): a well-kept library rather than our own field code.
It is imported on the first call only, as py-evm's BLS12-381 precompiles are (see :mod:`hemi.hvm.lazy_bls`): most
devchains never verify a P-256 signature and should not pay its import at start-up.
"""

from __future__ import annotations

from typing import Any

P256VERIFY_ADDRESS = (0x100).to_bytes(20, "big")
P256VERIFY_GAS = 3450  # params.P256VerifyGas (RIP-7212)
INPUT_LENGTH = 160
_N = 0xFFFFFFFF00000000FFFFFFFFFFFFFFFFBCE6FAADA7179E84F3B9CAC2FC632551  # order of the secp256r1 group
_SUCCESS = (1).to_bytes(32, "big")


def p256_verify(data: bytes) -> bytes:
    """RIP-7212's output for ``data``: the word 1 when the signature is valid, otherwise empty."""
    if len(data) != INPUT_LENGTH:
        return b""
    digest = data[:32]
    r, s, x, y = (int.from_bytes(data[i:i + 32], "big") for i in range(32, 160, 32))
    if not (0 < r < _N and 0 < s < _N):
        return b""
    # deferred: the cryptography import costs ~20 ms, and only a call to 0x100 needs it
    from cryptography.exceptions import InvalidSignature
    from cryptography.hazmat.primitives import hashes  # deferred, as the line above
    from cryptography.hazmat.primitives.asymmetric import ec, utils  # deferred, as above

    try:
        key = ec.EllipticCurvePublicNumbers(x, y, ec.SECP256R1()).public_key()  # rejects points off the curve
    except ValueError:
        return b""
    try:
        key.verify(utils.encode_dss_signature(r, s), digest, ec.ECDSA(utils.Prehashed(hashes.SHA256())))
    except InvalidSignature:
        return b""
    return _SUCCESS


def p256_precompile(computation: Any) -> Any:
    """py-evm's precompile shape: charge the fixed gas, then set the output."""
    computation.consume_gas(P256VERIFY_GAS, reason="P256VERIFY")
    computation.output = p256_verify(computation.msg.data_as_bytes)
    return computation
