"""Calls to py-evm's slow precompiles under the call timeout (0.5 s here): a precompile runs no opcodes, so the
opcode check alone let a direct ``eth_call`` to the BN254 pairing (0x08) with many pairs, BLAKE2 F (0x09) with
millions of rounds, a BLS12-381 MSM or pairing (0x0c, 0x0e, 0x0f) or modexp with a megabyte exponent (0x05) run for
seconds to minutes (docs/security.md has the measured times at the 50M gas cap). Each input below takes 10-20 s (1-2
s for modexp) without the checks inside the precompiles; each must get the typed timeout error at once, the chain
unchanged. geth bounds the same calls by --rpc.evmtimeout (ethereum/go-ethereum internal/ethapi/api.go ``DoCall``
cancels the EVM when the timeout's context ends, precompiles included)."""

from __future__ import annotations

import hashlib
import struct
import time

import pytest
from py_ecc import optimized_bls12_381 as bls
from py_ecc import optimized_bn128 as bn
from security_helpers import chain_state, rpc


def _w(x: int, size: int = 32) -> bytes:
    return x.to_bytes(size, "big")


_G1, _G2 = bn.normalize(bn.G1), bn.normalize(bn.G2)
BN_PAIR = (_w(_G1[0].n) + _w(_G1[1].n) + _w(_G2[0].coeffs[1]) + _w(_G2[0].coeffs[0]) + _w(_G2[1].coeffs[1])
           + _w(_G2[1].coeffs[0]))
_B1, _B2 = bls.normalize(bls.G1), bls.normalize(bls.G2)
BLS_G1 = _w(_B1[0].n, 64) + _w(_B1[1].n, 64)
BLS_G2 = b"".join(_w(c, 64) for c in (*_B2[0].coeffs, *_B2[1].coeffs))
SCALAR = _w(2**255 - 19)


def _modexp_input(base: bytes, exponent: bytes, modulus: bytes) -> bytes:
    return _w(len(base)) + _w(len(exponent)) + _w(len(modulus)) + base + exponent + modulus


SLOW = {  # precompile address -> an input that runs for 10-20 s in py-evm (modexp: 1-2 s, one pow)
    "ecpairing": (0x08, BN_PAIR * 100),
    "blake2f": (0x09, struct.pack(">I", 2_000_000) + b"\x00" * 208 + b"\x01"),
    "bls12_g1msm": (0x0C, (BLS_G1 + SCALAR) * 800),
    "bls12_g2msm": (0x0E, (BLS_G2 + SCALAR) * 150),
    "bls12_pairing": (0x0F, (BLS_G1 + BLS_G2) * 30),
    "modexp": (0x05, _modexp_input(b"\xff" * 8, b"\xff" * 1_500_000, b"\xfe" * 8)),
}


def _blake2f_input(rounds: int, message: bytes) -> bytes:
    """EIP-152's input: rounds, h (BLAKE2b-512's IV, parameter block xored into h[0]), the padded block, t, f."""
    iv = (0x6A09E667F3BCC908, 0xBB67AE8584CAA73B, 0x3C6EF372FE94F82B, 0xA54FF53A5F1D36F1,
          0x510E527FADE682D1, 0x9B05688C2B3E6C1F, 0x1F83D9ABFB41BD6B, 0x5BE0CD19137E2179)
    h = (iv[0] ^ 0x01010040, *iv[1:])
    return (struct.pack(">I", rounds) + struct.pack("<8Q", *h) + message.ljust(128, b"\x00")
            + struct.pack("<2Q", len(message), 0) + b"\x01")


def _blake2f_unlimited(data: bytes) -> bytes:
    from eth._utils.blake2.coders import extract_blake2b_parameters
    from eth._utils.blake2.compression import blake2b_compress

    return blake2b_compress(*extract_blake2b_parameters(data))


def _address(n: int) -> str:
    return "0x" + f"{n:040x}"


def _timed_out(reply: dict) -> bool:
    return reply.get("error", {}).get("code") == -32000 and "timeout = 0.5s" in reply["error"]["message"]


