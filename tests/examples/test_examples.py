"""Every numbered example in examples/ runs, and prints what it promises."""

from __future__ import annotations

import pathlib
import subprocess
import sys

EXAMPLES = pathlib.Path(__file__).resolve().parents[2] / "examples"


def run(name: str) -> str:
    out = subprocess.run([sys.executable, str(EXAMPLES / name)], capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    return out.stdout


def test_01_bitcoin_basics():
    out = run("01_bitcoin_basics.py")
    assert "in mempool: True confirmations: 0" in out
    assert "confirmed: 1 proof verifies: True" in out
    assert "bob's taproot balance: 2.0 BTC" in out
    assert "after a reorg that drops it, bob has 0 sats" in out
    assert "bob has 2.0 BTC again" in out


def test_02_cross_chain_superfinality():
    out = run("02_cross_chain_superfinality.py")
    assert "mempool, not yet in a block" in out  # the sequencer made the contract call wait
    assert "recorded 50000000 sats" in out
    assert "superfinal: True (effective confirmations 10" in out
    assert "(1) Bitcoin proof" in out and "(2) Hemi ordering" in out and "(3) PoP anchoring" in out
    assert "dropping the publication: superfinal: False" in out
    assert out.rstrip().endswith("superfinal: True")
