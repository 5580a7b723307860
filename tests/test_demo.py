"""The README's main demo (`hemi demo`) runs and shows each part working."""

from __future__ import annotations

import subprocess
import sys


def test_hemi_demo_runs_end_to_end():
    out = subprocess.run([sys.executable, "-m", "hemi.cli", "demo"], capture_output=True, text=True, timeout=300,
                         env={"COLUMNS": "200", "PATH": ""})
    assert out.returncode == 0, out.stderr
    text = out.stdout
    assert "verifies=True" in text and "('valid-fork')" not in text
    assert "bob→alice (dropped): gone: UnknownTransactionError" in text
    assert "getBitcoinAddressBalance(shop) = 25000000 sats" in text
    assert "OP_RETURN: True data b'order #42'" in text
    assert "superfinal=True" in text and "verified all three links" in text
    assert "minted 99900000 hemiBTC sats" in text  # 1 BTC less the vault's 10-bps deposit fee
    assert "0.49950000 BTC paid to shop" in text and "status finalized" in text
    assert "backed by the vault: True" in text