@pytest.mark.parametrize("name", sorted(SLOW))
def test_direct_call_to_a_slow_precompile_times_out(server, name):
    address, data = SLOW[name]
    before = chain_state(server)
    start = time.monotonic()
    reply = rpc(server, "eth_call", {"to": _address(address), "data": "0x" + data.hex(), "gas": hex(50_000_000)},
                "latest")
    assert _timed_out(reply), reply
    assert time.monotonic() - start < 3  # the precompile alone runs 10-20 s (modexp: its result, 1-2 s)
    assert chain_state(server) == before
    assert rpc(server, "eth_blockNumber")["result"] == hex(before[0])


@pytest.mark.parametrize("method", ["eth_estimateGas", "debug_traceCall", "eth_simulateV1"])
def test_other_call_methods_to_a_slow_precompile_time_out(server, method):
    address, data = SLOW["ecpairing"]
    call = {"to": _address(address), "data": "0x" + data.hex(), "gas": hex(50_000_000)}
    params: list = {"eth_estimateGas": [call], "debug_traceCall": [call, "latest", {}],
                    "eth_simulateV1": [{"blockStateCalls": [{"calls": [call]}]}, "latest"]}[method]
    before = chain_state(server)
    start = time.monotonic()
    reply = rpc(server, method, *params)
    assert _timed_out(reply), reply
    assert time.monotonic() - start < 3
    assert chain_state(server) == before


def test_one_long_precompile_call_inside_a_contract_times_out(server):
    """A contract that copies its calldata to memory and STATICCALLs BLAKE2 F with it once: the CALL is checked
    before it starts, then only the precompile's own check can stop it."""
    code = bytes.fromhex(
        "36600060003760"  # CALLDATASIZE PUSH1 0 PUSH1 0 CALLDATACOPY; PUSH1
        "4060003660006009"  # 0x40 (out size) PUSH1 0 (out) CALLDATASIZE PUSH1 0 (in) PUSH1 9 (address)
        "5afa00")  # GAS STATICCALL STOP
    caller = _address(0xB1A4E)
    with server.lock:
        server.dev.set_code(caller, code)
    before = chain_state(server)
    _, data = SLOW["blake2f"]
    start = time.monotonic()
    reply = rpc(server, "eth_call", {"to": caller, "data": "0x" + data.hex(), "gas": hex(50_000_000)}, "latest")
    assert _timed_out(reply), reply
    assert time.monotonic() - start < 3
    assert chain_state(server) == before


def test_precompile_results_under_the_limit_are_unchanged(server):
    """The checks change no answer: BLAKE2 F as EIP-152's test vector 5 (12 rounds over "abc": BLAKE2b-512's own
    compression) and with 10,000 rounds, as py-evm computes it without a limit; a valid BN254 pairing
    check (e(G1, G2) * e(-G1, G2) == 1), and a modexp whose exponent is long enough to be split into chunks."""
    for rounds in (12, 10_000):  # 12: BLAKE2b-512 itself; 10,000: the rounds are counted with checks
        data = _blake2f_input(rounds, b"abc")
        reply = rpc(server, "eth_call", {"to": _address(9), "data": "0x" + data.hex()}, "latest")
        assert reply["result"] == "0x" + _blake2f_unlimited(data).hex()
    assert _blake2f_unlimited(_blake2f_input(12, b"abc")) == hashlib.blake2b(b"abc").digest()
    neg = bn.normalize(bn.neg(bn.G1))
    pairs = BN_PAIR + _w(neg[0].n) + _w(neg[1].n) + BN_PAIR[64:]
    reply = rpc(server, "eth_call", {"to": _address(8), "data": "0x" + pairs.hex()}, "latest")
    assert reply["result"] == "0x" + _w(1).hex()
    base, exponent, modulus = 0xDEADBEEF, (1 << 400_000) - 12345, 0xFFFFFFFFFFFFFFC5  # 400,000 bits: two chunks
    data = _modexp_input(_w(base, 8), exponent.to_bytes(50_000, "big"), _w(modulus, 8))
    reply = rpc(server, "eth_call", {"to": _address(5), "data": "0x" + data.hex()}, "latest")
    assert reply["result"] == "0x" + _w(pow(base, exponent, modulus), 8).hex()
