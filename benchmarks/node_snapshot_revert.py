"""Snapshot + revert of a whole devchain as the chain behind it grows (issue 17: revert is O(blocks reverted)).

    python benchmarks/node_snapshot_revert.py [--blocks 100,10000] [--rounds 300]

For each length, a devchain is built with a dev-account transfer every 4th L2 block (the rest empty), then
``dev.snapshot()`` + ``dev.revert(s)`` is timed (CPU time, ``time.process_time_ns``) in three shapes: nothing done
in between, one transfer in between, and 4 L2 blocks mined in between. Prints the medians and the ratio of the
longest chain to the shortest. Targets: median <= 1 ms at 10,000 blocks and <= 1.5x the cost at 100 blocks (with work
in between, only the ratio); the script exits 1 when one is missed (a benchmark, not a unit test).
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from collections.abc import Callable

from hemi.devchain import Devchain

TARGET_MS = 1.0
TARGET_RATIO = 1.5


def build(blocks: int) -> Devchain:
    dev = Devchain()
    a, b = dev.accounts[0], dev.accounts[1]
    while dev.engine.head_number < blocks:
        if dev.engine.head_number % 4 == 3:
            _transfer(dev, a.address, b.address)
        else:
            dev.mine(1)
    return dev


def _transfer(dev: Devchain, sender: str, to: str) -> None:
    engine = dev.engine
    key = dev.key_for(sender)
    assert key is not None
    nonce = engine.state().get_nonce(key.canonical)
    tx = engine.build_unsigned(nonce=nonce, gas=21_000, to=dev.key_for(to).canonical, value=1, data=b"")
    dev.include(tx.as_signed_transaction(key.key, chain_id=dev.config.chain_id), key.canonical)


def time_round(dev: Devchain, between: Callable[[Devchain], None]) -> float:
    t0 = time.process_time_ns()
    s = dev.snapshot()
    between(dev)
    dev.revert(s)
    dev.discard(s)
    return (time.process_time_ns() - t0) / 1e6


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--blocks", default="100,10000")
    parser.add_argument("--rounds", type=int, default=300)
    args = parser.parse_args()
    lengths = [int(x) for x in args.blocks.split(",")]
    shapes: dict[str, Callable[[Devchain], None]] = {
        "nothing between": lambda d: None,
        "one transfer between": lambda d: _transfer(d, d.accounts[2].address, d.accounts[3].address),
        "4 blocks between": lambda d: d.mine(4),
    }
    t0 = time.time()
    chains = {n: build(n) for n in lengths}
    print(f"built {lengths} in {time.time() - t0:.1f} s")
    results: dict[tuple[int, str], list[float]] = {}
    for _ in range(args.rounds):  # rounds interleaved across chains, so machine load hits them alike
        for n, dev in chains.items():
            for name, fn in shapes.items():
                results.setdefault((n, name), []).append(time_round(dev, fn))
    ok = True
    small, big = lengths[0], lengths[-1]
    for name in shapes:
        meds = {n: statistics.median(results[(n, name)]) for n in lengths}
        ratio = meds[big] / meds[small]
        line = ", ".join(f"{n} blocks {m:.3f} ms" for n, m in meds.items())
        if name == "nothing between":  # the target; with work in between only the growth with the chain counts
            verdict = "PASS" if meds[big] <= TARGET_MS and ratio <= TARGET_RATIO else "MISS"
            target = f"<= {TARGET_MS} ms, <= {TARGET_RATIO}x"
        else:
            verdict = "PASS" if ratio <= TARGET_RATIO else "MISS"
            target = f"<= {TARGET_RATIO}x"
        ok = ok and verdict == "PASS"
        print(f"{name:22s} {line}; ratio {ratio:.2f}x  [{verdict}: {target}]")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
