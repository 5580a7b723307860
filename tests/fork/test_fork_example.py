"""examples/08_fork.py runs (it forks a `hemi devchain` it starts itself) and prints what it promises."""

from __future__ import annotations

import pathlib
import subprocess
import sys

EXAMPLE = pathlib.Path(__file__).resolve().parents[2] / "examples" / "08_fork.py"


def test_08_fork():
    out = subprocess.run([sys.executable, str(EXAMPLE)], capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    lines = out.stdout
    assert "forked at block 15 (chain id 31337); the fork's next block is 16" in lines
    assert "hBK balance of bob: 2.0 BTC" in lines
    assert "the whale sent 10 ETH: it has 39 ETH left, block 16" in lines
    assert "on the remote it still has 50 ETH" in lines
    assert "back at block 15 with 50 ETH" in lines
