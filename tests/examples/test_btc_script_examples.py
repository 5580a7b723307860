"""The Bitcoin script examples (05-07) run and print what they promise."""

from __future__ import annotations

import pathlib
import subprocess
import sys

EXAMPLES = pathlib.Path(__file__).resolve().parents[2] / "examples"


def run(name: str) -> str:
    out = subprocess.run([sys.executable, str(EXAMPLES / name)], capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    return out.stdout


def test_05_p2wsh_multisig_vault():
    out = run("05_p2wsh_multisig_vault.py")
    assert ("one signature: mandatory-script-verify-flag-failed (Operation not valid with the current stack size)"
            in out)
    assert "two signatures: confirmed 1" in out


def test_06_htlc_cltv_csv():
    out = run("06_htlc_cltv_csv.py")
    assert "bob claims with the preimage: True" in out
    assert "CLTV refund too early: non-final" in out
    assert "accepted: True" in out.split("CLTV refund at height")[1]
    assert out.rstrip().endswith("accepted: True")


def test_07_tapscript_leaf():
    out = run("07_tapscript_leaf.py")
    assert "vault address: bcrt1p" in out
    assert "script-path spend confirmed: 1" in out
