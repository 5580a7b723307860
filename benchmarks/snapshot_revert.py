"""Snapshot + revert on a long chain: issue 17's target is at most 1 ms (median) on a chain of 10,000 L2 blocks
with a transfer every 4th block, and at most 1.5x the cost on a chain of 100 such blocks.

    python benchmarks/snapshot_revert.py [--blocks 10000] [--iterations 200]

Measured two ways on the same devchain: the Python API (``s = dev.snapshot(); dev.revert(s)``) and the JSON-RPC
methods a test runner uses (``evm_snapshot`` / ``evm_revert`` through ``dev.w3``). Each snapshot is taken after one
new transfer (so a revert always has work to undo). Exits nonzero when a target is missed.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _targets import Verdicts  # noqa: E402

import hemi  # noqa: E402

TARGET_MS = 1.0
TARGET_GROWTH = 1.5


def grow(dev: hemi.Devchain, blocks: int) -> None:
    """Mine until the chain holds ``blocks`` L2 blocks, a transfer in every 4th."""
    w3 = dev.w3
    a, b = w3.eth.accounts[:2]
    while w3.eth.block_number < blocks:
        if w3.eth.block_number % 4 == 3:
            w3.eth.send_transaction({"from": a, "to": b, "value": 1})
        else:
            dev.mine(min(3 - w3.eth.block_number % 4 or 1, blocks - w3.eth.block_number))


def measure(dev: hemi.Devchain, iterations: int) -> tuple[float, float]:
    """Medians (ms) of snapshot + revert through the Python API and through evm_snapshot / evm_revert.

    Only the two calls are timed; the transfer between them is the test's own work.
    """
    w3 = dev.w3
    a, b = w3.eth.accounts[:2]
    api, rpc = [], []
    for _ in range(iterations):
        t0 = time.perf_counter()
        s = dev.snapshot()
        t1 = time.perf_counter()
        w3.eth.send_transaction({"from": a, "to": b, "value": 1})
        t2 = time.perf_counter()
        dev.revert(s)
        t3 = time.perf_counter()
        api.append((t1 - t0 + t3 - t2) * 1000)
        t0 = time.perf_counter()
        sid = w3.provider.make_request("evm_snapshot", [])["result"]
        t1 = time.perf_counter()
        w3.eth.send_transaction({"from": a, "to": b, "value": 1})
        t2 = time.perf_counter()
        reverted = w3.provider.make_request("evm_revert", [sid])["result"]
        t3 = time.perf_counter()
        if reverted is not True:
            raise RuntimeError(f"evm_revert answered {reverted!r}")
        rpc.append((t1 - t0 + t3 - t2) * 1000)
    return statistics.median(api), statistics.median(rpc)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--blocks", type=int, default=10_000)
    ap.add_argument("--iterations", type=int, default=200)
    args = ap.parse_args()
    small, large = hemi.Devchain(), hemi.Devchain()
    grow(small, 100)
    t0 = time.perf_counter()
    grow(large, args.blocks)
    built = time.perf_counter() - t0
    api_small, rpc_small = measure(small, args.iterations)
    api_large, rpc_large = measure(large, args.iterations)
    v = Verdicts()
    v.info(f"building {args.blocks} blocks", built, " s")
    v.info("Python API at 100 blocks", api_small, " ms")
    v.at_most(f"Python API at {args.blocks} blocks", api_large, TARGET_MS, " ms")
    v.at_most("Python API growth", api_large / api_small, TARGET_GROWTH, "x")
    v.info("evm_snapshot + evm_revert at 100 blocks", rpc_small, " ms")
    v.at_most(f"evm_snapshot + evm_revert at {args.blocks} blocks", rpc_large, TARGET_MS, " ms")
    v.at_most("evm_* growth", rpc_large / rpc_small, TARGET_GROWTH, "x")
    v.print()
    return v.exit_code()


if __name__ == "__main__":
    sys.exit(main())
