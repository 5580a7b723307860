"""A devchain's first contract loads only what it uses: the subsystems it never touches are imported on first use
(benchmarks/cold_start.py measures the start-up; this keeps an eager import from creeping back)."""

from __future__ import annotations

import subprocess
import sys
import textwrap

DEFERRED = (
    "hemi._version", "hemi.compiler.compiling", "hemi.compiler.resolve", "hemi.node.fork.remote", "hemi.node.state",
    "hemi.node.explain", "hemi.node.provenance", "hemi.node.tunnel.audit", "hemi.hvm.proof", "hemi.hvm.simulate",
    "hemi.btc.interpreter", "hemi.btc.mempool_accept", "hemi.btc.miner", "hemi.btc.reorg", "hemi.btc.snapshots",
    "hemi.btc.consensus", "platformdirs", "sqlite3",
)


def test_a_first_transaction_loads_none_of_the_deferred_modules():
    code = f"""
        import sys, hemi
        dev = hemi.Devchain()
        w3 = dev.w3
        h = w3.eth.send_transaction({{"from": dev.accounts[0], "to": dev.accounts[1], "value": 1}})
        assert w3.eth.get_transaction_receipt(h).status == 1
        print(sorted(m for m in {DEFERRED!r} if m in sys.modules))
    """
    proc = subprocess.run([sys.executable, "-c", textwrap.dedent(code)], capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip() == "[]"


def test_the_deferred_parts_still_answer_once_asked_for():
    code = """
        import hemi, hemi.btc, hemi.compiler
        from hemi.btc.chain import AcceptResult, Snapshot
        from hemi.node import api
        dev = hemi.Devchain()
        s = dev.btc.snapshot()
        dev.btc.mine(1)
        dev.btc.revert(s)
        print(hemi.__version__ != "", isinstance(s, Snapshot), AcceptResult.__name__, callable(api.prove_at),
              callable(hemi.compiler.compile), hemi.btc.COIN, len(dev.dump_state_data()) > 0)
    """
    proc = subprocess.run([sys.executable, "-c", textwrap.dedent(code)], capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.split() == ["True", "True", "AcceptResult", "True", "True", "100000000", "True"]
