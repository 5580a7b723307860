"""Every numbered example in examples/ runs, and prints what it promises."""

from __future__ import annotations

import os
import pathlib
import re
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


def test_03_treasury():
    out = run("03_treasury.py")
    assert "locked 100.0 BTC in Bitcoin tx" in out
    assert "OP_RETURN 6a1470997970c51812dc3a010c7d01b50e0d17dc79c8" in out  # accounts[1], 20 raw bytes
    assert "hBK counts 4 confirmations of the lock" in out
    assert re.search(r"at position \d+ as a forced input depending on", out)  # after the block's system txs
    assert "hemiBTC minted to the treasury: 9990000000 sats" in out
    assert "superfinal: True (effective confirmations 10" in out
    assert "(1) Bitcoin proof" in out and "(2) Hemi ordering" in out and "(3) PoP anchoring" in out
    assert "provenance verified: the lock" in out
    assert "reconciles" in out and out.rstrip().endswith("audit ok: True")


def test_04_deploy_hemibtc_vault_in_process():
    out = run("04_deploy_hemibtc_vault.py")
    assert "HemiBTCVault deployed at 0x" in out and "token 0xAA40c0c7644e0b2B224509571e10ad20d9C4ef28" in out
    assert "vault holds 100000000 sats of the saver" in out
    assert "withdraw at once: execution reverted: still locked" in out
    assert "after the lock: the saver holds 199800000 hemiBTC sats again" in out


def test_04_needs_a_key_for_a_remote_node():
    out = subprocess.run([sys.executable, str(EXAMPLES / "04_deploy_hemibtc_vault.py"), "--rpc-url",
                          "http://127.0.0.1:9"], capture_output=True, text=True, timeout=120,
                         env={k: v for k, v in os.environ.items() if k != "HEMI_PRIVATE_KEY"})
    assert out.returncode == 2 and "set HEMI_PRIVATE_KEY" in out.stderr
