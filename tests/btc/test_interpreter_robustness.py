"""Malformed scripts and witnesses never crash the interpreter: every failure is a typed ScriptVerifyError.

Random scriptPubKeys (witness v0/v1 programs, P2SH, arbitrary bytes with truncated pushes), scriptSigs and witness
stacks under no flags, the consensus flags, the policy flags and all flags (seeded, so reproducible).
"""

from __future__ import annotations

import random

from core_vector_tools import crediting_tx, spending_tx

from hemi.btc import ALL_FLAGS, MANDATORY_FLAGS, STANDARD_FLAGS, verify_input
from hemi.errors import ScriptVerifyError


def _script(rng: random.Random, n: int) -> bytes:
    out = bytearray()
    for _ in range(n):
        if rng.random() < 0.3:
            k = rng.choice([0, 1, 4, 20, 32, 33, 65, 72, 75, 80, 255])
            out += (bytes([k]) if k < 76 else bytes([0x4C, k])) + rng.randbytes(k)
        else:
            out.append(rng.randrange(256))
    return bytes(out[:-1] if rng.random() < 0.1 else out)


def test_random_inputs_fail_only_with_typed_errors():
    rng = random.Random(7)
    flagsets = [frozenset(), MANDATORY_FLAGS, STANDARD_FLAGS, ALL_FLAGS]
    outcomes = {"ok": 0, "error": 0}
    for _ in range(3000):
        r = rng.random()
        if r < 0.2:
            spk = b"\x00\x20" + rng.randbytes(32)
        elif r < 0.4:
            spk = b"\x51\x20" + rng.randbytes(32)
        elif r < 0.5:
            spk = b"\xa9\x14" + rng.randbytes(20) + b"\x87"
        else:
            spk = _script(rng, rng.randint(0, 12))
        witness = [rng.randbytes(rng.choice([0, 1, 32, 33, 64, 65, 72])) for _ in range(rng.randint(0, 4))]
        tx = spending_tx(_script(rng, rng.randint(0, 6)), witness, crediting_tx(spk, 1000))
        try:
            verify_input(tx, 0, [(1000, spk)], flags=rng.choice(flagsets))
            outcomes["ok"] += 1
        except ScriptVerifyError as err:
            assert err.script_error and str(err)
            outcomes["error"] += 1
    assert outcomes["ok"] > 50 and outcomes["error"] > 1000  # both paths were exercised


def test_segwit_signature_with_high_locktime(funded):
    """nLockTime is an unsigned 32-bit field: a BIP 143 signature over nLockTime >= 2^31 signs and verifies (Core
    serializes it as uint32; bitcoin/bitcoin src/script/interpreter.cpp SignatureHash)."""
    alice = funded.wallet("alice")
    tx = alice.build_tx(funded.wallet("bob").address, 100_000, locktime=0xFFFFFFF0)
    coin = funded.get_txout(tx.vin[0].prevout.hash[::-1].hex(), tx.vin[0].prevout.n)
    verify_input(tx, 0, [(coin.value, coin.script_pubkey)], flags=STANDARD_FLAGS)
