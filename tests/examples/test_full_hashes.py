"""Examples print hashes whole: no hash cropped at the console's width or elided (issue 18, "Noise")."""

from __future__ import annotations

import pathlib
import re
import subprocess
import sys

EXAMPLES = pathlib.Path(__file__).resolve().parents[2] / "examples"


def test_03_treasury_prints_full_hashes():
    out = subprocess.run([sys.executable, str(EXAMPLES / "03_treasury.py")], capture_output=True, text=True,
                         timeout=120)
    assert out.returncode == 0, out.stderr
    # every Bitcoin block, tx and keystone hash the tree and the summary name is all 64 hex digits
    named = re.findall(r"(?:in block|Bitcoin block|in tx|tx|abbreviated hash) (?:0x)?([0-9a-f]{8,})", out.stdout)
    assert len(named) >= 6, out.stdout
    assert all(len(h) == 64 for h in named), [h for h in named if len(h) != 64]
    # the L2 block the mint is in, in full
    assert re.search(r"of L2 block \d+ \(0x[0-9a-f]{64}\)", out.stdout), out.stdout
