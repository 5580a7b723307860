"""Snapshot + revert on a long chain: at most 1 ms (median) on a chain of 10,000 L2 blocks with a transfer every 4th
block, and at most 1.5x the cost on a chain of 100 such blocks.

    python benchmarks/snapshot_revert.py [--blocks 10000] [--small 100] [--rounds 200]

Two devchains are built through the public API (``dev.w3`` transfers, ``dev.mine`` for the empty blocks), then
snapshot + revert is timed on both, two ways: the Python API (``s = dev.snapshot(); dev.revert(s); dev.discard(s)``,
as ``dev.anchor()`` does) and the JSON-RPC methods a test runner sends (``evm_snapshot`` / ``evm_revert`` through
``dev.w3``'s provider; evm_revert discards by itself), each with nothing in between and with one transfer in between
(so the revert has a block to undo; the transfer is not timed). Rounds interleave the chains and the ways, so a
change in the machine's load hits them alike; figures are medians of CPU time (``time.process_time_ns``).
Exits 1 when a target is missed.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _targets import Verdicts, environment  # noqa: E402

import hemi  # noqa: E402

TARGET_MS = 1.0
TARGET_GROWTH = 1.5


def build(blocks: int) -> hemi.Devchain:
    """A devchain of ``blocks`` L2 blocks, a transfer in every 4th (4, 8, ...), the others empty."""
    dev = hemi.Devchain()
    w3 = dev.w3
    a, b = w3.eth.accounts[:2]
    head = w3.eth.block_number
    while head < blocks:
        empty = (3 - head % 4) % 4  # empty blocks before the next multiple of 4
        if empty:
            dev.mine(min(empty, blocks - head))
        else:
            w3.eth.send_transaction({"from": a, "to": b, "value": 1})  # automine: one block
        head = w3.eth.block_number
    return dev


def api_round(dev: hemi.Devchain, between: Callable[[], None]) -> float:
    t0 = time.process_time_ns()
    s = dev.snapshot()
    t1 = time.process_time_ns()
    between()
    t2 = time.process_time_ns()
    dev.revert(s)
    dev.discard(s)
    return (t1 - t0 + time.process_time_ns() - t2) / 1e6


def rpc_round(dev: hemi.Devchain, between: Callable[[], None]) -> float:
    request = dev.w3.provider.make_request
    t0 = time.process_time_ns()
    sid = request("evm_snapshot", [])["result"]
    t1 = time.process_time_ns()
    between()
    t2 = time.process_time_ns()
    reverted = request("evm_revert", [sid])["result"]
    ms = (t1 - t0 + time.process_time_ns() - t2) / 1e6
    if reverted is not True:
        raise RuntimeError(f"evm_revert answered {reverted!r}")
    return ms


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--blocks", type=int, default=10_000)
    ap.add_argument("--small", type=int, default=100)
    ap.add_argument("--rounds", type=int, default=200)
    args = ap.parse_args()
    t0 = time.perf_counter()
    chains = {args.small: build(args.small), args.blocks: build(args.blocks)}
    built = time.perf_counter() - t0
    for n, dev in chains.items():
        if dev.w3.eth.block_number != n:
            raise RuntimeError(f"built {dev.w3.eth.block_number} blocks, wanted {n}")
    ways = {"Python API": api_round, "evm_snapshot/evm_revert": rpc_round}

    def transfer(dev: hemi.Devchain) -> Callable[[], None]:
        a, b = dev.w3.eth.accounts[2:4]
        return lambda: dev.w3.eth.send_transaction({"from": a, "to": b, "value": 1})

    shapes = {"nothing between": lambda dev: lambda: None, "a transfer between": transfer}
    samples: dict[tuple[str, str, int], list[float]] = {}
    for _ in range(args.rounds):
        for n, dev in chains.items():
            for way, fn in ways.items():
                for shape, make in shapes.items():
                    samples.setdefault((way, shape, n), []).append(fn(dev, make(dev)))
    for n, dev in chains.items():
        if dev.w3.eth.block_number != n:
            raise RuntimeError(f"a revert left {dev.w3.eth.block_number} blocks, not {n}")
    med = {k: statistics.median(xs) for k, xs in samples.items()}
    print("\n".join(environment()))
    print(f"median CPU time of {args.rounds} interleaved rounds; building both chains took {built:.0f} s")
    v = Verdicts()
    for way in ways:
        for shape in shapes:
            small, large = med[(way, shape, args.small)], med[(way, shape, args.blocks)]
            v.info(f"{way}, {shape}, {args.small} blocks", small, " ms")
            v.at_most(f"{way}, {shape}, {args.blocks} blocks", large, TARGET_MS, " ms")
            v.at_most(f"{way}, {shape}, growth {args.small} -> {args.blocks}", large / small, TARGET_GROWTH, "x")
    v.print()
    return v.exit_code()


if __name__ == "__main__":
    sys.exit(main())
